/* PutObject: stream the body into a data file, verify, commit, reply. */
#include "s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct put_op {
    lb_hdr *headers;
    size_t nheaders;
    char *tags;
} put_op;

static void put_free(s3_req *q)
{
    put_op *p = q->op;
    s3_hdrs_free(p->headers, p->nheaders);
    free(p->tags);
    free(p);
    q->op = NULL;
}

static void put_end(s3_req *q)
{
    put_op *p = q->op;
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_object o = {0};
    lb_hex_encode(md5, 16, o.etag);
    o.mtime_ms = lb_now_ns() / 1000000;
    snprintf(o.owner, sizeof o.owner, "%s", q->user);
    o.headers = p->headers;
    o.nheaders = p->nheaders;
    o.tags = p->tags;
    o.ck_alg = q->ck_alg;
    o.ck_value = ck[0] ? ck : NULL;
    lb_put_cond cond;
    char cond_etag[64];
    if ((rc = s3_write_conditions(q, &cond, cond_etag)) != 0) {
        s3_error(q, rc);
        return;
    }
    lb_writer *w = q->w;
    q->w = NULL; /* the store takes it */
    rc = lb_store_object_put(q->s3->store, q->bucket, q->key, &o, w, &cond);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    s3_respond_stored(q, o.etag, o.ck_alg, o.ck_value);
}

void s3_object_put(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    put_op *p = lb_xcalloc(1, sizeof *p);
    q->op = p;
    q->op_free = put_free;
    int rc = s3_collect_headers(q, &p->headers, &p->nheaders);
    if (rc == 0)
        rc = s3_tagging_header(q, &p->tags);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    if (s3_body_begin(q, BODY_WRITER, LB_MAX_PUT_SIZE))
        return;
    q->end = put_end;
}

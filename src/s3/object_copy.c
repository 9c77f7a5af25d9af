/* CopyObject: a new object from a stored one, metadata COPY or REPLACE. */
#include "s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_object_copy(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    char *sb = NULL, *sk = NULL;
    lb_object *src = NULL;
    lb_hdr *hdrs = NULL;
    size_t nh = 0;
    char *tags = NULL;
    lb_writer *w = NULL;
    int rc = s3_copy_source(q, &sb, &sk);
    if (rc)
        goto out;
    lb_bucket b;
    if ((rc = lb_store_bucket_get(q->s3->store, sb, &b)) != 0 ||
        (rc = s3_authorize(q, &b, "s3:GetObject", sk)) != 0)
        goto out;
    if ((rc = lb_store_object_get(q->s3->store, sb, sk, &src)) != 0)
        goto out;
    if ((rc = s3_copy_conditions(q, src)) != 0)
        goto out;
    const char *directive = s3_header(q, "x-amz-metadata-directive");
    bool replace = directive && strcmp(directive, "REPLACE") == 0;
    if (directive && !replace && strcmp(directive, "COPY") != 0) {
        rc = LB_E_INVALID_ARGUMENT;
        goto out;
    }
    if (!replace && strcmp(sb, q->bucket) == 0 && strcmp(sk, q->key) == 0) {
        s3_error_msg(q, LB_E_INVALID_REQUEST,
                     "This copy request is illegal because it is trying to copy an object to "
                     "itself without changing the object's metadata, storage class, website "
                     "redirect location or encryption attributes.",
                     NULL);
        goto done;
    }
    if (replace) {
        if ((rc = s3_collect_headers(q, &hdrs, &nh)) != 0)
            goto out;
    } else {
        hdrs = s3_hdrs_copy(src->headers, src->nheaders);
        nh = src->nheaders;
    }
    const char *td = s3_header(q, "x-amz-tagging-directive");
    if (td && strcmp(td, "REPLACE") == 0) {
        if ((rc = s3_tagging_header(q, &tags)) != 0)
            goto out;
    } else if (src->tags) {
        tags = lb_xstrdup(src->tags);
    }
    lb_cksum_alg ck = src->ck_alg;
    const char *want = s3_header(q, "x-amz-checksum-algorithm");
    if (want) {
        ck = lb_cksum_from_name(want);
        if (ck == LB_CK_NONE) {
            rc = LB_E_INVALID_ARGUMENT;
            goto out;
        }
    }
    uint8_t md5[16];
    char ckv[64];
    if ((rc = s3_copy_data(q, src, 0, src->size, ck, &w, md5, ckv)) != 0)
        goto out;
    lb_object o = {0};
    lb_hex_encode(md5, 16, o.etag);
    o.mtime_ms = lb_now_ns() / 1000000;
    snprintf(o.owner, sizeof o.owner, "%s", q->user);
    o.headers = hdrs;
    o.nheaders = nh;
    o.tags = tags;
    o.ck_alg = ck;
    o.ck_value = ckv[0] ? ckv : NULL;
    lb_put_cond cond;
    char cond_etag[64];
    if ((rc = s3_write_conditions(q, &cond, cond_etag)) != 0)
        goto out;
    rc = lb_store_object_put(q->s3->store, q->bucket, q->key, &o, w, &cond);
    w = NULL;
    if (rc)
        goto out;
    char ts[32], etag[64];
    lb_time_iso8601(o.mtime_ms, ts);
    s3_quote_etag(o.etag, etag);
    lb_buf x = {0};
    s3_xml_begin(&x, "CopyObjectResult");
    s3_xml_elem(&x, "LastModified", ts);
    s3_xml_elem(&x, "ETag", etag);
    if (o.ck_value)
        s3_xml_elem(&x, lb_cksum_element(ck), o.ck_value);
    lb_buf_puts(&x, "</CopyObjectResult>");
    s3_respond_xml(q, 200, &x);
    goto done;
out:
    if (rc == LB_E_NO_SUCH_BUCKET || rc == LB_E_NO_SUCH_KEY) {
        /* name the source in the error, as S3 does */
        s3_error(q, rc);
    } else if (rc) {
        s3_error(q, rc);
    }
done:
    lb_writer_free(w);
    s3_hdrs_free(hdrs, nh);
    free(tags);
    lb_object_free(src);
    free(sb);
    free(sk);
}

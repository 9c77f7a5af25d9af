/* Bucket operations: list, create, head, delete, location. */
#include "s3/internal.h"
#include "s3/xml_parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool s3_valid_bucket_name(const char *n)
{
    size_t len = strlen(n);
    if (len < 3 || len > 63)
        return false;
    if (!islower((unsigned char)n[0]) && !isdigit((unsigned char)n[0]))
        return false;
    if (!islower((unsigned char)n[len - 1]) && !isdigit((unsigned char)n[len - 1]))
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = n[i];
        if (!(islower((unsigned char)c) || isdigit((unsigned char)c) || c == '.' || c == '-'))
            return false;
        if (c == '.' && (n[i + 1] == '.' || n[i + 1] == '-' || (i && n[i - 1] == '-')))
            return false;
    }
    /* Not an IP address, and none of the reserved forms. */
    int a, b, c, d;
    char tail;
    if (sscanf(n, "%d.%d.%d.%d%c", &a, &b, &c, &d, &tail) == 4)
        return false;
    static const char *const reserved_prefix[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const char *const reserved_suffix[] = {"-s3alias", "--ol-s3", ".mrap", "--x-s3",
                                                  "--table-s3"};
    for (size_t i = 0; i < sizeof reserved_prefix / sizeof *reserved_prefix; i++)
        if (strncmp(n, reserved_prefix[i], strlen(reserved_prefix[i])) == 0)
            return false;
    for (size_t i = 0; i < sizeof reserved_suffix / sizeof *reserved_suffix; i++) {
        size_t sl = strlen(reserved_suffix[i]);
        if (len > sl && strcmp(n + len - sl, reserved_suffix[i]) == 0)
            return false;
    }
    return true;
}

void s3_list_buckets(s3_req *q)
{
    if (q->anonymous) {
        s3_error(q, LB_E_ACCESS_DENIED);
        return;
    }
    lb_bucket *list = NULL;
    size_t n = 0;
    int rc = lb_store_bucket_list(q->s3->store, q->is_root ? NULL : q->user, &list, &n);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_buf b = {0};
    s3_xml_begin(&b, "ListAllMyBucketsResult");
    s3_xml_owner(&b, "Owner", q->user);
    lb_buf_puts(&b, "<Buckets>");
    for (size_t i = 0; i < n; i++) {
        char ts[32];
        lb_time_iso8601(list[i].created_ms, ts);
        lb_buf_puts(&b, "<Bucket>");
        s3_xml_elem(&b, "Name", list[i].name);
        s3_xml_elem(&b, "CreationDate", ts);
        s3_xml_elem(&b, "BucketRegion", list[i].region);
        lb_buf_puts(&b, "</Bucket>");
    }
    lb_buf_puts(&b, "</Buckets></ListAllMyBucketsResult>");
    free(list);
    s3_respond_xml(q, 200, &b);
}

static void create_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    char *loc = NULL;
    if (rc == 0)
        rc = lb_xml_parse_create_bucket(q->buf.data, q->buf.len, &loc);
    if (rc == 0 && loc && *loc && strcmp(loc, q->s3->region) != 0 &&
        !(strcmp(loc, "us-east-1") == 0 && strcmp(q->s3->region, "us-east-1") == 0))
        rc = LB_E_INVALID_LOCATION;
    free(loc);
    if (rc == 0)
        rc = lb_store_bucket_create(q->s3->store, q->bucket, q->user, q->s3->region);
    /* S3 in us-east-1 answers 200 to an owner re-creating its bucket. */
    if (rc == LB_E_BUCKET_OWNED_BY_YOU && strcmp(q->s3->region, "us-east-1") == 0)
        rc = 0;
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_http_resp *r;
    s3_respond_empty(q, 200, &r);
    lb_buf loc_hdr = {0};
    lb_buf_printf(&loc_hdr, "/%s", q->bucket);
    lb_http_resp_header(r, "Location", loc_hdr.data);
    lb_buf_free(&loc_hdr);
    lb_http_respond(q->http, r);
}

void s3_bucket_create(s3_req *q)
{
    if (q->anonymous) {
        s3_error(q, LB_E_ACCESS_DENIED);
        return;
    }
    if (!s3_valid_bucket_name(q->bucket)) {
        s3_error(q, LB_E_INVALID_BUCKET_NAME);
        return;
    }
    if (s3_header(q, "x-amz-bucket-object-lock-enabled") &&
        strcasecmp(s3_header(q, "x-amz-bucket-object-lock-enabled"), "true") == 0) {
        s3_error(q, LB_E_NOT_IMPLEMENTED);
        return;
    }
    if (s3_body_begin(q, BODY_BUFFER, 64 * 1024))
        return;
    q->end = create_end;
}

void s3_bucket_head(s3_req *q)
{
    lb_bucket b;
    if (s3_bucket_access(q, &b, "s3:ListBucket"))
        return;
    lb_http_resp *r;
    s3_respond_empty(q, 200, &r);
    lb_http_resp_header(r, "x-amz-bucket-region", b.region);
    lb_http_respond(q->http, r);
}

void s3_bucket_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:DeleteBucket"))
        return;
    int rc = lb_store_bucket_delete(q->s3->store, q->bucket);
    s3_respond_rc(q, rc, 204);
}

void s3_bucket_location(s3_req *q)
{
    lb_bucket b;
    if (s3_bucket_access(q, &b, "s3:GetBucketLocation"))
        return;
    lb_buf x = {0};
    lb_buf_puts(&x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
                    "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">");
    /* us-east-1 is the empty constraint, as S3 answers it. */
    if (strcmp(b.region, "us-east-1") != 0)
        lb_buf_put_xml(&x, b.region);
    lb_buf_puts(&x, "</LocationConstraint>");
    s3_respond_xml(q, 200, &x);
}

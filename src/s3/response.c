/* Responses: the S3 error document, common headers, small XML writers. */
#include "s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

lb_http_resp *s3_resp(s3_req *q, lb_http_resp *r)
{
    lb_http_resp_header(r, "x-amz-request-id", q->id);
    lb_http_resp_header(r, "x-amz-id-2", q->id);
    lb_http_resp_header(r, "Server", "lifeboat");
    return r;
}

void s3_xml_begin(lb_buf *b, const char *root)
{
    lb_buf_printf(b,
                  "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<%s "
                  "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">",
                  root);
}

void s3_xml_elem(lb_buf *b, const char *name, const char *text)
{
    lb_buf_printf(b, "<%s>", name);
    lb_buf_put_xml(b, text ? text : "");
    lb_buf_printf(b, "</%s>", name);
}

void s3_xml_elem_u64(lb_buf *b, const char *name, uint64_t v)
{
    lb_buf_printf(b, "<%s>%llu</%s>", name, (unsigned long long)v, name);
}

void s3_xml_owner(lb_buf *b, const char *tag, const char *id)
{
    lb_buf_printf(b, "<%s>", tag);
    s3_xml_elem(b, "ID", id);
    s3_xml_elem(b, "DisplayName", id);
    lb_buf_printf(b, "</%s>", tag);
}

void s3_reply_checksum(s3_req *q, lb_http_resp *r, lb_cksum_alg alg, const char *value)
{
    (void)q;
    if (alg == LB_CK_NONE || !value || !*value)
        return;
    char name[48];
    snprintf(name, sizeof name, "x-amz-checksum-%s", lb_cksum_name(alg));
    lb_http_resp_header(r, name, value);
}

void s3_respond_stored(s3_req *q, const char *etag, lb_cksum_alg alg, const char *ck)
{
    lb_http_resp *r;
    s3_respond_empty(q, 200, &r);
    char quoted[64];
    s3_quote_etag(etag, quoted);
    lb_http_resp_header(r, "ETag", quoted);
    s3_reply_checksum(q, r, alg, ck);
    lb_http_respond(q->http, r);
}

void s3_quote_etag(const char *etag, char out[64])
{
    snprintf(out, 64, "\"%.60s\"", etag);
}

void s3_respond_xml(s3_req *q, int status, lb_buf *xml)
{
    size_t len = xml->len;
    lb_http_resp *r = lb_http_resp_buf(status, lb_buf_steal(xml), len);
    lb_http_resp_header(r, "Content-Type", "application/xml");
    lb_http_respond(q->http, s3_resp(q, r));
}

void s3_respond_empty(s3_req *q, int status, lb_http_resp **out_resp)
{
    lb_http_resp *r = s3_resp(q, lb_http_resp_buf(status, NULL, 0));
    if (out_resp)
        *out_resp = r;
    else
        lb_http_respond(q->http, r);
}

lb_http_resp *s3_error_resp(s3_req *q, int err, const char *message, const char *extra_xml)
{
    const lb_err_info *e = lb_err_lookup(err);
    if (e->http_status >= 500 || err == LB_E_CORRUPT)
        lb_error(q->id, "%s %s: %s (%s)", q->method, lb_http_raw_path(q->http), e->code,
                 lb_strerror(err));
    /* Errors mid-body leave the rest of it unread: close rather than guess. */
    bool close = q->mode != BODY_NONE;
    lb_http_resp *r;
    if (e->http_status == 304 || strcmp(q->method, "HEAD") == 0) {
        r = s3_resp(q, lb_http_resp_buf(e->http_status, NULL, 0));
    } else {
        lb_buf b = {0};
        lb_buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>");
        s3_xml_elem(&b, "Code", e->code);
        s3_xml_elem(&b, "Message", message ? message : e->message);
        if (q->bucket)
            s3_xml_elem(&b, "BucketName", q->bucket);
        if (q->key)
            s3_xml_elem(&b, "Key", q->key);
        if (extra_xml)
            lb_buf_puts(&b, extra_xml);
        s3_xml_elem(&b, "RequestId", q->id);
        s3_xml_elem(&b, "HostId", q->id);
        lb_buf_puts(&b, "</Error>");
        size_t len = b.len;
        r = lb_http_resp_buf(e->http_status, lb_buf_steal(&b), len);
        lb_http_resp_header(r, "Content-Type", "application/xml");
        s3_resp(q, r);
    }
    if (close)
        lb_http_resp_close(r);
    return r;
}

void s3_respond_rc(s3_req *q, int rc, int status)
{
    if (rc)
        s3_error(q, rc);
    else
        s3_respond_empty(q, status, NULL);
}

void s3_error_msg(s3_req *q, int err, const char *message, const char *extra_xml)
{
    lb_http_respond(q->http, s3_error_resp(q, err, message, extra_xml));
}

void s3_error(s3_req *q, int err) { s3_error_msg(q, err, NULL, NULL); }

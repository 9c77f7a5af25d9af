/* Get/Put/DeleteObjectTagging. */
#include "s3/internal.h"
#include "s3/xml_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_tagging_get(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:GetObjectTagging"))
        return;
    lb_object *o;
    int rc = lb_store_object_get(q->s3->store, q->bucket, q->key, &o);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_tag *tags = NULL;
    size_t n = 0;
    if (o->tags && lb_tags_parse_query(o->tags, 50, &tags, &n) != 0)
        n = 0;
    lb_buf b = {0};
    s3_xml_begin(&b, "Tagging");
    lb_buf_puts(&b, "<TagSet>");
    for (size_t i = 0; i < n; i++) {
        lb_buf_puts(&b, "<Tag>");
        s3_xml_elem(&b, "Key", tags[i].key);
        s3_xml_elem(&b, "Value", tags[i].value);
        lb_buf_puts(&b, "</Tag>");
    }
    lb_buf_puts(&b, "</TagSet></Tagging>");
    lb_tags_free(tags, n);
    lb_object_free(o);
    s3_respond_xml(q, 200, &b);
}

static void put_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    lb_tag *tags = NULL;
    size_t n = 0;
    int rc = s3_body_finish(q, md5, ck);
    if (rc == 0)
        rc = lb_xml_parse_tagging(q->buf.data, q->buf.len, 10, &tags, &n);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_buf t = {0};
    lb_tags_to_query(tags, n, &t);
    lb_tags_free(tags, n);
    rc = lb_store_object_set_tags(q->s3->store, q->bucket, q->key, t.data ? t.data : "");
    lb_buf_free(&t);
    s3_respond_rc(q, rc, 200);
}

void s3_tagging_put(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObjectTagging"))
        return;
    if (s3_body_begin(q, BODY_BUFFER, 64 * 1024))
        return;
    q->end = put_end;
}

void s3_tagging_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:DeleteObjectTagging"))
        return;
    int rc = lb_store_object_set_tags(q->s3->store, q->bucket, q->key, NULL);
    s3_respond_rc(q, rc, 204);
}

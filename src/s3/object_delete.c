/* DeleteObject and DeleteObjects (batch, quiet mode). */
#include "s3/internal.h"
#include "s3/xml_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_object_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL))
        return;
    int rc = lb_store_object_delete(q->s3->store, q->bucket, q->key);
    if (rc)
        s3_error(q, rc);
    else
        s3_respond_empty(q, 204, NULL);
}

static void multi_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    lb_delete_obj *objs = NULL;
    size_t n = 0;
    bool quiet = false;
    if (rc == 0)
        rc = lb_xml_parse_delete(q->buf.data, q->buf.len, &objs, &n, &quiet);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_buf b = {0};
    s3_xml_begin(&b, "DeleteResult");
    for (size_t i = 0; i < n; i++) {
        int r = strlen(objs[i].key) > LB_MAX_KEY_LEN ? LB_E_KEY_TOO_LONG
                : objs[i].version_id && strcmp(objs[i].version_id, "null") != 0
                    ? LB_E_NO_SUCH_KEY /* versioning arrives with its issue */
                    : lb_store_object_delete(q->s3->store, q->bucket, objs[i].key);
        if (r == 0) {
            if (!quiet) {
                lb_buf_puts(&b, "<Deleted>");
                s3_xml_elem(&b, "Key", objs[i].key);
                lb_buf_puts(&b, "</Deleted>");
            }
        } else {
            const lb_err_info *e = lb_err_lookup(r);
            lb_buf_puts(&b, "<Error>");
            s3_xml_elem(&b, "Key", objs[i].key);
            s3_xml_elem(&b, "Code", e->code);
            s3_xml_elem(&b, "Message", e->message);
            lb_buf_puts(&b, "</Error>");
        }
    }
    lb_buf_puts(&b, "</DeleteResult>");
    lb_delete_objs_free(objs, n);
    s3_respond_xml(q, 200, &b);
}

void s3_objects_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL))
        return;
    if (s3_body_begin(q, BODY_BUFFER, LB_MAX_XML_BODY))
        return;
    q->end = multi_end;
}

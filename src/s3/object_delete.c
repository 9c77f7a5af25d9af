/* DeleteObject and DeleteObjects (batch, quiet mode). */
#include "s3/internal.h"
#include "s3/xml_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void s3_object_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:DeleteObject"))
        return;
    int rc = lb_store_object_delete(q->s3->store, q->bucket, q->key);
    s3_respond_rc(q, rc, 204);
}

static void multi_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    lb_delete_obj *objs = NULL;
    size_t n = 0;
    bool quiet = false;
    lb_bucket bucket;
    /* Authorized per key below; the bucket may have gone meanwhile. */
    if (rc == 0)
        rc = lb_store_bucket_get(q->s3->store, q->bucket, &bucket);
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
                    : s3_authorize(q, &bucket, "s3:DeleteObject", objs[i].key);
        if (r == 0)
            r = lb_store_object_delete(q->s3->store, q->bucket, objs[i].key);
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

/* S3 refuses a batch delete whose body is not covered by an integrity check:
 * a corrupted key list could delete the wrong objects. */
static bool has_integrity_header(s3_req *q)
{
    if (s3_header(q, "content-md5") || s3_header(q, "x-amz-sdk-checksum-algorithm") ||
        s3_header(q, "x-amz-trailer"))
        return true;
    for (int a = LB_CK_CRC32; a < LB_CK__COUNT; a++) {
        char name[48];
        snprintf(name, sizeof name, "x-amz-checksum-%s", lb_cksum_name((lb_cksum_alg)a));
        if (s3_header(q, name))
            return true;
    }
    return false;
}

void s3_objects_delete(s3_req *q)
{
    lb_bucket b;
    if (s3_bucket_load(q, &b))
        return;
    /* Keys are authorized one by one (a policy may allow some); without a
     * policy a stranger can delete none, and is refused outright. */
    bool owner = q->is_root || (!q->anonymous && strcmp(b.owner, q->user) == 0);
    if (!owner && !b.has_policy) {
        s3_error(q, LB_E_ACCESS_DENIED);
        return;
    }
    if (!has_integrity_header(q)) {
        s3_error_msg(q, LB_E_INVALID_REQUEST,
                     "Missing required header for this request: Content-MD5", NULL);
        return;
    }
    if (s3_body_begin(q, BODY_BUFFER, LB_MAX_XML_BODY))
        return;
    q->end = multi_end;
}

/* Get/Put/DeleteBucketPolicy: the document is stored as sent, after the
 * evaluator has parsed it and every Resource was found to name this bucket. */
#include "iam/iam.h"
#include "s3/internal.h"

#include <stdlib.h>
#include <string.h>

void s3_policy_get(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:GetBucketPolicy"))
        return;
    char *json = NULL;
    size_t len = 0;
    int rc = lb_store_bucket_policy_get(q->s3->store, q->bucket, &json, &len);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_http_resp *r = s3_resp(q, lb_http_resp_buf(200, json, len));
    lb_http_resp_header(r, "Content-Type", "application/json");
    lb_http_respond(q->http, r);
}

/* "arn:aws:s3:::bucket" or "arn:aws:s3:::bucket/...": no wildcard may reach
 * past the bucket name into other buckets. */
static int own_resource(void *arg, const char *res)
{
    const char *bucket = arg;
    const char *pfx = "arn:aws:s3:::";
    size_t pl = strlen(pfx), bl = strlen(bucket);
    if (strncmp(res, pfx, pl) != 0 || strncmp(res + pl, bucket, bl) != 0)
        return 1;
    char c = res[pl + bl];
    return c == 0 || c == '/' ? 0 : 1;
}

static void put_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    char err[256] = "";
    lb_policy *p = NULL;
    rc = lb_policy_parse(q->buf.data ? q->buf.data : "", q->buf.len, LB_POLICY_BUCKET, &p, err,
                         sizeof err);
    if (rc == 0 && lb_policy_resources(p, own_resource, q->bucket) != 0) {
        rc = LB_E_MALFORMED_POLICY;
        strcpy(err, "Policy has invalid resource");
    }
    lb_policy_free(p);
    if (rc) {
        s3_error_msg(q, rc, rc == LB_E_MALFORMED_POLICY && *err ? err : NULL, NULL);
        return;
    }
    rc = lb_store_bucket_policy_put(q->s3->store, q->bucket, q->buf.data, q->buf.len);
    if (rc)
        s3_error(q, rc);
    else
        s3_respond_empty(q, 204, NULL);
}

void s3_policy_put(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutBucketPolicy"))
        return;
    if (s3_body_begin(q, BODY_BUFFER, LB_POLICY_MAX_SIZE))
        return;
    q->end = put_end;
}

void s3_policy_delete(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:DeleteBucketPolicy"))
        return;
    int rc = lb_store_bucket_policy_delete(q->s3->store, q->bucket);
    /* S3 answers 204 whether or not there was a policy. */
    if (rc && rc != LB_E_NO_SUCH_BUCKET_POLICY)
        s3_error(q, rc);
    else
        s3_respond_empty(q, 204, NULL);
}

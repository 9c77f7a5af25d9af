/* Get/Put/DeleteBucketPolicy: the document is stored as sent, after the
 * evaluator has parsed it, every Resource was found to name this bucket and,
 * when the public access block in force has BlockPublicPolicy, the document
 * was found not public (lb_policy_is_public).  Get/Put/DeletePublicAccessBlock
 * below. */
#include "iam/iam.h"
#include "s3/internal.h"
#include "s3/xml_parse.h"

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
    bool is_public = rc == 0 && lb_policy_is_public(p);
    lb_policy_free(p);
    if (rc) {
        s3_error_msg(q, rc, rc == LB_E_MALFORMED_POLICY && *err ? err : NULL, NULL);
        return;
    }
    s3_pab pab;
    if (is_public && (rc = s3_pab_effective(q, q->bucket, &pab)) != 0) {
        s3_error(q, rc);
        return;
    }
    if (is_public && pab.block_public_policy) {
        s3_error_msg(q, LB_E_ACCESS_DENIED,
                     q->s3->allow_public
                         ? "public policies are blocked by the BlockPublicAccess settings of "
                           "this bucket"
                         : "public policies are blocked on this site (serve --allow-public "
                           "lets buckets be public)",
                     NULL);
        return;
    }
    rc = lb_store_bucket_policy_put(q->s3->store, q->bucket, q->buf.data, q->buf.len);
    s3_respond_rc(q, rc, 204);
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
    s3_respond_rc(q, rc == LB_E_NO_SUCH_BUCKET_POLICY ? 0 : rc, 204);
}

/* ---------------------------------------------------------------- public access block
 *
 * Stored as four '0'/'1' characters in the order of the XML fields:
 * BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets.
 * lifeboat has no ACLs yet, so the first two are kept and returned but change
 * nothing. */

static const char *const pab_fields[4] = {"BlockPublicAcls", "IgnorePublicAcls",
                                          "BlockPublicPolicy", "RestrictPublicBuckets"};

int s3_pab_effective(s3_req *q, const char *bucket, s3_pab *out)
{
    if (!q->s3->allow_public) {
        out->block_public_policy = true;
        out->restrict_public_buckets = true;
        return 0;
    }
    out->block_public_policy = false;
    out->restrict_public_buckets = false;
    char *v = NULL;
    size_t len = 0;
    int rc = lb_store_bucket_pab_get(q->s3->store, bucket, &v, &len);
    if (rc == LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK || rc == LB_E_NO_SUCH_BUCKET)
        return 0;
    if (rc)
        return rc;
    if (len == 4) {
        out->block_public_policy = v[2] == '1';
        out->restrict_public_buckets = v[3] == '1';
    }
    free(v);
    return 0;
}

void s3_pab_get(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:GetBucketPublicAccessBlock"))
        return;
    char *v = NULL;
    size_t len = 0;
    int rc = lb_store_bucket_pab_get(q->s3->store, q->bucket, &v, &len);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_buf b = {0};
    s3_xml_begin(&b, "PublicAccessBlockConfiguration");
    for (int i = 0; i < 4; i++)
        s3_xml_elem(&b, pab_fields[i], len == 4 && v[i] == '1' ? "true" : "false");
    lb_buf_puts(&b, "</PublicAccessBlockConfiguration>");
    free(v);
    s3_respond_xml(q, 200, &b);
}

static void pab_put_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    lb_public_access_block c;
    rc = lb_xml_parse_public_access_block(q->buf.data, q->buf.len, &c);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    char v[5] = {c.block_public_acls ? '1' : '0', c.ignore_public_acls ? '1' : '0',
                 c.block_public_policy ? '1' : '0', c.restrict_public_buckets ? '1' : '0', 0};
    rc = lb_store_bucket_pab_put(q->s3->store, q->bucket, v, 4);
    s3_respond_rc(q, rc, 200);
}

void s3_pab_put(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutBucketPublicAccessBlock"))
        return;
    if (s3_body_begin(q, BODY_BUFFER, LB_MAX_XML_BODY))
        return;
    q->end = pab_put_end;
}

void s3_pab_delete(s3_req *q)
{
    /* S3 authorizes DeletePublicAccessBlock as s3:PutBucketPublicAccessBlock. */
    if (s3_bucket_access(q, NULL, "s3:PutBucketPublicAccessBlock"))
        return;
    int rc = lb_store_bucket_pab_delete(q->s3->store, q->bucket);
    s3_respond_rc(q, rc == LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK ? 0 : rc, 204);
}

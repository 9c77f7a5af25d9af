/* Routing: which operation a request is, from method, target and query. */
#include "s3/internal.h"

#include <stdio.h>
#include <string.h>

/* Subresources S3 has that lifeboat does not serve yet: NotImplemented,
 * never a silent misroute to a plain object or bucket operation.  "policy"
 * and "publicAccessBlock" are served on buckets (route_bucket checks them
 * first), not on objects. */
static const char *const unimplemented[] = {
    "acl", "policy", "cors", "lifecycle", "website", "replication", "encryption",
    "object-lock", "retention", "legal-hold", "notification", "logging", "requestPayment",
    "ownershipControls", "publicAccessBlock", "accelerate", "analytics", "inventory", "metrics",
    "intelligent-tiering", "torrent", "restore", "select", "policyStatus", "attributes",
    "versions", "session",
};

static bool has_unimplemented(s3_req *q)
{
    for (size_t i = 0; i < sizeof unimplemented / sizeof *unimplemented; i++)
        if (s3_has_query(q, unimplemented[i]))
            return true;
    return false;
}

static void versioning_get(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:GetBucketVersioning"))
        return;
    lb_buf b = {0};
    s3_xml_begin(&b, "VersioningConfiguration");
    lb_buf_puts(&b, "</VersioningConfiguration>");
    s3_respond_xml(q, 200, &b);
}

static void route_service(s3_req *q)
{
    if (strcmp(q->method, "GET") == 0)
        s3_list_buckets(q);
    else
        s3_error(q, LB_E_METHOD_NOT_ALLOWED);
}

static void route_bucket(s3_req *q)
{
    const char *m = q->method;
    if (strcmp(m, "GET") == 0) {
        if (s3_has_query(q, "location"))
            s3_bucket_location(q);
        else if (s3_has_query(q, "uploads"))
            s3_list_uploads(q);
        else if (s3_has_query(q, "versioning"))
            versioning_get(q);
        else if (s3_has_query(q, "policy"))
            s3_policy_get(q);
        else if (s3_has_query(q, "publicAccessBlock"))
            s3_pab_get(q);
        else if (has_unimplemented(q) || s3_has_query(q, "tagging"))
            s3_error(q, LB_E_NOT_IMPLEMENTED);
        else
            s3_list_objects(q, s3_query(q, "list-type") && strcmp(s3_query(q, "list-type"), "2") == 0 ? 2 : 1);
    } else if (strcmp(m, "PUT") == 0) {
        if (s3_has_query(q, "policy"))
            s3_policy_put(q);
        else if (s3_has_query(q, "publicAccessBlock"))
            s3_pab_put(q);
        else if (has_unimplemented(q) || s3_has_query(q, "versioning") ||
                 s3_has_query(q, "tagging"))
            s3_error(q, LB_E_NOT_IMPLEMENTED);
        else
            s3_bucket_create(q);
    } else if (strcmp(m, "HEAD") == 0) {
        s3_bucket_head(q);
    } else if (strcmp(m, "DELETE") == 0) {
        if (s3_has_query(q, "policy"))
            s3_policy_delete(q);
        else if (s3_has_query(q, "publicAccessBlock"))
            s3_pab_delete(q);
        else if (has_unimplemented(q) || s3_has_query(q, "tagging"))
            s3_error(q, LB_E_NOT_IMPLEMENTED);
        else
            s3_bucket_delete(q);
    } else if (strcmp(m, "POST") == 0) {
        if (s3_has_query(q, "delete"))
            s3_objects_delete(q);
        else
            s3_error(q, LB_E_NOT_IMPLEMENTED);
    } else {
        s3_error(q, LB_E_METHOD_NOT_ALLOWED);
    }
}

static void route_object(s3_req *q)
{
    const char *m = q->method;
    bool upload = s3_has_query(q, "uploadId");
    if (has_unimplemented(q)) {
        s3_error(q, LB_E_NOT_IMPLEMENTED);
        return;
    }
    if (strcmp(m, "PUT") == 0) {
        if (upload && s3_has_query(q, "partNumber"))
            s3_header(q, "x-amz-copy-source") ? s3_mpu_copy_part(q) : s3_mpu_upload_part(q);
        else if (upload)
            s3_error(q, LB_E_INVALID_REQUEST);
        else if (s3_has_query(q, "tagging"))
            s3_tagging_put(q);
        else if (s3_header(q, "x-amz-copy-source"))
            s3_object_copy(q);
        else
            s3_object_put(q);
    } else if (strcmp(m, "GET") == 0) {
        if (upload)
            s3_mpu_list_parts(q);
        else if (s3_has_query(q, "tagging"))
            s3_tagging_get(q);
        else
            s3_object_get(q, false);
    } else if (strcmp(m, "HEAD") == 0) {
        s3_object_get(q, true);
    } else if (strcmp(m, "DELETE") == 0) {
        if (upload)
            s3_mpu_abort(q);
        else if (s3_has_query(q, "tagging"))
            s3_tagging_delete(q);
        else
            s3_object_delete(q);
    } else if (strcmp(m, "POST") == 0) {
        if (s3_has_query(q, "uploads"))
            s3_mpu_create(q);
        else if (upload)
            s3_mpu_complete(q);
        else
            s3_error(q, LB_E_METHOD_NOT_ALLOWED);
    } else {
        s3_error(q, LB_E_METHOD_NOT_ALLOWED);
    }
}

void s3_route(s3_req *q)
{
    if (q->bucket && strcmp(q->bucket, "_lifeboat") == 0) {
        s3_admin(q);
        return;
    }
    if (!q->bucket)
        route_service(q);
    else if (!q->key)
        route_bucket(q);
    else
        route_object(q);
}

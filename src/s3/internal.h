/* Private to s3/: the per-request context and helpers shared by the
 * operation files. */
#ifndef LB_S3_INTERNAL_H
#define LB_S3_INTERNAL_H

#include "s3/chunked.h"
#include "s3/s3.h"
#include "s3/sigv4.h"

#define LB_MAX_PUT_SIZE (5ULL << 30)      /* single PUT and each part */
#define LB_MIN_PART_SIZE (5ULL << 20)     /* all parts but the last */
#define LB_MAX_XML_BODY (4u << 20)        /* request bodies we parse */
#define LB_MAX_KEY_LEN 1024

struct lb_s3 {
    lb_store *store;
    char *region, *root_access, *root_secret, *domain;
    unsigned max_inflight;
    bool allow_public; /* see lb_s3_opts */
    lb_http_server *srv;
};

typedef struct s3_req s3_req;
typedef void (*s3_op_fn)(s3_req *q);

/* How the request body flows: nowhere, into a bounded buffer (XML), or into
 * a data file writer.  Either way through the aws-chunked decoder when the
 * client used it, with signatures, Content-MD5 and checksums verified. */
typedef enum { BODY_NONE, BODY_BUFFER, BODY_WRITER } body_mode;

struct s3_req {
    lb_s3 *s3;
    lb_http_req *http;
    const char *id;
    const char *method;
    char *bucket; /* decoded, NULL for service-level requests */
    char *key;    /* decoded, NULL for bucket-level requests */
    lb_kv *query; /* decoded */
    size_t nquery;
    /* identity */
    char user[64];
    bool is_root, anonymous;
    lb_sigv4_auth auth;
    uint8_t signing_key[32];
    char scope[128];
    /* body */
    body_mode mode;
    uint64_t limit;
    lb_chunked *chunked;
    bool sha_check;
    char expect_sha[65];
    lb_digest sha;
    bool md5_check;
    uint8_t expect_md5[16];
    lb_digest md5;
    lb_cksum_alg ck_alg;
    char *ck_expect; /* from the header; NULL when it comes in the trailer */
    bool ck_in_trailer;
    lb_cksum ck;
    lb_buf buf;
    lb_writer *w;
    uint64_t decoded;
    int body_err;
    /* the operation */
    s3_op_fn end; /* called when the body is complete */
    void *op;     /* operation state */
    void (*op_free)(s3_req *q);
};

/* ---- server.c */
const char *s3_query(const s3_req *q, const char *name);
bool s3_has_query(const s3_req *q, const char *name);
const char *s3_header(const s3_req *q, const char *name);

/* ---- body.c */
/* Sets up the body pipeline for mode; responds with an error and returns it
 * when the headers announce a body we refuse. */
int s3_body_begin(s3_req *q, body_mode mode, uint64_t limit);
void s3_body_feed(s3_req *q, const char *data, size_t n);
/* At the end: verifies lengths, signatures and digests.  For BODY_WRITER,
 * md5 and the checksum (base64 in ck_b64, "" when none) come out. */
int s3_body_finish(s3_req *q, uint8_t md5[16], char ck_b64[64]);
void s3_body_free(s3_req *q);

/* ---- auth.c */
/* Verifies SigV4 or SigV2 (header or presigned) or marks the request anonymous.
 * Prepares chunk-signature state for aws-chunked bodies. */
int s3_authenticate(s3_req *q);
/* May the requester do action ("s3:GetObject") on b, or on b/key when key is
 * not NULL?  Ownership and b's policy, in the order the comment above
 * s3_authorize in auth.c gives (explicit Deny wins, then owner or root, then
 * Allow).  Returns 0, LB_E_ACCESS_DENIED or a store error; does not respond. */
int s3_authorize(s3_req *q, const lb_bucket *b, const char *action, const char *key);
/* Loads q->bucket into b (may be NULL) and authorizes action on it, or on
 * q->key for object requests; responds on failure (anonymous callers get
 * AccessDenied for a missing bucket too). */
int s3_bucket_access(s3_req *q, lb_bucket *b, const char *action);
/* Loads q->bucket without authorizing (the operation checks per key);
 * responds on failure. */
int s3_bucket_load(s3_req *q, lb_bucket *b);

/* ---- response.c */
void s3_error(s3_req *q, int err);
void s3_error_msg(s3_req *q, int err, const char *message, const char *extra_xml);
/* The error response itself, not yet given (the stalled-body watchdog sends it). */
lb_http_resp *s3_error_resp(s3_req *q, int err, const char *message, const char *extra_xml);
void s3_respond_xml(s3_req *q, int status, lb_buf *xml); /* takes xml */
void s3_respond_empty(s3_req *q, int status, lb_http_resp **out_resp);
/* The error for rc, or an empty answer with status when rc is 0. */
void s3_respond_rc(s3_req *q, int rc, int status);
lb_http_resp *s3_resp(s3_req *q, lb_http_resp *r); /* adds common headers */
void s3_xml_begin(lb_buf *b, const char *root);
void s3_xml_elem(lb_buf *b, const char *name, const char *text);
void s3_xml_elem_u64(lb_buf *b, const char *name, uint64_t v);
/* <tag><ID>id</ID><DisplayName>id</DisplayName></tag> (Owner, Initiator). */
void s3_xml_owner(lb_buf *b, const char *tag, const char *id);
void s3_quote_etag(const char *etag, char out[64]);
/* x-amz-checksum-<alg>: value, when there is one. */
void s3_reply_checksum(s3_req *q, lb_http_resp *r, lb_cksum_alg alg, const char *value);
/* 200 with the ETag (and checksum) of what was just stored (PutObject, UploadPart). */
void s3_respond_stored(s3_req *q, const char *etag, lb_cksum_alg alg, const char *ck);

/* ---- operations */
void s3_route(s3_req *q);
void s3_list_buckets(s3_req *q);
void s3_bucket_create(s3_req *q);
void s3_bucket_head(s3_req *q);
void s3_bucket_delete(s3_req *q);
void s3_bucket_location(s3_req *q);
void s3_list_objects(s3_req *q, int version);
void s3_list_uploads(s3_req *q);
void s3_object_put(s3_req *q);
void s3_object_get(s3_req *q, bool head);
void s3_object_delete(s3_req *q);
void s3_objects_delete(s3_req *q);
void s3_object_copy(s3_req *q);
void s3_tagging_get(s3_req *q);
void s3_tagging_put(s3_req *q);
void s3_tagging_delete(s3_req *q);
void s3_mpu_create(s3_req *q);
void s3_mpu_upload_part(s3_req *q);
void s3_mpu_copy_part(s3_req *q);
void s3_mpu_complete(s3_req *q);
void s3_mpu_abort(s3_req *q);
void s3_mpu_list_parts(s3_req *q);
void s3_admin(s3_req *q);
void s3_policy_get(s3_req *q);
void s3_policy_put(s3_req *q);
void s3_policy_delete(s3_req *q);

/* PublicAccessBlock (bucket_policy.c): Get/Put/DeletePublicAccessBlock, and
 * the block in force for a bucket — the site's (everything blocked unless
 * serve --allow-public) combined with the bucket's own configuration. */
void s3_pab_get(s3_req *q);
void s3_pab_put(s3_req *q);
void s3_pab_delete(s3_req *q);
typedef struct s3_pab {
    bool block_public_policy;     /* PutBucketPolicy refuses public documents */
    bool restrict_public_buckets; /* public policies grant nothing to anonymous */
} s3_pab;
int s3_pab_effective(s3_req *q, const char *bucket, s3_pab *out);

/* ---- object_meta.c: headers stored with an object */
/* Collects Content-Type, Content-Encoding (minus aws-chunked), Cache-Control,
 * Content-Disposition, Content-Language, Expires, x-amz-meta-*,
 * x-amz-storage-class, x-amz-website-redirect-location. */
int s3_collect_headers(s3_req *q, lb_hdr **out, size_t *n);
void s3_hdrs_free(lb_hdr *h, size_t n);
lb_hdr *s3_hdrs_copy(const lb_hdr *h, size_t n);
/* The tagging header, validated, in stored form (NULL when none). */
int s3_tagging_header(s3_req *q, char **tags);
/* Adds the object's stored headers, ETag, Last-Modified... to resp. */
void s3_object_headers(s3_req *q, const lb_object *o, lb_http_resp *resp);
/* Copies a source object's data into a new writer (copy and part copy). */
int s3_copy_data(s3_req *q, const lb_object *src, uint64_t off, uint64_t len, lb_cksum_alg ck,
                 lb_writer **out, uint8_t md5[16], char ck_b64[64]);
/* Parses x-amz-copy-source into bucket and key (decoded; malloc'ed). */
int s3_copy_source(s3_req *q, char **bucket, char **key);
/* Evaluates copy-source conditional headers against src. */
int s3_copy_conditions(s3_req *q, const lb_object *src);
bool s3_valid_bucket_name(const char *name);
/* If-None-Match: * and If-Match on PutObject, CopyObject and
 * CompleteMultipartUpload.  Fills cond (etag points into scratch). */
int s3_write_conditions(s3_req *q, lb_put_cond *cond, char scratch[64]);

#endif

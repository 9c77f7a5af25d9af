/* sigv2: AWS Signature Version 2 for S3, the server side of verification.
 *
 * Private to src/s3.  Pure functions: no I/O, no clock, no credential
 * lookup.  The caller (the request authenticator) parses the credentials,
 * looks up the secret for the access key, rebuilds the string to sign from
 * what it received, signs it and compares with lb_sigv4_sig_equal() (a
 * constant-time comparison that does not care which version made the
 * strings).  Policy (clock skew, expiry) is the caller's: it needs the clock.
 *
 * Still worth having although AWS deprecated it: botocore's default
 * presigned URLs for S3 in us-east-1, `aws s3 presign` of aws CLI v1 and
 * s3cmd with signature_v2 = True all sign with V2.
 *
 * Facts follow the Amazon S3 developer guide, "Signing and authenticating
 * REST requests (AWS signature version 2)", and what botocore and s3cmd
 * sign where the guide is silent (which subresources count).
 *
 * Thread rules: every function is reentrant; nothing is shared. */
#ifndef LB_S3_SIGV2_H
#define LB_S3_SIGV2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"
#include "s3/sigv4.h" /* lb_kv */

/* Base64 of a 20-byte HMAC-SHA1: 28 characters and the NUL. */
#define LB_SIGV2_SIG_LEN 28

/* Parsed credentials of one request. */
typedef struct lb_sigv2_auth {
    char access_key[128];
    char signature[LB_SIGV2_SIG_LEN + 1]; /* base64 as sent */
    char expires[21];                     /* query auth: Expires as sent, else "" */
    int64_t expires_at;                   /* query auth: Expires in unix seconds, else -1 */
} lb_sigv2_auth;

/* Parses an Authorization header value "AWS AccessKeyId:Signature".  One
 * space after "AWS"; the access key is the text up to the last ':' and may
 * not be empty or hold blanks; the signature must be 28 characters of
 * base64 (HMAC-SHA1 is 20 bytes).
 *
 * Returns 0, or LB_E_INVALID_ARGUMENT (S3 answers InvalidArgument for a V2
 * header it cannot read) when the value does not have that shape or a part
 * does not fit its array.  out is zeroed (expires_at -1) on failure. */
int lb_sigv2_parse_header(const char *authorization, lb_sigv2_auth *out);

/* Parses the query parameters of a V2 presigned URL (values already
 * %-decoded): AWSAccessKeyId, Signature and Expires, names matched exactly.
 * Other parameters are ignored.  A ' ' in the signature is taken as '+':
 * base64 has no blanks, and a client that left '+' unencoded meant one.
 *
 * Returns 0, or LB_E_ACCESS_DENIED (what S3 answers: "Query-string
 * authentication requires the Signature, Expires and AWSAccessKeyId
 * parameters") when one is missing, empty or repeated, Expires is not a
 * decimal of at most 18 digits, or the signature is not 28 characters of
 * base64.  out is zeroed (expires_at -1) on failure. */
int lb_sigv2_parse_query(const lb_kv *query, size_t nquery, lb_sigv2_auth *out);

/* What lb_sigv2_string_to_sign() needs of a request. */
typedef struct lb_sigv2_request {
    const char *method;
    /* The bucket when the Host header named it (virtual-host style), else
     * NULL: path-style paths already start with the bucket. */
    const char *host_bucket;
    /* The path exactly as on the request line, still %-encoded: AWS signs
     * it literally, escapes and their case included (its Unicode example
     * mixes "%C3" and "%c3"), and clients sign what they send. */
    const char *raw_path;
    const lb_kv *query; /* %-decoded; value NULL when there was no '=' */
    size_t nquery;
    const lb_kv *headers; /* names in any case; a name may repeat */
    size_t nheaders;
    /* Query auth: the Expires parameter as sent, which takes the place of
     * the date; x-amz-* query parameters then count as amz headers.  NULL
     * for header auth. */
    const char *expires;
    /* For a request that addresses a bucket itself: sign its resource as
     * "/bucket" rather than "/bucket/".  S3 takes either, whatever the path
     * on the wire: AWS's examples, botocore, boto and s3cmd sign the
     * second (botocore even for a path of "/bucket"), minio-go the first.
     * Ignored for object and service requests. */
    bool bucket_without_slash;
} lb_sigv2_request;

/* Appends the string to sign to out:
 *   method \n Content-MD5 \n Content-Type \n date \n amz-headers resource
 * Content-MD5 and Content-Type: the header values trimmed, "" when absent.
 * date: Expires for query auth; for header auth "" when an x-amz-date
 * header is present (it is signed among the amz headers instead), else the
 * Date header, else "".
 * amz-headers: every header whose name starts with "x-amz-" (any case),
 * and for query auth every such query parameter too (botocore moves the
 * x-amz-* headers it signed into the presigned URL), as "name:value\n"
 * with the name lower-cased, sorted by name, values trimmed and repeated
 * names joined with ',' in arrival order, headers before parameters.
 * resource: "/" host_bucket when given, then raw_path ("/" when empty),
 * except that a request for a bucket itself (virtual-host path "/",
 * path-style "/bucket" or "/bucket/") signs "/bucket/", or "/bucket" with
 * bucket_without_slash; then, when the query holds any, '?' and the
 * subresources that count
 * (acl, delete, lifecycle, location, logging, notification, partNumber,
 * policy, requestPayment, tagging, torrent, uploadId, uploads, versionId,
 * versioning, versions, website, the response-* overrides, and the others
 * botocore signs: accelerate, analytics, cors, defaultObjectAcl,
 * inventory, metrics, object-lock, replication, restore, select,
 * select-type, storageClass), sorted by name (stable), joined with '&',
 * each "name" when it had no '=' or "name=value" with the decoded value.
 *
 * Returns 0, or LB_E_INVALID_ARGUMENT when method or raw_path is NULL.  On
 * failure out may hold a partial result; reset it before reuse. */
int lb_sigv2_string_to_sign(const lb_sigv2_request *req, lb_buf *out);

/* out = base64(HMAC-SHA1(secret, string_to_sign)), 28 characters. */
void lb_sigv2_sign(const char *secret, const char *string_to_sign, char out[LB_SIGV2_SIG_LEN + 1]);

/* Parses a V2 request date: RFC 1123 with "GMT" or a numeric zone
 * ("Tue, 27 Mar 2007 19:36:42 +0000", as AWS's examples and s3cmd write
 * it), or the other HTTP date forms.  Returns unix seconds, or -1 when
 * unparseable. */
int64_t lb_sigv2_parse_date(const char *s);

#endif

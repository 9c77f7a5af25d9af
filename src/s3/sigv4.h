/* sigv4: AWS Signature Version 4 for S3, the server side of verification.
 *
 * Private to src/s3.  Pure functions: no I/O, no clock, no credential
 * lookup.  The caller (the request authenticator) parses the credentials,
 * looks up the secret for the access key, rebuilds the canonical request
 * from what it received, signs it and compares with lb_sigv4_sig_equal().
 * Policy (clock skew, presigned expiry, scope date against X-Amz-Date,
 * region) is the caller's, because it needs the clock and the config.
 *
 * Facts follow the AWS S3 API reference, "Authenticating Requests (AWS
 * Signature Version 4)", its header, query-string and chunked-upload pages.
 *
 * Thread rules: every function is reentrant; nothing is shared. */
#ifndef LB_S3_SIGV4_H
#define LB_S3_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* A name and value, both NUL-terminated.  Used for query parameters and
 * request headers; the strings belong to the caller. */
typedef struct lb_kv {
    const char *key;
    const char *value;
} lb_kv;

/* The algorithm name in the Authorization header and X-Amz-Algorithm. */
#define LB_SIGV4_ALGORITHM "AWS4-HMAC-SHA256"
/* Hex SHA-256 of the empty string: the hash of an empty payload, and the
 * fixed middle line of every chunk string to sign. */
#define LB_SIGV4_EMPTY_SHA256 "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/* Parsed credentials of one request. */
typedef struct lb_sigv4_auth {
    char access_key[128];
    char date[9];              /* YYYYMMDD, the credential scope date */
    char region[64];
    char service[32];
    char signed_headers[1024]; /* "host;x-amz-content-sha256;x-amz-date" */
    char signature[65];        /* lower-case hex */
    char amz_date[17];         /* "20130524T000000Z" from X-Amz-Date */
    int64_t expires;           /* presigned only: X-Amz-Expires seconds, else -1 */
} lb_sigv4_auth;

/* Parses an Authorization header value:
 *   "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,
 *    SignedHeaders=a;b, Signature=hex"
 * The three parts may come in any order, with or without spaces after the
 * commas.  On success fills every field of out except amz_date (left empty:
 * it comes from the X-Amz-Date or Date header) and sets expires to -1.
 * The signature is stored lower-cased.
 *
 * Returns 0, or LB_E_AUTH_HEADER_MALFORMED when the algorithm is not
 * AWS4-HMAC-SHA256, a part is missing, repeated, unknown or empty, the
 * credential does not have five '/'-separated fields ending in
 * "aws4_request", the date is not eight digits, the signed header list is
 * not a ';'-separated list of lower-case header names, the signature is
 * not 64 hex digits, or any field does not fit its array.  out is zeroed
 * on failure. */
int lb_sigv4_parse_header(const char *authorization, lb_sigv4_auth *out);

/* Parses the query parameters of a presigned URL (values already
 * %-decoded): X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date, X-Amz-Expires,
 * X-Amz-SignedHeaders and X-Amz-Signature, names matched exactly as AWS
 * spells them.  Other parameters are ignored.  Fills every field of out.
 *
 * Returns 0, or LB_E_AUTH_HEADER_MALFORMED when one of the six is missing
 * or repeated, the algorithm is not AWS4-HMAC-SHA256, X-Amz-Date is not
 * "YYYYMMDDTHHMMSSZ", X-Amz-Expires is not a decimal in 1..604800 (seven
 * days, the most AWS allows), or a field fails the checks of
 * lb_sigv4_parse_header().  out is zeroed on failure. */
int lb_sigv4_parse_query(const lb_kv *query, size_t nquery, lb_sigv4_auth *out);

/* What lb_sigv4_canonical_request() needs of a request. */
typedef struct lb_sigv4_request {
    const char *method;
    const char *path;       /* %-decoded path as received, e.g. "/bucket/my key" */
    const lb_kv *query;     /* %-decoded; value NULL (no '=') means empty */
    size_t nquery;
    const lb_kv *headers;   /* names in any case; a name may repeat */
    size_t nheaders;
    const char *signed_headers; /* from the auth, e.g. "host;x-amz-date" */
    const char *payload_hash;   /* hex, "UNSIGNED-PAYLOAD", "STREAMING-..." */
    bool presigned;             /* leave X-Amz-Signature out of the query */
} lb_sigv4_request;

/* Appends the canonical request to out:
 *   method \n uri \n query \n headers \n signed-headers \n payload-hash
 * uri: every byte of path %-encoded except unreserved characters and '/'
 * (S3 neither double-encodes nor normalises "." or "//"); an empty path is
 * "/".  query: each key and value %-encoded (RFC 3986 unreserved kept, '/'
 * encoded too), sorted by encoded key then encoded value, joined "k=v" with
 * '&'.  headers: for each signed header in the listed order, the lower-case
 * name, ':', the value trimmed with inner runs of spaces collapsed to one,
 * and values of repeated headers joined with ','.
 *
 * Returns 0, or LB_E_AUTH_HEADER_MALFORMED when a signed header is not in
 * the request, "host" is not among the signed headers, or the signed
 * header list is empty or has an empty name.  On failure out may hold a
 * partial result; reset it before reuse. */
int lb_sigv4_canonical_request(const lb_sigv4_request *req, lb_buf *out);

/* Appends "20130524/us-east-1/s3/aws4_request". */
void lb_sigv4_scope(const lb_sigv4_auth *a, lb_buf *out);

/* Appends "AWS4-HMAC-SHA256\n" amz_date "\n" scope "\n" hex(sha256(cr)). */
void lb_sigv4_string_to_sign(const char *amz_date, const char *scope,
                             const char *canonical_request, lb_buf *out);

/* The derived key: HMAC chain of "AWS4"+secret over date, region, service
 * and "aws4_request".  Intermediate keys are wiped. */
void lb_sigv4_signing_key(const char *secret, const char *date, const char *region,
                          const char *service, uint8_t out[32]);

/* out_hex = lower-case hex of HMAC-SHA256(key, string_to_sign). */
void lb_sigv4_sign(const uint8_t key[32], const char *string_to_sign, char out_hex[65]);

/* Constant-time comparison of two signatures (time depends only on the
 * lengths, which are public).  Case-sensitive: both sides are lower-case
 * hex when they come from this module. */
bool lb_sigv4_sig_equal(const char *a, const char *b);

/* Appends the string to sign of one aws-chunked chunk:
 *   "AWS4-HMAC-SHA256-PAYLOAD\n" amz_date "\n" scope "\n" prev_sig "\n"
 *   sha256("") "\n" chunk_sha256_hex
 * prev_sig is the seed signature for the first chunk. */
void lb_sigv4_chunk_string_to_sign(const char *amz_date, const char *scope, const char *prev_sig,
                                   const char *chunk_sha256_hex, lb_buf *out);

/* Appends the string to sign of the trailing headers:
 *   "AWS4-HMAC-SHA256-TRAILER\n" amz_date "\n" scope "\n" prev_sig "\n"
 *   trailer_sha256_hex
 * prev_sig is the signature of the final (zero-length) chunk. */
void lb_sigv4_trailer_string_to_sign(const char *amz_date, const char *scope,
                                     const char *prev_sig, const char *trailer_sha256_hex,
                                     lb_buf *out);

#endif

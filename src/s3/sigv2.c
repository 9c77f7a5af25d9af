/* sigv2: AWS Signature Version 2 helpers for verifying S3 requests.
 *
 * As with V4, the server rebuilds the string to sign from what arrived and
 * never trusts the client's.  V2 is looser than V4 in what it covers (no
 * Host, no payload hash, only the query parameters that name a
 * subresource), so the rules that matter are the ones clients really
 * follow: the path signed as sent, x-amz-* headers lower-cased and sorted,
 * subresource values decoded.  The unit tests pin them to AWS's examples. */
#include "s3/sigv2.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define AMZ_PREFIX "x-amz-"
#define AMZ_PREFIX_LEN 6
/* Expires is unix seconds; 18 digits reach far past any clock and cannot
 * overflow int64_t while accumulating. */
#define EXPIRES_MAX_DIGITS 18

/* Query parameters that name a subresource and so are signed, sorted for
 * the reader only (lookup is linear).  The guide's list, the response-*
 * overrides, "delete" and "tagging", and what botocore signs besides: a
 * client that signs a parameter we leave out, or the reverse, gets
 * SignatureDoesNotMatch, and botocore is the V2 client most met. */
static const char *const subresources[] = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_base64_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* HMAC-SHA1 in base64 is 27 alphabet characters and one '='. */
static bool is_sig_shape(const char *s, size_t n)
{
    if (n != LB_SIGV2_SIG_LEN || s[n - 1] != '=')
        return false;
    for (size_t i = 0; i + 1 < n; i++)
        if (!is_base64_char(s[i]))
            return false;
    return true;
}

/* Printable ASCII without blanks: an access key as AWS issues them. */
static bool is_key_char(char c)
{
    return c > 0x20 && c < 0x7f;
}

static void auth_clear(lb_sigv2_auth *out)
{
    memset(out, 0, sizeof *out);
    out->expires_at = -1;
}

/* Copies n bytes into a field of cap bytes; refuses empty values and values
 * that would be truncated (a truncated access key could name another user). */
static bool copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n == 0 || n >= cap)
        return false;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return true;
}

int lb_sigv2_parse_header(const char *authorization, lb_sigv2_auth *out)
{
    const char *ak, *colon, *sig;
    size_t sig_len;
    int rc = LB_E_INVALID_ARGUMENT;

    auth_clear(out);
    if (authorization == NULL || strncmp(authorization, "AWS ", 4) != 0)
        goto out;
    ak = authorization + 4;
    colon = strchr(ak, ':');
    if (colon == NULL)
        goto out;
    for (const char *p = ak; p < colon; p++)
        if (!is_key_char(*p))
            goto out;
    /* Some hand-written clients put a blank after the colon, as one
     * rendering of AWS's own example does. */
    sig = colon + 1;
    while (is_ws(*sig))
        sig++;
    sig_len = strlen(sig);
    while (sig_len > 0 && is_ws(sig[sig_len - 1]))
        sig_len--;
    if (!is_sig_shape(sig, sig_len))
        goto out;
    if (!copy_field(out->access_key, sizeof out->access_key, ak, (size_t)(colon - ak)) ||
        !copy_field(out->signature, sizeof out->signature, sig, sig_len))
        goto out;
    rc = 0;
out:
    if (rc)
        auth_clear(out);
    return rc;
}

static bool parse_expires(const char *s, lb_sigv2_auth *out)
{
    size_t n = strlen(s);
    int64_t v = 0;

    if (n == 0 || n > EXPIRES_MAX_DIGITS)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    memcpy(out->expires, s, n + 1);
    out->expires_at = v;
    return true;
}

int lb_sigv2_parse_query(const lb_kv *query, size_t nquery, lb_sigv2_auth *out)
{
    enum { Q_KEY, Q_SIG, Q_EXPIRES, Q__N };
    static const char *const names[Q__N] = {"AWSAccessKeyId", "Signature", "Expires"};
    const char *val[Q__N] = {0};
    char sig[LB_SIGV2_SIG_LEN + 1];
    size_t key_len, sig_len;
    int rc = LB_E_ACCESS_DENIED;

    auth_clear(out);
    for (size_t i = 0; i < nquery; i++) {
        if (query[i].key == NULL)
            continue;
        for (int k = 0; k < Q__N; k++) {
            if (strcmp(query[i].key, names[k]) != 0)
                continue;
            /* A repeated parameter is ambiguous: which one was signed? */
            if (val[k] != NULL)
                goto out;
            val[k] = query[i].value ? query[i].value : "";
        }
    }
    for (int k = 0; k < Q__N; k++)
        if (val[k] == NULL || val[k][0] == '\0')
            goto out;
    key_len = strlen(val[Q_KEY]);
    for (size_t i = 0; i < key_len; i++)
        if (!is_key_char(val[Q_KEY][i]))
            goto out;
    sig_len = strlen(val[Q_SIG]);
    if (sig_len != LB_SIGV2_SIG_LEN)
        goto out;
    /* The query decoder turned an unencoded '+' into a space. */
    for (size_t i = 0; i <= sig_len; i++)
        sig[i] = val[Q_SIG][i] == ' ' ? '+' : val[Q_SIG][i];
    if (!is_sig_shape(sig, sig_len))
        goto out;
    if (!copy_field(out->access_key, sizeof out->access_key, val[Q_KEY], key_len) ||
        !copy_field(out->signature, sizeof out->signature, sig, sig_len) ||
        !parse_expires(val[Q_EXPIRES], out))
        goto out;
    rc = 0;
out:
    if (rc)
        auth_clear(out);
    return rc;
}

/* ---------------------------------------------------------------- string to sign */

/* One x-amz-* name and value, with its arrival order so that sorting by
 * name keeps repeated names in the order the client sent them. */
typedef struct amz_ent {
    char *name; /* lower-cased copy */
    const char *value;
    size_t seq;
} amz_ent;

static int amz_cmp(const void *pa, const void *pb)
{
    const amz_ent *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);

    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* One signed subresource, ordered like amz_ent. */
typedef struct sub_ent {
    const lb_kv *kv;
    size_t seq;
} sub_ent;

static int sub_cmp(const void *pa, const void *pb)
{
    const sub_ent *a = pa, *b = pb;
    int c = strcmp(a->kv->key, b->kv->key);

    if (c)
        return c;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static bool is_subresource(const char *k)
{
    for (size_t i = 0; i < sizeof subresources / sizeof *subresources; i++)
        if (strcmp(k, subresources[i]) == 0)
            return true;
    return false;
}

static bool is_amz(const char *name)
{
    return name != NULL && strncasecmp(name, AMZ_PREFIX, AMZ_PREFIX_LEN) == 0;
}

/* The first header of that name (any case), or NULL. */
static const char *find_header(const lb_sigv2_request *req, const char *name)
{
    for (size_t i = 0; i < req->nheaders; i++)
        if (req->headers[i].key && strcasecmp(req->headers[i].key, name) == 0)
            return req->headers[i].value ? req->headers[i].value : "";
    return NULL;
}

/* Appends v without leading and trailing blanks.  Inner blanks stay: V2
 * clients (botocore, s3cmd) strip the ends only. */
static void put_trimmed(lb_buf *out, const char *v)
{
    size_t n;

    if (v == NULL)
        return;
    while (is_ws(*v))
        v++;
    n = strlen(v);
    while (n > 0 && is_ws(v[n - 1]))
        n--;
    lb_buf_append(out, v, n);
}

static char *lower_dup(const char *s)
{
    char *d = lb_xstrdup(s);

    for (char *p = d; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

static void put_amz_headers(const lb_sigv2_request *req, lb_buf *out)
{
    size_t cap = req->nheaders + (req->expires ? req->nquery : 0);
    amz_ent *e = lb_xcalloc(cap ? cap : 1, sizeof *e);
    size_t n = 0;

    for (size_t i = 0; i < req->nheaders; i++) {
        if (!is_amz(req->headers[i].key))
            continue;
        e[n] = (amz_ent){lower_dup(req->headers[i].key), req->headers[i].value, n};
        n++;
    }
    for (size_t i = 0; req->expires && i < req->nquery; i++) {
        if (!is_amz(req->query[i].key))
            continue;
        e[n] = (amz_ent){lower_dup(req->query[i].key), req->query[i].value, n};
        n++;
    }
    qsort(e, n, sizeof *e, amz_cmp);
    for (size_t i = 0; i < n; i++) {
        bool same_as_prev = i > 0 && strcmp(e[i].name, e[i - 1].name) == 0;

        if (same_as_prev) {
            lb_buf_putc(out, ',');
        } else {
            if (i > 0)
                lb_buf_putc(out, '\n');
            lb_buf_puts(out, e[i].name);
            lb_buf_putc(out, ':');
        }
        put_trimmed(out, e[i].value);
    }
    if (n > 0)
        lb_buf_putc(out, '\n');
    for (size_t i = 0; i < n; i++)
        free(e[i].name);
    free(e);
}

/* The length of the bucket name when the request addresses a bucket
 * itself, else 0: virtual-host "/" (or ""), path-style "/bucket" and
 * "/bucket/".  The name is host_bucket, or follows the path's first '/'. */
static size_t bucket_level_len(const lb_sigv2_request *req)
{
    const char *p = req->raw_path;
    size_t n;

    if (req->host_bucket)
        return (p[0] == '\0' || strcmp(p, "/") == 0) ? strlen(req->host_bucket) : 0;
    if (p[0] != '/' || p[1] == '\0' || p[1] == '/')
        return 0;
    n = strcspn(p + 1, "/");
    if (p[1 + n] == '\0' || strcmp(p + 1 + n, "/") == 0)
        return n;
    return 0;
}

static void put_resource(const lb_sigv2_request *req, lb_buf *out)
{
    sub_ent *s = lb_xcalloc(req->nquery ? req->nquery : 1, sizeof *s);
    size_t n = 0;
    size_t blen = bucket_level_len(req);

    if (blen) {
        lb_buf_putc(out, '/');
        lb_buf_append(out, req->host_bucket ? req->host_bucket : req->raw_path + 1, blen);
        if (!req->bucket_without_slash)
            lb_buf_putc(out, '/');
    } else {
        if (req->host_bucket) {
            lb_buf_putc(out, '/');
            lb_buf_puts(out, req->host_bucket);
        }
        /* A request line always has a path; "/" keeps the resource of a
         * service-level request from being empty if a caller passes "". */
        lb_buf_puts(out, req->raw_path[0] ? req->raw_path : "/");
    }

    for (size_t i = 0; i < req->nquery; i++) {
        if (req->query[i].key == NULL || !is_subresource(req->query[i].key))
            continue;
        s[n] = (sub_ent){&req->query[i], n};
        n++;
    }
    qsort(s, n, sizeof *s, sub_cmp);
    for (size_t i = 0; i < n; i++) {
        lb_buf_putc(out, i == 0 ? '?' : '&');
        lb_buf_puts(out, s[i].kv->key);
        /* Mirror the wire: "?uploads" and "?uploads=" are signed as sent. */
        if (s[i].kv->value) {
            lb_buf_putc(out, '=');
            lb_buf_puts(out, s[i].kv->value);
        }
    }
    free(s);
}

int lb_sigv2_string_to_sign(const lb_sigv2_request *req, lb_buf *out)
{
    if (req == NULL || req->method == NULL || req->raw_path == NULL)
        return LB_E_INVALID_ARGUMENT;

    lb_buf_puts(out, req->method);
    lb_buf_putc(out, '\n');
    put_trimmed(out, find_header(req, "content-md5"));
    lb_buf_putc(out, '\n');
    put_trimmed(out, find_header(req, "content-type"));
    lb_buf_putc(out, '\n');
    if (req->expires)
        lb_buf_puts(out, req->expires);
    else if (find_header(req, "x-amz-date") == NULL)
        put_trimmed(out, find_header(req, "date"));
    /* else: x-amz-date is signed among the amz headers, the date line stays
     * empty.  (AWS's "Delete" example shows otherwise, but its prose, boto
     * and s3cmd agree on this, and S3 accepts what they send.) */
    lb_buf_putc(out, '\n');
    put_amz_headers(req, out);
    put_resource(req, out);
    return 0;
}

/* ---------------------------------------------------------------- signing */

void lb_sigv2_sign(const char *secret, const char *string_to_sign, char out[LB_SIGV2_SIG_LEN + 1])
{
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;

    HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)string_to_sign,
         strlen(string_to_sign), mac, &len);
    lb_base64_encode(mac, len, out);
    OPENSSL_cleanse(mac, sizeof mac);
}

int64_t lb_sigv2_parse_date(const char *s)
{
    struct tm tm;
    const char *end;
    int64_t t, offset;

    if (s == NULL)
        return -1;
    t = lb_time_parse_http(s);
    if (t >= 0)
        return t;
    /* RFC 1123 with a numeric zone, which the HTTP parser does not take. */
    memset(&tm, 0, sizeof tm);
    end = strptime(s, "%a, %d %b %Y %H:%M:%S %z", &tm);
    if (end == NULL || *end != '\0')
        return -1;
    /* Read before timegm(), which normalises tm and zeroes the offset. */
    offset = (int64_t)tm.tm_gmtoff;
    return (int64_t)timegm(&tm) - offset;
}

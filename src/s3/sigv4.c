/* sigv4: AWS Signature Version 4 helpers for verifying S3 requests.
 *
 * The server never trusts a client's idea of the canonical request: it
 * rebuilds it from what arrived on the wire and signs that.  So every rule
 * here (encoding, sorting, trimming) must match what AWS SDKs do, or valid
 * clients get SignatureDoesNotMatch; the unit tests pin the rules to the
 * examples AWS publishes. */
#include "s3/sigv4.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The credential scope terminator. */
#define SCOPE_TERMINATOR "aws4_request"
/* AWS refuses presigned URLs valid for more than seven days. */
#define PRESIGN_MAX_EXPIRES 604800

static bool is_ws(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Copies n bytes into a NUL-terminated field of cap bytes; refuses empty
 * values and values that would be truncated (a truncated access key could
 * name another user). */
static int copy_field(char *dst, size_t cap, const char *src, size_t n)
{
    if (n == 0 || n >= cap)
        return LB_E_AUTH_HEADER_MALFORMED;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return 0;
}

/* Printable ASCII without the separators of the header syntax. */
static bool is_cred_char(char c)
{
    return c > 0x20 && c < 0x7f && c != '/' && c != ',' && c != '=';
}

/* "AK/YYYYMMDD/region/service/aws4_request" */
static int parse_credential(const char *s, size_t n, lb_sigv4_auth *out)
{
    const char *field[5];
    size_t flen[5];
    size_t nf = 0;
    const char *start = s;
    int rc = LB_E_AUTH_HEADER_MALFORMED;

    for (size_t i = 0; i <= n; i++) {
        if (i < n && s[i] != '/') {
            if (!is_cred_char(s[i]))
                goto out;
            continue;
        }
        if (nf == 5)
            goto out;
        field[nf] = start;
        flen[nf] = (size_t)(s + i - start);
        nf++;
        start = s + i + 1;
    }
    if (nf != 5)
        goto out;
    if (flen[1] != 8)
        goto out;
    for (size_t i = 0; i < 8; i++)
        if (!is_digit(field[1][i]))
            goto out;
    if (flen[4] != strlen(SCOPE_TERMINATOR) || memcmp(field[4], SCOPE_TERMINATOR, flen[4]) != 0)
        goto out;
    if ((rc = copy_field(out->access_key, sizeof out->access_key, field[0], flen[0])) ||
        (rc = copy_field(out->date, sizeof out->date, field[1], flen[1])) ||
        (rc = copy_field(out->region, sizeof out->region, field[2], flen[2])) ||
        (rc = copy_field(out->service, sizeof out->service, field[3], flen[3])))
        goto out;
    rc = 0;
out:
    return rc;
}

/* RFC 9110 token characters, upper case excluded: AWS lists signed header
 * names lower-cased, and a client that does not was not signing what we
 * would rebuild. */
static bool is_header_name_char(char c)
{
    if ((c >= 'a' && c <= 'z') || is_digit(c))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int parse_signed_headers(const char *s, size_t n, lb_sigv4_auth *out)
{
    bool empty_name = true;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == ';') {
            if (empty_name)
                return LB_E_AUTH_HEADER_MALFORMED;
            empty_name = true;
        } else if (is_header_name_char(s[i])) {
            empty_name = false;
        } else {
            return LB_E_AUTH_HEADER_MALFORMED;
        }
    }
    if (empty_name)
        return LB_E_AUTH_HEADER_MALFORMED;
    return copy_field(out->signed_headers, sizeof out->signed_headers, s, n);
}

static int parse_signature(const char *s, size_t n, lb_sigv4_auth *out)
{
    if (n != 64)
        return LB_E_AUTH_HEADER_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        if (!is_hex(s[i]))
            return LB_E_AUTH_HEADER_MALFORMED;
        out->signature[i] = to_lower(s[i]);
    }
    out->signature[n] = '\0';
    return 0;
}

static void auth_clear(lb_sigv4_auth *out)
{
    memset(out, 0, sizeof *out);
    out->expires = -1;
}

static bool key_is(const char *k, size_t klen, const char *name)
{
    return klen == strlen(name) && memcmp(k, name, klen) == 0;
}

int lb_sigv4_parse_header(const char *authorization, lb_sigv4_auth *out)
{
    const size_t alg_len = strlen(LB_SIGV4_ALGORITHM);
    bool have_cred = false, have_headers = false, have_sig = false;
    const char *p;
    int rc = LB_E_AUTH_HEADER_MALFORMED;

    auth_clear(out);
    if (authorization == NULL)
        goto out;
    /* The algorithm, then at least one space before the first part. */
    if (strncmp(authorization, LB_SIGV4_ALGORITHM, alg_len) != 0 || !is_ws(authorization[alg_len]))
        goto out;
    p = authorization + alg_len;
    for (;;) {
        const char *end, *e, *eq;
        size_t klen, vlen;

        while (is_ws(*p))
            p++;
        end = strchr(p, ',');
        if (end == NULL)
            end = p + strlen(p);
        e = end;
        while (e > p && is_ws(e[-1]))
            e--;
        eq = memchr(p, '=', (size_t)(e - p));
        if (eq == NULL)
            goto out;
        klen = (size_t)(eq - p);
        vlen = (size_t)(e - eq - 1);
        if (key_is(p, klen, "Credential")) {
            if (have_cred || parse_credential(eq + 1, vlen, out) != 0)
                goto out;
            have_cred = true;
        } else if (key_is(p, klen, "SignedHeaders")) {
            if (have_headers || parse_signed_headers(eq + 1, vlen, out) != 0)
                goto out;
            have_headers = true;
        } else if (key_is(p, klen, "Signature")) {
            if (have_sig || parse_signature(eq + 1, vlen, out) != 0)
                goto out;
            have_sig = true;
        } else {
            goto out;
        }
        if (*end == '\0')
            break;
        p = end + 1;
    }
    if (!have_cred || !have_headers || !have_sig)
        goto out;
    rc = 0;
out:
    if (rc)
        auth_clear(out);
    return rc;
}

/* "YYYYMMDDTHHMMSSZ", checked by shape here and as a date by base. */
static int parse_amz_date(const char *s, lb_sigv4_auth *out)
{
    size_t n = strlen(s);

    if (n != 16 || s[8] != 'T' || s[15] != 'Z')
        return LB_E_AUTH_HEADER_MALFORMED;
    for (size_t i = 0; i < 15; i++)
        if (i != 8 && !is_digit(s[i]))
            return LB_E_AUTH_HEADER_MALFORMED;
    if (lb_time_parse_amz(s) < 0)
        return LB_E_AUTH_HEADER_MALFORMED;
    memcpy(out->amz_date, s, n + 1);
    return 0;
}

static int parse_expires(const char *s, lb_sigv4_auth *out)
{
    int64_t v = 0;
    size_t n = strlen(s);

    /* Seven digits already exceed the limit; refusing longer strings early
     * also keeps the accumulation below from overflowing. */
    if (n == 0 || n > 7)
        return LB_E_AUTH_HEADER_MALFORMED;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return LB_E_AUTH_HEADER_MALFORMED;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1 || v > PRESIGN_MAX_EXPIRES)
        return LB_E_AUTH_HEADER_MALFORMED;
    out->expires = v;
    return 0;
}

int lb_sigv4_parse_query(const lb_kv *query, size_t nquery, lb_sigv4_auth *out)
{
    enum { Q_ALG, Q_CRED, Q_DATE, Q_EXPIRES, Q_HEADERS, Q_SIG, Q__N };
    static const char *const names[Q__N] = {
        "X-Amz-Algorithm", "X-Amz-Credential",    "X-Amz-Date",
        "X-Amz-Expires",   "X-Amz-SignedHeaders", "X-Amz-Signature",
    };
    const char *val[Q__N] = {0};
    bool seen[Q__N] = {0};
    int rc = LB_E_AUTH_HEADER_MALFORMED;

    auth_clear(out);
    for (size_t i = 0; i < nquery; i++) {
        if (query[i].key == NULL)
            continue;
        for (int k = 0; k < Q__N; k++) {
            if (strcmp(query[i].key, names[k]) != 0)
                continue;
            /* A repeated parameter is ambiguous: which one was signed? */
            if (seen[k])
                goto out;
            seen[k] = true;
            val[k] = query[i].value ? query[i].value : "";
        }
    }
    for (int k = 0; k < Q__N; k++)
        if (!seen[k])
            goto out;
    if (strcmp(val[Q_ALG], LB_SIGV4_ALGORITHM) != 0)
        goto out;
    if ((rc = parse_credential(val[Q_CRED], strlen(val[Q_CRED]), out)) ||
        (rc = parse_amz_date(val[Q_DATE], out)) || (rc = parse_expires(val[Q_EXPIRES], out)) ||
        (rc = parse_signed_headers(val[Q_HEADERS], strlen(val[Q_HEADERS]), out)) ||
        (rc = parse_signature(val[Q_SIG], strlen(val[Q_SIG]), out)))
        goto out;
    rc = 0;
out:
    if (rc)
        auth_clear(out);
    return rc;
}

/* ---------------------------------------------------------------- canonical request */

typedef struct qent {
    lb_buf k;
    lb_buf v;
} qent;

static int qent_cmp(const void *pa, const void *pb)
{
    const qent *a = pa, *b = pb;
    int c = strcmp(a->k.data, b->k.data);

    return c ? c : strcmp(a->v.data, b->v.data);
}

/* Appends the value trimmed, with each inner run of blanks as one space. */
static void put_trimmed(lb_buf *out, const char *v)
{
    bool pending_space = false;
    bool started = false;

    for (; *v; v++) {
        if (is_ws(*v)) {
            pending_space = started;
            continue;
        }
        if (pending_space)
            lb_buf_putc(out, ' ');
        pending_space = false;
        started = true;
        lb_buf_putc(out, *v);
    }
}

/* Checks the signed header list: non-empty names, and "host" among them,
 * which AWS requires so that a signature cannot be replayed elsewhere. */
static int check_signed_headers(const char *sh)
{
    bool have_host = false;
    const char *p = sh;

    if (sh == NULL || *sh == '\0')
        return LB_E_AUTH_HEADER_MALFORMED;
    for (;;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);

        if (n == 0)
            return LB_E_AUTH_HEADER_MALFORMED;
        if (n == 4 && strncasecmp(p, "host", 4) == 0)
            have_host = true;
        if (end == NULL)
            break;
        p = end + 1;
    }
    return have_host ? 0 : LB_E_AUTH_HEADER_MALFORMED;
}

static void put_lower(lb_buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        lb_buf_putc(out, to_lower(s[i]));
}

int lb_sigv4_canonical_request(const lb_sigv4_request *req, lb_buf *out)
{
    const char *path = (req->path && *req->path) ? req->path : "/";
    qent *ents = NULL;
    size_t nents = 0;
    const char *p;
    int rc;

    if ((rc = check_signed_headers(req->signed_headers)) != 0)
        goto out;

    lb_buf_puts(out, req->method ? req->method : "");
    lb_buf_putc(out, '\n');
    /* The path exactly as received, encoded once: S3 keys may contain "..",
     * "//" and spaces, and clients sign them as they are. */
    lb_uri_encode(out, path, strlen(path), false);
    lb_buf_putc(out, '\n');

    ents = lb_xcalloc(req->nquery ? req->nquery : 1, sizeof *ents);
    for (size_t i = 0; i < req->nquery; i++) {
        const char *k = req->query[i].key ? req->query[i].key : "";
        const char *v = req->query[i].value ? req->query[i].value : "";

        /* A presigned URL cannot sign its own signature. */
        if (req->presigned && strcmp(k, "X-Amz-Signature") == 0)
            continue;
        lb_uri_encode(&ents[nents].k, k, strlen(k), true);
        lb_uri_encode(&ents[nents].v, v, strlen(v), true);
        /* An empty key or value leaves data NULL; appending nothing
         * allocates and terminates it, so the sort can strcmp. */
        lb_buf_append(&ents[nents].k, "", 0);
        lb_buf_append(&ents[nents].v, "", 0);
        nents++;
    }
    qsort(ents, nents, sizeof *ents, qent_cmp);
    for (size_t i = 0; i < nents; i++) {
        if (i)
            lb_buf_putc(out, '&');
        lb_buf_append(out, ents[i].k.data, ents[i].k.len);
        lb_buf_putc(out, '=');
        lb_buf_append(out, ents[i].v.data, ents[i].v.len);
    }
    lb_buf_putc(out, '\n');

    p = req->signed_headers;
    for (;;) {
        const char *end = strchr(p, ';');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        bool found = false;

        put_lower(out, p, n);
        lb_buf_putc(out, ':');
        for (size_t i = 0; i < req->nheaders; i++) {
            const char *name = req->headers[i].key;

            if (name == NULL || strlen(name) != n || strncasecmp(name, p, n) != 0)
                continue;
            if (found)
                lb_buf_putc(out, ',');
            put_trimmed(out, req->headers[i].value ? req->headers[i].value : "");
            found = true;
        }
        /* Signing a header that is not there cannot verify; say why. */
        if (!found) {
            rc = LB_E_AUTH_HEADER_MALFORMED;
            goto out;
        }
        lb_buf_putc(out, '\n');
        if (end == NULL)
            break;
        p = end + 1;
    }
    lb_buf_putc(out, '\n');
    put_lower(out, req->signed_headers, strlen(req->signed_headers));
    lb_buf_putc(out, '\n');
    lb_buf_puts(out, req->payload_hash ? req->payload_hash : "");
    rc = 0;
out:
    for (size_t i = 0; i < nents; i++) {
        lb_buf_free(&ents[i].k);
        lb_buf_free(&ents[i].v);
    }
    free(ents);
    return rc;
}

/* ---------------------------------------------------------------- signing */

void lb_sigv4_scope(const lb_sigv4_auth *a, lb_buf *out)
{
    lb_buf_printf(out, "%s/%s/%s/%s", a->date, a->region, a->service, SCOPE_TERMINATOR);
}

static void sha256_hex(const void *p, size_t n, char hex[65])
{
    uint8_t h[32];

    lb_sha256(p, n, h);
    lb_hex_encode(h, sizeof h, hex);
}

void lb_sigv4_string_to_sign(const char *amz_date, const char *scope,
                             const char *canonical_request, lb_buf *out)
{
    char hex[65];

    sha256_hex(canonical_request, strlen(canonical_request), hex);
    lb_buf_printf(out, "%s\n%s\n%s\n%s", LB_SIGV4_ALGORITHM, amz_date, scope, hex);
}

void lb_sigv4_signing_key(const char *secret, const char *date, const char *region,
                          const char *service, uint8_t out[32])
{
    lb_buf k = {0};
    uint8_t a[32], b[32];

    lb_buf_puts(&k, "AWS4");
    lb_buf_puts(&k, secret);
    lb_hmac_sha256(k.data, k.len, date, strlen(date), a);
    lb_hmac_sha256(a, sizeof a, region, strlen(region), b);
    lb_hmac_sha256(b, sizeof b, service, strlen(service), a);
    lb_hmac_sha256(a, sizeof a, SCOPE_TERMINATOR, strlen(SCOPE_TERMINATOR), out);
    /* The secret and the keys derived from it must not linger in freed
     * heap or on the stack. */
    OPENSSL_cleanse(k.data, k.len);
    OPENSSL_cleanse(a, sizeof a);
    OPENSSL_cleanse(b, sizeof b);
    lb_buf_free(&k);
}

void lb_sigv4_sign(const uint8_t key[32], const char *string_to_sign, char out_hex[65])
{
    uint8_t mac[32];

    lb_hmac_sha256(key, 32, string_to_sign, strlen(string_to_sign), mac);
    lb_hex_encode(mac, sizeof mac, out_hex);
}

bool lb_sigv4_sig_equal(const char *a, const char *b)
{
    size_t la, lb;

    if (a == NULL || b == NULL)
        return false;
    la = strlen(a);
    lb = strlen(b);
    /* Lengths are public (always 64 for a well-formed signature); only the
     * content comparison must not leak where the first difference is. */
    if (la != lb || la == 0)
        return false;
    return CRYPTO_memcmp(a, b, la) == 0;
}

void lb_sigv4_chunk_string_to_sign(const char *amz_date, const char *scope, const char *prev_sig,
                                   const char *chunk_sha256_hex, lb_buf *out)
{
    lb_buf_printf(out, "AWS4-HMAC-SHA256-PAYLOAD\n%s\n%s\n%s\n%s\n%s", amz_date, scope, prev_sig,
                  LB_SIGV4_EMPTY_SHA256, chunk_sha256_hex);
}

void lb_sigv4_trailer_string_to_sign(const char *amz_date, const char *scope,
                                     const char *prev_sig, const char *trailer_sha256_hex,
                                     lb_buf *out)
{
    lb_buf_printf(out, "AWS4-HMAC-SHA256-TRAILER\n%s\n%s\n%s\n%s", amz_date, scope, prev_sig,
                  trailer_sha256_hex);
}

/* Authentication (SigV4 or SigV2, in the Authorization header or a
 * presigned URL) and authorization: ownership and the bucket policy. */
#include "iam/iam.h"
#include "s3/internal.h"
#include "s3/sigv2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_SKEW_S (15 * 60)

typedef struct hdr_list {
    lb_kv *v;
    size_t n, cap;
} hdr_list;

static int collect_hdr(void *arg, const char *k, const char *v)
{
    hdr_list *h = arg;
    if (h->n >= 512)
        return 1;
    if (h->n == h->cap) {
        h->cap = h->cap ? h->cap * 2 : 32;
        h->v = lb_xrealloc(h->v, h->cap * sizeof *h->v);
    }
    h->v[h->n].key = k;
    h->v[h->n].value = v;
    h->n++;
    return 0;
}

static int lookup_secret(s3_req *q, const char *access_key, char *secret, size_t cap)
{
    if (strcmp(access_key, q->s3->root_access) == 0) {
        snprintf(secret, cap, "%s", q->s3->root_secret);
        snprintf(q->user, sizeof q->user, "root");
        q->is_root = true;
        return 0;
    }
    lb_user_key k;
    int rc = lb_store_key_get(q->s3->store, access_key, &k);
    if (rc)
        return rc == LB_E_INVALID_ACCESS_KEY ? rc : LB_E_INTERNAL;
    snprintf(secret, cap, "%s", k.secret);
    snprintf(q->user, sizeof q->user, "%s", k.user);
    return 0;
}

/* The bucket when the Host header named it, by the rule parse_target() in
 * server.c applies, else NULL: V2 signs it in front of the path. */
static const char *host_bucket(const s3_req *q)
{
    const char *host = s3_header(q, "host");
    if (!q->bucket || !host || !q->s3->domain)
        return NULL;
    size_t hl = strcspn(host, ":");
    size_t dl = strlen(q->s3->domain);
    if (hl > dl + 1 && host[hl - dl - 1] == '.' &&
        strncasecmp(host + hl - dl, q->s3->domain, dl) == 0)
        return q->bucket;
    return NULL;
}

static bool v2_matches(const char *string_to_sign, const char *secret, const char *provided)
{
    char sig[LB_SIGV2_SIG_LEN + 1];
    lb_sigv2_sign(secret, string_to_sign, sig);
    return lb_sigv4_sig_equal(sig, provided);
}

/* Signature Version 2: "Authorization: AWS AK:sig", or AWSAccessKeyId,
 * Expires and Signature in the query.  The payload is not signed; a
 * Content-MD5, when sent, is still checked by the body pipeline. */
static int authenticate_v2(s3_req *q, const char *authz)
{
    lb_sigv2_auth a;
    int64_t now = lb_now_ns() / 1000000000;
    int rc;
    if (authz) {
        if (lb_sigv2_parse_header(authz, &a) != 0) {
            s3_error_msg(q, LB_E_INVALID_ARGUMENT,
                         "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                         NULL);
            return LB_E_INVALID_ARGUMENT;
        }
        /* x-amz-date, when sent, is the date that counts (and is signed). */
        const char *d = s3_header(q, "x-amz-date");
        int64_t when = lb_sigv2_parse_date(d ? d : s3_header(q, "date"));
        if (when < 0) {
            s3_error_msg(q, LB_E_ACCESS_DENIED,
                         "AWS authentication requires a valid Date or x-amz-date header", NULL);
            return LB_E_ACCESS_DENIED;
        }
        if (when > now + MAX_SKEW_S || when < now - MAX_SKEW_S)
            return LB_E_TIME_SKEWED;
    } else {
        if (lb_sigv2_parse_query(q->query, q->nquery, &a) != 0) {
            s3_error_msg(q, LB_E_ACCESS_DENIED,
                         "Query-string authentication requires the Signature, Expires and "
                         "AWSAccessKeyId parameters",
                         NULL);
            return LB_E_ACCESS_DENIED;
        }
        if (now > a.expires_at)
            return LB_E_EXPIRED_TOKEN;
    }
    /* Signed aws-chunked bodies chain from a V4 seed signature and key; a
     * V2 request has neither, so its chunks could never verify. */
    const char *sha = s3_header(q, "x-amz-content-sha256");
    if (sha && strncmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", 34) == 0)
        return LB_E_INVALID_REQUEST;

    char secret[160];
    if ((rc = lookup_secret(q, a.access_key, secret, sizeof secret)) != 0)
        return rc;
    hdr_list h = {0};
    lb_http_headers(q->http, collect_hdr, &h);
    lb_sigv2_request sr = {.method = q->method, .host_bucket = host_bucket(q),
                           .raw_path = lb_http_raw_path(q->http), .query = q->query,
                           .nquery = q->nquery, .headers = h.v, .nheaders = h.n,
                           .expires = authz ? NULL : a.expires};
    lb_buf sts = {0};
    bool match = false;
    rc = lb_sigv2_string_to_sign(&sr, &sts);
    if (rc == 0)
        match = v2_matches(sts.data, secret, a.signature);
    /* A bucket's resource may also be signed without its trailing slash
     * (minio-go does, and S3 accepts it).  The error still shows the
     * usual form. */
    if (rc == 0 && !match && q->bucket && !q->key) {
        lb_buf alt = {0};
        sr.bucket_without_slash = true;
        if (lb_sigv2_string_to_sign(&sr, &alt) == 0)
            match = v2_matches(alt.data, secret, a.signature);
        lb_buf_free(&alt);
    }
    if (rc == 0 && !match) {
        /* As S3 does: the string to sign, also as hex bytes, so that a
         * client author can see a stray newline or encoding. */
        lb_buf extra = {0}, bytes = {0};
        for (size_t i = 0; i < sts.len; i++)
            lb_buf_printf(&bytes, i ? " %02x" : "%02x", (unsigned char)sts.data[i]);
        s3_xml_elem(&extra, "AWSAccessKeyId", a.access_key);
        s3_xml_elem(&extra, "StringToSign", sts.data);
        s3_xml_elem(&extra, "SignatureProvided", a.signature);
        s3_xml_elem(&extra, "StringToSignBytes", bytes.data);
        s3_error_msg(q, LB_E_SIGNATURE_MISMATCH, NULL, extra.data);
        lb_buf_free(&bytes);
        lb_buf_free(&extra);
        rc = LB_E_SIGNATURE_MISMATCH;
    }
    lb_buf_free(&sts);
    free(h.v);
    return rc;
}

/* Deriving a SigV4 signing key costs four HMACs; a key is good for a whole
 * day and scope, so each connection thread keeps the few it used last. */
#define KEY_CACHE 8
typedef struct key_cache_entry {
    uint8_t tag[32]; /* sha256 of secret, date, region, service */
    uint8_t key[32];
    bool used;
} key_cache_entry;
static __thread key_cache_entry key_cache[KEY_CACHE];
static __thread unsigned key_cache_next;

static void signing_key_cached(const char *secret, const lb_sigv4_auth *a, uint8_t out[32])
{
    lb_buf t = {0};
    lb_buf_printf(&t, "%s\n%s\n%s\n%s", secret, a->date, a->region, a->service);
    uint8_t tag[32];
    lb_sha256(t.data, t.len, tag);
    lb_buf_free(&t);
    for (unsigned i = 0; i < KEY_CACHE; i++) {
        if (key_cache[i].used && memcmp(key_cache[i].tag, tag, 32) == 0) {
            memcpy(out, key_cache[i].key, 32);
            return;
        }
    }
    lb_sigv4_signing_key(secret, a->date, a->region, a->service, out);
    key_cache_entry *e = &key_cache[key_cache_next++ % KEY_CACHE];
    memcpy(e->tag, tag, 32);
    memcpy(e->key, out, 32);
    e->used = true;
}

int s3_authenticate(s3_req *q)
{
    const char *authz = s3_header(q, "authorization");
    bool presigned = !authz && s3_has_query(q, "X-Amz-Algorithm");
    int rc;
    if (!authz && !presigned) {
        if (s3_has_query(q, "AWSAccessKeyId") || s3_has_query(q, "Signature"))
            return authenticate_v2(q, NULL);
        q->anonymous = true;
        return 0;
    }
    if (authz) {
        if (strncmp(authz, "AWS ", 4) == 0)
            return authenticate_v2(q, authz);
        if ((rc = lb_sigv4_parse_header(authz, &q->auth)) != 0)
            return rc;
        const char *d = s3_header(q, "x-amz-date");
        if (!d || strlen(d) != 16) {
            const char *hd = s3_header(q, "date");
            int64_t t = hd ? lb_time_parse_http(hd) : -1;
            if (t < 0)
                return LB_E_ACCESS_DENIED;
            struct tm tm;
            time_t tt = (time_t)t;
            gmtime_r(&tt, &tm);
            strftime(q->auth.amz_date, sizeof q->auth.amz_date, "%Y%m%dT%H%M%SZ", &tm);
        } else {
            snprintf(q->auth.amz_date, sizeof q->auth.amz_date, "%s", d);
        }
    } else {
        if ((rc = lb_sigv4_parse_query(q->query, q->nquery, &q->auth)) != 0)
            return rc;
    }
    int64_t when = lb_time_parse_amz(q->auth.amz_date);
    if (when < 0)
        return LB_E_AUTH_HEADER_MALFORMED;
    if (strncmp(q->auth.amz_date, q->auth.date, 8) != 0)
        return LB_E_AUTH_HEADER_MALFORMED;
    int64_t now = lb_now_ns() / 1000000000;
    if (presigned) {
        if (now > when + q->auth.expires)
            return LB_E_EXPIRED_TOKEN;
        if (when > now + MAX_SKEW_S)
            return LB_E_TIME_SKEWED;
    } else if (when > now + MAX_SKEW_S || when < now - MAX_SKEW_S) {
        return LB_E_TIME_SKEWED;
    }

    char secret[160];
    if ((rc = lookup_secret(q, q->auth.access_key, secret, sizeof secret)) != 0)
        return rc;

    const char *payload = presigned ? "UNSIGNED-PAYLOAD" : s3_header(q, "x-amz-content-sha256");
    if (!payload) {
        /* Generic SigV4 signers (curl --aws-sigv4 before 8.x, botocore's
         * SigV4Auth) send no x-amz-content-sha256 and sign the hash of the
         * body: for a request without one that is the empty hash.  With a
         * body we cannot know the hash yet; keep accepting UNSIGNED-PAYLOAD. */
        const char *cl = s3_header(q, "content-length");
        bool body = (cl && strcmp(cl, "0") != 0) || s3_header(q, "transfer-encoding");
        payload = body ? "UNSIGNED-PAYLOAD" : LB_SIGV4_EMPTY_SHA256;
    }
    if (presigned && s3_query(q, "X-Amz-Content-Sha256"))
        payload = s3_query(q, "X-Amz-Content-Sha256");

    const char *raw = lb_http_raw_path(q->http);
    char *path = lb_xmalloc(strlen(raw) + 1);
    if (lb_uri_decode(raw, strlen(raw), path, false) < 0) {
        free(path);
        return LB_E_INVALID_URI;
    }
    hdr_list h = {0};
    lb_http_headers(q->http, collect_hdr, &h);
    lb_sigv4_request sr = {.method = q->method, .path = path, .query = q->query,
                           .nquery = q->nquery, .headers = h.v, .nheaders = h.n,
                           .signed_headers = q->auth.signed_headers, .payload_hash = payload,
                           .presigned = presigned};
    lb_buf creq = {0}, scope = {0}, sts = {0};
    rc = lb_sigv4_canonical_request(&sr, &creq);
    if (rc == 0) {
        lb_sigv4_scope(&q->auth, &scope);
        lb_sigv4_string_to_sign(q->auth.amz_date, scope.data, creq.data, &sts);
        signing_key_cached(secret, &q->auth, q->signing_key);
        char sig[65];
        lb_sigv4_sign(q->signing_key, sts.data, sig);
        snprintf(q->scope, sizeof q->scope, "%s", scope.data);
        if (!lb_sigv4_sig_equal(sig, q->auth.signature)) {
            /* The canonical request goes back to the client: it is built
             * only from what the client sent, and it is what one needs to
             * debug a signing mismatch. */
            lb_buf extra = {0};
            s3_xml_elem(&extra, "AWSAccessKeyId", q->auth.access_key);
            s3_xml_elem(&extra, "StringToSign", sts.data);
            s3_xml_elem(&extra, "SignatureProvided", q->auth.signature);
            s3_xml_elem(&extra, "CanonicalRequest", creq.data);
            s3_error_msg(q, LB_E_SIGNATURE_MISMATCH, NULL, extra.data);
            lb_buf_free(&extra);
            rc = LB_E_SIGNATURE_MISMATCH;
        }
    }
    lb_buf_free(&creq);
    lb_buf_free(&scope);
    lb_buf_free(&sts);
    free(h.v);
    free(path);
    return rc;
}

/* Authorization, in this order:
 *   1. root may always read, replace and delete a bucket policy, so that a
 *      policy that locks everyone out can be fixed;
 *   2. an explicit Deny in the bucket policy refuses everyone else, the
 *      owner and root included;
 *   3. root and the bucket's owner are allowed;
 *   4. the bucket policy actions are refused to anyone else, even when the
 *      policy allows them (only the owner manages the policy);
 *   5. an Allow in the bucket policy allows (anonymous requests only through
 *      Principal "*"), except that an anonymous request gets nothing from a
 *      public policy (lb_policy_is_public) while RestrictPublicBuckets is in
 *      force: always when the site blocks public access (the default), else
 *      when the bucket's PublicAccessBlock sets it;
 *   6. otherwise AccessDenied.
 * The policy is read and parsed per request: documents are at most 20 KiB
 * and a parse is microseconds, far below the request's own LMDB and I/O. */

/* The actions that manage access itself: the policy and the public access
 * block. */
static bool policy_action(const char *action)
{
    return strcmp(action, "s3:GetBucketPolicy") == 0 || strcmp(action, "s3:PutBucketPolicy") == 0 ||
           strcmp(action, "s3:DeleteBucketPolicy") == 0 ||
           strcmp(action, "s3:GetBucketPublicAccessBlock") == 0 ||
           strcmp(action, "s3:PutBucketPublicAccessBlock") == 0;
}

#define MAX_CTX 16

typedef struct ctx_list {
    lb_policy_kv v[MAX_CTX];
    size_t n;
} ctx_list;

static void ctx_add(ctx_list *c, const char *k, const char *v)
{
    if (v && c->n < MAX_CTX) {
        c->v[c->n].key = k;
        c->v[c->n].value = v;
        c->n++;
    }
}

static lb_policy_effect evaluate(s3_req *q, const lb_policy *p, const lb_bucket *b,
                                 const char *action, const char *key)
{
    char principal[128];
    if (q->anonymous)
        principal[0] = 0;
    else if (q->is_root)
        snprintf(principal, sizeof principal, "arn:aws:iam::lifeboat:root");
    else
        snprintf(principal, sizeof principal, "arn:aws:iam::lifeboat:user/%s", q->user);
    lb_buf res = {0};
    lb_buf_printf(&res, "arn:aws:s3:::%s", b->name);
    if (key)
        lb_buf_printf(&res, "/%s", key);
    char now[32], epoch[24];
    int64_t ms = lb_now_ns() / 1000000;
    lb_time_iso8601(ms, now);
    snprintf(epoch, sizeof epoch, "%lld", (long long)(ms / 1000));
    ctx_list c = {0};
    ctx_add(&c, "aws:SourceIp", lb_http_peer(q->http));
    ctx_add(&c, "aws:SecureTransport", lb_http_is_tls(q->http) ? "true" : "false");
    ctx_add(&c, "aws:CurrentTime", now);
    ctx_add(&c, "aws:EpochTime", epoch);
    ctx_add(&c, "aws:PrincipalType", q->anonymous ? "Anonymous" : q->is_root ? "Account" : "User");
    if (!q->anonymous && !q->is_root)
        ctx_add(&c, "aws:username", q->user);
    ctx_add(&c, "aws:Referer", s3_header(q, "referer"));
    ctx_add(&c, "aws:UserAgent", s3_header(q, "user-agent"));
    if (strcmp(action, "s3:ListBucket") == 0 ||
        strcmp(action, "s3:ListBucketMultipartUploads") == 0) {
        ctx_add(&c, "s3:prefix", s3_query(q, "prefix"));
        ctx_add(&c, "s3:delimiter", s3_query(q, "delimiter"));
        ctx_add(&c, "s3:max-keys", s3_query(q, "max-keys"));
    }
    ctx_add(&c, "s3:x-amz-acl", s3_header(q, "x-amz-acl"));
    lb_policy_request r = {.principal = q->anonymous ? NULL : principal, .action = action,
                           .resource = res.data, .ctx = c.v, .nctx = c.n};
    lb_policy_effect e = lb_policy_evaluate(p, &r);
    lb_buf_free(&res);
    return e;
}

int s3_authorize(s3_req *q, const lb_bucket *b, const char *action, const char *key)
{
    if (q->is_root && policy_action(action))
        return 0;
    bool owner = q->is_root || (!q->anonymous && strcmp(b->owner, q->user) == 0);
    if (!b->has_policy)
        return owner ? 0 : LB_E_ACCESS_DENIED;
    char *json = NULL;
    size_t len = 0;
    lb_policy *p = NULL;
    int rc = lb_store_bucket_policy_get(q->s3->store, b->name, &json, &len);
    if (rc == LB_E_NO_SUCH_BUCKET_POLICY || rc == LB_E_NO_SUCH_BUCKET)
        return owner ? 0 : LB_E_ACCESS_DENIED;
    if (rc)
        return rc;
    char err[256];
    if (lb_policy_parse(json, len, LB_POLICY_BUCKET, &p, err, sizeof err) != 0) {
        /* Validated when stored; a failure now means the parser changed.
         * Fail closed for everyone but the owner. */
        lb_error(q->id, "stored policy of bucket \"%s\" does not parse: %s", b->name, err);
        free(json);
        return owner ? 0 : LB_E_ACCESS_DENIED;
    }
    free(json);
    lb_policy_effect e = evaluate(q, p, b, action, key);
    bool is_public = lb_policy_is_public(p);
    lb_policy_free(p);
    if (e == LB_POLICY_DENY)
        return LB_E_ACCESS_DENIED;
    if (owner)
        return 0;
    if (policy_action(action) || e != LB_POLICY_ALLOW)
        return LB_E_ACCESS_DENIED;
    if (q->anonymous && is_public) {
        s3_pab pab;
        if ((rc = s3_pab_effective(q, b->name, &pab)) != 0)
            return rc;
        if (pab.restrict_public_buckets)
            return LB_E_ACCESS_DENIED;
    }
    return 0;
}

int s3_bucket_load(s3_req *q, lb_bucket *b)
{
    int rc = lb_store_bucket_get(q->s3->store, q->bucket, b);
    /* Anonymous callers do not learn which buckets exist. */
    if (rc == LB_E_NO_SUCH_BUCKET && q->anonymous)
        rc = LB_E_ACCESS_DENIED;
    if (rc)
        s3_error(q, rc);
    return rc;
}

int s3_bucket_access(s3_req *q, lb_bucket *b, const char *action)
{
    lb_bucket tmp;
    if (!b)
        b = &tmp;
    int rc = lb_store_bucket_get(q->s3->store, q->bucket, b);
    if (rc == 0)
        rc = s3_authorize(q, b, action, q->key);
    if (rc == LB_E_NO_SUCH_BUCKET && q->anonymous)
        rc = LB_E_ACCESS_DENIED;
    if (rc)
        s3_error(q, rc);
    return rc;
}

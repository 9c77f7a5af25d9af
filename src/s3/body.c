/* The request body pipeline:
 *   wire bytes -> [aws-chunked decoder, verifying chunk signatures]
 *              -> [SHA-256 of the payload when x-amz-content-sha256 is a hash]
 *              -> sink: bounded buffer (XML bodies) or data file writer
 * and at the end: declared length, Content-MD5 and x-amz-checksum-* checks.
 * Nothing is acknowledged before every check passed. */
#include "s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_len(const char *s, uint64_t *out) { return s && lb_parse_u64(s, out) == 0 ? 0 : -1; }

/* Finds the checksum algorithm the client uses, from headers or trailer. */
static int checksum_setup(s3_req *q)
{
    const char *trailer = s3_header(q, "x-amz-trailer");
    if (trailer) {
        const char *p = trailer;
        while (*p == ' ')
            p++;
        if (strncasecmp(p, "x-amz-checksum-", 15) != 0)
            return LB_E_INVALID_ARGUMENT;
        q->ck_alg = lb_cksum_from_name(p + 15);
        if (q->ck_alg == LB_CK_NONE)
            return LB_E_INVALID_ARGUMENT;
        q->ck_in_trailer = true;
        return 0;
    }
    for (int a = LB_CK_CRC32; a < LB_CK__COUNT; a++) {
        char name[48];
        snprintf(name, sizeof name, "x-amz-checksum-%s", lb_cksum_name((lb_cksum_alg)a));
        const char *v = s3_header(q, name);
        if (v) {
            if (q->ck_alg != LB_CK_NONE)
                return LB_E_INVALID_REQUEST; /* only one checksum at a time */
            q->ck_alg = (lb_cksum_alg)a;
            q->ck_expect = lb_xstrdup(v);
        }
    }
    const char *algo = s3_header(q, "x-amz-sdk-checksum-algorithm");
    if (q->ck_alg == LB_CK_NONE && algo) {
        q->ck_alg = lb_cksum_from_name(algo);
        if (q->ck_alg == LB_CK_NONE)
            return LB_E_INVALID_ARGUMENT;
    }
    return 0;
}

int s3_body_begin(s3_req *q, body_mode mode, uint64_t limit)
{
    int rc = 0;
    q->mode = mode;
    q->limit = limit;
    const char *cl = s3_header(q, "content-length");
    const char *te = s3_header(q, "transfer-encoding");
    uint64_t wire_len = 0;
    if (cl && parse_len(cl, &wire_len)) {
        rc = LB_E_INVALID_ARGUMENT;
        goto out;
    }
    if (!cl && !te && mode == BODY_WRITER) {
        rc = LB_E_MISSING_CONTENT_LENGTH;
        goto out;
    }
    const char *sha = s3_header(q, "x-amz-content-sha256");
    bool streaming = sha && strncmp(sha, "STREAMING-", 10) == 0;
    if (streaming) {
        lb_chunked_opts o = {.max_decoded = limit};
        if (strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD") == 0)
            o.mode = LB_CHUNKED_SIGNED;
        else if (strcmp(sha, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER") == 0)
            o.mode = LB_CHUNKED_SIGNED_TRAILER;
        else if (strcmp(sha, "STREAMING-UNSIGNED-PAYLOAD-TRAILER") == 0)
            o.mode = LB_CHUNKED_UNSIGNED_TRAILER;
        else {
            rc = LB_E_NOT_IMPLEMENTED;
            goto out;
        }
        if (o.mode != LB_CHUNKED_UNSIGNED_TRAILER) {
            if (q->anonymous) {
                rc = LB_E_ACCESS_DENIED;
                goto out;
            }
            o.signing_key = q->signing_key;
            o.amz_date = q->auth.amz_date;
            o.scope = q->scope;
            o.seed_signature = q->auth.signature;
        }
        const char *dl = s3_header(q, "x-amz-decoded-content-length");
        uint64_t decoded;
        if (dl && parse_len(dl, &decoded) == 0 && decoded > limit) {
            rc = LB_E_ENTITY_TOO_LARGE;
            goto out;
        }
        q->chunked = lb_chunked_new(&o);
        if (!q->chunked) {
            rc = LB_E_INTERNAL;
            goto out;
        }
    } else {
        if (cl && wire_len > limit) {
            rc = LB_E_ENTITY_TOO_LARGE;
            goto out;
        }
        if (sha && strcmp(sha, "UNSIGNED-PAYLOAD") != 0 && !q->anonymous) {
            if (strlen(sha) != 64) {
                rc = LB_E_INVALID_ARGUMENT;
                goto out;
            }
            memcpy(q->expect_sha, sha, 65);
            q->sha_check = true;
            lb_sha256_init(&q->sha);
        }
    }
    const char *md5 = s3_header(q, "content-md5");
    if (md5) {
        if (lb_base64_decode(md5, strlen(md5), q->expect_md5, 16) != 16) {
            rc = LB_E_INVALID_DIGEST;
            goto out;
        }
        q->md5_check = true;
        if (mode == BODY_BUFFER)
            lb_md5_init(&q->md5);
    }
    if ((rc = checksum_setup(q)) != 0)
        goto out;
    if (q->ck_in_trailer && !streaming) {
        rc = LB_E_INVALID_REQUEST;
        goto out;
    }
    if (mode == BODY_WRITER) {
        rc = lb_writer_new(q->s3->store, q->ck_alg, &q->w);
    } else if (q->ck_alg != LB_CK_NONE) {
        rc = lb_cksum_init(&q->ck, q->ck_alg);
    }
out:
    if (rc) {
        s3_error(q, rc);
        q->mode = BODY_NONE;
    }
    return rc;
}

static int sink(void *arg, const char *data, size_t n)
{
    s3_req *q = arg;
    q->decoded += n;
    if (q->decoded > q->limit)
        return LB_E_ENTITY_TOO_LARGE;
    if (q->sha_check)
        lb_digest_update(&q->sha, data, n);
    if (q->mode == BODY_WRITER)
        return lb_writer_write(q->w, data, n);
    if (q->md5_check)
        lb_digest_update(&q->md5, data, n);
    if (q->ck_alg != LB_CK_NONE)
        lb_cksum_update(&q->ck, data, n);
    lb_buf_append(&q->buf, data, n);
    return 0;
}

void s3_body_feed(s3_req *q, const char *data, size_t n)
{
    if (q->body_err)
        return;
    int rc = q->chunked ? lb_chunked_feed(q->chunked, data, n, sink, q) : sink(q, data, n);
    if (rc) {
        q->body_err = rc;
        s3_error(q, rc);
    }
}

int s3_body_finish(s3_req *q, uint8_t md5[16], char ck_b64[64])
{
    int rc = q->body_err;
    uint8_t dig[64];
    ck_b64[0] = 0;
    if (rc)
        return rc;
    if (q->chunked && (rc = lb_chunked_finish(q->chunked)) != 0)
        return rc;
    const char *cl = s3_header(q, "content-length");
    uint64_t want;
    if (!q->chunked && cl && parse_len(cl, &want) == 0 && want != lb_http_body_len(q->http))
        return LB_E_INCOMPLETE_BODY;
    if (q->chunked) {
        const char *dl = s3_header(q, "x-amz-decoded-content-length");
        if (dl && parse_len(dl, &want) == 0 && want != q->decoded)
            return LB_E_INCOMPLETE_BODY;
    }
    if (q->sha_check) {
        char hex[65];
        lb_digest_final(&q->sha, dig);
        q->sha_check = false;
        lb_hex_encode(dig, 32, hex);
        if (strcasecmp(hex, q->expect_sha) != 0)
            return LB_E_SHA256_MISMATCH;
    }
    if (q->mode == BODY_WRITER) {
        if ((rc = lb_writer_finish(q->w, md5, dig)) != 0)
            return rc;
    } else {
        if (q->md5_check)
            lb_digest_final(&q->md5, md5);
        if (q->ck_alg != LB_CK_NONE)
            lb_cksum_final(&q->ck, dig);
    }
    if (q->md5_check && memcmp(md5, q->expect_md5, 16) != 0)
        return LB_E_BAD_DIGEST;
    q->md5_check = false;
    if (q->ck_alg != LB_CK_NONE) {
        lb_base64_encode(dig, lb_cksum_len(q->ck_alg), ck_b64);
        const char *expect = q->ck_expect;
        char name[48];
        if (q->ck_in_trailer) {
            snprintf(name, sizeof name, "x-amz-checksum-%s", lb_cksum_name(q->ck_alg));
            expect = lb_chunked_trailer(q->chunked, name);
            if (!expect)
                return LB_E_INVALID_REQUEST;
        }
        if (expect && strcmp(expect, ck_b64) != 0) {
            uint8_t tmp[64];
            if (lb_base64_decode(expect, strlen(expect), tmp, sizeof tmp) !=
                (ssize_t)lb_cksum_len(q->ck_alg))
                return LB_E_INVALID_REQUEST;
            return LB_E_BAD_CHECKSUM;
        }
    }
    return 0;
}

void s3_body_free(s3_req *q)
{
    lb_chunked_free(q->chunked);
    q->chunked = NULL;
    if (q->sha_check)
        lb_digest_free(&q->sha);
    if (q->md5_check && q->mode == BODY_BUFFER)
        lb_digest_free(&q->md5);
    lb_cksum_free(&q->ck);
    free(q->ck_expect);
    q->ck_expect = NULL;
    lb_buf_free(&q->buf);
    lb_writer_free(q->w);
    q->w = NULL;
}

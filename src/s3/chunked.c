/* chunked: aws-chunked body decoder.
 *
 * Invariants:
 *  1. Memory is bounded whatever the client sends: one line buffer (chunk
 *     header at most 1 KiB, all trailers at most 16 KiB) and one running
 *     SHA-256; chunk data is streamed, never held.
 *  2. In the signed modes, chunk n's signature is checked as soon as its
 *     last data byte (or, for the zero-length final chunk, its header) has
 *     arrived, chained from chunk n-1's (the seed for the first).  Bytes
 *     reach the sink before their chunk is verified; see chunked.h.
 *  3. After the first error the decoder only repeats that error.
 *
 * States, and what moves between them:
 *   HEADER --chunk header line, size > 0--> DATA --size bytes--> DATA_CR
 *   DATA_CR --'\r'--> DATA_LF --'\n'--> HEADER
 *   HEADER --size 0, signed mode--> END --empty line--> DONE
 *   HEADER --size 0, trailer modes--> TRAILER --empty line--> DONE
 *   any --error--> FAILED
 * lb_chunked_finish() accepts DONE, and END or TRAILER at a line boundary
 * (the closing CRLF some clients leave out). */
#include "s3/chunked.h"

#include <openssl/crypto.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "s3/sigv4.h"

#define HEADER_LINE_MAX 1024        /* bytes of a chunk header, CRLF excluded */
#define TRAILERS_MAX (16 * 1024)    /* bytes of the whole trailer section */
#define TRAILERS_COUNT_MAX 32       /* a checksum or two is all AWS sends */
#define SIG_EXT ";chunk-signature=" /* the only chunk extension there is */
#define TRAILER_SIG_NAME "x-amz-trailer-signature"

typedef enum {
    ST_HEADER,
    ST_DATA,
    ST_DATA_CR,
    ST_DATA_LF,
    ST_END,
    ST_TRAILER,
    ST_DONE,
    ST_FAILED
} chunked_state;

struct lb_chunked {
    lb_chunked_mode mode;
    bool is_signed;
    chunked_state state;
    int err;                    /* ST_FAILED: what every call returns */
    uint64_t max_decoded;       /* 0: no limit */
    uint64_t decoded;
    uint64_t remaining;         /* ST_DATA: bytes of the chunk still to come */

    uint8_t key[32];
    char *amz_date;
    char *scope;
    char prev_sig[65];          /* seed, then the last verified chunk */
    char want_sig[65];          /* what the current chunk claims */
    lb_digest digest;           /* SHA-256 of the current chunk's data */
    bool digest_active;
    lb_buf sts;                 /* scratch for strings to sign */

    size_t trailers_used;       /* bytes of the trailer section so far */
    bool trailer_lines;         /* a trailer line (not a blank) was seen */
    bool blank_seen;            /* the empty line after the final chunk */
    bool trailer_verified;      /* x-amz-trailer-signature checked */
    lb_buf trailer_text;        /* signed mode: lines covered by the signature */
    lb_buf trailer_kv;          /* "name\0value\0" pairs */
    size_t ntrailers;

    size_t line_len;
    char line[TRAILERS_MAX + 2]; /* content, CR, NUL */
};

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static unsigned hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    return (unsigned)(c - 'A' + 10);
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Copies 64 hex digits lower-cased; false when s is not exactly that. */
static bool copy_sig(char out[65], const char *s, size_t n)
{
    if (n != 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!is_hex(s[i]))
            return false;
        out[i] = to_lower(s[i]);
    }
    out[64] = '\0';
    return true;
}

lb_chunked *lb_chunked_new(const lb_chunked_opts *o)
{
    lb_chunked *c = NULL;
    bool is_signed;

    if (o == NULL)
        goto out;
    switch (o->mode) {
    case LB_CHUNKED_SIGNED:
    case LB_CHUNKED_SIGNED_TRAILER:
        is_signed = true;
        break;
    case LB_CHUNKED_UNSIGNED_TRAILER:
        is_signed = false;
        break;
    default:
        goto out;
    }
    if (is_signed && (o->signing_key == NULL || o->amz_date == NULL || o->scope == NULL ||
                      o->seed_signature == NULL))
        goto out;

    c = lb_xcalloc(1, sizeof *c);
    c->mode = o->mode;
    c->is_signed = is_signed;
    c->state = ST_HEADER;
    c->max_decoded = o->max_decoded;
    if (is_signed) {
        if (!copy_sig(c->prev_sig, o->seed_signature, strlen(o->seed_signature))) {
            lb_chunked_free(c);
            c = NULL;
            goto out;
        }
        memcpy(c->key, o->signing_key, sizeof c->key);
        c->amz_date = lb_xstrdup(o->amz_date);
        c->scope = lb_xstrdup(o->scope);
    }
out:
    return c;
}

void lb_chunked_free(lb_chunked *c)
{
    if (c == NULL)
        return;
    if (c->digest_active)
        lb_digest_free(&c->digest);
    OPENSSL_cleanse(c->key, sizeof c->key);
    free(c->amz_date);
    free(c->scope);
    lb_buf_free(&c->sts);
    lb_buf_free(&c->trailer_text);
    lb_buf_free(&c->trailer_kv);
    free(c);
}

static int fail(lb_chunked *c, int err)
{
    if (c->digest_active) {
        lb_digest_free(&c->digest);
        c->digest_active = false;
    }
    c->state = ST_FAILED;
    c->err = err;
    return err;
}

/* Checks want_sig against the chunk whose data hashes to sha_hex, and on
 * success makes it the link for the next chunk. */
static int verify_chunk(lb_chunked *c, const char *sha_hex)
{
    char sig[65];

    lb_buf_reset(&c->sts);
    lb_sigv4_chunk_string_to_sign(c->amz_date, c->scope, c->prev_sig, sha_hex, &c->sts);
    lb_sigv4_sign(c->key, c->sts.data, sig);
    if (!lb_sigv4_sig_equal(sig, c->want_sig))
        return LB_E_SIGNATURE_MISMATCH;
    memcpy(c->prev_sig, c->want_sig, sizeof c->prev_sig);
    return 0;
}

/* Moves the bytes of the current line from *p into c->line.  Sets *done
 * when the LF arrived; the line is then NUL-terminated without its CRLF.
 * limit bounds the content, CRLF excluded. */
static int take_line(lb_chunked *c, const char **p, const char *end, size_t limit, bool *done)
{
    const char *lf = memchr(*p, '\n', (size_t)(end - *p));
    size_t n = (size_t)((lf ? lf : end) - *p);

    *done = false;
    /* +1: the CR is stored until the LF shows it really ends the line. */
    if (n > limit + 1 - c->line_len)
        return LB_E_INVALID_REQUEST;
    memcpy(c->line + c->line_len, *p, n);
    c->line_len += n;
    *p += n;
    if (lf == NULL)
        return 0;
    (*p)++;
    /* HTTP framing is CRLF; a bare LF or a stray CR would let two parsers
     * disagree about where a line ends. */
    if (c->line_len == 0 || c->line[c->line_len - 1] != '\r')
        return LB_E_INVALID_REQUEST;
    c->line_len--;
    if (memchr(c->line, '\r', c->line_len) != NULL || memchr(c->line, '\0', c->line_len) != NULL)
        return LB_E_INVALID_REQUEST;
    c->line[c->line_len] = '\0';
    *done = true;
    return 0;
}

static int on_chunk_header(lb_chunked *c)
{
    const char *s = c->line;
    size_t n = c->line_len, i = 0;
    uint64_t size = 0;
    int rc = LB_E_INVALID_REQUEST;

    for (; i < n && is_hex(s[i]); i++) {
        /* 16 hex digits is all of uint64_t; more is an attack or garbage. */
        if (i == 16)
            goto out;
        size = size << 4 | hex_val(s[i]);
    }
    if (i == 0)
        goto out;
    if (c->is_signed) {
        const size_t ext_len = strlen(SIG_EXT);

        if (n - i < ext_len || memcmp(s + i, SIG_EXT, ext_len) != 0 ||
            !copy_sig(c->want_sig, s + i + ext_len, n - i - ext_len))
            goto out;
    } else if (i != n) {
        goto out;
    }
    if (c->max_decoded && size > c->max_decoded - c->decoded) {
        rc = LB_E_ENTITY_TOO_LARGE;
        goto out;
    }
    c->line_len = 0;
    if (size == 0) {
        if (c->is_signed && (rc = verify_chunk(c, LB_SIGV4_EMPTY_SHA256)) != 0)
            goto out;
        c->state = c->mode == LB_CHUNKED_SIGNED ? ST_END : ST_TRAILER;
        rc = 0;
        goto out;
    }
    if (c->is_signed) {
        if (lb_sha256_init(&c->digest) != 0) {
            rc = LB_E_INTERNAL;
            goto out;
        }
        c->digest_active = true;
    }
    c->remaining = size;
    c->state = ST_DATA;
    rc = 0;
out:
    return rc;
}

static int on_data(lb_chunked *c, const char **p, const char *end, lb_chunked_sink sink,
                   void *arg)
{
    size_t avail = (size_t)(end - *p);
    size_t n = c->remaining < avail ? (size_t)c->remaining : avail;
    int rc;

    if (c->is_signed)
        lb_digest_update(&c->digest, *p, n);
    c->remaining -= n;
    c->decoded += n;
    if (sink && (rc = sink(arg, *p, n)) != 0)
        return rc;
    *p += n;
    if (c->remaining == 0) {
        if (c->is_signed) {
            uint8_t h[32];
            char hex[65];

            lb_digest_final(&c->digest, h);
            c->digest_active = false;
            lb_hex_encode(h, sizeof h, hex);
            if ((rc = verify_chunk(c, hex)) != 0)
                return rc;
        }
        c->state = ST_DATA_CR;
    }
    return 0;
}

static const char *trailer_find(const lb_chunked *c, const char *name)
{
    const char *p = c->trailer_kv.data;

    for (size_t i = 0; i < c->ntrailers; i++) {
        const char *v = p + strlen(p) + 1;

        if (strcmp(p, name) == 0)
            return v;
        p = v + strlen(v) + 1;
    }
    return NULL;
}

static bool is_token_char(char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int verify_trailer(lb_chunked *c, const char *v, size_t vlen)
{
    uint8_t h[32];
    char hex[65], sig[65];

    if (!copy_sig(c->want_sig, v, vlen))
        return LB_E_INVALID_REQUEST;
    lb_sha256(c->trailer_text.data ? c->trailer_text.data : "", c->trailer_text.len, h);
    lb_hex_encode(h, sizeof h, hex);
    lb_buf_reset(&c->sts);
    lb_sigv4_trailer_string_to_sign(c->amz_date, c->scope, c->prev_sig, hex, &c->sts);
    lb_sigv4_sign(c->key, c->sts.data, sig);
    if (!lb_sigv4_sig_equal(sig, c->want_sig))
        return LB_E_SIGNATURE_MISMATCH;
    c->trailer_verified = true;
    return 0;
}

static int on_trailer_line(lb_chunked *c)
{
    char *s = c->line;
    size_t n = c->line_len, i, vs, ve;
    int rc = LB_E_INVALID_REQUEST;

    c->trailers_used += n + 2;
    c->line_len = 0;
    if (n == 0) {
        /* After trailers an empty line ends the body.  Right after the
         * final chunk it may end it too, or separate it from trailers that
         * follow: only the next bytes (or their absence) tell.  Two in a
         * row are neither. */
        if (c->trailer_lines)
            c->state = ST_DONE;
        else if (c->blank_seen)
            goto out;
        c->blank_seen = true;
        rc = 0;
        goto out;
    }
    /* The trailer signature covers every trailer: it must come last. */
    if (c->trailer_verified || c->ntrailers == TRAILERS_COUNT_MAX)
        goto out;
    for (i = 0; i < n && s[i] != ':'; i++) {
        if (!is_token_char(s[i]))
            goto out;
        s[i] = to_lower(s[i]);
    }
    if (i == 0 || i == n)
        goto out;
    vs = i + 1;
    ve = n;
    while (vs < ve && (s[vs] == ' ' || s[vs] == '\t'))
        vs++;
    while (ve > vs && (s[ve - 1] == ' ' || s[ve - 1] == '\t'))
        ve--;
    s[i] = '\0';
    if (strcmp(s, TRAILER_SIG_NAME) == 0) {
        if (c->mode != LB_CHUNKED_SIGNED_TRAILER)
            goto out;
        if ((rc = verify_trailer(c, s + vs, ve - vs)) == 0)
            c->trailer_lines = true;
        goto out;
    }
    if (trailer_find(c, s) != NULL)
        goto out;
    if (c->is_signed) {
        /* What the signature covers: each trailer as "name:value\n", name
         * lower-case and value trimmed, in the order sent. */
        lb_buf_append(&c->trailer_text, s, i);
        lb_buf_putc(&c->trailer_text, ':');
        lb_buf_append(&c->trailer_text, s + vs, ve - vs);
        lb_buf_putc(&c->trailer_text, '\n');
    }
    lb_buf_append(&c->trailer_kv, s, i + 1);
    lb_buf_append(&c->trailer_kv, s + vs, ve - vs);
    lb_buf_putc(&c->trailer_kv, '\0');
    c->ntrailers++;
    c->trailer_lines = true;
    rc = 0;
out:
    return rc;
}

int lb_chunked_feed(lb_chunked *c, const char *data, size_t len, lb_chunked_sink sink, void *arg)
{
    const char *p, *end;
    bool done;
    int rc = 0;

    if (c->state == ST_FAILED)
        return c->err;
    /* data may be NULL when len is 0, and NULL + 0 is not C. */
    if (len == 0)
        return 0;
    p = data;
    end = data + len;
    while (p < end && rc == 0) {
        switch (c->state) {
        case ST_HEADER:
            rc = take_line(c, &p, end, HEADER_LINE_MAX, &done);
            if (rc == 0 && done)
                rc = on_chunk_header(c);
            break;
        case ST_DATA:
            rc = on_data(c, &p, end, sink, arg);
            break;
        case ST_DATA_CR:
            rc = *p++ == '\r' ? 0 : LB_E_INVALID_REQUEST;
            c->state = ST_DATA_LF;
            break;
        case ST_DATA_LF:
            rc = *p++ == '\n' ? 0 : LB_E_INVALID_REQUEST;
            c->state = ST_HEADER;
            break;
        case ST_END:
            rc = take_line(c, &p, end, 0, &done);
            if (rc == 0 && done)
                c->state = ST_DONE;
            break;
        case ST_TRAILER:
            /* Room for at least an empty line, or the section is too big. */
            if (c->trailers_used + 2 > TRAILERS_MAX) {
                rc = LB_E_INVALID_REQUEST;
                break;
            }
            rc = take_line(c, &p, end, TRAILERS_MAX - 2 - c->trailers_used, &done);
            if (rc == 0 && done)
                rc = on_trailer_line(c);
            break;
        case ST_DONE:
            /* The body is over; more is a framing error, not more data. */
            rc = LB_E_INVALID_REQUEST;
            break;
        case ST_FAILED:
            rc = c->err;
            break;
        }
    }
    if (rc != 0)
        return fail(c, rc);
    return 0;
}

int lb_chunked_finish(lb_chunked *c)
{
    bool complete;

    switch (c->state) {
    case ST_FAILED:
        return c->err;
    case ST_DONE:
        complete = true;
        break;
    case ST_END:
    case ST_TRAILER:
        /* The closing CRLF may be missing, but not half a line. */
        complete = c->line_len == 0;
        break;
    default:
        complete = false;
        break;
    }
    if (complete && c->mode == LB_CHUNKED_SIGNED_TRAILER && !c->trailer_verified)
        complete = false;
    if (!complete)
        return fail(c, LB_E_INCOMPLETE_BODY);
    c->state = ST_DONE;
    return 0;
}

const char *lb_chunked_trailer(const lb_chunked *c, const char *name)
{
    if (c == NULL || name == NULL)
        return NULL;
    return trailer_find(c, name);
}

uint64_t lb_chunked_decoded_len(const lb_chunked *c)
{
    return c->decoded;
}

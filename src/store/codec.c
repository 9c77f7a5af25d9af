/* The record codec: compact, versioned, bounds-checked on decode. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

void lb_enc_u8(lb_enc *e, uint8_t v) { lb_buf_append(&e->b, &v, 1); }

void lb_enc_u32(lb_enc *e, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    lb_buf_append(&e->b, b, 4);
}

void lb_enc_u64(lb_enc *e, uint64_t v)
{
    lb_enc_u32(e, (uint32_t)v);
    lb_enc_u32(e, (uint32_t)(v >> 32));
}

void lb_enc_str(lb_enc *e, const char *s)
{
    if (!s) {
        lb_enc_u32(e, UINT32_MAX);
        return;
    }
    size_t n = strlen(s);
    lb_enc_u32(e, (uint32_t)n);
    lb_buf_append(&e->b, s, n);
}

static bool need(lb_dec *d, size_t n)
{
    if (d->err || d->n - d->off < n) {
        d->err = LB_E_CORRUPT;
        return false;
    }
    return true;
}

uint8_t lb_dec_u8(lb_dec *d)
{
    if (!need(d, 1))
        return 0;
    return d->p[d->off++];
}

uint32_t lb_dec_u32(lb_dec *d)
{
    if (!need(d, 4))
        return 0;
    const uint8_t *b = d->p + d->off;
    d->off += 4;
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

uint64_t lb_dec_u64(lb_dec *d)
{
    uint64_t lo = lb_dec_u32(d);
    return lo | (uint64_t)lb_dec_u32(d) << 32;
}

char *lb_dec_str(lb_dec *d)
{
    uint32_t n = lb_dec_u32(d);
    if (d->err || n == UINT32_MAX)
        return NULL;
    if (!need(d, n))
        return NULL;
    char *s = lb_xstrndup((const char *)d->p + d->off, n);
    d->off += n;
    return s;
}

void lb_dec_strbuf(lb_dec *d, char *out, size_t cap)
{
    char *s = lb_dec_str(d);
    out[0] = 0;
    if (s) {
        if (strlen(s) < cap)
            strcpy(out, s);
        else
            d->err = LB_E_CORRUPT;
        free(s);
    }
}

/* bucket \0 key in at most max bytes. */
static void dbkey(lb_buf *out, const char *bucket, const char *key, size_t max)
{
    lb_buf_reset(out);
    lb_buf_puts(out, bucket);
    lb_buf_putc(out, 0);
    size_t klen = strlen(key);
    if (out->len + klen <= max) {
        lb_buf_append(out, key, klen);
        return;
    }
    /* Keys past LMDB's limit: a long common head, then a hash of the whole
     * key.  Listing order among keys sharing the same 440-byte head follows
     * the hash; the lister re-sorts such runs (see objects.c). */
    size_t head = max - out->len - 33;
    lb_buf_append(out, key, head);
    uint8_t h[32];
    lb_sha256(key, klen, h);
    char hex[65];
    lb_hex_encode(h, 16, hex);
    lb_buf_putc(out, (char)0xff);
    lb_buf_append(out, hex, 32);
}

void lb_objkey(lb_buf *out, const char *bucket, const char *key)
{
    dbkey(out, bucket, key, LB_MAX_DBKEY);
}

void lb_uploadkey(lb_buf *out, const char *bucket, const char *key, const char *upload_id)
{
    dbkey(out, bucket, key, LB_MAX_UPLOAD_DBKEY);
    lb_buf_putc(out, 0);
    lb_buf_puts(out, upload_id);
}

int lb_object_encode(const lb_object *o, const char *key, lb_enc *e)
{
    lb_enc_u8(e, 1); /* record version */
    lb_enc_str(e, key);
    lb_enc_str(e, o->version_id);
    lb_enc_u64(e, o->size);
    lb_enc_u64(e, (uint64_t)o->mtime_ms);
    lb_enc_str(e, o->etag);
    lb_enc_str(e, o->owner);
    lb_enc_u32(e, (uint32_t)o->nheaders);
    for (size_t i = 0; i < o->nheaders; i++) {
        lb_enc_str(e, o->headers[i].name);
        lb_enc_str(e, o->headers[i].value);
    }
    lb_enc_str(e, o->tags);
    lb_enc_u8(e, (uint8_t)o->ck_alg);
    lb_enc_str(e, o->ck_value);
    lb_enc_u8(e, o->ck_composite);
    lb_enc_u32(e, (uint32_t)o->nparts);
    for (size_t i = 0; i < o->nparts; i++) {
        lb_enc_str(e, o->parts[i].file);
        lb_enc_u64(e, o->parts[i].size);
        lb_enc_str(e, o->parts[i].etag);
        lb_enc_str(e, o->parts[i].checksum);
    }
    return 0;
}

int lb_object_decode_full(const void *val, size_t vlen, lb_object **out, char **key)
{
    lb_dec d = {.p = val, .n = vlen};
    lb_object *o = lb_xcalloc(1, sizeof *o);
    if (lb_dec_u8(&d) != 1)
        d.err = LB_E_CORRUPT;
    char *k = lb_dec_str(&d);
    lb_dec_strbuf(&d, o->version_id, sizeof o->version_id);
    o->size = lb_dec_u64(&d);
    o->mtime_ms = (int64_t)lb_dec_u64(&d);
    lb_dec_strbuf(&d, o->etag, sizeof o->etag);
    lb_dec_strbuf(&d, o->owner, sizeof o->owner);
    uint32_t nh = lb_dec_u32(&d);
    if (!d.err && nh > 1024)
        d.err = LB_E_CORRUPT;
    if (!d.err && nh) {
        o->headers = lb_xcalloc(nh, sizeof *o->headers);
        o->nheaders = nh;
        for (uint32_t i = 0; i < nh; i++) {
            o->headers[i].name = lb_dec_str(&d);
            o->headers[i].value = lb_dec_str(&d);
        }
    }
    o->tags = lb_dec_str(&d);
    o->ck_alg = (lb_cksum_alg)lb_dec_u8(&d);
    o->ck_value = lb_dec_str(&d);
    o->ck_composite = lb_dec_u8(&d);
    uint32_t np = lb_dec_u32(&d);
    if (!d.err && np > 10000)
        d.err = LB_E_CORRUPT;
    if (!d.err && np) {
        o->parts = lb_xcalloc(np, sizeof *o->parts);
        o->nparts = np;
        for (uint32_t i = 0; i < np; i++) {
            o->parts[i].file = lb_dec_str(&d);
            o->parts[i].size = lb_dec_u64(&d);
            lb_dec_strbuf(&d, o->parts[i].etag, sizeof o->parts[i].etag);
            o->parts[i].checksum = lb_dec_str(&d);
        }
    }
    if (d.err || o->ck_alg >= LB_CK__COUNT) {
        free(k);
        lb_object_free(o);
        return LB_E_CORRUPT;
    }
    if (key)
        *key = k;
    else
        free(k);
    *out = o;
    return 0;
}

int lb_store_object_decode(const void *val, size_t vlen, lb_object **out)
{
    return lb_object_decode_full(val, vlen, out, NULL);
}

void lb_object_free(lb_object *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->nheaders; i++) {
        free(o->headers[i].name);
        free(o->headers[i].value);
    }
    free(o->headers);
    free(o->tags);
    free(o->ck_value);
    for (size_t i = 0; i < o->nparts; i++) {
        free(o->parts[i].file);
        free(o->parts[i].checksum);
    }
    free(o->parts);
    free(o);
}

const char *lb_object_header(const lb_object *o, const char *name)
{
    for (size_t i = 0; i < o->nheaders; i++)
        if (o->headers[i].name && strcmp(o->headers[i].name, name) == 0)
            return o->headers[i].value;
    return NULL;
}

/* libFuzzer target: the aws-chunked decoder.
 *
 * Byte 0 chooses the mode (low two bits, modulo 3) and the harness:
 *   raw (bit 7 clear): the rest of the input is the body, fed in slices
 *     whose sizes come from a small generator seeded by bytes 1-2; byte 3
 *     sets max_decoded.  Mostly exercises framing errors, since the fuzzer
 *     cannot forge signatures.
 *   synth (bit 7 set): the rest is split on 0xff into chunk payloads, and
 *     on 0xfe into trailer lines after them; the harness signs a body of
 *     them and decodes it in random slices.  When bit 6 is set one byte of
 *     the body is flipped first.  Whatever a signed mode accepts must be
 *     exactly the payloads signed, and an uncorrupted signed-mode body
 *     must be accepted.
 * In both, the decoded length must equal what reached the sink, and after
 * an error every later call must return the same error. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "s3/chunked.h"
#include "s3/sigv4.h"

#define AMZ_DATE "20130524T000000Z"
#define SCOPE "20130524/us-east-1/s3/aws4_request"
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"

static uint8_t g_key[32];

static int collect(void *arg, const char *data, size_t len)
{
    lb_buf_append(arg, data, len);
    return 0;
}

static uint32_t next_rand(uint32_t *s)
{
    /* xorshift32: deterministic slices for a given input. */
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* Feeds body in slices; returns feed's first error or finish's result. */
static int run(lb_chunked *c, const char *body, size_t len, uint32_t seed, lb_buf *out)
{
    uint32_t s = seed ? seed : 1;
    size_t off = 0;
    int rc = 0, again;

    while (off < len) {
        size_t n = next_rand(&s) % 64;

        if (next_rand(&s) % 16 == 0)
            n = next_rand(&s) % 70000;
        if (n > len - off)
            n = len - off;
        if ((rc = lb_chunked_feed(c, body + off, n, collect, out)) != 0)
            break;
        off += n;
    }
    if (rc == 0)
        rc = lb_chunked_finish(c);
    if (lb_chunked_decoded_len(c) != out->len)
        abort();
    if (rc != 0) {
        /* A dead decoder stays dead. */
        again = lb_chunked_feed(c, "0\r\n", 3, collect, out);
        if (again != rc || lb_chunked_finish(c) != rc)
            abort();
    }
    return rc;
}

static void sign_into(lb_buf *body, char prev[65], const char *data, size_t n)
{
    uint8_t h[32];
    char hex[65], sig[65];
    lb_buf sts = {0};

    lb_sha256(data, n, h);
    lb_hex_encode(h, sizeof h, hex);
    lb_sigv4_chunk_string_to_sign(AMZ_DATE, SCOPE, prev, hex, &sts);
    lb_sigv4_sign(g_key, sts.data, sig);
    lb_buf_free(&sts);
    memcpy(prev, sig, 65);
    lb_buf_printf(body, "%zx;chunk-signature=%s\r\n", n, sig);
    lb_buf_append(body, data, n);
    if (n)
        lb_buf_puts(body, "\r\n");
}

/* Builds a body of the payloads and trailer lines of in; expect gets the
 * payloads concatenated. */
static void synth(lb_chunked_mode mode, const char *in, size_t n, lb_buf *body, lb_buf *expect)
{
    char prev[65] = SEED;
    const char *end = in + n;
    const char *tr = memchr(in, 0xfe, n);
    const char *p = in;
    const char *data_end = tr ? tr : end;
    lb_buf text = {0};

    while (p < data_end) {
        const char *e = memchr(p, 0xff, (size_t)(data_end - p));
        size_t len = (size_t)((e ? e : data_end) - p);

        /* An empty payload would be the final chunk; skip it. */
        if (len && mode != LB_CHUNKED_UNSIGNED_TRAILER)
            sign_into(body, prev, p, len);
        else if (len) {
            lb_buf_printf(body, "%zx\r\n", len);
            lb_buf_append(body, p, len);
            lb_buf_puts(body, "\r\n");
        }
        lb_buf_append(expect, p, len);
        p = e ? e + 1 : data_end;
    }
    if (mode == LB_CHUNKED_UNSIGNED_TRAILER)
        lb_buf_puts(body, "0\r\n");
    else
        sign_into(body, prev, "", 0);
    if (mode == LB_CHUNKED_SIGNED) {
        lb_buf_puts(body, "\r\n");
        return;
    }
    /* Trailer lines as given, each "name:value" CRLF; the signature's text
     * is the same lines with "\n".  Names the decoder would normalise make
     * the signature (rightly) fail, which is still a valid run. */
    p = tr ? tr + 1 : end;
    while (p < end) {
        const char *e = memchr(p, 0xfe, (size_t)(end - p));
        size_t len = (size_t)((e ? e : end) - p);

        lb_buf_append(body, p, len);
        lb_buf_puts(body, "\r\n");
        lb_buf_append(&text, p, len);
        lb_buf_putc(&text, '\n');
        p = e ? e + 1 : end;
    }
    if (mode == LB_CHUNKED_SIGNED_TRAILER) {
        uint8_t h[32];
        char hex[65], sig[65];
        lb_buf sts = {0};

        lb_sha256(text.data ? text.data : "", text.len, h);
        lb_hex_encode(h, sizeof h, hex);
        lb_sigv4_trailer_string_to_sign(AMZ_DATE, SCOPE, prev, hex, &sts);
        lb_sigv4_sign(g_key, sts.data, sig);
        lb_buf_printf(body, "x-amz-trailer-signature:%s\r\n", sig);
        lb_buf_free(&sts);
    }
    lb_buf_puts(body, "\r\n");
    lb_buf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    lb_chunked_mode mode;
    lb_chunked *c;
    lb_buf out = {0}, body = {0}, expect = {0};
    uint32_t seed;
    int rc;

    if (!init) {
        lb_sigv4_signing_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "20130524", "us-east-1",
                             "s3", g_key);
        init = true;
    }
    if (size < 4)
        return 0;
    mode = (lb_chunked_mode)((data[0] & 3) % 3);
    seed = (uint32_t)data[1] << 8 | data[2];
    {
        lb_chunked_opts o = {
            .mode = mode,
            .signing_key = g_key,
            .amz_date = AMZ_DATE,
            .scope = SCOPE,
            .seed_signature = SEED,
            .max_decoded = (data[0] & 0x80) ? 0 : (uint64_t)data[3] * 97,
        };

        c = lb_chunked_new(&o);
    }
    if (c == NULL)
        abort();

    if (!(data[0] & 0x80)) {
        rc = run(c, (const char *)data + 4, size - 4, seed, &out);
        if (rc == 0 && out.len > size)
            abort();
        (void)lb_chunked_trailer(c, "x-amz-checksum-crc32");
        goto out;
    }

    synth(mode, (const char *)data + 4, size - 4, &body, &expect);
    if (data[0] & 0x40)
        body.data[((size_t)data[3] * 7919 + seed) % body.len] ^= 0x01;
    rc = run(c, body.data, body.len, seed, &out);
    if (rc == 0) {
        /* Whatever was accepted is what was signed: a flipped byte may
         * leave valid framing (unsigned mode) but never passes a
         * signature. */
        bool same = out.len == expect.len && (out.len == 0 || memcmp(out.data, expect.data, out.len) == 0);

        if (!same && (mode != LB_CHUNKED_UNSIGNED_TRAILER || !(data[0] & 0x40)))
            abort();
    } else if (mode == LB_CHUNKED_SIGNED && !(data[0] & 0x40)) {
        /* Only harness-signed payloads in this mode: it must decode. */
        abort();
    }
out:
    lb_chunked_free(c);
    lb_buf_free(&out);
    lb_buf_free(&body);
    lb_buf_free(&expect);
    return 0;
}

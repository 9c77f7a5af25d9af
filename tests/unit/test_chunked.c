/* Unit tests of src/s3/chunked.c.
 *
 * The signed bodies are AWS's published examples (S3 API reference,
 * "Transferring Payload in Multiple Chunks" and "Including Trailing
 * Headers": 64 KiB + 1 KiB of 'a' with the example credentials); the rest
 * are built here and signed with lb_sigv4, whose own tests pin it to the
 * published vectors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "s3/chunked.h"
#include "s3/sigv4.h"

#define SECRET "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define AMZ_DATE "20130524T000000Z"
#define SCOPE "20130524/us-east-1/s3/aws4_request"
#define SEED "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
#define SIG1 "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
#define SIG2 "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
#define SIG3 "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
#define TSEED "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e"
#define TSIG1 "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
#define TSIG2 "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
#define TSIG3 "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
#define TSIG "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
#define N(a) (sizeof(a) / sizeof((a)[0]))

static uint8_t g_key[32];

static int setup(void **state)
{
    (void)state;
    lb_sigv4_signing_key(SECRET, "20130524", "us-east-1", "s3", g_key);
    return 0;
}

static lb_chunked *new_decoder(lb_chunked_mode mode, const char *seed, uint64_t max)
{
    lb_chunked_opts o = {
        .mode = mode,
        .signing_key = g_key,
        .amz_date = AMZ_DATE,
        .scope = SCOPE,
        .seed_signature = seed,
        .max_decoded = max,
    };
    lb_chunked *c = lb_chunked_new(&o);

    assert_non_null(c);
    return c;
}

static int collect(void *arg, const char *data, size_t len)
{
    /* Every call carries data: an empty call would be a wasted write. */
    assert_true(len > 0);
    lb_buf_append(arg, data, len);
    return 0;
}

/* Feeds body in slices of step bytes (0: all at once); returns the first
 * error, or finish()'s result. */
static int decode(lb_chunked *c, const char *body, size_t len, size_t step, lb_buf *out)
{
    size_t off = 0;
    int rc;

    if (step == 0)
        step = len ? len : 1;
    while (off < len) {
        size_t n = len - off < step ? len - off : step;

        if ((rc = lb_chunked_feed(c, body + off, n, collect, out)) != 0)
            return rc;
        off += n;
    }
    return lb_chunked_finish(c);
}

/* The published 64 KiB + 1 KiB body, with the given signatures. */
static void aws_body(lb_buf *b, const char *s1, const char *s2, const char *s3)
{
    lb_buf_printf(b, "10000;chunk-signature=%s\r\n", s1);
    for (int i = 0; i < 65536; i++)
        lb_buf_putc(b, 'a');
    lb_buf_printf(b, "\r\n400;chunk-signature=%s\r\n", s2);
    for (int i = 0; i < 1024; i++)
        lb_buf_putc(b, 'a');
    lb_buf_printf(b, "\r\n0;chunk-signature=%s\r\n", s3);
}

static bool all_a(const lb_buf *b, size_t n)
{
    if (b->len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (b->data[i] != 'a')
            return false;
    return true;
}

static void test_aws_example_splits(void **state)
{
    (void)state;
    static const size_t steps[] = {0, 1, 2, 3, 7, 64, 1000, 4096, 65536, 65537, 65624, 70000};
    lb_buf body = {0}, out = {0};

    aws_body(&body, SIG1, SIG2, SIG3);
    lb_buf_puts(&body, "\r\n");
    /* Content-Length of the published request. */
    assert_int_equal(body.len, 66824);
    for (size_t i = 0; i < N(steps); i++) {
        lb_chunked *c = new_decoder(LB_CHUNKED_SIGNED, SEED, 66560);

        lb_buf_reset(&out);
        assert_int_equal(decode(c, body.data, body.len, steps[i], &out), 0);
        assert_true(all_a(&out, 66560));
        assert_int_equal(lb_chunked_decoded_len(c), 66560);
        assert_null(lb_chunked_trailer(c, "x-amz-checksum-crc32"));
        lb_chunked_free(c);
    }
    lb_buf_free(&body);
    lb_buf_free(&out);
}

static void test_aws_example_random_splits(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};

    aws_body(&body, SIG1, SIG2, SIG3);
    lb_buf_puts(&body, "\r\n");
    srand(1);
    for (int round = 0; round < 50; round++) {
        lb_chunked *c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
        size_t off = 0;

        lb_buf_reset(&out);
        while (off < body.len) {
            size_t n = (size_t)rand() % 200;

            /* Mostly small slices, now and then a large one. */
            if (rand() % 8 == 0)
                n = (size_t)rand() % 70000;
            if (n > body.len - off)
                n = body.len - off;
            assert_int_equal(lb_chunked_feed(c, body.data + off, n, collect, &out), 0);
            off += n;
        }
        assert_int_equal(lb_chunked_finish(c), 0);
        assert_true(all_a(&out, 66560));
        lb_chunked_free(c);
    }
    lb_buf_free(&body);
    lb_buf_free(&out);
}

/* The closing CRLF after the final chunk may be missing at the very end,
 * but not half of it. */
static void test_aws_example_endings(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};
    lb_chunked *c;

    aws_body(&body, SIG1, SIG2, SIG3);
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), 0);
    lb_chunked_free(c);

    lb_buf_putc(&body, '\r');
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INCOMPLETE_BODY);
    lb_chunked_free(c);

    lb_buf_puts(&body, "\nx");
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);

    /* The signed mode has no trailers. */
    body.len -= 4;
    lb_buf_puts(&body, "x-amz-checksum-crc32:AAAAAA==\r\n\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    lb_buf_free(&body);
    lb_buf_free(&out);
}

static void test_aws_example_corrupted(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};
    lb_chunked *c;
    const char *bad = "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5498";

    /* A wrong signature on the second chunk is found when its data ends. */
    aws_body(&body, SIG1, bad, SIG3);
    lb_buf_puts(&body, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 1, &out), LB_E_SIGNATURE_MISMATCH);
    /* The first chunk was verified and delivered; no more after the error. */
    assert_true(out.len >= 65536 && out.len <= 66560);
    assert_int_equal(lb_chunked_feed(c, "0", 1, collect, &out), LB_E_SIGNATURE_MISMATCH);
    assert_int_equal(lb_chunked_finish(c), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* A wrong final-chunk signature. */
    lb_buf_reset(&body);
    aws_body(&body, SIG1, SIG2, SIG2);
    lb_buf_puts(&body, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* One changed data byte. */
    lb_buf_reset(&body);
    aws_body(&body, SIG1, SIG2, SIG3);
    lb_buf_puts(&body, "\r\n");
    body.data[40000] = 'b';
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* Another seed: the chain breaks at the first chunk. */
    body.data[40000] = 'a';
    c = new_decoder(LB_CHUNKED_SIGNED, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* Chunks swapped keep valid signatures but not their chain. */
    lb_buf_reset(&body);
    lb_buf_printf(&body, "400;chunk-signature=%s\r\n", SIG2);
    for (int i = 0; i < 1024; i++)
        lb_buf_putc(&body, 'a');
    lb_buf_puts(&body, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED, SIG1, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INCOMPLETE_BODY);
    lb_chunked_free(c);
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);
    lb_buf_free(&body);
    lb_buf_free(&out);
}

static void test_aws_example_truncated(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};
    size_t cuts[200];
    size_t ncuts = 0;

    aws_body(&body, SIG1, SIG2, SIG3);
    lb_buf_puts(&body, "\r\n");
    /* Inside the first header, around each boundary, and near the end. */
    for (size_t i = 0; i < 90; i += 3)
        cuts[ncuts++] = i;
    for (size_t i = 65620; i < 65720; i += 4)
        cuts[ncuts++] = i;
    for (size_t i = body.len - 100; i < body.len - 2; i += 2)
        cuts[ncuts++] = i;
    cuts[ncuts++] = body.len - 1;
    for (size_t i = 0; i < ncuts; i++) {
        lb_chunked *c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);

        lb_buf_reset(&out);
        if (decode(c, body.data, cuts[i], 0, &out) != LB_E_INCOMPLETE_BODY)
            fail_msg("cut at %zu not reported incomplete", cuts[i]);
        lb_chunked_free(c);
    }
    lb_buf_free(&body);
    lb_buf_free(&out);
}

/* The published trailing-header example, signed trailer mode. */
static void trailer_body(lb_buf *b, const char *tsig, bool blank_before, const char *end)
{
    lb_buf_printf(b, "10000;chunk-signature=%s\r\n", TSIG1);
    for (int i = 0; i < 65536; i++)
        lb_buf_putc(b, 'a');
    lb_buf_printf(b, "\r\n400;chunk-signature=%s\r\n", TSIG2);
    for (int i = 0; i < 1024; i++)
        lb_buf_putc(b, 'a');
    lb_buf_printf(b, "\r\n0;chunk-signature=%s\r\n%s", TSIG3, blank_before ? "\r\n" : "");
    lb_buf_printf(b, "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-trailer-signature:%s\r\n%s", tsig, end);
}

static void test_aws_trailer_example(void **state)
{
    (void)state;
    static const size_t steps[] = {0, 1, 13, 65536};
    lb_buf body = {0}, out = {0};

    for (int variant = 0; variant < 3; variant++) {
        lb_buf_reset(&body);
        trailer_body(&body, TSIG, variant == 2, variant == 1 ? "" : "\r\n");
        for (size_t i = 0; i < N(steps); i++) {
            lb_chunked *c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);

            lb_buf_reset(&out);
            assert_int_equal(decode(c, body.data, body.len, steps[i], &out), 0);
            assert_true(all_a(&out, 66560));
            assert_string_equal(lb_chunked_trailer(c, "x-amz-checksum-crc32c"), "sOO8/Q==");
            assert_null(lb_chunked_trailer(c, "x-amz-trailer-signature"));
            assert_null(lb_chunked_trailer(c, "x-amz-checksum-crc32"));
            lb_chunked_free(c);
        }
    }
    lb_buf_free(&body);
    lb_buf_free(&out);
}

static void test_aws_trailer_corrupted(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};
    lb_chunked *c;
    char *p;

    /* Wrong trailer signature. */
    trailer_body(&body, TSIG3, false, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* A changed checksum value under a valid signature. */
    lb_buf_reset(&body);
    trailer_body(&body, TSIG, false, "\r\n");
    p = strstr(body.data + 66000, "sOO8");
    assert_non_null(p);
    p[0] = 'x';
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 7, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);

    /* No trailer signature at all: the body is not complete. */
    lb_buf_reset(&body);
    trailer_body(&body, TSIG, false, "\r\n");
    p = strstr(body.data + 66000, "x-amz-trailer-signature");
    assert_non_null(p);
    body.len = (size_t)(p - body.data);
    lb_buf_puts(&body, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INCOMPLETE_BODY);
    lb_chunked_free(c);

    /* Nothing may follow the trailer signature. */
    lb_buf_reset(&body);
    trailer_body(&body, TSIG, false, "x-amz-meta-late:1\r\n\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);

    /* Malformed trailer signature value. */
    lb_buf_reset(&body);
    trailer_body(&body, "abc", false, "\r\n");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    lb_buf_free(&body);
    lb_buf_free(&out);
}

/* ---------------------------------------------------------------- signed bodies built here */

static void sign_chunk(char prev[65], const char *data, size_t n, lb_buf *out)
{
    uint8_t h[32];
    char hex[65], sig[65];
    lb_buf sts = {0};

    lb_sha256(data, n, h);
    lb_hex_encode(h, 32, hex);
    lb_sigv4_chunk_string_to_sign(AMZ_DATE, SCOPE, prev, hex, &sts);
    lb_sigv4_sign(g_key, sts.data, sig);
    lb_buf_printf(out, "%zx;chunk-signature=%s\r\n", n, sig);
    lb_buf_append(out, data, n);
    if (n)
        lb_buf_puts(out, "\r\n");
    memcpy(prev, sig, 65);
    lb_buf_free(&sts);
}

/* A signed-trailer body of the given chunks (data split at '|') and
 * trailer lines, with the trailer signature computed over canon. */
static void signed_trailer_body(lb_buf *out, const char *chunks, const char *lines, const char *canon)
{
    char prev[65] = TSEED;
    const char *p = chunks;
    uint8_t h[32];
    char hex[65], sig[65];
    lb_buf sts = {0};

    for (;;) {
        const char *e = strchr(p, '|');
        size_t n = e ? (size_t)(e - p) : strlen(p);

        if (n)
            sign_chunk(prev, p, n, out);
        if (!e)
            break;
        p = e + 1;
    }
    sign_chunk(prev, "", 0, out);
    lb_buf_puts(out, lines);
    lb_sha256(canon, strlen(canon), h);
    lb_hex_encode(h, 32, hex);
    lb_sigv4_trailer_string_to_sign(AMZ_DATE, SCOPE, prev, hex, &sts);
    lb_sigv4_sign(g_key, sts.data, sig);
    lb_buf_printf(out, "x-amz-trailer-signature:%s\r\n\r\n", sig);
    lb_buf_free(&sts);
}

static void test_signed_trailers_normalised(void **state)
{
    (void)state;
    lb_buf body = {0}, out = {0};
    lb_chunked *c;

    /* Two trailers; names sent in mixed case with blanks around values:
     * the signature covers "name:value\n", lower-case and trimmed. */
    signed_trailer_body(&body, "hello|, |world",
                        "X-Amz-Checksum-CRC32: DUoRhQ== \r\nx-amz-meta-x:\t1 2\r\n",
                        "x-amz-checksum-crc32:DUoRhQ==\nx-amz-meta-x:1 2\n");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 1, &out), 0);
    assert_int_equal(out.len, 12);
    assert_memory_equal(out.data, "hello, world", 12);
    assert_string_equal(lb_chunked_trailer(c, "x-amz-checksum-crc32"), "DUoRhQ==");
    assert_string_equal(lb_chunked_trailer(c, "x-amz-meta-x"), "1 2");
    lb_chunked_free(c);

    /* A trailer section of the signature alone signs the empty text. */
    lb_buf_reset(&body);
    signed_trailer_body(&body, "abc", "", "");
    c = new_decoder(LB_CHUNKED_SIGNED_TRAILER, TSEED, 0);
    assert_int_equal(decode(c, body.data, body.len, 1, &out), 0);
    assert_int_equal(lb_chunked_feed(c, NULL, 0, collect, &out), 0);
    lb_chunked_free(c);

    /* A large chunk (1 MiB + 1) goes through without being held. */
    lb_buf_reset(&body);
    {
        size_t n = (1 << 20) + 1;
        char *big = malloc(n + 1);
        char prev[65] = TSEED;

        assert_non_null(big);
        for (size_t i = 0; i < n; i++)
            big[i] = (char)('a' + i % 26);
        big[n] = '\0';
        sign_chunk(prev, big, n, &body);
        sign_chunk(prev, "", 0, &body);
        lb_buf_puts(&body, "\r\n");
        c = new_decoder(LB_CHUNKED_SIGNED, TSEED, 0);
        lb_buf_reset(&out);
        assert_int_equal(decode(c, body.data, body.len, 4096, &out), 0);
        assert_int_equal(out.len, n);
        assert_memory_equal(out.data, big, n);
        lb_chunked_free(c);
        free(big);
    }
    lb_buf_free(&body);
    lb_buf_free(&out);
}

/* ---------------------------------------------------------------- unsigned trailer mode */

static int unsigned_decode(const char *body, size_t step, uint64_t max, lb_buf *out, lb_chunked **cp)
{
    lb_chunked_opts o = {.mode = LB_CHUNKED_UNSIGNED_TRAILER, .max_decoded = max};
    lb_chunked *c = lb_chunked_new(&o);
    int rc;

    assert_non_null(c);
    lb_buf_reset(out);
    rc = decode(c, body, strlen(body), step, out);
    if (cp)
        *cp = c;
    else
        lb_chunked_free(c);
    return rc;
}

static void test_unsigned_trailer_boto3(void **state)
{
    (void)state;
    static const char *const ok[] = {
        /* what boto3 >= 1.36 sends for an empty object */
        "0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n",
        "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
        /* the closing CRLF left out */
        "5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n",
        /* an empty line between the final chunk and the trailers */
        "5\r\nhello\r\n0\r\n\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n",
        "5\r\nhello\r\n0\r\n\r\nx-amz-checksum-crc32:NhCmhg==\r\n",
        /* upper-case hex, leading zeros, blanks around the value */
        "0005\r\nhe\r\nx\r\n0\r\nx-amz-checksum-crc32:  NhCmhg== \t\r\n\r\n",
    };
    static const size_t steps[] = {0, 1, 2, 5};
    lb_buf out = {0};
    lb_chunked *c;

    for (size_t i = 0; i < N(ok); i++) {
        for (size_t s = 0; s < N(steps); s++) {
            if (unsigned_decode(ok[i], steps[s], 0, &out, &c) != 0)
                fail_msg("refused: %s", ok[i]);
            if (i == 0)
                assert_string_equal(lb_chunked_trailer(c, "x-amz-checksum-crc32"), "AAAAAA==");
            else
                assert_string_equal(lb_chunked_trailer(c, "x-amz-checksum-crc32"), "NhCmhg==");
            assert_int_equal(lb_chunked_decoded_len(c), out.len);
            lb_chunked_free(c);
        }
    }
    assert_int_equal(unsigned_decode("A\r\n0123456789\r\n0\r\n\r\n", 0, 0, &out, NULL), 0);
    assert_int_equal(out.len, 10);
    /* No trailers at all is complete too, with or without the CRLF. */
    assert_int_equal(unsigned_decode("3\r\nabc\r\n0\r\n\r\n", 1, 0, &out, &c), 0);
    assert_null(lb_chunked_trailer(c, "x-amz-checksum-crc32"));
    lb_chunked_free(c);
    assert_int_equal(unsigned_decode("3\r\nabc\r\n0\r\n", 1, 0, &out, NULL), 0);
    lb_buf_free(&out);
}

static void test_unsigned_malformed(void **state)
{
    (void)state;
    static const struct {
        const char *body;
        int rc;
    } cases[] = {
        {"", LB_E_INCOMPLETE_BODY},
        {"5\r\nhel", LB_E_INCOMPLETE_BODY},
        {"5\r\nhello", LB_E_INCOMPLETE_BODY},
        {"5\r\nhello\r", LB_E_INCOMPLETE_BODY},
        {"5\r\nhello\r\n", LB_E_INCOMPLETE_BODY},
        {"5\r\nhello\r\n0", LB_E_INCOMPLETE_BODY},
        {"5\r\nhello\r\n0\r", LB_E_INCOMPLETE_BODY},
        {"0\r\nx-amz-checksum-crc32:AAAAAA==", LB_E_INCOMPLETE_BODY},
        {"0\r\nx-amz-checksum-crc32:AAAAAA==\r", LB_E_INCOMPLETE_BODY},
        {"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r", LB_E_INCOMPLETE_BODY},
        {"5\r\nhelloX\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5\r\nhello\rX0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5\r\nhello\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"\r\n", LB_E_INVALID_REQUEST},
        {"x\r\n", LB_E_INVALID_REQUEST},
        {"-1\r\n", LB_E_INVALID_REQUEST},
        {" 5\r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5 \r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5\r\r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5;foo=bar\r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        {"5;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n"
         "hello\r\n0\r\n\r\n",
         LB_E_INVALID_REQUEST},
        {"0x5\r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        /* 17 hex digits do not fit, leading zeros or not */
        {"10000000000000000\r\n", LB_E_INVALID_REQUEST},
        {"00000000000000005\r\nhello\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
        /* trailers */
        {"0\r\nx-amz-checksum-crc32\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\n:AAAAAA==\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx amz:1\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-checksum-crc32:AAAAAA==\nx-amz-meta:1\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-checksum-crc32:A\r\nx-amz-checksum-crc32:B\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-checksum-crc32:A\r\nX-Amz-Checksum-Crc32:B\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-trailer-signature:d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
         "\r\n\r\n",
         LB_E_INVALID_REQUEST},
        {"0\r\n\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-checksum-crc32:A\r\n\r\n\r\n", LB_E_INVALID_REQUEST},
        {"0\r\nx-amz-checksum-crc32:A\r\n\r\nmore", LB_E_INVALID_REQUEST},
        {"3\r\nabc\r\n0\r\n\r\n0\r\n\r\n", LB_E_INVALID_REQUEST},
    };
    static const size_t steps[] = {0, 1, 3};
    lb_buf out = {0};

    for (size_t i = 0; i < N(cases); i++) {
        for (size_t s = 0; s < N(steps); s++) {
            int rc = unsigned_decode(cases[i].body, steps[s], 0, &out, NULL);

            if (rc != cases[i].rc)
                fail_msg("case %zu step %zu: got %d want %d", i, steps[s], rc, cases[i].rc);
        }
    }
    lb_buf_free(&out);
}

/* Every proper prefix of a valid body is incomplete, except where only
 * the closing CRLF is missing. */
static void test_unsigned_every_prefix(void **state)
{
    (void)state;
    static const char body[] = "5\r\nhello\r\n3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n";
    const size_t len = strlen(body);
    /* Ends after the final chunk, or after the last trailer line: the
     * caller, not the decoder, knows which trailers were announced. */
    const size_t tolerated1 = (size_t)(strstr(body, "0\r\n") - body) + 3;
    const size_t tolerated2 = len - 2;
    lb_buf out = {0};

    for (size_t cut = 0; cut <= len; cut++) {
        lb_chunked_opts o = {.mode = LB_CHUNKED_UNSIGNED_TRAILER};
        lb_chunked *c = lb_chunked_new(&o);
        int want = (cut == len || cut == tolerated1 || cut == tolerated2) ? 0 : LB_E_INCOMPLETE_BODY;

        lb_buf_reset(&out);
        if (decode(c, body, cut, 1, &out) != want)
            fail_msg("cut at %zu", cut);
        lb_chunked_free(c);
    }
    lb_buf_free(&out);
}

static void test_limits(void **state)
{
    (void)state;
    lb_buf out = {0}, body = {0};
    lb_chunked *c;

    /* max_decoded: exactly at the limit is fine, one more is not. */
    assert_int_equal(unsigned_decode("5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n", 1, 8, &out, NULL), 0);
    assert_int_equal(unsigned_decode("5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n", 1, 8, &out, NULL),
                     LB_E_ENTITY_TOO_LARGE);
    /* Refused on the header, before any of the chunk reaches the sink. */
    assert_int_equal(unsigned_decode("5\r\nhello\r\n4\r\nabcd\r\n0\r\n\r\n", 0, 8, &out, NULL),
                     LB_E_ENTITY_TOO_LARGE);
    assert_int_equal(out.len, 5);
    assert_int_equal(unsigned_decode("FFFFFFFFFFFFFFFF\r\n", 0, 1000, &out, NULL), LB_E_ENTITY_TOO_LARGE);
    /* Without a limit the largest size parses, and is then incomplete. */
    assert_int_equal(unsigned_decode("FFFFFFFFFFFFFFFF\r\nabc", 0, 0, &out, NULL), LB_E_INCOMPLETE_BODY);
    assert_int_equal(out.len, 3);

    /* A chunk header line is refused as soon as it passes 1 KiB. */
    for (int i = 0; i < 1100; i++)
        lb_buf_putc(&body, '0');
    {
        lb_chunked_opts o = {.mode = LB_CHUNKED_UNSIGNED_TRAILER};

        c = lb_chunked_new(&o);
        assert_int_equal(lb_chunked_feed(c, body.data, body.len, collect, &out), LB_E_INVALID_REQUEST);
        lb_chunked_free(c);
    }

    /* Trailers: 16 KiB in all. */
    lb_buf_reset(&body);
    lb_buf_puts(&body, "0\r\nx-amz-meta-big:");
    while (body.len < 3 + 16384 - 2)
        lb_buf_putc(&body, 'v');
    lb_buf_puts(&body, "\r\n");
    assert_int_equal(unsigned_decode(body.data, 0, 0, &out, &c), 0);
    assert_int_equal(strlen(lb_chunked_trailer(c, "x-amz-meta-big")), 16384 - 2 - 15);
    lb_chunked_free(c);
    body.len -= 2;
    lb_buf_puts(&body, "v\r\n");
    assert_int_equal(unsigned_decode(body.data, 0, 0, &out, NULL), LB_E_INVALID_REQUEST);
    assert_int_equal(unsigned_decode(body.data, 1, 0, &out, NULL), LB_E_INVALID_REQUEST);

    /* Many small trailers run into the same budget or the count limit. */
    lb_buf_reset(&body);
    lb_buf_puts(&body, "0\r\n");
    for (int i = 0; i < 40; i++)
        lb_buf_printf(&body, "x-amz-meta-%d:%d\r\n", i, i);
    lb_buf_puts(&body, "\r\n");
    assert_int_equal(unsigned_decode(body.data, 0, 0, &out, NULL), LB_E_INVALID_REQUEST);
    lb_buf_free(&body);
    lb_buf_free(&out);
}

static int abort_sink(void *arg, const char *data, size_t len)
{
    (void)data;
    (void)len;
    (*(int *)arg)++;
    return 42;
}

static void test_sink_abort(void **state)
{
    (void)state;
    lb_chunked_opts o = {.mode = LB_CHUNKED_UNSIGNED_TRAILER};
    lb_chunked *c = lb_chunked_new(&o);
    int calls = 0;

    assert_int_equal(lb_chunked_feed(c, "5\r\nhel", 6, abort_sink, &calls), 42);
    assert_int_equal(lb_chunked_feed(c, "lo\r\n", 4, abort_sink, &calls), 42);
    assert_int_equal(lb_chunked_finish(c), 42);
    assert_int_equal(calls, 1);
    lb_chunked_free(c);
}

static void test_signed_framing(void **state)
{
    (void)state;
    lb_buf out = {0};
    lb_chunked *c;

    /* The signed modes need a signature on every chunk. */
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, "5\r\nhello\r\n", 10, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, "0;chunk-signature=abc\r\n", 23, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, "0;chunk-signatures=" SIG3 "\r\n", 85, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, "0;chunk-signature=" SIG3 ";x=y\r\n", 88, 0, &out), LB_E_INVALID_REQUEST);
    lb_chunked_free(c);
    /* A final chunk alone, with the wrong chain, fails at once. */
    c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
    assert_int_equal(decode(c, "0;chunk-signature=" SIG3 "\r\n\r\n", 86, 0, &out), LB_E_SIGNATURE_MISMATCH);
    lb_chunked_free(c);
    /* Upper-case signature hex verifies the same. */
    {
        lb_buf body = {0};

        aws_body(&body, SIG1, SIG2, SIG3);
        lb_buf_puts(&body, "\r\n");
        char *sig = memmem(body.data, body.len, "400;chunk-signature=", 20);

        assert_non_null(sig);
        sig += 20;
        for (size_t i = 0; i < 64; i++)
            if (sig[i] >= 'a' && sig[i] <= 'f')
                sig[i] = (char)(sig[i] - 'a' + 'A');
        c = new_decoder(LB_CHUNKED_SIGNED, SEED, 0);
        lb_buf_reset(&out);
        assert_int_equal(decode(c, body.data, body.len, 0, &out), 0);
        lb_chunked_free(c);
        lb_buf_free(&body);
    }
    lb_buf_free(&out);
}

static void test_new_refuses_bad_options(void **state)
{
    (void)state;
    lb_chunked_opts o = {
        .mode = LB_CHUNKED_SIGNED,
        .signing_key = g_key,
        .amz_date = AMZ_DATE,
        .scope = SCOPE,
        .seed_signature = SEED,
    };
    lb_chunked *c;

    c = lb_chunked_new(&o);
    assert_non_null(c);
    lb_chunked_free(c);
    lb_chunked_free(NULL);
    assert_null(lb_chunked_new(NULL));
    o.seed_signature = "abc";
    assert_null(lb_chunked_new(&o));
    o.seed_signature = NULL;
    assert_null(lb_chunked_new(&o));
    o.seed_signature = SEED;
    o.signing_key = NULL;
    assert_null(lb_chunked_new(&o));
    o.signing_key = g_key;
    o.mode = (lb_chunked_mode)7;
    assert_null(lb_chunked_new(&o));
    /* The unsigned mode needs none of it. */
    o = (lb_chunked_opts){.mode = LB_CHUNKED_UNSIGNED_TRAILER};
    c = lb_chunked_new(&o);
    assert_non_null(c);
    lb_chunked_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aws_example_splits),
        cmocka_unit_test(test_aws_example_random_splits),
        cmocka_unit_test(test_aws_example_endings),
        cmocka_unit_test(test_aws_example_corrupted),
        cmocka_unit_test(test_aws_example_truncated),
        cmocka_unit_test(test_aws_trailer_example),
        cmocka_unit_test(test_aws_trailer_corrupted),
        cmocka_unit_test(test_signed_trailers_normalised),
        cmocka_unit_test(test_unsigned_trailer_boto3),
        cmocka_unit_test(test_unsigned_malformed),
        cmocka_unit_test(test_unsigned_every_prefix),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_sink_abort),
        cmocka_unit_test(test_signed_framing),
        cmocka_unit_test(test_new_refuses_bad_options),
    };

    return cmocka_run_group_tests_name("chunked", tests, setup, NULL);
}

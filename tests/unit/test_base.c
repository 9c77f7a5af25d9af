/* Unit tests for base/: checksums against their catalogue check values,
 * encodings, clocks and ids, the error table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

static const char check[] = "123456789";

static void test_crc_check_values(void **state)
{
    (void)state;
    /* the "check" values of the CRC catalogue for "123456789" */
    assert_int_equal(lb_crc32(0, check, 9), 0xCBF43926u);
    assert_int_equal(lb_crc32c(0, check, 9), 0xE3069283u);
    assert_true(lb_crc64nvme(0, check, 9) == 0xAE8B14860A799888ULL);
    /* streaming in pieces gives the same */
    uint64_t c = lb_crc64nvme(0, check, 4);
    assert_true(lb_crc64nvme(c, check + 4, 5) == 0xAE8B14860A799888ULL);
    uint32_t c32 = lb_crc32c(0, check, 1);
    assert_int_equal(lb_crc32c(c32, check + 1, 8), 0xE3069283u);
}

/* deterministic xorshift64 so a failure reproduces */
static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void test_crc_combine(void **state)
{
    (void)state;
    enum { N = 70000 };
    unsigned char *d = malloc(N);
    assert_non_null(d);
    for (size_t i = 0; i < N; i++)
        d[i] = (unsigned char)rnd();
    uint32_t w32 = lb_crc32(0, d, N), w32c = lb_crc32c(0, d, N);
    uint64_t w64 = lb_crc64nvme(0, d, N);
    /* two pieces, split anywhere (including the ends) */
    size_t cuts[40] = {0, 1, 7, 8, 9, N - 1, N};
    for (size_t i = 7; i < 40; i++)
        cuts[i] = (size_t)(rnd() % (N + 1));
    for (size_t i = 0; i < 40; i++) {
        size_t a = cuts[i], b = N - a;
        assert_int_equal(lb_crc32_combine(lb_crc32(0, d, a), lb_crc32(0, d + a, b), b), w32);
        assert_int_equal(lb_crc32c_combine(lb_crc32c(0, d, a), lb_crc32c(0, d + a, b), b), w32c);
        assert_true(lb_crc64nvme_combine(lb_crc64nvme(0, d, a), lb_crc64nvme(0, d + a, b), b) ==
                    w64);
    }
    /* many pieces folded left to right, as a multipart completion does */
    for (int round = 0; round < 20; round++) {
        uint32_t c32 = 0, c32c = 0;
        uint64_t c64 = 0;
        size_t at = 0;
        while (at < N) {
            size_t len = (size_t)(rnd() % 9000);
            if (len > N - at)
                len = N - at;
            c32 = lb_crc32_combine(c32, lb_crc32(0, d + at, len), len);
            c32c = lb_crc32c_combine(c32c, lb_crc32c(0, d + at, len), len);
            c64 = lb_crc64nvme_combine(c64, lb_crc64nvme(0, d + at, len), len);
            at += len;
        }
        assert_int_equal(c32, w32);
        assert_int_equal(c32c, w32c);
        assert_true(c64 == w64);
    }
    /* empty pieces: the CRC of nothing is 0 and changes nothing */
    assert_int_equal(lb_crc32(0, d, 0), 0);
    assert_true(lb_crc64nvme(0, d, 0) == 0);
    assert_int_equal(lb_crc32_combine(w32, 0, 0), w32);
    assert_int_equal(lb_crc32c_combine(w32c, 0, 0), w32c);
    assert_true(lb_crc64nvme_combine(w64, 0, 0) == w64);
    assert_int_equal(lb_crc32_combine(0, w32, N), w32);
    assert_int_equal(lb_crc32c_combine(0, w32c, N), w32c);
    assert_true(lb_crc64nvme_combine(0, w64, N) == w64);
    assert_int_equal(lb_crc32_combine(0, 0, 0), 0);
    /* the catalogue check value from "1234" + "56789" */
    assert_int_equal(lb_crc32_combine(lb_crc32(0, check, 4), lb_crc32(0, check + 4, 5), 5),
                     0xCBF43926u);
    uint64_t head = lb_crc64nvme(0, check, 4), tail = lb_crc64nvme(0, check + 4, 5);
    assert_true(lb_crc64nvme_combine(head, tail, 5) == 0xAE8B14860A799888ULL);
    free(d);
    /* a part-sized second piece (5 MiB + 17) exercises the high powers */
    size_t big = (5u << 20) + 17;
    unsigned char *z = malloc(big);
    assert_non_null(z);
    for (size_t i = 0; i < big; i++)
        z[i] = (unsigned char)(i * 31 + (i >> 12));
    assert_int_equal(lb_crc32_combine(lb_crc32(0, check, 9), lb_crc32(0, z, big), big),
                     lb_crc32(lb_crc32(0, check, 9), z, big));
    assert_int_equal(lb_crc32c_combine(lb_crc32c(0, check, 9), lb_crc32c(0, z, big), big),
                     lb_crc32c(lb_crc32c(0, check, 9), z, big));
    assert_true(lb_crc64nvme_combine(lb_crc64nvme(0, check, 9), lb_crc64nvme(0, z, big), big) ==
                lb_crc64nvme(lb_crc64nvme(0, check, 9), z, big));
    free(z);
}

static void test_cksum_stream_and_names(void **state)
{
    (void)state;
    lb_cksum ck;
    uint8_t out[32];
    char b64[64];
    assert_int_equal(lb_cksum_init(&ck, LB_CK_CRC32), 0);
    lb_cksum_update(&ck, "hello", 5);
    lb_cksum_final(&ck, out);
    lb_base64_encode(out, 4, b64);
    assert_string_equal(b64, "NhCmhg=="); /* crc32("hello") = 0x3610a686 */
    assert_int_equal(lb_cksum_init(&ck, LB_CK_SHA256), 0);
    lb_cksum_update(&ck, "abc", 3);
    lb_cksum_final(&ck, out);
    char hex[65];
    lb_hex_encode(out, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(lb_cksum_from_name("CRC64NVME"), LB_CK_CRC64NVME);
    assert_int_equal(lb_cksum_from_name("md5"), LB_CK_NONE);
    assert_int_equal(lb_cksum_len(LB_CK_SHA1), 20);
}

static void test_base64(void **state)
{
    (void)state;
    uint8_t out[16];
    assert_int_equal(lb_base64_decode("aGVsbG8=", 8, out, sizeof out), 5);
    assert_memory_equal(out, "hello", 5);
    assert_int_equal(lb_base64_decode("aGVsbA==", 8, out, sizeof out), 4);
    assert_int_equal(lb_base64_decode("aGVsbG8", 7, out, sizeof out), -1);
    assert_int_equal(lb_base64_decode("!!!!", 4, out, sizeof out), -1);
    /* too long for the output */
    assert_int_equal(lb_base64_decode("aGVsbG8gd29ybGQgaGVsbG8gd29ybGQ=", 32, out, 4), -1);
}

static void test_uri(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(lb_uri_decode("a%20b+c", 7, out, false), 5);
    assert_string_equal(out, "a b+c");
    assert_int_equal(lb_uri_decode("a%20b+c", 7, out, true), 5);
    assert_string_equal(out, "a b c");
    assert_int_equal(lb_uri_decode("%4", 2, out, false), -1);
    assert_int_equal(lb_uri_decode("%zz", 3, out, false), -1);
    assert_int_equal(lb_uri_decode("a%00b", 5, out, false), -1);
    lb_buf b = {0};
    lb_uri_encode(&b, "a b/c~d=é", strlen("a b/c~d=é"), false);
    assert_string_equal(b.data, "a%20b/c~d%3D%C3%A9");
    lb_buf_reset(&b);
    lb_uri_encode(&b, "a/b", 3, true);
    assert_string_equal(b.data, "a%2Fb");
    lb_buf_free(&b);
}

static void test_buf_and_xml(void **state)
{
    (void)state;
    lb_buf b = {0};
    lb_buf_printf(&b, "%d-%s", 42, "x");
    assert_string_equal(b.data, "42-x");
    char big[1000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    lb_buf_printf(&b, "%s", big);
    assert_int_equal(b.len, 4 + 999);
    lb_buf_reset(&b);
    lb_buf_put_xml(&b, "<a href=\"x\">&'\x01");
    assert_string_equal(b.data, "&lt;a href=&quot;x&quot;&gt;&amp;&apos;&#x1;");
    lb_buf_free(&b);
}

static void test_hlc_and_ids(void **state)
{
    (void)state;
    uint64_t prev = lb_hlc_now();
    for (int i = 0; i < 100000; i++) {
        uint64_t t = lb_hlc_now();
        assert_true(t > prev);
        prev = t;
    }
    /* a stamp from the future is never gone behind */
    lb_hlc_observe(prev + (1000ULL << 16));
    assert_true(lb_hlc_now() > prev + (1000ULL << 16));
    char a[LB_VERSION_ID_LEN + 1], b[LB_VERSION_ID_LEN + 1];
    lb_version_id_new(a);
    for (int i = 0; i < 1000; i++) {
        lb_version_id_new(b);
        assert_int_equal(strlen(b), LB_VERSION_ID_LEN);
        assert_true(strcmp(a, b) < 0); /* ids sort in time order */
        memcpy(a, b, sizeof a);
    }
}

static void test_time_formats(void **state)
{
    (void)state;
    char out[32];
    lb_time_http(784111777, out);
    assert_string_equal(out, "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_int_equal(lb_time_parse_http("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777);
    assert_int_equal(lb_time_parse_http("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777);
    assert_int_equal(lb_time_parse_http("garbage"), -1);
    lb_time_iso8601(784111777123LL, out);
    assert_string_equal(out, "1994-11-06T08:49:37.123Z");
    assert_int_equal(lb_time_parse_amz("19941106T084937Z"), 784111777);
    assert_int_equal(lb_time_parse_amz("19941106T084937"), -1);
}

static void test_errors_and_parse(void **state)
{
    (void)state;
    assert_string_equal(lb_err_lookup(LB_E_NO_SUCH_KEY)->code, "NoSuchKey");
    assert_int_equal(lb_err_lookup(LB_E_NO_SUCH_KEY)->http_status, 404);
    assert_string_equal(lb_err_lookup(LB_E_INVALID_RANGE)->code, "InvalidRange");
    assert_int_equal(lb_err_lookup(-ENOSPC)->http_status, 507);
    assert_string_equal(lb_err_lookup(-EIO)->code, "InternalError");
    assert_string_equal(lb_err_lookup(12345)->code, "InternalError");
    /* every row of the table is filled */
    for (int e = LB_E_INTERNAL; e > LB_E__END; e--) {
        assert_non_null(lb_err_lookup(e)->code);
        assert_true(lb_err_lookup(e)->http_status >= 300);
    }
    uint64_t v;
    assert_int_equal(lb_parse_u64("18446744073709551615", &v), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(lb_parse_u64("18446744073709551616", &v), -1);
    assert_int_equal(lb_parse_u64("-1", &v), -1);
    assert_int_equal(lb_parse_u64("", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc_check_values),
        cmocka_unit_test(test_crc_combine),
        cmocka_unit_test(test_cksum_stream_and_names),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_uri),
        cmocka_unit_test(test_buf_and_xml),
        cmocka_unit_test(test_hlc_and_ids),
        cmocka_unit_test(test_time_formats),
        cmocka_unit_test(test_errors_and_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

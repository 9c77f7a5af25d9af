/* Range headers: GetObject's lenient Range and UploadPartCopy's strict
 * x-amz-copy-source-range. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "s3/range.h"

#define NOTSET 0xDEADBEEFull

static void expect_range(const char *h, uint64_t size, uint64_t start, uint64_t len)
{
    uint64_t s = NOTSET, l = NOTSET;
    int rc = lb_range_parse(h, size, &s, &l);
    if (rc != 0)
        fail_msg("\"%s\" on %llu: rc %d", h, (unsigned long long)size, rc);
    assert_int_equal(s, start);
    assert_int_equal(l, len);
}

static void expect_rc(const char *h, uint64_t size, int want)
{
    uint64_t s = NOTSET, l = NOTSET;
    int rc = lb_range_parse(h, size, &s, &l);
    if (rc != want)
        fail_msg("\"%s\" on %llu: rc %d, want %d", h, (unsigned long long)size, rc, want);
    assert_int_equal(s, NOTSET);
    assert_int_equal(l, NOTSET);
}

static void test_forms(void **state)
{
    (void)state;
    expect_range("bytes=0-0", 10, 0, 1);
    expect_range("bytes=0-9", 10, 0, 10);
    expect_range("bytes=2-5", 10, 2, 4);
    expect_range("bytes=9-9", 10, 9, 1);
    expect_range("bytes=3-", 10, 3, 7);
    expect_range("bytes=0-", 10, 0, 10);
    expect_range("bytes=-3", 10, 7, 3);
    expect_range("bytes=-10", 10, 0, 10);
    expect_range("bytes=0-0", 1, 0, 1);
    expect_range("bytes=-1", 1, 0, 1);
    /* Unit is case-insensitive; whitespace around the range is allowed. */
    expect_range("Bytes=1-2", 10, 1, 2);
    expect_range(" bytes = 1-2 ", 10, 1, 2);
    expect_range("bytes=007-008", 10, 7, 2);
}

static void test_clamp(void **state)
{
    (void)state;
    expect_range("bytes=5-100", 10, 5, 5);
    expect_range("bytes=0-18446744073709551615", 10, 0, 10);
    expect_range("bytes=0-99999999999999999999999999", 10, 0, 10);
    expect_range("bytes=-100", 10, 0, 10);
    expect_range("bytes=-99999999999999999999999999", 10, 0, 10);
    expect_range("bytes=0-", UINT64_MAX, 0, UINT64_MAX);
    expect_range("bytes=1-", UINT64_MAX, 1, UINT64_MAX - 1);
}

static void test_unsatisfiable(void **state)
{
    (void)state;
    expect_rc("bytes=10-", 10, LB_E_INVALID_RANGE);
    expect_rc("bytes=10-20", 10, LB_E_INVALID_RANGE);
    expect_rc("bytes=99999999999999999999999-", 10, LB_E_INVALID_RANGE);
    expect_rc("bytes=-0", 10, LB_E_INVALID_RANGE);
    expect_rc("bytes=0-0", 0, LB_E_INVALID_RANGE);
    expect_rc("bytes=0-", 0, LB_E_INVALID_RANGE);
    expect_rc("bytes=-5", 0, LB_E_INVALID_RANGE);
    expect_rc("bytes=-0", 0, LB_E_INVALID_RANGE);
}

static void test_ignored(void **state)
{
    (void)state;
    const char *bad[] = {
        "",           "bytes",      "bytes=",        "bytes=-",        "bytes=a-b",   "bytes=1",
        "bytes=1-2-", "bytes=5-2",  "bytes=0-1,3-4", "bytes=0-1, 3-4", "bytes=-1,-2", "items=0-1",
        "bytes:0-1",  "bytes=+1-2", "bytes=1-+2",    "bytes=0x1-2",    "bytes= -",    "bytes=1 -2",
        "bytes=1- 2", "bytes0-1",   "bytesss=0-1",   "bytes=0-1x",
    };
    expect_rc(NULL, 10, 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        expect_rc(bad[i], 10, 1);
        /* Syntax is judged first: even on an empty object these are ignored. */
        expect_rc(bad[i], 0, 1);
    }
}

static void expect_copy(const char *h, uint64_t size, int want, uint64_t start, uint64_t len)
{
    uint64_t s = NOTSET, l = NOTSET;
    int rc = lb_range_parse_copy(h, size, &s, &l);
    if (rc != want)
        fail_msg("copy \"%s\" on %llu: rc %d, want %d", h ? h : "(null)", (unsigned long long)size,
                 rc, want);
    if (want == 0) {
        assert_int_equal(s, start);
        assert_int_equal(l, len);
    } else {
        assert_int_equal(s, NOTSET);
        assert_int_equal(l, NOTSET);
    }
}

static void test_copy(void **state)
{
    (void)state;
    expect_copy("bytes=0-0", 10, 0, 0, 1);
    expect_copy("bytes=0-9", 10, 0, 0, 10);
    expect_copy("bytes=4-7", 10, 0, 4, 4);
    expect_copy("bytes=9-9", 10, 0, 9, 1);

    expect_copy("bytes=0-10", 10, LB_E_INVALID_RANGE, 0, 0);
    expect_copy("bytes=10-10", 10, LB_E_INVALID_RANGE, 0, 0);
    expect_copy("bytes=0-0", 0, LB_E_INVALID_RANGE, 0, 0);
    expect_copy("bytes=0-99999999999999999999999", 10, LB_E_INVALID_RANGE, 0, 0);

    const char *bad[] = {"",           "bytes=",        "bytes=1-",   "bytes=-1",
                         "bytes=5-4",  "bytes=0-1,2-3", "Bytes=0-1",  "bytes= 0-1",
                         "bytes=0-1 ", "bytes=a-b",     "bytes=0--1", "range=0-1"};
    expect_copy(NULL, 10, LB_E_INVALID_ARGUMENT, 0, 0);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_copy(bad[i], 10, LB_E_INVALID_ARGUMENT, 0, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_forms),         cmocka_unit_test(test_clamp),
        cmocka_unit_test(test_unsatisfiable), cmocka_unit_test(test_ignored),
        cmocka_unit_test(test_copy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

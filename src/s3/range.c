/* Byte ranges.  RFC 9110 says a server should ignore a Range it cannot
 * parse and S3 does so, also for multiple ranges it does not implement; only
 * a range that parses but cannot be satisfied is an error (416).  The copy
 * source range is an S3 invention with a stricter grammar and no leniency. */
#include "s3/range.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}
static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads a run of decimal digits at *p, advancing past them.  Returns false
 * when there is none.  Values beyond uint64_t saturate at UINT64_MAX: such a
 * position is past the end of any object, which is what it means. */
static bool read_u64(const char **p, uint64_t *out)
{
    const char *s = *p;
    uint64_t v = 0;

    if (!is_digit(*s))
        return false;
    for (; is_digit(*s); s++) {
        uint64_t d = (uint64_t)(*s - '0');
        v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

int lb_range_parse(const char *hdr, uint64_t size, uint64_t *start, uint64_t *len)
{
    const char *p = hdr;
    uint64_t a = 0, b = UINT64_MAX, n = 0;
    bool have_a, have_b;

    if (p == NULL)
        return 1;
    while (is_ows(*p))
        p++;
    if (strncasecmp(p, "bytes", 5) != 0)
        return 1;
    p += 5;
    while (is_ows(*p))
        p++;
    if (*p++ != '=')
        return 1;
    while (is_ows(*p))
        p++;
    have_a = read_u64(&p, &a);
    if (*p++ != '-')
        return 1;
    have_b = read_u64(&p, have_a ? &b : &n);
    while (is_ows(*p))
        p++;
    /* A comma here means several ranges; anything else is junk.  Either
     * way the header is ignored. */
    if (*p != 0)
        return 1;
    if (!have_a && !have_b)
        return 1;
    if (have_a && have_b && b < a)
        return 1;

    if (size == 0)
        return LB_E_INVALID_RANGE;
    if (!have_a) {
        if (n == 0)
            return LB_E_INVALID_RANGE;
        if (n > size)
            n = size;
        *start = size - n;
        *len = n;
        return 0;
    }
    if (a >= size)
        return LB_E_INVALID_RANGE;
    if (b > size - 1)
        b = size - 1;
    *start = a;
    *len = b - a + 1;
    return 0;
}

int lb_range_parse_copy(const char *hdr, uint64_t size, uint64_t *start, uint64_t *len)
{
    const char *p = hdr;
    uint64_t first, last;

    if (p == NULL || strncmp(p, "bytes=", 6) != 0)
        return LB_E_INVALID_ARGUMENT;
    p += 6;
    if (!read_u64(&p, &first) || *p++ != '-' || !read_u64(&p, &last) || *p != 0)
        return LB_E_INVALID_ARGUMENT;
    if (first > last)
        return LB_E_INVALID_ARGUMENT;
    /* last < size implies first < size and rules out a 0-byte source. */
    if (last >= size)
        return LB_E_INVALID_RANGE;
    *start = first;
    *len = last - first + 1;
    return 0;
}

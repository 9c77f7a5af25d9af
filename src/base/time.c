/* Clocks, the hybrid logical clock, time-sortable ids and date formats. */
#include "base/base.h"

#include <openssl/rand.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int64_t lb_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t lb_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The last stamp handed out; a CAS loop keeps it strictly increasing
 * across threads without a lock. */
static _Atomic uint64_t hlc_last;

uint64_t lb_hlc_now(void)
{
    uint64_t wall = (uint64_t)(lb_now_ns() / 1000000) << 16;
    uint64_t last = atomic_load(&hlc_last), next;
    do {
        next = wall > last ? wall : last + 1;
    } while (!atomic_compare_exchange_weak(&hlc_last, &last, next));
    return next;
}

void lb_hlc_observe(uint64_t stamp)
{
    uint64_t last = atomic_load(&hlc_last);
    while (stamp > last && !atomic_compare_exchange_weak(&hlc_last, &last, stamp))
        ;
}

int64_t lb_hlc_to_ms(uint64_t stamp) { return (int64_t)(stamp >> 16); }

void lb_random_bytes(void *p, size_t n)
{
    if (RAND_bytes(p, (int)n) != 1) {
        fputs("lifeboat: random number generator failed\n", stderr);
        abort();
    }
}

void lb_version_id_new(char out[LB_VERSION_ID_LEN + 1])
{
    uint64_t stamp = lb_hlc_now();
    uint8_t raw[16];
    for (int i = 0; i < 8; i++)
        raw[i] = (uint8_t)(stamp >> (56 - 8 * i));
    lb_random_bytes(raw + 8, 8);
    lb_hex_encode(raw, 16, out);
}

void lb_random_alnum(char *out, size_t n)
{
    static const char set[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    uint8_t r[64];
    for (size_t i = 0; i < n; i++) {
        if (i % sizeof r == 0)
            lb_random_bytes(r, sizeof r);
        /* 256 % 36 bias is irrelevant for names and ids. */
        out[i] = set[r[i % sizeof r] % 36];
    }
    out[n] = 0;
}

static const char *const wdays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void lb_time_http(int64_t unix_s, char out[32])
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 32, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday % 7],
             tm.tm_mday % 100, months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
             tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

void lb_time_iso8601(int64_t unix_ms, char out[32])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", (tm.tm_year + 1900) % 10000,
             (tm.tm_mon + 1) % 100, tm.tm_mday % 100, tm.tm_hour % 100, tm.tm_min % 100,
             tm.tm_sec % 100, (int)(unix_ms % 1000));
}

int64_t lb_time_parse_http(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%A, %d-%b-%y %H:%M:%S GMT", &tm); /* RFC 850 */
    }
    if (!end || *end) {
        memset(&tm, 0, sizeof tm);
        end = strptime(s, "%a %b %e %H:%M:%S %Y", &tm); /* asctime */
    }
    if (!end || *end)
        return -1;
    return (int64_t)timegm(&tm);
}

int64_t lb_time_parse_amz(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (!s || strlen(s) != 16)
        return -1;
    const char *end = strptime(s, "%Y%m%dT%H%M%SZ", &tm);
    if (!end || *end)
        return -1;
    return (int64_t)timegm(&tm);
}

/* One line per event: "2026-11-25T15:40:00.123Z info [req-id] message". */
#include "base/base.h"

#include <pthread.h>
#include <stdio.h>
#include <time.h>

static lb_log_level min_level = LB_LOG_INFO;
static const char *const names[] = {"debug", "info", "warn", "error"};

void lb_log_set_level(lb_log_level level) { min_level = level; }

void lb_log(lb_log_level level, const char *id, const char *fmt, ...)
{
    if (level < min_level)
        return;
    char ts[32];
    lb_time_iso8601(lb_now_ns() / 1000000, ts);
    char line[2048];
    int n = snprintf(line, sizeof line, "%s %s %s%s%s", ts, names[level], id ? "[" : "",
                     id ? id : "", id ? "] " : "");
    if (n < 0 || (size_t)n >= sizeof line)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    int m = vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    size_t len = (size_t)n + (size_t)m;
    if (len > sizeof line - 2)
        len = sizeof line - 2;
    line[len++] = '\n';
    /* A single fwrite of the whole line keeps lines from interleaving. */
    fwrite(line, 1, len, stderr);
}

/* Small string helpers. */
#include "base/base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool lb_str_eq_nocase(const char *a, const char *b) { return strcasecmp(a, b) == 0; }

bool lb_str_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

int lb_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s)
        return -1;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return -1;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

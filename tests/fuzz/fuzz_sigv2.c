/* libFuzzer target: SigV2 parsing and string-to-sign building.
 *
 * The input is split on '\n' into fields:
 *   0       Authorization header value  (lb_sigv2_parse_header)
 *   1       raw request path
 *   2       Date / x-amz-date value     (lb_sigv2_parse_date)
 *   3...    "?key=value" or "?key" lines are query parameters, others
 *           "name:value" headers
 * The query also goes through lb_sigv2_parse_query; the string to sign is
 * built for header and query auth, path and virtual-host style, with and
 * without the bucket's slash, and signed.  Besides memory errors it checks
 * that results keep their documented shape (NUL-terminated fields, 28
 * character signatures, one string without embedded NULs). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "s3/sigv2.h"

#define MAX_FIELDS 64

static void check_auth(const lb_sigv2_auth *a)
{
    if (!memchr(a->access_key, 0, sizeof a->access_key) || a->access_key[0] == '\0' ||
        strlen(a->signature) != LB_SIGV2_SIG_LEN || !memchr(a->expires, 0, sizeof a->expires))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *copy = malloc(size + 1);
    char *field[MAX_FIELDS];
    size_t nfields = 0;
    lb_kv query[MAX_FIELDS], headers[MAX_FIELDS];
    size_t nquery = 0, nheaders = 0;
    lb_sigv2_auth a, qa;
    bool have_query;

    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    field[nfields++] = copy;
    for (char *p = copy; *p && nfields < MAX_FIELDS; p++) {
        if (*p == '\n') {
            *p = '\0';
            field[nfields++] = p + 1;
        }
    }

    if (lb_sigv2_parse_header(field[0], &a) == 0) {
        check_auth(&a);
        if (a.expires_at != -1)
            abort();
    }
    if (nfields > 2)
        (void)lb_sigv2_parse_date(field[2]);

    for (size_t i = 3; i < nfields; i++) {
        char *f = field[i];

        if (f[0] == '?') {
            char *eq = strchr(f + 1, '=');

            if (eq)
                *eq = '\0';
            query[nquery].key = f + 1;
            query[nquery].value = eq ? eq + 1 : NULL;
            nquery++;
        } else {
            char *colon = strchr(f, ':');

            if (colon)
                *colon = '\0';
            headers[nheaders].key = f;
            headers[nheaders].value = colon ? colon + 1 : NULL;
            nheaders++;
        }
    }
    have_query = lb_sigv2_parse_query(query, nquery, &qa) == 0;
    if (have_query) {
        check_auth(&qa);
        if (qa.expires_at < 0)
            abort();
    }

    for (int variant = 0; variant < 4; variant++) {
        lb_sigv2_request req = {
            .method = "PUT",
            .host_bucket = (variant & 1) ? "bucket" : NULL,
            .raw_path = nfields > 1 ? field[1] : "/",
            .query = query,
            .nquery = nquery,
            .headers = headers,
            .nheaders = nheaders,
            .expires = have_query ? qa.expires : NULL,
            .bucket_without_slash = (variant & 2) != 0,
        };
        lb_buf sts = {0};
        char sig[LB_SIGV2_SIG_LEN + 1];

        if (lb_sigv2_string_to_sign(&req, &sts) != 0)
            abort();
        /* One string: no NUL smuggled in from the request. */
        if (strlen(sts.data) != sts.len)
            abort();
        lb_sigv2_sign("secret", sts.data, sig);
        if (strlen(sig) != LB_SIGV2_SIG_LEN)
            abort();
        lb_buf_free(&sts);
    }

    free(copy);
    return 0;
}

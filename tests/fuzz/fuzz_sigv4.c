/* libFuzzer target: SigV4 parsing and canonical request building.
 *
 * The input is split on '\n' into fields:
 *   0       Authorization header value  (lb_sigv4_parse_header)
 *   1       request path
 *   2       signed header list, used when field 0 does not parse
 *   3...    "?key=value" or "?key" lines are query parameters, others
 *           "name:value" headers
 * The query also goes through lb_sigv4_parse_query, and a canonical
 * request that builds is signed, so every function of the module runs.
 * Besides memory errors it checks that results keep their documented
 * shape (NUL-terminated fields within their arrays, 64 hex signatures). */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "s3/sigv4.h"

#define MAX_FIELDS 64

static void check_auth(const lb_sigv4_auth *a)
{
    /* Every field terminated inside its array. */
    if (!memchr(a->access_key, 0, sizeof a->access_key) || !memchr(a->date, 0, sizeof a->date) ||
        !memchr(a->region, 0, sizeof a->region) || !memchr(a->service, 0, sizeof a->service) ||
        !memchr(a->signed_headers, 0, sizeof a->signed_headers) ||
        !memchr(a->amz_date, 0, sizeof a->amz_date) || strlen(a->signature) != 64)
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
    lb_sigv4_auth a, qa;
    lb_buf cr = {0}, scope = {0}, sts = {0};
    const char *signed_headers;
    bool have_auth;

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

    have_auth = lb_sigv4_parse_header(field[0], &a) == 0;
    if (have_auth)
        check_auth(&a);

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
    if (lb_sigv4_parse_query(query, nquery, &qa) == 0) {
        check_auth(&qa);
        if (qa.expires < 1 || qa.expires > 604800)
            abort();
    }

    signed_headers = have_auth ? a.signed_headers : (nfields > 2 ? field[2] : NULL);
    {
        lb_sigv4_request req = {
            .method = "PUT",
            .path = nfields > 1 ? field[1] : NULL,
            .query = query,
            .nquery = nquery,
            .headers = headers,
            .nheaders = nheaders,
            .signed_headers = signed_headers,
            .payload_hash = "UNSIGNED-PAYLOAD",
            .presigned = size & 1,
        };

        if (lb_sigv4_canonical_request(&req, &cr) == 0) {
            uint8_t key[32];
            char sig[65];

            /* One string: no NUL smuggled in from the request. */
            if (strlen(cr.data) != cr.len)
                abort();
            if (have_auth)
                lb_sigv4_scope(&a, &scope);
            else
                lb_buf_puts(&scope, "20130524/us-east-1/s3/aws4_request");
            lb_sigv4_string_to_sign("20130524T000000Z", scope.data, cr.data, &sts);
            lb_sigv4_signing_key("secret", "20130524", "us-east-1", "s3", key);
            lb_sigv4_sign(key, sts.data, sig);
            if (strlen(sig) != 64)
                abort();
            if (have_auth && lb_sigv4_sig_equal(sig, a.signature) != (strcmp(sig, a.signature) == 0))
                abort();
        }
    }

    lb_buf_free(&cr);
    lb_buf_free(&scope);
    lb_buf_free(&sts);
    free(copy);
    return 0;
}

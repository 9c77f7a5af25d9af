/* libFuzzer target for bucket and user policies: the document arrives in a
 * PutBucketPolicy body, so the parser sees whatever a client sends.
 *
 * Input layout: the first line is a request (principal, action, resource and
 * context separated by '\t', context as key=value pairs separated by '\x1f'),
 * the rest is the policy.  Each accepted policy is evaluated against that
 * request and a few fixed ones, as both kinds.  The checks: no crash, no leak,
 * no read past len, and every failure is LB_E_MALFORMED_POLICY with a
 * message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "iam/iam.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate_all(const lb_policy *p, const lb_policy_request *fuzzed)
{
    static const lb_policy_kv ctx[] = {
        {"aws:SourceIp", "10.1.2.3"},
        {"aws:SecureTransport", "false"},
        {"aws:CurrentTime", "2024-06-01T12:00:00Z"},
        {"aws:EpochTime", "1717243200"},
        {"aws:username", "alice"},
        {"s3:prefix", "home/alice/"},
        {"aws:TagKeys", "a"},
        {"aws:TagKeys", "b"},
        {"s3:max-keys", "100"},
        {"aws:SourceIp", "2001:db8::1"},
    };
    const lb_policy_request fixed[] = {
        {NULL, "s3:GetObject", "arn:aws:s3:::b/k", ctx, sizeof ctx / sizeof ctx[0]},
        {"arn:aws:iam::lifeboat:user/alice", "s3:PutObject", "arn:aws:s3:::b/home/alice/x", ctx,
         sizeof ctx / sizeof ctx[0]},
        {"arn:aws:iam::lifeboat:user/bob", "s3:ListBucket", "arn:aws:s3:::b", NULL, 0},
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (lb_policy_evaluate(p, &fixed[i]) > LB_POLICY_DENY)
            abort();
    if (fuzzed && lb_policy_evaluate(p, fuzzed) > LB_POLICY_DENY)
        abort();
    (void)lb_policy_is_public(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    size_t hlen = nl ? (size_t)(nl - data) : 0;
    const char *doc = nl ? (const char *)nl + 1 : (const char *)data;
    size_t doclen = nl ? size - hlen - 1 : size;

    /* The request line, split in place in a NUL-terminated copy. */
    char *hdr = malloc(hlen + 1);
    if (hdr == NULL)
        return 0;
    memcpy(hdr, data, hlen);
    hdr[hlen] = 0;
    char *field[4] = {NULL, NULL, NULL, NULL};
    char *s = hdr;
    for (int i = 0; i < 4 && s; i++) {
        field[i] = s;
        s = strchr(s, '\t');
        if (s)
            *s++ = 0;
    }
    lb_policy_kv kv[16];
    size_t nkv = 0;
    for (char *c = field[3]; c && *c && nkv < 16;) {
        char *next = strchr(c, '\x1f');
        if (next)
            *next++ = 0;
        char *eq = strchr(c, '=');
        if (eq) {
            *eq = 0;
            kv[nkv].key = c;
            kv[nkv].value = eq + 1;
            nkv++;
        }
        c = next;
    }
    lb_policy_request req = {field[0] && *field[0] ? field[0] : NULL, field[1], field[2], kv, nkv};
    const lb_policy_request *fuzzed = field[1] && field[2] ? &req : NULL;

    /* A heap copy of exactly doclen bytes so ASan catches a read past len. */
    char *body = malloc(doclen ? doclen : 1);
    if (body == NULL) {
        free(hdr);
        return 0;
    }
    memcpy(body, doc, doclen);
    for (int kind = LB_POLICY_BUCKET; kind <= LB_POLICY_USER; kind++) {
        lb_policy *p = NULL;
        char err[256];
        int rc = lb_policy_parse(body, doclen, (lb_policy_kind)kind, &p, err, sizeof err);
        if (rc == 0) {
            if (p == NULL)
                abort();
            evaluate_all(p, fuzzed);
            lb_policy_free(p);
        } else if (rc != LB_E_MALFORMED_POLICY || p != NULL || err[0] == 0) {
            abort();
        }
    }
    free(body);
    free(hdr);
    return 0;
}

/* Policy documents: parsing into a small immutable tree, then evaluation.
 *
 * Parsing does all the checking it can (operators, value syntax, action and
 * resource shapes), so evaluation is only matching and never fails.  Patterns
 * ('*', '?', ${var}) are kept as written and expanded at evaluation, because
 * variables come from the request.  The glob matcher is the iterative
 * two-pointer kind: O(len(pattern) * len(subject)) at worst, never
 * exponential, whatever a hostile policy or key looks like. */
#include "iam/iam.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* ---------------------------------------------------------------- the tree */

typedef struct strlist {
    char **v;
    size_t n;
} strlist;

typedef enum op_base {
    OP_STR_EQ,
    OP_STR_EQ_NOCASE,
    OP_STR_LIKE,
    OP_NUM_EQ,
    OP_NUM_LT,
    OP_NUM_LE,
    OP_NUM_GT,
    OP_NUM_GE,
    OP_DATE_EQ,
    OP_DATE_LT,
    OP_DATE_LE,
    OP_DATE_GT,
    OP_DATE_GE,
    OP_BOOL,
    OP_BINARY_EQ,
    OP_IP,
    OP_ARN_LIKE, /* ArnEquals and ArnLike are the same test in AWS */
    OP_NULL,
} op_base;

typedef enum set_mode { SET_NONE, SET_ANY, SET_ALL } set_mode;

typedef struct cidr {
    int family; /* AF_INET or AF_INET6 */
    unsigned char addr[16];
    int prefix;
} cidr;

typedef struct cond_key {
    char *key;
    strlist vals;
    double *nums; /* numeric operators: vals parsed */
    int64_t *ms;  /* date operators: vals parsed, ms since the epoch */
    cidr *nets;   /* IP operators */
} cond_key;

typedef struct cond {
    op_base op;
    bool neg;
    bool if_exists;
    set_mode set;
    cond_key *keys;
    size_t nkeys;
} cond;

typedef enum principal_mode { PR_NONE, PR_PRINCIPAL, PR_NOT_PRINCIPAL } principal_mode;

typedef struct stmt {
    char *sid;
    bool deny;
    principal_mode pmode;
    strlist principals; /* "*" for everyone; AWS ids only, other kinds never match */
    bool not_action;
    strlist actions;
    bool not_resource;
    strlist resources;
    cond *conds;
    size_t nconds;
} stmt;

struct lb_policy {
    lb_policy_kind kind;
    bool vars; /* Version 2012-10-17: ${...} is a variable, else literal text */
    stmt *stmts;
    size_t nstmts;
};

static void strlist_free(strlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

static void strlist_add(strlist *l, const char *s)
{
    l->v = lb_xrealloc(l->v, (l->n + 1) * sizeof *l->v);
    l->v[l->n++] = lb_xstrdup(s);
}

static void stmt_free(stmt *s)
{
    free(s->sid);
    strlist_free(&s->principals);
    strlist_free(&s->actions);
    strlist_free(&s->resources);
    for (size_t i = 0; i < s->nconds; i++) {
        cond *c = &s->conds[i];
        for (size_t k = 0; k < c->nkeys; k++) {
            free(c->keys[k].key);
            strlist_free(&c->keys[k].vals);
            free(c->keys[k].nums);
            free(c->keys[k].ms);
            free(c->keys[k].nets);
        }
        free(c->keys);
    }
    free(s->conds);
}

int lb_policy_resources(const lb_policy *p, int (*fn)(void *arg, const char *resource), void *arg)
{
    for (size_t i = 0; p != NULL && i < p->nstmts; i++)
        for (size_t j = 0; j < p->stmts[i].resources.n; j++) {
            int rc = fn(arg, p->stmts[i].resources.v[j]);
            if (rc)
                return rc;
        }
    return 0;
}

bool lb_policy_is_public(const lb_policy *p)
{
    for (size_t i = 0; p != NULL && i < p->nstmts; i++) {
        const stmt *s = &p->stmts[i];
        if (s->deny || s->nconds > 0)
            continue;
        if (s->pmode == PR_NOT_PRINCIPAL)
            return true;
        for (size_t j = 0; s->pmode == PR_PRINCIPAL && j < s->principals.n; j++)
            if (strcmp(s->principals.v[j], "*") == 0)
                return true;
    }
    return false;
}

void lb_policy_free(lb_policy *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->nstmts; i++)
        stmt_free(&p->stmts[i]);
    free(p->stmts);
    free(p);
}

const char *lb_policy_effect_name(lb_policy_effect e)
{
    switch (e) {
    case LB_POLICY_ALLOW: return "Allow";
    case LB_POLICY_DENY: return "Deny";
    default: return "None";
    }
}

/* ---------------------------------------------------------------- value parsers */

/* Decimal integer or fraction, optional sign; the whole string. */
static bool parse_num(const char *s, double *out)
{
    if (s == NULL || *s == 0 || isspace((unsigned char)*s))
        return false;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' && *p != '-' && *p != '+')
            return false; /* refuse strtod's hex, inf and nan */
    char *end;
    errno = 0;
    double d = strtod(s, &end);
    if (*end != 0 || errno == ERANGE || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Dates as AWS accepts them: ISO 8601 ("2024-05-01", "2024-05-01T12:00Z",
 * "2024-05-01T12:00:00.250+02:00") or whole seconds since the epoch (what
 * aws:EpochTime carries).  Milliseconds since the epoch in *out. */
static bool parse_date(const char *s, int64_t *out)
{
    if (s == NULL || *s == 0)
        return false;
    size_t n = strlen(s);
    size_t i;
    for (i = 0; i < n && isdigit((unsigned char)s[i]); i++)
        ;
    if (i == n) {
        if (n > 12)
            return false;
        *out = (int64_t)strtoll(s, NULL, 10) * 1000;
        return true;
    }
    int Y, M, D, h = 0, m = 0, sec = 0, ms = 0, off = 0;
    if (n < 10 || !digits(s, 4, &Y) || s[4] != '-' || !digits(s + 5, 2, &M) || s[7] != '-' ||
        !digits(s + 8, 2, &D))
        return false;
    const char *p = s + 10;
    if (*p == 'T' || *p == 't') {
        p++;
        if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &m))
            return false;
        p += 5;
        if (*p == ':') {
            if (!digits(p + 1, 2, &sec))
                return false;
            p += 3;
            if (*p == '.') {
                p++;
                int nd = 0;
                while (isdigit((unsigned char)*p)) {
                    if (nd < 3)
                        ms = ms * 10 + (*p - '0');
                    nd++;
                    p++;
                }
                if (nd == 0)
                    return false;
                for (; nd < 3; nd++)
                    ms *= 10;
            }
        }
        if (*p == 'Z' || *p == 'z') {
            p++;
        } else if (*p == '+' || *p == '-') {
            int oh, om;
            if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 ||
                om > 59)
                return false;
            off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
            p += 6;
        }
    }
    if (*p != 0 || M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60)
        return false;
    struct tm tm = {.tm_year = Y - 1900,
                    .tm_mon = M - 1,
                    .tm_mday = D,
                    .tm_hour = h,
                    .tm_min = m,
                    .tm_sec = sec};
    time_t t = timegm(&tm);
    *out = ((int64_t)t - (int64_t)off * 60) * 1000 + ms;
    return true;
}

/* "10.0.0.0/8", "2001:db8::/32", or a bare address (a /32 or /128). */
static bool parse_cidr(const char *s, bool allow_prefix, cidr *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    size_t n = strlen(s);
    if (n == 0 || n >= sizeof buf)
        return false;
    memcpy(buf, s, n + 1);
    char *slash = strchr(buf, '/');
    int prefix = -1;
    if (slash) {
        if (!allow_prefix)
            return false;
        *slash = 0;
        int d;
        size_t pl = strlen(slash + 1);
        if (pl < 1 || pl > 3 || !digits(slash + 1, (int)pl, &d))
            return false;
        prefix = d;
    }
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = AF_INET;
        if (prefix > 32)
            return false;
        out->prefix = prefix < 0 ? 32 : prefix;
        return true;
    }
    if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        /* An IPv4 client seen through a dual-stack socket is still IPv4. */
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!slash && memcmp(out->addr, mapped, 12) == 0) {
            memmove(out->addr, out->addr + 12, 4);
            memset(out->addr + 4, 0, 12);
            out->family = AF_INET;
            out->prefix = 32;
            return true;
        }
        out->family = AF_INET6;
        if (prefix > 128)
            return false;
        out->prefix = prefix < 0 ? 128 : prefix;
        return true;
    }
    return false;
}

static bool cidr_contains(const cidr *net, const cidr *ip)
{
    if (net->family != ip->family)
        return false;
    int full = net->prefix / 8, rest = net->prefix % 8;
    if (memcmp(net->addr, ip->addr, (size_t)full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

/* ---------------------------------------------------------------- patterns */

/* A pattern expanded for one request: literal bytes 0..255, or a wildcard. */
enum { TOK_STAR = 256, TOK_QMARK = 257 };

typedef struct toks {
    int *v;
    size_t n, cap;
    int small[256];
} toks;

static void toks_push(toks *t, int c)
{
    if (t->n == t->cap) {
        size_t cap = t->cap * 2;
        if (t->v == t->small) {
            t->v = lb_xmalloc(cap * sizeof *t->v);
            memcpy(t->v, t->small, t->n * sizeof *t->v);
        } else {
            t->v = lb_xrealloc(t->v, cap * sizeof *t->v);
        }
        t->cap = cap;
    }
    t->v[t->n++] = c;
}

static void toks_init(toks *t)
{
    t->v = t->small;
    t->n = 0;
    t->cap = sizeof t->small / sizeof t->small[0];
}

static void toks_free(toks *t)
{
    if (t->v != t->small)
        free(t->v);
}

static const char *ctx_get(const lb_policy_request *r, const char *key, size_t keylen)
{
    for (size_t i = 0; i < r->nctx; i++) {
        const char *k = r->ctx[i].key;
        if (k && r->ctx[i].value && strncasecmp(k, key, keylen) == 0 && k[keylen] == 0)
            return r->ctx[i].value;
    }
    return NULL;
}

/* Expands pat into t.  wild: '*' and '?' are wildcards (Like operators,
 * actions, resources), else literal.  vars: ${...} is a policy variable.
 * Returns false when a variable has no value and no default, so the pattern
 * matches nothing. */
static bool expand(const char *pat, bool wild, bool vars, const lb_policy_request *r, toks *t)
{
    for (const char *p = pat; *p; p++) {
        if (vars && p[0] == '$' && p[1] == '{') {
            const char *end = strchr(p + 2, '}');
            if (end != NULL) {
                const char *name = p + 2;
                size_t nlen = (size_t)(end - name);
                const char *val = NULL, *def = NULL;
                size_t deflen = 0;
                /* ${key, 'default'} */
                const char *comma = memchr(name, ',', nlen);
                if (comma) {
                    const char *q1 = memchr(comma, '\'', (size_t)(end - comma));
                    const char *q2 = q1 ? memchr(q1 + 1, '\'', (size_t)(end - q1 - 1)) : NULL;
                    if (q2) {
                        def = q1 + 1;
                        deflen = (size_t)(q2 - def);
                    }
                    nlen = (size_t)(comma - name);
                    while (nlen > 0 && name[nlen - 1] == ' ')
                        nlen--;
                }
                if (nlen == 1 && (name[0] == '*' || name[0] == '?' || name[0] == '$')) {
                    toks_push(t, (unsigned char)name[0]);
                    p = end;
                    continue;
                }
                if (r != NULL)
                    val = ctx_get(r, name, nlen);
                if (val != NULL) {
                    for (const char *v = val; *v; v++)
                        toks_push(t, (unsigned char)*v);
                } else if (def != NULL) {
                    for (size_t i = 0; i < deflen; i++)
                        toks_push(t, (unsigned char)def[i]);
                } else {
                    return false;
                }
                p = end;
                continue;
            }
        }
        if (wild && *p == '*')
            toks_push(t, TOK_STAR);
        else if (wild && *p == '?')
            toks_push(t, TOK_QMARK);
        else
            toks_push(t, (unsigned char)*p);
    }
    return true;
}

static bool tok_eq(int tok, unsigned char c, bool nocase)
{
    if (nocase)
        return tolower(tok) == tolower(c);
    return tok == c;
}

static bool glob_toks(const toks *t, const char *s, bool nocase)
{
    size_t p = 0, i = 0, n = strlen(s);
    size_t star = (size_t)-1, mark = 0;
    while (i < n) {
        if (p < t->n && t->v[p] != TOK_STAR &&
            (t->v[p] == TOK_QMARK || tok_eq(t->v[p], (unsigned char)s[i], nocase))) {
            p++;
            i++;
        } else if (p < t->n && t->v[p] == TOK_STAR) {
            star = p++;
            mark = i;
        } else if (star != (size_t)-1) {
            p = star + 1;
            i = ++mark;
        } else {
            return false;
        }
    }
    while (p < t->n && t->v[p] == TOK_STAR)
        p++;
    return p == t->n;
}

static bool match(const char *pat, const char *s, bool wild, bool vars, bool nocase,
                  const lb_policy_request *r)
{
    toks t;
    toks_init(&t);
    bool ok = expand(pat, wild, vars, r, &t) && glob_toks(&t, s, nocase);
    toks_free(&t);
    return ok;
}

/* ---------------------------------------------------------------- parsing */

static const struct {
    const char *name;
    op_base op;
    bool neg;
} ops[] = {
    {"StringEquals", OP_STR_EQ, false},
    {"StringNotEquals", OP_STR_EQ, true},
    {"StringEqualsIgnoreCase", OP_STR_EQ_NOCASE, false},
    {"StringNotEqualsIgnoreCase", OP_STR_EQ_NOCASE, true},
    {"StringLike", OP_STR_LIKE, false},
    {"StringNotLike", OP_STR_LIKE, true},
    {"NumericEquals", OP_NUM_EQ, false},
    {"NumericNotEquals", OP_NUM_EQ, true},
    {"NumericLessThan", OP_NUM_LT, false},
    {"NumericLessThanEquals", OP_NUM_LE, false},
    {"NumericGreaterThan", OP_NUM_GT, false},
    {"NumericGreaterThanEquals", OP_NUM_GE, false},
    {"DateEquals", OP_DATE_EQ, false},
    {"DateNotEquals", OP_DATE_EQ, true},
    {"DateLessThan", OP_DATE_LT, false},
    {"DateLessThanEquals", OP_DATE_LE, false},
    {"DateGreaterThan", OP_DATE_GT, false},
    {"DateGreaterThanEquals", OP_DATE_GE, false},
    {"Bool", OP_BOOL, false},
    {"BinaryEquals", OP_BINARY_EQ, false},
    {"IpAddress", OP_IP, false},
    {"NotIpAddress", OP_IP, true},
    {"ArnEquals", OP_ARN_LIKE, false},
    {"ArnLike", OP_ARN_LIKE, false},
    {"ArnNotEquals", OP_ARN_LIKE, true},
    {"ArnNotLike", OP_ARN_LIKE, true},
    {"Null", OP_NULL, false},
};

typedef struct pctx {
    lb_policy_kind kind;
    char *errbuf;
    size_t errcap;
} pctx;

static int fail(pctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pctx *c, const char *fmt, ...)
{
    if (c->errbuf && c->errcap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->errbuf, c->errcap, fmt, ap);
        va_end(ap);
    }
    return LB_E_MALFORMED_POLICY;
}

/* A string or a non-empty array of strings, appended to out. */
static int get_strings(pctx *c, json_t *v, strlist *out, const char *what)
{
    if (json_is_string(v)) {
        strlist_add(out, json_string_value(v));
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) == 0)
        return fail(c, "Policy has an invalid %s", what);
    size_t i;
    json_t *e;
    json_array_foreach(v, i, e)
    {
        if (!json_is_string(e))
            return fail(c, "Policy has an invalid %s", what);
        strlist_add(out, json_string_value(e));
    }
    return 0;
}

/* "*" or "service:Name" with wildcards in the name. */
static bool valid_action(const char *a, lb_policy_kind kind)
{
    if (strcmp(a, "*") == 0)
        return true;
    const char *colon = strchr(a, ':');
    if (colon == NULL || colon == a || colon[1] == 0)
        return false;
    for (const char *p = a; p < colon; p++)
        if (!isalnum((unsigned char)*p) && *p != '-')
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '*' && *p != '?')
            return false;
    /* A bucket policy only governs S3. */
    if (kind == LB_POLICY_BUCKET && !(colon - a == 2 && strncasecmp(a, "s3", 2) == 0))
        return false;
    return true;
}

static bool valid_resource(const char *res, lb_policy_kind kind)
{
    if (kind == LB_POLICY_BUCKET)
        return lb_str_has_prefix(res, "arn:aws:s3:::") && res[13] != 0;
    if (strcmp(res, "*") == 0)
        return true;
    /* arn:partition:service:region:account:resource */
    int colons = 0;
    for (const char *p = res; *p; p++)
        colons += *p == ':';
    return lb_str_has_prefix(res, "arn:") && colons >= 5;
}

static int parse_principal(pctx *c, json_t *v, stmt *s)
{
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "*") != 0)
            return fail(c, "Invalid principal in policy");
        strlist_add(&s->principals, "*");
        return 0;
    }
    if (!json_is_object(v) || json_object_size(v) == 0)
        return fail(c, "Invalid principal in policy");
    const char *k;
    json_t *e;
    json_object_foreach(v, k, e)
    {
        if (strcmp(k, "AWS") == 0) {
            strlist l = {0};
            int rc = get_strings(c, e, &l, "principal");
            for (size_t i = 0; rc == 0 && i < l.n; i++) {
                const char *id = l.v[i];
                bool ok = strcmp(id, "*") == 0 || lb_str_has_prefix(id, "arn:aws:iam::");
                if (!ok && *id) {
                    ok = true; /* a bare account id */
                    for (const char *p = id; *p; p++)
                        ok = ok && (isalnum((unsigned char)*p) || *p == '-' || *p == '_');
                }
                if (!ok)
                    rc = fail(c, "Invalid principal in policy");
                else
                    strlist_add(&s->principals, id);
            }
            strlist_free(&l);
            if (rc)
                return rc;
        } else if (strcmp(k, "CanonicalUser") == 0 || strcmp(k, "Service") == 0 ||
                   strcmp(k, "Federated") == 0) {
            /* Accepted so that policies written for AWS load; lifeboat has no
             * such principals, so they never match. */
            strlist l = {0};
            int rc = get_strings(c, e, &l, "principal");
            strlist_free(&l);
            if (rc)
                return rc;
        } else {
            return fail(c, "Invalid principal in policy");
        }
    }
    return 0;
}

static bool lookup_op(const char *name, cond *out)
{
    out->set = SET_NONE;
    if (lb_str_has_prefix(name, "ForAnyValue:")) {
        out->set = SET_ANY;
        name += strlen("ForAnyValue:");
    } else if (lb_str_has_prefix(name, "ForAllValues:")) {
        out->set = SET_ALL;
        name += strlen("ForAllValues:");
    }
    size_t n = strlen(name);
    out->if_exists = n > 8 && strcmp(name + n - 8, "IfExists") == 0;
    if (out->if_exists)
        n -= 8;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strlen(ops[i].name) == n && strncmp(ops[i].name, name, n) == 0) {
            out->op = ops[i].op;
            out->neg = ops[i].neg;
            /* Null is itself the existence test. */
            if (out->op == OP_NULL && (out->if_exists || out->set != SET_NONE))
                return false;
            return true;
        }
    }
    return false;
}

static int parse_cond_values(pctx *c, const char *opname, const cond *cd, json_t *v, cond_key *ck)
{
    json_t *one[1] = {v};
    json_t **items = one;
    size_t n = 1;
    if (json_is_array(v)) {
        n = json_array_size(v);
        if (n == 0)
            return fail(c, "Invalid Condition value for %s: empty list", opname);
        items = lb_xmalloc(n * sizeof *items);
        for (size_t i = 0; i < n; i++)
            items[i] = json_array_get(v, i);
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        json_t *e = items[i];
        char tmp[64];
        const char *s;
        if (json_is_string(e)) {
            s = json_string_value(e);
        } else if (json_is_true(e) || json_is_false(e)) {
            s = json_is_true(e) ? "true" : "false";
        } else if (json_is_integer(e)) {
            snprintf(tmp, sizeof tmp, "%" JSON_INTEGER_FORMAT, json_integer_value(e));
            s = tmp;
        } else if (json_is_real(e)) {
            snprintf(tmp, sizeof tmp, "%.17g", json_real_value(e));
            s = tmp;
        } else {
            rc = fail(c, "Invalid Condition value for %s", opname);
            break;
        }
        strlist_add(&ck->vals, s);
    }
    if (items != one)
        free(items);
    if (rc)
        return rc;

    /* Typed operators: check and convert once, here. */
    n = ck->vals.n;
    switch (cd->op) {
    case OP_NUM_EQ:
    case OP_NUM_LT:
    case OP_NUM_LE:
    case OP_NUM_GT:
    case OP_NUM_GE:
        ck->nums = lb_xcalloc(n, sizeof *ck->nums);
        for (size_t i = 0; i < n; i++)
            if (!parse_num(ck->vals.v[i], &ck->nums[i]))
                return fail(c, "Invalid Condition value for %s: %s", opname, ck->vals.v[i]);
        break;
    case OP_DATE_EQ:
    case OP_DATE_LT:
    case OP_DATE_LE:
    case OP_DATE_GT:
    case OP_DATE_GE:
        ck->ms = lb_xcalloc(n, sizeof *ck->ms);
        for (size_t i = 0; i < n; i++)
            if (!parse_date(ck->vals.v[i], &ck->ms[i]))
                return fail(c, "Invalid Condition value for %s: %s", opname, ck->vals.v[i]);
        break;
    case OP_IP:
        ck->nets = lb_xcalloc(n, sizeof *ck->nets);
        for (size_t i = 0; i < n; i++)
            if (!parse_cidr(ck->vals.v[i], true, &ck->nets[i]))
                return fail(c, "Invalid Condition value for %s: %s", opname, ck->vals.v[i]);
        break;
    case OP_BOOL:
    case OP_NULL:
        for (size_t i = 0; i < n; i++)
            if (strcasecmp(ck->vals.v[i], "true") != 0 && strcasecmp(ck->vals.v[i], "false") != 0)
                return fail(c, "Invalid Condition value for %s: %s", opname, ck->vals.v[i]);
        break;
    default: break;
    }
    return 0;
}

static int parse_condition(pctx *c, json_t *v, stmt *s)
{
    if (!json_is_object(v))
        return fail(c, "Policy has an invalid condition");
    s->conds = lb_xcalloc(json_object_size(v) ? json_object_size(v) : 1, sizeof *s->conds);
    const char *opname;
    json_t *block;
    json_object_foreach(v, opname, block)
    {
        cond *cd = &s->conds[s->nconds];
        if (!lookup_op(opname, cd))
            return fail(c, "Unknown condition operator: %s", opname);
        s->nconds++;
        if (!json_is_object(block) || json_object_size(block) == 0)
            return fail(c, "Policy has an invalid condition block for %s", opname);
        cd->keys = lb_xcalloc(json_object_size(block), sizeof *cd->keys);
        const char *key;
        json_t *vals;
        json_object_foreach(block, key, vals)
        {
            const char *colon = strchr(key, ':');
            if (colon == NULL || colon == key || colon[1] == 0)
                return fail(c, "Policy has an invalid condition key: %s", key);
            cond_key *ck = &cd->keys[cd->nkeys++];
            ck->key = lb_xstrdup(key);
            int rc = parse_cond_values(c, opname, cd, vals, ck);
            if (rc)
                return rc;
        }
    }
    return 0;
}

static int parse_statement(pctx *c, json_t *o, stmt *s)
{
    if (!json_is_object(o))
        return fail(c, "Policy has an invalid statement");
    int rc;
    bool have_effect = false;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (strcmp(k, "Sid") == 0) {
            if (!json_is_string(v))
                return fail(c, "Policy has an invalid Sid");
            s->sid = lb_xstrdup(json_string_value(v));
        } else if (strcmp(k, "Effect") == 0) {
            const char *e = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(e, "Allow") != 0 && strcmp(e, "Deny") != 0)
                return fail(c, "Invalid effect: %s", e);
            s->deny = strcmp(e, "Deny") == 0;
            have_effect = true;
        } else if (strcmp(k, "Principal") == 0 || strcmp(k, "NotPrincipal") == 0) {
            if (c->kind == LB_POLICY_USER)
                return fail(c, "Policy document should not specify a principal");
            if (s->pmode != PR_NONE)
                return fail(c, "Statement cannot have both Principal and NotPrincipal");
            s->pmode = k[0] == 'N' ? PR_NOT_PRINCIPAL : PR_PRINCIPAL;
            if ((rc = parse_principal(c, v, s)))
                return rc;
        } else if (strcmp(k, "Action") == 0 || strcmp(k, "NotAction") == 0) {
            if (s->actions.n)
                return fail(c, "Statement cannot have both Action and NotAction");
            s->not_action = k[0] == 'N';
            if ((rc = get_strings(c, v, &s->actions, "action")))
                return rc;
            for (size_t i = 0; i < s->actions.n; i++)
                if (!valid_action(s->actions.v[i], c->kind))
                    return fail(c, "Policy has invalid action");
        } else if (strcmp(k, "Resource") == 0 || strcmp(k, "NotResource") == 0) {
            if (s->resources.n)
                return fail(c, "Statement cannot have both Resource and NotResource");
            s->not_resource = k[0] == 'N';
            if ((rc = get_strings(c, v, &s->resources, "resource")))
                return rc;
            for (size_t i = 0; i < s->resources.n; i++)
                if (!valid_resource(s->resources.v[i], c->kind))
                    return fail(c, "Policy has invalid resource");
        } else if (strcmp(k, "Condition") == 0) {
            if (s->conds)
                return fail(c, "Policy has an invalid condition");
            if ((rc = parse_condition(c, v, s)))
                return rc;
        } else {
            return fail(c, "Unknown field %s", k);
        }
    }
    if (!have_effect)
        return fail(c, "Missing required field Effect");
    if (c->kind == LB_POLICY_BUCKET && s->pmode == PR_NONE)
        return fail(c, "Missing required field Principal");
    if (s->actions.n == 0)
        return fail(c, "Missing required field Action");
    if (s->resources.n == 0)
        return fail(c, "Missing required field Resource");
    return 0;
}

int lb_policy_parse(const char *json, size_t len, lb_policy_kind kind, lb_policy **out,
                    char *errbuf, size_t errcap)
{
    pctx c = {.kind = kind, .errbuf = errbuf, .errcap = errcap};
    lb_policy *p = NULL;
    json_t *root = NULL;
    int rc;

    if (errbuf && errcap)
        errbuf[0] = 0;
    *out = NULL;
    if (len > LB_POLICY_MAX_SIZE) {
        rc = fail(&c, "Policy exceeds the maximum allowed document size.");
        goto out;
    }
    json_error_t jerr;
    /* Duplicate keys are refused: which of two Effects would win is not
     * something a policy author should have to guess. */
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL || !json_is_object(root)) {
        rc = fail(&c, "Policies must be valid JSON and the first byte must be '{'");
        goto out;
    }
    p = lb_xcalloc(1, sizeof *p);
    p->kind = kind;
    json_t *stmts = NULL;
    const char *k;
    json_t *v;
    json_object_foreach(root, k, v)
    {
        if (strcmp(k, "Version") == 0) {
            const char *ver = json_is_string(v) ? json_string_value(v) : "";
            if (strcmp(ver, "2012-10-17") == 0) {
                p->vars = true;
            } else if (strcmp(ver, "2008-10-17") != 0) {
                rc = fail(&c, "The policy must contain a valid version string");
                goto out;
            }
        } else if (strcmp(k, "Id") == 0) {
            if (!json_is_string(v)) {
                rc = fail(&c, "Policy has an invalid Id");
                goto out;
            }
        } else if (strcmp(k, "Statement") == 0) {
            stmts = v;
        } else {
            rc = fail(&c, "Unknown field %s", k);
            goto out;
        }
    }
    if (stmts == NULL) {
        rc = fail(&c, "Missing required field Statement");
        goto out;
    }
    size_t n = json_is_array(stmts) ? json_array_size(stmts) : 1;
    if (n == 0) {
        rc = fail(&c, "Could not parse the policy: Statement is empty!");
        goto out;
    }
    p->stmts = lb_xcalloc(n, sizeof *p->stmts);
    for (size_t i = 0; i < n; i++) {
        json_t *so = json_is_array(stmts) ? json_array_get(stmts, i) : stmts;
        p->nstmts++;
        if ((rc = parse_statement(&c, so, &p->stmts[i])))
            goto out;
        for (size_t j = 0; p->stmts[i].sid && j < i; j++) {
            if (p->stmts[j].sid && strcmp(p->stmts[j].sid, p->stmts[i].sid) == 0) {
                rc = fail(&c, "Statement IDs (SID) in a single policy must be unique");
                goto out;
            }
        }
    }
    *out = p;
    p = NULL;
    rc = 0;
out:
    lb_policy_free(p);
    json_decref(root);
    return rc;
}

/* ---------------------------------------------------------------- evaluation */

static bool principal_matches(const char *id, const char *who)
{
    if (strcmp(id, "*") == 0)
        return true;
    if (who == NULL) /* anonymous: only "*" names it */
        return false;
    if (strcmp(id, who) == 0)
        return true;
    /* The account ("lifeboat" or arn:aws:iam::lifeboat:root) names every
     * principal in it. */
    char acct[256];
    const char *a = id;
    size_t alen;
    if (lb_str_has_prefix(id, "arn:aws:iam::")) {
        a = id + strlen("arn:aws:iam::");
        const char *colon = strchr(a, ':');
        if (colon == NULL || strcmp(colon, ":root") != 0)
            return false;
        alen = (size_t)(colon - a);
    } else {
        alen = strlen(a);
    }
    if (alen == 0 || alen + 16 >= sizeof acct)
        return false;
    snprintf(acct, sizeof acct, "arn:aws:iam::%.*s:", (int)alen, a);
    return lb_str_has_prefix(who, acct);
}

static bool stmt_principal(const stmt *s, const char *who)
{
    bool any = false;
    for (size_t i = 0; i < s->principals.n && !any; i++)
        any = principal_matches(s->principals.v[i], who);
    return s->pmode == PR_NOT_PRINCIPAL ? !any : any;
}

static bool stmt_action(const stmt *s, const char *action)
{
    bool any = false;
    for (size_t i = 0; i < s->actions.n && !any; i++)
        any = match(s->actions.v[i], action, true, false, true, NULL);
    return s->not_action ? !any : any;
}

static bool stmt_resource(const lb_policy *p, const stmt *s, const lb_policy_request *r)
{
    bool any = false;
    for (size_t i = 0; i < s->resources.n && !any; i++)
        any = match(s->resources.v[i], r->resource, true, p->vars, false, r);
    return s->not_resource ? !any : any;
}

/* The base (un-negated) test of one request value against one policy value. */
static bool value_matches(const lb_policy *p, const cond *cd, const cond_key *ck, size_t i,
                          const char *val, const lb_policy_request *r)
{
    const char *pv = ck->vals.v[i];
    switch (cd->op) {
    case OP_STR_EQ: return match(pv, val, false, p->vars, false, r);
    case OP_STR_EQ_NOCASE: return match(pv, val, false, p->vars, true, r);
    case OP_STR_LIKE:
    case OP_ARN_LIKE: return match(pv, val, true, p->vars, false, r);
    case OP_BINARY_EQ: return strcmp(pv, val) == 0;
    case OP_BOOL: return strcasecmp(pv, val) == 0;
    case OP_NUM_EQ:
    case OP_NUM_LT:
    case OP_NUM_LE:
    case OP_NUM_GT:
    case OP_NUM_GE: {
        double d;
        if (!parse_num(val, &d))
            return false;
        double w = ck->nums[i];
        return cd->op == OP_NUM_EQ   ? d == w
               : cd->op == OP_NUM_LT ? d < w
               : cd->op == OP_NUM_LE ? d <= w
               : cd->op == OP_NUM_GT ? d > w
                                     : d >= w;
    }
    case OP_DATE_EQ:
    case OP_DATE_LT:
    case OP_DATE_LE:
    case OP_DATE_GT:
    case OP_DATE_GE: {
        int64_t t;
        if (!parse_date(val, &t))
            return false;
        int64_t w = ck->ms[i];
        return cd->op == OP_DATE_EQ   ? t == w
               : cd->op == OP_DATE_LT ? t < w
               : cd->op == OP_DATE_LE ? t <= w
               : cd->op == OP_DATE_GT ? t > w
                                      : t >= w;
    }
    case OP_IP: {
        cidr ip;
        if (!parse_cidr(val, false, &ip))
            return false;
        return cidr_contains(&ck->nets[i], &ip);
    }
    case OP_NULL: break;
    }
    return false;
}

/* One request value against the key's values (ORed), negation applied. */
static bool one_value(const lb_policy *p, const cond *cd, const cond_key *ck, const char *val,
                      const lb_policy_request *r)
{
    bool any = false;
    for (size_t i = 0; i < ck->vals.n && !any; i++)
        any = value_matches(p, cd, ck, i, val, r);
    return cd->neg ? !any : any;
}

static bool key_holds(const lb_policy *p, const cond *cd, const cond_key *ck,
                      const lb_policy_request *r)
{
    size_t nvals = 0;
    for (size_t i = 0; i < r->nctx; i++)
        if (r->ctx[i].key && r->ctx[i].value && strcasecmp(r->ctx[i].key, ck->key) == 0)
            nvals++;

    if (cd->op == OP_NULL) {
        /* "true": the key must be absent; "false": present.  Values ORed. */
        for (size_t i = 0; i < ck->vals.n; i++)
            if ((strcasecmp(ck->vals.v[i], "true") == 0) == (nvals == 0))
                return true;
        return false;
    }
    if (nvals == 0) {
        if (cd->if_exists)
            return true;
        if (cd->set == SET_ALL) /* vacuously: every one of no values matches */
            return true;
        if (cd->set == SET_ANY)
            return false;
        return cd->neg; /* AWS: a negated operator on a missing key is true */
    }

    /* Plain operators on a multi-valued key behave as "some value matches",
     * negated as "no value matches", which is what they mean for one value. */
    bool any = false, all = true;
    for (size_t i = 0; i < r->nctx; i++) {
        if (!r->ctx[i].key || !r->ctx[i].value || strcasecmp(r->ctx[i].key, ck->key) != 0)
            continue;
        if (cd->set == SET_NONE) {
            /* base test, negation after */
            cond pos = *cd;
            pos.neg = false;
            any = any || one_value(p, &pos, ck, r->ctx[i].value, r);
        } else {
            bool ok = one_value(p, cd, ck, r->ctx[i].value, r);
            any = any || ok;
            all = all && ok;
        }
    }
    if (cd->set == SET_NONE)
        return cd->neg ? !any : any;
    return cd->set == SET_ANY ? any : all;
}

static bool stmt_conditions(const lb_policy *p, const stmt *s, const lb_policy_request *r)
{
    /* Operators ANDed, keys within an operator ANDed. */
    for (size_t i = 0; i < s->nconds; i++)
        for (size_t k = 0; k < s->conds[i].nkeys; k++)
            if (!key_holds(p, &s->conds[i], &s->conds[i].keys[k], r))
                return false;
    return true;
}

lb_policy_effect lb_policy_evaluate(const lb_policy *p, const lb_policy_request *r)
{
    if (p == NULL || r == NULL || r->action == NULL || r->resource == NULL)
        return LB_POLICY_NONE;
    lb_policy_effect e = LB_POLICY_NONE;
    for (size_t i = 0; i < p->nstmts; i++) {
        const stmt *s = &p->stmts[i];
        if (p->kind == LB_POLICY_BUCKET && !stmt_principal(s, r->principal))
            continue;
        if (!stmt_action(s, r->action) || !stmt_resource(p, s, r) || !stmt_conditions(p, s, r))
            continue;
        if (s->deny)
            return LB_POLICY_DENY;
        e = LB_POLICY_ALLOW;
    }
    return e;
}

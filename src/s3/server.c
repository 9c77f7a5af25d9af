/* The S3 front: turns HTTP requests into s3_req, authenticates, routes, and
 * plumbs bodies to the operation. */
#include "s3/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lb_s3_new(const lb_s3_opts *o, lb_s3 **out)
{
    lb_s3 *s = lb_xcalloc(1, sizeof *s);
    s->store = o->store;
    s->region = lb_xstrdup(o->region ? o->region : "us-east-1");
    s->root_access = lb_xstrdup(o->root_access);
    s->root_secret = lb_xstrdup(o->root_secret);
    s->domain = o->domain && *o->domain ? lb_xstrdup(o->domain) : NULL;
    s->max_inflight = o->max_inflight ? o->max_inflight : 1024;
    s->allow_public = o->allow_public;
    *out = s;
    return 0;
}

void lb_s3_attach(lb_s3 *s3, lb_http_server *srv) { s3->srv = srv; }

void lb_s3_free(lb_s3 *s)
{
    if (!s)
        return;
    free(s->region);
    free(s->root_access);
    free(s->root_secret);
    free(s->domain);
    free(s);
}

const char *s3_query(const s3_req *q, const char *name)
{
    for (size_t i = 0; i < q->nquery; i++)
        if (strcmp(q->query[i].key, name) == 0)
            return q->query[i].value ? q->query[i].value : "";
    return NULL;
}

bool s3_has_query(const s3_req *q, const char *name) { return s3_query(q, name) != NULL; }

const char *s3_header(const s3_req *q, const char *name) { return lb_http_header(q->http, name); }

static char *decode(const char *s, size_t n, bool plus)
{
    char *out = lb_xmalloc(n + 1);
    if (lb_uri_decode(s, n, out, plus) < 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Bucket and key from virtual-host or path style. */
static int parse_target(s3_req *q)
{
    const char *raw = lb_http_raw_path(q->http);
    if (raw[0] != '/')
        return LB_E_INVALID_URI;
    const char *host = s3_header(q, "host");
    const char *rest = raw + 1;
    if (host && q->s3->domain) {
        size_t hl = strcspn(host, ":");
        size_t dl = strlen(q->s3->domain);
        if (hl > dl + 1 && host[hl - dl - 1] == '.' &&
            strncasecmp(host + hl - dl, q->s3->domain, dl) == 0) {
            q->bucket = lb_xstrndup(host, hl - dl - 1);
            if (*rest) {
                q->key = decode(rest, strlen(rest), false);
                if (!q->key)
                    return LB_E_INVALID_URI;
            }
            return 0;
        }
    }
    if (!*rest)
        return 0;
    const char *slash = strchr(rest, '/');
    size_t bl = slash ? (size_t)(slash - rest) : strlen(rest);
    q->bucket = decode(rest, bl, false);
    if (!q->bucket)
        return LB_E_INVALID_URI;
    if (slash && slash[1]) {
        q->key = decode(slash + 1, strlen(slash + 1), false);
        if (!q->key)
            return LB_E_INVALID_URI;
    }
    return 0;
}

static int parse_query(s3_req *q)
{
    size_t n = lb_http_query_count(q->http);
    q->query = lb_xcalloc(n ? n : 1, sizeof *q->query);
    for (size_t i = 0; i < n; i++) {
        const char *k, *v;
        lb_http_query_at(q->http, i, &k, &v);
        char *dk = decode(k, strlen(k), true);
        char *dv = v ? decode(v, strlen(v), true) : NULL;
        if (!dk || (v && !dv)) {
            free(dk);
            free(dv);
            return LB_E_INVALID_URI;
        }
        q->query[q->nquery].key = dk;
        q->query[q->nquery].value = dv;
        q->nquery++;
    }
    return 0;
}

static void req_free(s3_req *q)
{
    if (!q)
        return;
    if (q->op_free)
        q->op_free(q);
    s3_body_free(q);
    free(q->bucket);
    free(q->key);
    for (size_t i = 0; i < q->nquery; i++) {
        free((char *)q->query[i].key);
        free((char *)q->query[i].value);
    }
    free(q->query);
    free(q);
}

static void on_begin(void *arg, lb_http_req *r)
{
    lb_s3 *s3 = arg;
    s3_req *q = lb_xcalloc(1, sizeof *q);
    q->s3 = s3;
    q->http = r;
    q->id = lb_http_request_id(r);
    q->method = lb_http_method(r);
    lb_http_set_ctx(r, q);
    int rc;
    if (s3->srv && lb_http_inflight(s3->srv) > s3->max_inflight) {
        s3_error(q, LB_E_SLOW_DOWN);
        return;
    }
    if ((rc = parse_target(q)) || (rc = parse_query(q))) {
        s3_error(q, rc);
        return;
    }
    if (q->key && strlen(q->key) > LB_MAX_KEY_LEN) {
        s3_error(q, LB_E_KEY_TOO_LONG);
        return;
    }
    if ((rc = s3_authenticate(q)) != 0) {
        if (!lb_http_responded(r))
            s3_error(q, rc);
        return;
    }
    s3_route(q);
}

static void on_body(void *arg, lb_http_req *r, const char *data, size_t n)
{
    (void)arg;
    s3_req *q = lb_http_ctx(r);
    if (!q || q->mode == BODY_NONE) {
        /* A body nobody asked for: S3 ignores it; so do we, unbuffered. */
        return;
    }
    s3_body_feed(q, data, n);
}

static void on_end(void *arg, lb_http_req *r)
{
    (void)arg;
    s3_req *q = lb_http_ctx(r);
    if (!q)
        return;
    if (q->end)
        q->end(q);
    else if (!lb_http_responded(r))
        s3_error(q, LB_E_INTERNAL);
}

static void on_done(void *arg, lb_http_req *r, bool ok)
{
    (void)arg, (void)ok;
    req_free(lb_http_ctx(r));
    lb_http_set_ctx(r, NULL);
}

static lb_http_resp *on_stalled(void *arg, lb_http_req *r)
{
    (void)arg;
    s3_req *q = lb_http_ctx(r);
    if (!q)
        return NULL;
    return s3_error_resp(q, LB_E_REQUEST_TIMEOUT, NULL, NULL);
}

void lb_s3_app(lb_s3 *s3, lb_http_app *app)
{
    app->arg = s3;
    app->begin = on_begin;
    app->body = on_body;
    app->end = on_end;
    app->done = on_done;
    app->stalled = on_stalled;
}

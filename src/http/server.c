/* The libmicrohttpd adaptor.  One thread per connection (see
 * docs/adr/0001-http-library.md): request handlers may block on fsync and on
 * the group commit without stalling other connections. */
#include "http/http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <sys/socket.h>
#include <microhttpd.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct lb_http_server {
    struct MHD_Daemon *d;
    lb_http_app app;
    _Atomic unsigned inflight;
    unsigned port;
    char *cert, *key;
    /* the watchdog over request bodies in progress (see watchdog_main) */
    pthread_mutex_t reg_mu;
    pthread_cond_t reg_cv;
    lb_http_req *receiving; /* doubly linked through prev/next */
    pthread_t watchdog;
    bool watchdog_stop;
    int64_t body_timeout_ns;
};

typedef struct resp_hdr {
    char *name, *value;
} resp_hdr;

enum { R_BUF, R_FD, R_STREAM };

struct lb_http_resp {
    int kind;
    int status;
    char *body;
    size_t len;
    int fd;
    uint64_t off, flen;
    ssize_t (*read)(void *, uint64_t, char *, size_t);
    void (*free_arg)(void *);
    void *arg;
    bool head_only, close;
    uint64_t head_len;
    resp_hdr *hdrs;
    size_t nhdrs;
};

/* Largest body read and dropped to deliver an error decided before it. */
#define EARLY_ERROR_DRAIN_MAX ((uint64_t)32 << 20)

typedef struct qarg {
    char *key, *value;
} qarg;

struct lb_http_req {
    lb_http_server *srv;
    struct MHD_Connection *conn;
    const char *method;
    char *path;
    qarg *query;
    size_t nquery;
    char id[17];
    char peer[64];
    void *ctx;
    lb_http_resp *pending; /* given by the app, queued before returning to MHD */
    bool queued, begun, ended;
    int status;
    uint64_t body_len, sent_len;
    int64_t start_ns;
    /* while a body is being received: registered with the watchdog */
    lb_http_req *prev, *next;
    bool registered;
    pthread_mutex_t mu;     /* held while the application handles a slice */
    _Atomic int64_t last_ns; /* last body progress */
    _Atomic bool cut;        /* the watchdog answered RequestTimeout and closed */
};

/* ---------------------------------------------------------------- responses */

static lb_http_resp *resp_new(int kind, int status)
{
    lb_http_resp *r = lb_xcalloc(1, sizeof *r);
    r->kind = kind;
    r->status = status;
    r->fd = -1;
    return r;
}

lb_http_resp *lb_http_resp_buf(int status, char *body, size_t len)
{
    lb_http_resp *r = resp_new(R_BUF, status);
    r->body = body;
    r->len = body ? len : 0;
    return r;
}

lb_http_resp *lb_http_resp_fd(int status, int fd, uint64_t off, uint64_t len)
{
    lb_http_resp *r = resp_new(R_FD, status);
    r->fd = fd;
    r->off = off;
    r->flen = len;
    return r;
}

lb_http_resp *lb_http_resp_stream(int status, uint64_t size,
                                  ssize_t (*read)(void *, uint64_t, char *, size_t),
                                  void (*free_arg)(void *), void *arg)
{
    lb_http_resp *r = resp_new(R_STREAM, status);
    r->flen = size;
    r->read = read;
    r->free_arg = free_arg;
    r->arg = arg;
    return r;
}

void lb_http_resp_header(lb_http_resp *r, const char *name, const char *value)
{
    r->hdrs = lb_xrealloc(r->hdrs, (r->nhdrs + 1) * sizeof *r->hdrs);
    r->hdrs[r->nhdrs].name = lb_xstrdup(name);
    r->hdrs[r->nhdrs].value = lb_xstrdup(value);
    r->nhdrs++;
}

void lb_http_resp_head_length(lb_http_resp *r, uint64_t len)
{
    r->head_only = true;
    r->head_len = len;
}

void lb_http_resp_close(lb_http_resp *r) { r->close = true; }

static void resp_free(lb_http_resp *r)
{
    if (!r)
        return;
    free(r->body);
    if (r->fd >= 0)
        close(r->fd);
    if (r->free_arg)
        r->free_arg(r->arg);
    for (size_t i = 0; i < r->nhdrs; i++) {
        free(r->hdrs[i].name);
        free(r->hdrs[i].value);
    }
    free(r->hdrs);
    free(r);
}

int lb_http_respond(lb_http_req *req, lb_http_resp *resp)
{
    if (req->pending || req->queued) {
        resp_free(resp);
        return -1;
    }
    req->pending = resp;
    req->status = resp->status;
    return 0;
}

static ssize_t never_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)cls, (void)pos, (void)buf, (void)max;
    return MHD_CONTENT_READER_END_WITH_ERROR;
}

typedef struct stream_ctx {
    lb_http_req *req;
    lb_http_resp *resp;
} stream_ctx;

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    lb_http_resp *r = cls;
    ssize_t n = r->read(r->arg, pos, buf, max);
    if (n <= 0)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    return n;
}

static void stream_free(void *cls) { resp_free(cls); }

/* Builds the MHD response and queues it; frees what it was given. */
static enum MHD_Result queue_pending(lb_http_req *req)
{
    lb_http_resp *r = req->pending;
    req->pending = NULL;
    struct MHD_Response *m = NULL;
    if (r->head_only) {
        m = MHD_create_response_from_callback(r->head_len, 4096, never_read, NULL, NULL);
        req->sent_len = 0;
    } else if (r->kind == R_BUF) {
        m = MHD_create_response_from_buffer(r->len, r->body, MHD_RESPMEM_MUST_FREE);
        r->body = NULL;
        req->sent_len = r->len;
    } else if (r->kind == R_FD) {
        m = MHD_create_response_from_fd_at_offset64(r->flen, r->fd, r->off);
        r->fd = -1; /* MHD closes it */
        req->sent_len = r->flen;
    } else {
        m = MHD_create_response_from_callback(r->flen, 256 * 1024, stream_read, r, stream_free);
        req->sent_len = r->flen;
    }
    if (!m) {
        resp_free(r);
        return MHD_NO;
    }
    for (size_t i = 0; i < r->nhdrs; i++)
        MHD_add_response_header(m, r->hdrs[i].name, r->hdrs[i].value);
    if (r->close)
        MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ok = MHD_queue_response(req->conn, (unsigned)r->status, m);
    MHD_destroy_response(m);
    if (r->kind != R_STREAM || r->head_only)
        resp_free(r);
    req->queued = ok == MHD_YES;
    return ok;
}

/* ---------------------------------------------------------------- requests */

const char *lb_http_method(const lb_http_req *r) { return r->method; }
const char *lb_http_raw_path(const lb_http_req *r) { return r->path; }
const char *lb_http_request_id(const lb_http_req *r) { return r->id; }
const char *lb_http_peer(const lb_http_req *r) { return r->peer; }
void lb_http_set_ctx(lb_http_req *r, void *ctx) { r->ctx = ctx; }
void *lb_http_ctx(const lb_http_req *r) { return r->ctx; }
bool lb_http_responded(const lb_http_req *r) { return r->pending || r->queued; }
uint64_t lb_http_body_len(const lb_http_req *r) { return r->body_len; }
int lb_http_status(const lb_http_req *r) { return r->status; }

bool lb_http_is_tls(const lb_http_req *r) { return r->srv->cert != NULL; }

const char *lb_http_header(const lb_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

typedef struct hdr_iter {
    int (*fn)(void *, const char *, const char *);
    void *arg;
} hdr_iter;

static enum MHD_Result hdr_cb(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    hdr_iter *it = cls;
    return it->fn(it->arg, k, v ? v : "") ? MHD_NO : MHD_YES;
}

void lb_http_headers(const lb_http_req *r, int (*fn)(void *, const char *, const char *),
                     void *arg)
{
    hdr_iter it = {fn, arg};
    MHD_get_connection_values(r->conn, MHD_HEADER_KIND, hdr_cb, &it);
}

size_t lb_http_query_count(const lb_http_req *r) { return r->nquery; }

void lb_http_query_at(const lb_http_req *r, size_t i, const char **key, const char **value)
{
    *key = r->query[i].key;
    *value = r->query[i].value;
}

static enum MHD_Result query_cb(void *cls, enum MHD_ValueKind kind, const char *k, const char *v)
{
    (void)kind;
    lb_http_req *r = cls;
    if (r->nquery >= 256)
        return MHD_NO;
    r->query = lb_xrealloc(r->query, (r->nquery + 1) * sizeof *r->query);
    r->query[r->nquery].key = lb_xstrdup(k);
    r->query[r->nquery].value = v ? lb_xstrdup(v) : NULL;
    r->nquery++;
    return MHD_YES;
}

/* Keep the raw (%-encoded) text: SigV4 and S3 keys need exact bytes, and the
 * S3 layer decodes with its own rules ('+' is not a space in paths). */
static size_t no_unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls, (void)c;
    return strlen(s);
}

static void req_free(lb_http_req *r)
{
    for (size_t i = 0; i < r->nquery; i++) {
        free(r->query[i].key);
        free(r->query[i].value);
    }
    free(r->query);
    free(r->path);
    resp_free(r->pending);
    free(r);
}

/* ---------------------------------------------------------------- watchdog
 * libmicrohttpd's own timeout closes a stalled connection without a word.
 * S3 clients expect "400 RequestTimeout" for an upload that stops sending,
 * so bodies in progress are registered here; a body that made no progress
 * for body_timeout gets the application's answer written straight to the
 * socket, then the socket is shut down: the connection's thread sees the
 * close, the request ends as aborted, and the application cleans up. */

static void reg_add(lb_http_req *r)
{
    lb_http_server *s = r->srv;
    pthread_mutex_init(&r->mu, NULL);
    atomic_store(&r->last_ns, lb_mono_ns());
    pthread_mutex_lock(&s->reg_mu);
    r->next = s->receiving;
    if (s->receiving)
        s->receiving->prev = r;
    s->receiving = r;
    r->registered = true;
    pthread_mutex_unlock(&s->reg_mu);
}

static void reg_remove(lb_http_req *r)
{
    if (!r->registered)
        return;
    lb_http_server *s = r->srv;
    pthread_mutex_lock(&s->reg_mu);
    if (r->prev)
        r->prev->next = r->next;
    else
        s->receiving = r->next;
    if (r->next)
        r->next->prev = r->prev;
    r->registered = false;
    pthread_mutex_unlock(&s->reg_mu);
    /* the watchdog holds reg_mu while it holds r->mu: both are free now */
    pthread_mutex_destroy(&r->mu);
}

static void send_raw(int fd, const lb_http_req *r, lb_http_resp *resp)
{
    lb_buf b = {0};
    lb_buf_printf(&b, "HTTP/1.1 %d %s\r\n", resp->status,
                  resp->status == 400 ? "Bad Request" : "Error");
    for (size_t i = 0; i < resp->nhdrs; i++)
        lb_buf_printf(&b, "%s: %s\r\n", resp->hdrs[i].name, resp->hdrs[i].value);
    lb_buf_printf(&b, "Content-Length: %zu\r\nConnection: close\r\n\r\n", resp->len);
    lb_buf_append(&b, resp->body, resp->len);
    size_t off = 0;
    while (off < b.len) {
        ssize_t n = send(fd, b.data + off, b.len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n <= 0)
            break;
        off += (size_t)n;
    }
    (void)r;
    lb_buf_free(&b);
}

static void *watchdog_main(void *arg)
{
    lb_http_server *s = arg;
    pthread_mutex_lock(&s->reg_mu);
    while (!s->watchdog_stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 500 * 1000000;
        if (ts.tv_nsec >= 1000000000) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->reg_cv, &s->reg_mu, &ts);
        int64_t now = lb_mono_ns();
        for (lb_http_req *r = s->receiving; r; r = r->next) {
            if (atomic_load(&r->cut) || now - atomic_load(&r->last_ns) < s->body_timeout_ns)
                continue;
            if (pthread_mutex_trylock(&r->mu) != 0)
                continue; /* its thread is handling a slice: not stalled */
            const union MHD_ConnectionInfo *ci =
                MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
            if (ci && !r->queued && !r->ended) {
                atomic_store(&r->cut, true);
                lb_http_resp *resp = s->app.stalled ? s->app.stalled(s->app.arg, r) : NULL;
                if (resp && resp->kind == R_BUF && !s->cert) /* TLS: only the close */
                    send_raw(ci->connect_fd, r, resp);
                r->status = resp ? resp->status : 400;
                resp_free(resp);
                lb_warn(r->id, "request body stalled for %llds: cut",
                        (long long)(s->body_timeout_ns / 1000000000));
                shutdown(ci->connect_fd, SHUT_RDWR);
            }
            pthread_mutex_unlock(&r->mu);
        }
    }
    pthread_mutex_unlock(&s->reg_mu);
    return NULL;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version,
                                 const char *upload_data, size_t *upload_data_size,
                                 void **con_cls)
{
    (void)version;
    lb_http_server *srv = cls;
    lb_http_req *r = *con_cls;
    if (!r) {
        r = lb_xcalloc(1, sizeof *r);
        r->srv = srv;
        r->conn = conn;
        r->method = method;
        r->path = lb_xstrdup(url);
        r->start_ns = lb_mono_ns();
        lb_random_alnum(r->id, 16);
        for (char *p = r->id; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char)(*p - 'a' + 'A');
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr) {
            const struct sockaddr *sa = ci->client_addr;
            if (sa->sa_family == AF_INET)
                inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, r->peer,
                          sizeof r->peer);
            else if (sa->sa_family == AF_INET6)
                inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, r->peer,
                          sizeof r->peer);
        }
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, query_cb, r);
        *con_cls = r;
        atomic_fetch_add(&srv->inflight, 1);
        r->begun = true;
        srv->app.begin(srv->app.arg, r);
        /* A response given now, before the body, makes libmicrohttpd close
         * the connection: worth it only to refuse a body we will not read.
         * A client that does not wait for 100-continue is already sending
         * the body, and a close under it resets the connection before it
         * reads the error: read and drop a small body, answer at its end.
         * Bodiless requests answer on the next call and keep the connection. */
        const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "content-length");
        const char *te = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "transfer-encoding");
        const char *expect = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "expect");
        bool has_body = (cl && strcmp(cl, "0") != 0) || te;
        uint64_t len = 0;
        bool drain = !te && !expect && cl && lb_parse_u64(cl, &len) == 0 &&
                     len <= EARLY_ERROR_DRAIN_MAX;
        if (r->pending && has_body && !drain)
            return queue_pending(r);
        if (has_body)
            reg_add(r);
        return MHD_YES;
    }
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        r->body_len += n;
        if (r->queued)
            return MHD_YES; /* responded already: drain what the client still sends */
        if (r->registered)
            pthread_mutex_lock(&r->mu);
        if (!atomic_load(&r->cut)) {
            atomic_store(&r->last_ns, lb_mono_ns());
            /* With a response pending (libmicrohttpd takes it only once the
             * body is in) the rest of the body is dropped. */
            if (!r->pending)
                srv->app.body(srv->app.arg, r, upload_data, n);
        }
        if (r->registered)
            pthread_mutex_unlock(&r->mu);
        return MHD_YES;
    }
    if (r->registered)
        pthread_mutex_lock(&r->mu);
    bool cut = atomic_load(&r->cut);
    if (!r->ended && !r->queued && !cut) {
        r->ended = true;
        if (!r->pending)
            srv->app.end(srv->app.arg, r);
    }
    if (r->registered)
        pthread_mutex_unlock(&r->mu);
    if (cut)
        return MHD_NO; /* answered and closed by the watchdog */
    if (r->pending)
        return queue_pending(r);
    if (r->queued)
        return MHD_YES;
    /* The application gave no response: a bug, but never hang the client. */
    lb_error(r->id, "no response produced for %s %s", r->method, r->path);
    static char msg[] = "internal error\n";
    struct MHD_Response *m =
        MHD_create_response_from_buffer(sizeof msg - 1, msg, MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(conn, 500, m);
    MHD_destroy_response(m);
    r->queued = true;
    r->status = 500;
    return ok;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    lb_http_server *srv = cls;
    lb_http_req *r = *con_cls;
    if (!r)
        return;
    bool ok = toe == MHD_REQUEST_TERMINATED_COMPLETED_OK;
    reg_remove(r);
    if (r->begun)
        srv->app.done(srv->app.arg, r, ok);
    int64_t us = (lb_mono_ns() - r->start_ns) / 1000;
    lb_info(r->id, "%s %s %s %d in=%llu out=%llu %lldus%s", r->peer, r->method, r->path,
            r->status, (unsigned long long)r->body_len, (unsigned long long)r->sent_len,
            (long long)us, ok ? "" : " aborted");
    atomic_fetch_sub(&srv->inflight, 1);
    req_free(r);
    *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char line[512];
    vsnprintf(line, sizeof line, fmt, ap);
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
    lb_warn(NULL, "http: %s", line);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    lb_buf b = {0};
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0)
        lb_buf_append(&b, tmp, n);
    fclose(f);
    return lb_buf_steal(&b);
}

static int parse_address(const char *addr, struct sockaddr_storage *ss, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(addr, ':');
    if (!colon)
        return -1;
    size_t hl = (size_t)(colon - addr);
    if (hl >= sizeof host)
        return -1;
    memcpy(host, addr, hl);
    host[hl] = 0;
    uint64_t port;
    if (lb_parse_u64(colon + 1, &port) || port > 65535)
        return -1;
    memset(ss, 0, sizeof *ss);
    char *h = host;
    if (h[0] == '[') {
        h++;
        h[strlen(h) - 1] = 0;
    }
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (!*h || strcmp(h, "0.0.0.0") == 0 || inet_pton(AF_INET, h, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *len = sizeof *in4;
        return 0;
    }
    if (inet_pton(AF_INET6, h, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *len = sizeof *in6;
        return 0;
    }
    return -1;
}

int lb_http_start(const lb_http_opts *o, const lb_http_app *app, lb_http_server **out)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (parse_address(o->address, &ss, &sl)) {
        lb_error(NULL, "bad listen address \"%s\" (want HOST:PORT)", o->address);
        return LB_E_INVALID_ARGUMENT;
    }
    lb_http_server *s = lb_xcalloc(1, sizeof *s);
    s->app = *app;
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (ss.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (o->tls_cert && o->tls_key) {
        s->cert = slurp(o->tls_cert);
        s->key = slurp(o->tls_key);
        if (!s->cert || !s->key) {
            lb_error(NULL, "cannot read tls certificate \"%s\" or key \"%s\"", o->tls_cert,
                     o->tls_key);
            free(s->cert);
            free(s->key);
            free(s);
            return LB_E_INVALID_ARGUMENT;
        }
        flags |= MHD_USE_TLS;
    }
    struct MHD_OptionItem tls_opts[] = {
        {s->cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->cert},
        {s->cert ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, s->key},
        {MHD_OPTION_END, 0, NULL},
    };
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_UNESCAPE_CALLBACK, no_unescape,
        NULL, MHD_OPTION_CONNECTION_LIMIT, o->max_conns ? o->max_conns : 4096,
        MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 60,
        /* Request line and headers must fit in 32 KiB (S3 caps headers at
         * 8 KiB), so an absurd header gets 431 instead of memory.  This pool
         * is most of what an idle keep-alive connection costs (~52 KiB with
         * its thread: 1000 idle connections add about 52 MiB of RSS). */
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024, MHD_OPTION_THREAD_STACK_SIZE,
        (size_t)512 * 1024, MHD_OPTION_LISTENING_ADDRESS_REUSE,
        1, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!s->d) {
        lb_error(NULL, "cannot listen on %s", o->address);
        free(s->cert);
        free(s->key);
        free(s);
        return LB_E_INVALID_ARGUMENT;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : 0;
    pthread_mutex_init(&s->reg_mu, NULL);
    pthread_cond_init(&s->reg_cv, NULL);
    s->body_timeout_ns = (int64_t)(o->body_timeout_s ? o->body_timeout_s : 30) * 1000000000;
    pthread_create(&s->watchdog, NULL, watchdog_main, s);
    *out = s;
    return 0;
}

unsigned lb_http_port(const lb_http_server *s) { return s->port; }
unsigned lb_http_inflight(const lb_http_server *s) { return atomic_load(&s->inflight); }

void lb_http_stop(lb_http_server *s, unsigned grace_ms)
{
    if (!s)
        return;
    MHD_quiesce_daemon(s->d);
    int64_t deadline = lb_mono_ns() + (int64_t)grace_ms * 1000000;
    while (atomic_load(&s->inflight) && lb_mono_ns() < deadline)
        usleep(10000);
    pthread_mutex_lock(&s->reg_mu);
    s->watchdog_stop = true;
    pthread_cond_signal(&s->reg_cv);
    pthread_mutex_unlock(&s->reg_mu);
    pthread_join(s->watchdog, NULL);
    MHD_stop_daemon(s->d);
    pthread_cond_destroy(&s->reg_cv);
    pthread_mutex_destroy(&s->reg_mu);
    free(s->cert);
    free(s->key);
    free(s);
}

/* http: the HTTP server adaptor (libmicrohttpd underneath).
 *
 * The application sees a request in four steps, all on the connection's
 * own thread: begin (headers parsed), body (zero or more slices, streamed,
 * never buffered here), end (body complete), done (the exchange is over,
 * ok=false when the client went away or the server gave up: clean up).
 * A response may be given once, from begin, body or end. */
#ifndef LB_HTTP_H
#define LB_HTTP_H

#include "base/base.h"

#include <stdbool.h>

typedef struct lb_http_req lb_http_req;
typedef struct lb_http_resp lb_http_resp;
typedef struct lb_http_server lb_http_server;

typedef struct lb_http_app {
    void *arg;
    void (*begin)(void *arg, lb_http_req *r);
    void (*body)(void *arg, lb_http_req *r, const char *data, size_t n);
    void (*end)(void *arg, lb_http_req *r);
    void (*done)(void *arg, lb_http_req *r, bool ok);
    /* A body stalled longer than body_timeout_s: the answer to send before
     * the connection is closed (called on the watchdog thread while the
     * request's own thread is kept out of the application). */
    lb_http_resp *(*stalled)(void *arg, lb_http_req *r);
} lb_http_app;

typedef struct lb_http_opts {
    const char *address;   /* "127.0.0.1:9000", "[::1]:9000", ":9000" */
    unsigned max_conns;    /* connections accepted at once */
    unsigned timeout_s;    /* idle keep-alive connection timeout */
    unsigned body_timeout_s; /* a request body with no progress this long is cut (0: 30) */
    const char *tls_cert;  /* PEM files: HTTPS when both set */
    const char *tls_key;
} lb_http_opts;

int lb_http_start(const lb_http_opts *o, const lb_http_app *app, lb_http_server **out);
/* The port actually bound (when 0 was asked). */
unsigned lb_http_port(const lb_http_server *s);
/* Stops accepting, waits up to grace_ms for requests in flight, then stops. */
void lb_http_stop(lb_http_server *s, unsigned grace_ms);
/* Requests in flight right now. */
unsigned lb_http_inflight(const lb_http_server *s);

/* ---- request */
const char *lb_http_method(const lb_http_req *r);
/* The path as received (still %-encoded), without the query. */
const char *lb_http_raw_path(const lb_http_req *r);
/* Case-insensitive; NULL when absent.  With several, the first. */
const char *lb_http_header(const lb_http_req *r, const char *name);
/* Iterates all headers; fn returns nonzero to stop. */
void lb_http_headers(const lb_http_req *r, int (*fn)(void *arg, const char *k, const char *v),
                     void *arg);
/* Query parameters as received (%-encoded); value NULL when there was no '='. */
size_t lb_http_query_count(const lb_http_req *r);
void lb_http_query_at(const lb_http_req *r, size_t i, const char **key, const char **value);
const char *lb_http_request_id(const lb_http_req *r);
const char *lb_http_peer(const lb_http_req *r); /* client address text */
bool lb_http_is_tls(const lb_http_req *r);
void lb_http_set_ctx(lb_http_req *r, void *ctx);
void *lb_http_ctx(const lb_http_req *r);
bool lb_http_responded(const lb_http_req *r);
/* Body bytes received so far. */
uint64_t lb_http_body_len(const lb_http_req *r);

/* ---- responses (each takes ownership of what it is given) */
lb_http_resp *lb_http_resp_buf(int status, char *body, size_t len); /* body malloc'ed or NULL */
lb_http_resp *lb_http_resp_fd(int status, int fd, uint64_t off, uint64_t len);
/* Streamed body of `size` bytes: read(arg, pos, buf, max) returns bytes, 0 never
 * (size is known), negative to abort the connection; free(arg) at the end. */
lb_http_resp *lb_http_resp_stream(int status, uint64_t size,
                                  ssize_t (*read)(void *arg, uint64_t pos, char *buf, size_t max),
                                  void (*free_arg)(void *arg), void *arg);
void lb_http_resp_header(lb_http_resp *resp, const char *name, const char *value);
/* Content-Length announced without a body (HEAD). */
void lb_http_resp_head_length(lb_http_resp *resp, uint64_t len);
/* Closes the connection after this response (unread request body left). */
void lb_http_resp_close(lb_http_resp *resp);
/* Queues resp for r.  Returns 0, or -1 when r already has one (resp is freed). */
int lb_http_respond(lb_http_req *r, lb_http_resp *resp);
int lb_http_status(const lb_http_req *r);

#endif

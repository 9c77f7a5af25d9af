/* s3: the S3 protocol over the store.  Routing, SigV4, request bodies,
 * XML, one file per operation family.  The HTTP adaptor calls into it
 * through the lb_http_app it fills. */
#ifndef LB_S3_H
#define LB_S3_H

#include "http/http.h"
#include "store/store.h"

typedef struct lb_s3 lb_s3;

typedef struct lb_s3_opts {
    lb_store *store;
    const char *region;       /* "us-east-1" unless configured */
    const char *root_access;  /* root credentials */
    const char *root_secret;
    const char *domain;       /* virtual-host base ("localhost": b.localhost:9000), or NULL */
    unsigned max_inflight;    /* above this, new requests get 503 SlowDown */
    /* false (the default): the site blocks public access — public bucket
     * policies are refused and grant nothing to anonymous requests, whatever
     * a bucket's own public access block says.  true: each bucket's
     * PublicAccessBlock decides (serve --allow-public). */
    bool allow_public;
} lb_s3_opts;

int lb_s3_new(const lb_s3_opts *o, lb_s3 **out);
void lb_s3_attach(lb_s3 *s3, lb_http_server *srv); /* for in-flight counts */
void lb_s3_app(lb_s3 *s3, lb_http_app *app);
void lb_s3_free(lb_s3 *s3);

#endif

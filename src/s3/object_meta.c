/* What is stored with an object besides its bytes, and the helpers that the
 * put, copy and part-copy operations share. */
#include "s3/internal.h"
#include "s3/xml_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_USER_META 2048 /* S3: user metadata up to 2 KB */

static const char *const stored[] = {
    "content-type", "content-encoding", "cache-control", "content-disposition",
    "content-language", "expires", "x-amz-storage-class", "x-amz-website-redirect-location",
};

typedef struct hdr_acc {
    lb_hdr *v;
    size_t n;
    size_t meta_bytes;
    int err;
} hdr_acc;

static void acc_add(hdr_acc *a, const char *k, const char *v)
{
    a->v = lb_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
    char *name = lb_xstrdup(k);
    for (char *p = name; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    a->v[a->n].name = name;
    a->v[a->n].value = lb_xstrdup(v);
    a->n++;
}

static int collect(void *arg, const char *k, const char *v)
{
    hdr_acc *a = arg;
    if (strncasecmp(k, "x-amz-meta-", 11) == 0) {
        a->meta_bytes += strlen(k) - 11 + strlen(v);
        if (a->meta_bytes > MAX_USER_META) {
            a->err = LB_E_METADATA_TOO_LARGE;
            return 1;
        }
        acc_add(a, k, v);
        return 0;
    }
    for (size_t i = 0; i < sizeof stored / sizeof *stored; i++) {
        if (strcasecmp(k, stored[i]) != 0)
            continue;
        if (strcasecmp(k, "content-encoding") == 0) {
            /* aws-chunked is the transfer framing, not the object's encoding */
            lb_buf rest = {0};
            char *copy = lb_xstrdup(v), *save = NULL;
            for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ')
                    t++;
                if (strcasecmp(t, "aws-chunked") == 0 || !*t)
                    continue;
                if (rest.len)
                    lb_buf_putc(&rest, ',');
                lb_buf_puts(&rest, t);
            }
            free(copy);
            if (rest.len)
                acc_add(a, k, rest.data);
            lb_buf_free(&rest);
            return 0;
        }
        if (strcasecmp(k, "x-amz-storage-class") == 0 && strcmp(v, "STANDARD") != 0 &&
            strcmp(v, "REDUCED_REDUNDANCY") != 0 && strcmp(v, "STANDARD_IA") != 0) {
            /* cold classes arrive with the lifecycle issue */
            a->err = strcmp(v, "GLACIER") == 0 || strcmp(v, "DEEP_ARCHIVE") == 0 ||
                             strcmp(v, "ONEZONE_IA") == 0 || strcmp(v, "INTELLIGENT_TIERING") == 0 ||
                             strcmp(v, "GLACIER_IR") == 0 || strcmp(v, "OUTPOSTS") == 0 ||
                             strcmp(v, "EXPRESS_ONEZONE") == 0 || strcmp(v, "SNOW") == 0
                         ? LB_E_NOT_IMPLEMENTED
                         : LB_E_INVALID_STORAGE_CLASS;
            return 1;
        }
        acc_add(a, k, v);
    }
    return 0;
}

int s3_collect_headers(s3_req *q, lb_hdr **out, size_t *n)
{
    hdr_acc a = {0};
    lb_http_headers(q->http, collect, &a);
    if (a.err) {
        s3_hdrs_free(a.v, a.n);
        return a.err;
    }
    *out = a.v;
    *n = a.n;
    return 0;
}

void s3_hdrs_free(lb_hdr *h, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(h[i].name);
        free(h[i].value);
    }
    free(h);
}

lb_hdr *s3_hdrs_copy(const lb_hdr *h, size_t n)
{
    lb_hdr *c = lb_xcalloc(n ? n : 1, sizeof *c);
    for (size_t i = 0; i < n; i++) {
        c[i].name = lb_xstrdup(h[i].name);
        c[i].value = lb_xstrdup(h[i].value);
    }
    return c;
}

int s3_tagging_header(s3_req *q, char **tags)
{
    *tags = NULL;
    const char *t = s3_header(q, "x-amz-tagging");
    if (!t || !*t)
        return 0;
    lb_tag *list;
    size_t n;
    int rc = lb_tags_parse_query(t, 10, &list, &n);
    if (rc)
        return rc;
    lb_buf b = {0};
    lb_tags_to_query(list, n, &b);
    lb_tags_free(list, n);
    *tags = lb_buf_steal(&b);
    return 0;
}

static size_t count_tags(const char *t)
{
    if (!t || !*t)
        return 0;
    size_t n = 1;
    for (; *t; t++)
        n += *t == '&';
    return n;
}

void s3_object_headers(s3_req *q, const lb_object *o, lb_http_resp *r)
{
    char etag[64], date[32];
    s3_quote_etag(o->etag, etag);
    lb_http_resp_header(r, "ETag", etag);
    lb_time_http(o->mtime_ms / 1000, date);
    lb_http_resp_header(r, "Last-Modified", date);
    lb_http_resp_header(r, "Accept-Ranges", "bytes");
    if (!lb_object_header(o, "content-type") && !s3_query(q, "response-content-type"))
        lb_http_resp_header(r, "Content-Type", "binary/octet-stream");
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *name = o->headers[i].name;
        /* response-content-* query parameters override stored values */
        if (strncmp(name, "content-", 8) == 0 || strcmp(name, "cache-control") == 0 ||
            strcmp(name, "expires") == 0) {
            char qn[64];
            snprintf(qn, sizeof qn, "response-%s", name);
            if (s3_query(q, qn))
                continue;
        }
        lb_http_resp_header(r, name, o->headers[i].value);
    }
    static const char *const overrides[] = {"content-type", "content-language", "expires",
                                            "cache-control", "content-disposition",
                                            "content-encoding"};
    for (size_t i = 0; i < sizeof overrides / sizeof *overrides; i++) {
        char qn[64];
        snprintf(qn, sizeof qn, "response-%s", overrides[i]);
        const char *v = s3_query(q, qn);
        if (v)
            lb_http_resp_header(r, overrides[i], v);
    }
    size_t nt = count_tags(o->tags);
    if (nt) {
        char n[24];
        snprintf(n, sizeof n, "%zu", nt);
        lb_http_resp_header(r, "x-amz-tagging-count", n);
    }
    if (o->nparts > 1) {
        char n[24];
        snprintf(n, sizeof n, "%zu", o->nparts);
        lb_http_resp_header(r, "x-amz-mp-parts-count", n);
    }
}

int s3_write_conditions(s3_req *q, lb_put_cond *cond, char scratch[64])
{
    memset(cond, 0, sizeof *cond);
    const char *inm = s3_header(q, "if-none-match");
    const char *im = s3_header(q, "if-match");
    if (inm) {
        if (strcmp(inm, "*") != 0)
            return LB_E_NOT_IMPLEMENTED; /* S3 accepts only "*" on writes */
        cond->if_none_match = true;
    }
    if (im) {
        size_t n = strlen(im);
        if (n >= 2 && im[0] == '"' && im[n - 1] == '"')
            im++, n -= 2;
        if (n == 0 || n >= 64)
            return LB_E_INVALID_ARGUMENT;
        memcpy(scratch, im, n);
        scratch[n] = 0;
        cond->if_match = scratch;
    }
    return 0;
}

int s3_copy_source(s3_req *q, char **bucket, char **key)
{
    const char *src = s3_header(q, "x-amz-copy-source");
    if (!src)
        return LB_E_INVALID_COPY_SOURCE;
    size_t n = strlen(src);
    const char *qm = strstr(src, "?versionId=");
    if (qm)
        n = (size_t)(qm - src);
    char *dec = lb_xmalloc(n + 1);
    if (lb_uri_decode(src, n, dec, false) < 0) {
        free(dec);
        return LB_E_INVALID_COPY_SOURCE;
    }
    const char *p = dec[0] == '/' ? dec + 1 : dec;
    const char *slash = strchr(p, '/');
    if (!slash || slash == p || !slash[1]) {
        free(dec);
        return LB_E_INVALID_COPY_SOURCE;
    }
    *bucket = lb_xstrndup(p, (size_t)(slash - p));
    *key = lb_xstrdup(slash + 1);
    free(dec);
    return 0;
}

int s3_copy_conditions(s3_req *q, const lb_object *src)
{
    char etag[64];
    s3_quote_etag(src->etag, etag);
    const char *im = s3_header(q, "x-amz-copy-source-if-match");
    const char *inm = s3_header(q, "x-amz-copy-source-if-none-match");
    const char *ims = s3_header(q, "x-amz-copy-source-if-modified-since");
    const char *ius = s3_header(q, "x-amz-copy-source-if-unmodified-since");
    int64_t mtime = src->mtime_ms / 1000;
    bool match_ok = false;
    if (im) {
        if (strcmp(im, etag) != 0 && strcmp(im, src->etag) != 0 && strcmp(im, "*") != 0)
            return LB_E_PRECONDITION_FAILED;
        match_ok = true;
    }
    if (ius && !match_ok) {
        int64_t t = lb_time_parse_http(ius);
        if (t >= 0 && mtime > t)
            return LB_E_PRECONDITION_FAILED;
    }
    if (inm && (strcmp(inm, etag) == 0 || strcmp(inm, src->etag) == 0 || strcmp(inm, "*") == 0))
        return LB_E_PRECONDITION_FAILED;
    if (ims && !inm) {
        int64_t t = lb_time_parse_http(ims);
        if (t >= 0 && mtime <= t)
            return LB_E_PRECONDITION_FAILED;
    }
    return 0;
}

int s3_copy_data(s3_req *q, const lb_object *src, uint64_t off, uint64_t len, lb_cksum_alg ck,
                 lb_writer **out, uint8_t md5[16], char ck_b64[64])
{
    lb_writer *w;
    int rc = lb_writer_new(q->s3->store, ck, &w);
    if (rc)
        return rc;
    char *buf = lb_xmalloc(1 << 20);
    uint64_t pos = 0; /* position in the whole object */
    for (size_t i = 0; i < src->nparts && rc == 0 && len; i++) {
        uint64_t psize = src->parts[i].size;
        if (off >= pos + psize) {
            pos += psize;
            continue;
        }
        lb_reader *r;
        if ((rc = lb_reader_open(q->s3->store, src, i, &r)) != 0)
            break;
        uint64_t in = off - pos;
        while (len && in < psize) {
            size_t want = (size_t)(psize - in < (1 << 20) ? psize - in : (1 << 20));
            if (want > len)
                want = (size_t)len;
            ssize_t got = lb_reader_read(r, in, buf, want);
            if (got <= 0) {
                rc = got < 0 ? (int)got : LB_E_CORRUPT;
                break;
            }
            if ((rc = lb_writer_write(w, buf, (size_t)got)) != 0)
                break;
            in += (uint64_t)got;
            off += (uint64_t)got;
            len -= (uint64_t)got;
        }
        lb_reader_close(r);
        pos += psize;
    }
    free(buf);
    uint8_t dig[64];
    if (rc == 0)
        rc = lb_writer_finish(w, md5, dig);
    if (rc) {
        lb_writer_free(w);
        return rc;
    }
    ck_b64[0] = 0;
    if (ck != LB_CK_NONE)
        lb_base64_encode(dig, lb_cksum_len(ck), ck_b64);
    *out = w;
    return 0;
}

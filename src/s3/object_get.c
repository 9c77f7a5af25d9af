/* GetObject and HeadObject: conditionals, ranges, part numbers, verified
 * data (sendfile for whole-file ranges, a verifying stream otherwise). */
#include "s3/internal.h"
#include "s3/range.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ranges up to this size are verified up front and then sent with
 * sendfile(); longer ones stream block by block, verified as they go. */
#define VERIFY_THEN_SENDFILE (256ULL << 20)


static bool etag_matches(const char *hdr, const char *etag)
{
    /* a comma-separated list, quoted or not, or "*" */
    char *copy = lb_xstrdup(hdr), *save = NULL;
    bool hit = false;
    for (char *t = strtok_r(copy, ",", &save); t && !hit; t = strtok_r(NULL, ",", &save)) {
        while (*t == ' ')
            t++;
        size_t n = strlen(t);
        while (n && t[n - 1] == ' ')
            t[--n] = 0;
        if (strncmp(t, "W/", 2) == 0)
            t += 2, n -= 2;
        if (n >= 2 && t[0] == '"' && t[n - 1] == '"')
            t[n - 1] = 0, t++;
        hit = strcmp(t, "*") == 0 || strcmp(t, etag) == 0;
    }
    free(copy);
    return hit;
}

/* RFC 7232 order as S3 applies it. */
static int conditions(s3_req *q, const lb_object *o)
{
    const char *im = s3_header(q, "if-match");
    const char *inm = s3_header(q, "if-none-match");
    const char *ims = s3_header(q, "if-modified-since");
    const char *ius = s3_header(q, "if-unmodified-since");
    int64_t mtime = o->mtime_ms / 1000;
    if (im) {
        if (!etag_matches(im, o->etag))
            return LB_E_PRECONDITION_FAILED;
    } else if (ius) {
        int64_t t = lb_time_parse_http(ius);
        if (t >= 0 && mtime > t)
            return LB_E_PRECONDITION_FAILED;
    }
    if (inm) {
        if (etag_matches(inm, o->etag))
            return LB_E_NOT_MODIFIED;
    } else if (ims) {
        int64_t t = lb_time_parse_http(ims);
        if (t >= 0 && mtime <= t)
            return LB_E_NOT_MODIFIED;
    }
    return 0;
}

typedef struct stream {
    lb_store *store;
    lb_object *o;
    uint64_t start; /* object offset of the response's first byte */
    size_t part;
    uint64_t part_base;
    lb_reader *r;
    char id[20];
} stream;

static ssize_t stream_read(void *arg, uint64_t pos, char *buf, size_t max)
{
    stream *s = arg;
    uint64_t at = s->start + pos;
    while (s->part < s->o->nparts && at >= s->part_base + s->o->parts[s->part].size) {
        s->part_base += s->o->parts[s->part].size;
        s->part++;
        lb_reader_close(s->r);
        s->r = NULL;
    }
    if (s->part >= s->o->nparts)
        return -1;
    if (!s->r && lb_reader_open(s->store, s->o, s->part, &s->r) != 0) {
        lb_error(s->id, "cannot open part %zu of a stored object", s->part + 1);
        return -1;
    }
    ssize_t n = lb_reader_read(s->r, at - s->part_base, buf, max);
    if (n <= 0)
        lb_error(s->id, "read of stored data failed mid-response: %s",
                 lb_strerror(n < 0 ? (int)n : LB_E_CORRUPT));
    return n;
}

static void stream_free(void *arg)
{
    stream *s = arg;
    lb_reader_close(s->r);
    lb_store_unpin(s->store, s->o);
    lb_object_free(s->o);
    free(s);
}

/* The stored checksum, when asked for and the whole object is sent. */
static void checksum_headers(s3_req *q, const lb_object *o, bool partial, lb_http_resp *r)
{
    const char *mode = s3_header(q, "x-amz-checksum-mode");
    if (!mode || strcasecmp(mode, "ENABLED") != 0 || partial || !o->ck_value)
        return;
    s3_reply_checksum(q, r, o->ck_alg, o->ck_value);
    lb_http_resp_header(r, "x-amz-checksum-type", o->ck_composite ? "COMPOSITE" : "FULL_OBJECT");
}

void s3_object_get(s3_req *q, bool head)
{
    if (s3_bucket_access(q, NULL, "s3:GetObject"))
        return;
    /* An overwrite or delete may commit between our metadata read and the
     * open of the data it names: then the file is gone (-ENOENT) and the
     * object is read again, as the newer state. */
    int attempts = 0;
retry:;
    lb_object *o = NULL;
    int rc = lb_store_object_get(q->s3->store, q->bucket, q->key, &o);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    if ((rc = conditions(q, o)) != 0) {
        if (rc == LB_E_NOT_MODIFIED) {
            lb_http_resp *r;
            s3_respond_empty(q, 304, &r);
            char etag[64], date[32];
            s3_quote_etag(o->etag, etag);
            lb_http_resp_header(r, "ETag", etag);
            lb_time_http(o->mtime_ms / 1000, date);
            lb_http_resp_header(r, "Last-Modified", date);
            lb_http_respond(q->http, r);
        } else {
            s3_error(q, rc);
        }
        lb_object_free(o);
        return;
    }
    uint64_t start = 0, len = o->size;
    bool partial = false;
    const char *pn = s3_query(q, "partNumber");
    const char *range = s3_header(q, "range");
    if (pn) {
        uint64_t n;
        if (lb_parse_u64(pn, &n) || n < 1 || n > 10000 || range) {
            lb_object_free(o);
            s3_error(q, LB_E_INVALID_ARGUMENT);
            return;
        }
        if (n > o->nparts) {
            lb_object_free(o);
            s3_error(q, LB_E_INVALID_PART_NUMBER);
            return;
        }
        for (size_t i = 0; i + 1 < n; i++)
            start += o->parts[i].size;
        len = o->parts[n - 1].size;
        partial = o->nparts > 1;
    } else if (range) {
        rc = lb_range_parse(range, o->size, &start, &len);
        if (rc < 0) {
            char extra[64];
            snprintf(extra, sizeof extra, "<ActualObjectSize>%llu</ActualObjectSize>",
                     (unsigned long long)o->size);
            s3_error_msg(q, rc, NULL, extra);
            lb_object_free(o);
            return;
        }
        partial = rc == 0;
        if (!partial)
            start = 0, len = o->size;
        rc = 0; /* 1 was a Range to ignore, not an error */
    }

    lb_http_resp *r = NULL;
    if (head) {
        r = lb_http_resp_buf(partial ? 206 : 200, NULL, 0);
        lb_http_resp_head_length(r, len);
    } else if (len == 0) {
        r = lb_http_resp_buf(200, NULL, 0);
    } else if (o->nparts == 1 && o->size <= LB_SMALL_READ) {
        /* Small objects: one read, verified in memory, sent from the buffer
         * (cheaper than open + table read + verify + sendfile). */
        char *data;
        if ((rc = lb_store_read_small(q->s3->store, o, &data)) == 0) {
            if (start)
                memmove(data, data + start, (size_t)len);
            r = lb_http_resp_buf(partial ? 206 : 200, data, (size_t)len);
        }
    } else if (o->nparts == 1 && len <= VERIFY_THEN_SENDFILE) {
        lb_reader *rd = NULL; /* stays NULL when the open fails */
        if ((rc = lb_reader_open(q->s3->store, o, 0, &rd)) == 0 &&
            (rc = lb_reader_verify(rd, start, len)) == 0) {
            r = lb_http_resp_fd(partial ? 206 : 200, lb_reader_take_fd(rd), start, len);
        }
        lb_reader_close(rd);
    } else {
        stream *s = lb_xcalloc(1, sizeof *s);
        s->store = q->s3->store;
        s->o = o;
        s->start = start;
        snprintf(s->id, sizeof s->id, "%s", q->id);
        /* Parts are opened as the stream reaches them: pin them so an
         * overwrite meanwhile cannot unlink them under the reader. */
        lb_store_pin(s->store, o);
        if ((rc = lb_store_pin_check(s->store, o)) == -ENOENT && ++attempts < 3) {
            stream_free(s);
            goto retry;
        }
        /* Check the first block now so a damaged object fails with a status,
         * not a cut connection. */
        char probe[1];
        if (rc || stream_read(s, 0, probe, 1) != 1) {
            stream_free(s);
            s3_error(q, LB_E_CORRUPT);
            return;
        }
        o = lb_xcalloc(1, sizeof *o); /* the stream owns the real one */
        r = lb_http_resp_stream(partial ? 206 : 200, len, stream_read, stream_free, s);
        /* Headers below need the object: read them from the stream's copy. */
        s3_object_headers(q, s->o, r);
        checksum_headers(q, s->o, partial, r);
        if (partial) {
            char cr[96];
            snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                     (unsigned long long)(start + len - 1), (unsigned long long)s->o->size);
            lb_http_resp_header(r, "Content-Range", cr);
        }
        lb_object_free(o);
        lb_http_respond(q->http, s3_resp(q, r));
        return;
    }
    if (rc == -ENOENT && ++attempts < 3) {
        lb_object_free(o);
        goto retry;
    }
    if (rc) {
        lb_object_free(o);
        s3_error(q, rc);
        return;
    }
    s3_object_headers(q, o, r);
    if (partial) {
        char cr[96];
        snprintf(cr, sizeof cr, "bytes %llu-%llu/%llu", (unsigned long long)start,
                 (unsigned long long)(start + len - 1), (unsigned long long)o->size);
        lb_http_resp_header(r, "Content-Range", cr);
    }
    checksum_headers(q, o, partial, r);
    lb_object_free(o);
    lb_http_respond(q->http, s3_resp(q, r));
}

/* ListObjects (v1), ListObjectsV2 and ListMultipartUploads over the
 * grouping logic of listing.c and the store's ordered keys. */
#include "s3/internal.h"
#include "s3/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_text(lb_buf *b, const char *name, const char *text, bool url)
{
    if (!url) {
        s3_xml_elem(b, name, text);
        return;
    }
    lb_buf enc = {0};
    lb_uri_encode(&enc, text, strlen(text), false);
    s3_xml_elem(b, name, enc.data ? enc.data : "");
    lb_buf_free(&enc);
}

static int max_keys_param(s3_req *q, size_t *out)
{
    const char *mk = s3_query(q, "max-keys");
    uint64_t v = 1000;
    if (mk && lb_parse_u64(mk, &v))
        return LB_E_INVALID_ARGUMENT;
    *out = v > 1000 ? 1000 : (size_t)v;
    return 0;
}

static int run_list(s3_req *q, bool uploads, const lb_list_params *p, lb_list_result *res)
{
    lb_store_lister *l;
    int rc = lb_store_lister_open(q->s3->store, q->bucket, uploads, &l);
    if (rc)
        return rc;
    lb_list_source src = {.arg = l, .seek = lb_store_lister_seek, .next = lb_store_lister_next};
    rc = lb_list_run(&src, p, res);
    lb_store_lister_close(l);
    return rc;
}

void s3_list_objects(s3_req *q, int version)
{
    lb_bucket bucket;
    if (s3_bucket_access(q, &bucket, "s3:ListBucket"))
        return;
    const char *enc = s3_query(q, "encoding-type");
    if (enc && strcmp(enc, "url") != 0) {
        s3_error_msg(q, LB_E_INVALID_ARGUMENT, "Invalid Encoding Method specified in Request",
                     NULL);
        return;
    }
    bool url = enc != NULL;
    lb_list_params p = {.prefix = s3_query(q, "prefix"), .delimiter = s3_query(q, "delimiter")};
    if (max_keys_param(q, &p.max_keys)) {
        s3_error_msg(q, LB_E_INVALID_ARGUMENT, "Provided max-keys not an integer or within "
                     "integer range", NULL);
        return;
    }
    const char *token = s3_query(q, "continuation-token");
    char *decoded_token = NULL;
    if (version == 2) {
        p.start_after = s3_query(q, "start-after");
        if (token) {
            size_t tl = strlen(token);
            decoded_token = lb_xmalloc(tl + 4);
            ssize_t n = lb_base64_decode(token, tl, (uint8_t *)decoded_token, tl);
            if (n <= 0 || memchr(decoded_token, 0, (size_t)n)) {
                free(decoded_token);
                s3_error_msg(q, LB_E_INVALID_ARGUMENT,
                             "The continuation token provided is incorrect", NULL);
                return;
            }
            decoded_token[n] = 0;
            if (!p.start_after || strcmp(decoded_token, p.start_after) > 0)
                p.start_after = decoded_token;
        }
    } else {
        p.start_after = s3_query(q, "marker");
    }
    lb_list_result res = {0};
    int rc = run_list(q, false, &p, &res);
    if (rc) {
        free(decoded_token);
        s3_error(q, rc);
        return;
    }
    bool owner = version == 1 || (s3_query(q, "fetch-owner") &&
                                  strcmp(s3_query(q, "fetch-owner"), "true") == 0);
    lb_buf b = {0};
    s3_xml_begin(&b, "ListBucketResult");
    s3_xml_elem(&b, "Name", q->bucket);
    put_text(&b, "Prefix", p.prefix ? p.prefix : "", url);
    if (version == 1) {
        put_text(&b, "Marker", p.start_after ? p.start_after : "", url);
    } else {
        if (token)
            s3_xml_elem(&b, "ContinuationToken", token);
        if (s3_query(q, "start-after"))
            put_text(&b, "StartAfter", s3_query(q, "start-after"), url);
        s3_xml_elem_u64(&b, "KeyCount", res.nentries + res.nprefixes);
    }
    s3_xml_elem_u64(&b, "MaxKeys", p.max_keys);
    if (p.delimiter)
        put_text(&b, "Delimiter", p.delimiter, url);
    if (url)
        s3_xml_elem(&b, "EncodingType", "url");
    s3_xml_elem(&b, "IsTruncated", res.truncated ? "true" : "false");
    if (res.truncated && res.next_marker) {
        if (version == 1) {
            put_text(&b, "NextMarker", res.next_marker, url);
        } else {
            size_t nl = strlen(res.next_marker);
            char *t = lb_xmalloc(4 * (nl + 2) / 3 + 8);
            lb_base64_encode((const uint8_t *)res.next_marker, nl, t);
            s3_xml_elem(&b, "NextContinuationToken", t);
            free(t);
        }
    }
    for (size_t i = 0; i < res.nentries; i++) {
        lb_object *o;
        if (lb_store_object_decode(res.entries[i].val, res.entries[i].vlen, &o))
            continue;
        char ts[32], etag[64];
        lb_time_iso8601(o->mtime_ms, ts);
        s3_quote_etag(o->etag, etag);
        lb_buf_puts(&b, "<Contents>");
        put_text(&b, "Key", res.entries[i].key, url);
        s3_xml_elem(&b, "LastModified", ts);
        s3_xml_elem(&b, "ETag", etag);
        s3_xml_elem_u64(&b, "Size", o->size);
        if (o->ck_alg != LB_CK_NONE)
            s3_xml_elem(&b, "ChecksumAlgorithm", lb_cksum_upper(o->ck_alg));
        const char *sc = lb_object_header(o, "x-amz-storage-class");
        s3_xml_elem(&b, "StorageClass", sc ? sc : "STANDARD");
        if (owner)
            s3_xml_owner(&b, "Owner", o->owner);
        lb_buf_puts(&b, "</Contents>");
        lb_object_free(o);
    }
    for (size_t i = 0; i < res.nprefixes; i++) {
        lb_buf_puts(&b, "<CommonPrefixes>");
        put_text(&b, "Prefix", res.prefixes[i], url);
        lb_buf_puts(&b, "</CommonPrefixes>");
    }
    lb_buf_puts(&b, "</ListBucketResult>");
    lb_list_result_free(&res);
    free(decoded_token);
    s3_respond_xml(q, 200, &b);
}

/* Uploads are listed by key, several per key in upload id order.  With
 * key-marker and upload-id-marker, the uploads of key-marker itself whose
 * ids sort after upload-id-marker come first: this source hides the others
 * (and every key before key-marker) from the listing run. */
typedef struct upload_src {
    lb_store_lister *l;
    const char *key_marker, *id_marker;
} upload_src;

static int upload_src_seek(void *arg, const char *key, size_t len)
{
    upload_src *u = arg;
    size_t ml = strlen(u->key_marker);
    int c = memcmp(key, u->key_marker, len < ml ? len : ml);
    if (c < 0 || (c == 0 && len < ml))
        return lb_store_lister_seek(u->l, u->key_marker, ml);
    return lb_store_lister_seek(u->l, key, len);
}

static int upload_src_next(void *arg, const char **key, size_t *klen, const void **val,
                           size_t *vlen)
{
    upload_src *u = arg;
    for (;;) {
        int rc = lb_store_lister_next(u->l, key, klen, val, vlen);
        if (rc)
            return rc;
        int c = strcmp(*key, u->key_marker);
        if (c > 0)
            return 0;
        if (c < 0)
            continue;
        lb_upload *up;
        if ((rc = lb_store_upload_decode(*val, *vlen, &up)) != 0)
            return rc;
        c = strcmp(up->upload_id, u->id_marker);
        lb_upload_free(up);
        if (c > 0)
            return 0;
    }
}

/* Whether key rolls up into a common prefix under p. */
static bool in_group(const lb_list_params *p, const char *key)
{
    size_t pl = p->prefix ? strlen(p->prefix) : 0;
    if (!p->delimiter || !*p->delimiter || strncmp(key, p->prefix ? p->prefix : "", pl) != 0)
        return false;
    return strstr(key + pl, p->delimiter) != NULL;
}

void s3_list_uploads(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:ListBucketMultipartUploads"))
        return;
    lb_list_params p = {.prefix = s3_query(q, "prefix"), .delimiter = s3_query(q, "delimiter"),
                        .start_after = s3_query(q, "key-marker")};
    const char *id_marker = s3_query(q, "upload-id-marker");
    /* upload-id-marker counts only beside a key-marker that is an upload's
     * key, not one rolled up into a common prefix. */
    if (id_marker && (!*id_marker || !p.start_after || in_group(&p, p.start_after)))
        id_marker = NULL;
    const char *mu = s3_query(q, "max-uploads");
    uint64_t v = 1000;
    if (mu && lb_parse_u64(mu, &v)) {
        s3_error(q, LB_E_INVALID_ARGUMENT);
        return;
    }
    p.max_keys = v > 1000 ? 1000 : (size_t)v;
    lb_list_result res = {0};
    int rc;
    if (id_marker) {
        upload_src u = {.key_marker = p.start_after, .id_marker = id_marker};
        if ((rc = lb_store_lister_open(q->s3->store, q->bucket, true, &u.l)) == 0) {
            lb_list_source src = {.arg = &u, .seek = upload_src_seek, .next = upload_src_next};
            lb_list_params pp = p;
            pp.start_after = NULL;
            rc = lb_list_run(&src, &pp, &res);
            lb_store_lister_close(u.l);
        }
    } else {
        rc = run_list(q, true, &p, &res);
    }
    if (rc) {
        s3_error(q, rc);
        return;
    }
    bool url = s3_query(q, "encoding-type") != NULL;
    lb_buf b = {0};
    s3_xml_begin(&b, "ListMultipartUploadsResult");
    s3_xml_elem(&b, "Bucket", q->bucket);
    put_text(&b, "KeyMarker", p.start_after ? p.start_after : "", url);
    s3_xml_elem(&b, "UploadIdMarker", id_marker ? id_marker : "");
    if (res.truncated && res.next_marker) {
        put_text(&b, "NextKeyMarker", res.next_marker, url);
        /* When the page ends on an upload (not a common prefix), its id
         * lets the next page resume among the uploads of the same key. */
        lb_upload *last;
        if (res.nentries && strcmp(res.next_marker, res.entries[res.nentries - 1].key) == 0 &&
            lb_store_upload_decode(res.entries[res.nentries - 1].val,
                                   res.entries[res.nentries - 1].vlen, &last) == 0) {
            s3_xml_elem(&b, "NextUploadIdMarker", last->upload_id);
            lb_upload_free(last);
        }
    }
    put_text(&b, "Prefix", p.prefix ? p.prefix : "", url);
    if (p.delimiter)
        put_text(&b, "Delimiter", p.delimiter, url);
    s3_xml_elem_u64(&b, "MaxUploads", p.max_keys);
    s3_xml_elem(&b, "IsTruncated", res.truncated ? "true" : "false");
    for (size_t i = 0; i < res.nentries; i++) {
        lb_upload *u;
        if (lb_store_upload_decode(res.entries[i].val, res.entries[i].vlen, &u))
            continue;
        char ts[32];
        lb_time_iso8601(u->initiated_ms, ts);
        lb_buf_puts(&b, "<Upload>");
        put_text(&b, "Key", u->key, url);
        s3_xml_elem(&b, "UploadId", u->upload_id);
        s3_xml_owner(&b, "Initiator", u->owner);
        s3_xml_owner(&b, "Owner", u->owner);
        s3_xml_elem(&b, "StorageClass", "STANDARD");
        s3_xml_elem(&b, "Initiated", ts);
        lb_buf_puts(&b, "</Upload>");
        lb_upload_free(u);
    }
    for (size_t i = 0; i < res.nprefixes; i++) {
        lb_buf_puts(&b, "<CommonPrefixes>");
        put_text(&b, "Prefix", res.prefixes[i], url);
        lb_buf_puts(&b, "</CommonPrefixes>");
    }
    lb_buf_puts(&b, "</ListMultipartUploadsResult>");
    lb_list_result_free(&res);
    s3_respond_xml(q, 200, &b);
}

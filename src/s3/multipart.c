/* Multipart uploads: create, upload part (and part copy), complete, abort,
 * list parts.
 *
 * Checksums, as S3 has them: an upload may name one algorithm and a type.
 *   COMPOSITE    the checksum of the parts' checksums, "-N" appended; CRC32,
 *                CRC32C, SHA1, SHA256 (the default type for all of these).
 *   FULL_OBJECT  the CRC of the whole object; CRC32, CRC32C, CRC64NVME (the
 *                only type, and so the default, for CRC64NVME).  Computed at
 *                completion from the parts' CRCs and sizes (lb_crc*_combine),
 *                so every part must carry a CRC of the upload's algorithm.
 * Every part is uploaded with the upload's algorithm or none. */
#include "s3/internal.h"
#include "s3/range.h"
#include "s3/xml_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>



static bool ck_is_crc(lb_cksum_alg alg)
{
    return alg == LB_CK_CRC32 || alg == LB_CK_CRC32C || alg == LB_CK_CRC64NVME;
}

/* A stored CRC (base64 of the big-endian bytes) as a number; -1 when b64 is
 * NULL or does not hold a CRC of alg's width. */
static int crc_decode(lb_cksum_alg alg, const char *b64, uint64_t *out)
{
    uint8_t raw[16];
    size_t len = lb_cksum_len(alg);
    if (!b64 || lb_base64_decode(b64, strlen(b64), raw, sizeof raw) != (ssize_t)len)
        return -1;
    uint64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v << 8 | raw[i];
    *out = v;
    return 0;
}

static void crc_encode(lb_cksum_alg alg, uint64_t v, char out[16])
{
    uint8_t raw[8];
    size_t len = lb_cksum_len(alg);
    for (size_t i = 0; i < len; i++)
        raw[i] = (uint8_t)(v >> (8 * (len - 1 - i)));
    lb_base64_encode(raw, len, out);
}

static uint64_t crc_combine(lb_cksum_alg alg, uint64_t crc_a, uint64_t crc_b, uint64_t len_b)
{
    switch (alg) {
    case LB_CK_CRC32: return lb_crc32_combine((uint32_t)crc_a, (uint32_t)crc_b, len_b);
    case LB_CK_CRC32C: return lb_crc32c_combine((uint32_t)crc_a, (uint32_t)crc_b, len_b);
    default: return lb_crc64nvme_combine(crc_a, crc_b, len_b);
    }
}

static int part_number(s3_req *q, int *out)
{
    uint64_t n;
    const char *pn = s3_query(q, "partNumber");
    if (!pn || lb_parse_u64(pn, &n) || n < 1 || n > 10000)
        return LB_E_INVALID_ARGUMENT;
    *out = (int)n;
    return 0;
}

void s3_mpu_create(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    lb_upload u = {0};
    u.key = q->key;
    snprintf(u.owner, sizeof u.owner, "%s", q->user);
    u.initiated_ms = lb_now_ns() / 1000000;
    int rc = s3_collect_headers(q, &u.headers, &u.nheaders);
    if (rc == 0)
        rc = s3_tagging_header(q, &u.tags);
    const char *alg = s3_header(q, "x-amz-checksum-algorithm");
    if (rc == 0 && alg) {
        u.ck_alg = lb_cksum_from_name(alg);
        if (u.ck_alg == LB_CK_NONE)
            rc = LB_E_INVALID_ARGUMENT;
    }
    const char *type = s3_header(q, "x-amz-checksum-type");
    char msg[128] = "";
    if (rc == 0 && type) {
        if (strcmp(type, "FULL_OBJECT") == 0)
            u.ck_full_object = true;
        else if (strcmp(type, "COMPOSITE") != 0)
            rc = LB_E_INVALID_ARGUMENT;
    } else if (rc == 0) {
        u.ck_full_object = u.ck_alg == LB_CK_CRC64NVME;
    }
    if (rc == 0 && u.ck_alg != LB_CK_NONE &&
        (u.ck_full_object ? !ck_is_crc(u.ck_alg) : u.ck_alg == LB_CK_CRC64NVME)) {
        rc = LB_E_INVALID_REQUEST;
        snprintf(msg, sizeof msg,
                 "The %s checksum type cannot be used with the %s checksum algorithm.",
                 u.ck_full_object ? "FULL_OBJECT" : "COMPOSITE", lb_cksum_name(u.ck_alg));
    }
    if (rc == 0)
        rc = lb_store_upload_create(q->s3->store, q->bucket, &u);
    if (rc) {
        s3_error_msg(q, rc, msg[0] ? msg : NULL, NULL);
    } else {
        lb_buf b = {0};
        s3_xml_begin(&b, "InitiateMultipartUploadResult");
        s3_xml_elem(&b, "Bucket", q->bucket);
        s3_xml_elem(&b, "Key", q->key);
        s3_xml_elem(&b, "UploadId", u.upload_id);
        lb_buf_puts(&b, "</InitiateMultipartUploadResult>");
        size_t len = b.len;
        lb_http_resp *r = lb_http_resp_buf(200, lb_buf_steal(&b), len);
        lb_http_resp_header(r, "Content-Type", "application/xml");
        if (u.ck_alg != LB_CK_NONE) {
            lb_http_resp_header(r, "x-amz-checksum-algorithm", lb_cksum_upper(u.ck_alg));
            lb_http_resp_header(r, "x-amz-checksum-type",
                                u.ck_full_object ? "FULL_OBJECT" : "COMPOSITE");
        }
        lb_http_respond(q->http, s3_resp(q, r));
    }
    s3_hdrs_free(u.headers, u.nheaders);
    free(u.tags);
}

typedef struct part_op {
    int number;
    lb_cksum_alg upload_alg; /* the upload's algorithm */
} part_op;

static void part_free(s3_req *q)
{
    free(q->op);
    q->op = NULL;
}

static void part_end(s3_req *q)
{
    part_op *p = q->op;
    uint8_t md5[16];
    char ck[64];
    int rc = s3_body_finish(q, md5, ck);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    if (p->upload_alg != LB_CK_NONE && q->ck_alg != LB_CK_NONE && q->ck_alg != p->upload_alg) {
        /* the parts' checksums are combined at completion: one algorithm */
        char msg[128];
        snprintf(msg, sizeof msg,
                 "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum "
                 "Type: %s",
                 lb_cksum_name(p->upload_alg), lb_cksum_name(q->ck_alg));
        s3_error_msg(q, LB_E_INVALID_REQUEST, msg, NULL);
        return;
    }
    lb_part part = {.number = p->number};
    lb_hex_encode(md5, 16, part.etag);
    part.checksum = ck[0] ? ck : NULL;
    lb_writer *w = q->w;
    q->w = NULL;
    rc = lb_store_upload_put_part(q->s3->store, q->bucket, q->key, s3_query(q, "uploadId"),
                                  &part, w);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    s3_respond_stored(q, part.etag, q->ck_alg, ck);
}

void s3_mpu_upload_part(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    part_op *p = lb_xcalloc(1, sizeof *p);
    q->op = p;
    q->op_free = part_free;
    lb_upload *u = NULL;
    int rc = part_number(q, &p->number);
    if (rc == 0)
        rc = lb_store_upload_get(q->s3->store, q->bucket, q->key, s3_query(q, "uploadId"), &u);
    if (rc == 0)
        p->upload_alg = u->ck_alg;
    lb_upload_free(u);
    if (rc) {
        s3_error(q, rc);
        return;
    }
    if (s3_body_begin(q, BODY_WRITER, LB_MAX_PUT_SIZE))
        return;
    q->end = part_end;
}

void s3_mpu_copy_part(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    char *sb = NULL, *sk = NULL;
    lb_object *src = NULL;
    lb_upload *u = NULL;
    int number = 0;
    int rc = part_number(q, &number);
    if (rc == 0)
        rc = lb_store_upload_get(q->s3->store, q->bucket, q->key, s3_query(q, "uploadId"), &u);
    if (rc == 0)
        rc = s3_copy_source(q, &sb, &sk);
    lb_bucket b;
    if (rc == 0 && (rc = lb_store_bucket_get(q->s3->store, sb, &b)) == 0)
        rc = s3_authorize(q, &b, "s3:GetObject", sk);
    if (rc == 0)
        rc = lb_store_object_get(q->s3->store, sb, sk, &src);
    if (rc == 0)
        rc = s3_copy_conditions(q, src);
    uint64_t off = 0, len = src ? src->size : 0;
    const char *range = s3_header(q, "x-amz-copy-source-range");
    if (rc == 0 && range)
        rc = lb_range_parse_copy(range, src->size, &off, &len);
    if (rc == 0 && len > LB_MAX_PUT_SIZE)
        rc = LB_E_ENTITY_TOO_LARGE;
    lb_writer *w = NULL;
    uint8_t md5[16];
    char ck[64];
    if (rc == 0)
        rc = s3_copy_data(q, src, off, len, u->ck_alg, &w, md5, ck);
    lb_part part = {.number = number};
    if (rc == 0) {
        lb_hex_encode(md5, 16, part.etag);
        part.checksum = ck[0] ? ck : NULL;
        rc = lb_store_upload_put_part(q->s3->store, q->bucket, q->key, s3_query(q, "uploadId"),
                                      &part, w);
    }
    if (rc) {
        s3_error(q, rc);
    } else {
        char ts[32], etag[64];
        lb_time_iso8601(lb_now_ns() / 1000000, ts);
        s3_quote_etag(part.etag, etag);
        lb_buf x = {0};
        s3_xml_begin(&x, "CopyPartResult");
        s3_xml_elem(&x, "LastModified", ts);
        s3_xml_elem(&x, "ETag", etag);
        if (part.checksum) {
            s3_xml_elem(&x, lb_cksum_element(u->ck_alg), part.checksum);
        }
        lb_buf_puts(&x, "</CopyPartResult>");
        s3_respond_xml(q, 200, &x);
    }
    lb_upload_free(u);
    lb_object_free(src);
    free(sb);
    free(sk);
}

static int find_part(const lb_part *parts, size_t n, int number)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (parts[mid].number == number)
            return (int)mid;
        if (parts[mid].number < number)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* On CompleteMultipartUpload, x-amz-checksum-<alg> is the checksum of the
 * whole object, not of the XML body: s3_mpu_complete takes it out of the body
 * pipeline and keeps it here. */
typedef struct complete_op {
    lb_cksum_alg alg;
    char *expect;
} complete_op;

static void complete_free(s3_req *q)
{
    complete_op *c = q->op;
    free(c->expect);
    free(c);
    q->op = NULL;
}

/* Checks the client's checksum of the whole object against ckv, what the
 * completion computed ("" when nothing could be). */
static int complete_check(const lb_upload *u, const complete_op *c, const char *ckv, char *msg,
                          size_t msgcap)
{
    if (c->alg != u->ck_alg) {
        snprintf(msg, msgcap,
                 "The upload was created with checksum algorithm '%s'; x-amz-checksum-%s "
                 "cannot be checked against it.",
                 u->ck_alg != LB_CK_NONE ? lb_cksum_name(u->ck_alg) : "none",
                 lb_cksum_name(c->alg));
        return LB_E_INVALID_REQUEST;
    }
    if (!ckv[0]) {
        snprintf(msg, msgcap,
                 "Not every part has a %s checksum, so x-amz-checksum-%s cannot be checked.",
                 lb_cksum_name(c->alg), lb_cksum_name(c->alg));
        return LB_E_INVALID_REQUEST;
    }
    uint8_t raw[64];
    if (lb_base64_decode(c->expect, strlen(c->expect), raw, sizeof raw) !=
        (ssize_t)lb_cksum_len(c->alg))
        return LB_E_INVALID_REQUEST;
    if (strcmp(c->expect, ckv) == 0)
        return 0;
    /* a COMPOSITE value may be given without its "-N" */
    const char *dash = strchr(ckv, '-');
    if (dash && strlen(c->expect) == (size_t)(dash - ckv) &&
        strncmp(c->expect, ckv, (size_t)(dash - ckv)) == 0)
        return 0;
    return LB_E_BAD_CHECKSUM;
}

static void complete_end(s3_req *q)
{
    uint8_t md5[16];
    char ck[64];
    lb_complete_part *want = NULL;
    size_t nwant = 0;
    lb_part *have = NULL;
    size_t nhave = 0;
    lb_upload *u = NULL;
    lb_object o = {0};
    char msg[160] = "";
    const char *upload_id = s3_query(q, "uploadId");
    int rc = s3_body_finish(q, md5, ck);
    if (rc == 0)
        rc = lb_store_upload_get(q->s3->store, q->bucket, q->key, upload_id, &u);
    if (rc == 0)
        rc = lb_xml_parse_complete(q->buf.data, q->buf.len, &want, &nwant);
    bool truncated;
    if (rc == 0)
        rc = lb_store_upload_parts(q->s3->store, upload_id, 0, 0, &have, &nhave, &truncated);
    if (rc)
        goto out;
    const char *type = s3_header(q, "x-amz-checksum-type");
    const char *utype = u->ck_full_object ? "FULL_OBJECT" : "COMPOSITE";
    if (type && u->ck_alg != LB_CK_NONE && strcmp(type, utype) != 0) {
        rc = LB_E_INVALID_REQUEST;
        snprintf(msg, sizeof msg,
                 "The upload was created using the %s checksum type. The complete request must "
                 "use the same checksum type.",
                 utype);
        goto out;
    }
    o.parts = lb_xcalloc(nwant, sizeof *o.parts);
    lb_digest etag_md5;
    lb_md5_init(&etag_md5);
    /* full: the CRC of the whole object from the parts' CRCs;
     * all_ck: COMPOSITE, while every part has its checksum */
    bool full = u->ck_full_object && ck_is_crc(u->ck_alg);
    uint64_t whole = 0;
    lb_cksum comp;
    bool all_ck = u->ck_alg != LB_CK_NONE && !u->ck_full_object;
    if (all_ck)
        lb_cksum_init(&comp, u->ck_alg);
    for (size_t i = 0; i < nwant && rc == 0; i++) {
        int at = find_part(have, nhave, want[i].part_number);
        if (at < 0 || strcmp(have[at].etag, want[i].etag) != 0) {
            rc = LB_E_INVALID_PART;
            break;
        }
        const lb_part *p = &have[at];
        if (i + 1 < nwant && p->size < LB_MIN_PART_SIZE) {
            rc = LB_E_ENTITY_TOO_SMALL;
            break;
        }
        const char *given = u->ck_alg != LB_CK_NONE ? want[i].checksum[u->ck_alg] : NULL;
        if (given && p->checksum && strcmp(given, p->checksum) != 0) {
            rc = LB_E_INVALID_PART;
            break;
        }
        uint8_t raw[16];
        lb_hex_decode(p->etag, 32, raw, 16);
        lb_digest_update(&etag_md5, raw, 16);
        if (full) {
            uint64_t c;
            if (crc_decode(u->ck_alg, p->checksum, &c)) {
                rc = LB_E_INVALID_REQUEST;
                snprintf(msg, sizeof msg,
                         "The upload was created using a FULL_OBJECT %s checksum. Part %d was "
                         "uploaded without a %s checksum.",
                         lb_cksum_name(u->ck_alg), p->number, lb_cksum_name(u->ck_alg));
                break;
            }
            whole = crc_combine(u->ck_alg, whole, c, p->size);
        } else if (all_ck) {
            uint8_t c[64];
            ssize_t cl = p->checksum ? lb_base64_decode(p->checksum, strlen(p->checksum), c,
                                                        sizeof c)
                                     : -1;
            if (cl != (ssize_t)lb_cksum_len(u->ck_alg))
                all_ck = false;
            else
                lb_cksum_update(&comp, c, (size_t)cl);
        }
        o.parts[i].file = p->file;
        o.parts[i].size = p->size;
        snprintf(o.parts[i].etag, sizeof o.parts[i].etag, "%s", p->etag);
        o.parts[i].checksum = p->checksum;
        o.nparts++;
        o.size += p->size;
    }
    uint8_t digest[16];
    lb_digest_final(&etag_md5, digest);
    char ckv[80] = "";
    if (u->ck_alg != LB_CK_NONE && !u->ck_full_object) {
        uint8_t c[64];
        lb_cksum_final(&comp, c);
        if (all_ck) {
            lb_base64_encode(c, lb_cksum_len(u->ck_alg), ckv);
            snprintf(ckv + strlen(ckv), sizeof ckv - strlen(ckv), "-%zu", nwant);
        }
    }
    if (rc)
        goto out;
    if (full)
        crc_encode(u->ck_alg, whole, ckv);
    complete_op *given = q->op;
    if (given && (rc = complete_check(u, given, ckv, msg, sizeof msg)) != 0)
        goto out;
    lb_hex_encode(digest, 16, o.etag);
    snprintf(o.etag + 32, sizeof o.etag - 32, "-%zu", nwant);
    o.mtime_ms = lb_now_ns() / 1000000;
    snprintf(o.owner, sizeof o.owner, "%s", u->owner);
    o.headers = u->headers;
    o.nheaders = u->nheaders;
    o.tags = u->tags;
    if (ckv[0]) {
        o.ck_alg = u->ck_alg;
        o.ck_value = ckv;
        o.ck_composite = !full;
    }
    lb_put_cond cond;
    char cond_etag[64];
    if ((rc = s3_write_conditions(q, &cond, cond_etag)) != 0)
        goto out;
    rc = lb_store_upload_complete(q->s3->store, q->bucket, q->key, upload_id, &o, &cond);
    if (rc)
        goto out;
    char etag[64];
    s3_quote_etag(o.etag, etag);
    lb_buf x = {0};
    s3_xml_begin(&x, "CompleteMultipartUploadResult");
    lb_buf loc = {0};
    lb_buf_printf(&loc, "/%s/", q->bucket);
    lb_uri_encode(&loc, q->key, strlen(q->key), false);
    s3_xml_elem(&x, "Location", loc.data);
    lb_buf_free(&loc);
    s3_xml_elem(&x, "Bucket", q->bucket);
    s3_xml_elem(&x, "Key", q->key);
    s3_xml_elem(&x, "ETag", etag);
    if (ckv[0]) {
        s3_xml_elem(&x, lb_cksum_element(u->ck_alg), ckv);
        s3_xml_elem(&x, "ChecksumType", full ? "FULL_OBJECT" : "COMPOSITE");
    }
    lb_buf_puts(&x, "</CompleteMultipartUploadResult>");
    s3_respond_xml(q, 200, &x);
out:
    if (rc)
        s3_error_msg(q, rc, msg[0] ? msg : NULL, NULL);
    free(o.parts);
    lb_complete_parts_free(want, nwant);
    lb_parts_free(have, nhave);
    lb_upload_free(u);
}

void s3_mpu_complete(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:PutObject"))
        return;
    if (s3_body_begin(q, BODY_BUFFER, LB_MAX_XML_BODY))
        return;
    if (q->ck_expect) {
        complete_op *c = lb_xcalloc(1, sizeof *c);
        c->alg = q->ck_alg;
        c->expect = q->ck_expect;
        q->ck_expect = NULL;
        lb_cksum_free(&q->ck);
        q->ck_alg = LB_CK_NONE;
        q->op = c;
        q->op_free = complete_free;
    }
    q->end = complete_end;
}

void s3_mpu_abort(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:AbortMultipartUpload"))
        return;
    int rc = lb_store_upload_abort(q->s3->store, q->bucket, q->key, s3_query(q, "uploadId"));
    s3_respond_rc(q, rc, 204);
}

void s3_mpu_list_parts(s3_req *q)
{
    if (s3_bucket_access(q, NULL, "s3:ListMultipartUploadParts"))
        return;
    const char *upload_id = s3_query(q, "uploadId");
    lb_upload *u = NULL;
    int rc = lb_store_upload_get(q->s3->store, q->bucket, q->key, upload_id, &u);
    uint64_t marker = 0, max = 1000;
    const char *m = s3_query(q, "part-number-marker"), *mp = s3_query(q, "max-parts");
    if (rc == 0 && ((m && lb_parse_u64(m, &marker)) || (mp && lb_parse_u64(mp, &max)) ||
                    marker > 10000))
        rc = LB_E_INVALID_ARGUMENT;
    if (max > 1000)
        max = 1000;
    lb_part *parts = NULL;
    size_t n = 0;
    bool truncated = false;
    if (rc == 0 && max)
        rc = lb_store_upload_parts(q->s3->store, upload_id, (int)marker, (size_t)max, &parts, &n,
                                   &truncated);
    if (rc) {
        lb_upload_free(u);
        s3_error(q, rc);
        return;
    }
    lb_buf b = {0};
    s3_xml_begin(&b, "ListPartsResult");
    s3_xml_elem(&b, "Bucket", q->bucket);
    s3_xml_elem(&b, "Key", q->key);
    s3_xml_elem(&b, "UploadId", upload_id);
    s3_xml_owner(&b, "Initiator", u->owner);
    s3_xml_owner(&b, "Owner", u->owner);
    s3_xml_elem(&b, "StorageClass", "STANDARD");
    s3_xml_elem_u64(&b, "PartNumberMarker", marker);
    if (n)
        s3_xml_elem_u64(&b, "NextPartNumberMarker", (uint64_t)parts[n - 1].number);
    s3_xml_elem_u64(&b, "MaxParts", max);
    s3_xml_elem(&b, "IsTruncated", truncated ? "true" : "false");
    for (size_t i = 0; i < n; i++) {
        char ts[32], etag[64];
        lb_time_iso8601(parts[i].mtime_ms, ts);
        s3_quote_etag(parts[i].etag, etag);
        lb_buf_puts(&b, "<Part>");
        s3_xml_elem_u64(&b, "PartNumber", (uint64_t)parts[i].number);
        s3_xml_elem(&b, "LastModified", ts);
        s3_xml_elem(&b, "ETag", etag);
        s3_xml_elem_u64(&b, "Size", parts[i].size);
        if (parts[i].checksum && u->ck_alg != LB_CK_NONE) {
            s3_xml_elem(&b, lb_cksum_element(u->ck_alg), parts[i].checksum);
        }
        lb_buf_puts(&b, "</Part>");
    }
    if (u->ck_alg != LB_CK_NONE) {
        s3_xml_elem(&b, "ChecksumAlgorithm", lb_cksum_upper(u->ck_alg));
        s3_xml_elem(&b, "ChecksumType", u->ck_full_object ? "FULL_OBJECT" : "COMPOSITE");
    }
    lb_buf_puts(&b, "</ListPartsResult>");
    lb_parts_free(parts, n);
    lb_upload_free(u);
    s3_respond_xml(q, 200, &b);
}

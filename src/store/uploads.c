/* Multipart uploads.  "uploads": bucket\0key\0upload_id -> upload record
 * (version byte, full key, ...).  "parts": upload_id\0 be32(number) -> part
 * record, whose first field is its data file (recovery reads only that). */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

static void upload_encode(const lb_upload *u, lb_enc *e)
{
    lb_enc_u8(e, 1);
    lb_enc_str(e, u->key);
    lb_enc_str(e, u->upload_id);
    lb_enc_str(e, u->owner);
    lb_enc_u64(e, (uint64_t)u->initiated_ms);
    lb_enc_u32(e, (uint32_t)u->nheaders);
    for (size_t i = 0; i < u->nheaders; i++) {
        lb_enc_str(e, u->headers[i].name);
        lb_enc_str(e, u->headers[i].value);
    }
    lb_enc_str(e, u->tags);
    lb_enc_u8(e, (uint8_t)u->ck_alg);
    lb_enc_u8(e, u->ck_full_object);
}

int lb_store_upload_decode(const void *val, size_t vlen, lb_upload **out)
{
    lb_dec d = {.p = val, .n = vlen};
    lb_upload *u = lb_xcalloc(1, sizeof *u);
    if (lb_dec_u8(&d) != 1)
        d.err = LB_E_CORRUPT;
    u->key = lb_dec_str(&d);
    lb_dec_strbuf(&d, u->upload_id, sizeof u->upload_id);
    lb_dec_strbuf(&d, u->owner, sizeof u->owner);
    u->initiated_ms = (int64_t)lb_dec_u64(&d);
    uint32_t nh = lb_dec_u32(&d);
    if (!d.err && nh > 1024)
        d.err = LB_E_CORRUPT;
    if (!d.err && nh) {
        u->headers = lb_xcalloc(nh, sizeof *u->headers);
        u->nheaders = nh;
        for (uint32_t i = 0; i < nh; i++) {
            u->headers[i].name = lb_dec_str(&d);
            u->headers[i].value = lb_dec_str(&d);
        }
    }
    u->tags = lb_dec_str(&d);
    u->ck_alg = (lb_cksum_alg)lb_dec_u8(&d);
    u->ck_full_object = lb_dec_u8(&d);
    if (d.err || !u->key || u->ck_alg >= LB_CK__COUNT) {
        lb_upload_free(u);
        return LB_E_CORRUPT;
    }
    *out = u;
    return 0;
}

void lb_upload_free(lb_upload *u)
{
    if (!u)
        return;
    free(u->key);
    for (size_t i = 0; i < u->nheaders; i++) {
        free(u->headers[i].name);
        free(u->headers[i].value);
    }
    free(u->headers);
    free(u->tags);
    free(u);
}

void lb_parts_free(lb_part *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(p[i].file);
        free(p[i].checksum);
    }
    free(p);
}

static void part_key(lb_buf *out, const char *upload_id, int number)
{
    lb_buf_reset(out);
    lb_buf_puts(out, upload_id);
    lb_buf_putc(out, 0);
    uint8_t be[4] = {(uint8_t)(number >> 24), (uint8_t)(number >> 16), (uint8_t)(number >> 8),
                     (uint8_t)number};
    lb_buf_append(out, be, 4);
}

static void part_encode(const lb_part *p, lb_enc *e)
{
    lb_enc_str(e, p->file); /* first: recovery reads it alone */
    lb_enc_u32(e, (uint32_t)p->number);
    lb_enc_u64(e, p->size);
    lb_enc_u64(e, (uint64_t)p->mtime_ms);
    lb_enc_str(e, p->etag);
    lb_enc_str(e, p->checksum);
}

static int part_decode(const MDB_val *v, lb_part *p)
{
    lb_dec d = {.p = v->mv_data, .n = v->mv_size};
    memset(p, 0, sizeof *p);
    p->file = lb_dec_str(&d);
    p->number = (int)lb_dec_u32(&d);
    p->size = lb_dec_u64(&d);
    p->mtime_ms = (int64_t)lb_dec_u64(&d);
    lb_dec_strbuf(&d, p->etag, sizeof p->etag);
    p->checksum = lb_dec_str(&d);
    if (d.err || !p->file) {
        free(p->file);
        free(p->checksum);
        return LB_E_CORRUPT;
    }
    return 0;
}

typedef struct up_args {
    const char *bucket, *key, *upload_id;
    const lb_upload *u;
    const lb_part *part;
    const lb_object *o;
    const lb_put_cond *cond;
    char **old;
    size_t nold;
} up_args;

static int create_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    up_args *a = arg;
    MDB_val bk = {strlen(a->bucket), (void *)a->bucket}, v;
    if (mdb_get(txn, s->dbi_buckets, &bk, &v))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf k = {0};
    lb_uploadkey(&k, a->bucket, a->u->key, a->u->upload_id);
    lb_enc e = {0};
    upload_encode(a->u, &e);
    MDB_val kv = {k.len, k.data};
    v.mv_data = e.b.data;
    v.mv_size = e.b.len;
    int rc = mdb_put(txn, s->dbi_uploads, &kv, &v, MDB_NOOVERWRITE) ? LB_E_INTERNAL : 0;
    lb_buf_free(&k);
    lb_buf_free(&e.b);
    return rc;
}

int lb_store_upload_create(lb_store *s, const char *bucket, lb_upload *u)
{
    lb_version_id_new(u->upload_id);
    up_args a = {.bucket = bucket, .u = u};
    return lb_commit_run(s, create_fn, &a, -1);
}

static int upload_lookup(lb_store *s, MDB_txn *txn, const char *bucket, const char *key,
                         const char *upload_id, lb_upload **out)
{
    lb_buf k = {0};
    lb_uploadkey(&k, bucket, key, upload_id);
    MDB_val kv = {k.len, k.data}, v;
    int rc = mdb_get(txn, s->dbi_uploads, &kv, &v);
    lb_buf_free(&k);
    if (rc == MDB_NOTFOUND) {
        MDB_val bk = {strlen(bucket), (void *)bucket};
        return mdb_get(txn, s->dbi_buckets, &bk, &v) ? LB_E_NO_SUCH_BUCKET : LB_E_NO_SUCH_UPLOAD;
    }
    if (rc)
        return LB_E_INTERNAL;
    return out ? lb_store_upload_decode(v.mv_data, v.mv_size, out) : 0;
}

int lb_store_upload_get(lb_store *s, const char *bucket, const char *key, const char *upload_id,
                        lb_upload **out)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    int rc = upload_lookup(s, txn, bucket, key, upload_id, out);
    mdb_txn_abort(txn);
    return rc;
}

static int put_part_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    up_args *a = arg;
    int rc = upload_lookup(s, txn, a->bucket, a->key, a->upload_id, NULL);
    if (rc)
        return rc;
    lb_buf k = {0};
    part_key(&k, a->upload_id, a->part->number);
    MDB_val kv = {k.len, k.data}, v;
    if (mdb_get(txn, s->dbi_parts, &kv, &v) == 0) {
        lb_part old;
        if (part_decode(&v, &old) == 0) {
            a->old = lb_xmalloc(sizeof *a->old);
            a->old[0] = old.file;
            a->nold = 1;
            free(old.checksum);
        }
    }
    lb_enc e = {0};
    part_encode(a->part, &e);
    v.mv_data = e.b.data;
    v.mv_size = e.b.len;
    rc = mdb_put(txn, s->dbi_parts, &kv, &v, 0) ? LB_E_INTERNAL : 0;
    lb_buf_free(&e.b);
    lb_buf_free(&k);
    return rc;
}

static void release_old(lb_store *s, up_args *a, bool unlink_them)
{
    if (unlink_them)
        lb_store_unlink_files(s, a->old, a->nold);
    for (size_t i = 0; i < a->nold; i++)
        free(a->old[i]);
    free(a->old);
    a->old = NULL;
    a->nold = 0;
}

int lb_store_upload_put_part(lb_store *s, const char *bucket, const char *key,
                             const char *upload_id, lb_part *p, lb_writer *w)
{
    char id[LB_VERSION_ID_LEN + 1];
    lb_version_id_new(id); /* each attempt its own file: a retry never clobbers */
    lb_buf name = {0};
    lb_data_file_name(id, &name);
    int dir_fd = -1;
    int rc = lb_writer_commit_file(w, name.data, &dir_fd);
    p->size = lb_writer_size(w);
    lb_writer_free(w);
    if (rc) {
        lb_buf_free(&name);
        return rc;
    }
    p->file = name.data;
    p->mtime_ms = lb_now_ns() / 1000000;
    up_args a = {.bucket = bucket, .key = key, .upload_id = upload_id, .part = p};
    rc = lb_commit_run(s, put_part_fn, &a, dir_fd);
    if (rc) {
        char *f = name.data;
        lb_store_unlink_files(s, &f, 1);
    }
    release_old(s, &a, rc == 0);
    p->file = NULL;
    lb_buf_free(&name);
    return rc;
}

int lb_store_upload_parts(lb_store *s, const char *upload_id, int after, size_t max,
                          lb_part **out, size_t *n, bool *truncated)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_cursor *cur;
    mdb_cursor_open(txn, s->dbi_parts, &cur);
    lb_buf k = {0};
    part_key(&k, upload_id, after + 1);
    size_t plen = strlen(upload_id) + 1;
    MDB_val kv = {k.len, k.data}, v;
    lb_part *list = NULL;
    size_t cnt = 0, cap = 0;
    int rc = 0;
    *truncated = false;
    for (int g = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE); g == 0;
         g = mdb_cursor_get(cur, &kv, &v, MDB_NEXT)) {
        if (kv.mv_size != plen + 4 || memcmp(kv.mv_data, k.data, plen) != 0)
            break;
        if (max && cnt == max) {
            *truncated = true;
            break;
        }
        if (cnt == cap) {
            cap = cap ? cap * 2 : 64;
            list = lb_xrealloc(list, cap * sizeof *list);
        }
        if ((rc = part_decode(&v, &list[cnt])) != 0)
            break;
        cnt++;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    lb_buf_free(&k);
    if (rc) {
        lb_parts_free(list, cnt);
        return rc;
    }
    *out = list;
    *n = cnt;
    return 0;
}

/* Deletes every part record of the upload; files not in keep[] are doomed. */
static int drop_parts(lb_store *s, MDB_txn *txn, up_args *a, const lb_object *keep)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, s->dbi_parts, &cur))
        return LB_E_INTERNAL;
    lb_buf k = {0};
    part_key(&k, a->upload_id, 0);
    size_t plen = strlen(a->upload_id) + 1;
    MDB_val kv = {k.len, k.data}, v;
    int rc = 0;
    for (int g = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE); g == 0;
         g = mdb_cursor_get(cur, &kv, &v, MDB_NEXT)) {
        if (kv.mv_size != plen + 4 || memcmp(kv.mv_data, k.data, plen) != 0)
            break;
        lb_part p;
        if (part_decode(&v, &p) == 0) {
            bool used = false;
            for (size_t i = 0; keep && i < keep->nparts; i++)
                used |= strcmp(keep->parts[i].file, p.file) == 0;
            if (!used) {
                a->old = lb_xrealloc(a->old, (a->nold + 1) * sizeof *a->old);
                a->old[a->nold++] = p.file;
            } else {
                free(p.file);
            }
            free(p.checksum);
        }
        if (mdb_cursor_del(cur, 0)) {
            rc = LB_E_INTERNAL;
            break;
        }
    }
    mdb_cursor_close(cur);
    lb_buf_free(&k);
    if (rc)
        return rc;
    lb_uploadkey(&k, a->bucket, a->key, a->upload_id);
    kv.mv_data = k.data;
    kv.mv_size = k.len;
    rc = mdb_del(txn, s->dbi_uploads, &kv, NULL) ? LB_E_INTERNAL : 0;
    lb_buf_free(&k);
    return rc;
}

static int cmp_cstr(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Every file o names must belong to a committed part of the upload: one
 * scan of the parts, then a binary search per named file. */
static int check_part_files(lb_store *s, MDB_txn *txn, const char *upload_id, const lb_object *o)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, s->dbi_parts, &cur))
        return LB_E_INTERNAL;
    lb_buf k = {0};
    part_key(&k, upload_id, 0);
    size_t plen = strlen(upload_id) + 1;
    MDB_val kv = {k.len, k.data}, v;
    char **files = NULL;
    size_t n = 0;
    for (int g = mdb_cursor_get(cur, &kv, &v, MDB_SET_RANGE); g == 0;
         g = mdb_cursor_get(cur, &kv, &v, MDB_NEXT)) {
        if (kv.mv_size != plen + 4 || memcmp(kv.mv_data, k.data, plen) != 0)
            break;
        lb_dec d = {.p = v.mv_data, .n = v.mv_size};
        char *f = lb_dec_str(&d);
        if (!f)
            continue;
        files = lb_xrealloc(files, (n + 1) * sizeof *files);
        files[n++] = f;
    }
    mdb_cursor_close(cur);
    lb_buf_free(&k);
    qsort(files, n, sizeof *files, cmp_cstr);
    int rc = 0;
    for (size_t i = 0; i < o->nparts && rc == 0; i++) {
        const char *want = o->parts[i].file;
        if (!bsearch(&want, files, n, sizeof *files, cmp_cstr))
            rc = LB_E_INVALID_PART;
    }
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return rc;
}

static int complete_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    up_args *a = arg;
    int rc = upload_lookup(s, txn, a->bucket, a->key, a->upload_id, NULL);
    if (rc)
        return rc;
    /* The parts named in o must still be the committed ones (a concurrent
     * re-upload of a part number would have replaced its file). */
    if ((rc = check_part_files(s, txn, a->upload_id, a->o)) != 0)
        return rc;
    char **old = NULL;
    size_t nold = 0;
    rc = lb_store_commit_object(s, txn, a->bucket, a->key, a->o, a->cond, &old, &nold);
    a->old = old;
    a->nold = nold;
    if (rc)
        return rc;
    return drop_parts(s, txn, a, a->o);
}

int lb_store_upload_complete(lb_store *s, const char *bucket, const char *key,
                             const char *upload_id, lb_object *o, const lb_put_cond *cond)
{
    lb_version_id_new(o->version_id);
    up_args a = {.bucket = bucket, .key = key, .upload_id = upload_id, .o = o, .cond = cond};
    int rc = lb_commit_run(s, complete_fn, &a, -1);
    release_old(s, &a, rc == 0);
    return rc;
}

static int abort_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    up_args *a = arg;
    int rc = upload_lookup(s, txn, a->bucket, a->key, a->upload_id, NULL);
    if (rc)
        return rc;
    return drop_parts(s, txn, a, NULL);
}

int lb_store_upload_abort(lb_store *s, const char *bucket, const char *key,
                          const char *upload_id)
{
    up_args a = {.bucket = bucket, .key = key, .upload_id = upload_id};
    int rc = lb_commit_run(s, abort_fn, &a, -1);
    release_old(s, &a, rc == 0);
    return rc;
}

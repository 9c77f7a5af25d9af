/* Current object versions: put, get, delete, tags, and the lister. */
#include "store/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool bucket_exists(lb_store *s, MDB_txn *txn, const char *bucket)
{
    MDB_val k = {strlen(bucket), (void *)bucket}, v;
    return mdb_get(txn, s->dbi_buckets, &k, &v) == 0;
}

/* Collects the files of the version a write replaces (invariant 4). */
typedef struct doomed {
    char **files;
    size_t n;
} doomed;

static void doom_record(doomed *d, const MDB_val *v)
{
    lb_object *old;
    if (lb_store_object_decode(v->mv_data, v->mv_size, &old))
        return;
    d->files = lb_xrealloc(d->files, (d->n + old->nparts) * sizeof *d->files);
    for (size_t i = 0; i < old->nparts; i++) {
        d->files[d->n++] = old->parts[i].file;
        old->parts[i].file = NULL;
    }
    lb_object_free(old);
}

static void doom_release(lb_store *s, doomed *d, bool unlink_them)
{
    if (unlink_them)
        lb_store_unlink_files(s, d->files, d->n);
    for (size_t i = 0; i < d->n; i++)
        free(d->files[i]);
    free(d->files);
    d->files = NULL;
    d->n = 0;
}

typedef struct put_args {
    const char *bucket, *key, *op;
    const lb_object *o;
    const lb_put_cond *cond;
    doomed old;
} put_args;

/* Evaluated inside the commit so no other write can slip in between. */
static int check_cond(const lb_put_cond *c, bool exists, const MDB_val *v)
{
    if (!c)
        return 0;
    if (c->if_none_match && exists)
        return LB_E_PRECONDITION_FAILED;
    if (c->if_match) {
        if (!exists)
            return LB_E_NO_SUCH_KEY;
        lb_object *cur;
        if (lb_store_object_decode(v->mv_data, v->mv_size, &cur))
            return LB_E_CORRUPT;
        int rc = strcmp(cur->etag, c->if_match) == 0 ? 0 : LB_E_PRECONDITION_FAILED;
        lb_object_free(cur);
        return rc;
    }
    return 0;
}

static int put_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    put_args *a = arg;
    if (!bucket_exists(s, txn, a->bucket))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf k = {0};
    lb_objkey(&k, a->bucket, a->key);
    MDB_val kv = {k.len, k.data}, v;
    bool exists = mdb_get(txn, s->dbi_objects, &kv, &v) == 0;
    int crc = check_cond(a->cond, exists, &v);
    if (crc) {
        lb_buf_free(&k);
        return crc;
    }
    if (exists)
        doom_record(&a->old, &v);
    lb_enc e = {0};
    lb_object_encode(a->o, a->key, &e);
    v.mv_data = e.b.data;
    v.mv_size = e.b.len;
    int rc = mdb_put(txn, s->dbi_objects, &kv, &v, 0);
    lb_buf_free(&e.b);
    lb_buf_free(&k);
    if (rc)
        return rc == MDB_MAP_FULL ? LB_E_STORAGE_FULL : LB_E_INTERNAL;
    return lb_store_journal(s, txn, a->op, a->bucket, a->key, a->o->version_id, a->o->size,
                            a->o->etag);
}

int lb_store_object_put(lb_store *s, const char *bucket, const char *key, lb_object *o,
                        lb_writer *w, const lb_put_cond *cond)
{
    lb_version_id_new(o->version_id);
    lb_buf name = {0};
    lb_data_file_name(o->version_id, &name);
    int dir_fd = -1;
    int rc = lb_writer_commit_file(w, name.data, &dir_fd);
    if (rc) {
        lb_buf_free(&name);
        lb_writer_free(w);
        return rc;
    }
    o->size = lb_writer_size(w);
    lb_writer_free(w);
    lb_part_ref part = {.file = name.data, .size = o->size};
    snprintf(part.etag, sizeof part.etag, "%s", o->etag);
    part.checksum = o->ck_value;
    o->parts = &part;
    o->nparts = 1;
    put_args a = {.bucket = bucket, .key = key, .op = "put", .o = o, .cond = cond};
    rc = lb_commit_run(s, put_fn, &a, dir_fd);
    o->parts = NULL;
    o->nparts = 0;
    if (rc) {
        /* Not committed: the renamed file is an orphan now; remove it. */
        char *f = name.data;
        lb_store_unlink_files(s, &f, 1);
    }
    doom_release(s, &a.old, rc == 0);
    lb_buf_free(&name);
    return rc;
}

int lb_store_commit_object(lb_store *s, MDB_txn *txn, const char *bucket, const char *key,
                           const lb_object *o, const lb_put_cond *cond, char ***old_files,
                           size_t *nold)
{
    put_args a = {.bucket = bucket, .key = key, .op = "complete", .o = o, .cond = cond};
    int rc = put_fn(s, txn, &a);
    *old_files = a.old.files;
    *nold = a.old.n;
    return rc;
}

int lb_store_object_get(lb_store *s, const char *bucket, const char *key, lb_object **out)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    lb_buf k = {0};
    lb_objkey(&k, bucket, key);
    MDB_val kv = {k.len, k.data}, v;
    int rc = mdb_get(txn, s->dbi_objects, &kv, &v);
    if (rc == 0) {
        rc = lb_store_object_decode(v.mv_data, v.mv_size, out);
    } else if (rc == MDB_NOTFOUND) {
        rc = bucket_exists(s, txn, bucket) ? LB_E_NO_SUCH_KEY : LB_E_NO_SUCH_BUCKET;
    } else {
        rc = LB_E_INTERNAL;
    }
    mdb_txn_abort(txn);
    lb_buf_free(&k);
    return rc;
}

typedef struct del_args {
    const char *bucket, *key;
    doomed old;
} del_args;

static int delete_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    del_args *a = arg;
    if (!bucket_exists(s, txn, a->bucket))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf k = {0};
    lb_objkey(&k, a->bucket, a->key);
    MDB_val kv = {k.len, k.data}, v;
    int rc = 0;
    if (mdb_get(txn, s->dbi_objects, &kv, &v) == 0) {
        doom_record(&a->old, &v);
        rc = mdb_del(txn, s->dbi_objects, &kv, NULL) ? LB_E_INTERNAL : 0;
        if (!rc)
            rc = lb_store_journal(s, txn, "delete", a->bucket, a->key, NULL, 0, NULL);
    }
    lb_buf_free(&k);
    return rc;
}

int lb_store_object_delete(lb_store *s, const char *bucket, const char *key)
{
    del_args a = {.bucket = bucket, .key = key};
    int rc = lb_commit_run(s, delete_fn, &a, -1);
    doom_release(s, &a.old, rc == 0);
    return rc;
}

typedef struct tags_args {
    const char *bucket, *key, *tags;
} tags_args;

static int tags_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    tags_args *a = arg;
    if (!bucket_exists(s, txn, a->bucket))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf k = {0};
    lb_objkey(&k, a->bucket, a->key);
    MDB_val kv = {k.len, k.data}, v;
    int rc = mdb_get(txn, s->dbi_objects, &kv, &v);
    if (rc) {
        lb_buf_free(&k);
        return rc == MDB_NOTFOUND ? LB_E_NO_SUCH_KEY : LB_E_INTERNAL;
    }
    lb_object *o;
    char *full = NULL;
    if ((rc = lb_object_decode_full(v.mv_data, v.mv_size, &o, &full)) == 0) {
        free(o->tags);
        o->tags = a->tags && *a->tags ? lb_xstrdup(a->tags) : NULL;
        lb_enc e = {0};
        lb_object_encode(o, full, &e);
        v.mv_data = e.b.data;
        v.mv_size = e.b.len;
        rc = mdb_put(txn, s->dbi_objects, &kv, &v, 0) ? LB_E_INTERNAL : 0;
        lb_buf_free(&e.b);
        if (!rc)
            rc = lb_store_journal(s, txn, "tags", a->bucket, a->key, o->version_id, 0, NULL);
        lb_object_free(o);
        free(full);
    }
    lb_buf_free(&k);
    return rc;
}

int lb_store_object_set_tags(lb_store *s, const char *bucket, const char *key, const char *tags)
{
    tags_args a = {bucket, key, tags};
    return lb_commit_run(s, tags_fn, &a, -1);
}

/* ---------------------------------------------------------------- lister */

struct lb_store_lister {
    MDB_txn *txn;
    MDB_cursor *cur;
    lb_buf prefix; /* bucket \0 */
    lb_buf seekkey;
    bool uploads;
    bool valid; /* cursor is on a key of the bucket */
    MDB_val k, v;
    char *fullkey; /* the object's own key (from the record) */
};

int lb_store_lister_open(lb_store *s, const char *bucket, bool uploads, lb_store_lister **out)
{
    lb_store_lister *l = lb_xcalloc(1, sizeof *l);
    l->uploads = uploads;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &l->txn)) {
        free(l);
        return LB_E_INTERNAL;
    }
    if (!bucket_exists(s, l->txn, bucket)) {
        mdb_txn_abort(l->txn);
        free(l);
        return LB_E_NO_SUCH_BUCKET;
    }
    mdb_cursor_open(l->txn, uploads ? s->dbi_uploads : s->dbi_objects, &l->cur);
    lb_buf_puts(&l->prefix, bucket);
    lb_buf_putc(&l->prefix, 0);
    *out = l;
    return 0;
}

static void check_valid(lb_store_lister *l, int g)
{
    l->valid = g == 0 && l->k.mv_size >= l->prefix.len &&
               memcmp(l->k.mv_data, l->prefix.data, l->prefix.len) == 0;
}

int lb_store_lister_seek(void *arg, const char *key, size_t len)
{
    lb_store_lister *l = arg;
    lb_buf_reset(&l->seekkey);
    lb_buf_append(&l->seekkey, l->prefix.data, l->prefix.len);
    /* Seeks into long keys use their stored head (see lb_objkey). */
    size_t room = (l->uploads ? LB_MAX_UPLOAD_DBKEY : LB_MAX_DBKEY) - l->prefix.len - 33;
    lb_buf_append(&l->seekkey, key, len < room ? len : room);
    l->k.mv_data = l->seekkey.data;
    l->k.mv_size = l->seekkey.len;
    check_valid(l, mdb_cursor_get(l->cur, &l->k, &l->v, MDB_SET_RANGE));
    return 0;
}

int lb_store_lister_next(void *arg, const char **key, size_t *klen, const void **val,
                         size_t *vlen)
{
    lb_store_lister *l = arg;
    if (!l->valid)
        return 1;
    /* Every record starts with its version byte then the full key. */
    lb_dec d = {.p = l->v.mv_data, .n = l->v.mv_size};
    lb_dec_u8(&d);
    free(l->fullkey);
    l->fullkey = lb_dec_str(&d);
    if (!l->fullkey)
        return LB_E_CORRUPT;
    *key = l->fullkey;
    *klen = strlen(l->fullkey);
    *val = l->v.mv_data;
    *vlen = l->v.mv_size;
    check_valid(l, mdb_cursor_get(l->cur, &l->k, &l->v, MDB_NEXT));
    return 0;
}

void lb_store_lister_close(lb_store_lister *l)
{
    if (!l)
        return;
    mdb_cursor_close(l->cur);
    mdb_txn_abort(l->txn);
    lb_buf_free(&l->prefix);
    lb_buf_free(&l->seekkey);
    free(l->fullkey);
    free(l);
}

/* Buckets: records keyed by name in the "buckets" database. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

static void bucket_encode(const lb_bucket *b, lb_enc *e)
{
    lb_enc_u8(e, 1);
    lb_enc_str(e, b->owner);
    lb_enc_str(e, b->region);
    lb_enc_u64(e, (uint64_t)b->created_ms);
}

static int bucket_decode(const char *name, size_t nlen, const MDB_val *v, lb_bucket *b)
{
    memset(b, 0, sizeof *b);
    if (nlen >= sizeof b->name)
        return LB_E_CORRUPT;
    memcpy(b->name, name, nlen);
    lb_dec d = {.p = v->mv_data, .n = v->mv_size};
    if (lb_dec_u8(&d) != 1)
        return LB_E_CORRUPT;
    lb_dec_strbuf(&d, b->owner, sizeof b->owner);
    lb_dec_strbuf(&d, b->region, sizeof b->region);
    b->created_ms = (int64_t)lb_dec_u64(&d);
    return d.err;
}

typedef struct create_args {
    const lb_bucket *b;
} create_args;

static int create_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    create_args *a = arg;
    MDB_val k = {strlen(a->b->name), (void *)a->b->name}, v;
    if (mdb_get(txn, s->dbi_buckets, &k, &v) == 0) {
        lb_bucket old;
        if (bucket_decode(a->b->name, k.mv_size, &v, &old) == 0 &&
            strcmp(old.owner, a->b->owner) == 0)
            return LB_E_BUCKET_OWNED_BY_YOU;
        return LB_E_BUCKET_EXISTS;
    }
    lb_enc e = {0};
    bucket_encode(a->b, &e);
    v.mv_data = e.b.data;
    v.mv_size = e.b.len;
    int rc = mdb_put(txn, s->dbi_buckets, &k, &v, MDB_NOOVERWRITE);
    lb_buf_free(&e.b);
    if (rc)
        return LB_E_INTERNAL;
    return lb_store_journal(s, txn, "bucket-create", a->b->name, NULL, NULL, 0, NULL);
}

int lb_store_bucket_create(lb_store *s, const char *name, const char *owner, const char *region)
{
    lb_bucket b = {0};
    if (strlen(name) >= sizeof b.name || strlen(owner) >= sizeof b.owner ||
        strlen(region) >= sizeof b.region)
        return LB_E_INVALID_ARGUMENT;
    strcpy(b.name, name);
    strcpy(b.owner, owner);
    strcpy(b.region, region);
    b.created_ms = lb_now_ns() / 1000000;
    create_args a = {&b};
    return lb_commit_run(s, create_fn, &a, -1);
}

int lb_store_bucket_get(lb_store *s, const char *name, lb_bucket *out)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, s->dbi_buckets, &k, &v);
    if (rc == MDB_NOTFOUND)
        rc = LB_E_NO_SUCH_BUCKET;
    else if (rc)
        rc = LB_E_INTERNAL;
    else
        rc = bucket_decode(name, k.mv_size, &v, out);
    if (rc == 0) {
        /* Every request authorizes against its bucket: saying here whether a
         * policy exists spares the common, policy-less case a second read. */
        lb_buf pk = {0};
        lb_bucket_config_key(&pk, name, "policy");
        MDB_val pkv = {pk.len, pk.data}, pv;
        out->has_policy = mdb_get(txn, s->dbi_meta, &pkv, &pv) == 0;
        lb_buf_free(&pk);
    }
    mdb_txn_abort(txn);
    return rc;
}

/* True if any key in dbi starts with prefix. */
static bool has_prefix(MDB_txn *txn, MDB_dbi dbi, const void *prefix, size_t plen)
{
    MDB_cursor *cur;
    if (mdb_cursor_open(txn, dbi, &cur))
        return true;
    MDB_val k = {plen, (void *)prefix}, v;
    bool found = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 && k.mv_size >= plen &&
                 memcmp(k.mv_data, prefix, plen) == 0;
    mdb_cursor_close(cur);
    return found;
}

static int delete_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    const char *name = arg;
    MDB_val k = {strlen(name), (void *)name}, v;
    if (mdb_get(txn, s->dbi_buckets, &k, &v))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf prefix = {0};
    lb_buf_puts(&prefix, name);
    lb_buf_putc(&prefix, 0);
    bool busy = has_prefix(txn, s->dbi_objects, prefix.data, prefix.len) ||
                has_prefix(txn, s->dbi_uploads, prefix.data, prefix.len);
    lb_buf_free(&prefix);
    if (busy)
        return LB_E_BUCKET_NOT_EMPTY;
    if (mdb_del(txn, s->dbi_buckets, &k, NULL) || lb_store_bucket_config_drop(s, txn, name))
        return LB_E_INTERNAL;
    return lb_store_journal(s, txn, "bucket-delete", name, NULL, NULL, 0, NULL);
}

int lb_store_bucket_delete(lb_store *s, const char *name)
{
    return lb_commit_run(s, delete_fn, (void *)name, -1);
}

int lb_store_bucket_list(lb_store *s, const char *owner, lb_bucket **out, size_t *n)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_cursor *cur;
    mdb_cursor_open(txn, s->dbi_buckets, &cur);
    MDB_val k, v;
    lb_bucket *list = NULL;
    size_t cnt = 0, cap = 0;
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_bucket b;
        if (bucket_decode(k.mv_data, k.mv_size, &v, &b))
            continue;
        if (owner && strcmp(owner, b.owner) != 0)
            continue;
        if (cnt == cap) {
            cap = cap ? cap * 2 : 16;
            list = lb_xrealloc(list, cap * sizeof *list);
        }
        list[cnt++] = b;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    *out = list;
    *n = cnt;
    return 0;
}

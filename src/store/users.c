/* Users ("users": name -> u8 version) and access keys ("keys": access key ->
 * user, secret).  Secrets are stored as given: SigV4 needs them verbatim. */
#include "store/internal.h"

#include <stdlib.h>
#include <string.h>

static int user_add_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    const char *name = arg;
    MDB_val k = {strlen(name), (void *)name}, v = {1, "\1"};
    int rc = mdb_put(txn, s->dbi_users, &k, &v, MDB_NOOVERWRITE);
    return rc == MDB_KEYEXIST ? LB_E_USER_EXISTS : rc ? LB_E_INTERNAL : 0;
}

int lb_store_user_add(lb_store *s, const char *name)
{
    return lb_commit_run(s, user_add_fn, (void *)name, -1);
}

static int key_decode(const MDB_val *k, const MDB_val *v, lb_user_key *out)
{
    memset(out, 0, sizeof *out);
    if (k->mv_size >= sizeof out->access_key)
        return LB_E_CORRUPT;
    memcpy(out->access_key, k->mv_data, k->mv_size);
    lb_dec d = {.p = v->mv_data, .n = v->mv_size};
    lb_dec_strbuf(&d, out->user, sizeof out->user);
    lb_dec_strbuf(&d, out->secret, sizeof out->secret);
    return d.err;
}

static int user_remove_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    const char *name = arg;
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_del(txn, s->dbi_users, &k, NULL);
    if (rc)
        return rc == MDB_NOTFOUND ? LB_E_NO_SUCH_USER : LB_E_INTERNAL;
    MDB_cursor *cur;
    mdb_cursor_open(txn, s->dbi_keys, &cur);
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_user_key uk;
        if (key_decode(&k, &v, &uk) == 0 && strcmp(uk.user, name) == 0)
            mdb_cursor_del(cur, 0);
    }
    mdb_cursor_close(cur);
    return 0;
}

int lb_store_user_remove(lb_store *s, const char *name)
{
    return lb_commit_run(s, user_remove_fn, (void *)name, -1);
}

int lb_store_user_exists(lb_store *s, const char *name)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_val k = {strlen(name), (void *)name}, v;
    int rc = mdb_get(txn, s->dbi_users, &k, &v) ? LB_E_NO_SUCH_USER : 0;
    mdb_txn_abort(txn);
    return rc;
}

int lb_store_user_list(lb_store *s, char ***names, size_t *n)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_cursor *cur;
    mdb_cursor_open(txn, s->dbi_users, &cur);
    MDB_val k, v;
    char **list = NULL;
    size_t cnt = 0;
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        list = lb_xrealloc(list, (cnt + 1) * sizeof *list);
        list[cnt++] = lb_xstrndup(k.mv_data, k.mv_size);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    *names = list;
    *n = cnt;
    return 0;
}

static int key_add_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    const lb_user_key *uk = arg;
    MDB_val k = {strlen(uk->user), (void *)uk->user}, v;
    if (mdb_get(txn, s->dbi_users, &k, &v))
        return LB_E_NO_SUCH_USER;
    lb_enc e = {0};
    lb_enc_str(&e, uk->user);
    lb_enc_str(&e, uk->secret);
    k.mv_data = (void *)uk->access_key;
    k.mv_size = strlen(uk->access_key);
    v.mv_data = e.b.data;
    v.mv_size = e.b.len;
    int rc = mdb_put(txn, s->dbi_keys, &k, &v, MDB_NOOVERWRITE);
    lb_buf_free(&e.b);
    return rc == MDB_KEYEXIST ? LB_E_USER_EXISTS : rc ? LB_E_INTERNAL : 0;
}

int lb_store_key_add(lb_store *s, const lb_user_key *k)
{
    return lb_commit_run(s, key_add_fn, (void *)k, -1);
}

static int key_remove_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    const char *ak = arg;
    MDB_val k = {strlen(ak), (void *)ak};
    int rc = mdb_del(txn, s->dbi_keys, &k, NULL);
    return rc == MDB_NOTFOUND ? LB_E_INVALID_ACCESS_KEY : rc ? LB_E_INTERNAL : 0;
}

int lb_store_key_remove(lb_store *s, const char *access_key)
{
    return lb_commit_run(s, key_remove_fn, (void *)access_key, -1);
}

int lb_store_key_get(lb_store *s, const char *access_key, lb_user_key *out)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_val k = {strlen(access_key), (void *)access_key}, v;
    int rc = mdb_get(txn, s->dbi_keys, &k, &v);
    rc = rc == MDB_NOTFOUND ? LB_E_INVALID_ACCESS_KEY : rc ? LB_E_INTERNAL : key_decode(&k, &v, out);
    mdb_txn_abort(txn);
    return rc;
}

int lb_store_key_list(lb_store *s, const char *user, lb_user_key **out, size_t *n)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_cursor *cur;
    mdb_cursor_open(txn, s->dbi_keys, &cur);
    MDB_val k, v;
    lb_user_key *list = NULL;
    size_t cnt = 0;
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_user_key uk;
        if (key_decode(&k, &v, &uk) || (user && strcmp(uk.user, user) != 0))
            continue;
        list = lb_xrealloc(list, (cnt + 1) * sizeof *list);
        list[cnt++] = uk;
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    *out = list;
    *n = cnt;
    return 0;
}

/* Bucket configuration documents (the bucket policy and the public access
 * block): records keyed "bucket\0policy" and "bucket\0pab" in the "meta"
 * database, written through the committer and dropped with their bucket. */
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void lb_bucket_config_key(lb_buf *out, const char *bucket, const char *what)
{
    lb_buf_puts(out, bucket);
    lb_buf_putc(out, 0);
    lb_buf_puts(out, what);
}

typedef struct policy_args {
    const char *what; /* "policy" or "pab" */
    int missing;      /* the error for deleting a record that is not there */
    const char *op;   /* journal operation; "-delete" is appended for deletes */
    const char *bucket;
    const char *json; /* NULL: delete */
    size_t len;
} policy_args;

static int policy_fn(lb_store *s, MDB_txn *txn, void *arg)
{
    policy_args *a = arg;
    MDB_val bk = {strlen(a->bucket), (void *)a->bucket}, v;
    if (mdb_get(txn, s->dbi_buckets, &bk, &v))
        return LB_E_NO_SUCH_BUCKET;
    lb_buf key = {0};
    lb_bucket_config_key(&key, a->bucket, a->what);
    MDB_val k = {key.len, key.data};
    int rc;
    if (a->json) {
        v.mv_size = a->len;
        v.mv_data = (void *)a->json;
        rc = mdb_put(txn, s->dbi_meta, &k, &v, 0) ? LB_E_INTERNAL : 0;
    } else {
        rc = mdb_del(txn, s->dbi_meta, &k, NULL);
        rc = rc == MDB_NOTFOUND ? a->missing : rc ? LB_E_INTERNAL : 0;
    }
    lb_buf_free(&key);
    if (rc)
        return rc;
    char op[48];
    snprintf(op, sizeof op, "%s%s", a->op, a->json ? "" : "-delete");
    return lb_store_journal(s, txn, op, a->bucket, NULL, NULL, a->len, NULL);
}

int lb_store_bucket_policy_put(lb_store *s, const char *bucket, const char *json, size_t len)
{
    policy_args a = {"policy", LB_E_NO_SUCH_BUCKET_POLICY, "bucket-policy",
                     bucket,   json ? json : "",           len};
    return lb_commit_run(s, policy_fn, &a, -1);
}

int lb_store_bucket_policy_delete(lb_store *s, const char *bucket)
{
    policy_args a = {"policy", LB_E_NO_SUCH_BUCKET_POLICY, "bucket-policy", bucket, NULL, 0};
    return lb_commit_run(s, policy_fn, &a, -1);
}

static int config_get(lb_store *s, const char *bucket, const char *what, int missing, char **json,
                      size_t *len)
{
    *json = NULL;
    if (len)
        *len = 0;
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_val bk = {strlen(bucket), (void *)bucket}, v;
    int rc = mdb_get(txn, s->dbi_buckets, &bk, &v);
    if (rc) {
        mdb_txn_abort(txn);
        return rc == MDB_NOTFOUND ? LB_E_NO_SUCH_BUCKET : LB_E_INTERNAL;
    }
    lb_buf key = {0};
    lb_bucket_config_key(&key, bucket, what);
    MDB_val k = {key.len, key.data};
    rc = mdb_get(txn, s->dbi_meta, &k, &v);
    if (rc == MDB_NOTFOUND) {
        rc = missing;
    } else if (rc) {
        rc = LB_E_INTERNAL;
    } else {
        char *p = lb_xmalloc(v.mv_size + 1);
        memcpy(p, v.mv_data, v.mv_size);
        p[v.mv_size] = 0;
        *json = p;
        if (len)
            *len = v.mv_size;
    }
    lb_buf_free(&key);
    mdb_txn_abort(txn);
    return rc;
}

int lb_store_bucket_policy_get(lb_store *s, const char *bucket, char **json, size_t *len)
{
    return config_get(s, bucket, "policy", LB_E_NO_SUCH_BUCKET_POLICY, json, len);
}

int lb_store_bucket_pab_put(lb_store *s, const char *bucket, const char *val, size_t len)
{
    policy_args a = {"pab", LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK, "bucket-pab", bucket, val ? val : "",
                     len};
    return lb_commit_run(s, policy_fn, &a, -1);
}

int lb_store_bucket_pab_delete(lb_store *s, const char *bucket)
{
    policy_args a = {"pab", LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK, "bucket-pab", bucket, NULL, 0};
    return lb_commit_run(s, policy_fn, &a, -1);
}

int lb_store_bucket_pab_get(lb_store *s, const char *bucket, char **val, size_t *len)
{
    return config_get(s, bucket, "pab", LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK, val, len);
}

int lb_store_bucket_config_drop(lb_store *s, MDB_txn *txn, const char *bucket)
{
    static const char *const what[] = {"policy", "pab"};
    for (size_t i = 0; i < sizeof what / sizeof *what; i++) {
        lb_buf key = {0};
        lb_bucket_config_key(&key, bucket, what[i]);
        MDB_val k = {key.len, key.data};
        int rc = mdb_del(txn, s->dbi_meta, &k, NULL);
        lb_buf_free(&key);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return LB_E_INTERNAL;
    }
    return 0;
}

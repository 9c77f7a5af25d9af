/* The journal's append and scan.  Value layout: u64 hlc, u64 size, then
 * NUL-terminated op, bucket, key, version, etag (empty string for NULL). */
#include "journal/journal.h"

#include <string.h>

static void be64(uint8_t out[8], uint64_t v)
{
    for (int i = 0; i < 8; i++)
        out[i] = (uint8_t)(v >> (56 - 8 * i));
}

static uint64_t from_be64(const uint8_t *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | b[i];
    return v;
}

int lb_journal_append(MDB_txn *txn, MDB_dbi dbi, lb_journal_entry *e)
{
    MDB_cursor *cur = NULL;
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc)
        return LB_E_INTERNAL;
    MDB_val k, v;
    uint64_t last = 0;
    if (mdb_cursor_get(cur, &k, &v, MDB_LAST) == 0 && k.mv_size == 8)
        last = from_be64(k.mv_data);
    mdb_cursor_close(cur);
    e->seq = last + 1;
    e->hlc = lb_hlc_now();
    lb_buf b = {0};
    uint8_t n[8];
    be64(n, e->hlc);
    lb_buf_append(&b, n, 8);
    be64(n, e->size);
    lb_buf_append(&b, n, 8);
    const char *fields[] = {e->op, e->bucket, e->key, e->version, e->etag};
    for (size_t i = 0; i < 5; i++)
        lb_buf_append(&b, fields[i] ? fields[i] : "", strlen(fields[i] ? fields[i] : "") + 1);
    uint8_t key[8];
    be64(key, e->seq);
    k.mv_data = key;
    k.mv_size = 8;
    v.mv_data = b.data;
    v.mv_size = b.len;
    rc = mdb_put(txn, dbi, &k, &v, MDB_APPEND);
    lb_buf_free(&b);
    return rc ? LB_E_INTERNAL : 0;
}

int lb_journal_scan(MDB_txn *txn, MDB_dbi dbi, uint64_t since,
                    int (*fn)(void *arg, const lb_journal_entry *e), void *arg)
{
    MDB_cursor *cur = NULL;
    if (mdb_cursor_open(txn, dbi, &cur))
        return LB_E_INTERNAL;
    uint8_t key[8];
    be64(key, since);
    MDB_val k = {8, key}, v;
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE), out = 0;
    while (rc == 0) {
        const char *p = v.mv_data, *end = p + v.mv_size;
        if (v.mv_size < 16 || end[-1] != 0) {
            out = LB_E_CORRUPT;
            break;
        }
        lb_journal_entry e = {.seq = from_be64(k.mv_data),
                              .hlc = from_be64((const uint8_t *)p),
                              .size = from_be64((const uint8_t *)p + 8)};
        const char *f[5] = {0};
        const char *q = p + 16;
        for (int i = 0; i < 5 && q < end; i++) {
            f[i] = q;
            q += strlen(q) + 1;
        }
        e.op = f[0];
        e.bucket = f[1];
        e.key = f[2];
        e.version = f[3];
        e.etag = f[4];
        if ((out = fn(arg, &e)) != 0)
            break;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    return out;
}

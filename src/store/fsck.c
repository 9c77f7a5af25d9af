/* lifeboat fsck: offline check of metadata against data.  Opens the store
 * read-only in spirit (no recovery, no writes) and verifies every block of
 * every object's files. */
#include "store/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lb_store_fsck(const char *data_dir, void *out_FILE)
{
    FILE *out = out_FILE;
    MDB_env *env;
    lb_buf p = {0};
    int problems = 0, rc;
    size_t objects = 0, files = 0;
    uint64_t bytes = 0;
    if (mdb_env_create(&env))
        return LB_E_INTERNAL;
    mdb_env_set_maxdbs(env, 16);
    lb_buf_printf(&p, "%s/meta", data_dir);
    if ((rc = mdb_env_open(env, p.data, MDB_NOTLS | MDB_RDONLY, 0600)) != 0) {
        fprintf(out, "cannot open metadata in %s: %s\n", p.data, mdb_strerror(rc));
        mdb_env_close(env);
        lb_buf_free(&p);
        return LB_E_IO;
    }
    MDB_txn *txn;
    MDB_dbi dbi;
    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (mdb_dbi_open(txn, "objects", 0, &dbi)) {
        fprintf(out, "no objects database: empty store\n");
        goto done;
    }
    MDB_cursor *cur;
    mdb_cursor_open(txn, dbi, &cur);
    MDB_val k, v;
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_object *o;
        char *key = NULL;
        objects++;
        if (lb_object_decode_full(v.mv_data, v.mv_size, &o, &key)) {
            fprintf(out, "undecodable object record (db key %.*s)\n", (int)k.mv_size,
                    (char *)k.mv_data);
            problems++;
            continue;
        }
        uint64_t total = 0;
        for (size_t i = 0; i < o->nparts; i++) {
            lb_buf_reset(&p);
            lb_buf_printf(&p, "%s/zone0/%s", data_dir, o->parts[i].file);
            lb_reader *r;
            files++;
            total += o->parts[i].size;
            if ((rc = lb_datafile_open_path(p.data, o->parts[i].size, &r)) != 0) {
                fprintf(out, "%s: part %zu file %s: %s\n", key, i + 1, o->parts[i].file,
                        rc == LB_E_CORRUPT ? "damaged trailer or wrong size"
                                           : lb_strerror(rc));
                problems++;
                continue;
            }
            if ((rc = lb_reader_verify(r, 0, o->parts[i].size)) != 0) {
                fprintf(out, "%s: part %zu file %s: block checksum mismatch\n", key, i + 1,
                        o->parts[i].file);
                problems++;
            }
            bytes += o->parts[i].size;
            lb_reader_close(r);
        }
        if (total != o->size) {
            fprintf(out, "%s: parts add up to %llu bytes, record says %llu\n", key,
                    (unsigned long long)total, (unsigned long long)o->size);
            problems++;
        }
        free(key);
        lb_object_free(o);
    }
    mdb_cursor_close(cur);
done:
    mdb_txn_abort(txn);
    mdb_env_close(env);
    lb_buf_free(&p);
    fprintf(out, "checked %zu objects, %zu files, %llu bytes: %d problem%s\n", objects, files,
            (unsigned long long)bytes, problems, problems == 1 ? "" : "s");
    return problems;
}

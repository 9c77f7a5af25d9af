/* lifeboat fsck: offline check of metadata against data.  Opens the store
 * read-only in spirit (no recovery, no writes) and verifies every block of
 * every object's files. */
#include "store/internal.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One data file against its record: trailer, size, every block. */
static int check_file(const char *data_dir, const char *rel, uint64_t size, const char *what,
                      FILE *out)
{
    lb_buf p = {0};
    lb_buf_printf(&p, "%s/zone0/%s", data_dir, rel);
    lb_reader *r;
    int rc = lb_datafile_open_path(p.data, size, &r), bad = 0;
    if (rc) {
        fprintf(out, "%s file %s: %s\n", what, rel,
                rc == LB_E_CORRUPT ? "damaged trailer or wrong size" : lb_strerror(rc));
        bad = 1;
    } else {
        if (lb_reader_verify(r, 0, size) != 0) {
            fprintf(out, "%s file %s: block checksum mismatch\n", what, rel);
            bad = 1;
        }
        lb_reader_close(r);
    }
    lb_buf_free(&p);
    return bad;
}

typedef struct names {
    char **v;
    size_t n;
} names;

static void names_add(names *a, const char *s)
{
    a->v = lb_xrealloc(a->v, (a->n + 1) * sizeof *a->v);
    a->v[a->n++] = lb_xstrdup(s);
}

static int cmp_name(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* Files under zone0/objects that no record names: left by a crash between
 * rename and commit (or commit and unlink).  Not damage: the next start
 * removes them; reported so an operator knows where space went. */
static size_t count_orphans(const char *data_dir, names *refs)
{
    qsort(refs->v, refs->n, sizeof *refs->v, cmp_name);
    size_t orphans = 0;
    lb_buf p = {0};
    char rel[512];
    for (int shard = 0; shard < 256; shard++) {
        lb_buf_reset(&p);
        lb_buf_printf(&p, "%s/zone0/objects/%02x", data_dir, shard);
        DIR *d = opendir(p.data);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof rel, "objects/%02x/%s", shard, de->d_name);
            const char *key = rel;
            if (!refs->n || !bsearch(&key, refs->v, refs->n, sizeof *refs->v, cmp_name))
                orphans++;
        }
        closedir(d);
    }
    lb_buf_free(&p);
    return orphans;
}

int lb_store_fsck(const char *data_dir, void *out_FILE)
{
    FILE *out = out_FILE;
    MDB_env *env;
    lb_buf p = {0};
    int problems = 0, rc;
    size_t objects = 0, files = 0, parts = 0;
    names refs = {0};
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
            char what[1200];
            snprintf(what, sizeof what, "%.1024s: part %zu", key, i + 1);
            files++;
            total += o->parts[i].size;
            names_add(&refs, o->parts[i].file);
            problems += check_file(data_dir, o->parts[i].file, o->parts[i].size, what, out);
            bytes += o->parts[i].size;
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
    /* parts of multipart uploads in progress: their record starts with the
     * file, then number and size (uploads.c) */
    if (mdb_dbi_open(txn, "parts", 0, &dbi) == 0) {
        mdb_cursor_open(txn, dbi, &cur);
        for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
             g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
            lb_dec d = {.p = v.mv_data, .n = v.mv_size};
            char *file = lb_dec_str(&d);
            uint32_t number = lb_dec_u32(&d);
            uint64_t size = lb_dec_u64(&d);
            parts++;
            if (!file || d.err) {
                fprintf(out, "undecodable upload part record\n");
                problems++;
                free(file);
                continue;
            }
            char what[64];
            snprintf(what, sizeof what, "upload part %u", number);
            names_add(&refs, file);
            problems += check_file(data_dir, file, size, what, out);
            free(file);
        }
        mdb_cursor_close(cur);
    }
    size_t orphans = count_orphans(data_dir, &refs);
    if (orphans)
        fprintf(out, "%zu orphan data file%s (named by no record; the next start removes %s)\n",
                orphans, orphans == 1 ? "" : "s", orphans == 1 ? "it" : "them");
done:
    mdb_txn_abort(txn);
    mdb_env_close(env);
    lb_buf_free(&p);
    for (size_t i = 0; i < refs.n; i++)
        free(refs.v[i]);
    free(refs.v);
    fprintf(out, "checked %zu objects (%zu files, %llu bytes) and %zu upload parts: %d problem%s\n",
            objects, files, (unsigned long long)bytes, parts, problems, problems == 1 ? "" : "s");
    return problems;
}

/* Start-up recovery: no manual repair step, ever.
 *  - zone/tmp holds only unacknowledged uploads: all of it goes.
 *  - a file in zone/objects that no committed metadata names is an orphan
 *    (crash between rename and commit, or between commit and unlink; see
 *    commit.c invariants 1 and 4): it goes too. */
#include "store/internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct refs {
    char **v;
    size_t n, cap;
} refs;

static void refs_add(refs *r, const char *s)
{
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->v = lb_xrealloc(r->v, r->cap * sizeof *r->v);
    }
    r->v[r->n++] = lb_xstrdup(s);
}

static int collect_refs(lb_store *s, refs *r)
{
    MDB_txn *txn;
    if (mdb_txn_begin(s->env, NULL, MDB_RDONLY, &txn))
        return LB_E_INTERNAL;
    MDB_cursor *cur;
    MDB_val k, v;
    int rc = 0;
    mdb_cursor_open(txn, s->dbi_objects, &cur);
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_object *o;
        if (lb_store_object_decode(v.mv_data, v.mv_size, &o)) {
            lb_error(NULL, "recovery: undecodable object record, its files are kept");
            rc = LB_E_CORRUPT;
            continue;
        }
        for (size_t i = 0; i < o->nparts; i++)
            refs_add(r, o->parts[i].file);
        lb_object_free(o);
    }
    mdb_cursor_close(cur);
    /* parts of multipart uploads in progress: value starts with its file */
    mdb_cursor_open(txn, s->dbi_parts, &cur);
    for (int g = mdb_cursor_get(cur, &k, &v, MDB_FIRST); g == 0;
         g = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        lb_dec d = {.p = v.mv_data, .n = v.mv_size};
        char *f = lb_dec_str(&d);
        if (f)
            refs_add(r, f);
        free(f);
    }
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    if (r->n)
        qsort(r->v, r->n, sizeof *r->v, cmpstr);
    return rc;
}

int lb_store_recover(lb_store *s)
{
    lb_buf p = {0};
    size_t tmp_removed = 0, orphans = 0;
    lb_buf_printf(&p, "%s/tmp", s->zone);
    DIR *d = opendir(p.data);
    if (d) {
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            lb_buf_reset(&p);
            lb_buf_printf(&p, "%s/tmp/%s", s->zone, de->d_name);
            if (unlink(p.data) == 0)
                tmp_removed++;
        }
        closedir(d);
    }
    refs r = {0};
    int rc = collect_refs(s, &r);
    /* An undecodable record means we cannot tell orphans apart: keep all. */
    for (int shard = 0; rc == 0 && shard < LB_SHARDS; shard++) {
        lb_buf_reset(&p);
        lb_buf_printf(&p, "%s/objects/%02x", s->zone, shard);
        d = opendir(p.data);
        if (!d)
            continue;
        struct dirent *de;
        char rel[512];
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof rel, "objects/%02x/%s", shard, de->d_name);
            const char *key = rel;
            if (r.n && bsearch(&key, r.v, r.n, sizeof *r.v, cmpstr))
                continue;
            lb_buf_reset(&p);
            lb_buf_printf(&p, "%s/%s", s->zone, rel);
            if (unlink(p.data) == 0)
                orphans++;
        }
        closedir(d);
    }
    for (size_t i = 0; i < r.n; i++)
        free(r.v[i]);
    free(r.v);
    lb_buf_free(&p);
    if (tmp_removed || orphans)
        lb_info(NULL, "recovery: removed %zu unfinished temp files and %zu orphan data files",
                tmp_removed, orphans);
    return 0;
}

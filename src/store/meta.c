/* Opening the store: directories, the LMDB environment, its databases, the
 * committer thread, and start-up recovery. */
#include "store/internal.h"
#include "journal/journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Makes the entries of a directory durable: files and directories just
 * created in it would otherwise not survive a power cut. */
static int sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int rc = fd < 0 || fsync(fd) < 0 ? -errno : 0;
    if (fd >= 0)
        close(fd);
    if (rc)
        lb_error(NULL, "fsync() of directory \"%s\" failed: %s", path, lb_strerror(rc));
    return rc;
}

/* Creates a directory if missing, durably (its parent is fsynced). */
static int mkdir_p(const char *path)
{
    if (mkdir(path, 0700) < 0) {
        if (errno == EEXIST)
            return 0;
        int rc = -errno;
        lb_error(NULL, "mkdir() \"%s\" failed: %s", path, lb_strerror(rc));
        return rc;
    }
    char *parent = lb_xstrdup(path);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = 0;
    char *slash = strrchr(parent, '/');
    if (!slash)
        strcpy(parent, ".");
    else
        slash[slash == parent] = 0;
    int rc = sync_dir(parent);
    free(parent);
    return rc;
}

static int open_dbis(lb_store *s)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc)
        return LB_E_INTERNAL;
    struct {
        const char *name;
        MDB_dbi *dbi;
    } t[] = {{"buckets", &s->dbi_buckets}, {"objects", &s->dbi_objects},
             {"uploads", &s->dbi_uploads}, {"parts", &s->dbi_parts},
             {"users", &s->dbi_users},     {"keys", &s->dbi_keys},
             {"journal", &s->dbi_journal}, {"meta", &s->dbi_meta}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        if ((rc = mdb_dbi_open(txn, t[i].name, MDB_CREATE, t[i].dbi)) != 0) {
            lb_error(NULL, "mdb_dbi_open() \"%s\" failed: %s", t[i].name, mdb_strerror(rc));
            mdb_txn_abort(txn);
            return LB_E_INTERNAL;
        }
    }
    rc = mdb_txn_commit(txn);
    return rc ? LB_E_INTERNAL : 0;
}

int lb_store_open(const lb_store_opts *opts, lb_store **out)
{
    int rc = 0;
    lb_store *s = lb_xcalloc(1, sizeof *s);
    for (int i = 0; i < LB_SHARDS; i++)
        s->shard_fd[i] = -1;
    s->tmp_fd = -1;
    pthread_mutex_init(&s->pin_mu, NULL);
    s->dir = lb_xstrdup(opts->data_dir);
    s->io = opts->io ? opts->io : lb_io_default();
    lb_buf p = {0};
    lb_buf_printf(&p, "%s/zone0", s->dir);
    s->zone = lb_buf_steal(&p);

    if ((rc = mkdir_p(s->dir)) || (rc = mkdir_p(s->zone)))
        goto out;
    const char *subdirs[] = {"meta", "zone0/tmp", "zone0/objects"};
    for (size_t i = 0; i < 3; i++) {
        lb_buf_reset(&p);
        lb_buf_printf(&p, "%s/%s", s->dir, subdirs[i]);
        if ((rc = mkdir_p(p.data)))
            goto out;
    }
    for (int i = 0; i < LB_SHARDS; i++) {
        lb_buf_reset(&p);
        lb_buf_printf(&p, "%s/objects/%02x", s->zone, i);
        if ((rc = mkdir_p(p.data)))
            goto out;
        s->shard_fd[i] = open(p.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->shard_fd[i] < 0) {
            rc = -errno;
            goto out;
        }
    }

    if ((rc = mdb_env_create(&s->env)) != 0) {
        rc = LB_E_INTERNAL;
        goto out;
    }
    mdb_env_set_maxdbs(s->env, 16);
    mdb_env_set_maxreaders(s->env, 4096);
    mdb_env_set_mapsize(s->env, opts->map_size ? opts->map_size : (size_t)1 << 40);
    lb_buf_reset(&p);
    lb_buf_printf(&p, "%s/meta", s->dir);
    /* MDB_NOTLS: read transactions are not tied to threads (connections
     * migrate); durability stays full (no NOSYNC flags). */
    if ((rc = mdb_env_open(s->env, p.data, MDB_NOTLS, 0600)) != 0) {
        lb_error(NULL, "mdb_env_open() \"%s\" failed: %s", p.data, mdb_strerror(rc));
        rc = rc > 0 ? -rc : LB_E_INTERNAL;
        goto out;
    }
    /* LMDB's data file may have just been created. */
    if ((rc = sync_dir(p.data)))
        goto out;
    int dead = 0;
    mdb_reader_check(s->env, &dead);
    if ((rc = open_dbis(s)))
        goto out;
    if ((rc = lb_store_recover(s)))
        goto out;
    if ((rc = lb_commit_start(s)))
        goto out;
out:
    lb_buf_free(&p);
    if (rc) {
        if (s->env)
            mdb_env_close(s->env);
        for (int i = 0; i < LB_SHARDS; i++)
            if (s->shard_fd[i] >= 0)
                close(s->shard_fd[i]);
        free(s->zone);
        free(s->dir);
        free(s);
        return rc;
    }
    *out = s;
    return 0;
}

void lb_store_close(lb_store *s)
{
    if (!s)
        return;
    lb_commit_stop(s);
    mdb_env_close(s->env);
    lb_store_pins_free(s);
    for (int i = 0; i < LB_SHARDS; i++)
        if (s->shard_fd[i] >= 0)
            close(s->shard_fd[i]);
    free(s->zone);
    free(s->dir);
    free(s);
}

const char *lb_store_dir(const lb_store *s) { return s->dir; }

int lb_store_journal(lb_store *s, MDB_txn *txn, const char *op, const char *bucket,
                     const char *key, const char *version, uint64_t size, const char *etag)
{
    lb_journal_entry e = {.op = op, .bucket = bucket, .key = key, .version = version,
                          .size = size, .etag = etag};
    return lb_journal_append(txn, s->dbi_journal, &e);
}

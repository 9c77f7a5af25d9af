/* Group commit: the single writer of the metadata environment.
 *
 * Invariants (numbered; other files refer to them):
 *  1. Data before metadata: a data file is written, fsynced, renamed into
 *     objects/ and its directory fsynced before any metadata naming it
 *     commits.  So committed metadata never names a missing file.
 *  2. One writer: every metadata mutation runs in this thread, inside one
 *     LMDB write transaction per batch; each op gets a nested transaction so
 *     a failing op is rolled back alone.
 *  3. Acknowledge after durability: a caller is woken only after
 *     mdb_txn_commit() (which fsyncs) returned for its batch.
 *  4. Metadata before unlink: data files of replaced or deleted versions are
 *     unlinked only after the commit that forgot them; a crash in between
 *     leaves an orphan, which start-up recovery removes.
 *
 *  queued --(committer takes batch)--> applied (nested txn) --(commit)--> done
 */
#include "store/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct lb_commit_op {
    lb_txn_fn fn;
    void *arg;
    int dir_fd;
    int result;
    bool done;
    lb_commit_op *next;
};

int lb_commit_run(lb_store *s, lb_txn_fn fn, void *arg, int dir_fd)
{
    lb_commit_op op = {.fn = fn, .arg = arg, .dir_fd = dir_fd};
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        return LB_E_SLOW_DOWN;
    }
    if (s->queue_tail)
        s->queue_tail->next = &op;
    else
        s->queue_head = &op;
    s->queue_tail = &op;
    pthread_cond_signal(&s->cv_work);
    while (!op.done)
        pthread_cond_wait(&s->cv_done, &s->mu);
    pthread_mutex_unlock(&s->mu);
    return op.result;
}

static void run_batch(lb_store *s, lb_commit_op *batch)
{
    /* Invariant 1: directories of freshly renamed files are made durable
     * once per batch, however many files went into each. */
    int synced[16], sync_rc[16];
    size_t nsynced = 0;
    for (lb_commit_op *op = batch; op; op = op->next) {
        if (op->dir_fd < 0)
            continue;
        size_t i = 0;
        while (i < nsynced && synced[i] != op->dir_fd)
            i++;
        if (i < nsynced) {
            /* Shares a directory fsynced for an earlier op: shares its fate. */
            op->result = sync_rc[i];
            continue;
        }
        int rc = s->io->fsync(op->dir_fd);
        if (rc) {
            lb_error(NULL, "fsync() of data directory failed: %s", lb_strerror(rc));
            op->result = rc;
        }
        if (nsynced < 16) {
            synced[nsynced] = op->dir_fd;
            sync_rc[nsynced++] = rc;
        }
    }

    MDB_txn *txn = NULL;
    int rc = mdb_txn_begin(s->env, NULL, 0, &txn);
    if (rc) {
        lb_error(NULL, "mdb_txn_begin() failed: %s", mdb_strerror(rc));
        for (lb_commit_op *op = batch; op; op = op->next)
            op->result = rc == MDB_MAP_FULL ? LB_E_STORAGE_FULL : LB_E_INTERNAL;
        return;
    }
    for (lb_commit_op *op = batch; op; op = op->next) {
        if (op->result)
            continue; /* its directory could not be synced */
        MDB_txn *child = NULL;
        rc = mdb_txn_begin(s->env, txn, 0, &child);
        if (rc) {
            op->result = LB_E_INTERNAL;
            continue;
        }
        op->result = op->fn(s, child, op->arg);
        if (op->result) {
            mdb_txn_abort(child);
        } else if ((rc = mdb_txn_commit(child)) != 0) {
            op->result = rc == MDB_MAP_FULL ? LB_E_STORAGE_FULL : LB_E_INTERNAL;
        }
    }
    rc = mdb_txn_commit(txn);
    if (rc) {
        lb_error(NULL, "mdb_txn_commit() failed: %s", mdb_strerror(rc));
        int err = rc == ENOSPC || rc == MDB_MAP_FULL ? LB_E_STORAGE_FULL : LB_E_IO;
        for (lb_commit_op *op = batch; op; op = op->next)
            if (!op->result)
                op->result = err;
    }
}

static void *committer_main(void *arg)
{
    lb_store *s = arg;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (!s->queue_head && !s->stopping)
            pthread_cond_wait(&s->cv_work, &s->mu);
        if (!s->queue_head && s->stopping)
            break;
        lb_commit_op *batch = s->queue_head;
        s->queue_head = s->queue_tail = NULL;
        pthread_mutex_unlock(&s->mu);

        run_batch(s, batch);

        pthread_mutex_lock(&s->mu);
        s->batches++;
        for (lb_commit_op *op = batch, *next; op; op = next) {
            next = op->next; /* op lives on its caller's stack: read first */
            op->done = true;
            s->ops++;
        }
        pthread_cond_broadcast(&s->cv_done);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int lb_commit_start(lb_store *s)
{
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv_work, NULL);
    pthread_cond_init(&s->cv_done, NULL);
    int rc = pthread_create(&s->committer, NULL, committer_main, s);
    return rc ? -rc : 0;
}

void lb_commit_stop(lb_store *s)
{
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->cv_work);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->committer, NULL);
    pthread_cond_destroy(&s->cv_work);
    pthread_cond_destroy(&s->cv_done);
    pthread_mutex_destroy(&s->mu);
}

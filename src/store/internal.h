/* Private to store/: the store struct, record codec and the committer. */
#ifndef LB_STORE_INTERNAL_H
#define LB_STORE_INTERNAL_H

#include "store/store.h"

#include <lmdb.h>
#include <pthread.h>

#define LB_SHARDS 256
#define LB_BLOCK_SIZE (64 * 1024)
/* LMDB's default build limits keys to 511 bytes; longer object keys are
 * stored under a truncated key plus a hash (see objkey.c). */
#define LB_MAX_DBKEY 480
#define LB_PIN_SLOTS 256

typedef struct pin pin;
/* Upload keys add \0 and the upload id, and must still fit LMDB's 511. */
#define LB_MAX_UPLOAD_DBKEY (511 - 1 - LB_VERSION_ID_LEN)

typedef struct lb_commit_op lb_commit_op;

struct lb_store {
    char *dir;      /* data directory */
    char *zone;     /* data/zone0: the only zone for now */
    const lb_io *io;
    MDB_env *env;
    MDB_dbi dbi_buckets, dbi_objects, dbi_uploads, dbi_parts, dbi_users, dbi_keys, dbi_journal,
        dbi_meta;
    int shard_fd[LB_SHARDS]; /* open directory fds of zone/objects/xx, for fsync */
    int tmp_fd;
    /* group commit */
    pthread_mutex_t mu;
    pthread_cond_t cv_work, cv_done;
    lb_commit_op *queue_head, *queue_tail;
    pthread_t committer;
    bool stopping;
    uint64_t batches, ops; /* statistics */
    /* files being streamed to clients (pins.c) */
    pthread_mutex_t pin_mu;
    pin *pins[LB_PIN_SLOTS];
};

/* A metadata mutation run inside the committer's transaction. */
typedef int (*lb_txn_fn)(lb_store *s, MDB_txn *txn, void *arg);

/* Runs fn in a (nested) transaction of the next group commit and waits until
 * that commit is durable.  dir_fd >= 0 is fsynced before the commit (the
 * directory a data file was just renamed into).  Returns fn's result, or the
 * commit's error. */
int lb_commit_run(lb_store *s, lb_txn_fn fn, void *arg, int dir_fd);
int lb_commit_start(lb_store *s);
void lb_commit_stop(lb_store *s);

/* ---- record codec: little-endian fixed ints, u32-length-prefixed strings */
typedef struct lb_enc {
    lb_buf b;
} lb_enc;
void lb_enc_u8(lb_enc *e, uint8_t v);
void lb_enc_u32(lb_enc *e, uint32_t v);
void lb_enc_u64(lb_enc *e, uint64_t v);
void lb_enc_str(lb_enc *e, const char *s); /* NULL encodes distinctly from "" */

typedef struct lb_dec {
    const uint8_t *p;
    size_t n, off;
    int err;
} lb_dec;
uint8_t lb_dec_u8(lb_dec *d);
uint32_t lb_dec_u32(lb_dec *d);
uint64_t lb_dec_u64(lb_dec *d);
char *lb_dec_str(lb_dec *d); /* malloc'ed, or NULL */
void lb_dec_strbuf(lb_dec *d, char *out, size_t cap);

/* ---- keys */
/* bucket \0 key, truncated with a hash suffix when too long for LMDB. */
void lb_objkey(lb_buf *out, const char *bucket, const char *key);
void lb_uploadkey(lb_buf *out, const char *bucket, const char *key, const char *upload_id);

int lb_object_encode(const lb_object *o, const char *key, lb_enc *e);
/* Decodes; *key (if given) receives the full object key (malloc'ed). */
int lb_object_decode_full(const void *val, size_t vlen, lb_object **out, char **key);

/* ---- data files */
/* Shard directory index for a file id (hex name): its last two hex digits. */
int lb_shard_of(const char *id);
/* Path of a zone-relative file. */
void lb_zone_path(const lb_store *s, const char *rel, lb_buf *out);
/* Moves a finished writer's temp file to zone/rel; returns the shard dir fd. */
int lb_writer_commit_file(lb_writer *w, const char *rel, int *dir_fd);
/* Removes zone-relative files (after their metadata is gone). */
void lb_store_unlink_files(lb_store *s, char **files, size_t n);

/* Journal (journal/) needs the txn; the store hands it these. */
int lb_store_journal(lb_store *s, MDB_txn *txn, const char *op, const char *bucket,
                     const char *key, const char *version, uint64_t size, const char *etag);

int lb_store_recover(lb_store *s);
/* Removes a bucket's configuration records (bucket_config.c) inside txn. */
/* "bucket \0 what": the key of a bucket configuration record in "meta". */
void lb_bucket_config_key(lb_buf *out, const char *bucket, const char *what);
int lb_store_bucket_config_drop(lb_store *s, MDB_txn *txn, const char *bucket);
/* True (and the unlink is left to the last reader) when file is pinned. */
bool lb_store_pin_defer(lb_store *s, const char *file);
/* At close: pins left belong to streams that never ended; their doomed
 * files become orphans for the next start-up to remove. */
void lb_store_pins_free(lb_store *s);
/* Writes o as the current version inside txn (multipart completion);
 * returns the replaced version's files for unlinking after the commit. */
int lb_store_commit_object(lb_store *s, MDB_txn *txn, const char *bucket, const char *key,
                           const lb_object *o, const lb_put_cond *cond, char ***old_files,
                           size_t *nold);
/* Opens a data file by path, checking its trailer and checksum table;
 * expect_size UINT64_MAX skips the size check. */
int lb_datafile_open_path(const char *path, uint64_t expect_size, lb_reader **out);
uint64_t lb_reader_size(const lb_reader *r);
/* Object data file name for a new version or part: objects/xx/<id>. */
void lb_data_file_name(const char *id, lb_buf *out);

#endif

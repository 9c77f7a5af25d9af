/* store: the site's crash-safe local store.
 *
 * Metadata lives in LMDB (buckets, current objects, multipart uploads and
 * their parts, users and keys, the journal); object data lives in files, one
 * per stored part, each ending in a table of per-block CRC32C checksums.
 *
 * Every mutation is one metadata transaction, committed by the group
 * committer (commit.c) so that concurrent writers share fsyncs.  Data is
 * always durable (fsynced and renamed into place) before the metadata that
 * names it commits; see the invariants at the top of commit.c.
 *
 * Thread rules: every function may be called from any thread.  Returned
 * records are owned by the caller and freed with their _free function. */
#ifndef LB_STORE_H
#define LB_STORE_H

#include "base/base.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct lb_store lb_store;

/* ---------------------------------------------------------------- file I/O
 * All store file I/O goes through this table so tests can inject EIO,
 * ENOSPC and failed fsyncs (io.c).  Each returns 0 / byte counts, or -errno. */
typedef struct lb_io {
    int (*open)(const char *path, int flags, int mode);
    ssize_t (*pwrite)(int fd, const void *p, size_t n, off_t off);
    int (*fsync)(int fd);
    int (*rename)(const char *from, const char *to);
    int (*unlink)(const char *path);
    int (*close)(int fd);
} lb_io;

/* The default (real syscalls), optionally wrapped by the fault injector that
 * LIFEBOAT_FAULT configures: "eio:pwrite:N", "enospc:pwrite:N", "eio:fsync:N",
 * "eio:rename:N", "eio:open:N", "eio:dirfsync:N" (directories only) fail the
 * Nth and later calls of that kind (N counted from start-up, from 0);
 * "enospc:pwrite:0" fails them all. */
const lb_io *lb_io_default(void);

/* ---------------------------------------------------------------- open/close */

typedef struct lb_store_opts {
    const char *data_dir;
    const lb_io *io;   /* NULL: lb_io_default() */
    uint64_t map_size; /* LMDB map size; 0: 1 TiB (sparse) */
} lb_store_opts;

/* Opens (creating if needed) and recovers: removes temp files and data files
 * that no committed metadata references.  Errors: -errno, LB_E_CORRUPT. */
int lb_store_open(const lb_store_opts *opts, lb_store **out);
void lb_store_close(lb_store *s);
const char *lb_store_dir(const lb_store *s);

/* ---------------------------------------------------------------- records */

typedef struct lb_hdr {
    char *name; /* lower case */
    char *value;
} lb_hdr;

/* One stored file of an object (a single PUT has one; multipart one per part). */
typedef struct lb_part_ref {
    char *file; /* path relative to the zone directory */
    uint64_t size;
    char etag[48];  /* hex md5 of the part */
    char *checksum; /* base64 of the object's checksum algorithm over the part, or NULL */
} lb_part_ref;

typedef struct lb_object {
    char version_id[LB_VERSION_ID_LEN + 1];
    uint64_t size;
    int64_t mtime_ms;
    char etag[48]; /* without quotes: hex md5, or hex-N for multipart */
    char owner[64];
    lb_hdr *headers; /* content-type, content-encoding, ..., x-amz-meta-* */
    size_t nheaders;
    char *tags;          /* URL query form "k=v&k2=v2", NULL when none */
    lb_cksum_alg ck_alg; /* LB_CK_NONE when no checksum */
    char *ck_value;      /* base64 (with "-N" suffix when composite) */
    bool ck_composite;   /* multipart checksum of checksums */
    lb_part_ref *parts;
    size_t nparts;
} lb_object;

void lb_object_free(lb_object *o);
const char *lb_object_header(const lb_object *o, const char *name);

typedef struct lb_bucket {
    char name[64];
    char owner[64];
    char region[32];
    int64_t created_ms;
    bool has_policy; /* filled by lb_store_bucket_get, in the same read */
} lb_bucket;

/* ---------------------------------------------------------------- buckets */

/* LB_E_BUCKET_OWNED_BY_YOU when owner already has it, LB_E_BUCKET_EXISTS otherwise. */
int lb_store_bucket_create(lb_store *s, const char *name, const char *owner, const char *region);
int lb_store_bucket_get(lb_store *s, const char *name, lb_bucket *out); /* LB_E_NO_SUCH_BUCKET */
/* LB_E_BUCKET_NOT_EMPTY when objects or multipart uploads remain. */
int lb_store_bucket_delete(lb_store *s, const char *name);
/* All buckets of owner (NULL: all), name order.  Free *out with free(). */
int lb_store_bucket_list(lb_store *s, const char *owner, lb_bucket **out, size_t *n);

/* ---------------------------------------------------------- bucket config */
/* A bucket's policy document, stored as given (the caller validates it) in
 * the "meta" database under "bucket\0policy"; removed with the bucket.
 * put and delete are durable on return and journalled ("bucket-policy",
 * "bucket-policy-delete").  Errors: LB_E_NO_SUCH_BUCKET; get and delete also
 * LB_E_NO_SUCH_BUCKET_POLICY when none is set.  *json (get) is a malloc'ed
 * NUL-terminated copy, *len its length without the NUL. */
int lb_store_bucket_policy_put(lb_store *s, const char *bucket, const char *json, size_t len);
int lb_store_bucket_policy_get(lb_store *s, const char *bucket, char **json, size_t *len);
int lb_store_bucket_policy_delete(lb_store *s, const char *bucket);

/* A bucket's public access block, as the caller encodes it (src/s3 stores
 * four '0'/'1' characters), under "bucket\0pab" in the "meta" database;
 * removed with the bucket.  Durable and journalled ("bucket-pab",
 * "bucket-pab-delete") like the policy.  Errors: LB_E_NO_SUCH_BUCKET; get and
 * delete also LB_E_NO_SUCH_PUBLIC_ACCESS_BLOCK when none is set.  *val (get)
 * is a malloc'ed NUL-terminated copy the caller frees. */
int lb_store_bucket_pab_put(lb_store *s, const char *bucket, const char *val, size_t len);
int lb_store_bucket_pab_get(lb_store *s, const char *bucket, char **val, size_t *len);
int lb_store_bucket_pab_delete(lb_store *s, const char *bucket);

/* ---------------------------------------------------------------- writing data */

/* A data file being written: bytes stream in, are checksummed per block,
 * hashed (MD5, and the requested checksum) and written to a temp file. */
typedef struct lb_writer lb_writer;

int lb_writer_new(lb_store *s, lb_cksum_alg ck, lb_writer **out);
int lb_writer_write(lb_writer *w, const void *p, size_t n);
/* Writes the checksum table, fsyncs.  md5 and ck digests come out. */
int lb_writer_finish(lb_writer *w, uint8_t md5[16], uint8_t *ck_out);
uint64_t lb_writer_size(const lb_writer *w);
/* Removes the temp file if it was never committed. */
void lb_writer_free(lb_writer *w);

/* ---------------------------------------------------------------- objects */

/* Conditions checked against the current version inside the commit
 * (conditional writes): if_none_match refuses when a version exists,
 * if_match (an ETag without quotes) when none exists or its ETag differs.
 * Failures: LB_E_PRECONDITION_FAILED, or LB_E_NO_SUCH_KEY for if_match on a
 * missing key. */
typedef struct lb_put_cond {
    bool if_none_match;
    const char *if_match;
} lb_put_cond;

/* Commits a new current version of bucket/key made of the finished writer's
 * file (single PUT).  Fills o->version_id, parts, size.  The replaced
 * version's data is removed after the commit.  The writer is consumed. */
int lb_store_object_put(lb_store *s, const char *bucket, const char *key, lb_object *o,
                        lb_writer *w, const lb_put_cond *cond);
/* Reads the current version.  LB_E_NO_SUCH_BUCKET / LB_E_NO_SUCH_KEY. */
int lb_store_object_get(lb_store *s, const char *bucket, const char *key, lb_object **out);
/* Deletes the current version (no error when absent, as S3). */
int lb_store_object_delete(lb_store *s, const char *bucket, const char *key);
/* Replaces the tag set (NULL clears) of the current version. */
int lb_store_object_set_tags(lb_store *s, const char *bucket, const char *key, const char *tags);

/* Listing: see s3/listing.h for the grouping; the store gives the ordered
 * source over one bucket's current keys inside a read transaction. */
typedef struct lb_store_lister lb_store_lister;
int lb_store_lister_open(lb_store *s, const char *bucket, bool uploads, lb_store_lister **out);
/* The lb_list_source callbacks (arg = the lister). Values decode with
 * lb_store_object_decode / lb_store_upload_decode. */
int lb_store_lister_seek(void *lister, const char *key, size_t len);
int lb_store_lister_next(void *lister, const char **key, size_t *klen, const void **val,
                         size_t *vlen);
void lb_store_lister_close(lb_store_lister *l);
int lb_store_object_decode(const void *val, size_t vlen, lb_object **out);

/* ---------------------------------------------------------------- reading data */

typedef struct lb_reader lb_reader;

/* Opens part i of o for reading, checking the file's checksum table. */
int lb_reader_open(lb_store *s, const lb_object *o, size_t part, lb_reader **out);
/* Verifies every block overlapping [off, off+len) (LB_E_CORRUPT on mismatch). */
int lb_reader_verify(lb_reader *r, uint64_t off, uint64_t len);
/* Reads with verification of the blocks touched; returns bytes or error. */
ssize_t lb_reader_read(lb_reader *r, uint64_t off, void *p, size_t n);
/* Small single-file objects (up to LB_SMALL_READ bytes) in one read: the
 * whole data file is read at once, its trailer, table and every block are
 * verified, and the object's bytes come back malloc'ed (*out, o->size bytes;
 * caller frees).  LB_E_INVALID_ARGUMENT when o is not small. */
#define LB_SMALL_READ (256 * 1024)
int lb_store_read_small(lb_store *s, const lb_object *o, char **out);
/* Pins o's files for a GET that reads them over time: a concurrent overwrite
 * or delete defers their unlink until lb_store_unpin.  Pin, then
 * lb_store_pin_check (-ENOENT: o was replaced before the pin; read the
 * metadata again). */
void lb_store_pin(lb_store *s, const lb_object *o);
void lb_store_unpin(lb_store *s, const lb_object *o);
int lb_store_pin_check(lb_store *s, const lb_object *o);
/* Hands the fd over (for sendfile); the reader keeps no fd afterwards. */
int lb_reader_take_fd(lb_reader *r);
void lb_reader_close(lb_reader *r);

/* ---------------------------------------------------------------- multipart */

typedef struct lb_upload {
    char upload_id[LB_VERSION_ID_LEN + 1];
    char *key;
    char owner[64];
    int64_t initiated_ms;
    lb_hdr *headers;
    size_t nheaders;
    char *tags;
    lb_cksum_alg ck_alg;
    bool ck_full_object; /* x-amz-checksum-type FULL_OBJECT */
} lb_upload;

typedef struct lb_part {
    int number;
    uint64_t size;
    int64_t mtime_ms;
    char etag[36];
    char *file;
    char *checksum; /* base64 or NULL */
} lb_part;

void lb_upload_free(lb_upload *u);
void lb_parts_free(lb_part *p, size_t n);

int lb_store_upload_create(lb_store *s, const char *bucket, lb_upload *u); /* fills upload_id */
int lb_store_upload_get(lb_store *s, const char *bucket, const char *key, const char *upload_id,
                        lb_upload **out); /* LB_E_NO_SUCH_UPLOAD */
/* Commits a part from a finished writer (replacing an earlier same-number part). */
int lb_store_upload_put_part(lb_store *s, const char *bucket, const char *key,
                             const char *upload_id, lb_part *p, lb_writer *w);
/* Parts in number order, starting after `after`, at most max (0: all). */
int lb_store_upload_parts(lb_store *s, const char *upload_id, int after, size_t max, lb_part **out,
                          size_t *n, bool *truncated);
/* Makes o (already holding parts/etag/size/headers) the current version and
 * removes the upload; parts not used are deleted.  LB_E_NO_SUCH_UPLOAD. */
int lb_store_upload_complete(lb_store *s, const char *bucket, const char *key,
                             const char *upload_id, lb_object *o, const lb_put_cond *cond);
int lb_store_upload_abort(lb_store *s, const char *bucket, const char *key, const char *upload_id);
int lb_store_upload_decode(const void *val, size_t vlen, lb_upload **out);

/* ---------------------------------------------------------------- users and keys */

typedef struct lb_user_key {
    char access_key[128];
    char secret[128];
    char user[64];
} lb_user_key;

int lb_store_user_add(lb_store *s, const char *name);          /* LB_E_USER_EXISTS */
int lb_store_user_remove(lb_store *s, const char *name);       /* and its keys */
int lb_store_user_list(lb_store *s, char ***names, size_t *n); /* free each and the array */
int lb_store_user_exists(lb_store *s, const char *name);       /* 0 or LB_E_NO_SUCH_USER */
int lb_store_key_add(lb_store *s, const lb_user_key *k);       /* LB_E_USER_EXISTS if key taken */
int lb_store_key_remove(lb_store *s, const char *access_key);
int lb_store_key_get(lb_store *s, const char *access_key, lb_user_key *out);
int lb_store_key_list(lb_store *s, const char *user, lb_user_key **out, size_t *n);

/* ---------------------------------------------------------------- offline check */

/* Checks every object's data files against metadata (existence, size,
 * checksum tables, block checksums).  Prints one line per problem to out.
 * Returns the number of problems found, or a negative error. */
int lb_store_fsck(const char *data_dir, void *out_FILE);

#endif

/* listing: the grouping logic of ListObjects, ListObjectsV2 and
 * ListMultipartUploads over any source of keys in ascending byte order
 * (private to src/s3).  The store plugs in an LMDB cursor; tests an array.
 *
 * Thread safety: none of its own; a run uses only its source. */
#ifndef LB_S3_LISTING_H
#define LB_S3_LISTING_H

#include "base/base.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct lb_list_source {
    void *arg;
    /* Position at the first key >= key in memcmp order (len may be 0: the
     * very first key).  0 or a negative error. */
    int (*seek)(void *arg, const char *key, size_t len);
    /* Return 0 with the current key/value and advance; 1 at the end; or a
     * negative error.  The pointers need only stay valid until the next
     * call to seek or next: the run copies what it keeps. */
    int (*next)(void *arg, const char **key, size_t *klen, const void **val, size_t *vlen);
} lb_list_source;

typedef struct lb_list_params {
    const char *prefix;      /* NULL or "" for none */
    const char *delimiter;   /* NULL or "" for none; may be several bytes */
    const char *start_after; /* exclusive: marker, start-after or the decoded
                              * continuation token; NULL for none */
    size_t max_keys;         /* 0 returns nothing and is not truncated, as S3 */
} lb_list_params;

typedef struct lb_list_entry {
    char *key; /* NUL-terminated copy */
    void *val; /* copy of the value (vlen bytes; non-NULL) */
    size_t vlen;
} lb_list_entry;

typedef struct lb_list_result {
    lb_list_entry *entries; /* Contents, ascending */
    size_t nentries;
    char **prefixes; /* CommonPrefixes, ascending, each counted against max_keys */
    size_t nprefixes;
    bool truncated;    /* at least one more key or common prefix follows */
    char *next_marker; /* when truncated: the last key or common prefix
                        * returned, to pass back as start_after; else NULL */
} lb_list_result;

/* Lists keys that start with prefix and sort after start_after.  With a
 * delimiter, a key whose remainder after the prefix contains it is rolled up
 * into one common prefix: the key up to and including the first delimiter
 * after the prefix.  Keys and common prefixes together form one ascending
 * sequence of items; the result holds the first max_keys of those that sort
 * after start_after, so a start_after that is a common prefix, or any key
 * under one, skips that whole group.
 *
 * Cost: one seek at the start, one next per item returned (plus one to learn
 * whether more follow), and after each common prefix one seek past all the
 * keys under it, never a walk through them.
 *
 * Returns 0 with *out filled (free with lb_list_result_free), or the first
 * negative error of the source, in which case *out is left empty. */
int lb_list_run(const lb_list_source *src, const lb_list_params *p, lb_list_result *out);
void lb_list_result_free(lb_list_result *r);

#endif

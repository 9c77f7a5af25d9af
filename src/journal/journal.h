/* journal: the site's ordered record of every mutation.
 *
 * Entries are appended inside the same LMDB transaction as the change they
 * describe, so the journal and the state it describes can never disagree.
 * Keys are big-endian sequence numbers; values are lb_journal_entry encoded
 * as tab-free text fields (see journal.c).  Replication, point-in-time
 * recovery and RPO measurement read it (later issues). */
#ifndef LB_JOURNAL_H
#define LB_JOURNAL_H

#include "base/base.h"

#include <lmdb.h>

typedef struct lb_journal_entry {
    uint64_t seq;     /* assigned by append */
    uint64_t hlc;     /* assigned by append */
    const char *op;   /* "put", "delete", "complete", "tags", "bucket-create", ... */
    const char *bucket;
    const char *key;     /* may be NULL */
    const char *version; /* may be NULL */
    uint64_t size;
    const char *etag;    /* may be NULL */
} lb_journal_entry;

/* Appends e to dbi within txn; fills e->seq and e->hlc.  MDB errors are
 * returned as LB_E_INTERNAL. */
int lb_journal_append(MDB_txn *txn, MDB_dbi dbi, lb_journal_entry *e);

/* Calls fn for each entry with seq >= since, in order, until fn returns
 * nonzero.  Strings are valid only during the call. */
int lb_journal_scan(MDB_txn *txn, MDB_dbi dbi, uint64_t since,
                    int (*fn)(void *arg, const lb_journal_entry *e), void *arg);

#endif

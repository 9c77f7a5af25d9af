/* Listing: prefixes, delimiters and pagination over a sorted key source.
 *
 * Invariants the code below relies on:
 *  1. Items (keys that are not rolled up, and common prefixes) come out in
 *     strictly ascending order: a common prefix P sorts before every key
 *     under it, and any key between P and the first key under P would itself
 *     start with P and so be under P.
 *  2. Hence "items after start_after" is a suffix of the full item sequence,
 *     and passing the last item returned back as start_after continues the
 *     listing exactly; a common prefix never repeats across pages because a
 *     start_after at or under P also sorts at or after P.
 *  3. Every key under P sorts before succ(P), the shortest string greater
 *     than all strings that start with P; seeking there skips the group in
 *     one step however many keys it holds. */
#include "s3/listing.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* memcmp order, shorter first on a tie: the order of LMDB's default
 * comparator and of S3 listings (UTF-8 byte order). */
static int bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
    int c = memcmp(a, b, alen < blen ? alen : blen);
    if (c)
        return c;
    return alen < blen ? -1 : alen > blen;
}

/* Writes succ(p[0..n)) to out: p with its last byte incremented after
 * dropping trailing 0xFF bytes (the carry).  Returns false when p is all
 * 0xFF: no string sorts after every string starting with p. */
static bool successor(const char *p, size_t n, lb_buf *out)
{
    while (n > 0 && (unsigned char)p[n - 1] == 0xFF)
        n--;
    if (n == 0)
        return false;
    lb_buf_reset(out);
    lb_buf_append(out, p, n);
    out->data[n - 1] = (char)((unsigned char)out->data[n - 1] + 1);
    return true;
}

struct run {
    const char *prefix, *delim, *sa;
    size_t plen, dlen, salen;
};

/* Length of the common prefix key k rolls up into, 0 when it does not.
 * k must start with the prefix. */
static size_t group_len(const struct run *r, const char *k, size_t klen)
{
    if (r->dlen == 0)
        return 0;
    const char *d = memmem(k + r->plen, klen - r->plen, r->delim, r->dlen);
    return d ? (size_t)(d - k) + r->dlen : 0;
}

static bool has_prefix(const struct run *r, const char *k, size_t klen)
{
    return klen >= r->plen && memcmp(k, r->prefix, r->plen) == 0;
}

/* Where the listing starts: the prefix, or start_after if that sorts later,
 * or past start_after's whole group when it lies under a common prefix
 * (invariant 2).  Returns false when nothing can follow. */
static bool start_key(const struct run *r, lb_buf *seek)
{
    lb_buf_append(seek, r->prefix, r->plen);
    if (r->sa == NULL || bytes_cmp(r->sa, r->salen, r->prefix, r->plen) <= 0)
        return true;
    if (has_prefix(r, r->sa, r->salen)) {
        size_t g = group_len(r, r->sa, r->salen);
        if (g)
            return successor(r->sa, g, seek);
    }
    lb_buf_reset(seek);
    lb_buf_append(seek, r->sa, r->salen);
    return true;
}

int lb_list_run(const lb_list_source *src, const lb_list_params *p, lb_list_result *out)
{
    int rc = 0;
    struct run r = {0};
    lb_buf seek = {0};
    size_t cap_e = 0, cap_p = 0, count = 0;
    bool last_is_prefix = false;

    memset(out, 0, sizeof(*out));
    r.prefix = p->prefix ? p->prefix : "";
    r.plen = strlen(r.prefix);
    r.delim = p->delimiter ? p->delimiter : "";
    r.dlen = strlen(r.delim);
    r.sa = p->start_after;
    r.salen = r.sa ? strlen(r.sa) : 0;

    /* S3 answers max-keys=0 with nothing and IsTruncated false. */
    if (p->max_keys == 0)
        goto out;
    if (!start_key(&r, &seek))
        goto out;
    rc = src->seek(src->arg, seek.data, seek.len);
    if (rc < 0)
        goto out;

    for (;;) {
        const char *k;
        const void *v;
        size_t klen, vlen, g;

        rc = src->next(src->arg, &k, &klen, &v, &vlen);
        if (rc < 0)
            goto out;
        if (rc > 0) {
            rc = 0;
            break;
        }
        /* Sorted source: the first key outside the prefix ends the range. */
        if (!has_prefix(&r, k, klen))
            break;
        /* Only start_after itself can show up here: the seek went past it
         * or past its group. */
        if (r.sa && bytes_cmp(k, klen, r.sa, r.salen) <= 0)
            continue;
        /* This key starts a new item; if the page is full it is the proof
         * that more follow. */
        if (count == p->max_keys) {
            out->truncated = true;
            break;
        }
        g = group_len(&r, k, klen);
        if (g) {
            if (out->nprefixes == cap_p) {
                cap_p = cap_p ? cap_p * 2 : 16;
                out->prefixes = lb_xrealloc(out->prefixes, cap_p * sizeof(char *));
            }
            out->prefixes[out->nprefixes++] = lb_xstrndup(k, g);
            count++;
            last_is_prefix = true;
            /* k dies with the seek; successor() has copied what it needs. */
            if (!successor(k, g, &seek))
                break;
            rc = src->seek(src->arg, seek.data, seek.len);
            if (rc < 0)
                goto out;
            continue;
        }
        if (out->nentries == cap_e) {
            cap_e = cap_e ? cap_e * 2 : 16;
            out->entries = lb_xrealloc(out->entries, cap_e * sizeof(lb_list_entry));
        }
        lb_list_entry *e = &out->entries[out->nentries++];
        e->key = lb_xstrndup(k, klen);
        e->val = lb_xmalloc(vlen);
        if (vlen)
            memcpy(e->val, v, vlen);
        e->vlen = vlen;
        count++;
        last_is_prefix = false;
    }
    if (out->truncated)
        out->next_marker = lb_xstrdup(last_is_prefix ? out->prefixes[out->nprefixes - 1]
                                                     : out->entries[out->nentries - 1].key);
out:
    if (rc < 0)
        lb_list_result_free(out);
    lb_buf_free(&seek);
    return rc;
}

void lb_list_result_free(lb_list_result *r)
{
    for (size_t i = 0; i < r->nentries; i++) {
        free(r->entries[i].key);
        free(r->entries[i].val);
    }
    free(r->entries);
    for (size_t i = 0; i < r->nprefixes; i++)
        free(r->prefixes[i]);
    free(r->prefixes);
    free(r->next_marker);
    memset(r, 0, sizeof(*r));
}

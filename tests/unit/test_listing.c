/* Listing: S3 grouping semantics against a naive reference, pagination at
 * every page size, and call counting to prove groups are skipped by seeking
 * rather than walked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "s3/listing.h"

/* ---------------------------------------------------------------- array source */

typedef struct key {
    char *s;
    size_t n;
} key;

typedef struct arr {
    key *k;
    size_t n, pos;
    size_t nseek, nnext;
    int fail_next_at; /* >0: the Nth next call fails with -5 */
} arr;

static int cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c ? c : (an > bn) - (an < bn);
}

static int key_cmp(const void *x, const void *y)
{
    const key *a = x, *b = y;
    return cmp_bytes(a->s, a->n, b->s, b->n);
}

static int arr_seek(void *p, const char *k, size_t n)
{
    arr *a = p;
    size_t lo = 0, hi = a->n;
    a->nseek++;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cmp_bytes(a->k[mid].s, a->k[mid].n, k, n) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    a->pos = lo;
    return 0;
}

static int arr_next(void *p, const char **k, size_t *kl, const void **v, size_t *vl)
{
    arr *a = p;
    a->nnext++;
    if (a->fail_next_at && (int)a->nnext == a->fail_next_at)
        return -5;
    if (a->pos >= a->n)
        return 1;
    *k = a->k[a->pos].s;
    *kl = a->k[a->pos].n;
    /* The value is the key itself, so copies can be checked. */
    *v = a->k[a->pos].s;
    *vl = a->k[a->pos].n;
    a->pos++;
    return 0;
}

static void arr_add(arr *a, const char *s)
{
    a->k = realloc(a->k, (a->n + 1) * sizeof(key));
    a->k[a->n].s = strdup(s);
    a->k[a->n].n = strlen(s);
    a->n++;
}

/* Sorts and removes duplicates, as a store would hold them. */
static void arr_finish(arr *a)
{
    size_t o = 0;
    qsort(a->k, a->n, sizeof(key), key_cmp);
    for (size_t i = 0; i < a->n; i++) {
        if (o > 0 && key_cmp(&a->k[o - 1], &a->k[i]) == 0) {
            free(a->k[i].s);
            continue;
        }
        a->k[o++] = a->k[i];
    }
    a->n = o;
}

static void arr_free(arr *a)
{
    for (size_t i = 0; i < a->n; i++)
        free(a->k[i].s);
    free(a->k);
    memset(a, 0, sizeof(*a));
}

static lb_list_source src_of(arr *a)
{
    lb_list_source s = {a, arr_seek, arr_next};
    return s;
}

static int run(arr *a, const char *prefix, const char *delim, const char *sa, size_t max,
               lb_list_result *r)
{
    lb_list_source s = src_of(a);
    lb_list_params p = {prefix, delim, sa, max};
    a->nseek = a->nnext = 0;
    return lb_list_run(&s, &p, r);
}

/* ---------------------------------------------------------------- reference */

/* One item of a listing: a key (is_prefix false) or a common prefix. */
typedef struct item {
    char *s;
    bool is_prefix;
} item;

typedef struct items {
    item *v;
    size_t n;
} items;

static void items_push(items *it, const char *s, size_t n, bool is_prefix)
{
    it->v = realloc(it->v, (it->n + 1) * sizeof(item));
    it->v[it->n].s = strndup(s, n);
    it->v[it->n].is_prefix = is_prefix;
    it->n++;
}

static void items_free(items *it)
{
    for (size_t i = 0; i < it->n; i++)
        free(it->v[i].s);
    free(it->v);
    memset(it, 0, sizeof(*it));
}

/* The obvious quadratic-free but walk-everything version of the S3 rules:
 * every key is looked at, groups are deduplicated by comparing with the
 * previous item, and items not after start_after are dropped. */
static void reference(const arr *a, const char *prefix, const char *delim, const char *sa,
                      items *out)
{
    size_t plen = prefix ? strlen(prefix) : 0, dlen = delim ? strlen(delim) : 0;
    if (prefix == NULL)
        prefix = "";
    for (size_t i = 0; i < a->n; i++) {
        const char *k = a->k[i].s;
        size_t kn = a->k[i].n, in = kn;
        bool grp = false;
        if (kn < plen || memcmp(k, prefix, plen) != 0)
            continue;
        if (dlen) {
            const char *d = memmem(k + plen, kn - plen, delim, dlen);
            if (d) {
                in = (size_t)(d - k) + dlen;
                grp = true;
            }
        }
        if (sa && cmp_bytes(k, in, sa, strlen(sa)) <= 0)
            continue;
        if (out->n && strlen(out->v[out->n - 1].s) == in &&
            memcmp(out->v[out->n - 1].s, k, in) == 0)
            continue;
        items_push(out, k, in, grp);
    }
}

/* Flattens a result into its item sequence (entries and prefixes merged in
 * order), checking on the way that both lists are ascending. */
static void result_items(const lb_list_result *r, items *out)
{
    size_t i = 0, j = 0;
    while (i < r->nentries || j < r->nprefixes) {
        bool take_prefix;
        if (i == r->nentries)
            take_prefix = true;
        else if (j == r->nprefixes)
            take_prefix = false;
        else
            take_prefix = strcmp(r->prefixes[j], r->entries[i].key) < 0;
        if (take_prefix) {
            items_push(out, r->prefixes[j], strlen(r->prefixes[j]), true);
            j++;
        } else {
            items_push(out, r->entries[i].key, strlen(r->entries[i].key), false);
            i++;
        }
        if (out->n > 1)
            assert_true(strcmp(out->v[out->n - 2].s, out->v[out->n - 1].s) < 0);
    }
}

static void assert_items_eq(const items *a, const items *b, size_t from, size_t count)
{
    assert_int_equal(a->n, count);
    for (size_t i = 0; i < count; i++) {
        assert_string_equal(a->v[i].s, b->v[from + i].s);
        assert_int_equal(a->v[i].is_prefix, b->v[from + i].is_prefix);
    }
}

/* ---------------------------------------------------------------- fixtures */

static arr small_bucket(void)
{
    arr a = {0};
    const char *keys[] = {
        "a",
        "a/",
        "a/b",
        "a/b/c",
        "a/b/d",
        "a/c",
        "a/c/",
        "a//x",
        "ab",
        "abab",
        "abc/def",
        "b/1",
        "b/2",
        "b/3/4",
        "c",
        "photos/2006/jan/sample.jpg",
        "photos/2006/feb/sample2.jpg",
        "photos/2006/feb/sample3.jpg",
        "photos/2006/index.html",
        "\xc3\xa9t\xc3\xa9/x",
        "\xc3\xa9t\xc3\xa9",
        "\xe6\x97\xa5\xe6\x9c\xac/a",
        "\xe6\x97\xa5\xe6\x9c\xac/b",
        "a\xff",
        "a\xff/x",
        "a\xff\xff/y",
        "a\xff"
        "b",
        "\xff",
        "\xff/",
        "\xff\xff",
        "\xff\xff/z",
        "\xff\xff\xff",
    };
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        arr_add(&a, keys[i]);
    arr_finish(&a);
    return a;
}

/* A bigger generated set: nested directories three deep from a small
 * alphabet that includes multi-byte UTF-8 and 0xFF bytes. */
static arr generated_bucket(void)
{
    arr a = {0};
    const char *parts[] = {"a", "b", "ab", "x\xff", "\xff", "\xc3\xa9", "z"};
    size_t np = sizeof(parts) / sizeof(parts[0]);
    char buf[64];
    for (size_t i = 0; i < np; i++) {
        arr_add(&a, parts[i]);
        for (size_t j = 0; j < np; j++) {
            if ((i + j) % 2 == 0) {
                snprintf(buf, sizeof(buf), "%s/%s", parts[i], parts[j]);
                arr_add(&a, buf);
            }
            for (size_t k = 0; k < np; k++) {
                if ((i * 7 + j * 3 + k) % 4 == 0) {
                    snprintf(buf, sizeof(buf), "%s/%s/%s", parts[i], parts[j], parts[k]);
                    arr_add(&a, buf);
                }
            }
        }
        snprintf(buf, sizeof(buf), "%s/", parts[i]);
        arr_add(&a, buf);
    }
    arr_finish(&a);
    return a;
}

/* ---------------------------------------------------------------- tests */

static void check_full(arr *a, const char *prefix, const char *delim, const char *sa)
{
    lb_list_result r;
    items want = {0}, got = {0};
    reference(a, prefix, delim, sa, &want);
    assert_int_equal(run(a, prefix, delim, sa, 1000000, &r), 0);
    assert_false(r.truncated);
    assert_null(r.next_marker);
    result_items(&r, &got);
    assert_items_eq(&got, &want, 0, want.n);
    for (size_t i = 0; i < r.nentries; i++) {
        assert_int_equal(r.entries[i].vlen, strlen(r.entries[i].key));
        assert_memory_equal(r.entries[i].val, r.entries[i].key, r.entries[i].vlen);
    }
    /* One next per item, one for the end, one for start_after itself. */
    assert_true(a->nnext <= want.n + 2);
    items_free(&want);
    items_free(&got);
    lb_list_result_free(&r);
}

/* Pages of every size 1..N+1 concatenate to the full listing; every page
 * but the last is truncated with next_marker = its last item, and no page
 * reads more than its items plus two keys. */
static void check_pagination(arr *a, const char *prefix, const char *delim)
{
    items want = {0};
    reference(a, prefix, delim, NULL, &want);
    for (size_t ps = 1; ps <= want.n + 1; ps++) {
        char *marker = NULL;
        size_t done = 0;
        for (;;) {
            lb_list_result r;
            items got = {0};
            assert_int_equal(run(a, prefix, delim, marker, ps, &r), 0);
            result_items(&r, &got);
            size_t expect = want.n - done < ps ? want.n - done : ps;
            assert_items_eq(&got, &want, done, expect);
            assert_true(a->nnext <= got.n + 2);
            done += got.n;
            assert_int_equal(r.truncated, done < want.n);
            free(marker);
            marker = NULL;
            if (r.truncated) {
                assert_non_null(r.next_marker);
                assert_string_equal(r.next_marker, got.v[got.n - 1].s);
                marker = strdup(r.next_marker);
            } else {
                assert_null(r.next_marker);
            }
            items_free(&got);
            lb_list_result_free(&r);
            if (!marker)
                break;
        }
        assert_int_equal(done, want.n);
    }
    items_free(&want);
}

static const char *prefixes[] = {NULL,   "",         "a",     "a/",  "a/b",  "photos/2006/",
                                 "\xff", "\xc3\xa9", "x\xff", "zzz", "a\xff"};
static const char *delims[] = {NULL, "", "/", "ab", "/b", "\xff", "\xff/", "b/", "//"};
#define N(x) (sizeof(x) / sizeof((x)[0]))

static void test_against_reference(void **state)
{
    (void)state;
    arr a = small_bucket(), g = generated_bucket();
    const char *sas[] = {NULL,
                         "",
                         "a",
                         "a/",
                         "a/b",
                         "a/b/",
                         "a/b/c",
                         "ab",
                         "b",
                         "zzz",
                         "\xff",
                         "\xff\xff",
                         "photos/2006/feb/",
                         "a\xff"};
    for (size_t i = 0; i < N(prefixes); i++)
        for (size_t j = 0; j < N(delims); j++)
            for (size_t k = 0; k < N(sas); k++) {
                check_full(&a, prefixes[i], delims[j], sas[k]);
                check_full(&g, prefixes[i], delims[j], sas[k]);
            }
    arr_free(&a);
    arr_free(&g);
}

static void test_pagination_every_page_size(void **state)
{
    (void)state;
    arr a = small_bucket(), g = generated_bucket();
    for (size_t i = 0; i < N(prefixes); i++)
        for (size_t j = 0; j < N(delims); j++) {
            check_pagination(&a, prefixes[i], delims[j]);
            check_pagination(&g, prefixes[i], delims[j]);
        }
    arr_free(&a);
    arr_free(&g);
}

/* The example of the S3 documentation, spelled out. */
static void test_delimiter_slash(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    assert_int_equal(run(&a, "photos/2006/", "/", NULL, 1000, &r), 0);
    assert_int_equal(r.nentries, 1);
    assert_string_equal(r.entries[0].key, "photos/2006/index.html");
    assert_int_equal(r.nprefixes, 2);
    assert_string_equal(r.prefixes[0], "photos/2006/feb/");
    assert_string_equal(r.prefixes[1], "photos/2006/jan/");
    assert_false(r.truncated);
    lb_list_result_free(&r);

    assert_int_equal(run(&a, NULL, "/", NULL, 1000, &r), 0);
    /* Byte order: '/' < 'b' < 0xC3 (é) < 0xE6 (日) < 0xFF. */
    const char *keys[] = {"a",
                          "ab",
                          "abab",
                          "a\xff",
                          "a\xff"
                          "b",
                          "c",
                          "\xc3\xa9t\xc3\xa9",
                          "\xff",
                          "\xff\xff",
                          "\xff\xff\xff"};
    const char *pfx[] = {"a/",
                         "abc/",
                         "a\xff/",
                         "a\xff\xff/",
                         "b/",
                         "photos/",
                         "\xc3\xa9t\xc3\xa9/",
                         "\xe6\x97\xa5\xe6\x9c\xac/",
                         "\xff/",
                         "\xff\xff/"};
    assert_int_equal(r.nentries, N(keys));
    for (size_t i = 0; i < N(keys); i++)
        assert_string_equal(r.entries[i].key, keys[i]);
    assert_int_equal(r.nprefixes, N(pfx));
    for (size_t i = 0; i < N(pfx); i++)
        assert_string_equal(r.prefixes[i], pfx[i]);
    lb_list_result_free(&r);
    arr_free(&a);
}

static void test_multichar_delimiter(void **state)
{
    (void)state;
    arr a = {0};
    const char *keys[] = {"1--2--3", "1--4", "1-5", "2", "2--", "3-", "3---x"};
    for (size_t i = 0; i < N(keys); i++)
        arr_add(&a, keys[i]);
    arr_finish(&a);
    lb_list_result r;
    assert_int_equal(run(&a, NULL, "--", NULL, 100, &r), 0);
    assert_int_equal(r.nentries, 3);
    assert_string_equal(r.entries[0].key, "1-5");
    assert_string_equal(r.entries[1].key, "2");
    assert_string_equal(r.entries[2].key, "3-");
    assert_int_equal(r.nprefixes, 3);
    assert_string_equal(r.prefixes[0], "1--");
    assert_string_equal(r.prefixes[1], "2--");
    /* First occurrence of "--" in "3---x" is at offset 1. */
    assert_string_equal(r.prefixes[2], "3--");
    lb_list_result_free(&r);

    /* Under prefix "1--" the remainder "2--3" rolls up to "1--2--". */
    assert_int_equal(run(&a, "1--", "--", NULL, 100, &r), 0);
    assert_int_equal(r.nentries, 1);
    assert_string_equal(r.entries[0].key, "1--4");
    assert_int_equal(r.nprefixes, 1);
    assert_string_equal(r.prefixes[0], "1--2--");
    lb_list_result_free(&r);
    arr_free(&a);
}

static void test_prefix_is_common_prefix(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    assert_int_equal(run(&a, "a/", "/", NULL, 1000, &r), 0);
    /* "a/" itself is a key with an empty remainder: listed, not rolled up. */
    assert_int_equal(r.nentries, 3);
    assert_string_equal(r.entries[0].key, "a/");
    assert_string_equal(r.entries[1].key, "a/b");
    assert_string_equal(r.entries[2].key, "a/c");
    assert_int_equal(r.nprefixes, 3);
    assert_string_equal(r.prefixes[0], "a//");
    assert_string_equal(r.prefixes[1], "a/b/");
    assert_string_equal(r.prefixes[2], "a/c/");
    lb_list_result_free(&r);
    arr_free(&a);
}

static void test_start_after_common_prefix(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    /* max_keys 1: the page is the prefix "a/", and it is truncated. */
    assert_int_equal(run(&a, NULL, "/", NULL, 1, &r), 0);
    assert_int_equal(r.nentries, 1);
    assert_string_equal(r.entries[0].key, "a");
    assert_true(r.truncated);
    assert_string_equal(r.next_marker, "a");
    lb_list_result_free(&r);
    assert_int_equal(run(&a, NULL, "/", "a", 1, &r), 0);
    assert_int_equal(r.nprefixes, 1);
    assert_string_equal(r.prefixes[0], "a/");
    assert_string_equal(r.next_marker, "a/");
    lb_list_result_free(&r);
    /* Continuing from "a/" or from any key under it skips the group. */
    const char *markers[] = {"a/", "a/b", "a/zzzz", "a//"};
    for (size_t i = 0; i < N(markers); i++) {
        assert_int_equal(run(&a, NULL, "/", markers[i], 1, &r), 0);
        assert_int_equal(r.nprefixes, 0);
        assert_int_equal(r.nentries, 1);
        assert_string_equal(r.entries[0].key, "ab");
        assert_true(r.truncated);
        lb_list_result_free(&r);
    }
    arr_free(&a);
}

static void test_max_keys_zero(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    assert_int_equal(run(&a, NULL, "/", NULL, 0, &r), 0);
    assert_int_equal(r.nentries, 0);
    assert_int_equal(r.nprefixes, 0);
    assert_false(r.truncated);
    assert_null(r.next_marker);
    assert_int_equal(a.nnext, 0);
    lb_list_result_free(&r);
    arr_free(&a);
}

static void test_empty_bucket(void **state)
{
    (void)state;
    arr a = {0};
    lb_list_result r;
    assert_int_equal(run(&a, NULL, NULL, NULL, 1000, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    assert_false(r.truncated);
    assert_int_equal(a.nnext, 1);
    lb_list_result_free(&r);
    assert_int_equal(run(&a, "p/", "/", "p/q", 1, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    assert_false(r.truncated);
    lb_list_result_free(&r);
}

static void test_start_after_beyond_end(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    assert_int_equal(run(&a, NULL, NULL, "\xff\xff\xff\xff", 10, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    assert_false(r.truncated);
    lb_list_result_free(&r);
    /* start_after past the whole prefix range. */
    assert_int_equal(run(&a, "a/", "/", "b", 10, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    assert_false(r.truncated);
    assert_true(a.nnext <= 1);
    lb_list_result_free(&r);
    /* start_after before the prefix is the same as none. */
    assert_int_equal(run(&a, "b/", NULL, "a", 10, &r), 0);
    assert_int_equal(r.nentries, 3);
    lb_list_result_free(&r);
    arr_free(&a);
}

/* Groups whose prefix is all 0xFF bytes have no successor: the listing
 * must end there rather than seek somewhere wrong. */
static void test_ff_carry(void **state)
{
    (void)state;
    arr a = {0};
    const char *keys[] = {"a\xff",
                          "a\xff\xff",
                          "a\xff"
                          "b",
                          "a\xff\xff"
                          "c",
                          "b",
                          "\xff\xff",
                          "\xff\xff\xff",
                          "\xff\xff"
                          "a"};
    for (size_t i = 0; i < N(keys); i++)
        arr_add(&a, keys[i]);
    arr_finish(&a);
    lb_list_result r;
    assert_int_equal(run(&a, NULL, "\xff", NULL, 100, &r), 0);
    assert_int_equal(r.nentries, 1);
    assert_string_equal(r.entries[0].key, "b");
    assert_int_equal(r.nprefixes, 2);
    assert_string_equal(r.prefixes[0], "a\xff");
    assert_string_equal(r.prefixes[1], "\xff");
    /* a\xff (1 next), seek to "b", b, \xff.. (1 next), no successor: stop. */
    assert_int_equal(a.nnext, 3);
    assert_int_equal(a.nseek, 2);
    lb_list_result_free(&r);
    assert_int_equal(run(&a, NULL, "\xff", "\xff", 100, &r), 0);
    assert_int_equal(r.nentries + r.nprefixes, 0);
    assert_int_equal(a.nnext, 0);
    lb_list_result_free(&r);
    arr_free(&a);
}

static void test_source_error(void **state)
{
    (void)state;
    arr a = small_bucket();
    lb_list_result r;
    a.fail_next_at = 3;
    assert_int_equal(run(&a, NULL, NULL, NULL, 100, &r), -5);
    assert_null(r.entries);
    assert_int_equal(r.nentries, 0);
    assert_null(r.prefixes);
    arr_free(&a);
}

/* 100 directories of 1000 files: a page of 1000 keys reads ~1000 keys, and
 * a delimited listing of the 100 directories reads ~100 however full they
 * are. */
static void test_skipping_is_cheap(void **state)
{
    (void)state;
    arr a = {0};
    char buf[64];
    a.k = malloc(100000 * sizeof(key));
    for (int d = 0; d < 100; d++)
        for (int f = 0; f < 1000; f++) {
            int len = snprintf(buf, sizeof(buf), "dir%03d/file%05d", d, f);
            a.k[a.n].s = strdup(buf);
            a.k[a.n].n = (size_t)len;
            a.n++;
        }
    lb_list_result r;

    assert_int_equal(run(&a, NULL, NULL, "dir050/file00499", 1000, &r), 0);
    assert_int_equal(r.nentries, 1000);
    assert_string_equal(r.entries[0].key, "dir050/file00500");
    assert_string_equal(r.entries[999].key, "dir051/file00499");
    assert_true(r.truncated);
    assert_true(a.nnext <= 1002);
    assert_int_equal(a.nseek, 1);
    lb_list_result_free(&r);

    assert_int_equal(run(&a, NULL, "/", NULL, 1000, &r), 0);
    assert_int_equal(r.nentries, 0);
    assert_int_equal(r.nprefixes, 100);
    assert_string_equal(r.prefixes[99], "dir099/");
    assert_false(r.truncated);
    assert_int_equal(a.nnext, 101);
    assert_int_equal(a.nseek, 101);
    lb_list_result_free(&r);

    assert_int_equal(run(&a, "dir0", "/", "dir010/", 5, &r), 0);
    assert_int_equal(r.nprefixes, 5);
    assert_string_equal(r.prefixes[0], "dir011/");
    assert_string_equal(r.next_marker, "dir015/");
    assert_true(r.truncated);
    assert_int_equal(a.nnext, 6);
    lb_list_result_free(&r);
    arr_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delimiter_slash),
        cmocka_unit_test(test_multichar_delimiter),
        cmocka_unit_test(test_prefix_is_common_prefix),
        cmocka_unit_test(test_start_after_common_prefix),
        cmocka_unit_test(test_max_keys_zero),
        cmocka_unit_test(test_empty_bucket),
        cmocka_unit_test(test_start_after_beyond_end),
        cmocka_unit_test(test_ff_carry),
        cmocka_unit_test(test_source_error),
        cmocka_unit_test(test_skipping_is_cheap),
        cmocka_unit_test(test_against_reference),
        cmocka_unit_test(test_pagination_every_page_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

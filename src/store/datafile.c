/* Data files: the object bytes, then one CRC32C per 64 KiB block, then a
 * 32-byte trailer.  Keeping the bytes first lets GET sendfile() them at
 * their own offsets; the table at the end lets every read be verified.
 *
 *   [data: size bytes][crc32c x nblocks][trailer]
 *   trailer: "LBDATA01" u64 size  u32 block_size  u32 nblocks
 *            u32 crc32c(table)  u32 crc32c(trailer's first 28 bytes)
 */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define TRAILER_LEN 32
static const char magic[8] = {'L', 'B', 'D', 'A', 'T', 'A', '0', '1'};

struct lb_writer {
    lb_store *s;
    int fd;
    char *tmp_path;
    uint64_t size;
    uint32_t block_crc; /* crc of the current partial block */
    uint32_t block_fill;
    uint32_t *crcs;
    size_t ncrcs, capcrcs;
    lb_digest md5;
    lb_cksum ck;
    bool finished, committed;
};

int lb_writer_new(lb_store *s, lb_cksum_alg ck, lb_writer **out)
{
    lb_writer *w = lb_xcalloc(1, sizeof *w);
    w->s = s;
    char name[40];
    lb_random_alnum(name, 24);
    lb_buf p = {0};
    lb_buf_printf(&p, "%s/tmp/%s", s->zone, name);
    w->tmp_path = lb_buf_steal(&p);
    w->fd = s->io->open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    int rc = 0;
    if (w->fd < 0) {
        rc = w->fd;
        lb_error(NULL, "open() \"%s\" failed: %s", w->tmp_path, lb_strerror(rc));
        goto out;
    }
    if ((rc = lb_md5_init(&w->md5)) != 0)
        goto out;
    if ((rc = lb_cksum_init(&w->ck, ck)) != 0)
        goto out;
out:
    if (rc) {
        lb_writer_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

static void push_crc(lb_writer *w)
{
    if (w->ncrcs == w->capcrcs) {
        w->capcrcs = w->capcrcs ? w->capcrcs * 2 : 64;
        w->crcs = lb_xrealloc(w->crcs, w->capcrcs * sizeof *w->crcs);
    }
    w->crcs[w->ncrcs++] = w->block_crc;
    w->block_crc = 0;
    w->block_fill = 0;
}

int lb_writer_write(lb_writer *w, const void *p, size_t n)
{
    if (n == 0)
        return 0;
    ssize_t wr = w->s->io->pwrite(w->fd, p, n, (off_t)w->size);
    if (wr < 0) {
        lb_error(NULL, "pwrite() \"%s\" failed: %s", w->tmp_path, lb_strerror((int)wr));
        return (int)wr;
    }
    lb_digest_update(&w->md5, p, n);
    lb_cksum_update(&w->ck, p, n);
    const char *c = p;
    size_t left = n;
    while (left) {
        size_t take = LB_BLOCK_SIZE - w->block_fill;
        if (take > left)
            take = left;
        w->block_crc = lb_crc32c(w->block_crc, c, take);
        w->block_fill += (uint32_t)take;
        c += take;
        left -= take;
        if (w->block_fill == LB_BLOCK_SIZE)
            push_crc(w);
    }
    w->size += n;
    return 0;
}

uint64_t lb_writer_size(const lb_writer *w) { return w->size; }

static void put32(uint8_t *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(v >> (8 * i));
}
static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

int lb_writer_finish(lb_writer *w, uint8_t md5[16], uint8_t *ck_out)
{
    if (w->block_fill)
        push_crc(w);
    size_t tlen = w->ncrcs * 4;
    uint8_t *tab = lb_xmalloc(tlen + TRAILER_LEN);
    for (size_t i = 0; i < w->ncrcs; i++)
        put32(tab + 4 * i, w->crcs[i]);
    uint8_t *t = tab + tlen;
    memcpy(t, magic, 8);
    put32(t + 8, (uint32_t)w->size);
    put32(t + 12, (uint32_t)(w->size >> 32));
    put32(t + 16, LB_BLOCK_SIZE);
    put32(t + 20, (uint32_t)w->ncrcs);
    put32(t + 24, lb_crc32c(0, tab, tlen));
    put32(t + 28, lb_crc32c(0, t, 28));
    ssize_t wr = w->s->io->pwrite(w->fd, tab, tlen + TRAILER_LEN, (off_t)w->size);
    free(tab);
    if (wr < 0) {
        lb_error(NULL, "pwrite() \"%s\" failed: %s", w->tmp_path, lb_strerror((int)wr));
        return (int)wr;
    }
    int rc = w->s->io->fsync(w->fd);
    if (rc) {
        lb_error(NULL, "fsync() \"%s\" failed: %s", w->tmp_path, lb_strerror(rc));
        return rc;
    }
    lb_digest_final(&w->md5, md5);
    if (ck_out && w->ck.alg != LB_CK_NONE)
        lb_cksum_final(&w->ck, ck_out);
    w->finished = true;
    return 0;
}

int lb_shard_of(const char *id)
{
    size_t n = strlen(id);
    uint8_t b = 0;
    if (n >= 2 && lb_hex_decode(id + n - 2, 2, &b, 1) == 1)
        return b;
    return (int)(lb_crc32c(0, id, n) & 0xff);
}

void lb_zone_path(const lb_store *s, const char *rel, lb_buf *out)
{
    lb_buf_reset(out);
    lb_buf_printf(out, "%s/%s", s->zone, rel);
}

int lb_writer_commit_file(lb_writer *w, const char *rel, int *dir_fd)
{
    lb_buf dst = {0};
    lb_zone_path(w->s, rel, &dst);
    int rc = w->s->io->rename(w->tmp_path, dst.data);
    if (rc)
        lb_error(NULL, "rename() \"%s\" to \"%s\" failed: %s", w->tmp_path, dst.data,
                 lb_strerror(rc));
    else
        w->committed = true;
    lb_buf_free(&dst);
    /* rel is "objects/xx/<name>" */
    const char *slash = strchr(rel, '/');
    uint8_t shard = 0;
    if (slash)
        lb_hex_decode(slash + 1, 2, &shard, 1);
    *dir_fd = w->s->shard_fd[shard];
    return rc;
}

void lb_writer_free(lb_writer *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        w->s->io->close(w->fd);
    if (!w->committed && w->tmp_path)
        w->s->io->unlink(w->tmp_path);
    if (!w->finished) {
        lb_digest_free(&w->md5);
        lb_cksum_free(&w->ck);
    } else {
        lb_cksum_free(&w->ck);
    }
    free(w->tmp_path);
    free(w->crcs);
    free(w);
}

void lb_store_unlink_files(lb_store *s, char **files, size_t n)
{
    lb_buf p = {0};
    for (size_t i = 0; i < n; i++) {
        if (lb_store_pin_defer(s, files[i]))
            continue; /* a reader still streams it: the last one unlinks */
        lb_zone_path(s, files[i], &p);
        int rc = s->io->unlink(p.data);
        if (rc && rc != -ENOENT)
            lb_warn(NULL, "unlink() \"%s\" failed: %s", p.data, lb_strerror(rc));
    }
    lb_buf_free(&p);
}

/* ---------------------------------------------------------------- reading */

struct lb_reader {
    int fd;
    uint64_t size;
    uint32_t nblocks;
    uint32_t *crcs;
    char *path;
};

static int read_full(int fd, void *p, size_t n, uint64_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t r = pread(fd, (char *)p + done, n - done, (off_t)(off + done));
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (r == 0)
            return LB_E_CORRUPT;
        done += (size_t)r;
    }
    return 0;
}

int lb_datafile_open_path(const char *path, uint64_t expect_size, lb_reader **out)
{
    int rc = 0;
    lb_reader *r = lb_xcalloc(1, sizeof *r);
    r->path = lb_xstrdup(path);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = -errno;
        goto out;
    }
    struct stat st;
    if (fstat(r->fd, &st) < 0) {
        rc = -errno;
        goto out;
    }
    uint8_t t[TRAILER_LEN];
    if (st.st_size < TRAILER_LEN || (rc = read_full(r->fd, t, TRAILER_LEN,
                                                     (uint64_t)st.st_size - TRAILER_LEN)) != 0) {
        rc = LB_E_CORRUPT;
        goto out;
    }
    r->size = (uint64_t)get32(t + 8) | (uint64_t)get32(t + 12) << 32;
    r->nblocks = get32(t + 20);
    if (memcmp(t, magic, 8) != 0 || get32(t + 28) != lb_crc32c(0, t, 28) ||
        get32(t + 16) != LB_BLOCK_SIZE ||
        r->nblocks != (r->size + LB_BLOCK_SIZE - 1) / LB_BLOCK_SIZE ||
        r->size + (uint64_t)r->nblocks * 4 + TRAILER_LEN != (uint64_t)st.st_size ||
        (expect_size != UINT64_MAX && r->size != expect_size)) {
        rc = LB_E_CORRUPT;
        goto out;
    }
    r->crcs = lb_xmalloc((size_t)r->nblocks * 4 + 4);
    if ((rc = read_full(r->fd, r->crcs, (size_t)r->nblocks * 4, r->size)) != 0)
        goto out;
    if (lb_crc32c(0, r->crcs, (size_t)r->nblocks * 4) != get32(t + 24)) {
        rc = LB_E_CORRUPT;
        goto out;
    }
    for (uint32_t i = 0; i < r->nblocks; i++)
        r->crcs[i] = get32((uint8_t *)&r->crcs[i]);
out:
    if (rc) {
        if (rc == LB_E_CORRUPT)
            lb_error(NULL, "data file \"%s\" has a damaged checksum table", path);
        lb_reader_close(r);
        return rc;
    }
    *out = r;
    return 0;
}

int lb_reader_open(lb_store *s, const lb_object *o, size_t part, lb_reader **out)
{
    if (part >= o->nparts)
        return LB_E_INTERNAL;
    lb_buf p = {0};
    lb_zone_path(s, o->parts[part].file, &p);
    int rc = lb_datafile_open_path(p.data, o->parts[part].size, out);
    lb_buf_free(&p);
    return rc;
}

int lb_store_read_small(lb_store *s, const lb_object *o, char **out)
{
    if (o->nparts != 1 || o->size > LB_SMALL_READ)
        return LB_E_INVALID_ARGUMENT;
    uint64_t nblocks = (o->size + LB_BLOCK_SIZE - 1) / LB_BLOCK_SIZE;
    size_t flen = (size_t)(o->size + nblocks * 4 + TRAILER_LEN);
    lb_buf p = {0};
    lb_zone_path(s, o->parts[0].file, &p);
    int fd = open(p.data, O_RDONLY | O_CLOEXEC), rc = 0;
    uint8_t *buf = lb_xmalloc(flen + 1);
    if (fd < 0) {
        rc = -errno;
        goto out;
    }
    /* One byte more than expected: a longer file is as wrong as a shorter one. */
    ssize_t got = pread(fd, buf, flen + 1, 0);
    if (got < 0) {
        rc = -errno;
        goto out;
    }
    const uint8_t *t = buf + flen - TRAILER_LEN, *tab = buf + o->size;
    if ((size_t)got != flen || memcmp(t, magic, 8) != 0 || get32(t + 28) != lb_crc32c(0, t, 28) ||
        ((uint64_t)get32(t + 8) | (uint64_t)get32(t + 12) << 32) != o->size ||
        get32(t + 16) != LB_BLOCK_SIZE || get32(t + 20) != nblocks ||
        get32(t + 24) != lb_crc32c(0, tab, nblocks * 4)) {
        lb_error(NULL, "data file \"%s\" has a damaged checksum table", p.data);
        rc = LB_E_CORRUPT;
        goto out;
    }
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t off = b * LB_BLOCK_SIZE;
        size_t len = (size_t)(o->size - off < LB_BLOCK_SIZE ? o->size - off : LB_BLOCK_SIZE);
        if (lb_crc32c(0, buf + off, len) != get32(tab + 4 * b)) {
            lb_error(NULL, "checksum mismatch in \"%s\" block %llu: not served", p.data,
                     (unsigned long long)b);
            rc = LB_E_CORRUPT;
            goto out;
        }
    }
out:
    if (fd >= 0)
        close(fd);
    lb_buf_free(&p);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = (char *)buf;
    return 0;
}

/* Verifies blocks [first, last] reading them through buf (one block). */
static int verify_blocks(lb_reader *r, uint64_t first, uint64_t last, uint8_t *buf)
{
    for (uint64_t b = first; b <= last; b++) {
        uint64_t off = b * LB_BLOCK_SIZE;
        size_t len = (size_t)(r->size - off < LB_BLOCK_SIZE ? r->size - off : LB_BLOCK_SIZE);
        int rc = read_full(r->fd, buf, len, off);
        if (rc)
            return rc;
        if (lb_crc32c(0, buf, len) != r->crcs[b]) {
            lb_error(NULL, "checksum mismatch in \"%s\" block %llu: not served", r->path,
                     (unsigned long long)b);
            return LB_E_CORRUPT;
        }
    }
    return 0;
}

/* Large ranges are checked through a read-only mapping: the CRC runs over the
 * page cache directly, without copying every byte out first (data files are
 * never modified once committed, so the mapping cannot change under us). */
static int verify_mapped(lb_reader *r, uint64_t first, uint64_t last)
{
    uint64_t start = first * LB_BLOCK_SIZE;
    uint64_t end = (last + 1) * LB_BLOCK_SIZE < r->size ? (last + 1) * LB_BLOCK_SIZE : r->size;
    size_t maplen = (size_t)(end - start);
    const uint8_t *m = mmap(NULL, maplen, PROT_READ, MAP_SHARED, r->fd, (off_t)start);
    if (m == MAP_FAILED)
        return 1; /* fall back to reading */
    madvise((void *)m, maplen, MADV_SEQUENTIAL);
    int rc = 0;
    for (uint64_t b = first; b <= last; b++) {
        uint64_t off = b * LB_BLOCK_SIZE - start;
        size_t len = (size_t)(end - start - off < LB_BLOCK_SIZE ? end - start - off : LB_BLOCK_SIZE);
        if (lb_crc32c(0, m + off, len) != r->crcs[b]) {
            lb_error(NULL, "checksum mismatch in \"%s\" block %llu: not served", r->path,
                     (unsigned long long)b);
            rc = LB_E_CORRUPT;
            break;
        }
    }
    munmap((void *)m, maplen);
    return rc;
}

int lb_reader_verify(lb_reader *r, uint64_t off, uint64_t len)
{
    if (len == 0)
        return 0;
    if (off + len > r->size)
        return LB_E_INTERNAL;
    uint64_t first = off / LB_BLOCK_SIZE, last = (off + len - 1) / LB_BLOCK_SIZE;
    if (last - first >= 4) {
        int rc = verify_mapped(r, first, last);
        if (rc <= 0)
            return rc;
    }
    /* Small ranges: one read into a buffer no larger than the data. */
    uint64_t span = (last - first + 1) * LB_BLOCK_SIZE;
    uint8_t *buf = lb_xmalloc(span < r->size ? LB_BLOCK_SIZE : (size_t)r->size + 1);
    int rc = verify_blocks(r, first, last, buf);
    free(buf);
    return rc;
}

ssize_t lb_reader_read(lb_reader *r, uint64_t off, void *p, size_t n)
{
    if (off >= r->size)
        return 0;
    if (n > r->size - off)
        n = (size_t)(r->size - off);
    uint8_t *buf = lb_xmalloc(LB_BLOCK_SIZE);
    size_t done = 0;
    int rc = 0;
    while (done < n) {
        uint64_t pos = off + done;
        uint64_t b = pos / LB_BLOCK_SIZE;
        uint64_t boff = b * LB_BLOCK_SIZE;
        size_t blen = (size_t)(r->size - boff < LB_BLOCK_SIZE ? r->size - boff : LB_BLOCK_SIZE);
        if ((rc = verify_blocks(r, b, b, buf)) != 0)
            break;
        size_t from = (size_t)(pos - boff);
        size_t take = blen - from;
        if (take > n - done)
            take = n - done;
        memcpy((char *)p + done, buf + from, take);
        done += take;
    }
    free(buf);
    return rc ? rc : (ssize_t)done;
}

int lb_reader_take_fd(lb_reader *r)
{
    int fd = r->fd;
    r->fd = -1;
    return fd;
}

void lb_reader_close(lb_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    free(r->crcs);
    free(r->path);
    free(r);
}

uint64_t lb_reader_size(const lb_reader *r) { return r->size; }

void lb_data_file_name(const char *id, lb_buf *out)
{
    lb_buf_reset(out);
    lb_buf_printf(out, "objects/%02x/%s", lb_shard_of(id), id);
}

/* The store's file I/O interface, and a fault injector over it.
 *
 * LIFEBOAT_FAULT="kind:call:N[,kind:call:N...]" makes the Nth and later
 * calls of `call` (pwrite, fsync, rename, open) fail with `kind` (eio,
 * enospc); `dirfsync` counts and fails only the fsyncs of directories, and
 * `fsync` then only those of files.  Fault tests start a real server with
 * it set. */
#include "store/internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int real_open(const char *path, int flags, int mode)
{
    int fd = open(path, flags | O_CLOEXEC, mode);
    return fd < 0 ? -errno : fd;
}

static ssize_t real_pwrite(int fd, const void *p, size_t n, off_t off)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)p + done, n - done, off + (off_t)done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        done += (size_t)w;
    }
    return (ssize_t)done;
}

static int real_fsync(int fd) { return fsync(fd) < 0 ? -errno : 0; }
static int real_rename(const char *a, const char *b) { return rename(a, b) < 0 ? -errno : 0; }
static int real_unlink(const char *p) { return unlink(p) < 0 ? -errno : 0; }
static int real_close(int fd) { return close(fd) < 0 ? -errno : 0; }

static const lb_io real_io = {real_open, real_pwrite, real_fsync, real_rename, real_unlink,
                              real_close};

enum { F_OPEN, F_PWRITE, F_FSYNC, F_RENAME, F_DIRFSYNC, F__N };
static struct {
    long after; /* fail calls numbered >= after; -1: never */
    int err;
} faults[F__N] = {{-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}, {-1, 0}};
static _Atomic long calls[F__N];

static int injected(int which)
{
    if (faults[which].after < 0)
        return 0;
    long n = atomic_fetch_add(&calls[which], 1);
    return n >= faults[which].after ? -faults[which].err : 0;
}

static int f_open(const char *path, int flags, int mode)
{
    int e = (flags & (O_WRONLY | O_RDWR)) ? injected(F_OPEN) : 0;
    return e ? e : real_open(path, flags, mode);
}
static ssize_t f_pwrite(int fd, const void *p, size_t n, off_t off)
{
    int e = injected(F_PWRITE);
    return e ? e : real_pwrite(fd, p, n, off);
}
static int f_fsync(int fd)
{
    struct stat st;
    bool dir = faults[F_DIRFSYNC].after >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    int e = injected(dir ? F_DIRFSYNC : F_FSYNC);
    return e ? e : real_fsync(fd);
}
static int f_rename(const char *a, const char *b)
{
    int e = injected(F_RENAME);
    return e ? e : real_rename(a, b);
}

static const lb_io fault_io = {f_open, f_pwrite, f_fsync, f_rename, real_unlink, real_close};

const lb_io *lb_io_default(void)
{
    const char *spec = getenv("LIFEBOAT_FAULT");
    if (!spec || !*spec)
        return &real_io;
    char *copy = lb_xstrdup(spec), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char kind[16], call[16];
        long n;
        if (sscanf(tok, "%15[^:]:%15[^:]:%ld", kind, call, &n) != 3)
            continue;
        int err = strcmp(kind, "enospc") == 0 ? ENOSPC : EIO;
        int which = strcmp(call, "open") == 0       ? F_OPEN
                    : strcmp(call, "pwrite") == 0   ? F_PWRITE
                    : strcmp(call, "fsync") == 0    ? F_FSYNC
                    : strcmp(call, "rename") == 0   ? F_RENAME
                    : strcmp(call, "dirfsync") == 0 ? F_DIRFSYNC
                                                    : -1;
        if (which < 0)
            continue;
        faults[which].after = n;
        faults[which].err = err;
    }
    free(copy);
    lb_warn(NULL, "fault injection active: %s", spec);
    return &fault_io;
}

/* Linux pieces of starting and watching a child: pidfds, close_range, the
 * /proc/self/fd walk, PR_SET_PDEATHSIG, raw credential calls, pipe sizes and
 * pre-faulting buffers. The child-side calls (close, pdeathsig, credentials)
 * run in the vfork child: no allocation, no locks. */
#include "os/os.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

const unsigned weft__os_features = WEFT__OS_PDEATHSIG | WEFT__OS_PIPESIZE | WEFT__OS_PIDFD;

int weft__os_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    static atomic_int unavailable;
    static atomic_int checked_env;
    if (!atomic_load_explicit(&checked_env, memory_order_relaxed)) {
        /* A diagnostic switch (see the guide) to exercise the fallback waiter. */
        const char *s = getenv("WEFT_SUBPROCESS_NO_PIDFD");
        if (s != NULL && s[0] != '\0' && s[0] != '0')
            atomic_store(&unavailable, 1);
        atomic_store(&checked_env, 1);
    }
    if (atomic_load_explicit(&unavailable, memory_order_relaxed))
        return -1;
    long fd = syscall(SYS_pidfd_open, pid, 0u); /* pidfds are close-on-exec */
    if (fd < 0) {
        if (errno == ENOSYS)
            atomic_store(&unavailable, 1); /* kernel older than 5.3 */
        return -1;
    }
    return (int)fd;
#else
    (void)pid;
    return -1;
#endif
}

int weft__os_pidfd_signal(int pidfd, int sig)
{
#ifdef SYS_pidfd_send_signal
    return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0u);
#else
    (void)pidfd;
    (void)sig;
    errno = ENOSYS;
    return -1;
#endif
}

static bool weft__os_close_range(int lo, int hi)
{
#ifdef SYS_close_range
    return syscall(SYS_close_range, (unsigned)lo, (unsigned)hi, 0u) == 0;
#else
    (void)lo;
    (void)hi;
    return false;
#endif
}

static bool weft__os_close_listed(int lo, int hi)
{
    /* The raw getdents64 call: opendir would allocate. */
    int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0)
        return false;
    char buf[2048] __attribute__((aligned(8)));
    for (;;) {
        long n = syscall(SYS_getdents64, dir, buf, sizeof buf);
        if (n <= 0)
            break;
        for (long off = 0; off < n;) {
            /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
            unsigned short reclen;
            memcpy(&reclen, buf + off + 16, sizeof reclen);
            const char *name = buf + off + 19;
            int fd = 0;
            bool num = *name != '\0';
            for (const char *c = name; *c != '\0'; c++) {
                if (*c < '0' || *c > '9') {
                    num = false;
                    break;
                }
                fd = fd * 10 + (*c - '0');
            }
            if (num && fd >= lo && fd <= hi && fd != dir)
                close(fd);
            off += reclen;
        }
    }
    close(dir);
    return true;
}

void weft__os_close_span(int lo, int hi, int limit)
{
    if (weft__os_close_range(lo, hi) || weft__os_close_listed(lo, hi))
        return;
    int top = hi < limit ? hi : limit;
    for (int fd = lo; fd <= top; fd++)
        close(fd);
}

int weft__os_set_pdeathsig(int sig)
{
    return prctl(PR_SET_PDEATHSIG, (unsigned long)sig);
}

int weft__os_setgroups(size_t n, const gid_t *groups)
{
    return (int)syscall(SYS_setgroups, n, groups);
}

int weft__os_setregid(gid_t r, gid_t e)
{
    return (int)syscall(SYS_setregid, r, e);
}

int weft__os_setreuid(uid_t r, uid_t e)
{
    return (int)syscall(SYS_setreuid, r, e);
}

int weft__os_pipe_set_size(int fd, int size)
{
    return fcntl(fd, F_SETPIPE_SZ, size) < 0 ? -1 : 0;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define WEFT__POPULATE_STEP ((size_t)4 << 20)

/* Faulting fresh memory in page by page costs more than copying the data
 * into it; once a buffer is large, the next few MiB are populated with one
 * call (Linux 5.14+; on failure pages fault in as usual). */
void weft__os_buf_prefault(weft__os_buf *b, size_t upcoming)
{
    if (b->cap < 2 * WEFT__POPULATE_STEP || b->len + upcoming <= b->populated)
        return;
    uintptr_t page = 4096;
    uintptr_t lo = ((uintptr_t)b->data + b->len + page - 1) & ~(page - 1);
    if (lo < (uintptr_t)b->data + b->populated)
        lo = ((uintptr_t)b->data + b->populated + page - 1) & ~(page - 1);
    uintptr_t end = (uintptr_t)b->data + b->cap;
    uintptr_t hi = lo + WEFT__POPULATE_STEP < end ? lo + WEFT__POPULATE_STEP : end & ~(page - 1);
    if (hi <= lo)
        return;
    if (madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE) == 0)
        b->populated = hi - (uintptr_t)b->data;
    else
        b->populated = b->cap; /* not supported: stop trying */
}

bool weft__os_secure_mode(void)
{
    return getauxval(AT_SECURE) != 0;
}

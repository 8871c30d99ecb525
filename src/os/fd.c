/* Descriptor hygiene that every POSIX system spells the same way: pipes and
 * duplicates born close-on-exec, inheritance, non-blocking mode, limits and
 * closing everything but a keep list in a child. */
#include "os/os.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/resource.h>
#include <unistd.h>

int weft__os_pipe(int fds[2])
{
    /* pipe2 (POSIX.1-2024, and every system weft builds on) sets the flag
     * atomically, so a child started meanwhile by another thread never
     * inherits either end. */
    return pipe2(fds, O_CLOEXEC);
}

int weft__os_dup_above(int fd, int min)
{
    return fcntl(fd, F_DUPFD_CLOEXEC, min);
}

int weft__os_set_inheritable(int fd, bool inheritable)
{
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0)
        return -1;
    int want = inheritable ? flags & ~FD_CLOEXEC : flags | FD_CLOEXEC;
    return want == flags ? 0 : fcntl(fd, F_SETFD, want);
}

int weft__os_set_nonblocking(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0)
        return -1;
    return (flags & O_NONBLOCK) != 0 ? 0 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

int weft__os_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < INT_MAX)
        return (int)rl.rlim_cur;
    long v = sysconf(_SC_OPEN_MAX);
    return v > 0 && v < INT_MAX ? (int)v : 65536;
}

void weft__os_close(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

void weft__os_close_fds_except(const int *keep, size_t nkeep, int limit)
{
    int lo = 3;
    for (size_t i = 0; i < nkeep; i++) {
        if (keep[i] < lo)
            continue;
        if (lo <= keep[i] - 1)
            weft__os_close_span(lo, keep[i] - 1, limit);
        lo = keep[i] + 1;
    }
    weft__os_close_span(lo, INT32_MAX, limit);
}

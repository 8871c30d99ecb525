/* The same pieces as sys.linux.c for other POSIX systems: no pidfd (the
 * waiter thread takes over), no close_range or /proc walk (the child closes
 * up to the descriptor limit), no parent-death signal, no pre-faulting, pipe
 * resizing where the fcntl exists, and the libc credential calls (vfork
 * children there do not share glibc's setxid machinery). */
#include "os/os.h"

#include <fcntl.h>
#include <grp.h>
#include <unistd.h>

/* F_SETPIPE_SZ is a feature test, not a system name: libcs that have it
 * (and Linux built portable) resize pipes here too. */
const unsigned weft__os_features =
#ifdef F_SETPIPE_SZ
    WEFT__OS_PIPESIZE |
#endif
    0;

int weft__os_pidfd_open(pid_t pid)
{
    (void)pid;
    return -1;
}

int weft__os_pidfd_signal(int pidfd, int sig)
{
    (void)pidfd;
    (void)sig;
    errno = ENOSYS;
    return -1;
}

void weft__os_close_span(int lo, int hi, int limit)
{
    int top = hi < limit ? hi : limit;
    for (int fd = lo; fd <= top; fd++)
        close(fd);
}

int weft__os_set_pdeathsig(int sig)
{
    (void)sig;
    errno = ENOSYS;
    return -1;
}

int weft__os_setgroups(size_t n, const gid_t *groups)
{
    return setgroups((int)n, groups);
}

int weft__os_setregid(gid_t r, gid_t e)
{
    return setregid(r, e);
}

int weft__os_setreuid(uid_t r, uid_t e)
{
    return setreuid(r, e);
}

int weft__os_pipe_set_size(int fd, int size)
{
#ifdef F_SETPIPE_SZ
    return fcntl(fd, F_SETPIPE_SZ, size) < 0 ? -1 : 0;
#else
    (void)fd;
    (void)size;
    errno = ENOSYS;
    return -1;
#endif
}

void weft__os_buf_prefault(weft__os_buf *b, size_t upcoming)
{
    (void)b;
    (void)upcoming;
}

bool weft__os_secure_mode(void)
{
    /* Set-user-ID or set-group-ID: the credentials differ. */
    return getuid() != geteuid() || getgid() != getegid();
}

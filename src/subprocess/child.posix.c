/* The same pieces as child.linux.c for other POSIX systems: no pidfd (the
 * waiter thread takes over), no close_range or /proc walk (the child closes
 * up to the descriptor limit), no parent-death signal, and the libc
 * credential calls (vfork children there do not share glibc's setxid
 * machinery). */
#include "subprocess/internal.h"

#include <grp.h>
#include <unistd.h>

int weft__pidfd_open(pid_t pid)
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

bool weft__os_close_range(int lo, int hi)
{
    (void)lo;
    (void)hi;
    return false;
}

bool weft__os_close_listed(int lo, int hi)
{
    (void)lo;
    (void)hi;
    return false;
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

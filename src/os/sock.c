/* Sockets the way weft wants them everywhere: born close-on-exec, writes
 * that never raise SIGPIPE, Unix-domain addresses in and out. What differs
 * between systems (abstract names, accept4) is in sock.linux.c and
 * sock.posix.c. */
#include "os/os.h"

#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

int weft__os_socketpair(int fds[2])
{
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

int weft__os_socket(int domain)
{
    return socket(domain, SOCK_STREAM | SOCK_CLOEXEC, 0);
}

bool weft__os_is_socket(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode);
}

ssize_t weft__os_sendv(int fd, const struct iovec *iov, int n, bool sock)
{
    if (!sock)
        return writev(fd, iov, n);
    /* MSG_NOSIGNAL: a gone peer is EPIPE, never a signal, in one call. */
    struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };
    return sendmsg(fd, &m, MSG_NOSIGNAL);
}

size_t weft__os_unix_name(const struct sockaddr_un *sa, socklen_t len, char *name, size_t cap)
{
    size_t off = offsetof(struct sockaddr_un, sun_path);
    if (len <= off || cap == 0)
        return 0;
    size_t n = (size_t)len - off;
    if (sa->sun_path[0] != '\0') /* a path: NUL-terminated within the length */
        n = strnlen(sa->sun_path, n);
    if (n > cap - 1)
        n = cap - 1;
    memcpy(name, sa->sun_path, n);
    name[n] = '\0';
    return n;
}

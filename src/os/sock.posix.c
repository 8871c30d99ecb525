/* Portable sockets: no abstract Unix-domain names; accept, then
 * close-on-exec (a child started between the two may inherit it). */
#include "os/os.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int weft__os_unix_addr(struct sockaddr_un *sa, socklen_t *len, const char *name, size_t name_len)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (name_len > 0 && name[0] == '\0') {
        errno = EAFNOSUPPORT;
        return -1;
    }
    if (name_len == 0 || name_len > sizeof sa->sun_path - 1) {
        errno = name_len == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    memcpy(sa->sun_path, name, name_len);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_len + 1);
    return 0;
}

int weft__os_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
    int c = accept(fd, sa, len);
    if (c >= 0) {
        weft__os_set_inheritable(c, false);
        /* Some systems hand on the listener's O_NONBLOCK; connections block. */
        int fl = fcntl(c, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK))
            fcntl(c, F_SETFL, fl & ~O_NONBLOCK);
    }
    return c;
}

/* Linux sockets: abstract Unix-domain names and accept4. */
#include "os/os.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

int weft__os_unix_addr(struct sockaddr_un *sa, socklen_t *len, const char *name, size_t name_len)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    /* A path needs room for its NUL; an abstract name (leading NUL) does not. */
    size_t room = sizeof sa->sun_path - (name_len > 0 && name[0] == '\0' ? 0 : 1);
    if (name_len == 0 || name_len > room) {
        errno = name_len == 0 ? EINVAL : ENAMETOOLONG;
        return -1;
    }
    memcpy(sa->sun_path, name, name_len);
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + name_len + (name[0] == '\0' ? 0 : 1));
    return 0;
}

int weft__os_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
    return accept4(fd, sa, len, SOCK_CLOEXEC);
}

/* multiprocessing.connection.Listener and Client over stream sockets:
 * AF_UNIX (paths, and abstract names through the OS layer) and TCP. With a
 * key, accept runs deliver-then-answer and connect answer-then-deliver, as
 * CPython does, under the call's one deadline. */
#include "connection/internal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct weft_listener {
    weft__obj hdr;
    int fd;
    int family;
    char *address;        /* as Listener.address: path, abstract name or numeric host */
    size_t address_len;
    int port;
    char *made_dir;       /* the private directory of a generated path, or NULL */
    bool unlink_path;     /* a filesystem socket this listener made */
    bool has_key;
    unsigned char *key;
    size_t keylen;
    bool accepted;        /* last_* are set */
    char last[128];
    size_t last_len;
    int last_port;
};

static void weft__listener_shut(struct weft_listener *l)
{
    if (l->fd < 0)
        return;
    weft__os_close(&l->fd);
    if (l->unlink_path)
        unlink(l->address);
    if (l->made_dir != NULL)
        rmdir(l->made_dir);
}

static void weft__listener_destroy(void *obj)
{
    struct weft_listener *l = obj;
    weft__listener_shut(l);
    free(l->address);
    free(l->made_dir);
    if (l->key != NULL)
        memset(l->key, 0, l->keylen);
    free(l->key);
}

static const weft__type weft__listener_type = { "listener", weft__listener_destroy };

/* A socket address for (family, address, port); *len its length. */
typedef union weft__sockaddr {
    struct sockaddr sa;
    struct sockaddr_un un;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
    struct sockaddr_storage ss;
} weft__sockaddr;

static weft_status weft__resolve(int family, const char *host, int port, weft__sockaddr *out, socklen_t *len,
                                 const char *fn)
{
    if (port < 0 || port > 65535)
        return weft__fail(WEFT_EINVAL, "%s: port %d is out of range", fn, port);
    struct addrinfo hints = { .ai_family = family == WEFT_FAMILY_INET6 ? AF_INET6 : AF_INET,
                              .ai_socktype = SOCK_STREAM };
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    int e = getaddrinfo(host, service, &hints, &res);
    if (e != 0 || res == NULL)
        return weft__fail(WEFT_OS, "%s: cannot resolve %s: %s", fn, host, gai_strerror(e));
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return WEFT_OK;
}

/* Where a (family, address) goes; for Unix sockets the name and its length. */
static weft_status weft__address(int family, const char *address, size_t address_len, int port, weft__sockaddr *sa,
                                 socklen_t *len, const char *fn)
{
    if (family == WEFT_FAMILY_UNIX) {
        if (weft__os_unix_addr(&sa->un, len, address, address_len) != 0) {
            if (errno == EAFNOSUPPORT)
                return weft__fail(WEFT_NOT_SUPPORTED, "%s: abstract socket names are Linux only", fn);
            return weft__fail(WEFT_EINVAL, "%s: a Unix socket name of %zu bytes does not fit", fn, address_len);
        }
        return WEFT_OK;
    }
    if (family == WEFT_FAMILY_INET || family == WEFT_FAMILY_INET6)
        return weft__resolve(family, address, port, sa, len, fn);
    return weft__fail(WEFT_EINVAL, "%s: unknown address family %d", fn, family);
}

static int weft__domain(int family)
{
    return family == WEFT_FAMILY_UNIX ? AF_UNIX : family == WEFT_FAMILY_INET ? AF_INET : AF_INET6;
}

/* A numeric host (or a Unix name) and port of a socket address. */
static size_t weft__name_of(const weft__sockaddr *sa, socklen_t len, char *name, size_t cap, int *port)
{
    *port = 0;
    if (sa->sa.sa_family == AF_UNIX)
        return weft__os_unix_name(&sa->un, len, name, cap);
    const void *a = sa->sa.sa_family == AF_INET ? (const void *)&sa->in.sin_addr : (const void *)&sa->in6.sin6_addr;
    if (inet_ntop(sa->sa.sa_family, a, name, (socklen_t)cap) == NULL) {
        name[0] = '\0';
        return 0;
    }
    *port = ntohs(sa->sa.sa_family == AF_INET ? sa->in.sin_port : sa->in6.sin6_port);
    return strlen(name);
}

static bool weft__copy_key(struct weft_listener *l, const void *key, size_t keylen)
{
    l->has_key = key != NULL;
    l->keylen = keylen;
    if (!l->has_key)
        return true;
    l->key = malloc(keylen > 0 ? keylen : 1);
    if (l->key == NULL)
        return false;
    memcpy(l->key, key, keylen);
    return true;
}

/* A fresh path in a private directory, as CPython's arbitrary_address. */
static weft_status weft__fresh_path(struct weft_listener *l, const char *fn)
{
    const char *tmp = getenv("TMPDIR");
    char dir[256];
    snprintf(dir, sizeof dir, "%s/weft-XXXXXX", tmp != NULL && *tmp != '\0' ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL && (snprintf(dir, sizeof dir, "/tmp/weft-XXXXXX"), mkdtemp(dir) == NULL))
        return weft__fail_os(errno, "%s: mkdtemp", fn);
    l->made_dir = weft__strdup(dir);
    size_t n = strlen(dir) + sizeof "/listener";
    l->address = malloc(n);
    if (l->made_dir == NULL || l->address == NULL) {
        rmdir(dir);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    snprintf(l->address, n, "%s/listener", dir);
    l->address_len = n - 1;
    return WEFT_OK;
}

weft_status weft_listener_new(weft_listener **out, int family, const char *address, size_t address_len, int port,
                              int backlog, const void *authkey, size_t authkey_len)
{
    WEFT__OUT_CLEAR(out);
    if (authkey == NULL && authkey_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: authkey is NULL with a length of %zu", __func__, authkey_len);
    if (family != WEFT_FAMILY_UNIX && family != WEFT_FAMILY_INET && family != WEFT_FAMILY_INET6)
        return weft__fail(WEFT_EINVAL, "%s: unknown address family %d", __func__, family);
    struct weft_listener *l = weft__obj_new(&weft__listener_type, sizeof *l);
    if (l == NULL)
        return WEFT_NOMEM;
    l->fd = -1;
    l->family = family;
    weft_status st = WEFT_OK;
    if (!weft__copy_key(l, authkey, authkey_len)) {
        st = weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        goto fail;
    }
    if (address != NULL && address_len == 0)
        address_len = strlen(address);
    if (family == WEFT_FAMILY_UNIX) {
        if (address == NULL)
            st = weft__fresh_path(l, __func__);
        else if ((l->address = malloc(address_len + 1)) == NULL)
            st = weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        else {
            memcpy(l->address, address, address_len);
            l->address[address_len] = '\0';
            l->address_len = address_len;
        }
        if (st != WEFT_OK)
            goto fail;
    } else if (address == NULL) {
        address = family == WEFT_FAMILY_INET ? "localhost" : "::1";
    }
    weft__sockaddr sa;
    socklen_t salen = 0;
    if (family == WEFT_FAMILY_UNIX)
        st = weft__address(family, l->address, l->address_len, port, &sa, &salen, __func__);
    else
        st = weft__address(family, address, 0, port, &sa, &salen, __func__);
    if (st != WEFT_OK)
        goto fail;
    l->fd = weft__os_socket(weft__domain(family));
    if (l->fd < 0) {
        st = weft__fail_os(errno, "%s: socket", __func__);
        goto fail;
    }
    int one = 1;
    if (family != WEFT_FAMILY_UNIX)
        setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(l->fd, &sa.sa, salen) != 0) {
        st = weft__fail_os(errno, "%s: bind", __func__);
        goto fail;
    }
    l->unlink_path = family == WEFT_FAMILY_UNIX && l->address[0] != '\0';
    /* accept() with a deadline polls first; the socket is the listener's
     * own, so it may be non-blocking for a racing accept to come back. */
    if (listen(l->fd, backlog < 0 ? WEFT_LISTENER_BACKLOG_DEFAULT : backlog) != 0 ||
        weft__os_set_nonblocking(l->fd) != 0) {
        st = weft__fail_os(errno, "%s: listen", __func__);
        goto fail;
    }
    if (family != WEFT_FAMILY_UNIX) {
        char host[INET6_ADDRSTRLEN];
        weft__sockaddr got;
        socklen_t glen = sizeof got;
        if (getsockname(l->fd, &got.sa, &glen) != 0) {
            st = weft__fail_os(errno, "%s: getsockname", __func__);
            goto fail;
        }
        l->address_len = weft__name_of(&got, glen, host, sizeof host, &l->port);
        if ((l->address = weft__strdup(host)) == NULL) {
            st = WEFT_NOMEM;
            goto fail;
        }
    }
    *out = weft__handle(l);
    return WEFT_OK;
fail:
    weft__listener_destroy(l);
    weft__obj_discard(l);
    return st;
}

weft_status weft_listener_free(weft_listener *l)
{
    WEFT__FREE(l, weft__listener_type);
}

weft_status weft_listener_close(weft_listener *l)
{
    WEFT__OPEN(l, weft__listener_type);
    weft__listener_shut(l);
    return WEFT_OK;
}

weft_status weft_listener_fileno(weft_listener *l, int *fd)
{
    WEFT__OPEN(l, weft__listener_type);
    WEFT__OUT(fd);
    if (l->fd < 0)
        return weft__fail(WEFT_CLOSED, "%s: the listener is closed", __func__);
    *fd = l->fd;
    return WEFT_OK;
}

static weft_status weft__give_name(const char *name, size_t len, char **address, size_t *address_len,
                                   const char *fn)
{
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    memcpy(copy, name, len);
    copy[len] = '\0';
    *address = copy;
    if (address_len != NULL)
        *address_len = len;
    return WEFT_OK;
}

weft_status weft_listener_address(weft_listener *l, int *family, char **address, size_t *address_len, int *port)
{
    WEFT__OPEN(l, weft__listener_type);
    WEFT__OUT_CLEAR(address);
    if (family != NULL)
        *family = l->family;
    if (port != NULL)
        *port = l->port;
    return weft__give_name(l->address, l->address_len, address, address_len, __func__);
}

weft_status weft_listener_last_accepted(weft_listener *l, char **address, size_t *address_len, int *port)
{
    WEFT__OPEN(l, weft__listener_type);
    WEFT__OUT_CLEAR(address);
    if (!l->accepted)
        return weft__fail(WEFT_LOOKUP, "%s: nothing was accepted yet", __func__);
    if (port != NULL)
        *port = l->last_port;
    return weft__give_name(l->last, l->last_len, address, address_len, __func__);
}

weft_status weft_listener_accept(weft_listener *l, double timeout, weft_connection **out)
{
    WEFT__OPEN(l, weft__listener_type);
    WEFT__OUT_CLEAR(out);
    if (l->fd < 0)
        return weft__fail(WEFT_CLOSED, "%s: the listener is closed", __func__);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    weft__sockaddr peer;
    socklen_t plen;
    int fd;
    for (;;) {
        plen = sizeof peer;
        fd = weft__os_accept(l->fd, &peer.sa, &plen);
        if (fd >= 0)
            break;
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return weft__fail_os(errno, "%s: accept", __func__);
        int w = d.once ? 0 : weft__os_wait_readable(l->fd, &d);
        if (w < 0)
            return weft__fail_os(errno, "%s: poll", __func__);
        if (w == 0)
            return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: no connection within %g s", __func__, timeout);
    }
    weft_connection *c = weft__connection_make(fd, true, true);
    if (c == NULL) {
        close(fd);
        return WEFT_NOMEM;
    }
    l->last_len = weft__name_of(&peer, plen, l->last, sizeof l->last, &l->last_port);
    l->accepted = true;
    if (l->has_key) {
        st = weft__conn_deliver(c, l->key, l->keylen, &d, __func__);
        if (st == WEFT_OK)
            st = weft__conn_answer(c, l->key, l->keylen, &d, __func__);
        if (st != WEFT_OK) {
            weft_connection_free(weft__handle(c));
            return st;
        }
    }
    *out = weft__handle(c);
    return WEFT_OK;
}

/* connect() within the deadline: non-blocking, then wait to be writable. A
 * Unix socket whose listener's backlog is full says EAGAIN instead; that one
 * waits in a blocking connect bounded by SO_SNDTIMEO, which a signal ends
 * with EINTR and leaves unconnected, so it is tried again (or, when the
 * call is interruptible, reported). */
static weft_status weft__connect(int fd, const weft__sockaddr *sa, socklen_t len, const weft__deadline *d,
                                 const char *fn)
{
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int r = connect(fd, &sa->sa, len);
    int err = r == 0 ? 0 : errno;
    if (err == EAGAIN && sa->sa.sa_family == AF_UNIX) {
        fcntl(fd, F_SETFL, flags);
        do {
            int64_t left = weft__deadline_left_ns(d);
            struct timeval tv = { 0, 0 };
            if (!d->forever) {
                tv.tv_sec = (time_t)(left / 1000000000);
                tv.tv_usec = (suseconds_t)(left % 1000000000 / 1000);
                if (tv.tv_sec == 0 && tv.tv_usec == 0)
                    tv.tv_usec = 1;
            }
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
            r = connect(fd, &sa->sa, len);
            err = r == 0 ? 0 : errno;
        } while (err == EINTR && !weft__note_interrupt(d) && weft__deadline_left_ns(d) > 0);
        struct timeval zero = { 0, 0 };
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &zero, sizeof zero);
        if (err == EINTR && weft__interrupted)
            return weft__fail_interrupted(fn);
        if (err == EAGAIN || err == EINPROGRESS || err == EINTR)
            return weft__fail(WEFT_TIMEOUT, "%s: the listener did not take the connection in time", fn);
    } else if (err == EINPROGRESS) {
        for (;;) {
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            int64_t left = weft__deadline_left_ns(d);
            int ms = d->forever ? -1 : (int)((left + 999999) / 1000000 > INT32_MAX ? INT32_MAX : (left + 999999) / 1000000);
            int p = poll(&pfd, 1, ms);
            if (p > 0)
                break;
            if (p == 0 && weft__deadline_left_ns(d) == 0)
                return weft__fail(WEFT_TIMEOUT, "%s: connect timed out", fn);
            if (p < 0 && errno == EINTR && weft__note_interrupt(d))
                return weft__fail_interrupted(fn);
            if (p < 0 && errno != EINTR)
                return weft__fail_os(errno, "%s: poll", fn);
        }
        socklen_t elen = sizeof err;
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
    }
    fcntl(fd, F_SETFL, flags);
    if (err != 0)
        return weft__fail_os(err, "%s: connect", fn);
    return WEFT_OK;
}

weft_status weft_client_connect(weft_connection **out, int family, const char *address, size_t address_len, int port,
                                const void *authkey, size_t authkey_len, double timeout)
{
    WEFT__OUT_CLEAR(out);
    if (address == NULL)
        return weft__fail(WEFT_EINVAL, "%s: address is NULL", __func__);
    if (authkey == NULL && authkey_len > 0)
        return weft__fail(WEFT_EINVAL, "%s: authkey is NULL with a length of %zu", __func__, authkey_len);
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (address_len == 0)
        address_len = strlen(address);
    weft__sockaddr sa;
    socklen_t salen = 0;
    if ((st = weft__address(family, address, address_len, port, &sa, &salen, __func__)) != WEFT_OK)
        return st;
    int fd = weft__os_socket(weft__domain(family));
    if (fd < 0)
        return weft__fail_os(errno, "%s: socket", __func__);
    if ((st = weft__connect(fd, &sa, salen, &d, __func__)) != WEFT_OK) {
        close(fd);
        return st;
    }
    weft_connection *c = weft__connection_make(fd, true, true);
    if (c == NULL) {
        close(fd);
        return WEFT_NOMEM;
    }
    if (authkey != NULL) {
        st = weft__conn_answer(c, authkey, authkey_len, &d, __func__);
        if (st == WEFT_OK)
            st = weft__conn_deliver(c, authkey, authkey_len, &d, __func__);
        if (st != WEFT_OK) {
            weft_connection_free(weft__handle(c));
            return st;
        }
    }
    *out = weft__handle(c);
    return WEFT_OK;
}

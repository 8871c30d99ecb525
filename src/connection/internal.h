/* What the files of the connection area share: the connection object and
 * its framed I/O with deadlines, which the handshake and the listener use
 * with one deadline across several messages. */
#ifndef WEFT__CONNECTION_INTERNAL_H
#define WEFT__CONNECTION_INTERNAL_H

#include "os/os.h"

/* A frame's header: a 4-byte big-endian signed length, or -1 and an 8-byte
 * big-endian unsigned length for payloads above 0x7FFFFFFF. */
#define WEFT__FRAME_SHORT_MAX UINT64_C(0x7fffffff)
/* One write for header and payload up to this size (CPython's Nagle bound). */
#define WEFT__FRAME_SMALL 16384

struct weft_connection {
    weft__obj hdr;
    int fd;           /* -1 once closed */
    bool readable, writable;
    bool is_socket;   /* send with MSG_NOSIGNAL; else guard SIGPIPE */
    /* The message being received, kept across a timeout or a too-short
     * buffer: header bytes so far, then (once complete) its length, then
     * the payload that arrived before a timeout, in `pend`. */
    unsigned char head[12];
    unsigned head_have;
    bool have_len;
    uint64_t msg_len;
    char *pend;       /* malloc'd msg_len bytes (at least 1), or NULL */
    size_t pend_have;
};

extern const weft__type weft__connection_type;

/* A new connection over `fd` (not yet a handle); NULL when out of memory. */
weft_connection *weft__connection_make(int fd, bool readable, bool writable);

/* The framed I/O, on an opened connection, with a deadline; `fn` names the
 * public call in messages. */
weft_status weft__conn_send(weft_connection *c, const void *buf, size_t size, const char *fn);
weft_status weft__conn_recv(weft_connection *c, size_t maxlength, const weft__deadline *d, void **buf, size_t *len,
                            const char *fn);

/* The handshake's two roles (auth.c). */
weft_status weft__conn_deliver(weft_connection *c, const void *key, size_t keylen, const weft__deadline *d,
                               const char *fn);
weft_status weft__conn_answer(weft_connection *c, const void *key, size_t keylen, const weft__deadline *d,
                              const char *fn);

#endif

/* libFuzzer target: the frame reader and both handshake roles read bytes
 * the fuzzer writes into a socket pair (then closes). Whatever arrives must
 * give a status, never a crash, a hang or a leak. The first byte picks the
 * reader: frames by recv_bytes, by recv_bytes_into with a small buffer,
 * answering a challenge, delivering one. */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <weft.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1 || size > 65536)
        return 0;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return 0;
    int big = 1 << 20;
    setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    setsockopt(sv[0], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    size_t off = 0;
    while (off < size - 1) {
        ssize_t w = write(sv[1], data + 1 + off, size - 1 - off);
        if (w <= 0)
            break;
        off += (size_t)w;
    }
    shutdown(sv[1], SHUT_WR);
    weft_connection *c;
    if (weft_connection_from_fd(&c, sv[0], 1, 1) != WEFT_OK) {
        close(sv[0]);
        close(sv[1]);
        return 0;
    }
    switch (data[0] % 4) {
    case 0:
        for (int i = 0; i < 64; i++) {
            void *m;
            size_t n;
            if (weft_connection_recv_bytes(c, 4096, 0, &m, &n) != WEFT_OK)
                break;
            weft_free(m);
        }
        break;
    case 1:
        for (int i = 0; i < 64; i++) {
            char buf[32];
            size_t n;
            weft_status st = weft_connection_recv_bytes_into(c, buf, sizeof buf, (size_t)(i % 8), 0, &n);
            if (st == WEFT_BUFFER_TOO_SHORT) {
                void *m;
                st = weft_connection_recv_bytes(c, 65536, 0, &m, &n);
                if (st == WEFT_OK)
                    weft_free(m);
            }
            if (st != WEFT_OK)
                break;
        }
        break;
    case 2:
        weft_connection_answer_challenge(c, "key", 3, 0);
        break;
    default:
        weft_connection_deliver_challenge(c, "key", 3, 0);
        break;
    }
    weft_connection_free(c);
    close(sv[1]);
    return 0;
}

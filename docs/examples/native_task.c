/* The native-task guide's example: a function of this program named by its
 * symbol, its arguments packed, the task sent as bytes through a pipe (as
 * it would go to another process) and called on the other side. The program
 * is linked with -rdynamic (CMake: ENABLE_EXPORTS) so its symbols have names. */
#include <weft.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Counts the bytes of `data` equal to `c`; exported for the task. */
__attribute__((visibility("default"))) long count_byte(const void *data, size_t size, int c);
long count_byte(const void *data, size_t size, int c)
{
    long n = 0;
    for (size_t i = 0; i < size; i++)
        n += ((const unsigned char *)data)[i] == (unsigned char)c;
    return n;
}

int main(void)
{
    const char text[] = "the quick brown fox jumps over the lazy dog";
    weft_task *t;
    if (weft_task_from_pointer(&t, (weft_native_fn)count_byte, "l(yi)") != WEFT_OK) {
        fprintf(stderr, "%s\n", weft_errmsg());
        return 1;
    }
    weft_task_add_bytes(t, text, strlen(text));
    weft_task_add_int(t, 'o');

    /* The sending side: the task as bytes over a connection. */
    weft_connection *rx, *tx;
    void *bytes;
    size_t n;
    weft_pipe_new(&rx, &tx, 0);
    weft_task_to_bytes(t, &bytes, &n);
    weft_connection_send_bytes(tx, bytes, 0, n);
    weft_free(bytes);
    weft_task_free(t);

    /* The receiving side: rebuild it and call it through libffi. */
    weft_connection_recv_bytes(rx, WEFT_CONNECTION_NO_LIMIT, -1, &bytes, &n);
    weft_task *u;
    if (weft_task_from_bytes(&u, bytes, n) != WEFT_OK)
        return 1;
    weft_free(bytes);
    const char *sym, *sig;
    weft_task_describe(u, NULL, &sym, &sig);
    void *res;
    size_t rn;
    if (weft_task_call(u, &res, &rn) != WEFT_OK) {
        fprintf(stderr, "%s\n", weft_errmsg());
        return 1;
    }
    long count;
    memcpy(&count, res, sizeof count);
    printf("%s %s -> %ld\n", sym, sig, count);
    weft_free(res);
    weft_task_free(u);
    weft_connection_free(rx);
    weft_connection_free(tx);
    return count == 4 ? 0 : 1;
}

/* A message above 2 GiB through a socketpair: the 12-byte header, streamed
 * by a writer thread from memory that is mostly the zero page, received
 * once. Memory stays near one copy of the message. */
#include "weft_test.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#define BIG (((size_t)2 << 30) + 4097)

static long long available_kib(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    char line[128];
    long long kib = -1;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1)
            break;
    if (f != NULL)
        fclose(f);
    return kib;
}

typedef struct writer {
    weft_connection *c;
    const char *data;
    weft_status st;
} writer;

static void *write_big(void *arg)
{
    writer *w = arg;
    w->st = weft_connection_send_bytes(w->c, w->data, 0, BIG);
    return NULL;
}

Test(big, two_gib_message_streams, .timeout = 300)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    cr_skip_test("a 2 GiB message under a sanitizer's shadow memory is too much for this machine");
#endif
    long long kib = available_kib();
    if (kib < 6LL * 1024 * 1024)
        cr_skip_test("needs 6 GiB available, /proc/meminfo says %lld KiB", kib);
    /* Written only at both ends: the rest stays the shared zero page. */
    char *data = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(data, MAP_FAILED);
    memcpy(data, "head", 4);
    memcpy(data + BIG - 4, "tail", 4);
    weft_connection *a, *b;
    WEFT_ASSERT_OK(weft_pipe_new(&a, &b, 1));
    writer w = { a, data, WEFT_OK };
    pthread_t t;
    pthread_create(&t, NULL, write_big, &w);
    void *m = NULL;
    size_t n = 0;
    /* A maxlength below it refuses it without reading it... on another
     * connection, since that makes this one unreadable; here it is read. */
    WEFT_ASSERT_OK(weft_connection_recv_bytes(b, WEFT_CONNECTION_NO_LIMIT, 240, &m, &n));
    pthread_join(t, NULL);
    WEFT_ASSERT_OK(w.st);
    cr_assert_eq(n, BIG);
    const char *got = m;
    cr_assert_eq(memcmp(got, "head", 4), 0);
    cr_assert_eq(memcmp(got + BIG - 4, "tail", 4), 0);
    cr_assert_eq(got[BIG / 2], 0);
    weft_free(m);
    munmap(data, BIG);
    WEFT_ASSERT_OK(weft_connection_free(a));
    WEFT_ASSERT_OK(weft_connection_free(b));
}

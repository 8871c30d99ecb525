/* multiprocessing.connection: a 64-byte round trip over a weft Pipe (a
 * socket pair) against a raw write/read ping-pong over a socket pair, and
 * 1 GiB through send_bytes/recv_bytes_into against raw write/read. Each
 * pair of peers runs interleaved, with an echo or writer thread. */
#define _GNU_SOURCE
#include "bench.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>
#include <weft.h>

#define SMALL 64
#define BIG ((size_t)1 << 30)

/* ---- round trip ----------------------------------------------------------- */

typedef struct echo {
    weft_connection *c;
    int fd;
    long ops;
} echo;

static void *weft_echo(void *arg)
{
    echo *e = arg;
    char buf[SMALL];
    for (long i = 0; i < e->ops; i++) {
        size_t n;
        if (weft_connection_recv_bytes_into(e->c, buf, sizeof buf, 0, -1, &n) != WEFT_OK ||
            weft_connection_send_bytes(e->c, buf, 0, n) != WEFT_OK)
            exit(1);
    }
    return NULL;
}

static double rt_weft(void *ctx, long ops)
{
    (void)ctx;
    weft_connection *a, *b;
    if (weft_pipe_new(&a, &b, 1) != WEFT_OK)
        exit(1);
    echo e = { b, -1, ops };
    pthread_t t;
    pthread_create(&t, NULL, weft_echo, &e);
    char buf[SMALL];
    memset(buf, 'x', sizeof buf);
    double t0 = bench_now_ns();
    for (long i = 0; i < ops; i++) {
        size_t n;
        if (weft_connection_send_bytes(a, buf, 0, SMALL) != WEFT_OK ||
            weft_connection_recv_bytes_into(a, buf, sizeof buf, 0, -1, &n) != WEFT_OK)
            exit(1);
    }
    double t1 = bench_now_ns();
    pthread_join(t, NULL);
    weft_connection_free(a);
    weft_connection_free(b);
    return t1 - t0;
}

static void full_read(int fd, char *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            exit(1);
        p += r;
        n -= (size_t)r;
    }
}

static void full_write(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            exit(1);
        p += w;
        n -= (size_t)w;
    }
}

static void *raw_echo(void *arg)
{
    echo *e = arg;
    char buf[SMALL];
    for (long i = 0; i < e->ops; i++) {
        full_read(e->fd, buf, SMALL);
        full_write(e->fd, buf, SMALL);
    }
    return NULL;
}

static double rt_raw(void *ctx, long ops)
{
    (void)ctx;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        exit(1);
    echo e = { NULL, sv[1], ops };
    pthread_t t;
    pthread_create(&t, NULL, raw_echo, &e);
    char buf[SMALL];
    memset(buf, 'x', sizeof buf);
    double t0 = bench_now_ns();
    for (long i = 0; i < ops; i++) {
        full_write(sv[0], buf, SMALL);
        full_read(sv[0], buf, SMALL);
    }
    double t1 = bench_now_ns();
    pthread_join(t, NULL);
    close(sv[0]);
    close(sv[1]);
    return t1 - t0;
}

/* ---- bulk ------------------------------------------------------------------- */

typedef struct bulk {
    char *src, *dst;
} bulk;

typedef struct feeder {
    weft_connection *c;
    int fd;
    const char *src;
    long ops;
} feeder;

static void *weft_feed(void *arg)
{
    feeder *f = arg;
    for (long i = 0; i < f->ops; i++)
        if (weft_connection_send_bytes(f->c, f->src, 0, BIG) != WEFT_OK)
            exit(1);
    return NULL;
}

static double bulk_weft(void *ctx, long ops)
{
    bulk *b = ctx;
    weft_connection *r, *w;
    if (weft_pipe_new(&r, &w, 1) != WEFT_OK)
        exit(1);
    feeder f = { w, -1, b->src, ops };
    double t0 = bench_now_ns();
    pthread_t t;
    pthread_create(&t, NULL, weft_feed, &f);
    for (long i = 0; i < ops; i++) {
        size_t n;
        if (weft_connection_recv_bytes_into(r, b->dst, BIG, 0, -1, &n) != WEFT_OK || n != BIG)
            exit(1);
    }
    pthread_join(t, NULL);
    double t1 = bench_now_ns();
    weft_connection_free(r);
    weft_connection_free(w);
    return t1 - t0;
}

static void *raw_feed(void *arg)
{
    feeder *f = arg;
    for (long i = 0; i < f->ops; i++)
        full_write(f->fd, f->src, BIG);
    return NULL;
}

static double bulk_raw(void *ctx, long ops)
{
    bulk *b = ctx;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        exit(1);
    feeder f = { NULL, sv[1], b->src, ops };
    double t0 = bench_now_ns();
    pthread_t t;
    pthread_create(&t, NULL, raw_feed, &f);
    for (long i = 0; i < ops; i++)
        full_read(sv[0], b->dst, BIG);
    pthread_join(t, NULL);
    double t1 = bench_now_ns();
    close(sv[0]);
    close(sv[1]);
    return t1 - t0;
}

int main(void)
{
    bench_variant rt[] = {
        { "weft Pipe 64-byte round trip", rt_weft, NULL },
        { "raw socketpair write/read round trip", rt_raw, NULL },
    };
    bench_result r[2];
    bench_interleaved(rt, r, 2, bench_scaled(50000), 9);
    bench_ratio(r[0], r[1]);

    bulk b = { malloc(BIG), malloc(BIG) };
    if (b.src == NULL || b.dst == NULL)
        return 1;
    memset(b.src, 'a', BIG);
    memset(b.dst, 0, BIG);
    bench_variant bv[] = {
        { "weft send_bytes/recv_bytes_into 1 GiB", bulk_weft, &b },
        { "raw socketpair write/read 1 GiB", bulk_raw, &b },
    };
    bench_result g[2];
    bench_interleaved(bv, g, 2, 1, 7);
    for (int i = 0; i < 2; i++)
        printf("  %-44s %6.2f GB/s\n", g[i].name, (double)BIG / g[i].median);
    bench_ratio(g[0], g[1]);
    free(b.src);
    free(b.dst);
    return 0;
}

/* Queue throughput: P producers -> C consumers moving N items, weft's Queue
 * (unbounded and maxsize 1024, plain and with task_done), SimpleQueue, a
 * mutex + condition variable ring of 1024 slots, and GLib's GAsyncQueue. */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <weft.h>

#ifdef WEFT_BENCH_HAVE_GLIB
#include <glib.h>
#endif

/* ---- a plain bounded ring with one mutex and two condition variables ---- */
typedef struct ring {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    void **slot;
    size_t cap, head, count;
    int getters, putters;
} ring;

static void ring_init(ring *r, size_t cap)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->not_empty, NULL);
    pthread_cond_init(&r->not_full, NULL);
    r->slot = malloc(cap * sizeof *r->slot);
    r->cap = cap;
    r->head = r->count = 0;
    r->getters = r->putters = 0;
}

static void ring_destroy(ring *r)
{
    free(r->slot);
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->not_empty);
    pthread_cond_destroy(&r->not_full);
}

static void ring_put(ring *r, void *item)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == r->cap) {
        r->putters++;
        pthread_cond_wait(&r->not_full, &r->mu);
        r->putters--;
    }
    r->slot[(r->head + r->count) % r->cap] = item;
    r->count++;
    if (r->getters > 0)
        pthread_cond_signal(&r->not_empty);
    pthread_mutex_unlock(&r->mu);
}

static void *ring_get(ring *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->count == 0) {
        r->getters++;
        pthread_cond_wait(&r->not_empty, &r->mu);
        r->getters--;
    }
    void *item = r->slot[r->head];
    r->head = (r->head + 1) % r->cap;
    r->count--;
    if (r->putters > 0)
        pthread_cond_signal(&r->not_full);
    pthread_mutex_unlock(&r->mu);
    return item;
}

/* ---- the driver ---------------------------------------------------------- */
typedef enum kind { K_WEFT, K_WEFT_TASKS, K_SIMPLE, K_RING, K_GLIB } kind;

typedef struct run_ctx {
    kind k;
    int producers, consumers;
    size_t maxsize;
    /* per run */
    weft_queue *q;
    weft_simple_queue *sq;
    ring r;
#ifdef WEFT_BENCH_HAVE_GLIB
    GAsyncQueue *gq;
#endif
    long per_producer, per_consumer;
    atomic_int ready;
    atomic_bool go;
    atomic_long bad;
} run_ctx;

static void wait_go(run_ctx *c)
{
    /* Threads take CPUs in turn when pinned: producer and consumer apart. */
    bench_pin(atomic_fetch_add(&c->ready, 1));
    while (!atomic_load_explicit(&c->go, memory_order_acquire))
        ;
}

static void *producer(void *arg)
{
    run_ctx *c = arg;
    wait_go(c);
    for (long i = 1; i <= c->per_producer; i++) {
        void *item = (void *)(uintptr_t)i;
        switch (c->k) {
        case K_WEFT:
        case K_WEFT_TASKS:
            if (weft_queue_put(c->q, item, -1) != WEFT_OK)
                atomic_fetch_add(&c->bad, 1);
            break;
        case K_SIMPLE:
            if (weft_simple_queue_put(c->sq, item) != WEFT_OK)
                atomic_fetch_add(&c->bad, 1);
            break;
        case K_RING: ring_put(&c->r, item); break;
        case K_GLIB:
#ifdef WEFT_BENCH_HAVE_GLIB
            g_async_queue_push(c->gq, item);
#endif
            break;
        }
    }
    return NULL;
}

static void *consumer(void *arg)
{
    run_ctx *c = arg;
    wait_go(c);
    for (long i = 0; i < c->per_consumer; i++) {
        void *item = NULL;
        switch (c->k) {
        case K_WEFT:
            if (weft_queue_get(c->q, -1, &item) != WEFT_OK)
                atomic_fetch_add(&c->bad, 1);
            break;
        case K_WEFT_TASKS:
            if (weft_queue_get(c->q, -1, &item) != WEFT_OK || weft_queue_task_done(c->q) != WEFT_OK)
                atomic_fetch_add(&c->bad, 1);
            break;
        case K_SIMPLE:
            if (weft_simple_queue_get(c->sq, -1, &item) != WEFT_OK)
                atomic_fetch_add(&c->bad, 1);
            break;
        case K_RING: item = ring_get(&c->r); break;
        case K_GLIB:
#ifdef WEFT_BENCH_HAVE_GLIB
            item = g_async_queue_pop(c->gq);
#endif
            break;
        }
        if (item == NULL)
            atomic_fetch_add(&c->bad, 1);
    }
    return NULL;
}

static double run_once(void *ctx, long ops)
{
    run_ctx *c = ctx;
    c->per_producer = ops / c->producers;
    c->per_consumer = c->per_producer * c->producers / c->consumers;
    switch (c->k) {
    case K_WEFT:
    case K_WEFT_TASKS: weft_queue_new(&c->q, c->maxsize, NULL); break;
    case K_SIMPLE: weft_simple_queue_new(&c->sq, NULL); break;
    case K_RING: ring_init(&c->r, c->maxsize); break;
    case K_GLIB:
#ifdef WEFT_BENCH_HAVE_GLIB
        c->gq = g_async_queue_new();
#endif
        break;
    }
    atomic_store(&c->ready, 0);
    atomic_store(&c->go, false);
    int n = c->producers + c->consumers;
    pthread_t t[16];
    for (int i = 0; i < n; i++)
        pthread_create(&t[i], NULL, i < c->producers ? producer : consumer, c);
    while (atomic_load(&c->ready) < n)
        ;
    double t0 = bench_now_ns();
    atomic_store_explicit(&c->go, true, memory_order_release);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
    double t1 = bench_now_ns();
    switch (c->k) {
    case K_WEFT:
    case K_WEFT_TASKS: weft_queue_free(c->q); break;
    case K_SIMPLE: weft_simple_queue_free(c->sq); break;
    case K_RING: ring_destroy(&c->r); break;
    case K_GLIB:
#ifdef WEFT_BENCH_HAVE_GLIB
        g_async_queue_unref(c->gq);
#endif
        break;
    }
    return t1 - t0;
}

static void check_bad(const run_ctx *c, const char *name)
{
    if (atomic_load(&c->bad) != 0)
        printf("  !! %ld failed operations in %s\n", atomic_load(&c->bad), name);
}

/* Every variant of a scenario runs in turns (bench_interleaved), so a change
 * in the machine's load weighs on all of them alike. */
static void scenario(int p, int cons, long items)
{
    enum { UNB, BND, TSK, SMP, RNG, GLB, N };
    static const char *label[N] = { "weft Queue unbounded", "weft Queue maxsize=1024", "weft Queue +task_done",
                                    "weft SimpleQueue", "mutex+condvar ring 1024", "GAsyncQueue" };
    static const kind kinds[N] = { K_WEFT, K_WEFT, K_WEFT_TASKS, K_SIMPLE, K_RING, K_GLIB };
    static const size_t maxsize[N] = { 0, 1024, 0, 0, 1024, 0 };
    char name[N][64];
    run_ctx c[N];
    bench_variant v[N];
    bench_result r[N];
#ifdef WEFT_BENCH_HAVE_GLIB
    int n = N;
#else
    int n = N - 1;
#endif
    for (int k = 0; k < n; k++) {
        snprintf(name[k], sizeof name[k], "%s %dP->%dC", label[k], p, cons);
        c[k] = (run_ctx){ .k = kinds[k], .producers = p, .consumers = cons, .maxsize = maxsize[k] };
        v[k] = (bench_variant){ name[k], run_once, &c[k] };
    }
    bench_interleaved(v, r, n, items, 5);
    for (int k = 0; k < n; k++)
        check_bad(&c[k], name[k]);
    bench_ratio(r[UNB], r[RNG]);
    bench_ratio(r[BND], r[RNG]);
    bench_ratio(r[SMP], r[RNG]);
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_ratio(r[UNB], r[GLB]);
    bench_ratio(r[BND], r[GLB]);
    bench_ratio(r[TSK], r[GLB]);
    bench_ratio(r[SMP], r[GLB]);
#else
    printf("  (GLib not found: GAsyncQueue skipped)\n");
#endif
}

int main(void)
{
    long items = bench_scaled(10 * 1000 * 1000);
    printf("queue throughput, %ld items per run (ns per item)\n", items);
    scenario(1, 1, items);
    scenario(2, 2, items);
    return 0;
}

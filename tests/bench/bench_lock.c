/* Uncontended acquire+release: weft Lock and RLock against pthread mutexes,
 * GLib's mutexes when present, and the physical floor, a bare atomic
 * compare-and-swap to 1 followed by a store or exchange back to 0, inline
 * and as two calls. weft, libc and GLib are shared libraries, so their
 * figures also include two calls into another shared object; on some CPUs
 * such calls cost more than calls within the program (link libweft.a to
 * drop that part). */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <weft.h>
#ifdef WEFT_BENCH_HAVE_GLIB
#include <glib.h>
#endif

#define OPS 20000000L
#define RUNS 11

static atomic_uint word;

static double cas_store(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        unsigned expected = 0;
        atomic_compare_exchange_strong_explicit(&word, &expected, 1, memory_order_acquire, memory_order_relaxed);
        atomic_store_explicit(&word, 0, memory_order_release);
    }
    return -1;
}

static double cas_exchange(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        unsigned expected = 0;
        atomic_compare_exchange_strong_explicit(&word, &expected, 1, memory_order_acquire, memory_order_relaxed);
        (void)atomic_exchange_explicit(&word, 0, memory_order_release);
    }
    return -1;
}

__attribute__((noinline)) static int call_cas(atomic_uint *w)
{
    unsigned expected = 0;
    return atomic_compare_exchange_strong_explicit(w, &expected, 1, memory_order_acquire, memory_order_relaxed);
}

__attribute__((noinline)) static void call_store(atomic_uint *w)
{
    atomic_store_explicit(w, 0, memory_order_release);
}

static double cas_store_calls(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        call_cas(&word);
        call_store(&word);
    }
    return -1;
}

static double weft_lock_pair(void *ctx, long ops)
{
    weft_lock *l = ctx;
    for (long i = 0; i < ops; i++) {
        weft_lock_acquire(l, -1);
        weft_lock_release(l);
    }
    return -1;
}

static double weft_rlock_pair(void *ctx, long ops)
{
    weft_rlock *r = ctx;
    for (long i = 0; i < ops; i++) {
        weft_rlock_acquire(r, -1);
        weft_rlock_release(r);
    }
    return -1;
}

static double pthread_pair(void *ctx, long ops)
{
    pthread_mutex_t *m = ctx;
    for (long i = 0; i < ops; i++) {
        pthread_mutex_lock(m);
        pthread_mutex_unlock(m);
    }
    return -1;
}

#ifdef WEFT_BENCH_HAVE_GLIB
static double gmutex_pair(void *ctx, long ops)
{
    GMutex *m = ctx;
    for (long i = 0; i < ops; i++) {
        g_mutex_lock(m);
        g_mutex_unlock(m);
    }
    return -1;
}

static double grecmutex_pair(void *ctx, long ops)
{
    GRecMutex *m = ctx;
    for (long i = 0; i < ops; i++) {
        g_rec_mutex_lock(m);
        g_rec_mutex_unlock(m);
    }
    return -1;
}
#endif

/* One interleaved set of every variant and the ratios; `how` says whether
 * another thread is alive: glibc (and weft) take and release locks without
 * a locked instruction while a process has one thread, so both cases are
 * measured, the second being the one a program with threads sees. */
static void measure(const char *how, long ops, weft_lock *l, weft_rlock *r, pthread_mutex_t *m,
                    pthread_mutex_t *rm, void *gm, void *grm)
{
    printf("uncontended acquire+release, %s (ns per pair)\n", how);
    enum { CAS_ST, CAS_X, CAS_C, WL, WR, PM, PRM, GL, GRL, N };
    const bench_variant v[N] = {
        { "atomic CAS + store (floor)", cas_store, NULL },
        { "atomic CAS + exchange (floor)", cas_exchange, NULL },
        { "atomic CAS + store as two calls", cas_store_calls, NULL },
        { "weft Lock acquire+release", weft_lock_pair, l },
        { "weft RLock acquire+release", weft_rlock_pair, r },
        { "pthread_mutex lock+unlock", pthread_pair, m },
        { "pthread recursive mutex lock+unlock", pthread_pair, rm },
#ifdef WEFT_BENCH_HAVE_GLIB
        { "GLib GMutex lock+unlock", gmutex_pair, gm },
        { "GLib GRecMutex lock+unlock", grecmutex_pair, grm },
#endif
    };
    bench_result res[N];
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_interleaved(v, res, N, ops, RUNS);
#else
    (void)gm;
    (void)grm;
    bench_interleaved(v, res, GL, ops, RUNS);
#endif
    bench_ratio(res[WL], res[CAS_ST]);
    bench_ratio(res[WL], res[CAS_C]);
    bench_ratio(res[WL], res[CAS_X]);
    bench_ratio(res[WL], res[PM]);
    bench_ratio(res[WR], res[PRM]);
    bench_ratio(res[WR], res[PM]);
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_ratio(res[WL], res[GL]);
    bench_ratio(res[WR], res[GRL]);
#endif
}

static pthread_mutex_t idle_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t idle_cv = PTHREAD_COND_INITIALIZER;
static int idle_stop;

static void *idle(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&idle_mu);
    while (!idle_stop)
        pthread_cond_wait(&idle_cv, &idle_mu);
    pthread_mutex_unlock(&idle_mu);
    return NULL;
}

int main(void)
{
    long ops = bench_scaled(OPS);
    weft_lock *l;
    weft_rlock *r;
    if (weft_lock_new(&l) != WEFT_OK || weft_rlock_new(&r) != WEFT_OK)
        return 1;
    pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
    pthread_mutex_t rm;
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&rm, &attr);
    pthread_mutexattr_destroy(&attr);

    bench_pin(0);
#ifdef WEFT_BENCH_HAVE_GLIB
    GMutex gm;
    GRecMutex grm;
    g_mutex_init(&gm);
    g_rec_mutex_init(&grm);
    void *gmp = &gm, *grmp = &grm;
#else
    void *gmp = NULL, *grmp = NULL;
#endif
    measure("one thread in the process", ops, l, r, &m, &rm, gmp, grmp);
    pthread_t other;
    if (pthread_create(&other, NULL, idle, NULL) == 0) {
        measure("another thread alive (asleep)", ops, l, r, &m, &rm, gmp, grmp);
        pthread_mutex_lock(&idle_mu);
        idle_stop = 1;
        pthread_cond_signal(&idle_cv);
        pthread_mutex_unlock(&idle_mu);
        pthread_join(other, NULL);
    }
#ifdef WEFT_BENCH_HAVE_GLIB
    g_mutex_clear(&gm);
    g_rec_mutex_clear(&grm);
#endif
    pthread_mutex_destroy(&rm);
    weft_rlock_free(r);
    weft_lock_free(l);
    return 0;
}

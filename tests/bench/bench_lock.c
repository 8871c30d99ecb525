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

    printf("uncontended acquire+release, one thread (ns per pair)\n");
    bench_result cas_st = bench_run("atomic CAS + store (floor)", cas_store, NULL, ops, RUNS);
    bench_result cas_x = bench_run("atomic CAS + exchange (floor)", cas_exchange, NULL, ops, RUNS);
    bench_result cas_c = bench_run("atomic CAS + store as two calls", cas_store_calls, NULL, ops, RUNS);
    bench_result wl = bench_run("weft Lock acquire+release", weft_lock_pair, l, ops, RUNS);
    bench_result wr = bench_run("weft RLock acquire+release", weft_rlock_pair, r, ops, RUNS);
    bench_result pm = bench_run("pthread_mutex lock+unlock", pthread_pair, &m, ops, RUNS);
    bench_result prm = bench_run("pthread recursive mutex lock+unlock", pthread_pair, &rm, ops, RUNS);
#ifdef WEFT_BENCH_HAVE_GLIB
    GMutex gm;
    GRecMutex grm;
    g_mutex_init(&gm);
    g_rec_mutex_init(&grm);
    bench_result gl = bench_run("GLib GMutex lock+unlock", gmutex_pair, &gm, ops, RUNS);
    bench_result grl = bench_run("GLib GRecMutex lock+unlock", grecmutex_pair, &grm, ops, RUNS);
#endif
    bench_ratio(wl, cas_st);
    bench_ratio(wl, cas_c);
    bench_ratio(wl, cas_x);
    bench_ratio(wl, pm);
    bench_ratio(wr, prm);
    bench_ratio(wr, pm);
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_ratio(wl, gl);
    bench_ratio(wr, grl);
    g_mutex_clear(&gm);
    g_rec_mutex_clear(&grm);
#endif
    pthread_mutex_destroy(&rm);
    weft_rlock_free(r);
    weft_lock_free(l);
    return 0;
}

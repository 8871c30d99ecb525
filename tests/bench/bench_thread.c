/* Thread start+join: weft_thread (new, start, join, free) against
 * pthread_create+pthread_join and, when present, GLib and libuv; and a
 * thread-local read: weft_local_get against pthread_getspecific. */
#include "bench.h"

#include <pthread.h>
#include <weft.h>

#ifdef WEFT_BENCH_HAVE_GLIB
#include <glib.h>
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
#include <uv.h>
#endif

static void weft_body(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

static double run_weft(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        weft_thread *t;
        if (weft_thread_new(&t, "bench", weft_body, NULL, NULL) != WEFT_OK || weft_thread_start(t) != WEFT_OK ||
            weft_thread_join(t, -1) != WEFT_OK)
            abort();
        weft_thread_free(t);
    }
    return -1;
}

static void *pthread_body(void *arg)
{
    return arg;
}

static double run_pthread(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        pthread_t t;
        if (pthread_create(&t, NULL, pthread_body, NULL) != 0)
            abort();
        pthread_join(t, NULL);
    }
    return -1;
}

#ifdef WEFT_BENCH_HAVE_GLIB
static gpointer glib_body(gpointer arg)
{
    return arg;
}

static double run_glib(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++)
        g_thread_join(g_thread_new("bench", glib_body, NULL));
    return -1;
}
#endif

#ifdef WEFT_BENCH_HAVE_LIBUV
static void uv_body(void *arg)
{
    (void)arg;
}

static double run_uv(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        uv_thread_t t;
        if (uv_thread_create(&t, uv_body, NULL) != 0)
            abort();
        uv_thread_join(&t);
    }
    return -1;
}
#endif

static weft_local *local;
static pthread_key_t key;
static volatile uintptr_t sink;

static double run_local_get(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++) {
        void *v;
        weft_local_get(local, &v);
        sink += (uintptr_t)v;
    }
    return -1;
}

static double run_getspecific(void *ctx, long ops)
{
    (void)ctx;
    for (long i = 0; i < ops; i++)
        sink += (uintptr_t)pthread_getspecific(key);
    return -1;
}

int main(void)
{
    long n = bench_scaled(2000);
    bench_result w = bench_run("weft_thread new+start+join+free", run_weft, NULL, n, 7);
    bench_result p = bench_run("pthread_create+join", run_pthread, NULL, n, 7);
    bench_ratio(w, p);
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_result g = bench_run("g_thread_new+join", run_glib, NULL, n, 7);
    bench_ratio(w, g);
#endif
#ifdef WEFT_BENCH_HAVE_LIBUV
    bench_result u = bench_run("uv_thread_create+join", run_uv, NULL, n, 7);
    bench_ratio(w, u);
#endif

    weft_local_new(&local, NULL);
    weft_local_set(local, (void *)1);
    pthread_key_create(&key, NULL);
    pthread_setspecific(key, (void *)1);
    long m = bench_scaled(5000000);
    bench_result lg = bench_run("weft_local_get", run_local_get, NULL, m, 7);
    bench_result ps = bench_run("pthread_getspecific", run_getspecific, NULL, m, 7);
    bench_ratio(lg, ps);
    weft_local_free(local);
    return 0;
}

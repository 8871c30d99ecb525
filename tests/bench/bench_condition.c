/* Hand-off through a condition: two threads pass a token back and forth,
 * each round trip being two waits and two notifies under the lock. weft's
 * Condition (over its own RLock, as Condition() is, and over a Lock) against
 * a pthread mutex + condition variable and, when present, GLib's. */
#include "bench.h"

#include <pthread.h>
#include <weft.h>
#ifdef WEFT_BENCH_HAVE_GLIB
#include <glib.h>
#endif

#define ROUND_TRIPS 50000L
#define RUNS 9

typedef struct weft_pp {
    weft_condition *c;
    int turn;
    long ops;
} weft_pp;

static void *weft_peer(void *arg)
{
    weft_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        weft_condition_acquire(p->c, -1);
        while (p->turn != 1)
            weft_condition_wait(p->c, -1);
        p->turn = 0;
        weft_condition_notify(p->c, 1);
        weft_condition_release(p->c);
    }
    return NULL;
}

static double weft_round_trips(void *ctx, long ops)
{
    weft_pp *p = ctx;
    p->ops = ops;
    p->turn = 0;
    pthread_t t;
    pthread_create(&t, NULL, weft_peer, p);
    for (long i = 0; i < ops; i++) {
        weft_condition_acquire(p->c, -1);
        p->turn = 1;
        weft_condition_notify(p->c, 1);
        while (p->turn != 0)
            weft_condition_wait(p->c, -1);
        weft_condition_release(p->c);
    }
    pthread_join(t, NULL);
    return -1;
}

typedef struct pthread_pp {
    pthread_mutex_t m;
    pthread_cond_t c;
    int turn;
    long ops;
} pthread_pp;

static void *pthread_peer(void *arg)
{
    pthread_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        pthread_mutex_lock(&p->m);
        while (p->turn != 1)
            pthread_cond_wait(&p->c, &p->m);
        p->turn = 0;
        pthread_cond_signal(&p->c);
        pthread_mutex_unlock(&p->m);
    }
    return NULL;
}

static double pthread_round_trips(void *ctx, long ops)
{
    pthread_pp *p = ctx;
    p->ops = ops;
    p->turn = 0;
    pthread_t t;
    pthread_create(&t, NULL, pthread_peer, p);
    for (long i = 0; i < ops; i++) {
        pthread_mutex_lock(&p->m);
        p->turn = 1;
        pthread_cond_signal(&p->c);
        while (p->turn != 0)
            pthread_cond_wait(&p->c, &p->m);
        pthread_mutex_unlock(&p->m);
    }
    pthread_join(t, NULL);
    return -1;
}

#ifdef WEFT_BENCH_HAVE_GLIB
typedef struct glib_pp {
    GMutex m;
    GCond c;
    int turn;
    long ops;
} glib_pp;

static void *glib_peer(void *arg)
{
    glib_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        g_mutex_lock(&p->m);
        while (p->turn != 1)
            g_cond_wait(&p->c, &p->m);
        p->turn = 0;
        g_cond_signal(&p->c);
        g_mutex_unlock(&p->m);
    }
    return NULL;
}

static double glib_round_trips(void *ctx, long ops)
{
    glib_pp *p = ctx;
    p->ops = ops;
    p->turn = 0;
    pthread_t t;
    pthread_create(&t, NULL, glib_peer, p);
    for (long i = 0; i < ops; i++) {
        g_mutex_lock(&p->m);
        p->turn = 1;
        g_cond_signal(&p->c);
        while (p->turn != 0)
            g_cond_wait(&p->c, &p->m);
        g_mutex_unlock(&p->m);
    }
    pthread_join(t, NULL);
    return -1;
}
#endif

int main(void)
{
    long ops = bench_scaled(ROUND_TRIPS);
    printf("token round trips between two threads (ns per round trip)\n");

    weft_pp wr = { NULL, 0, 0 };
    weft_pp wl = { NULL, 0, 0 };
    weft_lock *lock;
    if (weft_condition_new(&wr.c) != WEFT_OK || weft_lock_new(&lock) != WEFT_OK ||
        weft_condition_new_with_lock(&wl.c, lock) != WEFT_OK)
        return 1;
    weft_lock_free(lock);
    pthread_pp pp;
    pthread_mutex_init(&pp.m, NULL);
    pthread_cond_init(&pp.c, NULL);

#ifdef WEFT_BENCH_HAVE_GLIB
    glib_pp gp;
    g_mutex_init(&gp.m);
    g_cond_init(&gp.c);
#endif
    bench_variant v[] = {
        { "weft Condition() (own RLock)", weft_round_trips, &wr },
        { "weft Condition(Lock)", weft_round_trips, &wl },
        { "pthread mutex + condvar", pthread_round_trips, &pp },
#ifdef WEFT_BENCH_HAVE_GLIB
        { "GLib GMutex + GCond", glib_round_trips, &gp },
#endif
    };
    bench_result r[4];
    bench_interleaved(v, r, (int)(sizeof v / sizeof v[0]), ops, RUNS);
    bench_result r_rl = r[0], r_l = r[1], r_p = r[2];
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_result r_g = r[3];
#endif
    bench_ratio(r_rl, r_p);
    bench_ratio(r_l, r_p);
#ifdef WEFT_BENCH_HAVE_GLIB
    bench_ratio(r_l, r_g);
    g_cond_clear(&gp.c);
    g_mutex_clear(&gp.m);
#endif
    pthread_cond_destroy(&pp.c);
    pthread_mutex_destroy(&pp.m);
    weft_condition_free(wl.c);
    weft_condition_free(wr.c);
    return 0;
}

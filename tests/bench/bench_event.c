/* Event ping-pong: two threads, two events; one sets "ping" and waits for
 * "pong", the other waits for "ping", clears it and sets "pong". weft's
 * Event against the same protocol on a pthread mutex + condition variable
 * (an event as one would write it with pthreads). */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <weft.h>

#define ROUND_TRIPS 50000L
#define RUNS 9

typedef struct weft_pp {
    weft_event *ping, *pong;
    long ops;
} weft_pp;

static void *weft_peer(void *arg)
{
    weft_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        weft_event_wait(p->ping, -1);
        weft_event_clear(p->ping);
        weft_event_set(p->pong);
    }
    return NULL;
}

static double weft_round_trips(void *ctx, long ops)
{
    weft_pp *p = ctx;
    p->ops = ops;
    pthread_t t;
    pthread_create(&t, NULL, weft_peer, p);
    for (long i = 0; i < ops; i++) {
        weft_event_set(p->ping);
        weft_event_wait(p->pong, -1);
        weft_event_clear(p->pong);
    }
    pthread_join(t, NULL);
    return -1;
}

typedef struct pevent {
    pthread_mutex_t m;
    pthread_cond_t c;
    bool flag;
} pevent;

static void pevent_init(pevent *e)
{
    pthread_mutex_init(&e->m, NULL);
    pthread_cond_init(&e->c, NULL);
    e->flag = false;
}

static void pevent_set(pevent *e)
{
    pthread_mutex_lock(&e->m);
    e->flag = true;
    pthread_cond_broadcast(&e->c);
    pthread_mutex_unlock(&e->m);
}

static void pevent_clear(pevent *e)
{
    pthread_mutex_lock(&e->m);
    e->flag = false;
    pthread_mutex_unlock(&e->m);
}

static void pevent_wait(pevent *e)
{
    pthread_mutex_lock(&e->m);
    while (!e->flag)
        pthread_cond_wait(&e->c, &e->m);
    pthread_mutex_unlock(&e->m);
}

typedef struct pthread_pp {
    pevent ping, pong;
    long ops;
} pthread_pp;

static void *pthread_peer(void *arg)
{
    pthread_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        pevent_wait(&p->ping);
        pevent_clear(&p->ping);
        pevent_set(&p->pong);
    }
    return NULL;
}

static double pthread_round_trips(void *ctx, long ops)
{
    pthread_pp *p = ctx;
    p->ops = ops;
    pthread_t t;
    pthread_create(&t, NULL, pthread_peer, p);
    for (long i = 0; i < ops; i++) {
        pevent_set(&p->ping);
        pevent_wait(&p->pong);
        pevent_clear(&p->pong);
    }
    pthread_join(t, NULL);
    return -1;
}

/* The floor: the same ping-pong on two atomic flags, spinning. */
typedef struct spin_pp {
    atomic_int ping, pong;
    long ops;
} spin_pp;

static void *spin_peer(void *arg)
{
    spin_pp *p = arg;
    for (long i = 0; i < p->ops; i++) {
        while (!atomic_load_explicit(&p->ping, memory_order_acquire))
            ;
        atomic_store_explicit(&p->ping, 0, memory_order_relaxed);
        atomic_store_explicit(&p->pong, 1, memory_order_release);
    }
    return NULL;
}

static double spin_round_trips(void *ctx, long ops)
{
    spin_pp *p = ctx;
    p->ops = ops;
    pthread_t t;
    pthread_create(&t, NULL, spin_peer, p);
    for (long i = 0; i < ops; i++) {
        atomic_store_explicit(&p->ping, 1, memory_order_release);
        while (!atomic_load_explicit(&p->pong, memory_order_acquire))
            ;
        atomic_store_explicit(&p->pong, 0, memory_order_relaxed);
    }
    pthread_join(t, NULL);
    return -1;
}

int main(void)
{
    long ops = bench_scaled(ROUND_TRIPS);
    printf("event ping-pong between two threads (ns per round trip)\n");
    weft_pp wp = { NULL, NULL, 0 };
    if (weft_event_new(&wp.ping) != WEFT_OK || weft_event_new(&wp.pong) != WEFT_OK)
        return 1;
    pthread_pp pp;
    pevent_init(&pp.ping);
    pevent_init(&pp.pong);
    spin_pp sp;
    atomic_init(&sp.ping, 0);
    atomic_init(&sp.pong, 0);

    bench_variant v[] = {
        { "weft Event set/wait", weft_round_trips, &wp },
        { "pthread mutex+condvar event", pthread_round_trips, &pp },
        { "two spinning atomic flags (floor)", spin_round_trips, &sp },
    };
    bench_result r[3];
    bench_interleaved(v, r, 3, ops, RUNS);
    bench_result r_w = r[0], r_p = r[1], r_s = r[2];
    bench_ratio(r_w, r_p);
    bench_ratio(r_w, r_s);
    weft_event_free(wp.ping);
    weft_event_free(wp.pong);
    return 0;
}

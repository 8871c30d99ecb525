/* Blocking on a 32-bit word without futexes: a table of condition variables
 * keyed by address, with the contract of park.linux.c (see core/internal.h). */
#include "core/internal.h"

#include <pthread.h>

#define WEFT__BUCKETS 64

typedef struct weft__bucket {
    pthread_mutex_t mu;
    pthread_cond_t cv;
} weft__bucket;

static weft__bucket weft__buckets[WEFT__BUCKETS];
static pthread_once_t weft__buckets_once = PTHREAD_ONCE_INIT;

static void weft__buckets_init(void)
{
    for (int i = 0; i < WEFT__BUCKETS; i++) {
        pthread_condattr_t attr;
        pthread_condattr_init(&attr);
        pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
        pthread_mutex_init(&weft__buckets[i].mu, NULL);
        pthread_cond_init(&weft__buckets[i].cv, &attr);
        pthread_condattr_destroy(&attr);
    }
}

static weft__bucket *weft__bucket_of(const void *addr)
{
    pthread_once(&weft__buckets_once, weft__buckets_init);
    uintptr_t h = (uintptr_t)addr;
    h ^= h >> 7;
    return &weft__buckets[h % WEFT__BUCKETS];
}

int weft__park(atomic_uint *addr, unsigned expected, const weft__deadline *d)
{
    if (d != NULL && !d->forever && d->once)
        return ETIMEDOUT;
    weft__bucket *b = weft__bucket_of(addr);
    int rc = 0;
    pthread_mutex_lock(&b->mu);
    if (atomic_load(addr) == expected) {
        if (d == NULL || d->forever)
            pthread_cond_wait(&b->cv, &b->mu);
        else
            rc = pthread_cond_timedwait(&b->cv, &b->mu, &d->at);
    }
    pthread_mutex_unlock(&b->mu);
    return rc == ETIMEDOUT ? ETIMEDOUT : 0;
}

void weft__unpark(atomic_uint *addr, int n)
{
    (void)n; /* buckets are shared, so everyone waiting in one is woken */
    weft__bucket *b = weft__bucket_of(addr);
    pthread_mutex_lock(&b->mu);
    pthread_cond_broadcast(&b->cv);
    pthread_mutex_unlock(&b->mu);
}

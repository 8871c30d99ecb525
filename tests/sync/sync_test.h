/* Helpers shared by the sync suites: start threads with plain pthreads and
 * measure elapsed time. */
#ifndef SYNC_TEST_H
#define SYNC_TEST_H

#include "weft_test.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>

#define SYNC_MAX_THREADS 16

typedef struct sync_threads {
    pthread_t id[SYNC_MAX_THREADS];
    int n;
} sync_threads;

static inline void sync_start(sync_threads *t, void *(*fn)(void *), void *arg)
{
    cr_assert_lt(t->n, SYNC_MAX_THREADS);
    cr_assert_eq(pthread_create(&t->id[t->n], NULL, fn, arg), 0);
    t->n++;
}

static inline void sync_join(sync_threads *t)
{
    for (int i = 0; i < t->n; i++)
        cr_assert_eq(pthread_join(t->id[i], NULL), 0);
    t->n = 0;
}

/* Sleeps a little, for tests that want another thread to reach a blocking
 * call first (correctness never depends on it; only what is exercised). */
static inline void sync_nap(double seconds)
{
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Slack for a lower bound on a timed wait: clocks tick in whole nanoseconds
 * and the deadline is computed before the test's first reading. */
#define SYNC_SLACK 0.002

#endif

/* A one-shot gate for the thread suites: threads wait until the test opens
 * it. Plain pthreads, so the suites do not depend on weft's sync area. */
#ifndef WEFT_TEST_GATE_H
#define WEFT_TEST_GATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <weft.h>

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool open;
} gate;

#define GATE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false }

static inline void gate_open(gate *g)
{
    pthread_mutex_lock(&g->mu);
    g->open = true;
    pthread_cond_broadcast(&g->cv);
    pthread_mutex_unlock(&g->mu);
}

static inline void gate_wait(gate *g)
{
    pthread_mutex_lock(&g->mu);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
}

/* Starts a thread that blocks on a gate as a daemon: if an assertion fails
 * before the gate opens, the test's process can still exit (shutdown does
 * not wait for daemons). */
static inline weft_status start_daemon(weft_thread *t)
{
    weft_status st = weft_thread_set_daemon(t, 1);
    return st != WEFT_OK ? st : weft_thread_start(t);
}

#endif

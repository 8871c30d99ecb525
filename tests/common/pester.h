/* A thread that signals the test's thread every 20 ms until told to stop,
 * so that a signal landing before a wait began is followed by one landing
 * in it: the way the suites check that a blocking call ends with
 * WEFT_INTERRUPTED (weft_threading_set_interruptible). The handler counts
 * the signals in `pester_handled`. */
#ifndef PESTER_H
#define PESTER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static atomic_int pester_handled;

static void pester_on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&pester_handled, 1);
}

typedef struct {
    pthread_t target;
    atomic_bool stop;
    pthread_t th;
} pester;

static void *pester_run(void *arg)
{
    pester *p = arg;
    while (!atomic_load(&p->stop)) {
        nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
        if (!atomic_load(&p->stop))
            pthread_kill(p->target, SIGUSR1);
    }
    return NULL;
}

static inline void pester_start(pester *p)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = pester_on_usr1; /* no SA_RESTART: as Python installs its handlers */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    p->target = pthread_self();
    atomic_init(&p->stop, false);
    pthread_create(&p->th, NULL, pester_run, p);
}

static inline void pester_stop(pester *p)
{
    atomic_store(&p->stop, true);
    pthread_join(p->th, NULL);
}

#endif

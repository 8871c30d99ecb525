/* A signal pester for the suites that test interruptible waits: a thread
 * that sends SIGUSR1 to the thread under test every 20 ms until stopped, so
 * a signal that lands before the wait began is followed by one that lands
 * in it. The handler is installed without SA_RESTART, as Python installs
 * its handlers. */
#ifndef WEFT_PESTER_H
#define WEFT_PESTER_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

static atomic_int handled;

static void on_usr1(int sig)
{
    (void)sig;
    atomic_fetch_add(&handled, 1);
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
    sa.sa_handler = on_usr1;
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

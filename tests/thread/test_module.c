/* Module functions: identities, current/main/dummy threads, enumerate,
 * stack size, start_new_thread, exit and interrupt_main. */
#define _GNU_SOURCE
#include "weft_test.h"
#include "gate.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static bool listed(weft_thread *t)
{
    weft_thread **all;
    size_t n;
    cr_assert_eq(weft_threading_enumerate(&all, &n), WEFT_OK);
    cr_assert_eq(n, weft_threading_active_count());
    bool found = false;
    for (size_t i = 0; i < n; i++)
        found |= all[i] == t;
    weft_thread_list_free(all, n);
    return found;
}

Test(module, identities_of_the_main_thread)
{
    weft_thread *cur, *main;
    WEFT_ASSERT_OK(weft_threading_current_thread(&cur));
    WEFT_ASSERT_OK(weft_threading_main_thread(&main));
    cr_assert_eq((pid_t)syscall(SYS_gettid), getpid(), "the suite runs tests in the main thread");
    cr_assert_eq(cur, main);
    cr_assert_eq(weft_threading_get_native_id(), (uint64_t)getpid());
    cr_assert_eq(weft_threading_get_ident(), (uint64_t)(uintptr_t)pthread_self());
    uint64_t id, nid;
    WEFT_ASSERT_OK(weft_thread_ident(main, &id));
    WEFT_ASSERT_OK(weft_thread_native_id(main, &nid));
    cr_assert_eq(id, weft_threading_get_ident());
    cr_assert_eq(nid, weft_threading_get_native_id());
    char *name;
    WEFT_ASSERT_OK(weft_thread_name(main, &name));
    cr_assert_str_eq(name, "MainThread");
    weft_free(name);
    int flag;
    WEFT_ASSERT_OK(weft_thread_daemon(main, &flag));
    cr_assert_eq(flag, 0);
    WEFT_ASSERT_OK(weft_thread_is_alive(main, &flag));
    cr_assert_eq(flag, 1);
    cr_assert(listed(main));
    WEFT_ASSERT_STATUS(weft_thread_start(main), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_thread_join(main, 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_thread_set_daemon(main, 1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_threading_current_thread(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_threading_main_thread(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_threading_enumerate(NULL, NULL), WEFT_EINVAL);
    /* Renaming the main thread works like any other. */
    WEFT_ASSERT_OK(weft_thread_set_name(main, "Boss"));
    WEFT_ASSERT_OK(weft_thread_name(cur, &name));
    cr_assert_str_eq(name, "Boss");
    weft_free(name);
    weft_thread_free(cur);
    weft_thread_free(main);
    /* The main thread's object is never destroyed by its users' frees, not
     * even by one free too many. */
    WEFT_ASSERT_OK(weft_threading_main_thread(&main));
    WEFT_ASSERT_OK(weft_thread_free(main));
    WEFT_ASSERT_OK(weft_thread_free(main));
    WEFT_ASSERT_OK(weft_thread_name(main, &name));
    cr_assert_str_eq(name, "Boss");
    weft_free(name);
}

static void main_from_thread(void *arg, weft_outcome *o)
{
    (void)o;
    weft_thread **out = arg;
    cr_assert_eq(weft_threading_main_thread(&out[0]), WEFT_OK);
    cr_assert_eq(weft_threading_current_thread(&out[1]), WEFT_OK);
}

Test(module, main_thread_seen_from_another_thread)
{
    weft_thread *seen[2], *t, *main;
    WEFT_ASSERT_OK(weft_threading_main_thread(&main));
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, main_from_thread, seen, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(seen[0], main);
    cr_assert_eq(seen[1], t);
    weft_thread_free(seen[0]);
    weft_thread_free(seen[1]);
    weft_thread_free(t);
    weft_thread_free(main);
}

typedef struct dummy_probe {
    gate go, done;
    weft_thread *self, *again;
    uint64_t ident;
} dummy_probe;

static void *foreign(void *arg)
{
    dummy_probe *p = arg;
    cr_assert_eq(weft_threading_current_thread(&p->self), WEFT_OK);
    cr_assert_eq(weft_threading_current_thread(&p->again), WEFT_OK);
    p->ident = weft_threading_get_ident();
    gate_open(&p->done);
    gate_wait(&p->go);
    return NULL;
}

Test(module, dummy_thread_for_a_foreign_thread)
{
    dummy_probe p = { GATE_INIT, GATE_INIT, NULL, NULL, 0 };
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, foreign, &p), 0);
    gate_wait(&p.done);
    cr_assert_eq(p.self, p.again, "one dummy per thread");
    char *name;
    WEFT_ASSERT_OK(weft_thread_name(p.self, &name));
    cr_assert(strncmp(name, "Dummy-", 6) == 0, "%s", name);
    weft_free(name);
    int flag;
    uint64_t id;
    WEFT_ASSERT_OK(weft_thread_daemon(p.self, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_OK(weft_thread_is_alive(p.self, &flag));
    cr_assert_eq(flag, 1);
    WEFT_ASSERT_OK(weft_thread_ident(p.self, &id));
    cr_assert_eq(id, p.ident);
    cr_assert(listed(p.self));
    WEFT_ASSERT_STATUS(weft_thread_join(p.self, 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_thread_start(p.self), WEFT_RUNTIME);
    gate_open(&p.go);
    pthread_join(th, NULL);
    /* The key destructor retired it when the OS thread ended. */
    WEFT_ASSERT_OK(weft_thread_is_alive(p.self, &flag));
    cr_assert_eq(flag, 0);
    cr_assert(!listed(p.self));
    weft_thread_free(p.self);
    weft_thread_free(p.again);
}

static void *foreign_creates(void *arg)
{
    weft_thread *t;
    cr_assert_eq(weft_thread_new(&t, NULL, (weft_fn)arg, NULL, NULL), WEFT_OK);
    int d = 0;
    weft_thread_daemon(t, &d);
    weft_thread_free(t);
    return (void *)(intptr_t)d;
}

static void nothing(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
}

Test(module, threads_made_by_foreign_threads_are_daemons)
{
    pthread_t th;
    void *d;
    cr_assert_eq(pthread_create(&th, NULL, foreign_creates, (void *)nothing), 0);
    pthread_join(th, &d);
    cr_assert_eq((intptr_t)d, 1, "inherited from the dummy thread, as in Python");
}

static void wait_arg(void *arg, weft_outcome *o)
{
    (void)o;
    gate_wait(arg);
}

Test(module, enumerate_lists_alive_threads_only)
{
    gate g = GATE_INIT;
    weft_thread *a, *b;
    size_t before = weft_threading_active_count();
    WEFT_ASSERT_OK(weft_thread_new(&a, NULL, wait_arg, &g, NULL));
    WEFT_ASSERT_OK(weft_thread_new(&b, NULL, wait_arg, &g, NULL));
    WEFT_ASSERT_OK(start_daemon(a));
    cr_assert(listed(a));
    /* Python's order: the main thread first, then in the order of starting. */
    weft_thread **all, *main;
    size_t n;
    WEFT_ASSERT_OK(weft_threading_enumerate(&all, &n));
    WEFT_ASSERT_OK(weft_threading_main_thread(&main));
    cr_assert_eq(all[0], main);
    cr_assert_eq(all[n - 1], a);
    weft_thread_free(main);
    weft_thread_list_free(all, n);
    cr_assert(!listed(b), "never started");
    cr_assert_eq(weft_threading_active_count(), before + 1);
    gate_open(&g);
    WEFT_ASSERT_OK(weft_thread_join(a, -1));
    cr_assert(!listed(a), "ended");
    cr_assert_eq(weft_threading_active_count(), before);
    weft_thread_free(a);
    weft_thread_free(b);
}

static void deep(void *arg, weft_outcome *o)
{
    (void)o;
    volatile char buf[40 * 1024];
    buf[0] = 1;
    buf[sizeof buf - 1] = 2;
    *(int *)arg = buf[0] + buf[sizeof buf - 1];
}

Test(module, stack_size_rules)
{
    size_t old = 1;
    cr_assert_eq(weft_threading_get_stack_size(), 0);
    WEFT_ASSERT_STATUS(weft_threading_stack_size(1024, &old), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_threading_stack_size(32 * 1024 - 1, NULL), WEFT_EINVAL);
    cr_assert_eq(old, 1, "unchanged on failure");
    cr_assert_eq(weft_threading_get_stack_size(), 0);
    WEFT_ASSERT_OK(weft_threading_stack_size(128 * 1024, &old));
    cr_assert_eq(old, 0);
    cr_assert_eq(weft_threading_get_stack_size(), 128 * 1024);
    int r = 0;
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, deep, &r, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(r, 3);
    weft_thread_free(t);
    WEFT_ASSERT_OK(weft_threading_stack_size(0, &old));
    cr_assert_eq(old, 128 * 1024);
    WEFT_ASSERT_OK(weft_threading_stack_size(32 * 1024, NULL));
    WEFT_ASSERT_OK(weft_threading_stack_size(0, NULL));
}

/* ---- _thread ------------------------------------------------------------- */

typedef struct snt {
    gate done;
    uint64_t ident;
    int daemon;
    int freed;
} snt;

static void snt_body(void *arg, weft_outcome *o)
{
    (void)o;
    snt *s = arg;
    s->ident = weft_threading_get_ident();
    weft_thread *me;
    cr_assert_eq(weft_threading_current_thread(&me), WEFT_OK);
    weft_thread_daemon(me, &s->daemon);
    weft_thread_free(me);
}

static void snt_free(void *arg)
{
    snt *s = arg;
    s->freed++;
    gate_open(&s->done);
}

Test(module, start_new_thread)
{
    snt s = { GATE_INIT, 0, 0, 0 };
    uint64_t ident = 0;
    WEFT_ASSERT_OK(weft_threading_start_new_thread(snt_body, &s, snt_free, &ident));
    gate_wait(&s.done);
    cr_assert_eq(s.ident, ident);
    cr_assert_eq(s.daemon, 1, "not waited for at shutdown");
    cr_assert_eq(s.freed, 1);
    WEFT_ASSERT_STATUS(weft_threading_start_new_thread(NULL, NULL, NULL, NULL), WEFT_EINVAL);
}

static atomic_int exit_freed;
static atomic_int after_exit;
static void exit_free(void *p)
{
    atomic_fetch_add(&exit_freed, 1);
    free(p);
}

static void exits(void *arg, weft_outcome *o)
{
    (void)arg;
    /* A failure reported before exit is discarded: exit is silent. */
    weft_outcome_set_error(o, WEFT_FAILED, "never shown", NULL, NULL);
    weft_threading_exit();
    atomic_store(&after_exit, 1);
}

Test(module, exit_ends_the_thread_cleanly)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, exits, malloc(8), exit_free));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(atomic_load(&after_exit), 0);
    cr_assert_eq(atomic_load(&exit_freed), 1);
    int alive;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert_eq(alive, 0);
    weft_thread_free(t);
    /* Not in a weft thread. */
    WEFT_ASSERT_STATUS(weft_threading_exit(), WEFT_RUNTIME);
}

static volatile sig_atomic_t got_signal;
static volatile sig_atomic_t signal_in_main;

static void on_signal(int sig)
{
    got_signal = sig;
    signal_in_main = (pid_t)syscall(SYS_gettid) == getpid();
}

static void interrupter(void *arg, weft_outcome *o)
{
    (void)o;
    *(weft_status *)arg = weft_threading_interrupt_main(0);
}

Test(module, interrupt_main_raises_sigint_in_the_main_thread)
{
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    cr_assert_eq(sigaction(SIGINT, &sa, NULL), 0);
    weft_status st = WEFT_FAILED;
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, interrupter, &st, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(st, WEFT_OK);
    /* The signal was queued for this thread before the join returned, and
     * is delivered at the latest when this thread leaves the kernel. */
    sigset_t none;
    sigemptyset(&none);
    while (!got_signal)
        sigsuspend(&none);
    cr_assert_eq(got_signal, SIGINT);
    cr_assert(signal_in_main);
    weft_thread_free(t);
}

Test(module, interrupt_main_other_signals_and_errors)
{
    /* SIGUSR1 has its default disposition (terminate): as Python, nothing happens. */
    signal(SIGUSR1, SIG_DFL);
    WEFT_ASSERT_OK(weft_threading_interrupt_main(SIGUSR1));
    signal(SIGUSR2, SIG_IGN);
    WEFT_ASSERT_OK(weft_threading_interrupt_main(SIGUSR2));
    WEFT_ASSERT_STATUS(weft_threading_interrupt_main(-1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_threading_interrupt_main(NSIG), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_threading_interrupt_main(100000), WEFT_EINVAL);
    /* With a handler it arrives. */
    struct sigaction sa = { 0 };
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    WEFT_ASSERT_OK(weft_threading_interrupt_main(SIGUSR1));
    sigdelset(&old, SIGUSR1);
    while (got_signal != SIGUSR1)
        sigsuspend(&old);
    pthread_sigmask(SIG_UNBLOCK, &block, NULL);
    cr_assert(signal_in_main);
}

static atomic_int late_done;

static void late_worker(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    nanosleep(&(struct timespec){ 0, 200 * 1000 * 1000 }, NULL);
    atomic_store(&late_done, 1);
}

Test(module, shutdown_waits_for_non_daemon_threads)
{
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, "late", late_worker, NULL, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    weft_thread_free(t); /* the thread runs on; shutdown must wait for it */
    weft_threading_shutdown();
    cr_assert_eq(atomic_load(&late_done), 1, "shutdown returned before a non-daemon thread ended");
}

Test(module, shutdown_marks_the_main_thread_ended)
{
    weft_thread *main;
    WEFT_ASSERT_OK(weft_threading_main_thread(&main));
    weft_threading_shutdown();
    int alive;
    WEFT_ASSERT_OK(weft_thread_is_alive(main, &alive));
    cr_assert_eq(alive, 0);
    cr_assert(!listed(main));
    weft_thread_free(main);
}

/* In a child made by fork only the forking thread exists: the others count
 * as ended, the forking thread is the main thread, shutdown does not wait
 * for threads that vanished. */
typedef struct forker {
    gate *blocked;
    weft_thread *stuck;
    int status;
} forker;

static int child_checks(weft_thread *stuck, bool from_main)
{
    int alive = 1;
    if (weft_thread_is_alive(stuck, &alive) != WEFT_OK || alive)
        return 10;
    if (weft_thread_join(stuck, -1) != WEFT_OK)
        return 11;
    weft_thread *main;
    uint64_t id = 0;
    weft_threading_main_thread(&main);
    weft_thread_ident(main, &id);
    weft_thread_is_alive(main, &alive);
    weft_thread_free(main);
    if (id != weft_threading_get_ident() || !alive)
        return 12;
    /* Listed once, as Python lists it: the forking weft thread stands for
     * itself, the main object (which took its identity) is not beside it. */
    weft_thread **all;
    size_t n;
    weft_threading_enumerate(&all, &n);
    uint64_t listed_id = 0;
    if (n == 1)
        weft_thread_ident(all[0], &listed_id);
    weft_thread_list_free(all, n);
    if (n != 1 || listed_id != weft_threading_get_ident() || weft_threading_active_count() != 1)
        return 13;
    (void)from_main;
#ifndef __SANITIZE_THREAD__ /* TSan refuses new threads after a multi-threaded fork */
    /* Threads still start and join in the child. */
    weft_thread *t;
    if (weft_thread_new(&t, NULL, nothing, NULL, NULL) != WEFT_OK || weft_thread_start(t) != WEFT_OK ||
        weft_thread_join(t, -1) != WEFT_OK)
        return 14;
    weft_thread_free(t);
#endif
    weft_threading_shutdown();
    return 0;
}

#include <sys/wait.h>

static int fork_and_check(weft_thread *stuck, bool from_main)
{
    pid_t pid = fork();
    if (pid == 0)
        _exit(child_checks(stuck, from_main));
    int status = -1;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 100;
}

static void fork_in_thread(void *arg, weft_outcome *o)
{
    (void)o;
    forker *f = arg;
    f->status = fork_and_check(f->stuck, false);
}

Test(module, fork_leaves_only_the_forking_thread)
{
    gate g = GATE_INIT;
    weft_thread *stuck, *t;
    WEFT_ASSERT_OK(weft_thread_new(&stuck, NULL, wait_arg, &g, NULL));
    /* A daemon, so that a failing assertion does not leave the worker
     * waiting for it at exit. */
    WEFT_ASSERT_OK(weft_thread_set_daemon(stuck, 1));
    WEFT_ASSERT_OK(weft_thread_start(stuck));
    cr_assert_eq(fork_and_check(stuck, true), 0);
    forker f = { &g, stuck, -1 };
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, fork_in_thread, &f, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    cr_assert_eq(f.status, 0);
    gate_open(&g);
    WEFT_ASSERT_OK(weft_thread_join(stuck, -1));
    weft_thread_free(stuck);
    weft_thread_free(t);
}

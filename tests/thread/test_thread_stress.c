/* Bounded stress: many short threads, timers cancelled while they fire,
 * locals freed while their threads end, enumerate while threads come and go,
 * many joiners. Each runs well under a few seconds. */
#include "weft_test.h"
#include "gate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static atomic_int freed, ran;

static void count_free(void *p)
{
    atomic_fetch_add(&freed, 1);
    free(p);
}

static void bump(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    atomic_fetch_add(&ran, 1);
}

Test(stress, many_short_threads_started_and_joined)
{
    enum { BATCH = 32, ROUNDS = 60 };
    for (int r = 0; r < ROUNDS; r++) {
        weft_thread *t[BATCH];
        for (int i = 0; i < BATCH; i++) {
            WEFT_ASSERT_OK(weft_thread_new(&t[i], NULL, bump, malloc(1), count_free));
            WEFT_ASSERT_OK(weft_thread_start(t[i]));
        }
        for (int i = 0; i < BATCH; i++) {
            WEFT_ASSERT_OK(weft_thread_join(t[i], -1));
            WEFT_ASSERT_OK(weft_thread_free(t[i]));
        }
    }
    cr_assert_eq(atomic_load(&ran), BATCH * ROUNDS);
    cr_assert_eq(atomic_load(&freed), BATCH * ROUNDS);
}

Test(stress, threads_freed_unjoined_are_waited_for_by_shutdown)
{
    enum { N = 600 };
    for (int i = 0; i < N; i++) {
        weft_thread *t;
        WEFT_ASSERT_OK(weft_thread_new(&t, NULL, bump, malloc(1), count_free));
        WEFT_ASSERT_OK(weft_thread_start(t));
        WEFT_ASSERT_OK(weft_thread_free(t));
    }
    weft_threading_shutdown();
    cr_assert_eq(atomic_load(&ran), N);
    cr_assert_eq(atomic_load(&freed), N);
}

Test(stress, timer_cancel_races_the_timer_firing)
{
    enum { N = 300 };
    int prevented_total = 0;
    for (int i = 0; i < N; i++) {
        weft_timer *t;
        /* 0 to ~0.5 ms: sometimes fires first, sometimes cancel wins. */
        WEFT_ASSERT_OK(weft_timer_new(&t, (i % 6) * 0.0001, bump, malloc(1), count_free));
        int before = atomic_load(&ran);
        WEFT_ASSERT_OK(weft_timer_start(t));
        int prevented;
        WEFT_ASSERT_OK(weft_timer_cancel(t, &prevented));
        WEFT_ASSERT_OK(weft_timer_join(t, -1));
        int fired = atomic_load(&ran) - before;
        cr_assert_eq(fired + prevented, 1, "timer %d: fired %d, prevented %d", i, fired, prevented);
        prevented_total += prevented;
        WEFT_ASSERT_OK(weft_timer_free(t));
        cr_assert_eq(atomic_load(&freed), i + 1, "the argument is freed once, either way");
    }
    cr_assert_eq(atomic_load(&ran) + prevented_total, N);
}

typedef struct setter {
    weft_local *l;
    atomic_int *done;
} setter;

static void set_and_leave(void *arg, weft_outcome *o)
{
    (void)o;
    setter *s = arg;
    for (int k = 0; k < 4; k++)
        cr_assert_eq(weft_local_set(s->l, malloc(8)), WEFT_OK); /* replaces: frees */
    atomic_fetch_add(s->done, 1);
}

static void *foreign_set_and_leave(void *arg)
{
    set_and_leave(arg, NULL);
    return NULL;
}

Test(stress, locals_freed_while_their_threads_end)
{
    enum { ROUNDS = 60, THREADS = 6 };
    for (int r = 0; r < ROUNDS; r++) {
        weft_local *l;
        WEFT_ASSERT_OK(weft_local_new(&l, count_free));
        atomic_int done = 0;
        setter s = { l, &done };
        weft_thread *t[THREADS];
        pthread_t p[THREADS];
        for (int i = 0; i < THREADS; i++) {
            WEFT_ASSERT_OK(weft_thread_new(&t[i], NULL, set_and_leave, &s, NULL));
            WEFT_ASSERT_OK(weft_thread_start(t[i]));
            cr_assert_eq(pthread_create(&p[i], NULL, foreign_set_and_leave, &s), 0);
        }
        /* Every thread has set its value and is ending: free races their
         * ends (weft threads' own cleanup, foreign threads' key destructor). */
        while (atomic_load(&done) < 2 * THREADS)
            sched_yield();
        WEFT_ASSERT_OK(weft_local_free(l));
        for (int i = 0; i < THREADS; i++) {
            WEFT_ASSERT_OK(weft_thread_join(t[i], -1));
            weft_thread_free(t[i]);
            pthread_join(p[i], NULL);
        }
        cr_assert_eq(atomic_load(&freed), (r + 1) * 2 * THREADS * 4, "round %d", r);
    }
}

static atomic_bool stop;

static void *enumerator(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        weft_thread **all;
        size_t n;
        cr_assert_eq(weft_threading_enumerate(&all, &n), WEFT_OK);
        for (size_t i = 0; i < n; i++) {
            char *name;
            cr_assert_eq(weft_thread_name(all[i], &name), WEFT_OK);
            weft_free(name);
        }
        weft_thread_list_free(all, n);
        (void)weft_threading_active_count();
    }
    return NULL;
}

static void *dummy_life(void *arg)
{
    (void)arg;
    weft_thread *me;
    cr_assert_eq(weft_threading_current_thread(&me), WEFT_OK);
    weft_thread_free(me);
    return NULL;
}

Test(stress, enumerate_while_threads_come_and_go)
{
    pthread_t e[2];
    for (int i = 0; i < 2; i++)
        cr_assert_eq(pthread_create(&e[i], NULL, enumerator, NULL), 0);
    for (int r = 0; r < 300; r++) {
        weft_thread *t;
        WEFT_ASSERT_OK(weft_thread_new(&t, NULL, bump, NULL, NULL));
        WEFT_ASSERT_OK(weft_thread_start(t));
        pthread_t d;
        cr_assert_eq(pthread_create(&d, NULL, dummy_life, NULL), 0);
        WEFT_ASSERT_OK(weft_thread_join(t, -1));
        weft_thread_free(t);
        pthread_join(d, NULL);
    }
    atomic_store(&stop, true);
    for (int i = 0; i < 2; i++)
        pthread_join(e[i], NULL);
}

typedef struct joiner {
    weft_thread *target;
    weft_status st;
} joiner;

static void join_it(void *arg, weft_outcome *o)
{
    (void)o;
    joiner *j = arg;
    j->st = weft_thread_join(j->target, -1);
}

static void wait_gate(void *arg, weft_outcome *o)
{
    (void)o;
    gate_wait(arg);
}

Test(stress, many_joiners_wake)
{
    enum { J = 16 };
    for (int r = 0; r < 20; r++) {
        gate g = GATE_INIT;
        weft_thread *target, *js[J];
        joiner j[J];
        WEFT_ASSERT_OK(weft_thread_new(&target, NULL, wait_gate, &g, NULL));
        WEFT_ASSERT_OK(start_daemon(target));
        for (int i = 0; i < J; i++) {
            j[i] = (joiner){ target, WEFT_FAILED };
            WEFT_ASSERT_OK(weft_thread_new(&js[i], NULL, join_it, &j[i], NULL));
            WEFT_ASSERT_OK(weft_thread_start(js[i]));
        }
        gate_open(&g);
        for (int i = 0; i < J; i++) {
            WEFT_ASSERT_OK(weft_thread_join(js[i], -1));
            cr_assert_eq(j[i].st, WEFT_OK);
            weft_thread_free(js[i]);
        }
        weft_thread_free(target);
    }
}

static void short_timed_join(void *arg, weft_outcome *o)
{
    (void)o;
    joiner *j = arg;
    while ((j->st = weft_thread_join(j->target, 0.0005)) == WEFT_TIMEOUT)
        ;
}

Test(stress, timed_joins_race_the_end)
{
    for (int r = 0; r < 200; r++) {
        weft_thread *target, *js;
        WEFT_ASSERT_OK(weft_thread_new(&target, NULL, bump, NULL, NULL));
        joiner j = { target, WEFT_FAILED };
        WEFT_ASSERT_OK(weft_thread_new(&js, NULL, short_timed_join, &j, NULL));
        WEFT_ASSERT_OK(weft_thread_start(target));
        WEFT_ASSERT_OK(weft_thread_start(js));
        WEFT_ASSERT_OK(weft_thread_join(js, -1));
        cr_assert_eq(j.st, WEFT_OK);
        weft_thread_free(js);
        weft_thread_free(target);
    }
}

typedef struct renamer {
    weft_thread *t;
    atomic_bool stop;
} renamer;

static void rename_loop(void *arg, weft_outcome *o)
{
    (void)o;
    renamer *r = arg;
    char buf[32];
    for (int i = 0; !atomic_load(&r->stop); i++) {
        snprintf(buf, sizeof buf, "name-%d", i % 1000);
        cr_assert_eq(weft_thread_set_name(r->t, buf), WEFT_OK);
    }
}

Test(stress, names_read_while_renamed)
{
    renamer r = { NULL, false };
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, NULL, rename_loop, &r, NULL));
    r.t = t;
    WEFT_ASSERT_OK(weft_thread_start(t));
    for (int i = 0; i < 20000; i++) {
        char *name;
        WEFT_ASSERT_OK(weft_thread_name(t, &name));
        cr_assert(strncmp(name, "Thread-", 7) == 0 || strncmp(name, "name-", 5) == 0, "%s", name);
        weft_free(name);
    }
    atomic_store(&r.stop, true);
    WEFT_ASSERT_OK(weft_thread_join(t, -1));
    weft_thread_free(t);
}

/* fork() while other threads start threads, in a process whose threads use
 * a module's dynamic thread-local storage: the child must find the C
 * library's cache of thread stacks consistent and start threads of its own
 * (a fork landing inside glibc's reuse of a cached stack used to leave the
 * child a stack whose thread-local blocks were freed twice; os/thread.c).
 * The race is narrow, so this runs many forks and counts the children that
 * failed. */
#include <dlfcn.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned (*tls_touch)(void);
static atomic_bool churning;

static void touch_tls(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    (void)tls_touch();
}

static bool start_and_join_one(void)
{
    weft_thread *t;
    if (weft_thread_new(&t, NULL, touch_tls, NULL, NULL) != WEFT_OK)
        return false;
    bool ok = weft_thread_start(t) == WEFT_OK && weft_thread_join(t, -1) == WEFT_OK;
    weft_thread_free(t);
    return ok;
}

static void churn(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_int *failures = arg;
    while (atomic_load(&churning))
        if (!start_and_join_one())
            atomic_fetch_add(failures, 1);
}

Test(stress, fork_while_threads_start_threads)
{
#if defined(__SANITIZE_THREAD__)
    cr_skip_test("ThreadSanitizer does not support threads after a multi-threaded fork");
#elif defined(__SANITIZE_ADDRESS__)
    /* Its allocator's locks are not taken around fork: after enough forks
     * a child's first malloc waits for a lock a vanished thread held. */
    cr_skip_test("AddressSanitizer's allocator is not fork-safe (children hang on its locks)");
#endif
    enum { CHURNERS = 8, FORKS = 1500 };
    void *mod = dlopen(WEFT_TEST_TLS_MODULE, RTLD_NOW | RTLD_LOCAL);
    cr_assert_not_null(mod, "dlopen: %s", dlerror());
    tls_touch = (unsigned (*)(void))dlsym(mod, "weft_test_tls_touch");
    cr_assert_not_null(tls_touch);
    atomic_int failures = 0;
    atomic_store(&churning, true);
    weft_thread *c[CHURNERS];
    for (int i = 0; i < CHURNERS; i++) {
        WEFT_ASSERT_OK(weft_thread_new(&c[i], NULL, churn, &failures, NULL));
        WEFT_ASSERT_OK(start_daemon(c[i]));
    }
    int bad = 0;
    for (int i = 0; i < FORKS; i++) {
        pid_t pid = fork();
        cr_assert_geq(pid, 0);
        if (pid == 0) {
            /* The first threads here get the stacks of the parent's other
             * threads back from the cache. */
            for (int k = 0; k < 3; k++)
                if (!start_and_join_one())
                    _exit(1);
            _exit(0);
        }
        int status = -1;
        cr_assert_eq(waitpid(pid, &status, 0), pid);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
            bad++;
    }
    atomic_store(&churning, false);
    for (int i = 0; i < CHURNERS; i++) {
        WEFT_ASSERT_OK(weft_thread_join(c[i], -1));
        weft_thread_free(c[i]);
    }
    cr_assert_eq(bad, 0, "%d of %d children failed", bad, FORKS);
    cr_assert_eq(atomic_load(&failures), 0);
}

/* Bounded races: cancel against start, callbacks against completion,
 * as_completed with timeouts, many submitters, shutdown against submit. */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static atomic_int runs, freed;

static void count_free(void *p)
{
    (void)p;
    atomic_fetch_add(&freed, 1);
}

static void count_run(void *arg, weft_outcome *o)
{
    (void)arg;
    (void)o;
    atomic_fetch_add(&runs, 1);
}

static weft_executor *pool(size_t workers)
{
    weft_executor_opts *o;
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_executor_opts_new(&o));
    WEFT_ASSERT_OK(weft_executor_opts_set_max_workers(o, workers));
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, o));
    WEFT_ASSERT_OK(weft_executor_opts_free(o));
    return ex;
}

Test(futures_stress, cancel_races_start)
{
    enum { N = 20000 };
    weft_executor *ex = pool(3);
    weft_future **fs = malloc(N * sizeof *fs);
    atomic_store(&runs, 0);
    atomic_store(&freed, 0);
    int cancelled = 0;
    for (int i = 0; i < N; i++) {
        WEFT_ASSERT_OK(weft_executor_submit(ex, count_run, NULL, count_free, &fs[i]));
        if (i >= 2) {
            int c;
            WEFT_ASSERT_OK(weft_future_cancel(fs[i - 2], &c));
            cancelled += c;
        }
    }
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    for (int i = 0; i < N; i++) {
        int c, d;
        WEFT_ASSERT_OK(weft_future_done(fs[i], &d));
        WEFT_ASSERT_OK(weft_future_cancelled(fs[i], &c));
        cr_assert(d);
        weft_status st = weft_future_result(fs[i], 0, NULL);
        cr_assert(c ? st == WEFT_CANCELLED : st == WEFT_OK);
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    cr_assert_eq(atomic_load(&runs) + cancelled, N, "each task either ran or was cancelled");
    cr_assert_eq(atomic_load(&freed), N, "each argument freed exactly once");
    free(fs);
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

typedef struct cb_round {
    weft_future **fs;
    atomic_int *hits;
    int n;
} cb_round;

static void hit(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_fetch_add((atomic_int *)arg, 1);
}

static void *complete_all(void *p)
{
    cb_round *r = p;
    for (int i = 0; i < r->n; i++) {
        if (i % 3 == 0)
            weft_future_cancel(r->fs[i], NULL);
        else
            weft_future_set_result(r->fs[i], NULL, NULL);
    }
    return NULL;
}

Test(futures_stress, callbacks_race_completion)
{
    enum { N = 20000 };
    weft_future **fs = malloc(N * sizeof *fs);
    atomic_int *hits = calloc(N, sizeof *hits);
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
    atomic_store(&freed, 0);
    cb_round r = { fs, hits, N };
    pthread_t t;
    pthread_create(&t, NULL, complete_all, &r);
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_future_add_done_callback(fs[i], hit, &hits[i], count_free));
    pthread_join(t, NULL);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(atomic_load(&hits[i]), 1, "callback %d ran %d times", i, atomic_load(&hits[i]));
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    cr_assert_eq(atomic_load(&freed), N);
    free(fs);
    free(hits);
}

static void short_task(void *arg, weft_outcome *o)
{
    (void)o;
    usleep((useconds_t)(uintptr_t)arg);
}

Test(futures_stress, as_completed_with_timeouts)
{
    enum { N = 64, ROUNDS = 20 };
    weft_executor *ex = pool(4);
    for (int round = 0; round < ROUNDS; round++) {
        weft_future *fs[N];
        for (int i = 0; i < N; i++)
            WEFT_ASSERT_OK(weft_executor_submit(ex, short_task, (void *)(uintptr_t)(i % 7 * 100), NULL, &fs[i]));
        weft_as_completed *it;
        WEFT_ASSERT_OK(weft_as_completed_new(&it, fs, N, round % 2 ? 0.002 : -1));
        int seen[N] = { 0 };
        int yielded = 0;
        weft_status st;
        weft_future *f;
        while ((st = weft_as_completed_next(it, &f)) == WEFT_OK) {
            int d;
            WEFT_ASSERT_OK(weft_future_done(f, &d));
            cr_assert(d);
            for (int i = 0; i < N; i++)
                if (fs[i] == f) {
                    cr_assert_eq(seen[i], 0, "yielded twice");
                    seen[i] = 1;
                }
            yielded++;
        }
        cr_assert(st == WEFT_EOF || st == WEFT_TIMEOUT);
        if (st == WEFT_EOF)
            cr_assert_eq(yielded, N);
        if (round % 2 == 0)
            cr_assert_eq(yielded, N);
        /* Freed while tasks may still finish. */
        WEFT_ASSERT_OK(weft_as_completed_free(it));
        for (int i = 0; i < N; i++)
            WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    WEFT_ASSERT_OK(weft_executor_free(ex));
}

typedef struct submitter {
    weft_executor *ex;
    int n;
    int refused;
} submitter;

static void *submit_many(void *p)
{
    submitter *s = p;
    for (int i = 0; i < s->n; i++) {
        weft_future *f;
        weft_status st = weft_executor_submit(s->ex, count_run, NULL, count_free, &f);
        if (st == WEFT_OK) {
            if (i % 2)
                weft_future_result(f, -1, NULL);
            weft_future_free(f);
        } else {
            cr_assert_eq(st, WEFT_RUNTIME);
            s->refused++;
            count_free(NULL); /* refused: the argument is still ours */
        }
    }
    return NULL;
}

Test(futures_stress, many_submitters)
{
    enum { T = 4, N = 20000 };
    weft_executor *ex = pool(4);
    atomic_store(&runs, 0);
    atomic_store(&freed, 0);
    pthread_t t[T];
    submitter s[T];
    for (int i = 0; i < T; i++) {
        s[i] = (submitter){ ex, N, 0 };
        pthread_create(&t[i], NULL, submit_many, &s[i]);
    }
    for (int i = 0; i < T; i++)
        pthread_join(t[i], NULL);
    WEFT_ASSERT_OK(weft_executor_free(ex));
    cr_assert_eq(atomic_load(&runs), T * N);
    cr_assert_eq(atomic_load(&freed), T * N);
}

Test(futures_stress, shutdown_races_submit)
{
    enum { T = 3, N = 5000 };
    for (int round = 0; round < 10; round++) {
        weft_executor *ex = pool(2);
        atomic_store(&runs, 0);
        atomic_store(&freed, 0);
        pthread_t t[T];
        submitter s[T];
        for (int i = 0; i < T; i++) {
            s[i] = (submitter){ ex, N, 0 };
            pthread_create(&t[i], NULL, submit_many, &s[i]);
        }
        usleep(500 + round * 300);
        WEFT_ASSERT_OK(weft_executor_shutdown(ex, round % 2, 1));
        for (int i = 0; i < T; i++)
            pthread_join(t[i], NULL);
        WEFT_ASSERT_OK(weft_executor_free(ex));
        cr_assert_eq(atomic_load(&freed), T * N, "round %d: every argument freed once", round);
    }
}

static void *finish_slowly(void *p)
{
    weft_future **fs = p;
    for (int i = 0; i < 8; i++) {
        usleep(200);
        weft_future_set_result(fs[i], NULL, NULL);
    }
    return NULL;
}

Test(futures_stress, wait_races_completion)
{
    for (int round = 0; round < 200; round++) {
        weft_future *fs[8];
        for (int i = 0; i < 8; i++)
            WEFT_ASSERT_OK(weft_future_new(&fs[i]));
        pthread_t t;
        pthread_create(&t, NULL, finish_slowly, fs);
        size_t nd;
        int mode = round % 3 + 1;
        WEFT_ASSERT_OK(weft_futures_wait(fs, 8, mode, 10, NULL, &nd));
        cr_assert(mode == WEFT_FIRST_COMPLETED ? nd >= 1 : nd == 8);
        pthread_join(t, NULL);
        for (int i = 0; i < 8; i++)
            WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
}

typedef struct duel {
    weft_future **fs;
    int n;
    int wins;
} duel;

static void *set_all(void *p)
{
    duel *d = p;
    for (int i = 0; i < d->n; i++)
        d->wins += weft_future_set_result(d->fs[i], (void *)1, count_free) == WEFT_OK;
    return NULL;
}

static void *cancel_all(void *p)
{
    duel *d = p;
    for (int i = 0; i < d->n; i++) {
        int c = 0;
        weft_future_cancel(d->fs[i], &c);
        d->wins += c;
    }
    return NULL;
}

static void *fail_all(void *p)
{
    duel *d = p;
    for (int i = 0; i < d->n; i++)
        d->wins += weft_future_set_exception(d->fs[i], WEFT_FAILED, "lost?", (void *)2, count_free) == WEFT_OK;
    return NULL;
}

Test(futures_stress, completions_race_each_other)
{
    enum { N = 20000 };
    weft_future **fs = malloc(N * sizeof *fs);
    for (int i = 0; i < N; i++)
        WEFT_ASSERT_OK(weft_future_new(&fs[i]));
    atomic_store(&freed, 0);
    duel a = { fs, N, 0 }, b = { fs, N, 0 }, c = { fs, N, 0 };
    pthread_t ta, tb, tc;
    pthread_create(&ta, NULL, set_all, &a);
    pthread_create(&tb, NULL, cancel_all, &b);
    pthread_create(&tc, NULL, fail_all, &c);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    pthread_join(tc, NULL);
    cr_assert_eq(a.wins + b.wins + c.wins, N, "exactly one completion wins each future");
    for (int i = 0; i < N; i++) {
        int d;
        WEFT_ASSERT_OK(weft_future_done(fs[i], &d));
        cr_assert(d);
        WEFT_ASSERT_OK(weft_future_free(fs[i]));
    }
    cr_assert_eq(atomic_load(&freed), a.wins + c.wins, "only the winners' values are owned");
    free(fs);
}

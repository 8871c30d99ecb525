/* Many short processes started and joined from several threads at once,
 * with each start method: every exit code right, no descriptor left open,
 * no zombie left behind. */
#include "proc_test.h"

#include <pthread.h>

#define THREADS 4
#define PER_THREAD 25

typedef struct worker {
    const char *method;
    weft_task *task;
    int failures;
} worker;

static void *run_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        weft_process_opts *o;
        weft_mp_context *ctx;
        weft_process *p;
        if (weft_process_opts_new(&o) != WEFT_OK || weft_multiprocessing_get_context(&ctx, w->method) != WEFT_OK) {
            w->failures++;
            continue;
        }
        weft_process_opts_set_context(o, ctx);
        weft_process_opts_set_task(o, w->task);
        int code = -1;
        if (weft_process_new(&p, o) == WEFT_OK) {
            if (weft_process_start(p) == WEFT_OK && weft_process_join(p, 120) == WEFT_OK)
                weft_process_exitcode(p, &code);
            weft_process_free(p);
        }
        if (code != 3)
            w->failures++;
        weft_process_opts_free(o);
        weft_mp_context_free(ctx);
    }
    return NULL;
}

Test(process_stress, start_and_join_from_threads, .timeout = 600)
{
    weft_task *t = proc_task(TASKS, "tt_exit3", "i()", 0);
    /* What lives as long as the process (the alive pipe, the forkserver's
     * socket) is opened by a first use of each method. */
    for (int m = 0; m < PROC_NMETHODS; m++)
        cr_assert_eq(proc_run_task(proc_methods[m], t), 3);
    int before = weft_test_count_fds();
    for (int m = 0; m < PROC_NMETHODS; m++) {
        if (PROC_TSAN && m == 0)
            continue; /* fork from threads: see PROC_TSAN */
        pthread_t th[THREADS];
        worker w[THREADS];
        for (int i = 0; i < THREADS; i++) {
            w[i] = (worker){ proc_methods[m], t, 0 };
            cr_assert_eq(pthread_create(&th[i], NULL, run_many, &w[i]), 0);
        }
        for (int i = 0; i < THREADS; i++) {
            pthread_join(th[i], NULL);
            cr_assert_eq(w[i].failures, 0, "%s: %d of %d processes failed in thread %d", proc_methods[m],
                         w[i].failures, PER_THREAD, i);
        }
    }
    cr_assert_eq(weft_test_count_fds(), before, "descriptors were left open");
    cr_assert_not(weft_test_have_zombie_child(), "a zombie was left");
    weft_process **list;
    size_t n;
    WEFT_ASSERT_OK(weft_multiprocessing_active_children(&list, &n));
    cr_assert_eq(n, 0);
    weft_task_free(t);
}

/* Fork and spawn started at the same time from different threads: a
 * sentinel's writing end must reach only its own child, or a sibling
 * would hold it open and the sentinel would not fire at the child's end. */
typedef struct mixed {
    const char *method;
    int failures;
} mixed;

static void *run_sentinels(void *arg)
{
    mixed *w = arg;
    weft_task *t = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 20);
    weft_task *longer = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 60000);
    for (int i = 0; i < 10; i++) {
        weft_process *p = proc_new(w->method, t), *q = proc_new(w->method, longer);
        if (weft_process_start(p) != WEFT_OK || weft_process_start(q) != WEFT_OK) {
            w->failures++;
        } else {
            int fd;
            weft_process_sentinel(p, &fd);
            int ready = 0;
            size_t nready;
            /* p ends after 20 ms while q sleeps: p's sentinel must fire. */
            if (weft_connection_wait(NULL, &fd, 1, 60, &ready, &nready) != WEFT_OK || !ready)
                w->failures++;
            weft_process_kill(q);
            weft_process_join(p, -1);
            weft_process_join(q, -1);
        }
        weft_process_free(p);
        weft_process_free(q);
    }
    weft_task_free(t);
    weft_task_free(longer);
    return NULL;
}

Test(process_stress, sentinels_with_concurrent_starts, .timeout = 600)
{
    pthread_t th[PROC_NMETHODS * 2];
    mixed w[PROC_NMETHODS * 2];
    for (int i = 0; i < PROC_NMETHODS * 2; i++) {
        /* Under ThreadSanitizer the fork threads use spawn (see PROC_TSAN). */
        w[i] = (mixed){ proc_methods[PROC_TSAN && i % PROC_NMETHODS == 0 ? 1 : i % PROC_NMETHODS], 0 };
        cr_assert_eq(pthread_create(&th[i], NULL, run_sentinels, &w[i]), 0);
    }
    for (int i = 0; i < PROC_NMETHODS * 2; i++) {
        pthread_join(th[i], NULL);
        cr_assert_eq(w[i].failures, 0, "%s: %d sentinels did not fire", w[i].method, w[i].failures);
    }
}

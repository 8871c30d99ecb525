/* Concurrent Popen from several threads: no descriptor of one thread's
 * pipes may reach another thread's child, even with close_fds off (only
 * close-on-exec protects then), and every child is reaped. */
#include "sp_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <signal.h>

#define THREADS 4
#define ROUNDS 25

/* What the child lists when nothing else runs: 0-3 plus whatever
 * inheritable descriptors the test runner itself was given. */
static char baseline[4096];

static void *worker(void *arg)
{
    (void)arg;
    weft_popen_opts *o;
    if (weft_popen_opts_new(&o) != WEFT_OK)
        return (void *)1;
    weft_popen_opts_set_close_fds(o, 0);
    weft_popen_opts_set_stdin(o, WEFT_SUBPROCESS_PIPE);
    weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE);
    weft_popen_opts_set_stderr(o, WEFT_SUBPROCESS_PIPE);
    /* ls's directory is the only descriptor it opens: anything else above 2
     * was inherited. */
    const char *argv[] = { "ls", "/proc/self/fd", NULL };
    intptr_t bad = 0;
    for (int i = 0; i < ROUNDS && bad == 0; i++) {
        weft_popen *p;
        if (weft_popen_new(&p, argv, o) != WEFT_OK) {
            bad = 2;
            break;
        }
        char *out = NULL;
        size_t len = 0;
        if (weft_popen_communicate(p, "", 0, 30, &out, &len, NULL, NULL) != WEFT_OK)
            bad = 3;
        else if (strcmp(out, baseline) != 0)
            bad = 4;
        weft_free(out);
        int rc = -1;
        if (weft_popen_returncode(p, &rc) != WEFT_OK || rc != 0)
            bad = 5;
        weft_popen_free(p);
    }
    weft_popen_opts_free(o);
    return (void *)bad;
}

Test(stress, concurrent_popen_no_inherited_fds)
{
    int before = sp_count_fds();
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_close_fds(o, 0));
    const char *argv[] = { "ls", "/proc/self/fd", NULL };
    char *out;
    WEFT_ASSERT_OK(weft_subprocess_check_output(&out, NULL, NULL, argv, o, NULL, 0, 10));
    cr_assert_lt(strlen(out), sizeof baseline);
    strcpy(baseline, out);
    weft_free(out);
    weft_popen_opts_free(o);
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < THREADS; i++) {
        void *r;
        pthread_join(t[i], &r);
        cr_assert_eq((intptr_t)r, 0, "thread %d failed with %d", i, (int)(intptr_t)r);
    }
    cr_assert_eq(sp_count_fds(), before);
    cr_assert_not(sp_have_zombie_child());
}

static void *signaller(void *arg)
{
    weft_popen *p = arg;
    for (int i = 0; i < 200; i++) {
        int rc;
        weft_popen_poll(p, &rc);
        if (rc != WEFT_SUBPROCESS_RUNNING)
            break;
        weft_popen_send_signal(p, 0);
    }
    weft_popen_kill(p);
    return NULL;
}

Test(stress, wait_poll_signal_race)
{
    /* One thread waits, others poll and signal; the returncode is seen by
     * all and nobody signals after the reap. */
    const char *argv[] = { "sleep", "30", NULL };
    for (int round = 0; round < 20; round++) {
        weft_popen *p;
        WEFT_ASSERT_OK(weft_popen_new(&p, argv, NULL));
        pthread_t t[2];
        for (int i = 0; i < 2; i++)
            pthread_create(&t[i], NULL, signaller, p);
        int rc;
        WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
        cr_assert_eq(rc, -9);
        for (int i = 0; i < 2; i++)
            pthread_join(t[i], NULL);
        weft_popen_free(p);
    }
    cr_assert_not(sp_have_zombie_child());
}

/* ---- EINTR: a signal storm on the waiting thread changes nothing -------- */

static void on_usr1(int sig)
{
    (void)sig;
}

typedef struct storm {
    pthread_t target;
    atomic_int stop;
} storm;

static void *stormer(void *arg)
{
    storm *s = arg;
    while (!atomic_load(&s->stop)) {
        pthread_kill(s->target, SIGUSR1);
        usleep(500);
    }
    return NULL;
}

Test(stress, eintr_storm)
{
    struct sigaction sa = { .sa_handler = on_usr1 }; /* no SA_RESTART */
    sigaction(SIGUSR1, &sa, NULL);
    storm s = { pthread_self(), 0 };
    pthread_t t;
    pthread_create(&t, NULL, stormer, &s);

    const char *slow[] = { "sleep", "30", NULL };
    weft_popen *p;
    WEFT_ASSERT_OK(weft_popen_new(&p, slow, NULL));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_popen_wait(p, 0.3, NULL), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.3);
    weft_popen_kill(p);
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(p, -1, &rc));
    cr_assert_eq(rc, -9);
    weft_popen_free(p);

    const char *talk[] = { "sh", "-c", "sleep 0.2; head -c 3000000 /dev/zero; cat >/dev/null", NULL };
    weft_completed_process *cp;
    static char input[1 << 20];
    WEFT_ASSERT_OK(weft_subprocess_run(&cp, talk, NULL, input, sizeof input, 1, 30, 1));
    size_t len;
    const char *data;
    weft_completed_process_stdout(cp, &data, &len);
    cr_assert_eq(len, 3000000);
    weft_completed_process_free(cp);

    for (int i = 0; i < 20; i++) {
        const char *argv[] = { "true", NULL };
        WEFT_ASSERT_OK(weft_subprocess_call(argv, NULL, -1, &rc));
        cr_assert_eq(rc, 0);
    }
    atomic_store(&s.stop, 1);
    pthread_join(t, NULL);
}

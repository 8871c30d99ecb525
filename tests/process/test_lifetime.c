/* How long children live: the at-exit handler (daemons terminated, the
 * rest joined), no child outliving a killed parent, a child watching its
 * parent die through parent_process(), and a child started by a thread
 * that ends (which Linux's parent-death signal would take for the parent's
 * death). The parents are proc_helper, a program of its own. */
#include "proc_test.h"

#include <fcntl.h>

typedef struct helper {
    weft_popen *p;
    FILE *out;
} helper;

static helper helper_start(const char *cmd, const char *method, const char *path)
{
    const char *argv[] = { WEFT_TEST_PROC_HELPER, cmd, method, path, NULL };
    weft_popen_opts *o;
    WEFT_ASSERT_OK(weft_popen_opts_new(&o));
    WEFT_ASSERT_OK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    /* The helper forks from a thread too; under ThreadSanitizer its child
     * may then start its watching thread (see PROC_TSAN). */
    if (PROC_TSAN) {
        const char *tsan = getenv("TSAN_OPTIONS");
        char opts[512];
        snprintf(opts, sizeof opts, "%s%sdie_after_fork=0", tsan ? tsan : "", tsan ? ":" : "");
        WEFT_ASSERT_OK(weft_popen_opts_set_env_var(o, "TSAN_OPTIONS", opts));
    }
    helper h;
    WEFT_ASSERT_OK(weft_popen_new(&h.p, argv, o));
    weft_popen_opts_free(o);
    int fd;
    WEFT_ASSERT_OK(weft_popen_stdout(h.p, &fd));
    h.out = fdopen(dup(fd), "r");
    cr_assert_not_null(h.out);
    return h;
}

static int helper_line(helper *h, char *buf, size_t cap)
{
    if (fgets(buf, (int)cap, h->out) == NULL)
        return 0;
    buf[strcspn(buf, "\n")] = '\0';
    return 1;
}

static int helper_end(helper *h)
{
    int rc;
    WEFT_ASSERT_OK(weft_popen_wait(h->p, 60, &rc));
    fclose(h->out);
    weft_popen_free(h->p);
    return rc;
}

static void temp_path(char *path, size_t cap)
{
    snprintf(path, cap, "/tmp/weft-proc-XXXXXX");
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    unlink(path);
}

/* Waits (bounded) until the file holds `want`. */
static int wait_file(const char *path, const char *want, double limit)
{
    char buf[64];
    double t0 = weft_test_now();
    while (strcmp(proc_read_file(path, buf, sizeof buf), want) != 0) {
        if (weft_test_now() - t0 > limit)
            return 0;
        usleep(10000);
    }
    return 1;
}

Test(lifetime, exit_terminates_daemons_and_joins_the_rest)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        char path[64], line[64];
        temp_path(path, sizeof path);
        helper h = helper_start("exit", meth, path);
        cr_assert(helper_line(&h, line, sizeof line), "%s: no pid from the helper", meth);
        int daemon_pid = atoi(line);
        cr_assert_gt(daemon_pid, 0);
        cr_assert_eq(helper_end(&h), 0, "%s: the helper failed", meth);
        cr_assert(proc_wait_gone(daemon_pid, 30), "%s: the daemonic child outlived its parent's exit", meth);
        char buf[64];
        cr_assert_str_eq(proc_read_file(path, buf, sizeof buf), "done",
                         "%s: the non-daemonic child was not joined at exit", meth);
        unlink(path);
    }
}

Test(lifetime, no_child_outlives_a_killed_parent)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        helper h = helper_start("orphans", meth, NULL);
        int pids[3], n = 0;
        char line[64];
        while (helper_line(&h, line, sizeof line) && strcmp(line, "ready") != 0)
            if (n < 3)
                pids[n++] = atoi(line);
        cr_assert_eq(n, 3, "%s: the helper started %d children", meth, n);
        for (int i = 0; i < n; i++)
            cr_assert(proc_pid_alive(pids[i]), "%s: child %d ended early", meth, i);
        WEFT_ASSERT_OK(weft_popen_kill(h.p));
        cr_assert_eq(helper_end(&h), -SIGKILL);
        for (int i = 0; i < n; i++)
            cr_assert(proc_wait_gone(pids[i], 30), "%s: child %d (pid %d) survived its killed parent", meth, i,
                      pids[i]);
    }
}

Test(lifetime, parent_process_seen_dying_from_the_child)
{
    for (int m = 0; m < PROC_NMETHODS; m++) {
        const char *meth = proc_methods[m];
        char path[64], line[64];
        temp_path(path, sizeof path);
        helper h = helper_start("watch", meth, path);
        cr_assert(helper_line(&h, line, sizeof line));
        int child = atoi(line);
        cr_assert(wait_file(path, "watching", 30), "%s: the child never started watching", meth);
        WEFT_ASSERT_OK(weft_popen_kill(h.p));
        helper_end(&h);
        cr_assert(wait_file(path, "dead", 30), "%s: the child did not see its parent die", meth);
        cr_assert(proc_wait_gone(child, 30));
        unlink(path);
    }
}

/* Started by a thread that ends before the child does: the child is not
 * killed by that thread's end. */
typedef struct thread_start {
    const char *method;
    weft_process *p;
} thread_start;

static void start_from_thread(void *arg, weft_outcome *o)
{
    thread_start *ts = arg;
    weft_task *t = proc_task(TASKS, "tt_sleep_ms", "i(i)", 1, 300);
    ts->p = proc_new(ts->method, t);
    weft_task_free(t);
    if (weft_process_start(ts->p) != WEFT_OK)
        weft_outcome_set_error(o, WEFT_FAILED, weft_errmsg(), NULL, NULL);
}

Test(lifetime, child_of_an_ended_thread_lives_on)
{
    for (int m = PROC_TSAN ? 1 : 0; m < PROC_NMETHODS; m++) { /* fork: see PROC_TSAN */
        thread_start ts = { proc_methods[m], NULL };
        weft_thread *th;
        WEFT_ASSERT_OK(weft_thread_new(&th, "starter", start_from_thread, &ts, NULL));
        WEFT_ASSERT_OK(weft_thread_start(th));
        WEFT_ASSERT_OK(weft_thread_join(th, -1));
        weft_thread_free(th);
        WEFT_ASSERT_OK(weft_process_join(ts.p, 60));
        int code;
        WEFT_ASSERT_OK(weft_process_exitcode(ts.p, &code));
        cr_assert_eq(code, 0, "%s: the child of an ended thread got %d", proc_methods[m], code);
        weft_process_free(ts.p);
    }
}

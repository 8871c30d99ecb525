/* Helpers shared by the process suites: processes of each start method
 * running a task, descriptor counts, and waiting for a pid to vanish. */
#ifndef PROC_TEST_H
#define PROC_TEST_H

#include "weft_test.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Under AddressSanitizer and ThreadSanitizer a segmentation fault is caught
 * and reported, and the child exits through the sanitizer (1, or SIGABRT
 * with abort_on_error) instead of dying of SIGSEGV. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PROC_SEGV_CAUGHT 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PROC_SEGV_CAUGHT 1
#endif
#endif
#ifndef PROC_SEGV_CAUGHT
#define PROC_SEGV_CAUGHT 0
#endif

/* ThreadSanitizer ends a child that starts a thread after a fork of a
 * threaded process ("starting new threads after multi-threaded fork is not
 * supported"): a fork child started from a thread other than the main one
 * watches its parent with a thread, so those cases are skipped under it. */
#if defined(__SANITIZE_THREAD__)
#define PROC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define PROC_TSAN 1
#endif
#endif
#ifndef PROC_TSAN
#define PROC_TSAN 0
#endif

#define TASKS WEFT_TEST_TASKS_LIB
#define PTASKS WEFT_TEST_PROC_TASKS_LIB

static const char *const proc_methods[] = { "fork", "spawn", "forkserver" };
#define PROC_NMETHODS 3

/* A task of `lib` with integer arguments (`nargs` ints after). */
static inline weft_task *proc_task(const char *lib, const char *sym, const char *sig, int nargs, ...)
{
    weft_task *t;
    WEFT_ASSERT_OK(weft_task_new(&t, lib, sym, sig));
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++)
        WEFT_ASSERT_OK(weft_task_add_int(t, va_arg(ap, int)));
    va_end(ap);
    return t;
}

/* Options for `method` (NULL: default context) with task `t` (may be NULL). */
static inline weft_process_opts *proc_opts(const char *method, weft_task *t)
{
    weft_process_opts *o;
    WEFT_ASSERT_OK(weft_process_opts_new(&o));
    if (method != NULL) {
        weft_mp_context *ctx;
        WEFT_ASSERT_OK(weft_multiprocessing_get_context(&ctx, method));
        WEFT_ASSERT_OK(weft_process_opts_set_context(o, ctx));
        WEFT_ASSERT_OK(weft_mp_context_free(ctx));
    }
    if (t != NULL)
        WEFT_ASSERT_OK(weft_process_opts_set_task(o, t));
    return o;
}

/* A new process of `method` running `t` (the task is copied; the caller
 * keeps it). */
static inline weft_process *proc_new(const char *method, weft_task *t)
{
    weft_process_opts *o = proc_opts(method, t);
    weft_process *p;
    WEFT_ASSERT_OK(weft_process_new(&p, o));
    WEFT_ASSERT_OK(weft_process_opts_free(o));
    return p;
}

/* Starts and joins `p`; returns its exit code. */
static inline int proc_run(weft_process *p)
{
    WEFT_ASSERT_OK(weft_process_start(p));
    WEFT_ASSERT_OK(weft_process_join(p, 60));
    int code;
    WEFT_ASSERT_OK(weft_process_exitcode(p, &code));
    return code;
}

/* Runs task `t` as a new process of `method` and returns its exit code. */
static inline int proc_run_task(const char *method, weft_task *t)
{
    weft_process *p = proc_new(method, t);
    int code = proc_run(p);
    WEFT_ASSERT_OK(weft_process_free(p));
    return code;
}

/* True while `pid` exists and is not a zombie. */
static inline int proc_pid_alive(int pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH)
        return 0;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *close_paren = strrchr(buf, ')');
    return close_paren == NULL || close_paren[2] != 'Z';
}

/* Waits (at most `limit` seconds) until `pid` has gone; true if it did. */
static inline int proc_wait_gone(int pid, double limit)
{
    double t0 = weft_test_now();
    while (proc_pid_alive(pid)) {
        if (weft_test_now() - t0 > limit)
            return 0;
        usleep(10000);
    }
    return 1;
}

/* Reads a small file into buf (NUL-terminated); "" when absent. */
static inline const char *proc_read_file(const char *path, char *buf, size_t cap)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return buf;
    size_t n = fread(buf, 1, cap - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#endif

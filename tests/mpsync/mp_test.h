/* Helpers shared by the multiprocessing synchronisation suites: children
 * made with fork() that report through their exit status, shared scratch
 * memory, a signal pester for interruptible waits, and waiting for a child
 * to block.
 *
 * The suites bound a hang with CTest's timeout (tests/CMakeLists.txt), not
 * with Criterion's per-test `.timeout`: under AddressSanitizer, Criterion's
 * runner leaks a record for each timed test when tests run in parallel,
 * which fails the run at exit. */
#ifndef MP_TEST_H
#define MP_TEST_H

#include "pester.h"
#include "weft_test.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* A child's exit codes: 0 for success, MP_FAIL_BASE + n for check n. */
#define MP_FAIL_BASE 10

/* In a child: exits with MP_FAIL_BASE + line % 100 unless `cond` holds. */
#define MP_CHILD_CHECK(cond)                                      \
    do {                                                          \
        if (!(cond))                                              \
            _exit(MP_FAIL_BASE + (__LINE__ % 100));               \
    } while (0)

/* ThreadSanitizer sees one process only, and a child of a multi-threaded
 * process (every Criterion worker runs threads of its own) cannot start
 * threads under it, which the watcher is: under TSan the tests that fork
 * are skipped, and the others, within one process, still run. */
#if defined(__SANITIZE_THREAD__)
#define MP_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define MP_UNDER_TSAN 1
#endif
#endif

/* Runs fn(arg) in a child of fork, which exits with what it returns. */
static inline pid_t mp_fork(int (*fn)(void *), void *arg)
{
#ifdef MP_UNDER_TSAN
    cr_skip_test("forks: ThreadSanitizer cannot follow other processes");
#endif
    pid_t pid = fork();
    cr_assert_geq(pid, 0, "fork failed");
    if (pid == 0)
        _exit(fn(arg));
    return pid;
}

/* Waits for the child; returns its exit code, or 128 + signal. */
static inline int mp_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        cr_assert_eq(errno, EINTR);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static inline void mp_join_ok(pid_t pid)
{
    int code = mp_wait(pid);
    cr_assert_eq(code, 0, "child %d exited with %d", (int)pid, code);
}

static inline void mp_kill(pid_t pid)
{
    kill(pid, SIGKILL);
    cr_assert_eq(mp_wait(pid), 128 + SIGKILL);
}

/* Zeroed memory shared with children made after it. */
static inline void *mp_shared(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert_neq(p, MAP_FAILED);
    return p;
}

static inline void mp_nap(double seconds)
{
    struct timespec ts = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Waits until `*flag` reaches `want` (set by another process). */
static inline void mp_await(atomic_int *flag, int want)
{
    while (atomic_load(flag) < want)
        mp_nap(0.001);
}

/* The state letter of process `pid` from /proc ('?' when unreadable). */
static inline char mp_state(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return '?';
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    return p != NULL && p[1] == ' ' ? p[2] : '?';
}

static inline bool mp_exited(pid_t pid)
{
    char s = mp_state(pid);
    return s == 'Z' || s == 'X' || s == '?';
}

/* True when process `pid` is asleep (state S in /proc), so a test can let a
 * child reach its blocking call before acting; correctness never depends
 * on it. */
static inline bool mp_sleeping(pid_t pid)
{
    return mp_state(pid) == 'S';
}

/* Waits until a child sleeps: a child whose only blocking call is the one
 * under test is then in it. Tests that need this are bounded by their
 * CTest timeout, not by a guess at how long the child takes. */
static inline void mp_let_block(pid_t pid)
{
    /* A child that died instead is reported when the test joins it. */
    while (!mp_sleeping(pid) && kill(pid, 0) == 0 && !mp_exited(pid))
        mp_nap(0.001);
}

/* ---- interrupting a wait with a signal (Linux builds) ----------------------- */

/* Turns interruptible waits on and starts signalling the calling thread. */
static inline void mp_pester_start(pester *p)
{
    WEFT_TEST_LINUX_ONLY("waits on condition variables are not interrupted by signals");
    WEFT_ASSERT_OK(weft_threading_set_interruptible(1, NULL));
    pester_start(p);
}

static inline void mp_pester_stop(pester *p)
{
    pester_stop(p);
    WEFT_ASSERT_OK(weft_threading_set_interruptible(0, NULL));
}

#endif

/* Assertions shared by the Criterion suites: a failing status prints its
 * name and the thread's weft_errmsg(). */
#ifndef WEFT_TEST_H
#define WEFT_TEST_H

#include <criterion/criterion.h>
#include <weft.h>

#define WEFT_ASSERT_STATUS(expr, want)                                                             \
    do {                                                                                           \
        weft_status st_ = (expr);                                                                  \
        cr_assert_eq(st_, (want), "%s returned %s, wanted %s (%s)", #expr, weft_status_name(st_), \
                     weft_status_name(want), weft_errmsg());                                      \
    } while (0)

#define WEFT_ASSERT_OK(expr) WEFT_ASSERT_STATUS(expr, WEFT_OK)

/* A test of a Linux-only feature: skipped when the library is built with
 * WEFT_PORTABLE (the portable POSIX paths), where the feature is absent. */
#ifdef WEFT_TEST_PORTABLE
#define WEFT_TEST_LINUX_ONLY(why) cr_skip_test("Linux only: %s", why)
#else
#define WEFT_TEST_LINUX_ONLY(why) ((void)0)
#endif

/* Seconds on the monotonic clock, for tests that check a wait lasted at least
 * as long as its timeout (lower bounds only: upper bounds are for benchmarks). */
#include <time.h>
static inline double weft_test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Number of descriptors open in this process (Linux's /proc). */
#include <dirent.h>
static inline int weft_test_count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d == NULL)
        return -1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n - 1; /* the directory's own descriptor */
}

/* True if a zombie child of this process exists. */
#include <string.h>
#include <sys/wait.h>
static inline int weft_test_have_zombie_child(void)
{
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0)
        return 0;
    return info.si_pid != 0;
}

/* One line of a peer program's standard output (a Popen made with
 * WEFT_SUBPROCESS_PIPE for stdout), without its newline: how the suites
 * that run a CPython peer hear from it. */
#include <unistd.h>
static inline void weft_test_peer_line(weft_popen *p, char *line, size_t cap)
{
    int fd = -1;
    WEFT_ASSERT_OK(weft_popen_stdout(p, &fd));
    size_t n = 0;
    while (n + 1 < cap) {
        ssize_t r = read(fd, line + n, 1);
        cr_assert_eq(r, 1, "the peer said nothing");
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
}

#endif

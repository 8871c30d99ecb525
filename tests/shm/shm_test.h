/* Helpers of the shared-memory suites: names no other run uses, whether a
 * segment exists (its file under /dev/shm), and waiting a bounded time for
 * the tracker to remove one. */
#ifndef SHM_TEST_H
#define SHM_TEST_H

#include "weft_test.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define SHM_PEER_PY WEFT_TEST_SOURCE_DIR "/shm/peer.py"

/* How long the tracker may take to notice that a program has gone: generous,
 * since the machine is shared; the tests never assert a time. */
#define SHM_TRACKER_WAIT 60.0

/* A name of this process, test and `tag`, without the leading '/'. */
static inline void shm_name(char *buf, size_t cap, const char *tag)
{
    static int seq;
    snprintf(buf, cap, "wefttest_%d_%d_%s", (int)getpid(), seq++, tag);
}

/* Whether the segment `name` (without '/') exists. */
static inline bool shm_exists(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    struct stat st;
    return stat(path, &st) == 0;
}

/* Waits until the segment is gone or SHM_TRACKER_WAIT passed; true when gone. */
static inline bool shm_wait_gone(const char *name)
{
    double end = weft_test_now() + SHM_TRACKER_WAIT;
    while (shm_exists(name)) {
        if (weft_test_now() > end)
            return false;
        struct timespec ts = { 0, 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    return true;
}

/* Removes a segment a test left on purpose, ignoring errors. */
static inline void shm_remove(const char *name)
{
    char path[300];
    snprintf(path, sizeof path, "/dev/shm/%s", name);
    (void)unlink(path);
}

/* Waits for a raw fork() child; returns its wait status. */
static inline int shm_reap(pid_t pid)
{
    int st = -1;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return st;
}

#endif

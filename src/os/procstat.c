/* A process's state and start time from /proc/<pid>/stat, where the system
 * has it (Linux, and the portable build run on Linux); elsewhere callers
 * learn ENOSYS and go by the pid alone. */
#include "os/os.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int weft__os_proc_stat(pid_t pid, char *state, uint64_t *start)
{
    char path[48], buf[1024];
    if (pid == 0)
        snprintf(path, sizeof path, "/proc/self/stat");
    else
        snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        /* No entry for the process, or no /proc at all: only the second
         * leaves the question open. */
        errno = (err == ENOENT && access("/proc/self/stat", R_OK) != 0) ? ENOSYS : err;
        if (errno == ESRCH)
            errno = ENOENT;
        return -1;
    }
    ssize_t n;
    do
        n = read(fd, buf, sizeof buf - 1);
    while (n < 0 && errno == EINTR);
    int err = errno;
    close(fd);
    if (n <= 0) {
        errno = n == 0 ? ENOENT : err; /* the process went away while read */
        return -1;
    }
    buf[n] = '\0';
    /* The command name (field 2) may hold spaces and parentheses: the fields
     * that follow start after the last ')'. */
    char *p = strrchr(buf, ')');
    if (p == NULL || p[1] != ' ') {
        errno = EINVAL;
        return -1;
    }
    p += 2;
    *state = *p;
    /* The state is field 3; the start time is field 22, 19 fields on. */
    for (int field = 3; field < 22; field++) {
        p = strchr(p, ' ');
        if (p == NULL) {
            errno = EINVAL;
            return -1;
        }
        p++;
    }
    *start = strtoull(p, NULL, 10);
    return 0;
}

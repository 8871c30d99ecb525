/* Task functions for the process suites, built as
 * libweft_test_proc_tasks.so: they look at the process they run in (its
 * identity, its descriptors, its parent) and answer through their exit
 * code or a file, since a task's result does not leave the child. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT int pt_has_mapped(const void *name, size_t n);
EXPORT int pt_open_fds(void);
EXPORT int pt_try_child(void);
EXPORT int pt_check_identity(const void *name, size_t n, int parent_pid, int daemon);
EXPORT int pt_watch_parent(const void *path, size_t n);
EXPORT int pt_write_after(const void *path, size_t n, int ms);
EXPORT int pt_create_segment(const void *name, size_t n);

static char *str(const void *p, size_t n)
{
    char *s = malloc(n + 1);
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) {
        (void)!write(fd, text, strlen(text));
        close(fd);
    }
}

/* Exits 0 when an object whose path contains `name` is mapped, else 7. */
int pt_has_mapped(const void *name, size_t n)
{
    char *want = str(name, n);
    FILE *f = fopen("/proc/self/maps", "r");
    char line[4096];
    int found = 0;
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        if (strstr(line, want) != NULL)
            found = 1;
    if (f != NULL)
        fclose(f);
    _exit(found ? 0 : 7);
}

/* Exits with the number of descriptors open above 2. */
int pt_open_fds(void)
{
    int count = 0;
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    while (d != NULL && (e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' && atoi(e->d_name) > 2 && atoi(e->d_name) != dirfd(d))
            count++;
    if (d != NULL)
        closedir(d);
    fflush(NULL);
    _exit(count);
}

/* Exits 0 when starting a child is refused with WEFT_RUNTIME, 5 otherwise. */
int pt_try_child(void)
{
    weft_process *p;
    if (weft_process_new(&p, NULL) != WEFT_OK)
        _exit(6);
    weft_status st = weft_process_start(p);
    if (st == WEFT_OK)
        weft_process_join(p, -1);
    weft_process_free(p);
    _exit(st == WEFT_RUNTIME ? 0 : 5);
}

/* Exits 0 when the current process is `name` with the daemon flag
 * `daemon`, and the parent process is `parent_pid` and alive; 9 otherwise. */
int pt_check_identity(const void *name, size_t n, int parent_pid, int daemon)
{
    char *want = str(name, n);
    weft_process *self = NULL, *parent = NULL;
    char *got = NULL;
    int d = -1, ppid = -1, alive = 0;
    void *key = NULL;
    size_t keylen = 0;
    weft_multiprocessing_current_process(&self);
    weft_multiprocessing_parent_process(&parent);
    weft_process_name(self, &got);
    weft_process_daemon(self, &d);
    weft_process_authkey(self, &key, &keylen);
    if (parent != NULL) {
        weft_process_pid(parent, &ppid);
        weft_process_is_alive(parent, &alive);
    }
    int ok = got != NULL && strcmp(got, want) == 0 && d == daemon && ppid == parent_pid && alive == 1 &&
             keylen == 32;
    if (!ok)
        fprintf(stderr, "identity: name %s (want %s) daemon %d (want %d) parent %d (want %d) alive %d key %zu\n",
                got ? got : "?", want, d, daemon, ppid, parent_pid, alive, keylen);
    fflush(stderr);
    _exit(ok ? 0 : 9);
}

/* Outlives its parent on purpose (ignores SIGTERM), waits until the parent
 * process has ended, and writes "dead" to `path`. */
int pt_watch_parent(const void *path, size_t n)
{
    char *p = str(path, n);
    signal(SIGTERM, SIG_IGN);
    weft_process *parent = NULL;
    if (weft_multiprocessing_parent_process(&parent) != WEFT_OK || parent == NULL)
        _exit(11);
    write_file(p, "watching");
    if (weft_process_join(parent, 60) != WEFT_OK)
        _exit(12);
    int alive = 1;
    weft_process_is_alive(parent, &alive);
    write_file(p, alive ? "alive?" : "dead");
    _exit(0);
}

/* Sleeps `ms` milliseconds, then writes "done" to `path`. */
int pt_write_after(const void *path, size_t n, int ms)
{
    char *p = str(path, n);
    usleep((useconds_t)ms * 1000);
    write_file(p, "done");
    free(p);
    return 0;
}

/* Creates the tracked shared-memory segment `name` and leaves it (no
 * unlink): exits 0 when it was made, 1 otherwise. */
int pt_create_segment(const void *name, size_t n)
{
    char *s = str(name, n);
    weft_shared_memory *m;
    int rc = weft_shared_memory_new(&m, s, 1, 64, 1) == WEFT_OK ? 0 : 1;
    if (rc == 0)
        weft_shared_memory_free(m);
    free(s);
    return rc;
}

/* A parent for the lifetime tests (test_lifetime.c), run as a program of
 * its own so that its exit and its death are a plain process's:
 *
 *   proc_helper exit METHOD PATH
 *       starts a daemonic child that would sleep a minute and a
 *       non-daemonic one that writes "done" to PATH after 200 ms, prints the
 *       daemon's pid, and returns from main (the at-exit handler runs);
 *   proc_helper orphans METHOD
 *       starts sleeping children (daemonic and not, from the main thread
 *       and from a thread that has ended by then), prints their pids, then
 *       waits to be killed;
 *   proc_helper watch METHOD PATH
 *       starts a child that outlives it on purpose and writes "dead" to PATH
 *       once it saw its parent process end; prints its pid and waits. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <weft.h>

static const char *method;

static weft_process *start(weft_task *t, int daemon)
{
    weft_mp_context *ctx;
    weft_process_opts *o;
    weft_process *p;
    if (weft_multiprocessing_get_context(&ctx, method) != WEFT_OK || weft_process_opts_new(&o) != WEFT_OK)
        exit(30);
    weft_process_opts_set_context(o, ctx);
    weft_process_opts_set_task(o, t);
    weft_process_opts_set_daemon(o, daemon);
    if (weft_process_new(&p, o) != WEFT_OK || weft_process_start(p) != WEFT_OK) {
        fprintf(stderr, "proc_helper: start: %s\n", weft_errmsg());
        exit(31);
    }
    weft_process_opts_free(o);
    weft_mp_context_free(ctx);
    return p;
}

static void print_pid(weft_process *p)
{
    int pid;
    weft_process_pid(p, &pid);
    printf("%d\n", pid);
    fflush(stdout);
}

static weft_task *sleeper(void)
{
    weft_task *t;
    weft_task_new(&t, WEFT_TEST_TASKS_LIB, "tt_sleep_ms", "i(i)");
    weft_task_add_int(t, 60000);
    return t;
}

static void thread_start(void *arg, weft_outcome *o)
{
    (void)o;
    *(weft_process **)arg = start(sleeper(), 0);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        return 2;
    method = argv[2];
    if (strcmp(argv[1], "exit") == 0 && argc == 4) {
        weft_task *w;
        weft_task_new(&w, WEFT_TEST_PROC_TASKS_LIB, "pt_write_after", "i(yi)");
        weft_task_add_bytes(w, argv[3], strlen(argv[3]));
        weft_task_add_int(w, 200);
        weft_process *d = start(sleeper(), 1);
        start(w, 0);
        print_pid(d);
        return 0;
    }
    if (strcmp(argv[1], "orphans") == 0) {
        print_pid(start(sleeper(), 0));
        print_pid(start(sleeper(), 1));
        /* A child started by a thread that ends: Linux ties the parent-death
         * signal to that thread, so the child must watch the process. */
        weft_process *from_thread = NULL;
        weft_thread *th;
        weft_thread_new(&th, "starter", thread_start, &from_thread, NULL);
        weft_thread_start(th);
        weft_thread_join(th, -1);
        print_pid(from_thread);
        printf("ready\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    if (strcmp(argv[1], "watch") == 0 && argc == 4) {
        weft_task *t;
        weft_task_new(&t, WEFT_TEST_PROC_TASKS_LIB, "pt_watch_parent", "i(y)");
        weft_task_add_bytes(t, argv[3], strlen(argv[3]));
        print_pid(start(t, 0));
        for (;;)
            pause();
    }
    return 2;
}

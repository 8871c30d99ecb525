/* A spawn child's body: identity first, then the task (see worker.h). */
#include "worker.h"

#include <stdio.h>
#include <weft.h>

static int weft__worker_fail(const char *what)
{
    fprintf(stderr, "weft-worker: %s: %s\n", what, weft_errmsg());
    return 1;
}

int weft__worker_run(int fd)
{
    weft_connection *c;
    if (weft_connection_from_fd(&c, fd, 1, 0) != WEFT_OK)
        return weft__worker_fail("the task descriptor");
    void *prep = NULL, *task = NULL;
    size_t prep_size = 0, task_size = 0;
    weft_status st = weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, -1, &prep, &prep_size);
    if (st == WEFT_OK)
        st = weft_connection_recv_bytes(c, WEFT_CONNECTION_NO_LIMIT, -1, &task, &task_size);
    weft_connection_free(c);
    if (st != WEFT_OK) {
        weft_free(prep);
        return weft__worker_fail("receiving the task");
    }
    st = weft_spawn_prepare(prep, prep_size);
    weft_free(prep);
    if (st != WEFT_OK) {
        weft_free(task);
        return weft__worker_fail("preparing the process");
    }
    if (task_size == 0) { /* a process without a target */
        weft_free(task);
        return 0;
    }
    weft_task *t = NULL;
    st = weft_task_from_bytes(&t, task, task_size);
    weft_free(task);
    if (st == WEFT_OK)
        st = weft_task_call(t, NULL, NULL);
    weft_task_free(t);
    if (st == WEFT_OK)
        return 0;
    /* As Python prints the traceback of a failed run(). */
    weft_process *self = NULL;
    char *name = NULL;
    const char *why = weft_errmsg();
    char msg[1024];
    snprintf(msg, sizeof msg, "%s", why);
    if (weft_multiprocessing_current_process(&self) == WEFT_OK)
        (void)weft_process_name(self, &name);
    weft_process_free(self);
    fprintf(stderr, "Process %s:\n%s: %s\n", name != NULL ? name : "?", weft_status_name(st), msg);
    weft_free(name);
    fflush(stderr);
    return 1;
}

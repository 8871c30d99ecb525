/* The worker's two bodies. They use only weft's public API (and POSIX), as
 * any program that runs weft's tasks in a process of its own would: run.c
 * is built into both the weft-worker executable and libweft (whose marker
 * constructor, reexec.c, runs it in a re-executed main program); server.c
 * is the forkserver, in the executable only. */
#ifndef WEFT__WORKER_H
#define WEFT__WORKER_H

/* A spawn child: reads the preparation and the task from `fd` (two framed
 * messages), takes on the identity, calls the task. Returns the exit code:
 * 0 when the task succeeded (or there was none), 1 otherwise (the failure is
 * printed on standard error). */
int weft__worker_run(int fd);

/* The forkserver: loads `preload`, then serves requests on `ctl` until it
 * reaches end of file or `alive` does. Returns the exit code. */
int weft__worker_forkserver(int ctl, int alive, char *const *preload, int npreload);

#endif

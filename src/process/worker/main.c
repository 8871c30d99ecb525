/* weft-worker: the executable the spawn and forkserver start methods run.
 *
 *   weft-worker spawn FD
 *   weft-worker forkserver CONTROL_FD ALIVE_FD [PRELOAD...]
 *
 * It is started by libweft, never by hand: FD carries the preparation data
 * and the task (spawn), CONTROL_FD the requests (forkserver). */
#include "worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int weft__fd_arg(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *s != '\0' && *end == '\0' && v >= 0 && v < 1 << 30 ? (int)v : -1;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "spawn") == 0 && weft__fd_arg(argv[2]) >= 0)
        return weft__worker_run(weft__fd_arg(argv[2]));
    if (argc >= 4 && strcmp(argv[1], "forkserver") == 0 && weft__fd_arg(argv[2]) >= 0 &&
        weft__fd_arg(argv[3]) >= 0)
        return weft__worker_forkserver(weft__fd_arg(argv[2]), weft__fd_arg(argv[3]), argv + 4, argc - 4);
    fprintf(stderr, "usage: weft-worker spawn FD | forkserver CONTROL_FD ALIVE_FD [PRELOAD...]\n"
                    "weft-worker is started by libweft for processes it spawns.\n");
    return 2;
}

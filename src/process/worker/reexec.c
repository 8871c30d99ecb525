/* The marker that turns a re-executed main program into a spawn worker
 * (weft_process_start() with a task of the main program). libweft's
 * constructors run before the program's own and before `main`; this one is
 * linked last of libweft's objects, so the others have run when it takes
 * over. It removes the marker first (the task's own children must not see
 * it) and ignores it in secure mode, where the environment is the caller's
 * to forge. */
#include "process/internal.h"
#include "process/worker/worker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const int weft__reexec_linked = 1;

__attribute__((constructor)) static void weft__reexec_check(void)
{
    const char *m = getenv(WEFT__REEXEC_MARKER);
    if (m == NULL)
        return;
    int fd = -1;
    char extra;
    bool ok = sscanf(m, "spawn:%d%c", &fd, &extra) == 1 && fd >= 0;
    unsetenv(WEFT__REEXEC_MARKER);
    if (weft__os_secure_mode())
        return;
    if (!ok) {
        fprintf(stderr, "weft: malformed %s in the environment\n", WEFT__REEXEC_MARKER);
        _exit(1);
    }
    int code = weft__worker_run(fd);
    weft__exit_function();
    fflush(stdout);
    fflush(stderr);
    _exit(code);
}

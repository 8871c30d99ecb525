/* A program using an installed libweft's spawn start method: the installed
 * weft-worker must be found from the library's own place (the test's
 * prefix is not the one the tree was configured with) and must find
 * libweft itself. The task is libc's getpid, which every worker can load. */
#include <stdio.h>
#include <weft.h>

int main(void)
{
    weft_task *t;
    weft_mp_context *ctx;
    weft_process_opts *o;
    weft_process *p;
    int code = -1;
    if (weft_task_new(&t, "libc.so.6", "getpid", "i()") != WEFT_OK ||
        weft_multiprocessing_get_context(&ctx, "spawn") != WEFT_OK || weft_process_opts_new(&o) != WEFT_OK ||
        weft_process_opts_set_context(o, ctx) != WEFT_OK || weft_process_opts_set_task(o, t) != WEFT_OK ||
        weft_process_new(&p, o) != WEFT_OK || weft_process_start(p) != WEFT_OK ||
        weft_process_join(p, 60) != WEFT_OK || weft_process_exitcode(p, &code) != WEFT_OK || code != 0) {
        fprintf(stderr, "spawn consumer: exit code %d: %s\n", code, weft_errmsg());
        return 1;
    }
    printf("spawn consumer: the installed weft-worker ran a task\n");
    return 0;
}

/* Helpers shared by the subprocess suites. */
#ifndef SP_UTIL_H
#define SP_UTIL_H

#include "weft_test.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Number of descriptors open in this process. */
static inline int sp_count_fds(void)
{
    return weft_test_count_fds();
}

/* Runs a shell command and returns its stdout (freed with weft_free). */
static inline char *sp_sh_output(const char *cmd, const weft_popen_opts *opts, int *rc)
{
    weft_popen_opts *o = NULL;
    if (opts == NULL) {
        cr_assert_eq(weft_popen_opts_new(&o), WEFT_OK);
        opts = o;
    }
    const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
    char *out = NULL;
    size_t len = 0;
    int code = -1;
    weft_status st = weft_subprocess_check_output(&out, &len, &code, argv, opts, NULL, 0, 30);
    cr_assert(st == WEFT_OK || st == WEFT_CALLED_PROCESS, "check_output(%s): %s %s", cmd, weft_status_name(st),
              weft_errmsg());
    if (rc != NULL)
        *rc = code;
    weft_popen_opts_free(o);
    return out;
}

/* True if a zombie child of this process exists. */
static inline int sp_have_zombie_child(void)
{
    return weft_test_have_zombie_child();
}

#endif

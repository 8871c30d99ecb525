/* A shell pipeline without a shell: `printf ... | sort | uniq -c`, each
 * child's stdout connected to the next child's stdin, the parent copying
 * nothing but the final output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <weft.h>

#define CHECK(expr)                                                                       \
    do {                                                                                  \
        weft_status st_ = (expr);                                                         \
        if (st_ != WEFT_OK) {                                                             \
            fprintf(stderr, "%s: %s (%s)\n", #expr, weft_status_name(st_), weft_errmsg()); \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

int main(void)
{
    const char *words[] = { "printf", "%s\\n", "pear", "apple", "fig", "apple", "pear", "apple", NULL };
    const char *sort[] = { "sort", NULL };
    const char *uniq[] = { "uniq", "-c", NULL };

    weft_popen_opts *o;
    CHECK(weft_popen_opts_new(&o));
    CHECK(weft_popen_opts_set_stdout(o, WEFT_SUBPROCESS_PIPE));
    weft_popen *p1, *p2, *p3;
    CHECK(weft_popen_new(&p1, words, o));

    int fd;
    CHECK(weft_popen_stdout(p1, &fd));
    CHECK(weft_popen_opts_set_stdin(o, fd)); /* the child gets a copy of the pipe's read end */
    CHECK(weft_popen_new(&p2, sort, o));
    CHECK(weft_popen_close_stdout(p1));      /* so p1 sees SIGPIPE if sort exits early */

    CHECK(weft_popen_stdout(p2, &fd));
    CHECK(weft_popen_opts_set_stdin(o, fd));
    CHECK(weft_popen_new(&p3, uniq, o));
    CHECK(weft_popen_close_stdout(p2));
    CHECK(weft_popen_opts_free(o));          /* Popen keeps nothing of the options */

    char *out;
    size_t len;
    CHECK(weft_popen_communicate(p3, NULL, 0, 10.0, &out, &len, NULL, NULL));
    fwrite(out, 1, len, stdout);
    int ok = strstr(out, "3 apple") != NULL && strstr(out, "2 pear") != NULL;
    weft_free(out);

    weft_popen *all[] = { p1, p2, p3 };
    for (int i = 0; i < 3; i++) {
        int rc;
        CHECK(weft_popen_wait(all[i], 10.0, &rc));
        ok = ok && rc == 0;
        CHECK(weft_popen_free(all[i]));
    }
    return ok ? 0 : 1;
}

/* A program that knows weft only through its installed headers and
 * pkg-config (or find_package): it checks the header and library versions
 * agree and uses the library. */
#include <stdio.h>
#include <string.h>
#include <weft.h>

static void answer(void *arg, weft_outcome *o)
{
    weft_outcome_set_value(o, arg, NULL);
}

int main(void)
{
    if (weft_version() != WEFT_VERSION_NUMBER || strcmp(weft_version_string(), WEFT_VERSION_STRING) != 0) {
        fprintf(stderr, "header %s but library %s\n", WEFT_VERSION_STRING, weft_version_string());
        return 1;
    }
    int x = 42;
    void *v = NULL;
    if (weft_call(answer, &x, &v, NULL) != WEFT_OK || v != &x) {
        fprintf(stderr, "weft_call: %s\n", weft_errmsg());
        return 1;
    }
    if (weft_call(NULL, NULL, NULL, NULL) != WEFT_EINVAL || strlen(weft_errmsg()) == 0) {
        fprintf(stderr, "bad input was not refused\n");
        return 1;
    }
    printf("consumer: weft %s works\n", weft_version_string());
    return 0;
}

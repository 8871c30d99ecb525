/* The futures guide's example: a thread pool, failures, as_completed. */
#include <weft.h>
#include <stdint.h>
#include <stdio.h>

static void square(void *arg, weft_outcome *out)
{
    intptr_t n = (intptr_t)arg;
    if (n < 0) {
        weft_outcome_set_error(out, WEFT_EINVAL, "negative", NULL, NULL);
        return;
    }
    weft_outcome_set_value(out, (void *)(n * n), NULL);
}

int main(void)
{
    weft_executor_opts *opts;
    weft_executor *pool;
    weft_executor_opts_new(&opts);
    weft_executor_opts_set_max_workers(opts, 4);
    weft_thread_pool_executor_new(&pool, opts);
    weft_executor_opts_free(opts);

    weft_future *fs[8];
    for (intptr_t i = 0; i < 8; i++)
        weft_executor_submit(pool, square, (void *)(i - 1), NULL, &fs[i]);

    weft_as_completed *it;
    weft_future *f;
    weft_as_completed_new(&it, fs, 8, 5.0);
    while (weft_as_completed_next(it, &f) == WEFT_OK) {
        void *v;
        if (weft_future_result(f, 0, &v) == WEFT_OK)
            printf("%ld\n", (long)(intptr_t)v);
        else
            printf("failed: %s\n", weft_errmsg());
    }
    weft_as_completed_free(it);
    for (int i = 0; i < 8; i++)
        weft_future_free(fs[i]);
    weft_executor_free(pool); /* shutdown(wait) and release, as a with block */
    return 0;
}

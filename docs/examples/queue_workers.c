/* Producer and consumers through a weft queue: the producer puts numbers,
 * three consumer threads count the primes among them, task_done/join tell
 * the producer when all work is done, and shutdown ends the consumers. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <weft.h>

#define CHECK(expr)                                                                       \
    do {                                                                                  \
        weft_status st_ = (expr);                                                         \
        if (st_ != WEFT_OK) {                                                             \
            fprintf(stderr, "%s: %s (%s)\n", #expr, weft_status_name(st_), weft_errmsg()); \
            exit(1);                                                                      \
        }                                                                                 \
    } while (0)

static int is_prime(uintptr_t n)
{
    if (n < 2)
        return 0;
    for (uintptr_t d = 2; d * d <= n; d++)
        if (n % d == 0)
            return 0;
    return 1;
}

typedef struct consumer {
    weft_queue *q;
    long primes;
} consumer;

static void consume(void *arg, weft_outcome *outcome)
{
    consumer *c = arg;
    void *item;
    /* get returns WEFT_SHUTDOWN once the queue is shut down and empty. */
    while (weft_queue_get(c->q, -1, &item) == WEFT_OK) {
        c->primes += is_prime((uintptr_t)item);
        weft_queue_task_done(c->q);
    }
    (void)outcome;
}

int main(void)
{
    weft_queue *q;
    CHECK(weft_queue_new(&q, 64, NULL)); /* bounded: the producer waits when consumers lag */

    consumer cs[3] = { { q, 0 }, { q, 0 }, { q, 0 } };
    weft_thread *threads[3];
    for (int i = 0; i < 3; i++) {
        CHECK(weft_thread_new(&threads[i], NULL, consume, &cs[i], NULL));
        CHECK(weft_thread_start(threads[i]));
    }

    const uintptr_t limit = 200000;
    for (uintptr_t n = 1; n <= limit; n++)
        CHECK(weft_queue_put(q, (void *)n, -1));
    CHECK(weft_queue_join(q, -1)); /* every item was taken and marked done */
    CHECK(weft_queue_shutdown(q, 0));

    long total = 0;
    for (int i = 0; i < 3; i++) {
        CHECK(weft_thread_join(threads[i], -1));
        char *name;
        CHECK(weft_thread_name(threads[i], &name));
        printf("%s counted %ld primes\n", name, cs[i].primes);
        weft_free(name);
        total += cs[i].primes;
        CHECK(weft_thread_free(threads[i]));
    }
    CHECK(weft_queue_free(q));
    printf("primes up to %lu: %ld\n", (unsigned long)limit, total);
    return total == 17984 ? 0 : 1;
}

/* Handle lifetime: a freed handle is reported as freed however long ago and
 * in whatever thread it was freed; a free with no caller reference left is
 * refused and leaves the library's own references alone; references taken
 * with weft_handle_ref() keep an object usable past its creator's free. */
#include "weft_test.h"

#include <pthread.h>
#include <stdint.h>
#include <string.h>

Test(handles, stale_after_many_objects_came_and_went)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_free(l));
    /* Enough churn to reuse the lock's memory many times over. */
    for (int i = 0; i < 5000; i++) {
        weft_event *e;
        WEFT_ASSERT_OK(weft_event_new(&e));
        WEFT_ASSERT_OK(weft_event_free(e));
        weft_lock *other;
        WEFT_ASSERT_OK(weft_lock_new(&other));
        cr_assert_neq((void *)other, (void *)l, "a new lock got the freed lock's handle");
        WEFT_ASSERT_OK(weft_lock_free(other));
    }
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "already freed") != NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_lock_release(l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_free(l), WEFT_EINVAL);
}

Test(handles, stale_handle_whose_slot_holds_another_type)
{
    /* A lock and an event may share a slot size: the old lock handle must not
     * pass for the new event, nor the event handle for a lock. */
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_free(l));
    weft_event *e;
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_event_set((weft_event *)l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_acquire((weft_lock *)e, 0), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a lock") != NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_OK(weft_event_free(e));
}

Test(handles, no_handle_repeats_while_one_slot_is_reused)
{
    /* Free and create in a loop: the same slot comes back every time with a
     * new generation, past the point where generations are used up (the
     * slot is then retired). No handle may ever equal the first one. */
    weft_lock *first;
    WEFT_ASSERT_OK(weft_lock_new(&first));
    WEFT_ASSERT_OK(weft_lock_free(first));
    const long rounds = (1L << 22) + 64;
    for (long i = 0; i < rounds; i++) {
        weft_lock *l;
        weft_status st = weft_lock_new(&l);
        if (st != WEFT_OK || l == first)
            cr_assert_fail("round %ld: %s, handle %p", i, weft_status_name(st), (void *)l);
        if (weft_lock_free(l) != WEFT_OK)
            cr_assert_fail("round %ld: free failed", i);
    }
    WEFT_ASSERT_STATUS(weft_lock_acquire(first, 0), WEFT_EINVAL);
}

static void *free_then_exit(void *arg)
{
    weft_lock **slot = arg;
    weft_lock_free(*slot);
    /* Churn in this thread too, then exit: whatever this thread kept for
     * reuse goes back when it ends. */
    for (int i = 0; i < 100; i++) {
        weft_lock *l;
        weft_lock_new(&l);
        weft_lock_free(l);
    }
    return NULL;
}

Test(handles, freed_in_a_thread_that_exited)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, free_then_exit, &l), 0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    for (int i = 0; i < 200; i++) { /* take the exited thread's slots */
        weft_lock *x;
        WEFT_ASSERT_OK(weft_lock_new(&x));
    }
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0), WEFT_EINVAL);
}

static void wait_for_event(void *arg, weft_outcome *o)
{
    (void)o;
    weft_event_wait(arg, -1);
}

Test(handles, double_free_of_a_running_thread_keeps_it_alive)
{
    weft_event *go;
    WEFT_ASSERT_OK(weft_event_new(&go));
    weft_thread *t;
    WEFT_ASSERT_OK(weft_thread_new(&t, "runner", wait_for_event, go, NULL));
    WEFT_ASSERT_OK(weft_thread_start(t));
    weft_thread *again = t;
    WEFT_ASSERT_OK(weft_handle_ref(again));
    WEFT_ASSERT_OK(weft_thread_free(t));                    /* the creator's */
    WEFT_ASSERT_OK(weft_thread_free(again));                /* the one we took */
    WEFT_ASSERT_STATUS(weft_thread_free(t), WEFT_EINVAL);   /* nothing left to drop */
    cr_assert(strstr(weft_errmsg(), "already freed") != NULL, "message: %s", weft_errmsg());
    /* The thread's own reference is intact: it runs on and ends cleanly,
     * and the handle still names it meanwhile. */
    int alive = 0;
    WEFT_ASSERT_OK(weft_thread_is_alive(t, &alive));
    cr_assert(alive);
    WEFT_ASSERT_OK(weft_event_set(go));
    /* Once it ends the thread's reference goes, and the handle is stale.
     * Watching for that takes a reference each time, as any thread must
     * that uses a handle another may free: only the reference's own word is
     * read, never the object while the thread takes it apart. */
    for (int i = 0; i < 2000 && weft_handle_ref(t) == WEFT_OK; i++) {
        WEFT_ASSERT_OK(weft_handle_unref(t));
        nanosleep(&(struct timespec){ 0, 5000000 }, NULL);
    }
    WEFT_ASSERT_STATUS(weft_handle_ref(t), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_thread_is_alive(t, &alive), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_free(go));
}

Test(handles, double_free_of_a_pending_future)
{
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, NULL));
    weft_event *go;
    WEFT_ASSERT_OK(weft_event_new(&go));
    weft_future *block, *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_for_event, go, NULL, &block));
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_for_event, go, NULL, &f));
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_STATUS(weft_future_free(f), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_set(go));
    WEFT_ASSERT_OK(weft_future_result(block, 10, NULL));
    WEFT_ASSERT_OK(weft_future_free(block));
    WEFT_ASSERT_OK(weft_executor_shutdown(ex, 1, 0));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    WEFT_ASSERT_OK(weft_event_free(go));
}

Test(handles, double_free_of_a_lock_inside_a_condition)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&c, l));
    WEFT_ASSERT_OK(weft_lock_free(l));
    WEFT_ASSERT_STATUS(weft_lock_free(l), WEFT_EINVAL);
    /* The condition's reference still holds the lock. */
    WEFT_ASSERT_OK(weft_condition_acquire(c, 0));
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 0.01), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_condition_release(c));
    WEFT_ASSERT_OK(weft_condition_free(c));
}

Test(handles, ref_survives_the_creators_free_and_counts)
{
    weft_queue *q;
    WEFT_ASSERT_OK(weft_queue_new(&q, 0, NULL));
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_handle_ref(q));
    WEFT_ASSERT_OK(weft_queue_free(q));
    for (int i = 0; i < 3; i++) {
        WEFT_ASSERT_OK(weft_queue_put(q, NULL, 0));
        WEFT_ASSERT_OK(weft_handle_unref(q));
    }
    WEFT_ASSERT_STATUS(weft_queue_put(q, NULL, 0), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_handle_unref(q), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_handle_ref(q), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_handle_ref((void *)&q), WEFT_EINVAL); /* not a handle at all */
}

Test(handles, null_and_wrong_type)
{
    WEFT_ASSERT_STATUS(weft_lock_acquire(NULL, 0), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "weft_lock_acquire") != NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_OK(weft_lock_free(NULL));
    weft_event *e;
    WEFT_ASSERT_OK(weft_event_new(&e));
    WEFT_ASSERT_STATUS(weft_lock_free((weft_lock *)e), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_event_free(e));
}

/* The rule for threads that share a handle another may free: take a
 * reference first. Many threads race to take references and use the lock
 * while the creator frees it; each either gets in (and the object stays
 * usable until it drops its reference) or is told the handle is gone. */
typedef struct {
    weft_lock *lock;
    int used, refused;
} racer;

static void *race_ref(void *arg)
{
    racer *r = arg;
    for (int i = 0; i < 2000; i++) {
        if (weft_handle_ref(r->lock) != WEFT_OK) {
            r->refused++;
            continue;
        }
        if (weft_lock_acquire(r->lock, 0) == WEFT_OK)
            weft_lock_release(r->lock);
        r->used++;
        if (weft_handle_unref(r->lock) != WEFT_OK)
            abort();
    }
    return NULL;
}

Test(handles, ref_races_with_the_creators_free)
{
    for (int round = 0; round < 50; round++) {
        racer rs[3];
        weft_lock *l;
        WEFT_ASSERT_OK(weft_lock_new(&l));
        pthread_t th[3];
        for (int i = 0; i < 3; i++) {
            rs[i] = (racer){ l, 0, 0 };
            cr_assert_eq(pthread_create(&th[i], NULL, race_ref, &rs[i]), 0);
        }
        WEFT_ASSERT_OK(weft_lock_free(l));
        for (int i = 0; i < 3; i++) {
            pthread_join(th[i], NULL);
            cr_assert_eq(rs[i].used + rs[i].refused, 2000);
        }
        WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0), WEFT_EINVAL);
    }
}

Test(handles, double_free_of_an_executor_with_workers)
{
    weft_executor *ex;
    WEFT_ASSERT_OK(weft_thread_pool_executor_new(&ex, NULL));
    weft_future *f;
    WEFT_ASSERT_OK(weft_executor_submit(ex, wait_for_event, NULL, NULL, &f)); /* NULL event: returns at once */
    WEFT_ASSERT_OK(weft_future_result(f, 10, NULL));
    WEFT_ASSERT_OK(weft_future_free(f));
    WEFT_ASSERT_OK(weft_executor_free(ex));
    WEFT_ASSERT_STATUS(weft_executor_free(ex), WEFT_EINVAL);
}

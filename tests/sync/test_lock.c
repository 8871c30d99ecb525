/* threading.Lock: acquire/release/locked, release by another thread, timeouts
 * and bad input. */
#include "sync_test.h"

Test(lock, acquire_release_locked)
{
    weft_lock *l = NULL;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    int locked = -1;
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 1);
    /* Not re-entrant: a second acquire by the holder times out. */
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_lock_acquire(l, 0));
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

Test(lock, release_unlocked_is_runtime_error)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_lock_release(l), WEFT_RUNTIME);
    cr_assert(strstr(weft_errmsg(), "weft_lock_release") != NULL);
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_STATUS(weft_lock_release(l), WEFT_RUNTIME);
    int locked = -1;
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_lock_free(l));
}

static void *release_other(void *arg)
{
    WEFT_ASSERT_OK(weft_lock_release(arg));
    return NULL;
}

Test(lock, another_thread_may_release)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    sync_threads t = { 0 };
    sync_start(&t, release_other, l);
    sync_join(&t);
    int locked = -1;
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_lock_free(l));
}

static void *release_later(void *arg)
{
    sync_nap(0.05);
    WEFT_ASSERT_OK(weft_lock_release(arg));
    return NULL;
}

Test(lock, blocked_acquire_is_woken_by_release)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    sync_threads t = { 0 };
    sync_start(&t, release_later, l);
    double t0 = weft_test_now();
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1)); /* a semaphore-style hand-off */
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    sync_join(&t);
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

Test(lock, timeout_waits_at_least_its_time)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0.1), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.1 - SYNC_SLACK);
    t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, 0.001), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.001 - SYNC_SLACK);
    /* After timed-out waiters the lock still works. */
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, 0.1));
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

Test(lock, bad_timeouts)
{
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, WEFT_TIMEOUT_MAX * 2), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, INFINITY), WEFT_OVERFLOW);
    int locked = -1;
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0, "a refused acquire must not take the lock");
    /* The largest accepted timeout and -inf are fine. */
    WEFT_ASSERT_OK(weft_lock_acquire(l, WEFT_TIMEOUT_MAX));
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_acquire(l, -INFINITY));
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, NAN), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_lock_release(l));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

Test(lock, bad_handles)
{
    WEFT_ASSERT_STATUS(weft_lock_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_lock_free(NULL));
    WEFT_ASSERT_STATUS(weft_lock_acquire(NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_release(NULL), WEFT_EINVAL);
    int v;
    WEFT_ASSERT_STATUS(weft_lock_locked(NULL, &v), WEFT_EINVAL);

    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_STATUS(weft_lock_locked(l, NULL), WEFT_EINVAL);

    /* Another type's handle is refused in both directions. */
    weft_rlock *r;
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_STATUS(weft_lock_acquire((weft_lock *)r, -1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "not a lock") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_lock_free((weft_lock *)r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_rlock_acquire((weft_rlock *)l, -1), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_rlock_free(r));

    /* A freed handle is recognised. */
    WEFT_ASSERT_OK(weft_lock_free(l));
    WEFT_ASSERT_STATUS(weft_lock_acquire(l, -1), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "freed") != NULL, "%s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_lock_release(l), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_locked(l, &v), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_lock_free(l), WEFT_EINVAL);
}

/* Mutual exclusion: several threads increment a plain counter under the lock. */
#define HANDOFF_THREADS 4
#define HANDOFF_ROUNDS 20000

typedef struct counter {
    weft_lock *lock;
    long value;
    atomic_int inside;
} counter;

static void *count_up(void *arg)
{
    counter *c = arg;
    for (int i = 0; i < HANDOFF_ROUNDS; i++) {
        /* Mix blocking, timed and try-once acquires. */
        weft_status st;
        if (i % 3 == 0)
            st = weft_lock_acquire(c->lock, -1);
        else if (i % 3 == 1)
            st = weft_lock_acquire(c->lock, 5.0);
        else
            while ((st = weft_lock_acquire(c->lock, 0)) == WEFT_TIMEOUT)
                ;
        cr_assert_eq(st, WEFT_OK);
        cr_assert_eq(atomic_fetch_add(&c->inside, 1), 0);
        c->value++;
        atomic_fetch_sub(&c->inside, 1);
        cr_assert_eq(weft_lock_release(c->lock), WEFT_OK);
    }
    return NULL;
}

Test(lock, mutual_exclusion_between_threads)
{
    counter c = { 0 };
    WEFT_ASSERT_OK(weft_lock_new(&c.lock));
    sync_threads t = { 0 };
    for (int i = 0; i < HANDOFF_THREADS; i++)
        sync_start(&t, count_up, &c);
    sync_join(&t);
    cr_assert_eq(c.value, (long)HANDOFF_THREADS * HANDOFF_ROUNDS);
    WEFT_ASSERT_OK(weft_lock_free(c.lock));
}

/* A forked child is a new process: blocking and waking must work there too
 * (the lock's sleeper-side fence is registered per process). */
#include <sys/wait.h>
#include <unistd.h>

static void *child_relay(void *arg)
{
    weft_lock **ab = arg;
    for (int i = 0; i < 2000; i++) {
        if (weft_lock_acquire(ab[1], 10.0) != WEFT_OK)
            _exit(3);
        if (weft_lock_release(ab[0]) != WEFT_OK)
            _exit(4);
    }
    return NULL;
}

Test(lock, works_in_a_forked_child)
{
#ifdef __SANITIZE_THREAD__
    /* Criterion's worker has threads of its own, and TSan refuses to start
     * threads in the child of a multi-threaded fork. */
    cr_skip_test("ThreadSanitizer does not support threads after a multi-threaded fork");
#endif
    weft_lock *ab[2];
    WEFT_ASSERT_OK(weft_lock_new(&ab[0]));
    WEFT_ASSERT_OK(weft_lock_new(&ab[1]));
    WEFT_ASSERT_OK(weft_lock_acquire(ab[1], -1));
    pid_t pid = fork();
    cr_assert_neq(pid, -1);
    if (pid == 0) {
        /* Two threads hand a token through two locks, each released by the
         * thread that did not take it, so both sleep and wake often. */
        pthread_t t;
        if (pthread_create(&t, NULL, child_relay, ab) != 0)
            _exit(2);
        for (int i = 0; i < 2000; i++) {
            if (weft_lock_acquire(ab[0], 10.0) != WEFT_OK)
                _exit(5);
            if (weft_lock_release(ab[1]) != WEFT_OK)
                _exit(6);
        }
        pthread_join(t, NULL);
        _exit(0);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "child died");
    cr_assert_eq(WEXITSTATUS(status), 0, "child failed at step %d", WEXITSTATUS(status));
    WEFT_ASSERT_OK(weft_lock_release(ab[1]));
    WEFT_ASSERT_OK(weft_lock_free(ab[0]));
    WEFT_ASSERT_OK(weft_lock_free(ab[1]));
}

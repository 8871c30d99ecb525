/* threading.Condition over its own RLock, a Lock and a shared RLock: wait,
 * wait_for, notify(n), notify_all, timeouts, ownership errors, bad input. */
#include "sync_test.h"

typedef struct shared {
    weft_condition *c;
    int ready;         /* guarded by the condition's lock */
    int woken;         /* guarded by the condition's lock */
    int waiting;       /* guarded by the condition's lock */
    weft_status st;
} shared;

static void *wait_once(void *arg)
{
    shared *s = arg;
    cr_assert_eq(weft_condition_acquire(s->c, -1), WEFT_OK);
    s->waiting++;
    weft_status st = weft_condition_wait(s->c, 5.0);
    cr_assert_eq(st, WEFT_OK, "%s", weft_errmsg());
    s->woken++;
    s->waiting--;
    cr_assert_eq(weft_condition_release(s->c), WEFT_OK);
    return NULL;
}

/* Waits (outside the lock) until `n` threads sit in wait(). Only the
 * number of threads in the queue matters, never timing. */
static void wait_for_waiters(shared *s, int n)
{
    for (;;) {
        WEFT_ASSERT_OK(weft_condition_acquire(s->c, -1));
        int w = s->waiting;
        WEFT_ASSERT_OK(weft_condition_release(s->c));
        if (w >= n)
            return;
        sync_nap(0.001);
    }
}

static void notify_wakes_exactly(weft_condition *c)
{
    shared s = { c, 0, 0, 0, WEFT_OK };
    sync_threads t = { 0 };
    for (int i = 0; i < 3; i++)
        sync_start(&t, wait_once, &s);
    wait_for_waiters(&s, 3);
    /* A waiter increments `waiting` before it waits and it releases the lock
     * only inside wait(), so all three are queued now. */
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    WEFT_ASSERT_OK(weft_condition_notify(c, 1));
    WEFT_ASSERT_OK(weft_condition_release(c));
    sync_nap(0.05);
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    cr_assert_eq(s.woken, 1, "notify(1) woke %d", s.woken);
    WEFT_ASSERT_OK(weft_condition_notify(c, 0));
    WEFT_ASSERT_OK(weft_condition_release(c));
    sync_nap(0.05);
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    cr_assert_eq(s.woken, 1, "notify(0) woke someone");
    WEFT_ASSERT_OK(weft_condition_notify_all(c));
    WEFT_ASSERT_OK(weft_condition_release(c));
    sync_join(&t);
    cr_assert_eq(s.woken, 3);
}

Test(condition, notify_n_and_notify_all_own_rlock)
{
    weft_condition *c = NULL;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    notify_wakes_exactly(c);
    WEFT_ASSERT_OK(weft_condition_free(c));
}

Test(condition, notify_n_and_notify_all_with_lock)
{
    weft_lock *l;
    weft_condition *c;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&c, l));
    WEFT_ASSERT_OK(weft_lock_free(l)); /* the condition keeps its own reference */
    notify_wakes_exactly(c);
    WEFT_ASSERT_OK(weft_condition_free(c));
}

Test(condition, notify_more_than_waiting)
{
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    shared s = { c, 0, 0, 0, WEFT_OK };
    sync_threads t = { 0 };
    sync_start(&t, wait_once, &s);
    sync_start(&t, wait_once, &s);
    wait_for_waiters(&s, 2);
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    WEFT_ASSERT_OK(weft_condition_notify(c, 10));
    WEFT_ASSERT_OK(weft_condition_release(c));
    sync_join(&t);
    cr_assert_eq(s.woken, 2);
    WEFT_ASSERT_OK(weft_condition_free(c));
}

Test(condition, waiters_are_woken_in_fifo_order)
{
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    shared s = { c, 0, 0, 0, WEFT_OK };
    sync_threads t = { 0 };
    /* Queue them one at a time so the arrival order is known. */
    for (int i = 0; i < 3; i++) {
        sync_start(&t, wait_once, &s);
        wait_for_waiters(&s, i + 1);
    }
    for (int i = 0; i < 3; i++) {
        WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
        WEFT_ASSERT_OK(weft_condition_notify(c, 1));
        WEFT_ASSERT_OK(weft_condition_release(c));
        cr_assert_eq(pthread_join(t.id[i], NULL), 0); /* the oldest leaves first */
    }
    t.n = 0;
    WEFT_ASSERT_OK(weft_condition_free(c));
}

Test(condition, wait_timeout_reacquires_lock)
{
    weft_rlock *r;
    weft_condition *c;
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_OK(weft_condition_new_with_rlock(&c, r));
    /* Held twice: wait releases it completely and restores both levels. */
    WEFT_ASSERT_OK(weft_rlock_acquire(r, -1));
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    double t0 = weft_test_now();
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 0.1), WEFT_TIMEOUT);
    cr_assert_geq(weft_test_now() - t0, 0.1 - SYNC_SLACK);
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_rlock_release(r));
    WEFT_ASSERT_OK(weft_condition_release(c));
    WEFT_ASSERT_STATUS(weft_rlock_release(r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_condition_free(c));
    WEFT_ASSERT_OK(weft_rlock_free(r));
}

typedef struct holder {
    weft_rlock *r;
    weft_condition *c;
    int got;
} holder;

/* While the main thread waits, its recursive lock must be free for others. */
static void *take_and_notify(void *arg)
{
    holder *h = arg;
    cr_assert_eq(weft_rlock_acquire(h->r, 5.0), WEFT_OK);
    h->got = 1;
    cr_assert_eq(weft_condition_notify(h->c, 1), WEFT_OK);
    cr_assert_eq(weft_rlock_release(h->r), WEFT_OK);
    return NULL;
}

Test(condition, wait_releases_nested_rlock_for_others)
{
    holder h = { 0 };
    WEFT_ASSERT_OK(weft_rlock_new(&h.r));
    WEFT_ASSERT_OK(weft_condition_new_with_rlock(&h.c, h.r));
    WEFT_ASSERT_OK(weft_rlock_acquire(h.r, -1));
    WEFT_ASSERT_OK(weft_rlock_acquire(h.r, -1));
    WEFT_ASSERT_OK(weft_rlock_acquire(h.r, -1));
    sync_threads t = { 0 };
    sync_start(&t, take_and_notify, &h);
    while (!h.got)
        WEFT_ASSERT_OK(weft_condition_wait(h.c, 5.0)); /* woken by the notify */
    sync_join(&t);
    for (int i = 0; i < 3; i++)
        WEFT_ASSERT_OK(weft_rlock_release(h.r));
    WEFT_ASSERT_STATUS(weft_rlock_release(h.r), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_condition_free(h.c));
    WEFT_ASSERT_OK(weft_rlock_free(h.r));
}

/* The condition's own calls name themselves, not the lock's calls they use. */
Test(condition, unowned_release_names_condition_release)
{
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    WEFT_ASSERT_STATUS(weft_condition_release(c), WEFT_NOT_OWNER);
    cr_assert(strstr(weft_errmsg(), "weft_condition_release") != NULL, "message: %s", weft_errmsg());
    cr_assert(strstr(weft_errmsg(), "weft_rlock_release") == NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_OK(weft_condition_free(c));

    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&c, l));
    WEFT_ASSERT_STATUS(weft_condition_release(c), WEFT_RUNTIME);
    cr_assert(strstr(weft_errmsg(), "weft_condition_release") != NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_STATUS(weft_condition_acquire(c, NAN), WEFT_EINVAL);
    cr_assert(strstr(weft_errmsg(), "weft_condition_acquire") != NULL, "message: %s", weft_errmsg());
    WEFT_ASSERT_OK(weft_condition_free(c));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

Test(condition, unowned_lock_is_runtime_error)
{
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 0), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_condition_wait(c, -1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_condition_notify(c, 1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_condition_notify_all(c), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_condition_release(c), WEFT_NOT_OWNER);
    WEFT_ASSERT_OK(weft_condition_free(c));

    /* Over a plain Lock, "owned" is "locked", by anyone: as in Python. */
    weft_lock *l;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&c, l));
    WEFT_ASSERT_STATUS(weft_condition_notify(c, 1), WEFT_RUNTIME);
    WEFT_ASSERT_STATUS(weft_condition_release(c), WEFT_RUNTIME);
    WEFT_ASSERT_OK(weft_lock_acquire(l, -1));
    WEFT_ASSERT_OK(weft_condition_notify(c, 1));
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 0.01), WEFT_TIMEOUT);
    int locked = 0;
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 1, "wait must re-acquire the lock");
    WEFT_ASSERT_OK(weft_condition_release(c));
    WEFT_ASSERT_OK(weft_lock_locked(l, &locked));
    cr_assert_eq(locked, 0);
    WEFT_ASSERT_OK(weft_condition_free(c));
    WEFT_ASSERT_OK(weft_lock_free(l));
}

static int flag_is_set(void *arg)
{
    return *(int *)arg;
}

typedef struct setter {
    weft_condition *c;
    int flag;
    int calls;
} setter;

static int two_sets(void *arg)
{
    setter *s = arg;
    s->calls++;
    return s->flag >= 3 ? 7 : 0;
}

static void *set_flag_later(void *arg)
{
    setter *s = arg;
    sync_nap(0.02);
    cr_assert_eq(weft_condition_acquire(s->c, -1), WEFT_OK);
    s->flag++;
    cr_assert_eq(weft_condition_notify_all(s->c), WEFT_OK);
    cr_assert_eq(weft_condition_release(s->c), WEFT_OK);
    return NULL;
}

Test(condition, wait_for_returns_last_predicate_value)
{
    setter s = { NULL, 0, 0 };
    WEFT_ASSERT_OK(weft_condition_new(&s.c));
    int result = -1;

    /* A true predicate needs no wait, so no lock either (as in Python). */
    int yes = 5;
    WEFT_ASSERT_OK(weft_condition_wait_for(s.c, flag_is_set, &yes, 0, &result));
    cr_assert_eq(result, 5);
    int no = 0;
    WEFT_ASSERT_STATUS(weft_condition_wait_for(s.c, flag_is_set, &no, 0, &result), WEFT_RUNTIME);

    WEFT_ASSERT_OK(weft_condition_acquire(s.c, -1));
    double t0 = weft_test_now();
    result = -1;
    WEFT_ASSERT_STATUS(weft_condition_wait_for(s.c, flag_is_set, &no, 0.05, &result), WEFT_TIMEOUT);
    cr_assert_eq(result, 0);
    cr_assert_geq(weft_test_now() - t0, 0.05 - SYNC_SLACK);
    WEFT_ASSERT_STATUS(weft_condition_wait_for(s.c, flag_is_set, &no, 0, NULL), WEFT_TIMEOUT);

    /* Woken by another thread's notify_all. */
    sync_threads t = { 0 };
    sync_start(&t, set_flag_later, &s);
    WEFT_ASSERT_OK(weft_condition_wait_for(s.c, flag_is_set, &s.flag, -1, &result));
    cr_assert_eq(result, 1);
    sync_join(&t);

    /* The predicate's own value comes back, not just 1, and it is evaluated
     * again after each wake-up. */
    sync_start(&t, set_flag_later, &s);
    sync_start(&t, set_flag_later, &s);
    WEFT_ASSERT_OK(weft_condition_wait_for(s.c, two_sets, &s, 5.0, &result));
    cr_assert_eq(result, 7);
    cr_assert_geq(s.calls, 2);
    cr_assert_eq(s.flag, 3);
    WEFT_ASSERT_OK(weft_condition_release(s.c));
    sync_join(&t);
    WEFT_ASSERT_OK(weft_condition_free(s.c));
}

Test(condition, bad_input)
{
    weft_condition *c;
    WEFT_ASSERT_STATUS(weft_condition_new(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_new_with_lock(NULL, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_new_with_lock(&c, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_new_with_rlock(&c, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_new_with_rlock(NULL, NULL), WEFT_EINVAL);
    weft_lock *l;
    weft_rlock *r;
    WEFT_ASSERT_OK(weft_lock_new(&l));
    WEFT_ASSERT_OK(weft_rlock_new(&r));
    WEFT_ASSERT_STATUS(weft_condition_new_with_lock(&c, (weft_lock *)r), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_new_with_rlock(&c, (weft_rlock *)l), WEFT_EINVAL);

    WEFT_ASSERT_OK(weft_condition_free(NULL));
    WEFT_ASSERT_STATUS(weft_condition_acquire(NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_release(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_wait(NULL, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_wait_for(NULL, flag_is_set, NULL, -1, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_notify(NULL, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_notify_all(NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_wait((weft_condition *)l, -1), WEFT_EINVAL);

    WEFT_ASSERT_OK(weft_condition_new_with_rlock(&c, r));
    WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
    WEFT_ASSERT_STATUS(weft_condition_wait(c, NAN), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_wait(c, 1e30), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_condition_wait_for(c, NULL, NULL, -1, NULL), WEFT_EINVAL);
    int one = 1;
    WEFT_ASSERT_STATUS(weft_condition_wait_for(c, flag_is_set, &one, NAN, NULL), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_wait_for(c, flag_is_set, &one, WEFT_TIMEOUT_MAX * 4, NULL), WEFT_OVERFLOW);
    WEFT_ASSERT_STATUS(weft_condition_acquire(c, NAN), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_condition_release(c));
    WEFT_ASSERT_OK(weft_condition_free(c));
    WEFT_ASSERT_STATUS(weft_condition_wait(c, -1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_notify(c, 1), WEFT_EINVAL);
    WEFT_ASSERT_STATUS(weft_condition_free(c), WEFT_EINVAL);
    WEFT_ASSERT_OK(weft_lock_free(l));
    WEFT_ASSERT_OK(weft_rlock_free(r));
}

/* A notification that races a timeout is never lost. Waiter A (2 ms
 * timeout) queues before waiter B (long timeout); notify(1) lands around A's
 * deadline. Either A had already left the queue and the notification goes to
 * B, or A got it and reports WEFT_OK. Never "A timed out and B sleeps on",
 * the notification that CPython's Condition can lose in this race. */
typedef struct racer {
    weft_condition *c;
    weft_status st;
    double timeout;
    atomic_int *queued;
} racer;

static void *race_waiter(void *arg)
{
    racer *r = arg;
    cr_assert_eq(weft_condition_acquire(r->c, -1), WEFT_OK);
    atomic_fetch_add(r->queued, 1);
    r->st = weft_condition_wait(r->c, r->timeout);
    cr_assert_eq(weft_condition_release(r->c), WEFT_OK);
    return NULL;
}

Test(condition, notify_racing_timeout_is_not_lost)
{
    weft_condition *c;
    WEFT_ASSERT_OK(weft_condition_new(&c));
    atomic_int queued;
    int a_notified = 0, a_timed_out = 0;
    for (int round = 0; round < 100; round++) {
        atomic_store(&queued, 0);
        racer a = { c, WEFT_EINVAL, 0.002, &queued };
        racer b = { c, WEFT_EINVAL, 5.0, &queued };
        pthread_t ta, tb;
        cr_assert_eq(pthread_create(&ta, NULL, race_waiter, &a), 0);
        while (atomic_load(&queued) < 1)
            sync_nap(0.0001);
        cr_assert_eq(pthread_create(&tb, NULL, race_waiter, &b), 0);
        while (atomic_load(&queued) < 2)
            sync_nap(0.0001);
        sync_nap((round % 4) * 0.0007);
        WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
        WEFT_ASSERT_OK(weft_condition_notify(c, 1));
        WEFT_ASSERT_OK(weft_condition_release(c));
        cr_assert_eq(pthread_join(ta, NULL), 0);
        if (a.st == WEFT_OK) {
            a_notified++;
            WEFT_ASSERT_OK(weft_condition_acquire(c, -1));
            WEFT_ASSERT_OK(weft_condition_notify(c, 1));
            WEFT_ASSERT_OK(weft_condition_release(c));
        } else {
            cr_assert_eq(a.st, WEFT_TIMEOUT);
            a_timed_out++;
        }
        cr_assert_eq(pthread_join(tb, NULL), 0);
        cr_assert_eq(b.st, WEFT_OK, "round %d: the notification was lost (A %s)", round,
                     weft_status_name(a.st));
    }
    cr_assert_eq(a_notified + a_timed_out, 100);
    cr_log_info("A notified in %d rounds, timed out in %d", a_notified, a_timed_out);
    WEFT_ASSERT_OK(weft_condition_free(c));
}

/* Bounded stress runs (each well under a few seconds) for the race-prone
 * paths: lock hand-off, condition storms with notify(1) and notify_all,
 * semaphore and event ping-pong, barrier reuse and abort/reset racing its
 * waiters. Long timeouts stand in for "forever" so a lost wake-up fails the
 * test instead of hanging it. */
#include "sync_test.h"

#define LONG_WAIT 20.0

/* ---- Lock: a token passed through two locks, released by the other thread */

typedef struct relay {
    weft_lock *mine, *theirs;
    long *counter;
    int rounds;
} relay;

static void *relay_run(void *arg)
{
    relay *r = arg;
    for (int i = 0; i < r->rounds; i++) {
        cr_assert_eq(weft_lock_acquire(r->mine, LONG_WAIT), WEFT_OK);
        (*r->counter)++;
        cr_assert_eq(weft_lock_release(r->theirs), WEFT_OK); /* a lock the other thread took */
    }
    return NULL;
}

Test(stress, lock_handoff_between_threads)
{
    weft_lock *a, *b;
    WEFT_ASSERT_OK(weft_lock_new(&a));
    WEFT_ASSERT_OK(weft_lock_new(&b));
    WEFT_ASSERT_OK(weft_lock_acquire(b, -1)); /* A goes first */
    long counter = 0;
    relay ra = { a, b, &counter, 20000 }, rb = { b, a, &counter, 20000 };
    /* A takes `a` (free), bumps, releases `b` for B; B bumps, releases `a`. */
    sync_threads t = { 0 };
    sync_start(&t, relay_run, &ra);
    sync_start(&t, relay_run, &rb);
    sync_join(&t);
    cr_assert_eq(counter, 40000);
    WEFT_ASSERT_OK(weft_lock_free(a));
    WEFT_ASSERT_OK(weft_lock_free(b));
}

/* ---- Lock: a release racing a thread that is about to sleep -------------- */

/* Each round the main thread holds the lock while the other thread starts to
 * acquire it, then releases after a varying delay, so the release lands
 * before, during and after the other thread's spin and its going to sleep.
 * A release that missed the sleeper would leave it asleep and the round
 * would time out. */
typedef struct sleeper {
    weft_lock *lock;
    weft_event *go, *got;
    int rounds;
} sleeper;

static void *sleeper_run(void *arg)
{
    sleeper *s = arg;
    for (int i = 0; i < s->rounds; i++) {
        cr_assert_eq(weft_event_wait(s->go, LONG_WAIT), WEFT_OK);
        cr_assert_eq(weft_event_clear(s->go), WEFT_OK);
        cr_assert_eq(weft_lock_acquire(s->lock, LONG_WAIT), WEFT_OK, "round %d: the wake-up was lost", i);
        cr_assert_eq(weft_event_set(s->got), WEFT_OK);
        cr_assert_eq(weft_lock_release(s->lock), WEFT_OK);
    }
    return NULL;
}

Test(stress, lock_release_races_sleeper)
{
    sleeper s = { NULL, NULL, NULL, 3000 };
    WEFT_ASSERT_OK(weft_lock_new(&s.lock));
    WEFT_ASSERT_OK(weft_event_new(&s.go));
    WEFT_ASSERT_OK(weft_event_new(&s.got));
    sync_threads t = { 0 };
    sync_start(&t, sleeper_run, &s);
    unsigned seed = 12345;
    for (int i = 0; i < s.rounds; i++) {
        WEFT_ASSERT_OK(weft_lock_acquire(s.lock, -1));
        WEFT_ASSERT_OK(weft_event_set(s.go));
        seed = seed * 1103515245u + 12345u;
        unsigned delay = (seed >> 16) % 4 == 0 ? (seed >> 8) % 200000 : (seed >> 8) % 3000;
        for (volatile unsigned k = 0; k < delay; k++)
            ;
        WEFT_ASSERT_OK(weft_lock_release(s.lock));
        WEFT_ASSERT_OK(weft_event_wait(s.got, LONG_WAIT));
        WEFT_ASSERT_OK(weft_event_clear(s.got));
    }
    sync_join(&t);
    WEFT_ASSERT_OK(weft_event_free(s.go));
    WEFT_ASSERT_OK(weft_event_free(s.got));
    WEFT_ASSERT_OK(weft_lock_free(s.lock));
}

/* ---- Condition: a bounded buffer with several producers and consumers ---- */

#define BUF 4
#define PRODUCERS 3
#define CONSUMERS 3
#define ITEMS 6000 /* per producer */

typedef struct buffer {
    weft_condition *c;
    int item[BUF];
    int head, len;
    int producers_left;
    long sum, taken;
    bool timed; /* mix in short timed waits */
} buffer;

/* Producers and consumers share one condition here, so a single wake-up
 * might reach a thread of the wrong kind: wake everyone. The notify(1) storm
 * is condition_pair_notify_one below. */
static void buffer_signal(buffer *b)
{
    cr_assert_eq(weft_condition_notify_all(b->c), WEFT_OK);
}

static weft_status buffer_wait(buffer *b, int i)
{
    return weft_condition_wait(b->c, b->timed && (i & 1) ? 0.0005 : LONG_WAIT);
}

static void *producer(void *arg)
{
    buffer *b = arg;
    for (int i = 1; i <= ITEMS; i++) {
        cr_assert_eq(weft_condition_acquire(b->c, -1), WEFT_OK);
        while (b->len == BUF) {
            weft_status st = buffer_wait(b, i);
            cr_assert(st == WEFT_OK || (b->timed && st == WEFT_TIMEOUT), "%s", weft_status_name(st));
        }
        b->item[(b->head + b->len) % BUF] = i;
        b->len++;
        buffer_signal(b);
        cr_assert_eq(weft_condition_release(b->c), WEFT_OK);
    }
    cr_assert_eq(weft_condition_acquire(b->c, -1), WEFT_OK);
    b->producers_left--;
    cr_assert_eq(weft_condition_notify_all(b->c), WEFT_OK);
    cr_assert_eq(weft_condition_release(b->c), WEFT_OK);
    return NULL;
}

static void *consumer(void *arg)
{
    buffer *b = arg;
    for (int i = 0;; i++) {
        cr_assert_eq(weft_condition_acquire(b->c, -1), WEFT_OK);
        while (b->len == 0 && b->producers_left > 0) {
            weft_status st = buffer_wait(b, i);
            cr_assert(st == WEFT_OK || (b->timed && st == WEFT_TIMEOUT), "%s", weft_status_name(st));
        }
        if (b->len == 0) {
            cr_assert_eq(weft_condition_release(b->c), WEFT_OK);
            return NULL;
        }
        b->sum += b->item[b->head];
        b->head = (b->head + 1) % BUF;
        b->len--;
        b->taken++;
        buffer_signal(b);
        cr_assert_eq(weft_condition_release(b->c), WEFT_OK);
    }
}

static void run_buffer(bool timed)
{
    buffer b = { 0 };
    b.timed = timed;
    b.producers_left = PRODUCERS;
    WEFT_ASSERT_OK(weft_condition_new(&b.c));
    sync_threads t = { 0 };
    for (int i = 0; i < PRODUCERS; i++)
        sync_start(&t, producer, &b);
    for (int i = 0; i < CONSUMERS; i++)
        sync_start(&t, consumer, &b);
    sync_join(&t);
    cr_assert_eq(b.taken, (long)PRODUCERS * ITEMS);
    cr_assert_eq(b.sum, (long)PRODUCERS * ITEMS * (ITEMS + 1) / 2);
    WEFT_ASSERT_OK(weft_condition_free(b.c));
}

Test(stress, condition_buffer_notify_all)
{
    run_buffer(false);
}

Test(stress, condition_buffer_notify_all_with_timeouts)
{
    run_buffer(true);
}

/* The shape of Python's queue.Queue: two conditions over one Lock,
 * "not full" for producers and "not empty" for consumers, each signalled
 * with notify(1). Every waiter on a condition waits for the same thing, so
 * notify(1) must suffice; a lost or misdirected wake-up stalls the run and
 * trips the long timeout. */
typedef struct queue2 {
    weft_condition *not_full, *not_empty; /* over one lock */
    int item[BUF];
    int head, len;
    long sum, taken;
    bool timed; /* some waits time out and go round again */
} queue2;

#define Q_ITEMS 8000 /* per producer */

static void q_wait(queue2 *q, weft_condition *c, int i)
{
    weft_status st = weft_condition_wait(c, q->timed && i % 3 == 0 ? 0.0002 : LONG_WAIT);
    cr_assert(st == WEFT_OK || (q->timed && st == WEFT_TIMEOUT), "lost wake-up: %s", weft_status_name(st));
}

static void *q_producer(void *arg)
{
    queue2 *q = arg;
    for (int i = 1; i <= Q_ITEMS; i++) {
        cr_assert_eq(weft_condition_acquire(q->not_full, -1), WEFT_OK);
        while (q->len == BUF)
            q_wait(q, q->not_full, i);
        q->item[(q->head + q->len) % BUF] = i;
        q->len++;
        cr_assert_eq(weft_condition_notify(q->not_empty, 1), WEFT_OK);
        cr_assert_eq(weft_condition_release(q->not_full), WEFT_OK);
    }
    return NULL;
}

static void *q_consumer(void *arg)
{
    queue2 *q = arg;
    for (int i = 0; i < Q_ITEMS; i++) { /* as many consumers as producers */
        cr_assert_eq(weft_condition_acquire(q->not_empty, -1), WEFT_OK);
        while (q->len == 0)
            q_wait(q, q->not_empty, i);
        q->sum += q->item[q->head];
        q->head = (q->head + 1) % BUF;
        q->len--;
        q->taken++;
        cr_assert_eq(weft_condition_notify(q->not_full, 1), WEFT_OK);
        cr_assert_eq(weft_condition_release(q->not_empty), WEFT_OK);
    }
    return NULL;
}

static void run_queue2(queue2 *q)
{
    sync_threads t = { 0 };
    for (int i = 0; i < 3; i++) {
        sync_start(&t, q_producer, q);
        sync_start(&t, q_consumer, q);
    }
    sync_join(&t);
    cr_assert_eq(q->taken, 3L * Q_ITEMS);
    cr_assert_eq(q->sum, 3L * Q_ITEMS * (Q_ITEMS + 1) / 2);
    WEFT_ASSERT_OK(weft_condition_free(q->not_full));
    WEFT_ASSERT_OK(weft_condition_free(q->not_empty));
}

Test(stress, condition_pair_notify_one)
{
    queue2 q = { 0 };
    weft_lock *lock;
    WEFT_ASSERT_OK(weft_lock_new(&lock));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&q.not_full, lock));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&q.not_empty, lock));
    WEFT_ASSERT_OK(weft_lock_free(lock));
    run_queue2(&q);
}

/* Over a re-entrant lock a notified sleeper is moved onto the lock's word
 * rather than woken; the same storm checks that none is lost that way,
 * also when timed waits give up while they are being moved. */
static void run_queue2_rlock(bool timed)
{
    queue2 q = { 0 };
    q.timed = timed;
    weft_rlock *rlock;
    WEFT_ASSERT_OK(weft_rlock_new(&rlock));
    WEFT_ASSERT_OK(weft_condition_new_with_rlock(&q.not_full, rlock));
    WEFT_ASSERT_OK(weft_condition_new_with_rlock(&q.not_empty, rlock));
    run_queue2(&q);
    /* Every borrowed sleeper count was given back: the lock is free and a
     * try-once acquire by this thread succeeds. */
    WEFT_ASSERT_OK(weft_rlock_acquire(rlock, 0));
    WEFT_ASSERT_OK(weft_rlock_release(rlock));
    WEFT_ASSERT_OK(weft_rlock_free(rlock));
}

Test(stress, condition_pair_notify_one_rlock)
{
    run_queue2_rlock(false);
}

Test(stress, condition_pair_notify_one_rlock_timed)
{
    run_queue2_rlock(true);
}

/* notify(1) is safe when every waiter waits for the same thing: one
 * producer hands out tokens one at a time to many consumers on a condition
 * over a plain Lock. A lost wake-up leaves a consumer asleep with a token
 * available, and the test's long timeout fails. */
typedef struct tokens {
    weft_lock *lock;
    weft_condition *c;
    long available, total, consumed;
    bool done;
} tokens;

static void *token_consumer(void *arg)
{
    tokens *k = arg;
    cr_assert_eq(weft_lock_acquire(k->lock, -1), WEFT_OK);
    for (;;) {
        while (k->available == 0 && !k->done)
            cr_assert_eq(weft_condition_wait(k->c, LONG_WAIT), WEFT_OK, "a wake-up was lost");
        if (k->available == 0)
            break;
        k->available--;
        k->consumed++;
    }
    cr_assert_eq(weft_lock_release(k->lock), WEFT_OK);
    return NULL;
}

Test(stress, condition_notify_one_per_token)
{
    tokens k = { 0 };
    k.total = 30000;
    WEFT_ASSERT_OK(weft_lock_new(&k.lock));
    WEFT_ASSERT_OK(weft_condition_new_with_lock(&k.c, k.lock));
    sync_threads t = { 0 };
    for (int i = 0; i < 4; i++)
        sync_start(&t, token_consumer, &k);
    for (long i = 0; i < k.total; i++) {
        WEFT_ASSERT_OK(weft_lock_acquire(k.lock, -1));
        k.available++;
        WEFT_ASSERT_OK(weft_condition_notify(k.c, 1));
        WEFT_ASSERT_OK(weft_lock_release(k.lock));
    }
    WEFT_ASSERT_OK(weft_lock_acquire(k.lock, -1));
    k.done = true;
    WEFT_ASSERT_OK(weft_condition_notify_all(k.c));
    WEFT_ASSERT_OK(weft_lock_release(k.lock));
    sync_join(&t);
    cr_assert_eq(k.consumed, k.total);
    WEFT_ASSERT_OK(weft_condition_free(k.c));
    WEFT_ASSERT_OK(weft_lock_free(k.lock));
}

/* ---- Semaphore: permits are conserved under contention --------------------- */

typedef struct permits {
    weft_semaphore *s;
    atomic_long acquired;
    int rounds;
} permits;

static void *semaphore_churn(void *arg)
{
    permits *p = arg;
    for (int i = 0; i < p->rounds; i++) {
        weft_status st = weft_semaphore_acquire(p->s, i % 4 == 0 ? 0.0001 : LONG_WAIT);
        if (st == WEFT_TIMEOUT)
            continue;
        cr_assert_eq(st, WEFT_OK);
        atomic_fetch_add(&p->acquired, 1);
        cr_assert_eq(weft_semaphore_release(p->s, 1), WEFT_OK);
    }
    return NULL;
}

Test(stress, semaphore_permits_conserved)
{
    permits p = { NULL, 0, 20000 };
    WEFT_ASSERT_OK(weft_semaphore_new_bounded(&p.s, 2));
    sync_threads t = { 0 };
    for (int i = 0; i < 5; i++)
        sync_start(&t, semaphore_churn, &p);
    sync_join(&t);
    /* Both permits are back, and no more. */
    WEFT_ASSERT_OK(weft_semaphore_acquire(p.s, 0));
    WEFT_ASSERT_OK(weft_semaphore_acquire(p.s, 0));
    WEFT_ASSERT_STATUS(weft_semaphore_acquire(p.s, 0), WEFT_TIMEOUT);
    WEFT_ASSERT_OK(weft_semaphore_release(p.s, 2));
    WEFT_ASSERT_STATUS(weft_semaphore_release(p.s, 1), WEFT_EINVAL);
    cr_assert_gt(atomic_load(&p.acquired), 0);
    WEFT_ASSERT_OK(weft_semaphore_free(p.s));
}

/* ---- Event: ping-pong through two events ----------------------------------- */

typedef struct pingpong {
    weft_event *ping, *pong;
    int rounds;
} pingpong;

static void *ponger(void *arg)
{
    pingpong *p = arg;
    for (int i = 0; i < p->rounds; i++) {
        cr_assert_eq(weft_event_wait(p->ping, LONG_WAIT), WEFT_OK);
        cr_assert_eq(weft_event_clear(p->ping), WEFT_OK);
        cr_assert_eq(weft_event_set(p->pong), WEFT_OK);
    }
    return NULL;
}

Test(stress, event_ping_pong)
{
    pingpong p = { NULL, NULL, 20000 };
    WEFT_ASSERT_OK(weft_event_new(&p.ping));
    WEFT_ASSERT_OK(weft_event_new(&p.pong));
    sync_threads t = { 0 };
    sync_start(&t, ponger, &p);
    for (int i = 0; i < p.rounds; i++) {
        WEFT_ASSERT_OK(weft_event_set(p.ping));
        WEFT_ASSERT_OK(weft_event_wait(p.pong, LONG_WAIT));
        WEFT_ASSERT_OK(weft_event_clear(p.pong));
    }
    sync_join(&t);
    WEFT_ASSERT_OK(weft_event_free(p.ping));
    WEFT_ASSERT_OK(weft_event_free(p.pong));
}

/* ---- Barrier: many rounds, indices unique, the action once per round ------- */

#define B_THREADS 4
#define B_ROUNDS 3000

typedef struct rounds {
    weft_barrier *b;
    atomic_int passed;       /* bumped by the action, once per round */
    atomic_int index_seen[B_ROUNDS];
} rounds;

static void round_action(void *arg, weft_outcome *o)
{
    (void)o;
    atomic_fetch_add(&((rounds *)arg)->passed, 1);
}

static void *barrier_rounds(void *arg)
{
    rounds *r = arg;
    for (int i = 0; i < B_ROUNDS; i++) {
        size_t idx = 99;
        cr_assert_eq(weft_barrier_wait(r->b, LONG_WAIT, &idx), WEFT_OK);
        cr_assert_lt(idx, B_THREADS);
        /* Every thread of round i sees the action of round i done, and the
         * next round cannot start before all of round i have left. */
        cr_assert_eq(atomic_load(&r->passed), i + 1);
        int bit = 1 << idx;
        cr_assert_eq(atomic_fetch_or(&r->index_seen[i], bit) & bit, 0, "index %zu given twice", idx);
    }
    return NULL;
}

Test(stress, barrier_reuse_many_rounds)
{
    static rounds r; /* large: keep it off the stack */
    memset(&r, 0, sizeof r);
    WEFT_ASSERT_OK(weft_barrier_new(&r.b, B_THREADS, round_action, &r, NULL, -1));
    sync_threads t = { 0 };
    for (int i = 0; i < B_THREADS; i++)
        sync_start(&t, barrier_rounds, &r);
    sync_join(&t);
    cr_assert_eq(atomic_load(&r.passed), B_ROUNDS);
    for (int i = 0; i < B_ROUNDS; i++)
        cr_assert_eq(atomic_load(&r.index_seen[i]), (1 << B_THREADS) - 1);
    WEFT_ASSERT_OK(weft_barrier_free(r.b));
}

/* ---- Barrier: abort and reset racing the waiters ---------------------------- */

typedef struct chaos {
    weft_barrier *b;
    atomic_bool stop;
    atomic_long ok, broken;
    atomic_int finished;
} chaos;

static void *chaos_waiter(void *arg)
{
    chaos *c = arg;
    while (!atomic_load(&c->stop)) {
        weft_status st = weft_barrier_wait(c->b, LONG_WAIT, NULL);
        cr_assert(st == WEFT_OK || st == WEFT_BROKEN, "%s", weft_status_name(st));
        atomic_fetch_add(st == WEFT_OK ? &c->ok : &c->broken, 1);
        if (st == WEFT_BROKEN) {
            int broken = 0;
            cr_assert_eq(weft_barrier_broken(c->b, &broken), WEFT_OK);
            if (broken)
                cr_assert_eq(weft_barrier_reset(c->b), WEFT_OK);
        }
    }
    atomic_fetch_add(&c->finished, 1);
    return NULL;
}

Test(stress, barrier_abort_and_reset_race_waiters)
{
    chaos c = { 0 };
    WEFT_ASSERT_OK(weft_barrier_new(&c.b, 3, NULL, NULL, NULL, -1));
    sync_threads t = { 0 };
    for (int i = 0; i < 3; i++)
        sync_start(&t, chaos_waiter, &c);
    for (int i = 0; i < 400; i++) {
        if (i % 2)
            WEFT_ASSERT_OK(weft_barrier_abort(c.b));
        else
            WEFT_ASSERT_OK(weft_barrier_reset(c.b));
        sync_nap(0.0005);
        size_t n;
        WEFT_ASSERT_OK(weft_barrier_n_waiting(c.b, &n));
        cr_assert_leq(n, 3);
    }
    /* Let every waiter out: stop, then break the barrier until all left.
     * A waiter may reset it after seeing it broken, so keep aborting. */
    atomic_store(&c.stop, true);
    while (atomic_load(&c.finished) < t.n) {
        WEFT_ASSERT_OK(weft_barrier_abort(c.b));
        sync_nap(0.001);
    }
    sync_join(&t);
    cr_assert_gt(atomic_load(&c.broken), 0);
    WEFT_ASSERT_OK(weft_barrier_free(c.b));
}

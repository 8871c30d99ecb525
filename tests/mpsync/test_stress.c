/* Several processes of several threads take one Lock (and one RLock) in a
 * loop while the test kills processes at random moments: every death must
 * be reported to a later acquirer, nobody may hang, and the protected data,
 * repaired after each reported death, must end consistent. */
#include "mp_test.h"

#include <stdlib.h>

enum { WORKERS = 4, THREADS = 3, KILLS = 25, SLOTS = 64 };

typedef struct {
    atomic_int stop;
    int inside;                 /* 1 while someone is in the critical section */
    long counter;
    long done[SLOTS];           /* completed increments, by worker slot */
    atomic_long deaths_seen;
} shared_data;

typedef struct {
    weft_mp_lock *lock;
    weft_mp_rlock *rlock;
    shared_data *d;
    int slot;
} worker_arg;

static int repair(shared_data *d)
{
    /* The dead holder may have been anywhere in the critical section. */
    d->inside = 0;
    atomic_fetch_add(&d->deaths_seen, 1);
    return 0;
}

static void *worker_thread(void *p)
{
    worker_arg *a = p;
    shared_data *d = a->d;
    unsigned seed = (unsigned)getpid() ^ (unsigned)(uintptr_t)&seed;
    while (!atomic_load(&d->stop)) {
        bool use_rlock = rand_r(&seed) % 4 == 0;
        weft_status st = use_rlock ? weft_mp_rlock_acquire(a->rlock, -1) : weft_mp_lock_acquire(a->lock, -1);
        if (st == WEFT_OWNER_DIED) {
            repair(d);
            if (use_rlock)
                MP_CHILD_CHECK(weft_mp_rlock_consistent(a->rlock) == WEFT_OK);
            else
                MP_CHILD_CHECK(weft_mp_lock_consistent(a->lock) == WEFT_OK);
        } else {
            MP_CHILD_CHECK(st == WEFT_OK);
        }
        if (use_rlock) {
            /* The RLock guards its own half: nested once more. */
            MP_CHILD_CHECK(weft_mp_rlock_acquire(a->rlock, -1) == WEFT_OK);
            MP_CHILD_CHECK(weft_mp_rlock_release(a->rlock) == WEFT_OK);
            MP_CHILD_CHECK(weft_mp_rlock_release(a->rlock) == WEFT_OK);
            continue;
        }
        MP_CHILD_CHECK(d->inside == 0);
        d->inside = 1;
        d->counter++;
        if (rand_r(&seed) % 16 == 0)
            sched_yield();
        d->done[a->slot]++;
        d->inside = 0;
        MP_CHILD_CHECK(weft_mp_lock_release(a->lock) == WEFT_OK);
    }
    return NULL;
}

static int worker(void *p)
{
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        MP_CHILD_CHECK(pthread_create(&th[i], NULL, worker_thread, p) == 0);
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    return 0;
}

Test(mp_stress, random_kills)
{
    shared_data *d = mp_shared(sizeof *d);
    weft_mp_lock *lock;
    weft_mp_rlock *rlock;
    WEFT_ASSERT_OK(weft_mp_lock_new(&lock));
    WEFT_ASSERT_OK(weft_mp_rlock_new(&rlock));
    worker_arg args[SLOTS];
    pid_t pids[WORKERS];
    int next_slot = 0;
    for (int i = 0; i < WORKERS; i++) {
        args[next_slot] = (worker_arg){ lock, rlock, d, next_slot };
        pids[i] = mp_fork(worker, &args[next_slot++]);
    }
    unsigned seed = 12345;
    for (int k = 0; k < KILLS; k++) {
        mp_nap((rand_r(&seed) % 20 + 1) / 1000.0);
        int victim = rand_r(&seed) % WORKERS;
        mp_kill(pids[victim]);
        cr_assert_lt(next_slot, SLOTS);
        args[next_slot] = (worker_arg){ lock, rlock, d, next_slot };
        pids[victim] = mp_fork(worker, &args[next_slot++]);
    }
    atomic_store(&d->stop, 1);
    for (int i = 0; i < WORKERS; i++)
        mp_join_ok(pids[i]);

    /* The last kill may have left either lock inconsistent. */
    weft_status st = weft_mp_lock_acquire(lock, -1);
    cr_assert(st == WEFT_OK || st == WEFT_OWNER_DIED, "%s", weft_status_name(st));
    if (st == WEFT_OWNER_DIED) {
        repair(d);
        WEFT_ASSERT_OK(weft_mp_lock_consistent(lock));
    }
    cr_assert_eq(d->inside, 0);
    long done = 0;
    for (int i = 0; i < next_slot; i++)
        done += d->done[i];
    /* Each kill can lose at most the one increment in flight. */
    cr_assert_geq(d->counter, done);
    cr_assert_leq(d->counter - done, KILLS);
    WEFT_ASSERT_OK(weft_mp_lock_release(lock));
    WEFT_ASSERT_OK(weft_mp_lock_acquire(lock, 0));
    WEFT_ASSERT_OK(weft_mp_lock_release(lock));

    st = weft_mp_rlock_acquire(rlock, -1);
    cr_assert(st == WEFT_OK || st == WEFT_OWNER_DIED, "%s", weft_status_name(st));
    if (st == WEFT_OWNER_DIED)
        WEFT_ASSERT_OK(weft_mp_rlock_consistent(rlock));
    WEFT_ASSERT_OK(weft_mp_rlock_release(rlock));
    WEFT_ASSERT_OK(weft_mp_rlock_acquire(rlock, 0));
    WEFT_ASSERT_OK(weft_mp_rlock_release(rlock));
    cr_log_info("increments %ld, deaths reported %ld", d->counter, atomic_load(&d->deaths_seen));
    WEFT_ASSERT_OK(weft_mp_lock_free(lock));
    WEFT_ASSERT_OK(weft_mp_rlock_free(rlock));
}

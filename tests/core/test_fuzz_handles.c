/* A seeded misuse fuzzer: several threads run random sequences of calls on
 * a shared table of handles of many types, including calls through stale
 * handles, handles of the wrong type, double frees, and frees racing with
 * use (users take a reference first, as bindings do). Every call must
 * return a status its contract allows; nothing may crash, leak or race
 * (the suites also run under ASan and TSan).
 *
 * WEFT_FUZZ_SEED sets the seed (printed on failure), WEFT_FUZZ_SECONDS the
 * time each run takes (default 2). */
#include "weft_test.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

enum { KIND_LOCK, KIND_RLOCK, KIND_EVENT, KIND_SEM, KIND_QUEUE, KIND_COND, KIND_FUTURE, KIND_BARRIER, KINDS };

#define SLOTS 24
#define THREADS 4
#define STALE 64

/* A slot's handle and kind change together under its mutex; users copy
 * both out and then take their reference outside it, so the reference
 * races with the free of a replaced handle. */
typedef struct {
    pthread_mutex_t mu;
    void *h;
    int kind;
} slot;

static slot table[SLOTS];

static void *slot_read(slot *s, int *kind)
{
    pthread_mutex_lock(&s->mu);
    void *h = s->h;
    *kind = s->kind;
    pthread_mutex_unlock(&s->mu);
    return h;
}
static atomic_bool failed;
static char failure[256];

static uint64_t next_rand(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ULL;
}

#define EXPECT(cond, ...)                                                       \
    do {                                                                        \
        if (!(cond) && !atomic_exchange(&failed, true))                         \
            snprintf(failure, sizeof failure, __VA_ARGS__);                     \
    } while (0)

static void *make(int kind)
{
    void *h = NULL;
    weft_status st = WEFT_OK;
    switch (kind) {
    case KIND_LOCK: st = weft_lock_new((weft_lock **)&h); break;
    case KIND_RLOCK: st = weft_rlock_new((weft_rlock **)&h); break;
    case KIND_EVENT: st = weft_event_new((weft_event **)&h); break;
    case KIND_SEM: st = weft_semaphore_new_bounded((weft_semaphore **)&h, 2); break;
    case KIND_QUEUE: st = weft_queue_new((weft_queue **)&h, 4, free); break;
    case KIND_COND: st = weft_condition_new((weft_condition **)&h); break;
    case KIND_FUTURE: st = weft_future_new((weft_future **)&h); break;
    case KIND_BARRIER: st = weft_barrier_new((weft_barrier **)&h, 2, NULL, NULL, NULL, 0); break;
    }
    EXPECT(st == WEFT_OK, "make(%d): %s", kind, weft_errmsg());
    return h;
}

static weft_status destroy(int kind, void *h)
{
    switch (kind) {
    case KIND_LOCK: return weft_lock_free(h);
    case KIND_RLOCK: return weft_rlock_free(h);
    case KIND_EVENT: return weft_event_free(h);
    case KIND_SEM: return weft_semaphore_free(h);
    case KIND_QUEUE: return weft_queue_free(h);
    case KIND_COND: return weft_condition_free(h);
    case KIND_FUTURE: return weft_future_free(h);
    default: return weft_barrier_free(h);
    }
}

/* One call of the type's own API that never blocks; returns its status. */
static weft_status poke(int kind, void *h, uint64_t r)
{
    int flag;
    size_t n;
    void *item;
    switch (kind) {
    case KIND_LOCK:
        if (weft_lock_acquire(h, 0) == WEFT_OK)
            return weft_lock_release(h);
        return weft_lock_locked(h, &flag);
    case KIND_RLOCK: {
        weft_status st = weft_rlock_acquire(h, 0);
        if (st == WEFT_OK)
            return weft_rlock_release(h);
        if (st == WEFT_EINVAL)
            return st;
        st = weft_rlock_release(h); /* held by another thread: not ours to release */
        return st == WEFT_NOT_OWNER ? WEFT_OK : st;
    }
    case KIND_EVENT:
        return (r & 1) ? weft_event_set(h) : (r & 2) ? weft_event_clear(h) : weft_event_is_set(h, &flag);
    case KIND_SEM: {
        /* Balanced, so the bounded semaphore never sees an over-release. */
        weft_status st = weft_semaphore_acquire(h, 0);
        if (st == WEFT_OK)
            return weft_semaphore_release(h, 1);
        return st == WEFT_TIMEOUT ? WEFT_OK : st;
    }
    case KIND_QUEUE:
        if (r & 1) {
            int *x = malloc(sizeof *x);
            weft_status st = weft_queue_put_nowait(h, x);
            if (st != WEFT_OK)
                free(x);
            return st == WEFT_FULL ? WEFT_OK : st;
        }
        if (weft_queue_get_nowait(h, &item) == WEFT_OK)
            free(item);
        return weft_queue_qsize(h, &n);
    case KIND_COND: {
        weft_status st = weft_condition_acquire(h, 0);
        if (st != WEFT_OK)
            return st == WEFT_TIMEOUT ? WEFT_OK : st;
    }
        (void)weft_condition_notify_all(h);
        return weft_condition_release(h);
    case KIND_FUTURE:
        if (r & 1) {
            weft_status st = weft_future_set_result(h, NULL, NULL);
            return st == WEFT_INVALID_STATE ? WEFT_OK : st;
        }
        if (r & 2)
            return weft_future_cancel(h, &flag);
        return weft_future_done(h, &flag);
    default:
        if (r & 1)
            return weft_barrier_n_waiting(h, &n);
        return (r & 2) ? weft_barrier_reset(h) : weft_barrier_broken(h, &flag);
    }
}

typedef struct {
    uint64_t seed;
    double until;
    void *stale[STALE];
    int stale_kind[STALE];
    unsigned n_stale;
    long calls;
} worker;

static void remember_stale(worker *w, int kind, void *h)
{
    unsigned i = w->n_stale++ % STALE;
    w->stale[i] = h;
    w->stale_kind[i] = kind;
}

static void *run(void *arg)
{
    worker *w = arg;
    while (!atomic_load(&failed) && weft_test_now() < w->until) {
        uint64_t r = next_rand(&w->seed);
        slot *s = &table[r % SLOTS];
        unsigned op = (unsigned)(r >> 8) % 100;
        w->calls++;
        if (op < 15) {
            /* Replace the slot's object; the old one is ours to free, while
             * other threads may be using it through their references. */
            int kind = (int)((r >> 16) % KINDS);
            void *h = make(kind);
            if (h == NULL)
                continue;
            pthread_mutex_lock(&s->mu);
            void *old = s->h;
            int old_kind = s->kind;
            s->h = h;
            s->kind = kind;
            pthread_mutex_unlock(&s->mu);
            if (old != NULL) {
                EXPECT(destroy(old_kind, old) == WEFT_OK, "free: %s", weft_errmsg());
                remember_stale(w, old_kind, old);
            }
        } else if (op < 80) {
            /* Use through a reference of our own. */
            int kind;
            void *h = slot_read(s, &kind);
            if (h == NULL || weft_handle_ref(h) != WEFT_OK)
                continue;
            weft_status st = poke(kind, h, r >> 24);
            EXPECT(st == WEFT_OK, "poke(%d): %s %s", kind, weft_status_name(st), weft_errmsg());
            EXPECT(weft_handle_unref(h) == WEFT_OK, "unref: %s", weft_errmsg());
        } else if (op < 90 && w->n_stale > 0) {
            /* A handle this thread freed. Another thread's reference may
             * still keep it alive; once it is gone, it is gone for good, and
             * every call must say so. */
            unsigned i = (unsigned)(r >> 24) % (w->n_stale < STALE ? w->n_stale : STALE);
            void *h = w->stale[i];
            int kind = w->stale_kind[i];
            if (weft_handle_ref(h) == WEFT_OK) {
                EXPECT(weft_handle_unref(h) == WEFT_OK, "unref: %s", weft_errmsg());
                continue;
            }
            EXPECT(poke(kind, h, r >> 32) == WEFT_EINVAL, "stale poke(%d) accepted", kind);
            EXPECT(weft_handle_ref(h) == WEFT_EINVAL, "stale ref accepted");
            EXPECT(destroy(kind, h) == WEFT_EINVAL, "double free accepted");
        } else if (op < 95) {
            /* Wrong type on purpose: the slot's handle through another type's
             * call, under a reference. */
            int kind;
            void *h = slot_read(s, &kind);
            if (h == NULL || weft_handle_ref(h) != WEFT_OK)
                continue;
            int other = (kind + 1 + (int)((r >> 24) % (KINDS - 1))) % KINDS;
            weft_status st = poke(other, h, r >> 32);
            EXPECT(st == WEFT_EINVAL, "wrong-type poke(%d on %d): %s", other, kind, weft_status_name(st));
            EXPECT(weft_handle_unref(h) == WEFT_OK, "unref: %s", weft_errmsg());
        } else {
            EXPECT(poke((int)(r % KINDS), NULL, r >> 8) == WEFT_EINVAL, "NULL accepted");
            EXPECT(weft_handle_unref(NULL) == WEFT_OK, "unref(NULL)");
        }
    }
    return NULL;
}

Test(fuzz, random_misuse_from_several_threads, .timeout = 120)
{
    const char *seed_env = getenv("WEFT_FUZZ_SEED");
    const char *secs_env = getenv("WEFT_FUZZ_SECONDS");
    uint64_t seed = seed_env != NULL ? strtoull(seed_env, NULL, 0) : 0x5eed1234ULL;
    double secs = secs_env != NULL ? atof(secs_env) : 2.0;
    for (int i = 0; i < SLOTS; i++)
        pthread_mutex_init(&table[i].mu, NULL);
    worker ws[THREADS];
    pthread_t th[THREADS];
    double until = weft_test_now() + secs;
    for (int i = 0; i < THREADS; i++) {
        ws[i] = (worker){ .seed = seed * 7919 + (uint64_t)i * 104729 + 1, .until = until };
        cr_assert_eq(pthread_create(&th[i], NULL, run, &ws[i]), 0);
    }
    long calls = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        calls += ws[i].calls;
    }
    for (int i = 0; i < SLOTS; i++)
        if (table[i].h != NULL)
            EXPECT(destroy(table[i].kind, table[i].h) == WEFT_OK, "final free: %s", weft_errmsg());
    cr_assert(!atomic_load(&failed), "seed 0x%llx: %s", (unsigned long long)seed, failure);
    cr_assert(calls > 1000, "only %ld calls in %g s", calls, secs);
}

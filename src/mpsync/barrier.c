/* multiprocessing.Barrier: threading.Barrier's states (filling, draining,
 * resetting, broken) in shared memory, under a lock word of lock.c, with
 * waiters parked on a sequence word that every change bumps.
 *
 * Each waiting party's process is written into a slot, and a party about to
 * sleep watches the processes of all the others: one that dies breaks the
 * barrier (its watch sets WEFT__MP_BAR_DIED in the sequence word and wakes
 * everyone), so nobody waits for a party that can no longer come. Each
 * arrival bumps the sequence, so sleepers wake and watch the newcomer too.
 * A party that dies holding the barrier's lock is found by the next one to
 * take it (WEFT_OWNER_DIED), which breaks the barrier likewise. */
#include "mpsync/internal.h"

#include <stdlib.h>

#define WEFT__MP_BAR_DIED (1u << 31)

enum { WEFT__MP_FILLING = 0, WEFT__MP_DRAINING = 1, WEFT__MP_RESETTING = -1, WEFT__MP_BROKEN = -2 };

typedef struct weft__mp_bar_shared {
    weft__mp_hdr h;
    weft__mp_lockstate ls;
    atomic_uint seq;           /* bumped on every change; bit 31: a party died */
    _Atomic int32_t state;
    _Atomic uint32_t count;
    uint32_t parties;
    double default_timeout;
    _Atomic uint64_t slots[];  /* the waiting parties' processes, 0 for none */
} weft__mp_bar_shared;

struct weft_mp_barrier {
    weft__mp_obj base;
    weft__mp_bar_shared *s;
    weft__callable action;     /* this process's action; run by its last arriver */
};

static void weft__mp_barrier_destroy(void *obj)
{
    weft_mp_barrier *b = obj;
    weft__callable_release(&b->action);
    weft__mp_obj_destroy(b);
}

static const weft__type weft__mp_barrier_type = { "multiprocessing barrier", weft__mp_barrier_destroy };

static size_t weft__mp_bar_size(size_t parties)
{
    return sizeof(weft__mp_bar_shared) + parties * sizeof(uint64_t);
}

weft_status weft_mp_barrier_size(size_t parties, size_t *out)
{
    WEFT__OUT(out);
    if (parties == 0 || parties > WEFT_MP_BARRIER_PARTIES_MAX)
        return weft__fail(WEFT_EINVAL, "%s: parties must be 1 to %u", __func__, WEFT_MP_BARRIER_PARTIES_MAX);
    *out = weft__mp_bar_size(parties);
    return WEFT_OK;
}

static weft_status weft__mp_bar_make(weft_mp_barrier **out, int mode, void *mem, size_t size, size_t parties,
                                     weft_fn action, void *arg, weft_free_fn free_arg, double default_timeout,
                                     const char *fn)
{
    WEFT__OUT_CLEAR(out);
    if (mode != WEFT__MP_MAKE_ATTACH) {
        if (parties == 0 || parties > WEFT_MP_BARRIER_PARTIES_MAX)
            return weft__fail(WEFT_EINVAL, "%s: parties must be 1 to %u", fn, WEFT_MP_BARRIER_PARTIES_MAX);
        if (default_timeout >= 0 || default_timeout != default_timeout) {
            weft__deadline d;
            weft_status st = weft__deadline_init(&d, default_timeout, fn);
            if (st != WEFT_OK)
                return st;
        }
    }
    weft_status st;
    weft_mp_barrier *b = weft__mp_obj_make(&weft__mp_barrier_type, sizeof *b, mode, mem, size,
                                           weft__mp_bar_size(parties), WEFT__MP_BARRIER, fn, &st);
    if (b == NULL)
        return st;
    weft__mp_bar_shared *s = b->base.place.state;
    if (mode == WEFT__MP_MAKE_ATTACH && (s->parties == 0 || s->parties > WEFT_MP_BARRIER_PARTIES_MAX ||
                                         weft__mp_bar_size(s->parties) > size)) {
        weft__mp_obj_destroy(b);
        weft__obj_discard(b);
        return weft__fail(WEFT_EINVAL, "%s: the barrier's state does not fit in %zu bytes", fn, size);
    }
    b->s = s;
    b->action = (weft__callable){ action, arg, free_arg };
    if (mode != WEFT__MP_MAKE_ATTACH) {
        weft__mp_lockstate_init(&s->ls);
        atomic_init(&s->ls.link, (int64_t)((char *)&s->seq - (char *)&s->ls));
        atomic_init(&s->seq, 0);
        atomic_init(&s->state, WEFT__MP_FILLING);
        atomic_init(&s->count, 0);
        s->parties = (uint32_t)parties;
        s->default_timeout = default_timeout < 0 ? -1 : default_timeout;
        for (size_t i = 0; i < parties; i++)
            atomic_init(&s->slots[i], 0);
        weft__mp_publish(&s->h);
    }
    *out = weft__handle(b);
    return WEFT_OK;
}

weft_status weft_mp_barrier_new(weft_mp_barrier **out, size_t parties, weft_fn action, void *arg,
                                weft_free_fn free_arg, double default_timeout)
{
    return weft__mp_bar_make(out, WEFT__MP_MAKE_NEW, NULL, 0, parties, action, arg, free_arg, default_timeout,
                             __func__);
}

weft_status weft_mp_barrier_new_at(weft_mp_barrier **out, void *mem, size_t size, size_t parties, weft_fn action,
                                   void *arg, weft_free_fn free_arg, double default_timeout)
{
    return weft__mp_bar_make(out, WEFT__MP_MAKE_AT, mem, size, parties, action, arg, free_arg, default_timeout,
                             __func__);
}

weft_status weft_mp_barrier_attach(weft_mp_barrier **out, void *mem, size_t size)
{
    return weft__mp_bar_make(out, WEFT__MP_MAKE_ATTACH, mem, size, 0, NULL, NULL, NULL, -1, __func__);
}

weft_status weft_mp_barrier_free(weft_mp_barrier *barrier)
{
    WEFT__FREE(barrier, weft__mp_barrier_type);
}

/* ---- under the barrier's lock ------------------------------------------------- */

static void weft__mp_bar_bump(weft__mp_bar_shared *s)
{
    unsigned v = atomic_load_explicit(&s->seq, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&s->seq, &v, (v & WEFT__MP_BAR_DIED) | ((v + 1) & ~WEFT__MP_BAR_DIED),
                                                  memory_order_seq_cst, memory_order_relaxed))
        ;
    weft__unpark_shared(&s->seq, INT32_MAX);
}

/* Takes the slots of dead parties back; true if there were any. */
static bool weft__mp_bar_reap(weft__mp_bar_shared *s)
{
    bool any = false;
    atomic_fetch_and_explicit(&s->seq, ~WEFT__MP_BAR_DIED, memory_order_relaxed);
    for (uint32_t i = 0; i < s->parties; i++) {
        uint64_t who = atomic_load_explicit(&s->slots[i], memory_order_relaxed);
        if (who != 0 && who != weft__mp_me() && !weft__mp_alive(who)) {
            atomic_store_explicit(&s->slots[i], 0, memory_order_relaxed);
            atomic_fetch_sub_explicit(&s->count, 1, memory_order_relaxed);
            any = true;
        }
    }
    return any;
}

static void weft__mp_bar_break(weft__mp_bar_shared *s)
{
    atomic_store_explicit(&s->state, WEFT__MP_BROKEN, memory_order_relaxed);
    weft__mp_bar_bump(s);
}

static void weft__mp_bar_lock(weft__mp_bar_shared *s, const char *fn)
{
    if (weft__mp_lock_wait(&s->ls, NULL, -1, fn) == WEFT_OWNER_DIED) {
        /* A party died inside the barrier: what it was doing is lost. */
        (void)weft__mp_bar_reap(s);
        weft__mp_bar_break(s);
        weft__mp_lock_set_consistent(&s->ls);
    }
}

static void weft__mp_bar_unlock(weft__mp_bar_shared *s)
{
    (void)weft__mp_lock_release(&s->ls);
}

/* Releases the lock, sleeps until the sequence moves or `d` passes (NULL:
 * forever), and takes the lock again. With `watch`, first watches the
 * processes of the other waiting parties. Returns ETIMEDOUT or 0. */
static int weft__mp_bar_sleep(weft__mp_bar_shared *s, const weft__deadline *d, bool watch, const char *fn)
{
    weft__mp_watch *w = NULL;
    uint32_t nw = 0;
    bool dead = false;
    if (watch) {
        w = calloc(s->parties, sizeof *w);
        for (uint32_t i = 0; w != NULL && i < s->parties && !dead; i++) {
            uint64_t who = atomic_load_explicit(&s->slots[i], memory_order_relaxed);
            if (who == 0 || who == weft__mp_me())
                continue;
            if (weft__mp_watch_begin(&w[nw], who, WEFT__MP_WATCH_FLAG, &s->seq, WEFT__MP_BAR_DIED))
                nw++;
            else
                dead = true;
        }
    }
    if (dead) {
        for (uint32_t i = 0; i < nw; i++)
            weft__mp_watch_end(&w[i]);
        free(w);
        (void)weft__mp_bar_reap(s);
        weft__mp_bar_break(s);
        return 0;
    }
    unsigned seq = atomic_load_explicit(&s->seq, memory_order_acquire);
    weft__mp_bar_unlock(s);
    int rc;
    if (watch && w == NULL) /* no memory for the watches: look for ourselves now and then */
        rc = weft__park_slice(weft__park_shared, &s->seq, seq, d, 10000000);
    else
        rc = weft__park_shared(&s->seq, seq, d);
    for (uint32_t i = 0; i < nw; i++)
        weft__mp_watch_end(&w[i]);
    free(w);
    weft__mp_bar_lock(s, fn);
    if ((atomic_load_explicit(&s->seq, memory_order_relaxed) & WEFT__MP_BAR_DIED) || (watch && w == NULL)) {
        if (weft__mp_bar_reap(s))
            weft__mp_bar_break(s);
    }
    return rc;
}

weft_status weft_mp_barrier_wait(weft_mp_barrier *barrier, double timeout, size_t *index)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    weft__mp_bar_shared *s = barrier->s;
    if (timeout < 0)
        timeout = s->default_timeout;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    weft__mp_bar_lock(s, __func__);
    /* Python's _enter: wait for the previous round to drain or a reset to end. */
    int32_t state;
    while ((state = atomic_load_explicit(&s->state, memory_order_relaxed)) == WEFT__MP_DRAINING ||
           state == WEFT__MP_RESETTING)
        (void)weft__mp_bar_sleep(s, NULL, true, __func__);
    if (state == WEFT__MP_BROKEN) {
        weft__mp_bar_unlock(s);
        return weft__fail(WEFT_BROKEN, "%s: the barrier is broken", __func__);
    }
    uint32_t i = atomic_fetch_add_explicit(&s->count, 1, memory_order_relaxed);
    uint32_t slot = 0;
    while (slot < s->parties && atomic_load_explicit(&s->slots[slot], memory_order_relaxed) != 0)
        slot++;
    if (slot < s->parties)
        atomic_store_explicit(&s->slots[slot], weft__mp_me(), memory_order_relaxed);
    st = WEFT_OK;
    if (i + 1 == s->parties) {
        /* Python's _release: the last to arrive runs the action. */
        if (barrier->action.fn != NULL) {
            weft_outcome o;
            weft__outcome_run(&o, barrier->action.fn, barrier->action.arg);
            if (o.status != WEFT_OK) {
                st = weft__fail(o.status, "%s: the barrier's action failed%s%s", __func__,
                                o.message != NULL ? ": " : "", o.message != NULL ? o.message : "");
                weft__mp_bar_break(s);
            }
            weft__outcome_clear(&o);
        }
        if (st == WEFT_OK) {
            atomic_store_explicit(&s->state, WEFT__MP_DRAINING, memory_order_relaxed);
            weft__mp_bar_bump(s);
        }
    } else {
        /* Python's _wait: until the state leaves filling. Each arrival wakes
         * the sleepers, which then watch the newcomer as well. */
        weft__mp_bar_bump(s);
        bool timed_out = false;
        while (atomic_load_explicit(&s->state, memory_order_relaxed) == WEFT__MP_FILLING) {
            if (timed_out) {
                weft__mp_bar_break(s);
                break;
            }
            if (weft__mp_bar_sleep(s, &d, true, __func__) == ETIMEDOUT)
                timed_out = true;
        }
        if (atomic_load_explicit(&s->state, memory_order_relaxed) < 0)
            st = timed_out && weft__interrupted ? weft__fail_interrupted(__func__)
                                                : weft__fail(WEFT_BROKEN, "%s: the barrier is broken", __func__);
    }
    weft__interrupted = false;
    /* Python's _exit: the last one out opens the barrier for the next round. */
    if (slot < s->parties)
        atomic_store_explicit(&s->slots[slot], 0, memory_order_relaxed);
    if (atomic_fetch_sub_explicit(&s->count, 1, memory_order_relaxed) == 1) {
        state = atomic_load_explicit(&s->state, memory_order_relaxed);
        if (state == WEFT__MP_RESETTING || state == WEFT__MP_DRAINING) {
            atomic_store_explicit(&s->state, WEFT__MP_FILLING, memory_order_relaxed);
            weft__mp_bar_bump(s);
        }
    }
    weft__mp_bar_unlock(s);
    if (st == WEFT_OK && index != NULL)
        *index = i;
    return st;
}

weft_status weft_mp_barrier_reset(weft_mp_barrier *barrier)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    weft__mp_bar_shared *s = barrier->s;
    weft__mp_bar_lock(s, __func__);
    int32_t state = atomic_load_explicit(&s->state, memory_order_relaxed);
    if (atomic_load_explicit(&s->count, memory_order_relaxed) > 0) {
        if (state == WEFT__MP_FILLING || state == WEFT__MP_BROKEN)
            atomic_store_explicit(&s->state, WEFT__MP_RESETTING, memory_order_relaxed);
    } else {
        atomic_store_explicit(&s->state, WEFT__MP_FILLING, memory_order_relaxed);
    }
    weft__mp_bar_bump(s);
    weft__mp_bar_unlock(s);
    return WEFT_OK;
}

weft_status weft_mp_barrier_abort(weft_mp_barrier *barrier)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    weft__mp_bar_shared *s = barrier->s;
    weft__mp_bar_lock(s, __func__);
    weft__mp_bar_break(s);
    weft__mp_bar_unlock(s);
    return WEFT_OK;
}

weft_status weft_mp_barrier_parties(weft_mp_barrier *barrier, size_t *out)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    WEFT__OUT(out);
    *out = barrier->s->parties;
    return WEFT_OK;
}

weft_status weft_mp_barrier_n_waiting(weft_mp_barrier *barrier, size_t *out)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    WEFT__OUT(out);
    weft__mp_bar_shared *s = barrier->s;
    *out = atomic_load_explicit(&s->state, memory_order_relaxed) == WEFT__MP_FILLING
               ? atomic_load_explicit(&s->count, memory_order_relaxed)
               : 0;
    return WEFT_OK;
}

weft_status weft_mp_barrier_broken(weft_mp_barrier *barrier, int *out)
{
    WEFT__OPEN(barrier, weft__mp_barrier_type);
    WEFT__OUT(out);
    *out = atomic_load_explicit(&barrier->s->state, memory_order_relaxed) == WEFT__MP_BROKEN;
    return WEFT_OK;
}

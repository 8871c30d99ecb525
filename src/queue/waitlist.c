/* Wait lists: FIFO lists of waiters, each parked on its own futex word. */
#include "queue/queue_internal.h"

static void weft__wait_unlink(weft__waitlist *wl, weft__waiter *w)
{
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        wl->head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    else
        wl->tail = w->prev;
    atomic_fetch_sub_explicit(&wl->count, 1, memory_order_relaxed);
}

void weft__wait_enqueue(weft__waitlist *wl, weft__waiter *w)
{
    atomic_init(&w->signalled, 0);
    w->next = NULL;
    weft__qlock_acquire(&wl->lock);
    w->prev = wl->tail;
    if (wl->tail != NULL)
        wl->tail->next = w;
    else
        wl->head = w;
    wl->tail = w;
    atomic_fetch_add_explicit(&wl->count, 1, memory_order_seq_cst);
    weft__qlock_release(&wl->lock);
}

bool weft__wait_cancel(weft__waitlist *wl, weft__waiter *w)
{
    weft__qlock_acquire(&wl->lock);
    bool signalled = atomic_load_explicit(&w->signalled, memory_order_acquire) != 0;
    if (!signalled)
        weft__wait_unlink(wl, w);
    weft__qlock_release(&wl->lock);
    return signalled;
}

int weft__wait_sleep(weft__waitlist *wl, weft__waiter *w, const weft__deadline *d)
{
    while (atomic_load_explicit(&w->signalled, memory_order_acquire) == 0) {
        if (weft__park(&w->signalled, 0, d) == ETIMEDOUT)
            return weft__wait_cancel(wl, w) ? 0 : ETIMEDOUT;
    }
    return 0;
}

/* A signalled waiter may return, and its stack frame vanish, as soon as it
 * sees `signalled`; the futex wake that follows may then hit a stale
 * address, which at worst wakes some other waiter spuriously (every waiter
 * re-checks its word). */
void weft__wait_wake_one(weft__waitlist *wl)
{
    weft__qlock_acquire(&wl->lock);
    weft__waiter *w = wl->head;
    if (w != NULL) {
        weft__wait_unlink(wl, w);
        atomic_store_explicit(&w->signalled, 1, memory_order_release);
    }
    weft__qlock_release(&wl->lock);
    if (w != NULL)
        weft__unpark(&w->signalled, 1);
}

void weft__wait_wake_all(weft__waitlist *wl)
{
    weft__qlock_acquire(&wl->lock);
    weft__waiter *w = wl->head;
    wl->head = wl->tail = NULL;
    atomic_store_explicit(&wl->count, 0, memory_order_relaxed);
    while (w != NULL) {
        weft__waiter *next = w->next; /* read before w may vanish */
        atomic_store_explicit(&w->signalled, 1, memory_order_release);
        weft__unpark(&w->signalled, 1);
        w = next;
    }
    weft__qlock_release(&wl->lock);
}

/* Waiter lists: FIFO lists of waiters, each parked on its own word (kit.h). */
#include "core/kit.h"

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
    atomic_init(&w->word, WEFT__WAIT_WAITING);
    w->next = NULL;
    weft__waitlist_lock(wl);
    w->prev = wl->tail;
    if (wl->tail != NULL)
        wl->tail->next = w;
    else
        wl->head = w;
    wl->tail = w;
    atomic_fetch_add_explicit(&wl->count, 1, memory_order_seq_cst);
    weft__waitlist_unlock(wl);
}

/* Signalled or moved: a waker took the waiter off the list. */
static bool weft__wait_taken(unsigned word)
{
    return word == WEFT__WAIT_SIGNALLED || word == WEFT__WAIT_MOVED;
}

bool weft__wait_cancel(weft__waitlist *wl, weft__waiter *w)
{
    /* Under the list's lock the word is final: a waker changes it only
     * while the waiter is listed, and only with the lock held. */
    weft__waitlist_lock(wl);
    bool taken = weft__wait_taken(atomic_load_explicit(&w->word, memory_order_acquire));
    if (!taken)
        weft__wait_unlink(wl, w);
    weft__waitlist_unlock(wl);
    return taken;
}

int weft__wait_sleep(weft__waitlist *wl, weft__waiter *w, const weft__deadline *d, weft__spin *spin)
{
    if (d == NULL || !d->once) {
        bool taken = false;
        if (spin != NULL) {
            unsigned budget = weft__spin_budget(spin);
            for (unsigned i = 0; i < budget && !taken; i++) {
                taken = atomic_load_explicit(&w->word, memory_order_acquire) != WEFT__WAIT_WAITING;
                weft__cpu_relax();
            }
            weft__spin_result(spin, taken);
        }
        /* Say we sleep, so that the waker makes the system call; if the
         * compare fails, the word already says signalled. */
        unsigned expected = WEFT__WAIT_WAITING;
        if (taken || !atomic_compare_exchange_strong_explicit(&w->word, &expected, WEFT__WAIT_PARKED,
                                                              memory_order_acquire, memory_order_acquire))
            return 0;
        for (;;) {
            int rc = weft__park(&w->word, WEFT__WAIT_PARKED, d);
            if (atomic_load_explicit(&w->word, memory_order_acquire) != WEFT__WAIT_PARKED)
                return 0;
            if (rc == ETIMEDOUT)
                break;
        }
    }
    /* Timed out, unless a waker got to us first. */
    return weft__wait_cancel(wl, w) ? 0 : ETIMEDOUT;
}

weft__waiter *weft__wait_pop_locked(weft__waitlist *wl)
{
    weft__waiter *w = wl->head;
    if (w != NULL)
        weft__wait_unlink(wl, w);
    return w;
}

/* Once the word says signalled the waiter may return and its record vanish
 * with its stack frame: only the address is used after the exchange, and a
 * futex wake on a stale address at worst wakes some other waiter spuriously
 * (every waiter re-checks its word). */
void weft__wait_signal(weft__waiter *w)
{
    if (atomic_exchange_explicit(&w->word, WEFT__WAIT_SIGNALLED, memory_order_release) == WEFT__WAIT_PARKED)
        weft__unpark(&w->word, 1);
}

void weft__wait_wake_one(weft__waitlist *wl)
{
    weft__waitlist_lock(wl);
    weft__waiter *w = weft__wait_pop_locked(wl);
    if (w != NULL)
        weft__wait_signal(w);
    weft__waitlist_unlock(wl);
}

void weft__wait_wake_all(weft__waitlist *wl)
{
    weft__waitlist_lock(wl);
    weft__waiter *w = wl->head;
    wl->head = wl->tail = NULL;
    atomic_store_explicit(&wl->count, 0, memory_order_relaxed);
    while (w != NULL) {
        weft__waiter *next = w->next; /* read before w may vanish */
        weft__wait_signal(w);
        w = next;
    }
    weft__waitlist_unlock(wl);
}

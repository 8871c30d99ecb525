/* threading.Event on one futex word: bit 0 is the flag, bit 1 says someone
 * may be asleep, the remaining bits count the sets. A waiter that saw the
 * count move was set at some point while it waited, and returns WEFT_OK even
 * if the flag was cleared again before it ran, as Python's waiters do. */
#include "sync/internal.h"

#define WEFT__EV_SET 1u
#define WEFT__EV_SLEEPERS 2u
#define WEFT__EV_GEN 4u

struct weft_event {
    weft__obj hdr;
    atomic_uint word;
    weft__spin spin;
};

static const weft__type weft__event_type = { "event", NULL };

weft_status weft_event_new(weft_event **out)
{
    WEFT__OUT(out);
    weft_event *e = weft__obj_new(&weft__event_type, sizeof *e);
    if (e == NULL)
        return WEFT_NOMEM;
    atomic_init(&e->word, 0);
    weft__spin_init(&e->spin);
    *out = weft__handle(e);
    return WEFT_OK;
}

weft_status weft_event_free(weft_event *event)
{
    WEFT__FREE(event, weft__event_type);
}

weft_status weft_event_is_set(weft_event *event, int *out)
{
    WEFT__OPEN(event, weft__event_type);
    WEFT__OUT(out);
    *out = (atomic_load_explicit(&event->word, memory_order_acquire) & WEFT__EV_SET) != 0;
    return WEFT_OK;
}

weft_status weft_event_set(weft_event *event)
{
    WEFT__OPEN(event, weft__event_type);
    unsigned v = atomic_load_explicit(&event->word, memory_order_relaxed);
    unsigned nv;
    do {
        if (v & WEFT__EV_SET)
            return WEFT_OK;
        /* Everyone asleep is woken now, so the sleepers bit starts afresh. */
        nv = ((v & ~WEFT__EV_SLEEPERS) + WEFT__EV_GEN) | WEFT__EV_SET;
    } while (!atomic_compare_exchange_weak_explicit(&event->word, &v, nv, memory_order_release,
                                                    memory_order_relaxed));
    if (v & WEFT__EV_SLEEPERS)
        weft__unpark(&event->word, INT32_MAX);
    return WEFT_OK;
}

weft_status weft_event_clear(weft_event *event)
{
    WEFT__OPEN(event, weft__event_type);
    atomic_fetch_and_explicit(&event->word, ~WEFT__EV_SET, memory_order_relaxed);
    return WEFT_OK;
}

/* True once the flag is set or a set happened since `gen` was read. */
static inline bool weft__event_fired(unsigned v, unsigned gen)
{
    return (v & WEFT__EV_SET) || (v & ~(WEFT__EV_SET | WEFT__EV_SLEEPERS)) != gen;
}

weft_status weft_event_wait(weft_event *event, double timeout)
{
    WEFT__OPEN(event, weft__event_type);
    unsigned v = atomic_load_explicit(&event->word, memory_order_acquire);
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && (v & WEFT__EV_SET))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    unsigned gen = v & ~(WEFT__EV_SET | WEFT__EV_SLEEPERS);
    if (!d.once) {
        unsigned budget = weft__spin_budget(&event->spin);
        for (unsigned i = 0; i < budget; i++) {
            if (weft__event_fired(atomic_load_explicit(&event->word, memory_order_acquire), gen)) {
                weft__spin_result(&event->spin, true);
                return WEFT_OK;
            }
            weft__cpu_relax();
        }
        weft__spin_result(&event->spin, false);
        for (;;) {
            v = atomic_load_explicit(&event->word, memory_order_acquire);
            if (weft__event_fired(v, gen))
                return WEFT_OK;
            if (!(v & WEFT__EV_SLEEPERS) &&
                !atomic_compare_exchange_weak_explicit(&event->word, &v, v | WEFT__EV_SLEEPERS,
                                                       memory_order_acquire, memory_order_relaxed))
                continue;
            if (weft__park(&event->word, v | WEFT__EV_SLEEPERS, &d) == ETIMEDOUT)
                break;
        }
    }
    if (weft__event_fired(atomic_load_explicit(&event->word, memory_order_acquire), gen))
        return WEFT_OK;
    return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
}

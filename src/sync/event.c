/* threading.Event: the kit's event word (core/kit.h), parked on privately. */
#include "sync/internal.h"

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
    *out = weft__evword_is_set(&event->word);
    return WEFT_OK;
}

weft_status weft_event_set(weft_event *event)
{
    WEFT__OPEN(event, weft__event_type);
    weft__evword_set(&event->word, false);
    return WEFT_OK;
}

weft_status weft_event_clear(weft_event *event)
{
    WEFT__OPEN(event, weft__event_type);
    weft__evword_clear(&event->word);
    return WEFT_OK;
}

weft_status weft_event_wait(weft_event *event, double timeout)
{
    WEFT__OPEN(event, weft__event_type);
    if (WEFT__LIKELY(!weft__timeout_bad(timeout)) && weft__evword_is_set(&event->word))
        return WEFT_OK;
    weft__deadline d;
    weft_status st = weft__deadline_init(&d, timeout, __func__);
    if (st != WEFT_OK)
        return st;
    if (weft__evword_wait(&event->word, &event->spin, &d, false) == 0)
        return WEFT_OK;
    return WEFT__WAIT_FAILED(__func__, WEFT_TIMEOUT, "%s: timed out after %g s", __func__, timeout);
}

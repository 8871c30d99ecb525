/* The callable protocol: fn(arg, outcome) reports a value or a failure. */
#include "core/internal.h"

#include <stdlib.h>

void weft__outcome_init(weft_outcome *o)
{
    o->status = WEFT_OK;
    o->reported = false;
    o->value = NULL;
    o->free_value = NULL;
    o->message = NULL;
    o->payload = NULL;
    o->free_payload = NULL;
}

void weft__outcome_clear(weft_outcome *o)
{
    if (o->free_value != NULL && o->value != NULL)
        o->free_value(o->value);
    if (o->free_payload != NULL && o->payload != NULL)
        o->free_payload(o->payload);
    free(o->message);
    weft__outcome_init(o);
}

void weft__outcome_run(weft_outcome *o, weft_fn fn, void *arg)
{
    weft__outcome_init(o);
    fn(arg, o);
}

weft_status weft_outcome_set_value(weft_outcome *outcome, void *value, weft_free_fn free_value)
{
    WEFT__OUT(outcome);
    if (outcome->reported)
        return weft__fail(WEFT_INVALID_STATE, "%s: outcome already reported", __func__);
    outcome->reported = true;
    outcome->value = value;
    outcome->free_value = free_value;
    return WEFT_OK;
}

weft_status weft_outcome_set_error(weft_outcome *outcome, weft_status code, const char *message,
                                   void *payload, weft_free_fn free_payload)
{
    WEFT__OUT(outcome);
    if (outcome->reported)
        return weft__fail(WEFT_INVALID_STATE, "%s: outcome already reported", __func__);
    char *copy = NULL;
    if (message != NULL && (copy = weft__strdup(message)) == NULL)
        return WEFT_NOMEM;
    outcome->reported = true;
    outcome->status = code == WEFT_OK ? WEFT_FAILED : code;
    outcome->message = copy;
    outcome->payload = payload;
    outcome->free_payload = free_payload;
    return WEFT_OK;
}

void weft__callable_release(weft__callable *c)
{
    if (c->free_arg != NULL)
        c->free_arg(c->arg);
    c->fn = NULL;
    c->arg = NULL;
    c->free_arg = NULL;
}

weft_status weft_call(weft_fn fn, void *arg, void **value, weft_free_fn *free_value)
{
    WEFT__OUT(fn);
    weft_outcome o;
    weft__outcome_run(&o, fn, arg);
    weft_status st = o.status;
    if (st != WEFT_OK) {
        weft__fail(st, "%s", o.message != NULL ? o.message : weft_strerror(st));
    } else if (value != NULL) {
        *value = o.value;
        if (free_value != NULL)
            *free_value = o.free_value;
        o.value = NULL; /* handed over */
        o.free_value = NULL;
    }
    weft__outcome_clear(&o);
    return st;
}

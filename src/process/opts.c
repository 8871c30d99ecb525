/* The options of a new process (Process()'s keyword arguments) and the
 * target they share with the processes made from them. */
#include "process/internal.h"

#include <stdlib.h>
#include <string.h>

/* ---- the target ------------------------------------------------------------ */

void weft__target_release(weft__target *t)
{
    if (t == NULL || atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;
    weft__callable_release(&t->call);
    weft_task_free(t->task);
    weft_free(t->task_bytes);
    free(t);
}

weft_status weft__target_run(weft__target *t)
{
    if (t == NULL)
        return WEFT_OK;
    if (t->call.fn != NULL) {
        weft_outcome o;
        weft__outcome_run(&o, t->call.fn, t->call.arg);
        weft_status st = o.status;
        if (st != WEFT_OK)
            weft__fail(st, "%s", o.message != NULL ? o.message : "the target reported a failure");
        weft__outcome_clear(&o);
        return st;
    }
    if (t->task != NULL)
        return weft_task_call(t->task, NULL, NULL);
    return WEFT_OK;
}

/* ---- options ------------------------------------------------------------------ */

static void weft__process_opts_destroy(void *obj)
{
    weft_process_opts *o = obj;
    free(o->name);
    if (o->ctx != NULL)
        weft__unref(o->ctx);
    weft__target_release(o->target);
}

const weft__type weft__process_opts_type = { "process_opts", weft__process_opts_destroy };

weft_status weft_process_opts_new(weft_process_opts **out)
{
    WEFT__OUT(out);
    weft_process_opts *o = weft__obj_new(&weft__process_opts_type, sizeof *o);
    if (o == NULL)
        return WEFT_NOMEM;
    o->daemon = -1;
    *out = weft__handle(o);
    return WEFT_OK;
}

weft_status weft_process_opts_free(weft_process_opts *opts)
{
    WEFT__FREE(opts, weft__process_opts_type);
}

weft_status weft_process_opts_set_name(weft_process_opts *opts, const char *name)
{
    WEFT__OPEN(opts, weft__process_opts_type);
    char *copy = NULL;
    if (name != NULL && (copy = weft__strdup(name)) == NULL)
        return WEFT_NOMEM;
    free(opts->name);
    opts->name = copy;
    return WEFT_OK;
}

weft_status weft_process_opts_set_daemon(weft_process_opts *opts, int daemon)
{
    WEFT__OPEN(opts, weft__process_opts_type);
    if (daemon < -1 || daemon > 1)
        return weft__fail(WEFT_EINVAL, "%s: daemon is %d (0, 1, or -1 for the creator's flag)", __func__, daemon);
    opts->daemon = daemon;
    return WEFT_OK;
}

weft_status weft_process_opts_set_context(weft_process_opts *opts, weft_mp_context *ctx)
{
    WEFT__OPEN(opts, weft__process_opts_type);
    if (ctx != NULL)
        WEFT__OPEN(ctx, weft__mp_context_type);
    if (ctx != NULL)
        weft__ref(ctx);
    if (opts->ctx != NULL)
        weft__unref(opts->ctx);
    opts->ctx = ctx;
    return WEFT_OK;
}

static weft__target *weft__target_new(const char *fn)
{
    weft__target *t = calloc(1, sizeof *t);
    if (t == NULL) {
        weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
        return NULL;
    }
    atomic_init(&t->refs, 1);
    return t;
}

weft_status weft_process_opts_set_target(weft_process_opts *opts, weft_fn fn, void *arg, weft_free_fn free_arg)
{
    WEFT__OPEN(opts, weft__process_opts_type);
    weft__target *t = NULL;
    if (fn != NULL) {
        if ((t = weft__target_new(__func__)) == NULL)
            return WEFT_NOMEM;
        t->call = (weft__callable){ fn, arg, free_arg };
    }
    weft__target_release(opts->target);
    opts->target = t;
    return WEFT_OK;
}

weft_status weft_process_opts_set_task(weft_process_opts *opts, weft_task *task)
{
    WEFT__OPEN(opts, weft__process_opts_type);
    weft__target *t = NULL;
    if (task != NULL) {
        void *bytes;
        size_t size;
        weft_status st = weft_task_to_bytes(task, &bytes, &size);
        if (st != WEFT_OK)
            return st;
        if ((t = weft__target_new(__func__)) == NULL) {
            weft_free(bytes);
            return WEFT_NOMEM;
        }
        t->task_bytes = bytes;
        t->task_size = size;
        if ((st = weft_task_from_bytes(&t->task, bytes, size)) != WEFT_OK) {
            weft__target_release(t);
            return st;
        }
    }
    weft__target_release(opts->target);
    opts->target = t;
    return WEFT_OK;
}

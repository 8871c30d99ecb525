/* The executor handle (submit, map, shutdown over a vtable, so process pools
 * plug in as another constructor), its options and the map iterator. */
#include "futures/internal.h"

#include <stdlib.h>

/* ---- the handle -------------------------------------------------------- */

static void weft__executor_destroy(void *obj)
{
    weft_executor *ex = obj;
    ex->ops->destroy(ex);
}

const weft__type weft__executor_type = { "executor", weft__executor_destroy };

weft_status weft_executor_submit(weft_executor *ex, weft_fn fn, void *arg, weft_free_fn free_arg,
                                 weft_future **out)
{
    WEFT__OPEN(ex, weft__executor_type);
    WEFT__OUT(fn);
    /* One reference for the queue, one for the caller if it wants it. */
    weft_future *f = weft__future_new_task(fn, arg, free_arg, out != NULL ? 2 : 1, out != NULL);
    if (f == NULL)
        return WEFT_NOMEM;
    weft_status st = ex->ops->submit(ex, f, __func__);
    if (st != WEFT_OK) {
        f->task.free_arg = NULL; /* the caller keeps its argument */
        if (out != NULL)
            weft__unref(f);
        weft__unref(f);
        return st;
    }
    if (out != NULL)
        *out = weft__handle(f);
    return WEFT_OK;
}

weft_status weft_executor_shutdown(weft_executor *ex, int wait, int cancel_futures)
{
    WEFT__OPEN(ex, weft__executor_type);
    return ex->ops->shutdown(ex, wait != 0, cancel_futures != 0, __func__);
}

weft_status weft_executor_free(weft_executor *handle)
{
    if (handle == NULL)
        return WEFT_OK;
    weft_status st;
    weft_executor *ex = weft__open(handle, &weft__executor_type, __func__, &st);
    if (ex == NULL)
        return st;
    /* From one of its own tasks the pool cannot wait for itself: it is shut
     * down without waiting, and lives on until its last worker leaves. */
    (void)ex->ops->shutdown(ex, true, false, __func__);
    /* The caller's reference, never a worker's: a second free is refused. */
    return weft__free_handle(handle, &weft__executor_type, __func__);
}

/* ---- map --------------------------------------------------------------- */

struct weft_map_iter {
    weft__obj hdr;
    weft__deadline deadline;
    weft_future **fs;
    size_t n, next;
    weft_future *last;  /* keeps the value handed out alive until the next call */
    bool over;
};

static void weft__map_iter_destroy(void *obj)
{
    weft_map_iter *it = obj;
    /* Python's result_iterator cancels what it did not yield. */
    for (size_t i = it->next; i < it->n; i++) {
        (void)weft__future_cancel(it->fs[i]);
        weft__unref(it->fs[i]);
    }
    if (it->last != NULL)
        weft__unref(it->last);
    free(it->fs);
}

static const weft__type weft__map_iter_type = { "map iterator", weft__map_iter_destroy };

weft_status weft_executor_map(weft_executor *ex, weft_fn fn, void *const *args, size_t n,
                              weft_free_fn free_arg, double timeout, size_t chunksize, weft_map_iter **out)
{
    weft_status st;
    ex = weft__open(ex, &weft__executor_type, __func__, &st);
    size_t done = 0; /* arguments the executor took */
    weft_map_iter *it = NULL;
    weft__deadline d;
    (void)chunksize; /* a thread pool hands out one call at a time, as Python's */
    if (st != WEFT_OK)
        goto fail;
    if (fn == NULL || out == NULL || (n > 0 && args == NULL)) {
        st = weft__fail(WEFT_EINVAL, "%s: %s is NULL", __func__, fn == NULL ? "fn" : out == NULL ? "out" : "args");
        goto fail;
    }
    if ((st = weft__deadline_init(&d, timeout, __func__)) != WEFT_OK)
        goto fail;
    it = weft__obj_new(&weft__map_iter_type, sizeof *it);
    if (it == NULL || (it->fs = malloc((n > 0 ? n : 1) * sizeof *it->fs)) == NULL) {
        st = weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        goto fail;
    }
    it->deadline = d;
    for (; done < n; done++) {
        weft_future *f = weft__future_new_task(fn, args[done], free_arg, 2, false);
        if (f == NULL) {
            st = WEFT_NOMEM;
            goto fail;
        }
        if ((st = ex->ops->submit(ex, f, __func__)) != WEFT_OK) {
            weft__unref(f);
            weft__unref(f); /* frees the argument with the future */
            done++;
            goto fail;
        }
        it->fs[done] = f;
        it->n = done + 1;
    }
    *out = weft__handle(it);
    return WEFT_OK;

fail:
    /* Keep the message of the first failure over those of the clean-up. */
    if (it != NULL && it->fs != NULL)
        weft__unref(it); /* cancels what was submitted */
    else
        free(it);
    if (free_arg != NULL)
        for (size_t i = done; i < n; i++)
            free_arg(args[i]);
    return st;
}

weft_status weft_map_iter_next(weft_map_iter *it, void **value)
{
    WEFT__OPEN(it, weft__map_iter_type);
    if (it->last != NULL) {
        weft__unref(it->last);
        it->last = NULL;
    }
    if (it->over || it->next == it->n)
        return weft__fail(WEFT_EOF, "%s: no more results", __func__);
    weft_future *f = it->fs[it->next++];
    double left = -1;
    if (!it->deadline.forever)
        left = (double)weft__deadline_left_ns(&it->deadline) / 1e9;
    weft_status st = weft__future_result(f, left, value, __func__);
    if (st == WEFT_OK) {
        it->last = f;
        return WEFT_OK;
    }
    /* As a raised exception ends the generator: the rest is cancelled. */
    weft__unref(f);
    it->over = true;
    for (size_t i = it->next; i < it->n; i++) {
        (void)weft__future_cancel(it->fs[i]);
        weft__unref(it->fs[i]);
    }
    it->next = it->n;
    return st;
}

weft_status weft_map_iter_free(weft_map_iter *it)
{
    WEFT__FREE(it, weft__map_iter_type);
}

/* ---- options ----------------------------------------------------------- */

void weft__shared_callable_unref(weft__shared_callable *s)
{
    if (s != NULL && atomic_fetch_sub_explicit(&s->refs, 1, memory_order_acq_rel) == 1) {
        weft__callable_release(&s->c);
        free(s);
    }
}

static void weft__opts_destroy(void *obj)
{
    weft_executor_opts *o = obj;
    free(o->prefix);
    weft__shared_callable_unref(o->init);
}

const weft__type weft__executor_opts_type = { "executor options", weft__opts_destroy };

weft_status weft_executor_opts_new(weft_executor_opts **out)
{
    WEFT__OUT(out);
    weft_executor_opts *o = weft__obj_new(&weft__executor_opts_type, sizeof *o);
    if (o == NULL)
        return WEFT_NOMEM;
    *out = weft__handle(o);
    return WEFT_OK;
}

weft_status weft_executor_opts_free(weft_executor_opts *opts)
{
    WEFT__FREE(opts, weft__executor_opts_type);
}

weft_status weft_executor_opts_set_max_workers(weft_executor_opts *opts, size_t max_workers)
{
    WEFT__OPEN(opts, weft__executor_opts_type);
    if (max_workers == 0)
        return weft__fail(WEFT_EINVAL, "%s: max_workers must be greater than 0", __func__);
    opts->max_workers = max_workers;
    return WEFT_OK;
}

weft_status weft_executor_opts_set_thread_name_prefix(weft_executor_opts *opts, const char *prefix)
{
    WEFT__OPEN(opts, weft__executor_opts_type);
    char *copy = NULL;
    if (prefix != NULL && prefix[0] != '\0' && (copy = weft__strdup(prefix)) == NULL)
        return WEFT_NOMEM;
    free(opts->prefix);
    opts->prefix = copy;
    return WEFT_OK;
}

weft_status weft_executor_opts_set_initializer(weft_executor_opts *opts, weft_fn fn, void *arg,
                                               weft_free_fn free_arg)
{
    WEFT__OPEN(opts, weft__executor_opts_type);
    weft__shared_callable *s = NULL;
    if (fn != NULL) {
        s = malloc(sizeof *s);
        if (s == NULL)
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        atomic_init(&s->refs, 1);
        s->c.fn = fn;
        s->c.arg = arg;
        s->c.free_arg = free_arg;
    } else if (free_arg != NULL) {
        free_arg(arg); /* nothing will call it: the options own it, so release now */
    }
    weft__shared_callable_unref(opts->init);
    opts->init = s;
    return WEFT_OK;
}

/* The module's state: the current and the parent process, the registry of
 * started children (Python's _children), the counter behind default names,
 * active_children, and the at-exit handler (Python's _exit_function). */
#include "process/internal.h"

#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WEFT__AUTHKEY_LEN 32

static pthread_mutex_t weft__mp_mu = PTHREAD_MUTEX_INITIALIZER;

/* Guarded by weft__mp_mu. */
static struct weft_process *weft__current;   /* a library reference */
static struct weft_process *weft__parent;    /* a library reference, or NULL */
static unsigned weft__counter;               /* children created so far */
static struct weft_process *weft__children;  /* started, not yet reaped */

void weft__mp_lock(void)
{
    pthread_mutex_lock(&weft__mp_mu);
}

void weft__mp_unlock(void)
{
    pthread_mutex_unlock(&weft__mp_mu);
}

void weft__mp_lock_reinit(void)
{
    pthread_mutex_init(&weft__mp_mu, NULL);
}

weft_status weft__current_locked(struct weft_process **out)
{
    if (weft__current != NULL) {
        *out = weft__current;
        return WEFT_OK;
    }
    struct weft_process *m = weft__process_make(WEFT__PK_SELF);
    if (m == NULL)
        return WEFT_NOMEM;
    m->name = strdup("MainProcess");
    m->identity = strdup("");
    m->authkey = malloc(WEFT__AUTHKEY_LEN);
    if (m->name == NULL || m->identity == NULL || m->authkey == NULL) {
        weft__unref(m);
        return weft__fail(WEFT_NOMEM, "current process: out of memory");
    }
    m->authkey_len = WEFT__AUTHKEY_LEN;
    if (RAND_bytes(m->authkey, WEFT__AUTHKEY_LEN) != 1) {
        weft__unref(m);
        return weft__fail(WEFT_OS, "current process: no random bytes for the authentication key (RAND_bytes)");
    }
    m->state = WEFT__PS_STARTED;
    weft__obj_disown(m); /* the module's reference, not a caller's */
    weft__current = m;
    *out = m;
    return WEFT_OK;
}

char *weft__current_name(weft_status *st, const char *fn)
{
    weft__mp_lock();
    struct weft_process *cur;
    *st = weft__current_locked(&cur);
    char *name = *st == WEFT_OK ? strdup(cur->name) : NULL;
    weft__mp_unlock();
    if (*st == WEFT_OK && name == NULL)
        *st = weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    return name;
}

weft_status weft__next_identity(char **identity, char **name, const char *fn)
{
    weft__mp_lock();
    struct weft_process *cur;
    weft_status st = weft__current_locked(&cur);
    if (st != WEFT_OK) {
        weft__mp_unlock();
        return st;
    }
    unsigned n = ++weft__counter;
    char *id = NULL, *nm = NULL;
    if (cur->identity[0] == '\0') {
        if (asprintf(&id, "%u", n) < 0)
            id = NULL;
    } else if (asprintf(&id, "%s:%u", cur->identity, n) < 0) {
        id = NULL;
    }
    weft__mp_unlock();
    if (id == NULL || asprintf(&nm, "Process-%s", id) < 0) {
        free(id);
        return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
    }
    *identity = id;
    *name = nm;
    return WEFT_OK;
}

/* ---- the registry of children ------------------------------------------------ */

void weft__children_add(struct weft_process *p)
{
    weft__ref(p);
    weft__mp_lock();
    p->registered = true;
    p->reg_prev = NULL;
    p->reg_next = weft__children;
    if (weft__children != NULL)
        weft__children->reg_prev = p;
    weft__children = p;
    weft__mp_unlock();
}

void weft__children_remove(struct weft_process *p)
{
    weft__mp_lock();
    bool was = p->registered;
    if (was) {
        if (p->reg_prev != NULL)
            p->reg_prev->reg_next = p->reg_next;
        else
            weft__children = p->reg_next;
        if (p->reg_next != NULL)
            p->reg_next->reg_prev = p->reg_prev;
        p->registered = false;
        p->reg_prev = p->reg_next = NULL;
    }
    weft__mp_unlock();
    if (was)
        weft__unref(p);
}

void weft__children_forget_after_fork(void)
{
    /* Only the forking thread runs here: the parent's children are not this
     * process's, and their locks may have been held by threads that are gone. */
    for (struct weft_process *p = weft__children; p != NULL;) {
        struct weft_process *next = p->reg_next;
        pthread_mutex_init(&p->lock, NULL);
        pthread_mutex_init(&p->proc.lock, NULL);
        p->registered = false;
        p->reg_prev = p->reg_next = NULL;
        p = next;
    }
    weft__children = NULL;
}

/* References to every registered child (the caller drops them). */
static struct weft_process **weft__children_snapshot(size_t *n)
{
    weft__mp_lock();
    size_t count = 0;
    for (struct weft_process *p = weft__children; p != NULL; p = p->reg_next)
        count++;
    struct weft_process **v = count > 0 ? malloc(count * sizeof *v) : NULL;
    size_t i = 0;
    if (v != NULL)
        for (struct weft_process *p = weft__children; p != NULL; p = p->reg_next) {
            weft__ref(p);
            v[i++] = p;
        }
    weft__mp_unlock();
    *n = i;
    return v;
}

weft_status weft_multiprocessing_active_children(weft_process ***out, size_t *n)
{
    WEFT__OUT_CLEAR(out);
    WEFT__OUT(n);
    *n = 0;
    size_t count;
    struct weft_process **all = weft__children_snapshot(&count);
    if (all == NULL && count > 0)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    size_t live = 0;
    for (size_t i = 0; i < count; i++) {
        struct weft_process *p = all[i];
        if (weft__process_poll(p)) {
            weft__unref(p);
            continue;
        }
        /* Our reference becomes the caller's. */
        atomic_fetch_add_explicit(&p->hdr.state, WEFT__CALLER_ONE, memory_order_relaxed);
        all[live++] = weft__handle(p);
    }
    if (live == 0) {
        free(all);
        all = NULL;
    }
    *out = (weft_process **)all;
    *n = live;
    return WEFT_OK;
}

void weft_process_list_free(weft_process **list, size_t n)
{
    if (list == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        struct weft_process *p = weft__live(list[i], &weft__process_type);
        if (p != NULL)
            (void)weft__unref_caller(p);
    }
    free(list);
}

/* ---- current and parent process --------------------------------------------- */

weft_status weft_multiprocessing_current_process(weft_process **out)
{
    WEFT__OUT_CLEAR(out);
    weft__mp_lock();
    struct weft_process *cur;
    weft_status st = weft__current_locked(&cur);
    if (st == WEFT_OK)
        weft__ref_caller(cur);
    weft__mp_unlock();
    if (st != WEFT_OK)
        return st;
    *out = weft__handle(cur);
    return WEFT_OK;
}

weft_status weft_multiprocessing_parent_process(weft_process **out)
{
    WEFT__OUT_CLEAR(out);
    weft__mp_lock();
    struct weft_process *par = weft__parent;
    if (par != NULL)
        weft__ref_caller(par);
    weft__mp_unlock();
    *out = par != NULL ? weft__handle(par) : NULL;
    return WEFT_OK;
}

weft_status weft__become_child(struct weft_process *self, pid_t parent_pid, const char *parent_name,
                               int parent_sentinel, weft__mp_method method)
{
    struct weft_process *par = weft__process_make(WEFT__PK_PARENT);
    if (par == NULL)
        return WEFT_NOMEM;
    if ((par->name = weft__strdup(parent_name)) == NULL) {
        weft__unref(par);
        return WEFT_NOMEM;
    }
    par->identity = NULL;
    par->pid = parent_pid;
    par->sentinel = parent_sentinel;
    par->state = WEFT__PS_STARTED;
    weft__obj_disown(par);
    self->kind = WEFT__PK_SELF;
    self->state = WEFT__PS_STARTED;
    self->pid = getpid();
    weft__ref(self);
    weft__mp_lock();
    struct weft_process *old_cur = weft__current, *old_par = weft__parent;
    weft__current = self;
    weft__parent = par;
    weft__counter = 0;
    weft__mp_unlock();
    weft__mp_force_method(method);
    if (old_cur != NULL)
        weft__unref(old_cur);
    if (old_par != NULL)
        weft__unref(old_par);
    return WEFT_OK;
}

/* ---- at exit ---------------------------------------------------------------------- */

void weft__exit_function(void)
{
    size_t n;
    struct weft_process **all = weft__children_snapshot(&n);
    for (size_t i = 0; i < n; i++) {
        struct weft_process *p = all[i];
        if (p->daemon && !weft__process_poll(p))
            (void)weft_process_terminate(weft__handle(p));
    }
    for (size_t i = 0; i < n; i++) {
        (void)weft_process_join(weft__handle(all[i]), -1);
        weft__unref(all[i]);
    }
    free(all);
}

static pthread_once_t weft__exit_once = PTHREAD_ONCE_INIT;

static void weft__exit_at_exit(void)
{
    weft__exit_function();
}

static void weft__exit_register(void)
{
    (void)atexit(weft__exit_at_exit);
}

void weft__arm_exit_function(void)
{
    pthread_once(&weft__exit_once, weft__exit_register);
}

/* Thread-local data without pthread keys per local: each thread has a table
 * of entries indexed by the local's number, and each local lists its
 * entries, so a thread's end and a local's free can each find and destroy
 * exactly the values that are theirs.
 *
 * Locking: weft__locals_mu (global) guards the lists and index numbers and
 * is taken by set, free and thread end; each thread's table has its own
 * mutex, taken by the owner to change or grow it and by free to clear a
 * slot; weft_local_get reads its own table without a lock. Order: global, then a
 * table. Values are destroyed with no lock held. */
#include "thread/thread_internal.h"

#include <stdlib.h>

typedef struct weft__lrec weft__lrec;

typedef struct weft__lentry {
    void *value;
    weft_free_fn free_value;
    weft__lrec *rec;
    weft_local *local;
    struct weft__lentry *prev, *next; /* in the local's list */
} weft__lentry;

struct weft__lrec {
    pthread_mutex_t mu;
    weft__lentry **slots;
    size_t cap;
};

struct weft_local {
    weft__obj hdr;
    size_t index;
    weft_free_fn free_value;
    weft__lentry *head;
};

static pthread_mutex_t weft__locals_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t *weft__free_index;
static size_t weft__free_index_n, weft__free_index_cap;
static size_t weft__next_index;

static _Thread_local weft__lrec *weft__my_rec;
static pthread_key_t weft__lrec_key;
static pthread_once_t weft__lrec_once = PTHREAD_ONCE_INIT;

static void weft__local_destroy(void *obj);
const weft__type weft__local_type = { "local", weft__local_destroy };

/* ---- entries ------------------------------------------------------------------ */

static void weft__entry_unlink_locked(weft__lentry *e)
{
    weft_local *l = e->local;
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        l->head = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

static void weft__entries_destroy(weft__lentry *list)
{
    while (list != NULL) {
        weft__lentry *next = list->next;
        if (list->free_value != NULL && list->value != NULL)
            list->free_value(list->value);
        free(list);
        list = next;
    }
}

/* ---- a thread's table ------------------------------------------------------- */

static void weft__lrec_release(void *p);

static void weft__lrec_key_init(void)
{
    (void)pthread_key_create(&weft__lrec_key, weft__lrec_release);
}

static weft__lrec *weft__lrec_get(void)
{
    if (weft__my_rec != NULL)
        return weft__my_rec;
    pthread_once(&weft__lrec_once, weft__lrec_key_init);
    weft__lrec *rec = calloc(1, sizeof *rec);
    if (rec == NULL)
        return NULL;
    pthread_mutex_init(&rec->mu, NULL);
    /* The key's destructor destroys the values of threads that weft did not
     * start; weft threads do it themselves before their END hooks. */
    if (pthread_setspecific(weft__lrec_key, rec) != 0) {
        pthread_mutex_destroy(&rec->mu);
        free(rec);
        return NULL;
    }
    weft__my_rec = rec;
    return rec;
}

/* Takes every entry out of `rec`; returns them as a list. */
static weft__lentry *weft__lrec_drain(weft__lrec *rec)
{
    weft__lentry *list = NULL;
    pthread_mutex_lock(&weft__locals_mu);
    pthread_mutex_lock(&rec->mu);
    for (size_t i = 0; i < rec->cap; i++) {
        weft__lentry *e = rec->slots[i];
        if (e == NULL)
            continue;
        rec->slots[i] = NULL;
        weft__entry_unlink_locked(e);
        e->next = list;
        list = e;
    }
    pthread_mutex_unlock(&rec->mu);
    pthread_mutex_unlock(&weft__locals_mu);
    return list;
}

static bool weft__lrec_empty(weft__lrec *rec)
{
    bool empty = true;
    pthread_mutex_lock(&rec->mu);
    for (size_t i = 0; i < rec->cap && empty; i++)
        empty = rec->slots[i] == NULL;
    pthread_mutex_unlock(&rec->mu);
    return empty;
}

/* Destroys the calling thread's values; a value's destructor may set new
 * ones, which later rounds destroy (a bounded number, as pthread keys). */
static void weft__lrec_release(void *p)
{
    weft__lrec *rec = p;
    for (int round = 0; round < 8; round++) {
        weft__lentry *list = weft__lrec_drain(rec);
        if (list == NULL)
            break;
        weft__entries_destroy(list);
    }
    if (!weft__lrec_empty(rec)) {
        /* Destructors kept setting values: leave the table to the locals,
         * whose free will still find and destroy those values. */
        weft__my_rec = NULL;
        return;
    }
    pthread_setspecific(weft__lrec_key, NULL);
    weft__my_rec = NULL;
    pthread_mutex_destroy(&rec->mu);
    free(rec->slots);
    free(rec);
}

void weft__locals_thread_exit(void)
{
    if (weft__my_rec != NULL)
        weft__lrec_release(weft__my_rec);
}

/* ---- the local object --------------------------------------------------------- */

static void weft__local_destroy(void *obj)
{
    weft_local *l = obj;
    weft__lentry *list = NULL;
    pthread_mutex_lock(&weft__locals_mu);
    while (l->head != NULL) {
        weft__lentry *e = l->head;
        pthread_mutex_lock(&e->rec->mu);
        e->rec->slots[l->index] = NULL;
        pthread_mutex_unlock(&e->rec->mu);
        weft__entry_unlink_locked(e);
        e->next = list;
        list = e;
    }
    /* The number may be reused: no table holds an entry for it any more. */
    if (weft__free_index_n == weft__free_index_cap) {
        size_t cap = weft__free_index_cap ? weft__free_index_cap * 2 : 16;
        size_t *grown = realloc(weft__free_index, cap * sizeof *grown);
        if (grown != NULL) {
            weft__free_index = grown;
            weft__free_index_cap = cap;
        }
    }
    if (weft__free_index_n < weft__free_index_cap)
        weft__free_index[weft__free_index_n++] = l->index;
    pthread_mutex_unlock(&weft__locals_mu);
    weft__entries_destroy(list);
}

weft_status weft_local_new(weft_local **out, weft_free_fn free_value)
{
    WEFT__OUT(out);
    weft_local *l = weft__obj_new(&weft__local_type, sizeof *l);
    if (l == NULL)
        return WEFT_NOMEM;
    l->free_value = free_value;
    pthread_mutex_lock(&weft__locals_mu);
    l->index = weft__free_index_n > 0 ? weft__free_index[--weft__free_index_n] : weft__next_index++;
    pthread_mutex_unlock(&weft__locals_mu);
    *out = weft__handle(l);
    return WEFT_OK;
}

weft_status weft_local_free(weft_local *l)
{
    WEFT__FREE(l, weft__local_type);
}

weft_status weft_local_get(weft_local *l, void **value)
{
    WEFT__OPEN(l, weft__local_type);
    WEFT__OUT(value);
    /* No lock: only this thread grows its table or changes its own slots;
     * another thread touches one of them only to free that local, and using
     * a local while it is freed is the caller's error. */
    void *v = NULL;
    weft__lrec *rec = weft__my_rec;
    if (rec != NULL && l->index < rec->cap && rec->slots[l->index] != NULL)
        v = rec->slots[l->index]->value;
    *value = v;
    return WEFT_OK;
}

weft_status weft_local_set(weft_local *l, void *value)
{
    WEFT__OPEN(l, weft__local_type);
    weft__lrec *rec = weft__lrec_get();
    if (rec == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
    weft__lentry *fresh = NULL;
    if (value != NULL && (fresh = calloc(1, sizeof *fresh)) == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);

    void *old = NULL;
    weft__lentry *gone = NULL;
    pthread_mutex_lock(&weft__locals_mu);
    pthread_mutex_lock(&rec->mu);
    if (value != NULL && l->index >= rec->cap) {
        size_t cap = rec->cap ? rec->cap : 8;
        while (cap <= l->index)
            cap *= 2;
        weft__lentry **grown = realloc(rec->slots, cap * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&rec->mu);
            pthread_mutex_unlock(&weft__locals_mu);
            free(fresh);
            return weft__fail(WEFT_NOMEM, "%s: out of memory", __func__);
        }
        for (size_t i = rec->cap; i < cap; i++)
            grown[i] = NULL;
        rec->slots = grown;
        rec->cap = cap;
    }
    weft__lentry *e = l->index < rec->cap ? rec->slots[l->index] : NULL;
    if (value == NULL) {
        if (e != NULL) {
            rec->slots[l->index] = NULL;
            weft__entry_unlink_locked(e);
            gone = e;
        }
    } else if (e != NULL) {
        old = e->value != value ? e->value : NULL;
        e->value = value;
    } else {
        fresh->value = value;
        fresh->free_value = l->free_value;
        fresh->rec = rec;
        fresh->local = l;
        fresh->next = l->head;
        if (l->head != NULL)
            l->head->prev = fresh;
        l->head = fresh;
        rec->slots[l->index] = fresh;
        fresh = NULL;
    }
    pthread_mutex_unlock(&rec->mu);
    pthread_mutex_unlock(&weft__locals_mu);
    free(fresh);
    if (old != NULL && l->free_value != NULL)
        l->free_value(old);
    weft__entries_destroy(gone);
    return WEFT_OK;
}

/* ---- fork ---------------------------------------------------------------------- */

/* Taken around fork (registry.c), after the registry's lock. */
void weft__locals_lock(void)
{
    pthread_mutex_lock(&weft__locals_mu);
}

void weft__locals_unlock(void)
{
    pthread_mutex_unlock(&weft__locals_mu);
}

/* The stable binary min-heap (kit.h), ordered by (key, comparator,
 * insertion order). */
#include "core/kit.h"

#include <stdlib.h>

void weft__heap_init(weft__heap *h, weft__heap_cmp cmp, void *cmp_arg, weft__heap_placed placed)
{
    h->e = NULL;
    h->count = 0;
    h->cap = 0;
    h->next_seq = 0;
    h->cmp = cmp;
    h->cmp_arg = cmp_arg;
    h->placed = placed;
}

void weft__heap_destroy(weft__heap *h)
{
    free(h->e);
    h->e = NULL;
    h->count = h->cap = 0;
}

weft_status weft__heap_reserve(weft__heap *h, const char *what)
{
    if (h->count < h->cap)
        return WEFT_OK;
    size_t cap = h->cap ? h->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof *h->e)
        return weft__fail(WEFT_NOMEM, "%s: heap cannot grow past %zu entries", what, h->cap);
    weft__heap_entry *e = realloc(h->e, cap * sizeof *e);
    if (e == NULL)
        return weft__fail(WEFT_NOMEM, "%s: out of memory growing the heap to %zu entries", what, cap);
    h->e = e;
    h->cap = cap;
    return WEFT_OK;
}

static bool weft__heap_less(const weft__heap *h, const weft__heap_entry *a, const weft__heap_entry *b)
{
    if (a->key != b->key)
        return a->key < b->key;
    if (h->cmp != NULL) {
        int c = h->cmp(a->item, b->item, h->cmp_arg);
        if (c != 0)
            return c < 0;
    }
    return a->seq < b->seq;
}

static void weft__heap_place(weft__heap *h, size_t i, const weft__heap_entry *x)
{
    h->e[i] = *x;
    if (h->placed != NULL)
        h->placed(x->item, i);
}

/* Moves `x` up from the hole at `i` to where it belongs. */
static void weft__heap_up(weft__heap *h, size_t i, weft__heap_entry x)
{
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!weft__heap_less(h, &x, &h->e[parent]))
            break;
        weft__heap_place(h, i, &h->e[parent]);
        i = parent;
    }
    weft__heap_place(h, i, &x);
}

/* Moves `x` down from the hole at `i`; returns where it landed. */
static size_t weft__heap_down(weft__heap *h, size_t i, weft__heap_entry x)
{
    size_t n = h->count;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && weft__heap_less(h, &h->e[child + 1], &h->e[child]))
            child++;
        if (!weft__heap_less(h, &h->e[child], &x))
            break;
        weft__heap_place(h, i, &h->e[child]);
        i = child;
    }
    weft__heap_place(h, i, &x);
    return i;
}

uint64_t weft__heap_push(weft__heap *h, void *item, int64_t key)
{
    weft__heap_entry x = { item, key, h->next_seq++ };
    weft__heap_up(h, h->count++, x);
    return x.seq;
}

void *weft__heap_remove(weft__heap *h, size_t index)
{
    void *gone = h->e[index].item;
    weft__heap_entry last = h->e[--h->count];
    if (index == h->count)
        return gone;
    /* The last entry fills the hole: it sinks, or, if it stayed put, it
     * may have to rise (a hole in the middle has a parent). */
    if (weft__heap_down(h, index, last) == index)
        weft__heap_up(h, index, last);
    return gone;
}

void *weft__heap_pop(weft__heap *h)
{
    return weft__heap_remove(h, 0);
}

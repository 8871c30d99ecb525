/* Binary min-heap ordered by (key, comparator, insertion order). The
 * insertion counter makes it stable: equal items come out first-in,
 * first-out, which Python gets from comparing (priority, count) tuples. */
#include "queue/queue_internal.h"

#include <stdlib.h>

void weft__heap_init(weft__heap *h, weft__heap_cmp cmp, void *cmp_arg)
{
    h->e = NULL;
    h->count = 0;
    h->cap = 0;
    h->next_seq = 0;
    h->cmp = cmp;
    h->cmp_arg = cmp_arg;
}

void weft__heap_destroy(weft__heap *h)
{
    free(h->e);
    h->e = NULL;
    h->count = h->cap = 0;
}

weft_status weft__heap_reserve(weft__heap *h)
{
    if (h->count < h->cap)
        return WEFT_OK;
    size_t cap = h->cap ? h->cap * 2 : 16;
    if (cap > SIZE_MAX / sizeof *h->e)
        return weft__fail(WEFT_NOMEM, "queue: heap cannot grow past %zu entries", h->cap);
    weft__heap_entry *e = realloc(h->e, cap * sizeof *e);
    if (e == NULL)
        return weft__fail(WEFT_NOMEM, "queue: out of memory growing the heap to %zu entries", cap);
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

void weft__heap_push(weft__heap *h, void *item, int64_t key)
{
    weft__heap_entry x = { item, key, h->next_seq++ };
    size_t i = h->count++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!weft__heap_less(h, &x, &h->e[parent]))
            break;
        h->e[i] = h->e[parent];
        i = parent;
    }
    h->e[i] = x;
}

void *weft__heap_pop(weft__heap *h)
{
    void *top = h->e[0].item;
    weft__heap_entry x = h->e[--h->count];
    size_t n = h->count, i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= n)
            break;
        if (child + 1 < n && weft__heap_less(h, &h->e[child + 1], &h->e[child]))
            child++;
        if (!weft__heap_less(h, &h->e[child], &x))
            break;
        h->e[i] = h->e[child];
        i = child;
    }
    if (n > 0)
        h->e[i] = x;
    return top;
}

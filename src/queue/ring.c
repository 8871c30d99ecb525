/* Growable power-of-two ring of pointers, the storage of FIFO and LIFO queues:
 * no allocation per item, one allocation each time the capacity doubles. */
#include "queue/queue_internal.h"

#include <stdlib.h>
#include <string.h>

weft_status weft__ring_init(weft__ring_buf *r, size_t capacity)
{
    size_t cap = 1;
    while (cap < capacity)
        cap <<= 1;
    r->slot = malloc(cap * sizeof *r->slot);
    if (r->slot == NULL)
        return weft__fail(WEFT_NOMEM, "queue: out of memory for %zu slots", cap);
    r->mask = cap - 1;
    r->head = 0;
    r->count = 0;
    return WEFT_OK;
}

void weft__ring_destroy(weft__ring_buf *r)
{
    free(r->slot);
    r->slot = NULL;
}

weft_status weft__ring_grow(weft__ring_buf *r)
{
    size_t cap = r->mask + 1;
    if (cap > SIZE_MAX / 2 / sizeof *r->slot)
        return weft__fail(WEFT_NOMEM, "queue: ring cannot grow past %zu slots", cap);
    void **slot = malloc(2 * cap * sizeof *slot);
    if (slot == NULL)
        return weft__fail(WEFT_NOMEM, "queue: out of memory growing to %zu slots", 2 * cap);
    /* Unwrap: the oldest item goes to index 0. */
    size_t first = cap - r->head < r->count ? cap - r->head : r->count;
    memcpy(slot, r->slot + r->head, first * sizeof *slot);
    memcpy(slot + first, r->slot, (r->count - first) * sizeof *slot);
    free(r->slot);
    r->slot = slot;
    r->head = 0;
    r->mask = 2 * cap - 1;
    return WEFT_OK;
}

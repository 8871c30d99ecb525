/* Where the multiprocessing primitives' state lives.
 *
 * The arena: chunks of MAP_SHARED|MAP_ANONYMOUS memory cut into blocks of
 * one size each (64 or 256 bytes), so a child of fork sees every block at
 * the address its parent does. A chunk's free list lives in the chunk and
 * is lock-free (a tagged stack of block offsets), so a process killed while
 * taking or giving back a block leaves it intact, and two processes that
 * share a chunk never hand out the same block. A state too big for a block
 * gets a mapping of its own.
 *
 * A block is given back when the last handle on it, in any process, is
 * freed: each handle counts once in the block's header, and a fork counts
 * every handle the parent has once more, for the child's copy. A child that
 * exits without freeing its handles keeps those blocks from being reused;
 * the memory goes when the last process mapping the chunk exits. */
#include "mpsync/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define WEFT__MP_CHUNK ((size_t)64 * 1024)
#define WEFT__MP_SMALL 64
#define WEFT__MP_LARGE 256

typedef struct weft__mp_chunk {
    uint32_t block;                 /* bytes per block; block 0 is this header */
    _Atomic uint64_t free;          /* tag << 32 | offset of the first free block, 0 none */
    _Atomic uint32_t bump;          /* offset of the first never-used block */
} weft__mp_chunk;

/* The process's chunks of each size and its live blocks (for fork). */
static pthread_mutex_t weft__mp_arena_lock = PTHREAD_MUTEX_INITIALIZER;
static weft__mp_chunk **weft__mp_chunks[2];
static size_t weft__mp_nchunks[2], weft__mp_capchunks[2];
static weft__mp_place weft__mp_live = { .prev = &weft__mp_live, .next = &weft__mp_live };

/* Before fork: the child gets a copy of every handle, so each block gains a
 * reference. The lock stays held across fork so the list cannot change. */
static void weft__mp_arena_prepare(void)
{
    pthread_mutex_lock(&weft__mp_arena_lock);
    for (weft__mp_place *p = weft__mp_live.next; p != &weft__mp_live; p = p->next)
        atomic_fetch_add_explicit(&((weft__mp_hdr *)p->state)->refs, 1, memory_order_relaxed);
}

static void weft__mp_arena_after(void)
{
    pthread_mutex_unlock(&weft__mp_arena_lock);
}

static void weft__mp_arena_once(void)
{
    (void)pthread_atfork(weft__mp_arena_prepare, weft__mp_arena_after, weft__mp_arena_after);
}

/* A free block from `c`, or NULL when it has none. */
static void *weft__mp_chunk_take(weft__mp_chunk *c)
{
    uint64_t head = atomic_load_explicit(&c->free, memory_order_acquire);
    while ((uint32_t)head != 0) {
        char *b = (char *)c + (uint32_t)head;
        /* The block may be taken and rewritten by another process between
         * this read and the exchange; the tag then differs and the exchange
         * fails. The chunk stays mapped, so the read itself is safe. */
        uint32_t next = atomic_load_explicit((_Atomic uint32_t *)(void *)(b + 8), memory_order_relaxed);
        uint64_t nh = ((head >> 32) + 1) << 32 | next;
        if (atomic_compare_exchange_weak_explicit(&c->free, &head, nh, memory_order_acquire,
                                                  memory_order_acquire))
            return b;
    }
    uint32_t off = atomic_load_explicit(&c->bump, memory_order_relaxed);
    while (off + c->block <= WEFT__MP_CHUNK) {
        if (atomic_compare_exchange_weak_explicit(&c->bump, &off, off + c->block, memory_order_relaxed,
                                                  memory_order_relaxed))
            return (char *)c + off;
    }
    return NULL;
}

static void weft__mp_chunk_give(weft__mp_chunk *c, void *block)
{
    char *b = block;
    uint32_t off = (uint32_t)(b - (char *)c);
    atomic_store_explicit(&((weft__mp_hdr *)block)->magic, 0, memory_order_relaxed);
    uint64_t head = atomic_load_explicit(&c->free, memory_order_relaxed);
    do
        atomic_store_explicit((_Atomic uint32_t *)(void *)(b + 8), (uint32_t)head, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&c->free, &head, ((head >> 32) + 1) << 32 | off,
                                                  memory_order_release, memory_order_relaxed));
}

static void *weft__mp_map(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static size_t weft__mp_round_pages(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (size + page - 1) / page * page;
}

weft_status weft__mp_place_new(weft__mp_place *p, size_t size, const char *fn)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    (void)pthread_once(&once, weft__mp_arena_once);
    memset(p, 0, sizeof *p);
    if (size > WEFT__MP_LARGE) {
        size_t len = weft__mp_round_pages(size);
        void *m = weft__mp_map(len);
        if (m == NULL)
            return weft__fail_os(errno, "%s: cannot map %zu bytes of shared memory", fn, len);
        p->state = m;
        p->size = len;
        p->how = WEFT__MP_MAP;
        return WEFT_OK;
    }
    int cls = size > WEFT__MP_SMALL;
    uint32_t block = cls ? WEFT__MP_LARGE : WEFT__MP_SMALL;
    void *b = NULL;
    weft__mp_chunk *c = NULL;
    pthread_mutex_lock(&weft__mp_arena_lock);
    for (size_t i = weft__mp_nchunks[cls]; i-- > 0 && b == NULL;) {
        c = weft__mp_chunks[cls][i];
        b = weft__mp_chunk_take(c);
    }
    if (b == NULL) {
        if (weft__mp_nchunks[cls] == weft__mp_capchunks[cls]) {
            size_t cap = weft__mp_capchunks[cls] ? 2 * weft__mp_capchunks[cls] : 8;
            weft__mp_chunk **v = realloc(weft__mp_chunks[cls], cap * sizeof *v);
            if (v == NULL) {
                pthread_mutex_unlock(&weft__mp_arena_lock);
                return weft__fail(WEFT_NOMEM, "%s: out of memory", fn);
            }
            weft__mp_chunks[cls] = v;
            weft__mp_capchunks[cls] = cap;
        }
        c = weft__mp_map(WEFT__MP_CHUNK);
        if (c == NULL) {
            int err = errno;
            pthread_mutex_unlock(&weft__mp_arena_lock);
            return weft__fail_os(err, "%s: cannot map %zu bytes of shared memory", fn, WEFT__MP_CHUNK);
        }
        c->block = block;
        atomic_init(&c->free, 0);
        atomic_init(&c->bump, block);
        weft__mp_chunks[cls][weft__mp_nchunks[cls]++] = c;
        b = weft__mp_chunk_take(c);
    }
    memset(b, 0, block);
    atomic_init(&((weft__mp_hdr *)b)->refs, 1);
    p->state = b;
    p->size = block;
    p->chunk = c;
    p->how = WEFT__MP_BLOCK;
    p->next = &weft__mp_live;
    p->prev = weft__mp_live.prev;
    p->prev->next = p;
    weft__mp_live.prev = p;
    pthread_mutex_unlock(&weft__mp_arena_lock);
    return WEFT_OK;
}

weft_status weft__mp_place_at(weft__mp_place *p, void *mem, size_t have, size_t need, const char *fn)
{
    memset(p, 0, sizeof *p);
    if (mem == NULL)
        return weft__fail(WEFT_EINVAL, "%s: mem is NULL", fn);
    if ((uintptr_t)mem % 8 != 0)
        return weft__fail(WEFT_EINVAL, "%s: mem is not aligned to 8 bytes", fn);
    if (have < need)
        return weft__fail(WEFT_EINVAL, "%s: %zu bytes given, %zu needed", fn, have, need);
    memset(mem, 0, need);
    p->state = mem;
    p->size = have;
    p->how = WEFT__MP_AT;
    return WEFT_OK;
}

static const char *const weft__mp_kind_names[] = { "?", "lock", "rlock", "semaphore", "condition", "event",
                                                   "barrier" };

weft_status weft__mp_place_attach(weft__mp_place *p, void *mem, size_t have, int kind, const char *fn)
{
    memset(p, 0, sizeof *p);
    if (mem == NULL)
        return weft__fail(WEFT_EINVAL, "%s: mem is NULL", fn);
    if ((uintptr_t)mem % 8 != 0)
        return weft__fail(WEFT_EINVAL, "%s: mem is not aligned to 8 bytes", fn);
    if (have < sizeof(weft__mp_hdr))
        return weft__fail(WEFT_EINVAL, "%s: %zu bytes cannot hold a state", fn, have);
    weft__mp_hdr *h = mem;
    if (atomic_load_explicit(&h->magic, memory_order_acquire) != WEFT__MP_MAGIC)
        return weft__fail(WEFT_EINVAL, "%s: no initialised state at mem (bad magic)", fn);
    if (h->version != WEFT__MP_VERSION)
        return weft__fail(WEFT_EINVAL, "%s: state of version %u, this library reads %u", fn, h->version,
                          WEFT__MP_VERSION);
    if (h->kind != kind) {
        const char *what = h->kind < sizeof weft__mp_kind_names / sizeof *weft__mp_kind_names
                               ? weft__mp_kind_names[h->kind]
                               : "?";
        return weft__fail(WEFT_EINVAL, "%s: mem holds a %s, not a %s", fn, what, weft__mp_kind_names[kind]);
    }
    if (h->size > have)
        return weft__fail(WEFT_EINVAL, "%s: the state needs %u bytes, %zu given", fn, h->size, have);
    p->state = mem;
    p->size = have;
    p->how = WEFT__MP_AT;
    return WEFT_OK;
}

void weft__mp_hdr_init(weft__mp_hdr *h, int kind, size_t size)
{
    h->version = WEFT__MP_VERSION;
    h->kind = (uint16_t)kind;
    h->size = (uint32_t)size;
    if (atomic_load_explicit(&h->refs, memory_order_relaxed) == 0)
        atomic_store_explicit(&h->refs, 1, memory_order_relaxed);
}

void weft__mp_place_release(weft__mp_place *p)
{
    switch (p->how) {
    case WEFT__MP_BLOCK: {
        pthread_mutex_lock(&weft__mp_arena_lock);
        p->prev->next = p->next;
        p->next->prev = p->prev;
        pthread_mutex_unlock(&weft__mp_arena_lock);
        if (atomic_fetch_sub_explicit(&((weft__mp_hdr *)p->state)->refs, 1, memory_order_acq_rel) == 1)
            weft__mp_chunk_give(p->chunk, p->state);
        break;
    }
    case WEFT__MP_MAP:
        munmap(p->state, p->size);
        break;
    default:
        break;
    }
    p->state = NULL;
}

/* Handles: type-stable slots, generations, reference counts.
 *
 * Objects are carved from one reserved region of address space that is never
 * given back, one free list per size class, so a handle's header stays readable for the life of the
 * process whatever happened to the object (see core/internal.h). Each thread
 * keeps a few free slots of every class to itself, so that creating and
 * freeing objects at a high rate (a future per task) takes no lock most of
 * the time. */
#include "core/internal.h"
#include "os/os.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#define WEFT__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define WEFT__ASAN 1
#endif
#endif
#ifdef WEFT__ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/lsan_interface.h>
/* A free slot's body is poisoned, so the library's own use of an object
 * after its death is reported; the header and the free-list link stay
 * readable. */
#define WEFT__POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define WEFT__UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define WEFT__POISON(p, n) ((void)(p), (void)(n))
#define WEFT__UNPOISON(p, n) ((void)(p), (void)(n))
#endif

const weft__type weft__dead_type = { "freed object", NULL };

/* ---- size classes -------------------------------------------------------- */

/* 64-byte steps up to 1 KiB, then powers of two up to 64 KiB. */
#define WEFT__SMALL_CLASSES 16
#define WEFT__CLASSES (WEFT__SMALL_CLASSES + 6)
#define WEFT__MAX_SLOT (64 * 1024)
#define WEFT__CHUNK (64 * 1024)
#define WEFT__BATCH 16 /* slots moved between a thread and its class at once */

/* A free slot: the header, then the links. Free slots travel between a
 * class and the threads' caches in batches: a batch is a list through
 * `next`, and its first slot also holds the next batch and its length, so
 * that a batch moves in one step, without walking slots that other threads
 * freed (each would be a cache miss). */
typedef struct weft__slot {
    weft__obj hdr;
    struct weft__slot *next;
    struct weft__slot *next_batch;
    struct weft__slot *batch_tail;
    unsigned batch_len;
} weft__slot;

#define WEFT__LINK_END (sizeof(weft__slot))

typedef struct weft__class {
    pthread_mutex_t mu;
    weft__slot *batches;  /* free slots, generation already advanced */
    size_t size;
} weft__class;

static weft__class weft__classes[WEFT__CLASSES];
static pthread_once_t weft__classes_once = PTHREAD_ONCE_INIT;

/* ---- the region --------------------------------------------------------------
 * Every slot comes from one reservation of address space, committed from its
 * start as classes grow, so telling a handle from any other pointer takes a
 * subtraction and a comparison (weft__in_region), before anything is read. */

weft__region_bounds weft__region;
static pthread_mutex_t weft__region_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t weft__region_size;

#if UINTPTR_MAX > 0xffffffffu
#define WEFT__REGION_MAX ((size_t)16 << 30) /* 16 GiB of address space */
#else
#define WEFT__REGION_MAX ((size_t)256 << 20)
#endif
#define WEFT__REGION_MIN ((size_t)16 << 20)

static void weft__region_reserve(void)
{
    for (size_t size = WEFT__REGION_MAX; size >= WEFT__REGION_MIN; size /= 2) {
        void *p = weft__os_reserve(size);
        if (p == NULL)
            continue; /* a limit on address space: try a smaller region */
#if UINTPTR_MAX > 0xffffffffu
        if (((uintptr_t)p + size) >> 48 != 0) {
            /* Handles keep their generation in the top 16 bits: memory above
             * 2^48 (5-level paging, on request only) cannot hold objects. */
            weft__os_release(p, size);
            continue;
        }
#endif
        weft__region_size = size;
        weft__region.base = (uintptr_t)p;
#ifdef WEFT__ASAN
        /* Live objects hold the only pointers to what they own: the leak
         * checker must read the region. */
        __lsan_register_root_region(p, size);
#endif
        return;
    }
}

/* fork() copies whatever lock another thread held at that instant: the
 * allocator's locks are taken around it (classes first, then the region,
 * the order in which weft__class_grow nests them), so the child starts with
 * consistent lists and free locks. */
static void weft__alloc_prefork(void)
{
    for (int i = 0; i < WEFT__CLASSES; i++)
        pthread_mutex_lock(&weft__classes[i].mu);
    pthread_mutex_lock(&weft__region_mu);
}

static void weft__alloc_postfork(void)
{
    pthread_mutex_unlock(&weft__region_mu);
    for (int i = WEFT__CLASSES - 1; i >= 0; i--)
        pthread_mutex_unlock(&weft__classes[i].mu);
}

static void weft__classes_init(void)
{
    for (int i = 0; i < WEFT__CLASSES; i++) {
        pthread_mutex_init(&weft__classes[i].mu, NULL);
        weft__classes[i].size =
            i < WEFT__SMALL_CLASSES ? (size_t)(i + 1) * 64 : (size_t)2048 << (i - WEFT__SMALL_CLASSES);
    }
    weft__region_reserve();
    (void)pthread_atfork(weft__alloc_prefork, weft__alloc_postfork, weft__alloc_postfork);
}

static int weft__class_of(size_t size)
{
    if (size <= 1024)
        return size == 0 ? 0 : (int)((size - 1) / 64);
    int c = WEFT__SMALL_CLASSES;
    for (size_t s = 2048; s < size; s <<= 1)
        c++;
    return c;
}

/* Commits the next chunk of the region and carves it into the class's free
 * list; the class lock is held. */
static bool weft__class_grow(weft__class *c)
{
    size_t bytes = c->size * 8 > WEFT__CHUNK ? c->size * 8 : WEFT__CHUNK;
    pthread_mutex_lock(&weft__region_mu);
    size_t off = atomic_load_explicit(&weft__region.committed, memory_order_relaxed);
    if (weft__region.base == 0 || weft__region_size - off < bytes ||
        !weft__os_commit((void *)(weft__region.base + off), bytes)) {
        pthread_mutex_unlock(&weft__region_mu);
        return false;
    }
    char *chunk = (char *)(weft__region.base + off);
    for (size_t at = 0; at + c->size <= bytes; at += c->size) {
        weft__slot *s = (weft__slot *)(chunk + at);
        atomic_init(&s->hdr.state, (uint64_t)1 << WEFT__GEN_SHIFT);
        atomic_init(&s->hdr.type, &weft__dead_type);
        s->hdr.slot_class = (uint32_t)(c - weft__classes);
    }
    /* Release: a thread that sees the larger bound sees initialised headers. */
    atomic_store_explicit(&weft__region.committed, off + bytes, memory_order_release);
    pthread_mutex_unlock(&weft__region_mu);
    weft__slot *batch = NULL;
    for (size_t at = 0; at + c->size <= bytes; at += c->size) {
        weft__slot *s = (weft__slot *)(chunk + at);
        if (batch == NULL || batch->batch_len == WEFT__BATCH) {
            s->next = NULL;
            s->batch_len = 1;
            s->batch_tail = s;
            s->next_batch = c->batches;
        } else { /* s becomes the batch's head */
            s->next = batch;
            s->batch_len = batch->batch_len + 1;
            s->batch_tail = batch->batch_tail;
            s->next_batch = batch->next_batch;
        }
        c->batches = s;
        batch = s;
        WEFT__POISON(chunk + at + WEFT__LINK_END, c->size - WEFT__LINK_END);
    }
    return true;
}

/* ---- per-thread caches ----------------------------------------------------- */

typedef struct weft__cache {
    weft__slot *head[WEFT__CLASSES]; /* newest first */
    weft__slot *tail[WEFT__CLASSES]; /* oldest */
    unsigned n[WEFT__CLASSES];
} weft__cache;

static _Thread_local weft__cache weft__tcache;
/* 0: no key set yet; 1: the key will flush the cache at thread exit;
 * 2: the thread is exiting and has been flushed, slots go straight back. */
static _Thread_local int weft__tcache_mode;
static pthread_key_t weft__tcache_key;
static pthread_once_t weft__tcache_once = PTHREAD_ONCE_INIT;

/* Hands a list of `n` slots (`first` .. `last`) to class `ci` as one batch. */
static void weft__class_put_batch(int ci, weft__slot *first, weft__slot *last, unsigned n)
{
    weft__class *c = &weft__classes[ci];
    last->next = NULL;
    first->batch_len = n;
    first->batch_tail = last;
    pthread_mutex_lock(&c->mu);
    first->next_batch = c->batches;
    c->batches = first;
    pthread_mutex_unlock(&c->mu);
}

/* Takes one batch from class `ci` (growing it if it has none); NULL when
 * memory ran out. */
static weft__slot *weft__class_take_batch(int ci)
{
    weft__class *c = &weft__classes[ci];
    pthread_mutex_lock(&c->mu);
    if (c->batches == NULL && !weft__class_grow(c)) {
        pthread_mutex_unlock(&c->mu);
        return NULL;
    }
    weft__slot *b = c->batches;
    c->batches = b->next_batch;
    pthread_mutex_unlock(&c->mu);
    return b;
}

static void weft__cache_flush(void *unused)
{
    (void)unused;
    for (int i = 0; i < WEFT__CLASSES; i++) {
        if (weft__tcache.head[i] != NULL)
            weft__class_put_batch(i, weft__tcache.head[i], weft__tcache.tail[i], weft__tcache.n[i]);
        weft__tcache.head[i] = weft__tcache.tail[i] = NULL;
        weft__tcache.n[i] = 0;
    }
    weft__tcache_mode = 2;
}

static void weft__tcache_key_init(void)
{
    (void)pthread_key_create(&weft__tcache_key, weft__cache_flush);
}

static void weft__cache_arm(void)
{
    pthread_once(&weft__tcache_once, weft__tcache_key_init);
    pthread_setspecific(weft__tcache_key, &weft__tcache);
    weft__tcache_mode = 1;
}

static weft__slot *weft__slot_take(int ci)
{
    if (weft__tcache_mode == 0)
        weft__cache_arm();
    if (weft__tcache.head[ci] == NULL) {
        weft__slot *b = weft__class_take_batch(ci);
        if (b == NULL)
            return NULL;
        if (weft__tcache_mode == 2) { /* an exiting thread keeps no cache */
            if (b->batch_len > 1)
                weft__class_put_batch(ci, b->next, b->batch_tail, b->batch_len - 1);
            return b;
        }
        weft__tcache.head[ci] = b;
        weft__tcache.tail[ci] = b->batch_tail;
        weft__tcache.n[ci] = b->batch_len;
    }
    weft__slot *s = weft__tcache.head[ci];
    weft__tcache.head[ci] = s->next;
    if (--weft__tcache.n[ci] == 0)
        weft__tcache.tail[ci] = NULL;
    return s;
}

static void weft__slot_give(int ci, weft__slot *s)
{
    if (weft__tcache_mode != 1) {
        weft__class_put_batch(ci, s, s, 1);
        return;
    }
    s->next = weft__tcache.head[ci];
    weft__tcache.head[ci] = s;
    if (weft__tcache.n[ci]++ == 0)
        weft__tcache.tail[ci] = s;
    if (weft__tcache.n[ci] > 2 * WEFT__BATCH) {
        /* Keep the newest WEFT__BATCH (warm in this CPU's cache, and a walk
         * over them costs no misses); the older ones go back as one batch. */
        weft__slot *keep_last = weft__tcache.head[ci];
        for (unsigned i = 1; i < WEFT__BATCH; i++)
            keep_last = keep_last->next;
        weft__class_put_batch(ci, keep_last->next, weft__tcache.tail[ci], weft__tcache.n[ci] - WEFT__BATCH);
        keep_last->next = NULL;
        weft__tcache.tail[ci] = keep_last;
        weft__tcache.n[ci] = WEFT__BATCH;
    }
}

/* ---- objects --------------------------------------------------------------- */

void *weft__obj_new(const weft__type *type, size_t size)
{
    if (size < sizeof(weft__slot))
        size = sizeof(weft__slot);
    pthread_once(&weft__classes_once, weft__classes_init);
    weft__slot *s = size <= WEFT__MAX_SLOT ? weft__slot_take(weft__class_of(size)) : NULL;
    if (s == NULL) {
        weft__fail(WEFT_NOMEM, "%s: out of memory", type->name);
        return NULL;
    }
    size_t slot = weft__classes[s->hdr.slot_class].size;
    WEFT__UNPOISON(s, slot);
    memset((char *)s + sizeof(weft__obj), 0, slot - sizeof(weft__obj));
    uint64_t gen = atomic_load_explicit(&s->hdr.state, memory_order_relaxed) >> WEFT__GEN_SHIFT;
    atomic_store_explicit(&s->hdr.type, type, memory_order_relaxed);
    /* Release: whoever checks the new generation sees the type above. */
    atomic_store_explicit(&s->hdr.state, (gen << WEFT__GEN_SHIFT) | WEFT__CALLER_ONE | 1, memory_order_release);
    return s;
}

/* Gives a dead object's slot back for its next life; the generation was
 * advanced when the last reference went. A slot whose generations are used
 * up stays out of circulation for good. */
static void weft__obj_recycle(weft__obj *o)
{
    uint64_t gen = atomic_load_explicit(&o->state, memory_order_relaxed) >> WEFT__GEN_SHIFT;
    atomic_store_explicit(&o->type, &weft__dead_type, memory_order_relaxed);
    if (gen == 0)
        return; /* retired */
    int ci = (int)o->slot_class;
    size_t slot = weft__classes[ci].size;
    WEFT__POISON((char *)o + WEFT__LINK_END, slot - WEFT__LINK_END);
    weft__slot_give(ci, (weft__slot *)o);
}

void weft__obj_discard(void *obj)
{
    weft__obj *o = obj;
    uint64_t gen = atomic_load_explicit(&o->state, memory_order_relaxed) >> WEFT__GEN_SHIFT;
    uint64_t next = gen + 1 > WEFT__GEN_MAX ? 0 : gen + 1;
    atomic_store_explicit(&o->state, next << WEFT__GEN_SHIFT, memory_order_release);
    weft__obj_recycle(o);
}

void *weft__obj_new_immortal(const weft__type *type, size_t size)
{
    weft__obj *o = weft__obj_new(type, size);
    if (o != NULL) {
        /* Half of each count: no sequence of frees can reach zero, and
         * references taken on it never overflow in practice. */
        uint64_t half = (WEFT__REF_MAX + 1) / 2;
        uint64_t gen = atomic_load_explicit(&o->state, memory_order_relaxed) >> WEFT__GEN_SHIFT;
        atomic_store_explicit(&o->state, (gen << WEFT__GEN_SHIFT) | (half << WEFT__REF_BITS) | half,
                              memory_order_release);
    }
    return o;
}

/* The last reference went: the state already carries the next generation
 * (or 0, retired), so every handle of this life is stale from here on. */
static void weft__obj_die(weft__obj *o)
{
    const weft__type *type = atomic_load_explicit(&o->type, memory_order_relaxed);
    if (type->destroy != NULL)
        type->destroy(o);
    weft__obj_recycle(o);
}

static uint64_t weft__next_life(uint64_t state)
{
    uint64_t gen = state >> WEFT__GEN_SHIFT;
    return (gen + 1 > WEFT__GEN_MAX ? 0 : gen + 1) << WEFT__GEN_SHIFT;
}

#define WEFT__TOTAL(s) ((s) & WEFT__REF_MAX)
#define WEFT__CALLERS(s) (((s) >> WEFT__REF_BITS) & WEFT__REF_MAX)

void weft__unref(void *obj)
{
    weft__obj *o = obj;
    uint64_t s = atomic_load_explicit(&o->state, memory_order_relaxed);
    for (;;) {
        /* The last reference turns the generation in the same step, so no
         * weft_handle_ref() can slip in between. */
        uint64_t next = WEFT__TOTAL(s) == 1 ? weft__next_life(s) : s - 1;
        if (WEFT__TOTAL(s) > 1 && WEFT__CALLERS(s) == WEFT__TOTAL(s))
            next = s - WEFT__CALLER_ONE - 1; /* only callers' left: one of theirs goes */
        if (atomic_compare_exchange_weak_explicit(&o->state, &s, next, memory_order_acq_rel,
                                                  memory_order_relaxed))
            break;
    }
    if (WEFT__TOTAL(s) == 1)
        weft__obj_die(o);
}

/* Drops a caller reference from the object behind handle generation `gen`
 * (any generation when `gen` is 0). Returns WEFT_OK, or WEFT_EINVAL when the
 * handle is stale or no caller reference is left. */
static weft_status weft__drop_caller(weft__obj *o, uint64_t gen)
{
    uint64_t s = atomic_load_explicit(&o->state, memory_order_relaxed);
    for (;;) {
        if (gen != 0 && s >> WEFT__GEN_SHIFT != gen)
            return WEFT_EINVAL;
        if (WEFT__CALLERS(s) == 0)
            return WEFT_EINVAL;
        uint64_t next = WEFT__TOTAL(s) == 1 ? weft__next_life(s) : s - WEFT__CALLER_ONE - 1;
        if (atomic_compare_exchange_weak_explicit(&o->state, &s, next, memory_order_acq_rel,
                                                  memory_order_relaxed))
            break;
    }
    if (WEFT__TOTAL(s) == 1)
        weft__obj_die(o);
    return WEFT_OK;
}

bool weft__unref_caller(void *obj)
{
    return weft__drop_caller(obj, 0) == WEFT_OK;
}

static const char *weft__handle_problem(const void *h, const weft__type *type)
{
    if (h == NULL)
        return "handle is NULL";
    const weft__obj *o = weft__obj_of(h);
    uint64_t gen = weft__gen_of(h);
    if (gen == 0 || !weft__in_region(o))
        return "not a weft handle";
    if (atomic_load_explicit(&o->state, memory_order_acquire) >> WEFT__GEN_SHIFT != gen)
        return "handle was already freed";
    if (type != NULL && atomic_load_explicit(&o->type, memory_order_relaxed) != type)
        return "wrong handle type";
    return NULL;
}

void *weft__open_failed(const void *h, const weft__type *type, const char *fn, weft_status *st)
{
    const char *why = weft__handle_problem(h, type);
    if (why == NULL) { /* it turned live between the two looks: a racing free */
        *st = weft__fail(WEFT_EINVAL, "%s: %s handle changed during the call", fn, type->name);
        return NULL;
    }
    if (strcmp(why, "wrong handle type") == 0)
        *st = weft__fail(WEFT_EINVAL, "%s: not a %s handle (a %s)", fn, type->name,
                         atomic_load_explicit(&weft__obj_of(h)->type, memory_order_relaxed)->name);
    else
        *st = weft__fail(WEFT_EINVAL, "%s: %s %s", fn, type->name, why);
    return NULL;
}

weft_status weft__free_handle(void *h, const weft__type *type, const char *fn)
{
    if (h == NULL)
        return WEFT_OK;
    weft_status st;
    weft__obj *o = weft__open(h, type, fn, &st);
    if (o == NULL)
        return st;
    if (weft__drop_caller(o, weft__gen_of(h)) != WEFT_OK)
        return weft__fail(WEFT_EINVAL, "%s: %s handle was already freed", fn, type->name);
    return WEFT_OK;
}

weft_status weft_handle_ref(void *handle)
{
    const char *why = weft__handle_problem(handle, NULL);
    if (why != NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s", __func__, why);
    weft__obj *o = weft__obj_of(handle);
    uint64_t gen = weft__gen_of(handle);
    uint64_t s = atomic_load_explicit(&o->state, memory_order_relaxed);
    for (;;) {
        /* Alive means this generation and at least one reference: never
         * bring back an object whose last reference is gone. */
        if (s >> WEFT__GEN_SHIFT != gen || WEFT__TOTAL(s) == 0)
            return weft__fail(WEFT_EINVAL, "%s: handle was already freed", __func__);
        if (WEFT__TOTAL(s) == WEFT__REF_MAX || WEFT__CALLERS(s) == WEFT__REF_MAX)
            return weft__fail(WEFT_OVERFLOW, "%s: the %s holds too many references", __func__,
                              atomic_load_explicit(&o->type, memory_order_relaxed)->name);
        if (atomic_compare_exchange_weak_explicit(&o->state, &s, s + WEFT__CALLER_ONE + 1, memory_order_acquire,
                                                  memory_order_relaxed))
            return WEFT_OK;
    }
}

weft_status weft_handle_unref(void *handle)
{
    if (handle == NULL)
        return WEFT_OK;
    const char *why = weft__handle_problem(handle, NULL);
    if (why != NULL)
        return weft__fail(WEFT_EINVAL, "%s: %s", __func__, why);
    if (weft__drop_caller(weft__obj_of(handle), weft__gen_of(handle)) != WEFT_OK)
        return weft__fail(WEFT_EINVAL, "%s: handle has no reference left to drop (already freed)", __func__);
    return WEFT_OK;
}

/* What the context files share: the objects behind the handles, value boxes,
 * the calling thread's current context and the trie operations for contexts. */
#ifndef WEFT__CONTEXT_INTERNAL_H
#define WEFT__CONTEXT_INTERNAL_H

#include "context/hamt.h"
#include "core/internal.h"

#include <pthread.h>

/* A value shared by every context version and token that holds it; the last
 * one to let go frees the value with the variable's free function. The box
 * also keeps its variable alive, so the trie need not count references to
 * keys: one atomic per slot instead of two when a path is copied. */
typedef struct weft__cbox {
    atomic_uint refs;
    void *value;
    weft_context_var *var;
} weft__cbox;

struct weft_context_var {
    weft__obj hdr;
    uint32_t hash;          /* fixed at creation: keys compare by identity */
    bool has_default;
    void *default_value;
    weft_free_fn free_value;
    char *name;
};

/* Only the thread in which a context is current changes it (set, reset), so
 * that thread reads `root` without the lock; it takes the lock to swap the
 * root, and every other thread takes it to read. */
struct weft_context {
    weft__obj hdr;
    pthread_mutex_t lock;
    weft__hnode *root;
    size_t count;
    atomic_bool entered;    /* current in some thread */
};

struct weft_context_token {
    weft__obj hdr;
    weft_context *ctx;      /* references held by the token */
    weft_context_var *var;
    weft__cbox *old;        /* NULL: the variable was unset */
    atomic_bool used;
};

extern const weft__type weft__context_type;
extern const weft__type weft__context_var_type;
extern const weft__hamt_ops weft__context_ops;

/* Drops a reference the library holds internally. The last one destroys the
 * object and frees it at once, skipping the freed-handle quarantine: by then
 * the caller's own handle is long gone, and this also runs in thread-exit
 * destructors, after the quarantine of the exiting thread was emptied. */
void weft__context_drop(void *h);

void weft__cbox_release(weft__cbox *box);

/* The calling thread's current context; NULL until something was set in this
 * thread (an empty context). */
weft_context *weft__context_current(void);

/* As above, creating the thread's own context when there is none yet. */
weft_status weft__context_current_for_write(weft_context **out, const char *what);

/* Sets var to box in the context (the calling thread's current one). */
bool weft__context_set_box(weft_context *ctx, weft_context_var *var, weft__cbox *box);

/* Makes `root` (whose reference the caller hands over) the context's mapping. */
void weft__context_swap_root(weft_context *ctx, weft__hnode *root, size_t count);

#endif /* WEFT__CONTEXT_INTERNAL_H */

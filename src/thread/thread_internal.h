/* Internal interfaces of the thread area: the thread object, the registry of
 * alive threads, hooks and thread-local storage. */
#ifndef WEFT__THREAD_INTERNAL_H
#define WEFT__THREAD_INTERNAL_H

#include "core/internal.h"

#include <pthread.h>

/* What a thread object stands for. */
typedef enum weft__thread_kind {
    WEFT__KIND_THREAD, /* started by weft */
    WEFT__KIND_MAIN,   /* the process's main thread */
    WEFT__KIND_DUMMY,  /* a foreign thread seen by current_thread() */
} weft__thread_kind;

/* Life states, also the futex word joiners park on. */
enum {
    WEFT__T_NEW = 0,
    WEFT__T_ALIVE = 1,
    WEFT__T_ENDED = 2,
};

typedef struct weft__hook {
    weft_thread_hook_fn fn;
    void *arg;
} weft__hook;

/* The two hook kinds, in START order. */
enum { WEFT__HOOK_TRACE = 0, WEFT__HOOK_PROFILE = 1, WEFT__HOOK_KINDS = 2 };

struct weft_thread {
    weft__obj hdr;
    weft__thread_kind kind;
    atomic_uint state;            /* WEFT__T_*; joiners park on it */
    atomic_uint native_ready;     /* 1 once native_id is published */
    atomic_uint parked;           /* threads parked (or about to) on state or native_ready */
    _Atomic uint64_t ident;       /* the pthread_t, stored by the thread first thing */
    atomic_bool reaped;           /* pthread_join or pthread_detach done (weft threads) */
    unsigned fork_gen;            /* weft__fork_generation() when started */
    _Atomic uint64_t native_id;
    pthread_mutex_t mu;           /* name, daemon, stack_size */
    char *name;                   /* malloc'd, or name_static */
    bool name_static;
    bool daemon;
    size_t stack_size;            /* 0: the module default */
    weft__callable call;
    /* Registry of alive threads (registry lock). */
    weft_thread *prev, *next;
    bool listed;
    /* Hooks this thread received START from, and pending ones from the
     * *_all_threads setters (registry lock for pending). */
    weft__hook attached[WEFT__HOOK_KINDS];
    weft__hook pending[WEFT__HOOK_KINDS];
    bool has_pending[WEFT__HOOK_KINDS];
    atomic_bool any_pending;
};

extern const weft__type weft__thread_type;

/* The calling thread's object if it is a weft thread or has been given one
 * (main, dummy); NULL otherwise. Borrowed. */
extern _Thread_local weft_thread *weft__current;
/* True while the calling weft thread runs its target (exit is allowed). */
extern _Thread_local bool weft__in_target;

/* Creates a thread object; `name_fn` is the function named in the default
 * name ("Thread-N (sym)"). */
weft_status weft__thread_create(weft_thread **out, const char *name, weft_fn name_fn, weft_fn fn, void *arg,
                                weft_free_fn free_arg, const char *what);

/* Parks on `word` (one of t's) while it equals `expected`, counted in
 * t->parked so that wakers skip the system call when nobody waits. */
int weft__thread_park(weft_thread *t, atomic_uint *word, unsigned expected, const weft__deadline *d);
/* Stores `value` into `word` and wakes whoever parked on it. */
void weft__thread_publish(weft_thread *t, atomic_uint *word, unsigned value);

/* Next number for "Thread-N" / "Dummy-N" (one counter, as Python). */
unsigned long weft__thread_counter_next(void);

/* ---- registry (registry.c) ---------------------------------------------- */
void weft__registry_lock(void);
void weft__registry_unlock(void);
/* Adds an alive thread (takes no reference: listed threads are kept alive by
 * their own reference, the registry's for main and dummies). Lock held. */
void weft__registry_add_locked(weft_thread *t);
void weft__registry_remove_locked(weft_thread *t);
/* Calls fn(t, ctx) for every listed thread. Lock held. */
void weft__registry_each_locked(void (*fn)(weft_thread *t, void *ctx), void *ctx);
/* Counts forks into children: a pthread_t from an older generation names
 * no thread in this process. */
unsigned weft__fork_generation(void);
/* Python's threading._register_atexit, for other areas (the thread pool):
 * `fn(arg)` runs at the start of the next weft_threading_shutdown(), before
 * it waits for non-daemon threads, in reverse order of registration, once.
 * Returns WEFT_NOMEM when it cannot be recorded. */
weft_status weft__threading_register_atexit(void (*fn)(void *arg), void *arg);
/* Registers weft_threading_shutdown with atexit, once. */
void weft__registry_arm_atexit(void);
/* The main thread object (static, never freed). */
weft_thread *weft__main_thread(void);

/* ---- hooks (hooks.c) ---------------------------------------------------- */
/* In a starting thread: takes the installed hooks and calls their START. */
void weft__hooks_start(weft_thread *t);
/* In an ending thread: delivers pending hooks, then END to attached ones. */
void weft__hooks_end(weft_thread *t);
/* The hooks lock, for fork (order: hooks, registry, locals). */
void weft__hooks_lock(void);
void weft__hooks_unlock(void);
/* Calls the excepthook in force for a failure of `t`. */
void weft__excepthook_call(weft_thread *t, const weft_outcome *o);

/* ---- thread-local storage (local.c) ------------------------------------- */
/* Destroys the calling thread's values in every local (loops while
 * destructors set new values, a bounded number of times). */
void weft__locals_thread_exit(void);
/* The locals' global lock, for fork. */
void weft__locals_lock(void);
void weft__locals_unlock(void);

/* ---- stack size (module.c) ---------------------------------------------- */
size_t weft__default_stack_size(void);
weft_status weft__check_stack_size(size_t size, const char *what);

#endif /* WEFT__THREAD_INTERNAL_H */

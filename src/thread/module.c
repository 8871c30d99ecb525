/* Module functions of threading/_thread that are not about one object:
 * identities, the stack size, start_new_thread, exit and interrupt_main. */
#include "thread/thread_internal.h"
#include "os/os.h"

#include <signal.h>
#include <unistd.h>

uint64_t weft_threading_get_ident(void)
{
    return (uint64_t)(uintptr_t)pthread_self();
}

uint64_t weft_threading_get_native_id(void)
{
    return weft__os_thread_native_id();
}

/* ---- stack size ------------------------------------------------------------ */

/* Python's THREAD_STACK_MIN. */
#define WEFT__STACK_MIN ((size_t)32768)

static _Atomic size_t weft__stack_size;

size_t weft__default_stack_size(void)
{
    return atomic_load_explicit(&weft__stack_size, memory_order_relaxed);
}

weft_status weft__check_stack_size(size_t size, const char *what)
{
    if (size == 0)
        return WEFT_OK;
    if (size < WEFT__STACK_MIN)
        return weft__fail(WEFT_EINVAL, "%s: size not valid: %zu bytes (at least 32 KiB, or 0)", what, size);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    int rc = pthread_attr_setstacksize(&attr, size);
    pthread_attr_destroy(&attr);
    if (rc != 0)
        return weft__fail(WEFT_EINVAL, "%s: size not valid: %zu bytes", what, size);
    return WEFT_OK;
}

weft_status weft_threading_stack_size(size_t size, size_t *old)
{
    weft_status st = weft__check_stack_size(size, "weft_threading_stack_size");
    if (st != WEFT_OK)
        return st;
    size_t prev = atomic_exchange(&weft__stack_size, size);
    if (old != NULL)
        *old = prev;
    return WEFT_OK;
}

size_t weft_threading_get_stack_size(void)
{
    return weft__default_stack_size();
}

/* ---- _thread ---------------------------------------------------------------- */

weft_status weft_threading_start_new_thread(weft_fn fn, void *arg, weft_free_fn free_arg, uint64_t *ident)
{
    weft_thread *t;
    weft_status st = weft__thread_create(&t, NULL, fn, fn, arg, free_arg, __func__);
    if (st != WEFT_OK)
        return st;
    t->daemon = true; /* not waited for at shutdown, as in Python */
    if ((st = weft_thread_start(weft__handle(t))) != WEFT_OK) {
        t->call.free_arg = NULL; /* the caller keeps its argument */
        weft__unref(t);
        return st;
    }
    if (ident != NULL)
        (void)weft_thread_ident(weft__handle(t), ident);
    weft__unref(t);
    return WEFT_OK;
}

weft_status weft_threading_exit(void)
{
    if (!weft__in_target)
        return weft__fail(WEFT_RUNTIME,
                          "%s: the calling thread is not running a weft thread's target; return from its "
                          "function instead",
                          __func__);
    /* Unwinds to the cleanup handler around the target (thread.c). */
    pthread_exit(NULL);
}

weft_status weft_threading_interrupt_main(int signum)
{
    if (signum == 0)
        signum = SIGINT;
    struct sigaction sa;
    if (signum < 1 || signum >= NSIG || sigaction(signum, NULL, &sa) != 0)
        return weft__fail(WEFT_EINVAL, "%s: signal number out of range: %d", __func__, signum);
    /* Python does nothing for a signal nobody handles (SIG_DFL, SIG_IGN). */
    if (!(sa.sa_flags & SA_SIGINFO) && (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN))
        return WEFT_OK;
    int err = weft__os_signal_main_thread(atomic_load(&weft__main_thread()->ident), signum);
    if (err != 0)
        return weft__fail_os(err, "%s: signal %d", __func__, signum);
    return WEFT_OK;
}

weft_status weft_threading_set_interruptible(int enable, int *previous)
{
    if (previous != NULL)
        *previous = weft__interruptible;
    weft__interruptible = enable != 0;
    return WEFT_OK;
}

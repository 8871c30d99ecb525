/* The C side of weft's Python binding (runtime.c), as the SWIG typemaps in
 * weft_python.i and the helpers left there call it; nothing here is part of
 * libweft. */
#ifndef WEFT_PYTHON_H
#define WEFT_PYTHON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdatomic.h>

#include "weft.h"

/* ---- results ------------------------------------------------------------- */

/* How many results the current call has appended (reset by the weft_status
 * typemap once the call is over; touched only with the GIL held). */
extern int weft_py_nout;
/* Appends one out-parameter's object to a call's result: alone, or a tuple
 * of several. Steals `obj`; NULL (a failed conversion) fails the result. */
PyObject *weft_py_append(PyObject *result, PyObject *obj);

/* ---- the GIL --------------------------------------------------------------- */

/* Set by the `double timeout` check typemap when the call cannot block
 * (timeout 0): %exception then keeps the GIL. GIL held. */
extern int weft_py_keep_gil;

/* Signals (PEP 475). The main thread, where Python runs its signal
 * handlers, makes its blocking calls interruptible: a call a signal cut
 * short returns WEFT_INTERRUPTED, the wrapper runs the handlers (GIL held)
 * and raises what they raised (KeyboardInterrupt), or makes the call again
 * with what is left of its timeout. The `double timeout` typemap registers
 * the timeout here; %exception keeps it across the call, since a Python
 * callback may run wrappers of its own meanwhile. */
typedef struct weft_py_wait {
    double *slot;    /* the call's timeout argument; NULL: none registered */
    double deadline; /* monotonic seconds, for a positive timeout */
} weft_py_wait;
extern _Thread_local weft_py_wait weft_py_wait_cur;
void weft_py_wait_register(double *slot);
static inline weft_py_wait weft_py_wait_take(void)
{
    weft_py_wait w = weft_py_wait_cur;
    weft_py_wait_cur.slot = NULL;
    return w;
}
/* After WEFT_INTERRUPTED, GIL held: runs the signal handlers; 0 when the
 * call is to be made again (its timeout shortened), -1 with an exception
 * set when a handler raised. */
int weft_py_wait_again(void);

/* Objects whose reference a thread without the GIL had to drop wait on a
 * lock-free list; every wrapper drains it on entry (WEFT_PY_FLUSH). */
typedef struct weft_py_pending {
    struct weft_py_pending *next;
    PyObject *obj;
} weft_py_pending;
extern _Atomic(weft_py_pending *) weft_py_pending_head;
void weft_py_flush(void);
#define WEFT_PY_FLUSH()                                                                  \
    do {                                                                                 \
        if (atomic_load_explicit(&weft_py_pending_head, memory_order_relaxed) != NULL) \
            weft_py_flush();                                                             \
    } while (0)

/* ---- values, callables, failures -------------------------------------------- */

/* The free function of every Python object weft holds (one reference);
 * callable from any thread, with or without the GIL. */
void weft_py_decref(void *p);
/* The one trampoline: runs a Python callable for the library. */
void weft_py_trampoline(void *arg, weft_outcome *outcome);
/* A value handed back with its free function, as a Python object (new
 * reference). */
PyObject *weft_py_take_value(void *v, weft_free_fn f);
/* Raises the Python exception for a failed call, with the thread's message. */
void weft_py_raise(int code);
/* A weft message without its leading "weft_<function>: " names. */
const char *weft_py_message(const char *msg);
/* The weft_fn that runs a Python preexec_fn in a forked child. */
void weft_py_preexec(void *arg, weft_outcome *outcome);

/* ---- bytes and string vectors ------------------------------------------------ */

/* A NULL-terminated array of C strings from a sequence of str, bytes or
 * path-like objects; the bytes stay in `*keep` until the call is over. */
char **weft_py_strv(PyObject *seq, PyObject **keep, size_t *count);
/* bytes, or None for NULL data. */
PyObject *weft_py_bytes(const char *data, size_t len);

/* ---- C callbacks that run Python: orderings and a scheduler's clock --------- */

int weft_py_compare(const void *a, const void *b, void *arg);
double weft_py_timefunc(void *arg);
void weft_py_delayfunc(void *arg, double seconds);

/* ---- module-level helpers, wrapped by weft_python.i --------------------------- */

PyObject *weft_py_set_exception(int code, PyObject *cls);
PyObject *weft_py_status_table(void);
PyObject *weft_py_take_error(void);
PyObject *weft_py_install_thread_hooks(PyObject *fn);
PyObject *weft_py_raise_status(int code);
PyObject *weft_py_main_interpreter(void);

#endif /* WEFT_PYTHON_H */

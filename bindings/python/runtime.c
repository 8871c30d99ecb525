/* The C runtime of weft's Python binding: what the typemaps of
 * weft_python.i call (results, the GIL, exceptions, the trampoline, values,
 * bytes, orderings) and the module-level helpers the `weft` package uses.
 * SWIG's generated wrapper links with it; nothing here is part of libweft,
 * and nothing here needs SWIG's runtime (the few helpers that do stay in
 * weft_python.i), as Lua's host.c and codec.c. */
#include "weft_python.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Exception classes by status code: resolved from weft_status_exception()
 * the first time a code is raised, or set by the `weft` package for the
 * codes whose standard class is missing (queue.ShutDown before 3.13) or
 * needs an adapter (subprocess.CalledProcessError's constructor). */
static PyObject *weft_py_exc_cache;

/* Results: a call's out-parameters become its return value, one alone or
 * several as a tuple. SWIG's own AppendOutput takes a None result for "no
 * result yet" and drops it; counting the results does not. The count is
 * reset by the weft_status typemap once the call is over (callbacks during
 * the call, and other threads while it blocked, use it too) and the
 * results are appended right after, with the GIL held. */
int weft_py_nout;

PyObject *weft_py_append(PyObject *result, PyObject *obj)
{
    if (obj == NULL) {
        Py_XDECREF(result);
        return NULL;
    }
    if (result == NULL)
        return obj; /* an earlier result failed: keep failing */
    PyObject *out;
    if (weft_py_nout == 0) {
        Py_DECREF(result); /* the status's None */
        out = obj;
    } else if (weft_py_nout == 1) {
        out = PyTuple_Pack(2, result, obj);
        Py_DECREF(result);
        Py_DECREF(obj);
    } else {
        Py_ssize_t n = PyTuple_GET_SIZE(result);
        out = PyTuple_New(n + 1);
        for (Py_ssize_t i = 0; out != NULL && i < n; i++) {
            PyObject *x = PyTuple_GET_ITEM(result, i);
            Py_INCREF(x);
            PyTuple_SET_ITEM(out, i, x);
        }
        if (out != NULL) {
            PyTuple_SET_ITEM(out, n, obj);
        } else {
            Py_DECREF(obj);
        }
        Py_DECREF(result);
    }
    weft_py_nout++;
    return out;
}

/* Set by the `double timeout` check typemap when the call cannot block;
 * read and reset by %exception. Only touched with the GIL held. */
int weft_py_keep_gil;

_Thread_local weft_py_wait weft_py_wait_cur;

static double weft_py_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void weft_py_wait_register(double *slot)
{
    weft_py_wait_cur.slot = slot;
    weft_py_wait_cur.deadline = *slot > 0 ? weft_py_monotonic() + *slot : 0;
}

int weft_py_wait_again(void)
{
    weft_py_wait w = weft_py_wait_take();
    if (PyErr_CheckSignals() < 0)
        return -1;
    if (w.slot != NULL && *w.slot > 0) {
        double left = w.deadline - weft_py_monotonic();
        *w.slot = left > 0 ? left : 0;
        if (*w.slot == 0)
            weft_py_keep_gil = 1;
    }
    weft_py_wait_cur = w; /* the next round of %exception takes it again */
    return 0;
}

static int weft_py_alive(void)
{
#if PY_VERSION_HEX >= 0x030D0000
    return Py_IsInitialized() && !Py_IsFinalizing();
#else
    return Py_IsInitialized() && !_Py_IsFinalizing();
#endif
}

/* Drops the reference a Python object stored in weft held. The library calls
 * it from any thread, with or without the GIL, and possibly while holding
 * one of its own locks (a queue freeing items at shutdown). Waiting for the
 * GIL there could deadlock with a thread that holds the GIL and waits for
 * that lock, so a thread without the GIL never waits: it pushes the object
 * on a lock-free list that the next thread entering the module with the GIL
 * drains (every wrapper and the trampoline check it), and asks the
 * interpreter for a pending call so the list drains even if nobody calls
 * weft. Objects are released a little later, never lost. */
_Atomic(weft_py_pending *) weft_py_pending_head;

void weft_py_flush(void)
{
    weft_py_pending *p = atomic_exchange_explicit(&weft_py_pending_head, NULL, memory_order_acquire);
    while (p != NULL) {
        weft_py_pending *next = p->next;
        Py_DECREF(p->obj);
        free(p);
        p = next;
    }
}

static int weft_py_flush_pending(void *unused)
{
    (void)unused;
    weft_py_flush();
    return 0;
}

void weft_py_decref(void *p)
{
    if (p == NULL || !weft_py_alive())
        return; /* at interpreter exit the object is reclaimed with it */
    if (PyGILState_Check()) {
        Py_DECREF((PyObject *)p);
        return;
    }
    weft_py_pending *node = malloc(sizeof *node);
    if (node == NULL) { /* no memory for the list: wait for the GIL after all */
        PyGILState_STATE g = PyGILState_Ensure();
        Py_DECREF((PyObject *)p);
        PyGILState_Release(g);
        return;
    }
    node->obj = (PyObject *)p;
    weft_py_pending *head = atomic_load_explicit(&weft_py_pending_head, memory_order_relaxed);
    do {
        node->next = head;
    } while (!atomic_compare_exchange_weak_explicit(&weft_py_pending_head, &head, node,
                                                    memory_order_release, memory_order_relaxed));
    if (head == NULL)
        (void)Py_AddPendingCall(weft_py_flush_pending, NULL);
}

/* Resolves a dotted name such as "concurrent.futures.CancelledError". */
static PyObject *weft_py_resolve(const char *dotted)
{
    if (dotted == NULL || *dotted == '\0')
        return NULL;
    const char *dot = strrchr(dotted, '.');
    if (dot == NULL) {
        PyObject *b = PyEval_GetBuiltins(); /* borrowed */
        PyObject *cls = b != NULL ? PyDict_GetItemString(b, dotted) : NULL;
        Py_XINCREF(cls);
        return cls;
    }
    PyObject *modname = PyUnicode_FromStringAndSize(dotted, dot - dotted);
    if (modname == NULL)
        return NULL;
    PyObject *mod = PyImport_Import(modname);
    Py_DECREF(modname);
    if (mod == NULL) {
        PyErr_Clear();
        return NULL;
    }
    PyObject *cls = PyObject_GetAttrString(mod, dot + 1);
    Py_DECREF(mod);
    if (cls == NULL)
        PyErr_Clear();
    return cls;
}

/* The exception class for `code` (borrowed), never NULL. */
static PyObject *weft_py_exc_class(int code)
{
    if (weft_py_exc_cache == NULL && (weft_py_exc_cache = PyDict_New()) == NULL) {
        PyErr_Clear();
        return PyExc_RuntimeError;
    }
    PyObject *key = PyLong_FromLong(code);
    if (key == NULL) {
        PyErr_Clear();
        return PyExc_RuntimeError;
    }
    PyObject *cls = PyDict_GetItemWithError(weft_py_exc_cache, key);
    if (cls == NULL) {
        PyErr_Clear();
        PyObject *found = weft_py_resolve(weft_status_exception(code));
        if (found == NULL || !PyExceptionClass_Check(found)) {
            Py_XDECREF(found);
            found = PyExc_RuntimeError;
            Py_INCREF(found);
        }
        if (PyDict_SetItem(weft_py_exc_cache, key, found) < 0)
            PyErr_Clear();
        cls = found;
        Py_DECREF(found); /* the cache holds it */
    }
    Py_DECREF(key);
    return cls;
}

/* The message of a failure as a Python user should read it: weft's messages
 * start with the C function that failed ("weft_queue_get: the queue is
 * empty"), a name that means nothing to a Python program, so every leading
 * "weft_<name>: " is skipped and the informative rest kept. */
const char *weft_py_message(const char *msg)
{
    while (msg != NULL && strncmp(msg, "weft_", 5) == 0) {
        const char *p = msg + 5;
        while ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_')
            p++;
        if (p[0] != ':' || p[1] != ' ')
            break;
        msg = p + 2;
    }
    return msg;
}

/* Raises the Python exception for a failed call, with the thread's message.
 * WEFT_OS becomes OSError(errno, message), which Python turns into the
 * matching subclass (FileNotFoundError, ...). */
void weft_py_raise(int code)
{
    const char *msg = weft_py_message(weft_errmsg());
    if (msg == NULL || *msg == '\0')
        msg = weft_strerror(code);
    PyObject *cls = weft_py_exc_class(code);
    if (code == WEFT_OS && weft_errno() != 0) {
        PyObject *args = Py_BuildValue("(is)", weft_errno(), msg);
        if (args != NULL) {
            PyErr_SetObject(PyExc_OSError, args);
            Py_DECREF(args);
            return;
        }
    }
    PyErr_SetString(cls, msg);
}

/* Exception objects the trampoline handed to weft as failure payloads. A
 * payload reaches the excepthook as a bare pointer; only one listed here is
 * known to be a Python object. The list is short (failures whose future or
 * thread is still around) and searched only when a failure is reported. */
static pthread_mutex_t weft_py_payloads_lock = PTHREAD_MUTEX_INITIALIZER;
static void **weft_py_payloads;
static size_t weft_py_npayloads, weft_py_payloads_cap;

static int weft_py_payload_add(void *p)
{
    int ok = 1;
    pthread_mutex_lock(&weft_py_payloads_lock);
    if (weft_py_npayloads == weft_py_payloads_cap) {
        size_t cap = weft_py_payloads_cap ? weft_py_payloads_cap * 2 : 16;
        void **grown = realloc(weft_py_payloads, cap * sizeof *grown);
        if (grown == NULL) {
            ok = 0;
        } else {
            weft_py_payloads = grown;
            weft_py_payloads_cap = cap;
        }
    }
    if (ok)
        weft_py_payloads[weft_py_npayloads++] = p;
    pthread_mutex_unlock(&weft_py_payloads_lock);
    return ok;
}

static int weft_py_payload_known(void *p, int remove)
{
    int found = 0;
    pthread_mutex_lock(&weft_py_payloads_lock);
    for (size_t i = weft_py_npayloads; i-- > 0;) {
        if (weft_py_payloads[i] == p) {
            found = 1;
            if (remove)
                weft_py_payloads[i] = weft_py_payloads[--weft_py_npayloads];
            break;
        }
    }
    pthread_mutex_unlock(&weft_py_payloads_lock);
    return found;
}

static void weft_py_payload_free(void *p)
{
    if (p != NULL && weft_py_payload_known(p, 1))
        weft_py_decref(p);
}

/* Thread states. PyGILState_Ensure in a thread without a Python thread
 * state makes one and the matching Release destroys it: for a worker that
 * runs many tasks that is an allocation and a teardown per task. A weft
 * thread (marked by the start hook below) instead keeps the thread state
 * made by its first call into Python until the thread ends (end hook). */
static _Thread_local int weft_py_weft_thread;
static _Thread_local PyThreadState *weft_py_kept_state;

/* Fork. CPython 3.11's child deletes the other threads' states under the
 * interpreter's thread-list lock before it re-initialises that lock, so a
 * child forked while another thread held it hangs for good. CPython's own
 * threads take that lock only with the GIL, which the forking thread holds;
 * a weft thread makes its thread state before it has the GIL. It does so
 * under weft_py_fork_mu, which fork takes first (pthread_atfork), so that no
 * thread is inside that step when the process forks. The payload list's
 * lock is held across fork for the same reason. */
static pthread_mutex_t weft_py_fork_mu = PTHREAD_MUTEX_INITIALIZER;

static void weft_py_fork_prepare(void)
{
    pthread_mutex_lock(&weft_py_fork_mu);
    pthread_mutex_lock(&weft_py_payloads_lock);
}

static void weft_py_fork_parent(void)
{
    pthread_mutex_unlock(&weft_py_payloads_lock);
    pthread_mutex_unlock(&weft_py_fork_mu);
}

static void weft_py_fork_child(void)
{
    pthread_mutex_init(&weft_py_payloads_lock, NULL);
    pthread_mutex_init(&weft_py_fork_mu, NULL);
}

static pthread_once_t weft_py_fork_once = PTHREAD_ONCE_INIT;

static void weft_py_fork_register(void)
{
    (void)pthread_atfork(weft_py_fork_prepare, weft_py_fork_parent, weft_py_fork_child);
}

static PyGILState_STATE weft_py_ensure(void)
{
    if (weft_py_weft_thread && weft_py_kept_state == NULL && PyGILState_GetThisThreadState() == NULL) {
        /* The kept state (its count is dropped by the end hook), made
         * without the GIL (PyThreadState_New does not need it) and never
         * across a fork. */
        pthread_mutex_lock(&weft_py_fork_mu);
        weft_py_kept_state = PyThreadState_New(PyInterpreterState_Main());
        pthread_mutex_unlock(&weft_py_fork_mu);
    }
    return PyGILState_Ensure();
}

#ifdef WEFT_THREAD_START
static void weft_py_thread_hook(void *arg, weft_thread *thread, int event)
{
    (void)arg;
    (void)thread;
    if (event == WEFT_THREAD_START) {
        weft_py_weft_thread = 1;
    } else if (event == WEFT_THREAD_END) {
        weft_py_weft_thread = 0;
        if (weft_py_kept_state != NULL && weft_py_alive()) {
            PyEval_RestoreThread(weft_py_kept_state);
            weft_py_kept_state = NULL;
            PyGILState_Release(PyGILState_UNLOCKED);
        }
    }
}

/* Failures weft reports to its excepthook (a thread Python did not start,
 * an executor's initializer or done callback) go to the function the weft
 * package registers, which hands them to threading.excepthook, with the
 * exception object itself when the failure came from Python code. */
static PyObject *weft_py_excepthook_fn;

static void weft_py_excepthook(void *arg, weft_thread *thread, weft_status status, const char *message,
                               void *payload)
{
    (void)arg;
    if (!weft_py_alive() || weft_py_excepthook_fn == NULL)
        return;
    uint64_t ident = 0;
    (void)weft_thread_ident(thread, &ident);
    PyGILState_STATE g = weft_py_ensure();
    /* The payload is borrowed for the call; it is a Python exception only
     * if the trampoline made it. */
    PyObject *exc = payload != NULL && weft_py_payload_known(payload, 0) ? (PyObject *)payload : Py_None;
    PyObject *r = PyObject_CallFunction(weft_py_excepthook_fn, "isKO", (int)status,
                                        message != NULL ? weft_py_message(message) : weft_strerror(status),
                                        (unsigned long long)ident, exc);
    if (r == NULL)
        PyErr_WriteUnraisable(weft_py_excepthook_fn);
    Py_XDECREF(r);
    PyGILState_Release(g);
}
#endif

/* The one trampoline: runs a Python callable for the library, from any
 * thread. A return value becomes the outcome's value (a new reference); an
 * exception becomes a WEFT_FAILED failure whose payload is the exception
 * object itself, so that whoever reads the outcome re-raises that object. */
void weft_py_trampoline(void *arg, weft_outcome *outcome)
{
    if (arg == NULL || !weft_py_alive())
        return;
    PyGILState_STATE g = weft_py_ensure();
    WEFT_PY_FLUSH();
    PyObject *r = PyObject_CallNoArgs((PyObject *)arg);
    if (r != NULL) {
        if (weft_outcome_set_value(outcome, r, weft_py_decref) != WEFT_OK)
            Py_DECREF(r);
    } else {
        PyObject *type, *value, *tb;
        PyErr_Fetch(&type, &value, &tb);
        PyErr_NormalizeException(&type, &value, &tb);
        if (value != NULL && tb != NULL)
            PyException_SetTraceback(value, tb);
        Py_XDECREF(type);
        Py_XDECREF(tb);
        const char *text = NULL;
        PyObject *s = value != NULL ? PyObject_Str(value) : NULL;
        if (s != NULL)
            text = PyUnicode_AsUTF8(s);
        if (text == NULL)
            PyErr_Clear();
        if (value != NULL && !weft_py_payload_add(value)) {
            /* Not listed, so never freed by weft_py_payload_free: report
             * the failure without its object. */
            Py_CLEAR(value);
        }
        if (weft_outcome_set_error(outcome, WEFT_FAILED, text, value, weft_py_payload_free) != WEFT_OK &&
            value != NULL) {
            weft_py_payload_known(value, 1);
            Py_DECREF(value);
        }
        Py_XDECREF(s);
    }
    PyGILState_Release(g);
}

/* Python's preexec_fn, which weft calls in the forked child just before
 * exec. The parent forked holding the GIL (weft_py_popen_new_holding_gil),
 * so the child's only thread holds it too: it runs Python's at-fork child
 * hooks, then the callable, as CPython's _posixsubprocess does. A failure is
 * reported in CPython's words, which the parent raises as SubprocessError. */
void weft_py_preexec(void *arg, weft_outcome *outcome)
{
    PyOS_AfterFork_Child();
    PyObject *r = PyObject_CallNoArgs((PyObject *)arg);
    if (r == NULL) {
        PyErr_Clear();
        (void)weft_outcome_set_error(outcome, WEFT_FAILED, "Exception occurred in preexec_fn.", NULL, NULL);
        return;
    }
    Py_DECREF(r);
}

/* A value the library hands back: our own Python object (the reference
 * passes to the caller), None for NULL, or a capsule that frees a foreign
 * C value when collected. */
static void weft_py_capsule_free(PyObject *cap)
{
    weft_free_fn f = (weft_free_fn)(uintptr_t)PyCapsule_GetContext(cap);
    void *p = PyCapsule_GetPointer(cap, "weft.value");
    if (f != NULL && p != NULL)
        f(p);
}

PyObject *weft_py_take_value(void *v, weft_free_fn f)
{
    if (f == weft_py_decref && v != NULL)
        return (PyObject *)v;
    if (v == NULL)
        Py_RETURN_NONE;
    PyObject *cap = PyCapsule_New(v, "weft.value", f != NULL ? weft_py_capsule_free : NULL);
    if (cap != NULL && f != NULL)
        PyCapsule_SetContext(cap, (void *)(uintptr_t)f);
    else if (cap == NULL && f != NULL)
        f(v);
    return cap;
}
/* A NULL-terminated array of C strings from a sequence of str, bytes or
 * path-like objects (os.fsencode's rules); the bytes objects are kept in
 * `*keep` until the call is over. */
char **weft_py_strv(PyObject *seq, PyObject **keep, size_t *count)
{
    PyObject *fast = PySequence_Fast(seq, "a sequence of str, bytes or path-like objects is required");
    if (fast == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    PyObject *list = PyList_New(0);
    char **v = calloc((size_t)n + 1, sizeof(char *));
    if (list == NULL || v == NULL) {
        Py_DECREF(fast);
        Py_XDECREF(list);
        free(v);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *b = NULL;
        if (!PyUnicode_FSConverter(PySequence_Fast_GET_ITEM(fast, i), &b) || PyList_Append(list, b) < 0) {
            Py_XDECREF(b);
            Py_DECREF(fast);
            Py_DECREF(list);
            free(v);
            return NULL;
        }
        v[i] = PyBytes_AS_STRING(b);
        Py_DECREF(b); /* the list keeps it */
    }
    Py_DECREF(fast);
    *keep = list;
    if (count != NULL)
        *count = (size_t)n;
    return v;
}

PyObject *weft_py_bytes(const char *data, size_t len)
{
    if (data == NULL)
        Py_RETURN_NONE;
    return PyBytes_FromStringAndSize(data, (Py_ssize_t)len);
}
/* An exception raised by a callback that returns a plain C value (a
 * priority queue's comparison, a scheduler's clock) cannot cross the C
 * call: it waits here, in the thread that made the call, for the package
 * to re-raise it (weft_py_take_error). */
static _Thread_local PyObject *weft_py_callback_error;

/* Keeps the first exception of the call (the others are dropped). */
static void weft_py_stash_error(void)
{
    if (weft_py_callback_error != NULL) {
        PyErr_Clear();
        return;
    }
    PyObject *t, *v, *tb;
    PyErr_Fetch(&t, &v, &tb);
    PyErr_NormalizeException(&t, &v, &tb);
    if (v != NULL && tb != NULL)
        PyException_SetTraceback(v, tb);
    Py_XDECREF(t);
    Py_XDECREF(tb);
    weft_py_callback_error = v;
}

/* Orders two Python objects with `<`, as heapq does. Runs in the thread
 * that put or got, under the container's lock. */
int weft_py_compare(const void *a, const void *b, void *arg)
{
    (void)arg;
    if (!weft_py_alive())
        return 0;
    PyGILState_STATE g = weft_py_ensure();
    int r = 0;
    PyObject *x = a != NULL ? (PyObject *)a : Py_None, *y = b != NULL ? (PyObject *)b : Py_None;
    int lt = PyObject_RichCompareBool(x, y, Py_LT);
    if (lt > 0) {
        r = -1;
    } else if (lt == 0) {
        int gt = PyObject_RichCompareBool(y, x, Py_LT);
        r = gt > 0 ? 1 : 0;
        lt = gt;
    }
    if (lt < 0)
        weft_py_stash_error();
    PyGILState_Release(g);
    return r;
}

/* A scheduler's clock and wait, Python callables given as one tuple
 * (timefunc, delayfunc) that the scheduler's owner keeps alive. */
double weft_py_timefunc(void *arg)
{
    double t = 0.0;
    if (arg == NULL || !weft_py_alive())
        return t;
    PyGILState_STATE g = weft_py_ensure();
    PyObject *r = PyObject_CallNoArgs(PyTuple_GET_ITEM((PyObject *)arg, 0));
    if (r != NULL) {
        t = PyFloat_AsDouble(r);
        Py_DECREF(r);
    }
    if (PyErr_Occurred())
        weft_py_stash_error();
    PyGILState_Release(g);
    return t;
}

void weft_py_delayfunc(void *arg, double seconds)
{
    if (arg == NULL || !weft_py_alive())
        return;
    PyGILState_STATE g = weft_py_ensure();
    PyObject *r = PyObject_CallFunction(PyTuple_GET_ITEM((PyObject *)arg, 1), "d", seconds);
    Py_XDECREF(r);
    if (PyErr_Occurred())
        weft_py_stash_error();
    PyGILState_Release(g);
}
/* Sets the class raised for a status code (the package's adapters). */
PyObject *weft_py_set_exception(int code, PyObject *cls)
{
    if (!PyExceptionClass_Check(cls)) {
        PyErr_SetString(PyExc_TypeError, "an exception class is required");
        return NULL;
    }
    if (weft_py_exc_cache == NULL && (weft_py_exc_cache = PyDict_New()) == NULL)
        return NULL;
    PyObject *key = PyLong_FromLong(code);
    if (key == NULL)
        return NULL;
    int rc = PyDict_SetItem(weft_py_exc_cache, key, cls);
    Py_DECREF(key);
    if (rc < 0)
        return NULL;
    Py_RETURN_NONE;
}

/* The status table as a list of (code, name, python exception, message). */
PyObject *weft_py_status_table(void)
{
    PyObject *list = PyList_New(0);
    if (list == NULL)
        return NULL;
#define WEFT_PY_ROW(name, value, pyexc, message)                                         \
    do {                                                                                 \
        PyObject *row_ = Py_BuildValue("(isss)", value, "WEFT_" #name, pyexc, message); \
        if (row_ == NULL || PyList_Append(list, row_) < 0) {                             \
            Py_XDECREF(row_);                                                            \
            Py_DECREF(list);                                                             \
            return NULL;                                                                 \
        }                                                                                \
        Py_DECREF(row_);                                                                 \
    } while (0);
    WEFT_STATUS_MAP(WEFT_PY_ROW)
#undef WEFT_PY_ROW
    return list;
}

/* Raises, in the calling thread, the exception a comparison raised during
 * its last call into weft (None if there was none). */
PyObject *weft_py_take_error(void)
{
    PyObject *e = weft_py_callback_error;
    weft_py_callback_error = NULL;
    if (e == NULL)
        Py_RETURN_NONE;
    PyErr_SetObject((PyObject *)Py_TYPE(e), e);
    Py_DECREF(e);
    return NULL;
}

/* Installs the thread hooks (kept thread states) and the excepthook that
 * routes failures of weft threads to `fn(status, message, ident, exc)`
 * (exc: the Python exception, or None). A no-op without weft's threads. */
PyObject *weft_py_install_thread_hooks(PyObject *fn)
{
    (void)pthread_once(&weft_py_fork_once, weft_py_fork_register);
#ifdef WEFT_THREAD_START
    if (fn != Py_None && !PyCallable_Check(fn)) {
        PyErr_SetString(PyExc_TypeError, "a callable or None is required");
        return NULL;
    }
    Py_XINCREF(fn == Py_None ? NULL : fn);
    Py_XSETREF(weft_py_excepthook_fn, fn == Py_None ? NULL : fn);
    weft_threading_settrace(weft_py_thread_hook, NULL);
    weft_threading_set_excepthook(weft_py_excepthook, NULL);
#else
    (void)fn;
#endif
    Py_RETURN_NONE;
}



/* Raises the class a failed call with this code raises, with the code's
 * own text: no failure happened, so the thread's last message and errno
 * (of some earlier call) say nothing about it. */
PyObject *weft_py_raise_status(int code)
{
    PyErr_SetString(weft_py_exc_class(code), weft_strerror(code));
    return NULL;
}

/* True in the main interpreter, the only one the binding supports: its
 * threads, hooks and callbacks are bound to the main interpreter's GIL
 * state. The package refuses to import elsewhere. */
PyObject *weft_py_main_interpreter(void)
{
    return PyBool_FromLong(PyInterpreterState_Get() == PyInterpreterState_Main());
}

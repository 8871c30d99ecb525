/* Python section of bindings/weft.i: the generic typemaps that turn the C
 * shapes of the whole API into Python ones, so a function added to a public
 * header reaches Python with no code of its own:
 *
 *  - a `weft_status` result becomes None, or raises the exception that
 *    weft_status_exception() names for the code, with weft_errmsg();
 *  - `T **out` handle parameters become return values: shadow objects whose
 *    destructor calls weft_<object>_free (weft_handles.i, generated from the
 *    headers, lists the handle types);
 *  - scalar out-parameters (`int *`, `size_t *`, `double *`, `char **`, ...)
 *    become return values;
 *  - a CALLABLE takes any Python callable, run by one trampoline that takes
 *    the GIL;
 *  - an OWNED value stores a Python object (one reference, dropped by the
 *    free function), a TAKEN one hands that reference back, a
 *    BORROWED_VALUE a new one.
 * The names in capitals are the abstract patterns weft.i applies to the
 * parameter names the headers use: this file implements each shape once.
 *
 * The GIL is released around every C call (the %exception below), so
 * blocking calls never hold it; a call given `timeout == 0` cannot block and
 * keeps it, which spares the thread switch on fast paths such as
 * get_nowait() or a first non-blocking try. */

/* Docstrings generated from the headers' Doxygen comments. */
%include "weft_docstrings.i"

/* The runtime the typemaps call lives in runtime.c (weft_python.h); only the
 * helpers that need SWIG's own runtime are written in this file. */
%{
#include "weft_python.h"
%}

/* ---- the GIL ------------------------------------------------------------- */

/* weft_py_again_ is where a call that a signal interrupted starts over
 * (the weft_status out typemap jumps back to it). */
%exception {
weft_py_again_: __attribute__((unused));
    WEFT_PY_FLUSH();
    weft_py_wait weft_py_wait_ = weft_py_wait_take();
    if (weft_py_keep_gil) {
        weft_py_keep_gil = 0;
        $action
    } else {
        PyThreadState *weft_py_save_ = PyEval_SaveThread();
        $action
        PyEval_RestoreThread(weft_py_save_);
    }
    weft_py_wait_cur = weft_py_wait_;
}
/* Calls that never block and take no lock that a Python callback could be
 * waiting behind keep the GIL too: SimpleQueue's put is documented
 * reentrant and async-signal-safe. */
%exception weft_simple_queue_put {
weft_py_again_: __attribute__((unused));
    WEFT_PY_FLUSH();
    $action
}
%exception weft_simple_queue_put_nowait {
weft_py_again_: __attribute__((unused));
    WEFT_PY_FLUSH();
    $action
}

%typemap(check) double timeout {
    if ($1 == 0.0)
        weft_py_keep_gil = 1;
    weft_py_wait_register(&$1);
}

/* ---- status -> exception ---------------------------------------------- */

/* The C functions that give text about a status cannot fail: they keep
 * their int parameters. Every other weft_status result raises. */
%typemap(out) weft_status {
    if ($1 == WEFT_INTERRUPTED) {
        if (weft_py_wait_again() < 0)
            SWIG_fail;
        goto weft_py_again_;
    }
    weft_py_wait_cur.slot = NULL;
    if ($1 != WEFT_OK) {
        weft_py_raise((int)$1);
        SWIG_fail;
    }
    $result = SWIG_Py_Void();
    weft_py_nout = 0; /* the results follow, with the GIL held throughout */
}

/* ---- handles ------------------------------------------------------------ */

/* A handle type becomes a shadow class with no constructor (objects come
 * from weft_<object>_new and friends) and a destructor calling
 * weft_<object>_free. */
/* `T **out`: the new handle (one reference, owned by the shadow object) is
 * the return value. Every `T **` of a handle type is such a result, whatever
 * its name (input arrays of handles are `T *const *`), except a `T
 * **borrowed` (below). */
%typemap(in, numinputs=0) SWIGTYPE **out ($*1_ltype temp = NULL) {
    $1 = &temp;
}
%typemap(argout) SWIGTYPE **out {
    $result = weft_py_append($result,
        SWIG_NewPointerObj(SWIG_as_voidptr(*$1), $*1_descriptor, *$1 != NULL ? SWIG_POINTER_OWN : 0));
}

/* BORROWED_HANDLE (weft.i: a `T **borrowed` result): the handle stays the
 * object's it came from, so the shadow object takes a reference of its own
 * (weft_handle_ref) and owns that, as every handle object owns one. */
%typemap(in, numinputs=0) SWIGTYPE **BORROWED_HANDLE ($*1_ltype temp = NULL) {
    $1 = &temp;
}
%typemap(argout) SWIGTYPE **BORROWED_HANDLE {
    if (*$1 != NULL && weft_handle_ref(*$1) != WEFT_OK) {
        weft_py_raise(WEFT_EINVAL);
        SWIG_fail;
    }
    $result = weft_py_append($result,
        SWIG_NewPointerObj(SWIG_as_voidptr(*$1), $*1_descriptor, *$1 != NULL ? SWIG_POINTER_OWN : 0));
}

/* `(T ***out, size_t *n)`: an array of new references (the caller frees each
 * and the array with weft_free()) becomes a list of shadow objects.
 * `(T *const *fs, size_t n)`: an input array of handles, from any sequence.
 * SWIG matches multi-argument typemaps by name, so the names the headers
 * use are listed; a `T *const *` would otherwise match `T **` (a result). */
%define %weft_handle(TYPE)
%nodefaultctor TYPE;
struct TYPE {};
%extend TYPE {
    ~TYPE() { (void)TYPE##_free($self); }
}
/* Calling TYPE_free from Python empties the object (its pointer becomes
 * NULL, which every later call reports as ValueError) instead of leaving a
 * dangling pointer that the destructor would free a second time. */
%typemap(in) TYPE * (void *argp = 0, int res = 0) {
    res = SWIG_ConvertPtr($input, &argp, $descriptor(TYPE *), 0);
    if (!SWIG_IsOK(res)) {
        SWIG_exception_fail(SWIG_ArgError(res), "in method '$symname', argument $argnum of type '$type'");
    }
    $1 = ($ltype)argp;
    if (strcmp("$symname", #TYPE "_free") == 0) {
        SwigPyObject *so_ = SWIG_Python_GetSwigThis($input);
        if (so_ != NULL) {
            so_->ptr = NULL;
            so_->own = 0;
        }
    }
}
%apply SWIGTYPE **out { TYPE ** };
%apply SWIGTYPE **BORROWED_HANDLE { TYPE **borrowed };
%typemap(in, numinputs=0) (TYPE ***out, size_t *n) (TYPE **arr = NULL, size_t cnt = 0),
                          (TYPE ***events, size_t *count) (TYPE **arr = NULL, size_t cnt = 0) {
    $1 = &arr;
    $2 = &cnt;
}
%typemap(argout) (TYPE ***out, size_t *n), (TYPE ***events, size_t *count) {
    PyObject *list_ = PyList_New((Py_ssize_t)*$2);
    for (size_t i_ = 0; i_ < *$2; i_++) {
        PyObject *o_ = list_ != NULL ? SWIG_NewPointerObj(SWIG_as_voidptr((*$1)[i_]), $descriptor(TYPE *), SWIG_POINTER_OWN) : NULL;
        if (o_ == NULL) { /* drop the references not handed over */
            for (size_t j_ = i_; j_ < *$2; j_++)
                (void)TYPE##_free((*$1)[j_]);
            break;
        }
        PyList_SET_ITEM(list_, (Py_ssize_t)i_, o_);
    }
    weft_free(*$1);
    *$1 = NULL;
    if (list_ == NULL || PyErr_Occurred()) {
        Py_XDECREF(list_);
        SWIG_fail;
    }
    $result = weft_py_append($result, list_);
}
%typemap(in) (TYPE *const *fs, size_t n) {
    PyObject *seq_ = PySequence_Fast($input, "a sequence is required");
    if (seq_ == NULL)
        SWIG_fail;
    Py_ssize_t n_ = PySequence_Fast_GET_SIZE(seq_);
    $1 = ($1_ltype)calloc(n_ > 0 ? (size_t)n_ : 1, sizeof(void *));
    if ($1 == NULL) {
        Py_DECREF(seq_);
        PyErr_NoMemory();
        SWIG_fail;
    }
    $2 = (size_t)n_;
    for (Py_ssize_t i_ = 0; i_ < n_; i_++) {
        void *p_ = NULL;
        int res_ = SWIG_ConvertPtr(PySequence_Fast_GET_ITEM(seq_, i_), &p_, $descriptor(TYPE *), 0);
        if (!SWIG_IsOK(res_)) {
            Py_DECREF(seq_);
            SWIG_exception_fail(SWIG_ArgError(res_), "in '$symname', an element of the sequence is not a " #TYPE);
        }
        ((void **)$1)[i_] = p_;
    }
    Py_DECREF(seq_);
}
%typemap(freearg) (TYPE *const *fs, size_t n) {
    free((void *)$1);
}
%typemap(argout) (TYPE *const *fs, size_t n) "";
%enddef

%include "weft_handles.i"

/* ---- scalar out-parameters ---------------------------------------------- */

/* Fixed-width integers (uint64_t results, int64_t priorities) as Python ints. */
%include "stdint.i"

/* In this API a pointer to a non-const scalar is always a result (inputs are
 * passed by value, input arrays are const), so every such parameter, whatever
 * its name, becomes a return value. */
%define %weft_scalar_out(CTYPE, TOPY)
%typemap(in, numinputs=0) CTYPE * (CTYPE temp = 0) {
    $1 = &temp;
}
%typemap(argout) CTYPE * {
    $result = weft_py_append($result, TOPY);
}
%enddef
%weft_scalar_out(int, PyLong_FromLong((long)*$1))
%weft_scalar_out(unsigned, PyLong_FromUnsignedLong((unsigned long)*$1))
%weft_scalar_out(long, PyLong_FromLong(*$1))
%weft_scalar_out(size_t, PyLong_FromSize_t(*$1))
%weft_scalar_out(int64_t, PyLong_FromLongLong((long long)*$1))
%weft_scalar_out(uint64_t, PyLong_FromUnsignedLongLong((unsigned long long)*$1))
%weft_scalar_out(intptr_t, PyLong_FromSsize_t((Py_ssize_t)*$1))
%weft_scalar_out(double, PyFloat_FromDouble(*$1))
%weft_scalar_out(bool, PyBool_FromLong(*$1))

/* SIZE (weft.i): a count or size going in; a negative one is ValueError,
 * as the standard modules raise it, not an OverflowError. */
%typemap(in) size_t SIZE {
    Py_ssize_t v_ = PyNumber_AsSsize_t($input, PyExc_OverflowError);
    if (v_ == -1 && PyErr_Occurred())
        SWIG_fail;
    if (v_ < 0) {
        PyErr_Format(PyExc_ValueError, "$symname: $1_name must not be negative (got %zd)", v_);
        SWIG_fail;
    }
    $1 = (size_t)v_;
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_SIZE) size_t SIZE {
    $1 = PyIndex_Check($input);
}

/* A status reported by a call (a future's failure code). */
%typemap(in, numinputs=0) weft_status * (weft_status temp = WEFT_OK) {
    $1 = &temp;
}
%typemap(argout) weft_status * {
    $result = weft_py_append($result, PyLong_FromLong((long)*$1));
}

/* `const char **`: a static or borrowed string, copied into a str. */
%typemap(in, numinputs=0) const char ** (const char *temp = NULL) {
    $1 = ($1_ltype)&temp;
}
%typemap(argout) const char ** {
    PyObject *s_;
    if (*$1 == NULL) {
        s_ = Py_None;
        Py_INCREF(s_);
    } else {
        s_ = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)strlen(*$1), "surrogateescape");
    }
    $result = weft_py_append($result, s_);
}

/* Borrowed: nothing to free (SWIG would otherwise use the char ** freearg). */
%typemap(freearg) const char ** "";

/* `char **`: a string the caller owns, copied into a str and weft_free()d. */
%typemap(in, numinputs=0) char ** (char *temp = NULL) {
    $1 = &temp;
}
%typemap(argout) char ** {
    PyObject *s_;
    if (*$1 == NULL) {
        s_ = Py_None;
        Py_INCREF(s_);
    } else {
        s_ = PyUnicode_DecodeUTF8(*$1, (Py_ssize_t)strlen(*$1), "surrogateescape");
    }
    $result = weft_py_append($result, s_);
}
%typemap(freearg) char ** {
    weft_free(*$1);
}

/* ---- callables ------------------------------------------------------------ */

/* Any Python callable (the names are the API's: fn or action, arg, free_arg); the library holds one
 * reference, dropped by free_arg (by us again if the call fails: the caller
 * then keeps the argument). None stands for "no callable" (a Barrier
 * without action). */
%typemap(in) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) (int owned = 0) {
    if ($input == Py_None) {
        $1 = NULL;
        $2 = NULL;
        $3 = NULL;
    } else if (!PyCallable_Check($input)) {
        PyErr_SetString(PyExc_TypeError, "a callable is required");
        SWIG_fail;
    } else {
        Py_INCREF($input);
        owned = 1;
        $1 = weft_py_trampoline;
        $2 = (void *)$input;
        $3 = weft_py_decref;
    }
}
%typemap(argout) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) {
    owned$argnum = 0;
}
%typemap(freearg) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) {
    if (owned$argnum)
        Py_DECREF((PyObject *)$2);
}
%typemap(typecheck, precedence=SWIG_TYPECHECK_POINTER) (weft_fn CALLABLE, void *CALLABLE_ARG, weft_free_fn CALLABLE_FREE) {
    $1 = $input == Py_None || PyCallable_Check($input);
}

/* A callable the library runs only during the call (weft_call): borrowed. */
%typemap(in) (weft_fn CALL_NOW, void *CALL_NOW_ARG) {
    if (!PyCallable_Check($input)) {
        PyErr_SetString(PyExc_TypeError, "a callable is required");
        SWIG_fail;
    }
    $1 = weft_py_trampoline;
    $2 = (void *)$input;
}

/* ---- values: Python objects stored in weft -------------------------------- */

/* A value or item handed to weft is a Python object with one reference the
 * library owns once the call succeeds; on failure the caller still owns it
 * and the reference is dropped again (freearg). Its free function, whether
 * passed beside it or given at the container's creation (a lone
 * weft_free_fn parameter), is weft_py_decref. */
%typemap(in, numinputs=0) weft_free_fn {
    $1 = weft_py_decref;
}
%typemap(in) (void *OWNED, weft_free_fn OWNED_FREE) (int owned = 0) {
    Py_INCREF($input);
    owned = 1;
    $1 = (void *)$input;
    $2 = weft_py_decref;
}
%typemap(in) void *OWNED (int owned = 0) {
    Py_INCREF($input);
    owned = 1;
    $1 = (void *)$input;
}
%typemap(argout) (void *OWNED, weft_free_fn OWNED_FREE), void *OWNED {
    owned$argnum = 0;
}
%typemap(freearg) (void *OWNED, weft_free_fn OWNED_FREE), void *OWNED {
    if (owned$argnum)
        Py_DECREF((PyObject *)$1);
}

/* A value handed back with its free function: the caller owns it. */
%typemap(in, numinputs=0) (void **TAKEN, weft_free_fn *TAKEN_FREE) (void *v = NULL, weft_free_fn f = NULL) {
    $1 = &v;
    $2 = &f;
}
%typemap(argout) (void **TAKEN, weft_free_fn *TAKEN_FREE) {
    $result = weft_py_append($result, weft_py_take_value(*$1, *$2));
}

/* `void **item`: an item taken out of a container (a queue's get); the
 * caller owns it, so its reference passes to Python. */
%typemap(in, numinputs=0) void **TAKEN (void *v = NULL) {
    $1 = &v;
}
%typemap(argout) void **TAKEN {
    PyObject *o_ = *$1 != NULL ? (PyObject *)*$1 : Py_None;
    if (*$1 == NULL)
        Py_INCREF(o_);
    $result = weft_py_append($result, o_);
}

/* `void **value`, `void **payload`: borrowed from the object that keeps
 * owning it (a future's result, a thread-local value): a new reference. */
%typemap(in, numinputs=0) void **BORROWED_VALUE (void *v = NULL) {
    $1 = &v;
}
%typemap(argout) void **BORROWED_VALUE {
    PyObject *o_ = *$1 != NULL ? (PyObject *)*$1 : Py_None;
    Py_INCREF(o_);
    $result = weft_py_append($result, o_);
}

/* ---- bytes, argument vectors, integer arrays ------------------------------ */


/* Argument vectors and environments: any sequence of str/bytes/path-like. */
%typemap(in) const char *const *argv (PyObject *keep = NULL), const char *const *envp (PyObject *keep = NULL) {
    if ($input == Py_None) {
        $1 = NULL;
    } else if (($1 = ($1_ltype)weft_py_strv($input, &keep, NULL)) == NULL) {
        SWIG_fail;
    }
}
%typemap(argout) const char *const *argv, const char *const *envp ""; /* not the char ** result */
%typemap(freearg) const char *const *argv, const char *const *envp {
    free((void *)$1);
    Py_XDECREF(keep$argnum);
}
%typemap(in) (const char *const *groups, size_t n) (PyObject *keep = NULL) {
    if (($1 = ($1_ltype)weft_py_strv($input, &keep, &$2)) == NULL)
        SWIG_fail;
}
%typemap(argout) (const char *const *groups, size_t n) "";
%typemap(freearg) (const char *const *groups, size_t n) {
    free((void *)$1);
    Py_XDECREF(keep$argnum);
}

/* An array of C ints from any sequence of integers (file descriptors). */
%typemap(in) (const int *fds, size_t n) {
    PyObject *seq_ = PySequence_Fast($input, "a sequence of integers is required");
    if (seq_ == NULL)
        SWIG_fail;
    Py_ssize_t n_ = PySequence_Fast_GET_SIZE(seq_);
    $1 = ($1_ltype)calloc(n_ > 0 ? (size_t)n_ : 1, sizeof(int));
    $2 = (size_t)n_;
    for (Py_ssize_t i_ = 0; $1 != NULL && i_ < n_; i_++) {
        long v_ = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq_, i_));
        if (v_ == -1 && PyErr_Occurred())
            break;
        ((int *)$1)[i_] = (int)v_;
    }
    Py_DECREF(seq_);
    if ($1 == NULL)
        PyErr_NoMemory();
    if (PyErr_Occurred())
        SWIG_fail;
}
%typemap(freearg) (const int *fds, size_t n) {
    free((void *)$1);
}

/* Bytes in: any bytes-like object, or None for no data. BYTES_AT (weft.i)
 * is the same object whole, at offset 0 (the package slices it first);
 * BUFFER is a writable one (bytearray, array, memoryview, ...). The buffer
 * is held until the call is over, through which the GIL may be released. */
%define %weft_py_buffer(PATTERN, FLAGS, NONE_OK, SET)
%typemap(in) PATTERN (Py_buffer view) {
    view.obj = NULL;
    if (NONE_OK && $input == Py_None) {
        $1 = NULL;
        $2 = 0;
    } else {
        if (PyObject_GetBuffer($input, &view, FLAGS) < 0)
            SWIG_fail;
        SET;
    }
}
%typemap(freearg) PATTERN {
    if (view$argnum.obj != NULL)
        PyBuffer_Release(&view$argnum);
}
%enddef
%weft_py_buffer(%arg((const void *BYTES, size_t BYTES_LEN)), PyBUF_SIMPLE, 1,
                %arg($1 = view.buf; $2 = (size_t)view.len))
%weft_py_buffer(%arg((const void *BYTES_AT, size_t BYTES_AT_OFFSET, size_t BYTES_AT_LEN)), PyBUF_SIMPLE, 0,
                %arg($1 = view.buf; $2 = 0; $3 = (size_t)view.len))
%weft_py_buffer(%arg((void *BUFFER, size_t BUFFER_LEN)), PyBUF_WRITABLE, 0,
                %arg($1 = view.buf; $2 = (size_t)view.len))

/* Bytes out that the caller owns (freed with weft_free()): bytes, or None. */
%typemap(in, numinputs=0) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) ($*1_ltype buf = NULL, size_t len = 0) {
    $1 = &buf;
    $2 = &len;
}
%typemap(argout) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) {
    $result = weft_py_append($result, weft_py_bytes(*$1, *$2));
}
%typemap(freearg) (char **BYTES_OUT, size_t *BYTES_OUT_LEN) {
    weft_free(*$1);
}

/* WAIT_ENTRIES (weft.i): one sequence of weft connections and
 * descriptors (ints or objects with fileno()), side by side. */
%typemap(in) (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N)
             (weft_connection **conns = NULL, int *fds = NULL) {
    PyObject *seq_ = PySequence_Fast($input, "a sequence of connections and descriptors is required");
    if (seq_ == NULL)
        SWIG_fail;
    Py_ssize_t n_ = PySequence_Fast_GET_SIZE(seq_);
    conns = calloc(n_ > 0 ? (size_t)n_ : 1, sizeof *conns);
    fds = calloc(n_ > 0 ? (size_t)n_ : 1, sizeof *fds);
    if (conns == NULL || fds == NULL) {
        Py_DECREF(seq_);
        PyErr_NoMemory();
        SWIG_fail;
    }
    for (Py_ssize_t i_ = 0; i_ < n_; i_++) {
        PyObject *o_ = PySequence_Fast_GET_ITEM(seq_, i_);
        void *p_ = NULL;
        fds[i_] = -1;
        if (o_ != Py_None && SWIG_IsOK(SWIG_ConvertPtr(o_, &p_, $descriptor(weft_connection *), 0))) {
            conns[i_] = (weft_connection *)p_;
        } else if ((fds[i_] = PyObject_AsFileDescriptor(o_)) < 0) {
            Py_DECREF(seq_);
            SWIG_fail;
        }
    }
    Py_DECREF(seq_);
    $1 = conns;
    $2 = fds;
    $3 = (size_t)n_;
}
%typemap(freearg) (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N) {
    free(conns$argnum);
    free(fds$argnum);
}
%typemap(argout) (weft_connection *const *WAIT_ENTRIES, const int *WAIT_FDS, size_t WAIT_N) ""; /* not results */

/* READY_FLAGS (weft.i): a flag per entry of the wait, a list of bools.
 * The entries' count is the call's third argument (weft_connection_wait). */
%typemap(in, numinputs=0) (int *READY_FLAGS, size_t *READY_COUNT) (int *flags = NULL, size_t count = 0) {
    $2 = &count;
}
%typemap(check) (int *READY_FLAGS, size_t *READY_COUNT) {
    if ((flags$argnum = calloc(arg3 > 0 ? arg3 : 1, sizeof(int))) == NULL) {
        PyErr_NoMemory();
        SWIG_fail;
    }
    $1 = flags$argnum;
}
%typemap(argout) (int *READY_FLAGS, size_t *READY_COUNT) {
    PyObject *list_ = PyList_New((Py_ssize_t)arg3);
    for (size_t i_ = 0; list_ != NULL && i_ < arg3; i_++)
        PyList_SET_ITEM(list_, (Py_ssize_t)i_, PyBool_FromLong($1[i_]));
    $result = weft_py_append($result, list_);
}
%typemap(freearg) (int *READY_FLAGS, size_t *READY_COUNT) {
    free(flags$argnum);
}

/* Bytes out borrowed from an object: copied. */
%typemap(in, numinputs=0) (const char **BYTES_VIEW, size_t *BYTES_VIEW_LEN) (const char *buf = NULL, size_t len = 0) {
    $1 = ($1_ltype)&buf;
    $2 = &len;
}
%typemap(argout) (const char **BYTES_VIEW, size_t *BYTES_VIEW_LEN) {
    $result = weft_py_append($result, weft_py_bytes(*$1, *$2));
}

/* An argument vector borrowed from an object: a list of str. */
%typemap(in, numinputs=0) (const char *const **argv, size_t *argc) (const char *const *v = NULL, size_t n = 0) {
    $1 = ($1_ltype)&v;
    $2 = &n;
}
%typemap(argout) (const char *const **argv, size_t *argc) {
    PyObject *list_ = PyList_New((Py_ssize_t)*$2);
    for (size_t i_ = 0; list_ != NULL && i_ < *$2; i_++) {
        const char *a_ = (*$1)[i_] != NULL ? (*$1)[i_] : "";
        PyObject *s_ = PyUnicode_DecodeFSDefault(a_);
        if (s_ == NULL) {
            Py_CLEAR(list_);
            break;
        }
        PyList_SET_ITEM(list_, (Py_ssize_t)i_, s_);
    }
    if (list_ == NULL)
        SWIG_fail;
    $result = weft_py_append($result, list_);
}

/* Windows-only handle lists: no use on the platforms Python builds this for. */
%ignore weft_startupinfo_set_handle_list;
%ignore weft_startupinfo_handle_list;

/* ---- orderings and clocks (C callbacks that run Python: runtime.c) -------- */

/* None: weft's own clock and wakeable wait; else a (timefunc, delayfunc) tuple. */
%typemap(in) (weft_sched_timefunc timefunc, weft_sched_delayfunc delayfunc, void *clock_arg) {
    if ($input == Py_None) {
        $1 = NULL;
        $2 = NULL;
        $3 = NULL;
    } else if (PyTuple_Check($input) && PyTuple_GET_SIZE($input) == 2 &&
               PyCallable_Check(PyTuple_GET_ITEM($input, 0)) && PyCallable_Check(PyTuple_GET_ITEM($input, 1))) {
        $1 = weft_py_timefunc;
        $2 = weft_py_delayfunc;
        $3 = (void *)$input;
    } else {
        PyErr_SetString(PyExc_TypeError, "None or a (timefunc, delayfunc) tuple of callables is required");
        SWIG_fail;
    }
}

/* `(void **OLD_VALUE, int *MISSING)`: a borrowed value, or a sentinel that is not
 * a Python object when `missing` is set (a token's old value). */
%typemap(in, numinputs=0) (void **OLD_VALUE, int *MISSING) (void *v = NULL, int m = 0) {
    $1 = &v;
    $2 = &m;
}
%typemap(argout) (void **OLD_VALUE, int *MISSING) {
    /* One (value, missing) pair: SWIG would drop a None appended first. */
    PyObject *o_ = (*$2 || *$1 == NULL) ? Py_None : (PyObject *)*$1;
    $result = weft_py_append($result, Py_BuildValue("(Oi)", o_, *$2));
}

/* `void *default_value`: a Python object lent for the call. */
%typemap(in) void *LENT {
    $1 = (void *)$input;
}

/* A priority queue of Python objects orders them with `<`. */
%typemap(in, numinputs=0) (weft_queue_compare_fn cmp, void *cmp_arg) {
    $1 = weft_py_compare;
    $2 = NULL;
}

/* ---- module-level helpers for the `weft` package ---------------------------- */

/* They touch Python objects: they keep the GIL. */
%noexception weft_py_set_exception;
%noexception weft_py_status_table;
%noexception weft_py_raise_status;
%noexception weft_py_take_error;
%noexception weft_py_install_thread_hooks;
%noexception weft_py_main_interpreter;
%noexception weft_py_handle_id;
%noexception weft_py_futures_wait;
%noexception weft_py_message;
%noexception weft_py_popen_opts_set_preexec;
%noexception weft_py_popen_new_holding_gil;

/* Frees memory by address: meaningless from Python, and a crash if misused. */
%ignore weft_free;
/* For C callers: a Python program keeps a variable's default itself (the
 * binding never hands weft a default it would own). The C-level thread
 * hooks are ignored for every language (weft.i): this binding installs its
 * own (weft_py_install_thread_hooks), and the Python-level
 * settrace/setprofile/excepthook live in weft.threading. */
%ignore weft_context_missing;
%ignore weft_context_var_new_default;

/* Wrapped as they are: they take and give Python objects (runtime.c). */
PyObject *weft_py_set_exception(int code, PyObject *cls);
PyObject *weft_py_status_table(void);
PyObject *weft_py_take_error(void);
PyObject *weft_py_install_thread_hooks(PyObject *fn);
PyObject *weft_py_raise_status(int code);
const char *weft_py_message(const char *msg);
PyObject *weft_py_main_interpreter(void);

/* Only the main interpreter: the binding's threads and callbacks use the
 * main interpreter's GIL state (weft/__init__.py checks again, since a
 * subinterpreter may get a copy of this module without running this). */
%init %{
    if (PyInterpreterState_Get() != PyInterpreterState_Main()) {
        PyErr_SetString(PyExc_ImportError, "weft cannot be imported in a subinterpreter");
        return NULL;
    }
%}

/* The helpers that need SWIG's runtime (handle conversion). */
%inline %{
/* The handle's value, to recognise the same object behind two shadow
 * objects (a handle is an opaque value: equal values, same object). */
static PyObject *weft_py_handle_id(PyObject *h)
{
    void *p = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(h, &p, NULL, 0))) {
        PyErr_SetString(PyExc_TypeError, "a weft handle is required");
        return NULL;
    }
    return PyLong_FromVoidPtr(p);
}

/* weft_futures_wait() fills a caller-allocated array of done flags, a shape
 * no typemap can size: this wrapper returns them as a list of bools. (Its
 * wait is `seconds`, not `timeout`: the timeout typemap's GIL flag is for
 * wrappers under %exception, and this one handles the GIL itself.) */
static PyObject *weft_py_futures_wait(PyObject *fs, int return_when, double seconds)
{
#ifdef WEFT_ALL_COMPLETED
    swig_type_info *ty = SWIG_TypeQuery("weft_future *");
    PyObject *seq = PySequence_Fast(fs, "a sequence of futures is required");
    if (seq == NULL)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    weft_future **arr = calloc(n > 0 ? (size_t)n : 1, sizeof *arr);
    unsigned char *done = calloc(n > 0 ? (size_t)n : 1, 1);
    PyObject *res = NULL;
    if (arr == NULL || done == NULL) {
        PyErr_NoMemory();
        goto out;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        void *p = NULL;
        if (!SWIG_IsOK(SWIG_ConvertPtr(PySequence_Fast_GET_ITEM(seq, i), &p, ty, 0))) {
            PyErr_SetString(PyExc_TypeError, "a sequence of futures is required");
            goto out;
        }
        arr[i] = p;
    }
    weft_status st;
    weft_py_wait_register(&seconds);
    for (;;) {
        weft_py_wait w = weft_py_wait_take();
        if (seconds == 0.0) {
            st = weft_futures_wait(arr, (size_t)n, return_when, seconds, done, NULL);
        } else {
            Py_BEGIN_ALLOW_THREADS
            st = weft_futures_wait(arr, (size_t)n, return_when, seconds, done, NULL);
            Py_END_ALLOW_THREADS
        }
        weft_py_wait_cur = w;
        if (st != WEFT_INTERRUPTED)
            break;
        if (weft_py_wait_again() < 0)
            goto out;
    }
    weft_py_wait_cur.slot = NULL;
    if (st != WEFT_OK) {
        weft_py_raise((int)st);
        goto out;
    }
    res = PyList_New(n);
    for (Py_ssize_t i = 0; res != NULL && i < n; i++)
        PyList_SET_ITEM(res, i, PyBool_FromLong(done[i]));
out:
    free(arr);
    free(done);
    Py_DECREF(seq);
    return res;
#else
    (void)fs;
    (void)return_when;
    (void)seconds;
    PyErr_SetString(PyExc_NotImplementedError, "weft has no futures");
    return NULL;
#endif
}

/* preexec_fn (weft.subprocess): the callable runs in the forked child with
 * the GIL that the forking thread held, so that Popen is started without
 * releasing it, between Python's own before- and after-fork steps
 * (PyOS_BeforeFork, PyOS_AfterFork_Parent; the child runs
 * PyOS_AfterFork_Child in weft_py_preexec), as CPython's _posixsubprocess
 * does. Other threads wait for the GIL until the child has exec'd. */
#ifdef WEFT_SUBPROCESS_PIPE
static PyObject *weft_py_popen_opts_set_preexec(PyObject *opts, PyObject *fn)
{
    void *o = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(opts, &o, SWIG_TypeQuery("weft_popen_opts *"), 0)) || o == NULL) {
        PyErr_SetString(PyExc_TypeError, "a weft_popen_opts is required");
        return NULL;
    }
    if (!PyCallable_Check(fn)) {
        PyErr_SetString(PyExc_TypeError, "preexec_fn must be callable");
        return NULL;
    }
    Py_INCREF(fn);
    weft_status st = weft_popen_opts_set_preexec((weft_popen_opts *)o, weft_py_preexec, fn, weft_py_decref);
    if (st != WEFT_OK) {
        Py_DECREF(fn);
        weft_py_raise((int)st);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyObject *weft_py_popen_new_holding_gil(PyObject *argv, PyObject *opts)
{
    void *o = NULL;
    if (!SWIG_IsOK(SWIG_ConvertPtr(opts, &o, SWIG_TypeQuery("weft_popen_opts *"), 0)) || o == NULL) {
        PyErr_SetString(PyExc_TypeError, "a weft_popen_opts is required");
        return NULL;
    }
    PyObject *keep = NULL;
    char **v = weft_py_strv(argv, &keep, NULL);
    if (v == NULL)
        return NULL;
    weft_popen *p = NULL;
    PyOS_BeforeFork();
    weft_status st = weft_popen_new(&p, (const char *const *)v, (const weft_popen_opts *)o);
    PyOS_AfterFork_Parent();
    free(v);
    Py_XDECREF(keep);
    if (st != WEFT_OK) {
        weft_py_raise((int)st);
        return NULL;
    }
    /* (SWIG_NewPointerObj wants a wrapper's `self`, used only by constructors.) */
    return SWIG_Python_NewPointerObj(NULL, p, SWIG_TypeQuery("weft_popen *"), SWIG_POINTER_OWN);
}
#else
static PyObject *weft_py_popen_opts_set_preexec(PyObject *opts, PyObject *fn)
{
    (void)opts;
    (void)fn;
    PyErr_SetString(PyExc_NotImplementedError, "weft has no subprocesses");
    return NULL;
}

static PyObject *weft_py_popen_new_holding_gil(PyObject *argv, PyObject *opts)
{
    (void)argv;
    (void)opts;
    PyErr_SetString(PyExc_NotImplementedError, "weft has no subprocesses");
    return NULL;
}
#endif
%}
%ignore weft_futures_wait;

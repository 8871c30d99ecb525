/* Go section of bindings/weft.i.
 *
 * SWIG builds the low-level package weft.dev/weft/internal/cweft; the
 * package weft.dev/weft wraps it in idiomatic Go. Every rule here matches
 * types, never function names, so a function added to a public header
 * reaches cweft with no code of its own:
 * - a `weft_status` result becomes a Go `error` (nil on success), carrying
 *   the status and the message weft_errmsg() gave on the thread that made
 *   the call (goroutines move between threads, so it is read right there);
 * - `T **` and pointers to scalars are pointers to Go variables the call
 *   fills in;
 * - every `void *` the library holds for the caller is a runtime/cgo Handle,
 *   and every `weft_free_fn` beside it is the one function that deletes such
 *   a handle, so Go values go into queues and futures as they are;
 * - a `weft_fn` is the one trampoline that calls the Go function whose handle
 *   is the argument; a `weft_pred_fn` likewise for predicates. */

%insert(cgo_comment_typedefs) %{
#include <stdlib.h>
#include <stdint.h>

// The pointer behind an address C handed to Go as a uintptr (C memory,
// which Go's collector neither moves nor frees): converted on the C side,
// where the address came from, so Go never turns a uintptr into an
// unsafe.Pointer. (Line comments: this text sits inside a Go comment.)
static inline void *weft_go_pointer(uintptr_t p) { return (void *)p; }
%}

%include <stdint.i>

%{
/* The exported Go functions (in the cgo part of cweft) that the trampolines
 * call; their C types are those cgo generates for them. */
extern void weftGoCall(uintptr_t handle, uintptr_t outcome);
extern int weftGoPred(uintptr_t handle);
extern void weftGoRelease(uintptr_t handle);

static void weft_go_trampoline(void *arg, weft_outcome *outcome)
{
    /* No handle: no Go function was given (an optional action). */
    if (arg != NULL)
        weftGoCall((uintptr_t)arg, (uintptr_t)outcome);
}

static int weft_go_pred(void *arg)
{
    return weftGoPred((uintptr_t)arg);
}

static void weft_go_release(void *p)
{
    if (p != NULL)
        weftGoRelease((uintptr_t)p);
}

/* A failed status with the calling thread's message, handed to Go as one
 * allocation that the Go side frees. */
typedef struct weft_go_failure {
    int code;
    int errnum; /* weft_errno() for WEFT_OS */
    char message[];
} weft_go_failure;

static uintptr_t weft_go_status(weft_status st)
{
    if (st == WEFT_OK)
        return 0;
    const char *m = weft_errmsg();
    size_t n = strlen(m);
    weft_go_failure *f = malloc(sizeof *f + n + 1);
    if (f == NULL)
        return (uintptr_t)1; /* Go reads 1 as WEFT_NOMEM without a message */
    f->code = (int)st;
    f->errnum = st == WEFT_OS ? weft_errno() : 0;
    memcpy(f->message, m, n + 1);
    return (uintptr_t)f;
}
%}

/* ---- status -------------------------------------------------------------- */

%typemap(gotype) weft_status "error"
%typemap(imtype) weft_status "uintptr"
%typemap(out) weft_status %{ $result = weft_go_status($1); %}
%typemap(goout) weft_status %{ $result = takeStatus($1) %}
/* As an argument (a status a callable reports) it stays a number. */
%typemap(gotype) weft_status code "int"
%typemap(imtype) weft_status code "int"
%typemap(in) weft_status code %{ $1 = (weft_status)$input; %}

%insert(go_wrapper) %{
// Error is a failure reported by weft: its status code and the message the
// library gave for it. errors.Is matches two Errors of the same code, so
// errors.Is(err, weft.ErrTimeout) holds for any timeout.
type Error struct {
	Code    int
	Message string
	Errno   int   // the errno of a WEFT_OS failure (OSError.errno), else 0
	Cause   error // the Go error a callable failed with, when known
}

// Unwrap gives Cause.
func (e *Error) Unwrap() error { return e.Cause }

// Error gives "WEFT_TIMEOUT: message".
func (e *Error) Error() string {
	name := Weft_status_name(e.Code)
	if e.Message == "" {
		return name + ": " + Weft_strerror(e.Code)
	}
	return name + ": " + e.Message
}

// Is reports whether target is an *Error with the same code.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func takeStatus(p uintptr) error {
	if p == 0 {
		return nil
	}
	if p == 1 {
		return &Error{Code: int(WEFT_NOMEM)}
	}
	f := CPointer(p)
	ints := (*[2]C.int)(f)
	code, errnum := int(ints[0]), int(ints[1])
	msg := C.GoString((*C.char)(unsafe.Add(f, 2*unsafe.Sizeof(C.int(0)))))
	C.free(f)
	return &Error{Code: code, Message: msg, Errno: errnum}
}

// CPointer gives the pointer behind the address of C memory that weft handed
// back as a uintptr (a string, a byte buffer, an array it allocated).
func CPointer(p uintptr) unsafe.Pointer {
	return C.weft_go_pointer(C.uintptr_t(p))
}

// A Go string header whose bytes are C memory.
type weftCString struct {
	p unsafe.Pointer
	n int
}

// weftCopyString copies a string the C wrapper allocated (SWIG's
// Swig_AllocateString, made on the thread of the call, so a thread-local
// message such as weft_errmsg() is read before the goroutine can move) into
// Go memory and frees the C copy.
func weftCopyString(s string) string {
	r := strings.Clone(s)
	C.free((*weftCString)(unsafe.Pointer(&s)).p)
	return r
}
%}

/* Strings coming back: SWIG's own copy in Go (swigCopyString) turns a uintptr
 * into a pointer, which go vet rightly questions; this one does not. */
%typemap(goout) char *, const char * %{ $result = weftCopyString($1) %}
%go_import("strings")

/* ---- scalar and handle out-parameters ------------------------------------ */

%define WEFT_GO_OUT(CTYPE, GOTYPE)
%typemap(gotype) CTYPE * "*" #GOTYPE
%typemap(imtype) CTYPE * "*" #GOTYPE
%typemap(in) CTYPE * %{ $1 = ($1_ltype)$input; %}
%enddef
WEFT_GO_OUT(int, int32)
WEFT_GO_OUT(unsigned, uint32)
WEFT_GO_OUT(long, int64)
WEFT_GO_OUT(unsigned long, uint64)
WEFT_GO_OUT(long long, int64)
WEFT_GO_OUT(unsigned long long, uint64)
WEFT_GO_OUT(size_t, uint64)
WEFT_GO_OUT(int32_t, int32)
WEFT_GO_OUT(uint32_t, uint32)
WEFT_GO_OUT(int64_t, int64)
WEFT_GO_OUT(uint64_t, uint64)
WEFT_GO_OUT(pid_t, int32)
WEFT_GO_OUT(double, float64)
WEFT_GO_OUT(bool, bool)
WEFT_GO_OUT(weft_status, int32)

/* SIZE (weft.i): a count or size going in, an int64 in Go; a negative one
 * is an *Error with WEFT_EINVAL (errors.Is(err, weft.ErrEinval)), returned
 * before C is called, instead of a huge unsigned value. */
%typemap(gotype) size_t SIZE "int64"
%typemap(imtype) size_t SIZE "int64"
%typemap(goin) size_t SIZE %{
	if $input < 0 {
		return &Error{Code: int(WEFT_EINVAL), Message: "$1_name must not be negative (got " +
			strconv.FormatInt($input, 10) + ")"}
	}
	$result = $input
%}
%typemap(in) size_t SIZE %{ $1 = (size_t)$input; %}
/* ... except in the one function that returns no status (and is given the
 * count weft itself handed out). */
%typemap(goin) size_t count "$result = $input"
%go_import("strconv")

/* A handle, value or C pointer the call hands back: the address of a Go
 * uintptr (Go memory holding no Go pointer, as cgo allows). */
%typemap(gotype) SWIGTYPE **, void **, char **, const char **, const char *const **,
    weft_sched_event ***, weft_thread *** "*uintptr"
%typemap(imtype) SWIGTYPE **, void **, char **, const char **, const char *const **,
    weft_sched_event ***, weft_thread *** "*uintptr"
%typemap(in) SWIGTYPE **, void **, char **, const char **, const char *const **,
    weft_sched_event ***, weft_thread *** %{ $1 = ($1_ltype)$input; %}
%typemap(argout) SWIGTYPE **, void **, char **, const char **, const char *const **,
    weft_sched_event ***, weft_thread *** ""
%typemap(freearg) SWIGTYPE **, void **, char **, const char **, const char *const **,
    weft_sched_event ***, weft_thread *** ""

/* TAKEN and BORROWED_VALUE (weft.i: `void **item|result` and `void
 * **value|payload`): the Go value behind the cgo.Handle handed back, as an
 * `any` the call fills in. A TAKEN value is the caller's now: its handle is
 * deleted; a BORROWED_VALUE stays the object's: its handle is only read. */
%typemap(gotype) void **TAKEN, void **BORROWED_VALUE "*any"
%typemap(imtype) void **TAKEN, void **BORROWED_VALUE "*uintptr"
%typemap(goin) void **TAKEN, void **BORROWED_VALUE %{ $result = new(uintptr) %}
%typemap(in) void **TAKEN, void **BORROWED_VALUE %{ $1 = ($1_ltype)$input; %}
%typemap(argout) void **TAKEN, void **BORROWED_VALUE ""
%typemap(freearg) void **TAKEN, void **BORROWED_VALUE ""
/* (In goargout, $input is the *uintptr C filled in, $1 the caller's *any.) */
%typemap(goargout) void **TAKEN %{
	if v := takeValue(*$input); $1 != nil {
		*$1 = v
	}
%}
%typemap(goargout) void **BORROWED_VALUE %{
	if $1 != nil {
		*$1 = borrowValue(*$input)
	}
%}

/* BORROWED_HANDLE (weft.i: a `T **borrowed` result): the same *uintptr;
 * the package weft never wraps it in an owning object, it maps it to the
 * caller's own (AsCompleted.Next) or only reads through it. */
%typemap(gotype) SWIGTYPE **BORROWED_HANDLE "*uintptr"
%typemap(imtype) SWIGTYPE **BORROWED_HANDLE "*uintptr"
%typemap(in) SWIGTYPE **BORROWED_HANDLE %{ $1 = ($1_ltype)$input; %}

/* Arrays going in are C or Go memory holding no Go pointers, built by the
 * package weft (string vectors in C memory, handle arrays as []uintptr). */
%typemap(gotype) const char *const *, weft_future *const *, weft_connection *const * "uintptr"
%typemap(imtype) const char *const *, weft_future *const *, weft_connection *const * "uintptr"
%typemap(in) const char *const *, weft_future *const *, weft_connection *const * %{ $1 = ($1_ltype)$input; %}
%typemap(gotype) const int *fds "*int32"
%typemap(imtype) const int *fds "*int32"
%typemap(in) const int *fds %{ $1 = ($1_ltype)$input; %}
%typemap(gotype) const intptr_t *handles "*int64"
%typemap(imtype) const intptr_t *handles "*int64"
%typemap(in) const intptr_t *handles %{ $1 = ($1_ltype)$input; %}
%typemap(gotype) const intptr_t ** "*uintptr"
%typemap(imtype) const intptr_t ** "*uintptr"
%typemap(in) const intptr_t ** %{ $1 = ($1_ltype)$input; %}
%typemap(gotype) unsigned char *done "*byte"
%typemap(imtype) unsigned char *done "*byte"
%typemap(in) unsigned char *done %{ $1 = ($1_ltype)$input; %}

/* Bytes going in (an input, a message, a key) and a buffer a message is
 * received into: a pointer to the first byte of a Go []byte (nil for none),
 * which cgo keeps in place for the call. */
%typemap(gotype) const void *input, const void *buf, const void *authkey, void *buf "*byte"
%typemap(imtype) const void *input, const void *buf, const void *authkey, void *buf "*byte"
%typemap(in) const void *input, const void *buf, const void *authkey, void *buf %{ $1 = ($1_ltype)$input; %}

/* An address: Go has no NULL string, so an empty one stands for NULL (a
 * listener's fresh path, or localhost); its length goes beside it, so an
 * abstract name's leading NUL byte survives. */
%typemap(in) const char *address %{
    if ($input.n == 0) {
        $1 = NULL;
    } else {
        $1 = ($1_ltype)malloc($input.n + 1);
        memcpy($1, $input.p, $input.n);
        $1[$input.n] = '\0';
    }
%}
%typemap(freearg) const char *address %{ free($1); %}

/* C-only hooks (comparators, clocks) are NULL, the library's default. */
%typemap(in, numinputs=0) (weft_queue_compare_fn cmp, void *cmp_arg) %{ $1 = NULL; $2 = NULL; %}
%typemap(in, numinputs=0) (weft_sched_timefunc timefunc, weft_sched_delayfunc delayfunc, void *clock_arg)
%{ $1 = NULL; $2 = NULL; $3 = NULL; %}

/* A thread's name: Go has no NULL string, so for weft_thread_new an empty
 * name stands for NULL, Python's default "Thread-N". */
%typemap(in) const char *name %{
    if ($input.n == 0 && strcmp("$symname", "weft_thread_new") == 0) {
        $1 = NULL;
    } else {
        $1 = ($1_ltype)malloc($input.n + 1);
        memcpy($1, $input.p, $input.n);
        $1[$input.n] = '\0';
    }
%}

/* ---- values and callables ------------------------------------------------- */

/* Every void * the library keeps for us is a cgo.Handle. */
%typemap(gotype) void * "uintptr"
%typemap(imtype) void * "uintptr"
%typemap(in) void * %{ $1 = (void *)$input; %}
/* (The C wrapper's result is a void * too; cgo's declaration of it says
 * uintptr_t, so no integer-pointer conversion happens on either side.) */
%typemap(out) void * %{ $result = $1; %}

/* ... and the function that frees it deletes the handle. */
%typemap(in, numinputs=0) weft_free_fn %{ $1 = weft_go_release; %}
/* A free function handed back (beside a void ** value) is discarded: values
 * Go receives are handles it deletes itself. */
%typemap(in, numinputs=0) weft_free_fn * (weft_free_fn temp = NULL) %{ $1 = &temp; %}

%typemap(in, numinputs=0) weft_fn %{ $1 = weft_go_trampoline; %}
%typemap(in, numinputs=0) weft_pred_fn %{ $1 = weft_go_pred; %}

%insert(go_wrapper) %{
// Dispatch runs the Go callable behind a handle; the package weft sets it.
// outcome is the weft_outcome * to report through.
var Dispatch func(handle uintptr, outcome uintptr)

// Predicate evaluates the Go predicate behind a handle; set by package weft.
var Predicate func(handle uintptr) bool

//export weftGoCall
func weftGoCall(handle C.uintptr_t, outcome C.uintptr_t) {
	Dispatch(uintptr(handle), uintptr(outcome))
}

//export weftGoPred
func weftGoPred(handle C.uintptr_t) C.int {
	if Predicate(uintptr(handle)) {
		return 1
	}
	return 0
}

// takeValue gives the Go value behind a handle the caller now owns, and
// deletes the handle.
func takeValue(p uintptr) any {
	if p == 0 {
		return nil
	}
	h := cgo.Handle(p)
	v := h.Value()
	h.Delete()
	return v
}

// borrowValue gives the Go value behind a handle weft keeps.
func borrowValue(p uintptr) any {
	if p == 0 {
		return nil
	}
	return cgo.Handle(p).Value()
}

//export weftGoRelease
func weftGoRelease(handle C.uintptr_t) {
	cgo.Handle(handle).Delete()
}
%}
%go_import("runtime/cgo")

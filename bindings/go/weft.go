// Package weft is Go's binding of weft, Python's "Concurrent Execution"
// chapter (threading, queue, concurrent.futures, sched, contextvars,
// subprocess) as a C library. It wraps the SWIG-generated package
// weft.dev/weft/internal/cweft in idiomatic Go:
//
//   - failures are error values; errors.Is(err, weft.ErrTimeout) matches any
//     failure of that status, and errors.As(err, &e) with e *weft.Error gives
//     its code and message;
//   - timeouts are time.Duration, a negative one waits forever;
//   - Go functions are callables: weft runs them on its own threads through
//     one exported trampoline and a runtime/cgo Handle, so Go values pass
//     through weft's queues and futures unchanged;
//   - handles have Close methods; a finalizer closes one that was dropped.
package weft

import (
	"errors"
	"fmt"
	"math"
	"runtime/cgo"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Error is a failure weft reported: Code is a Status* constant, Message what
// the library said about it. Cause, when set, is the Go error a callable
// returned (or its recovered panic).
type Error = cweft.Error

// TimeoutMax is the longest timeout weft accepts, as threading.TIMEOUT_MAX.
const TimeoutMax = time.Duration(9223372036) * time.Second

// Forever, as a timeout, waits without limit.
const Forever = time.Duration(-1)

func init() {
	cweft.Dispatch = dispatch
	cweft.Predicate = predicate
}

// Version gives the loaded library's version as major, minor, patch.
func Version() (major, minor, patch int) {
	v := cweft.Weft_version()
	return int(v >> 16), int(v>>8) & 0xff, int(v & 0xff)
}

// VersionString gives the loaded library's version, such as "1.0.0".
func VersionString() string { return cweft.Weft_version_string() }

// StatusName gives the C name of a status code, such as "WEFT_TIMEOUT".
func StatusName(code int) string { return cweft.Weft_status_name(code) }

// StatusException gives the Python exception a status code stands for.
func StatusException(code int) string { return cweft.Weft_status_exception(code) }

// seconds turns a Duration into weft's timeout: negative waits forever.
func seconds(d time.Duration) float64 {
	if d < 0 {
		return -1
	}
	return d.Seconds()
}

// fromSeconds is the reverse, for values weft reports.
func fromSeconds(s float64) time.Duration {
	if s < 0 || math.IsInf(s, 1) {
		return Forever
	}
	return time.Duration(s * float64(time.Second))
}

// Func is the shape of a Go callable: what it returns becomes the result of
// the thread, task or future; an error (or a panic) its failure.
type Func func() (any, error)

// callable holds a Func while weft holds its handle.
type callable struct {
	fn  Func
	err error // what the last run failed with, for callers that wait for it
}

// newCallable makes the handle weft keeps as the callable's argument; weft
// deletes it (through the one release function) when it lets go.
func newCallable(fn Func) (*callable, cgo.Handle) {
	c := &callable{fn: fn}
	return c, cgo.NewHandle(c)
}

// run calls fn and turns a panic into an error, which must never cross C.
func run(fn Func) (v any, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok {
				err = fmt.Errorf("panic: %w", e)
			} else {
				err = fmt.Errorf("panic: %v", r)
			}
		}
	}()
	return fn()
}

// dispatch is the body of the one trampoline: it runs the callable behind a
// handle on whatever thread weft calls it and reports through the outcome.
func dispatch(h uintptr, outcome uintptr) {
	o := cweft.SwigcptrStruct_SS_weft_outcome(outcome)
	c := cgo.Handle(h).Value().(*callable)
	v, err := run(c.fn)
	if err != nil {
		c.err = err
		code, msg := int(StatusFailed), err.Error()
		var we *Error
		if errors.As(err, &we) {
			code, msg = we.Code, we.Message
		}
		payload := cgo.NewHandle(err)
		if cweft.Weft_outcome_set_error(o, code, msg, uintptr(payload)) != nil {
			payload.Delete()
		}
		return
	}
	if v != nil {
		vh := cgo.NewHandle(v)
		if cweft.Weft_outcome_set_value(o, uintptr(vh)) != nil {
			vh.Delete()
		}
	}
}

// predicate is the body of the predicate trampoline.
func predicate(h uintptr) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = true // stop waiting; the panic is lost, as C cannot carry it
		}
	}()
	return cgo.Handle(h).Value().(func() bool)()
}

// withCause attaches the Go error a callable failed with to weft's error.
func withCause(err error, c *callable) error {
	var we *Error
	if c != nil && c.err != nil && errors.As(err, &we) && we.Cause == nil {
		we.Cause = c.err
	}
	return err
}

// CallFunc runs fn as weft runs callables (the reference behaviour of the
// callable protocol) and returns what it reported. A failure comes back as
// an *Error whose Cause is fn's own error.
func CallFunc(fn Func) (any, error) {
	if fn == nil {
		return nil, &Error{Code: int(StatusEinval), Message: "weft.CallFunc: fn is nil"}
	}
	c, h := newCallable(fn)
	defer h.Delete() // weft_call leaves the argument to its caller
	var v any
	if err := cweft.Weft_call(uintptr(h), &v); err != nil {
		return nil, withCause(err, c)
	}
	return v, nil
}

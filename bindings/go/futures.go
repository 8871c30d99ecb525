package weft

import (
	"errors"
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Wait's return_when values, as concurrent.futures' constants.
const (
	FirstCompleted = cweft.WEFT_FIRST_COMPLETED
	FirstException = cweft.WEFT_FIRST_EXCEPTION
	AllCompleted   = cweft.WEFT_ALL_COMPLETED
)

// Future is concurrent.futures.Future.
type Future struct{ handle }

func wrapFuture(p uintptr) *Future {
	f := &Future{}
	adopt(f, p, cweft.Weft_future_free)
	return f
}

// NewFuture makes a pending future, for code that completes it by hand.
func NewFuture() (*Future, error) {
	p, err := newOut(cweft.Weft_future_new)
	if err != nil {
		return nil, err
	}
	return wrapFuture(p), nil
}

// Result waits up to timeout for the value. A failed call gives an *Error
// with the failure's status whose Cause is the Go error the callable
// returned (errors.Is sees both); ErrTimeout, ErrCancelled as in Python.
func (f *Future) Result(timeout time.Duration) (any, error) {
	v, err := waitOut(&f.handle, cweft.Weft_future_result, timeout)
	if err != nil {
		var we *Error
		if errors.As(err, &we) && we.Cause == nil {
			we.Cause, _ = f.Exception(0)
			if we.Cause == we {
				we.Cause = nil
			}
		}
		return nil, err
	}
	return v, nil
}

// Exception waits up to timeout and gives the call's failure (nil if it
// succeeded): the Go error it returned, or an *Error when it came from C.
func (f *Future) Exception(timeout time.Duration) (error, error) {
	held := f.hold()
	defer held.drop()
	var code int32
	var msg uintptr
	var payload any
	if err := cweft.Weft_future_exception(held, seconds(timeout), &code, &msg, &payload); err != nil {
		return nil, err
	}
	if code == 0 {
		return nil, nil
	}
	if e, ok := payload.(error); ok {
		return e, nil
	}
	return &Error{Code: int(code), Message: string(goBytesZ(msg))}, nil
}

// Cancel cancels a call not yet started; true if it did.
func (f *Future) Cancel() bool { return flag(&f.handle, cweft.Weft_future_cancel) }

// Cancelled reports whether it was cancelled.
func (f *Future) Cancelled() bool { return flag(&f.handle, cweft.Weft_future_cancelled) }

// Running reports whether the call is running.
func (f *Future) Running() bool { return flag(&f.handle, cweft.Weft_future_running) }

// Done reports whether it finished or was cancelled.
func (f *Future) Done() bool { return flag(&f.handle, cweft.Weft_future_done) }

// AddDoneCallback calls fn(f) when f is done (at once, here, if it is), on
// the thread that completes it.
func (f *Future) AddDoneCallback(fn func(*Future)) error {
	defer runtime.KeepAlive(f)
	c, h := newCallable(func() (any, error) { fn(f); return nil, nil })
	_ = c
	if err := cweft.Weft_future_add_done_callback(f.c(), uintptr(h)); err != nil {
		h.Delete()
		return err
	}
	return nil
}

// SetRunningOrNotifyCancel marks it running; false if it was cancelled.
func (f *Future) SetRunningOrNotifyCancel() (bool, error) {
	defer runtime.KeepAlive(f)
	var v int32
	err := cweft.Weft_future_set_running_or_notify_cancel(f.c(), &v)
	return v != 0, err
}

// SetResult completes it with v.
func (f *Future) SetResult(v any) error {
	defer runtime.KeepAlive(f)
	return give(v, func(h uintptr) error { return cweft.Weft_future_set_result(f.c(), h) })
}

// SetException completes it with a failure; an *Error keeps its status.
func (f *Future) SetException(e error) error {
	defer runtime.KeepAlive(f)
	code, msg := StatusFailed, e.Error()
	var we *Error
	if errors.As(e, &we) {
		code, msg = we.Code, we.Message
	}
	return give(e, func(h uintptr) error { return cweft.Weft_future_set_exception(f.c(), code, msg, h) })
}

// ExecutorOptions are ThreadPoolExecutor's arguments; zero values are
// Python's defaults.
type ExecutorOptions struct {
	MaxWorkers       int
	ThreadNamePrefix string
	Initializer      Func // runs once in each worker thread
}

// Executor is a concurrent.futures.ThreadPoolExecutor whose workers are
// weft threads running Go functions.
type Executor struct{ handle }

// NewThreadPoolExecutor starts an executor.
func NewThreadPoolExecutor(o ExecutorOptions) (*Executor, error) {
	opts, err := newOut(cweft.Weft_executor_opts_new)
	if err != nil {
		return nil, err
	}
	co := cweft.SwigcptrStruct_SS_weft_executor_opts(opts)
	defer cweft.Weft_executor_opts_free(co)
	if o.MaxWorkers > 0 {
		if err := cweft.Weft_executor_opts_set_max_workers(co, int64(o.MaxWorkers)); err != nil {
			return nil, err
		}
	}
	if o.ThreadNamePrefix != "" {
		if err := cweft.Weft_executor_opts_set_thread_name_prefix(co, o.ThreadNamePrefix); err != nil {
			return nil, err
		}
	}
	if o.Initializer != nil {
		_, h := newCallable(o.Initializer)
		if err := cweft.Weft_executor_opts_set_initializer(co, uintptr(h)); err != nil {
			h.Delete()
			return nil, err
		}
	}
	return open(&Executor{}, func(out *uintptr) error { return cweft.Weft_thread_pool_executor_new(out, co) }, cweft.Weft_executor_free)
}

// Submit schedules fn and gives its Future; ErrRuntime after Shutdown.
func (e *Executor) Submit(fn Func) (*Future, error) {
	defer runtime.KeepAlive(e)
	if fn == nil {
		return nil, &Error{Code: StatusEinval, Message: "weft: Submit of a nil function"}
	}
	_, h := newCallable(fn)
	var p uintptr
	if err := cweft.Weft_executor_submit(e.c(), uintptr(h), &p); err != nil {
		h.Delete()
		return nil, err
	}
	return wrapFuture(p), nil
}

// Map calls fn on every argument concurrently and gives the results in
// order; the first failure (in order) is returned, as Python's map raises.
// timeout bounds the whole wait (negative: none).
func (e *Executor) Map(fn func(any) (any, error), args []any, timeout time.Duration) ([]any, error) {
	fs := make([]*Future, len(args))
	for i, a := range args {
		a := a
		f, err := e.Submit(func() (any, error) { return fn(a) })
		if err != nil {
			return nil, err
		}
		fs[i] = f
	}
	var deadline time.Time
	if timeout >= 0 {
		deadline = time.Now().Add(timeout)
	}
	out := make([]any, len(fs))
	for i, f := range fs {
		left := Forever
		if timeout >= 0 {
			if left = time.Until(deadline); left < 0 {
				left = 0
			}
		}
		v, err := f.Result(left)
		if err != nil {
			for _, g := range fs[i:] {
				g.Cancel()
			}
			return out[:i], err
		}
		out[i] = v
	}
	return out, nil
}

// Shutdown stops accepting work; wait waits for the running calls,
// cancelFutures cancels the queued ones.
func (e *Executor) Shutdown(wait, cancelFutures bool) error {
	held := e.hold()
	defer held.drop()
	return cweft.Weft_executor_shutdown(held, b2i(wait), b2i(cancelFutures))
}

func futurePointers(fs []*Future) []uintptr {
	ps := make([]uintptr, len(fs)+1) // never empty, so &ps[0] exists
	for i, f := range fs {
		ps[i] = f.ptr()
	}
	return ps
}

// Wait waits for futures as concurrent.futures.wait: returnWhen is
// FirstCompleted, FirstException or AllCompleted. A timeout is not an error:
// the unfinished futures come back in notDone.
func Wait(fs []*Future, timeout time.Duration, returnWhen int) (done, notDone []*Future, err error) {
	ps := futurePointers(fs)
	flags := make([]byte, len(fs)+1)
	var n uint64
	err = cweft.Weft_futures_wait(uintptr(unsafePointer(&ps[0])), int64(len(fs)), returnWhen, seconds(timeout),
		&flags[0], &n)
	runtime.KeepAlive(fs)
	runtime.KeepAlive(ps)
	if err != nil && !errors.Is(err, ErrTimeout) {
		return nil, nil, err
	}
	for i, f := range fs {
		if flags[i] != 0 {
			done = append(done, f)
		} else {
			notDone = append(notDone, f)
		}
	}
	return done, notDone, nil
}

// AsCompleted iterates over futures as they finish.
type AsCompleted struct {
	handle
	mine map[uintptr]*Future
	fs   []*Future
}

// NewAsCompleted starts the iteration; timeout counts from now.
func NewAsCompleted(fs []*Future, timeout time.Duration) (*AsCompleted, error) {
	ps := futurePointers(fs)
	p, err := newOut(func(o *uintptr) error {
		return cweft.Weft_as_completed_new(o, uintptr(unsafePointer(&ps[0])), int64(len(fs)), seconds(timeout))
	})
	runtime.KeepAlive(ps)
	if err != nil {
		return nil, err
	}
	it := &AsCompleted{mine: map[uintptr]*Future{}, fs: fs}
	for _, f := range fs {
		it.mine[f.ptr()] = f
	}
	adopt(it, p, cweft.Weft_as_completed_free)
	return it, nil
}

// Next gives the next finished future (the caller's own *Future); ErrEOF
// after the last one, ErrTimeout when the timeout passed first.
func (it *AsCompleted) Next() (*Future, error) {
	held := it.hold()
	defer held.drop()
	var p uintptr
	if err := cweft.Weft_as_completed_next(held, &p); err != nil {
		return nil, err
	}
	return it.mine[p], nil
}

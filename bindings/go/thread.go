package weft

import (
	"errors"
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Thread is threading.Thread; its target is a Go function run on a new OS
// thread (what it returns is ignored, as Python ignores run()'s result; an
// error or panic goes to weft's excepthook, printed on stderr).
type Thread struct{ handle }

func wrapThread(p uintptr) *Thread {
	t := &Thread{}
	adopt(t, p, cweft.Weft_thread_free)
	return t
}

// NewThread makes a thread that runs target once started; an empty name
// gives Python's default "Thread-N".
func NewThread(name string, target Func) (*Thread, error) {
	if target == nil {
		return nil, &Error{Code: StatusEinval, Message: "weft.NewThread: target is nil"}
	}
	_, h := newCallable(target)
	var p uintptr
	if err := cweft.Weft_thread_new(&p, name, uintptr(h)); err != nil {
		h.Delete()
		return nil, err
	}
	return wrapThread(p), nil
}

// Start starts the thread; ErrRuntime if it was started already.
func (t *Thread) Start() error { return do(&t.handle, cweft.Weft_thread_start) }

// Join waits up to timeout for the thread to end; false on a timeout.
func (t *Thread) Join(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&t.handle, cweft.Weft_thread_join, timeout))
}

// Name is the thread's name.
func (t *Thread) Name() string {
	defer runtime.KeepAlive(t)
	var p uintptr
	if cweft.Weft_thread_name(t.c(), &p) != nil {
		return ""
	}
	s := string(goBytesZ(p))
	cweft.Weft_free(p)
	return s
}

// SetName renames the thread.
func (t *Thread) SetName(name string) error {
	defer runtime.KeepAlive(t)
	return cweft.Weft_thread_set_name(t.c(), name)
}

// Ident is the thread's identifier (0 before it started).
func (t *Thread) Ident() uint64 {
	defer runtime.KeepAlive(t)
	var v uint64
	cweft.Weft_thread_ident(t.c(), &v)
	return v
}

// NativeID is the kernel's id of the thread (0 before it started).
func (t *Thread) NativeID() uint64 {
	defer runtime.KeepAlive(t)
	var v uint64
	cweft.Weft_thread_native_id(t.c(), &v)
	return v
}

// IsAlive reports whether the thread has started and not ended.
func (t *Thread) IsAlive() bool { return flag(&t.handle, cweft.Weft_thread_is_alive) }

// Daemon reports the daemon flag.
func (t *Thread) Daemon() bool { return flag(&t.handle, cweft.Weft_thread_daemon) }

// SetDaemon sets the daemon flag (before Start).
func (t *Thread) SetDaemon(on bool) error {
	defer runtime.KeepAlive(t)
	return cweft.Weft_thread_set_daemon(t.c(), b2i(on))
}

// SetStackSize sets this thread's stack size (before Start).
func (t *Thread) SetStackSize(size int) error {
	defer runtime.KeepAlive(t)
	return cweft.Weft_thread_set_stack_size(t.c(), int64(size))
}

// Timer is threading.Timer.
type Timer struct{ handle }

// NewTimer makes a timer that runs fn interval after Start.
func NewTimer(interval time.Duration, fn Func) (*Timer, error) {
	if fn == nil {
		return nil, &Error{Code: StatusEinval, Message: "weft.NewTimer: fn is nil"}
	}
	_, h := newCallable(fn)
	var p uintptr
	if err := cweft.Weft_timer_new(&p, interval.Seconds(), uintptr(h)); err != nil {
		h.Delete()
		return nil, err
	}
	tm := &Timer{}
	adopt(tm, p, cweft.Weft_timer_free)
	return tm, nil
}

// Start starts the timer's thread.
func (tm *Timer) Start() error { return do(&tm.handle, cweft.Weft_timer_start) }

// Cancel stops the timer if it has not fired; true if it stopped it.
func (tm *Timer) Cancel() bool { return flag(&tm.handle, cweft.Weft_timer_cancel) }

// Join waits for the timer's thread; false on a timeout.
func (tm *Timer) Join(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&tm.handle, cweft.Weft_timer_join, timeout))
}

// Thread gives the timer's thread.
func (tm *Timer) Thread() (*Thread, error) {
	defer runtime.KeepAlive(tm)
	p, err := newOut(func(o *uintptr) error { return cweft.Weft_timer_thread(tm.c(), o) })
	if err != nil {
		return nil, err
	}
	return wrapThread(p), nil
}

// Local is threading.local: one Go value per OS thread (see "Thread-bound
// state" in the guide: use it from weft threads or pinned goroutines).
type Local struct{ handle }

// NewLocal makes a local, empty in every thread.
func NewLocal() (*Local, error) { return open(&Local{}, cweft.Weft_local_new, cweft.Weft_local_free) }

// Get gives this thread's value (nil if none).
func (l *Local) Get() any {
	defer runtime.KeepAlive(l)
	var val any
	if cweft.Weft_local_get(l.c(), &val) != nil {
		return nil
	}
	return val
}

// Set sets this thread's value.
func (l *Local) Set(v any) error {
	defer runtime.KeepAlive(l)
	return give(v, func(h uintptr) error { return cweft.Weft_local_set(l.c(), h) })
}

// GetIdent is threading.get_ident() of the calling thread.
func GetIdent() uint64 { return cweft.Weft_threading_get_ident() }

// GetNativeID is threading.get_native_id() of the calling thread.
func GetNativeID() uint64 { return cweft.Weft_threading_get_native_id() }

// CurrentThread is threading.current_thread().
func CurrentThread() (*Thread, error) {
	p, err := newOut(cweft.Weft_threading_current_thread)
	if err != nil {
		return nil, err
	}
	return wrapThread(p), nil
}

// MainThread is threading.main_thread().
func MainThread() (*Thread, error) {
	p, err := newOut(cweft.Weft_threading_main_thread)
	if err != nil {
		return nil, err
	}
	return wrapThread(p), nil
}

// Enumerate lists the live threads weft knows.
func Enumerate() ([]*Thread, error) {
	var arr uintptr
	var n uint64
	if err := cweft.Weft_threading_enumerate(&arr, &n); err != nil {
		return nil, err
	}
	ps := pointers(arr, n)
	cweft.Weft_free(arr)
	out := make([]*Thread, len(ps))
	for i, p := range ps {
		out[i] = wrapThread(p)
	}
	return out, nil
}

// ActiveCount is threading.active_count().
func ActiveCount() int { return int(cweft.Weft_threading_active_count()) }

// StackSize sets the stack size of threads started from now on and gives
// the previous one (0: the system's default).
func StackSize(size int) (int, error) {
	var old uint64
	err := cweft.Weft_threading_stack_size(int64(size), &old)
	return int(old), err
}

// GetStackSize gives the stack size threads start with.
func GetStackSize() int { return int(cweft.Weft_threading_get_stack_size()) }

// StartNewThread is _thread.start_new_thread: it starts fn on a new thread
// and gives its ident.
func StartNewThread(fn Func) (uint64, error) {
	if fn == nil {
		return 0, errors.New("weft.StartNewThread: fn is nil")
	}
	_, h := newCallable(fn)
	var ident uint64
	if err := cweft.Weft_threading_start_new_thread(uintptr(h), &ident); err != nil {
		h.Delete()
		return 0, err
	}
	return ident, nil
}

// InterruptMain is _thread.interrupt_main(signum).
func InterruptMain(signum int) error { return cweft.Weft_threading_interrupt_main(signum) }

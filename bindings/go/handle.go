package weft

import (
	"errors"
	"runtime"
	"runtime/cgo"
	"sync/atomic"
	"time"

	"weft.dev/weft/internal/cweft"
)

// handle is the C object behind a Go value: the owner's reference, dropped
// once by Close (or by the finalizer that is the safety net when Close was
// missed). Calls on a closed handle pass NULL, which weft reports as
// ErrEinval. Every wrapper type embeds it and gets from it the cast to the
// C handle (c), the finalizer (adopt) and Close, so none is written per type.
type handle struct {
	p    atomic.Uintptr
	free func(uintptr) error
}

// ref is a handle's value as cweft takes it: every cweft handle parameter is
// an interface satisfied by any Swigcptr() method.
type ref uintptr

func (r ref) Swigcptr() uintptr { return uintptr(r) }

// owner is any wrapper type: a pointer to a struct that embeds handle.
type owner interface{ base() *handle }

func (h *handle) base() *handle { return h }

// adopt gives o the owner's reference on p, freed by free (the type's
// weft_<object>_free) on Close or, failing that, by the finalizer.
func adopt[O owner, I interface{ Swigcptr() uintptr }](o O, p uintptr, free func(I) error) O {
	h := o.base()
	h.p.Store(p)
	h.free = func(p uintptr) error { return free(any(ref(p)).(I)) }
	runtime.SetFinalizer(o, closeOwner)
	return o
}

// open makes o the owner of the handle ctor makes (see adopt).
func open[O owner, I swigPtr](o O, ctor func(*uintptr) error, free func(I) error) (O, error) {
	var p uintptr
	if err := ctor(&p); err != nil {
		var none O
		return none, err
	}
	return adopt(o, p, free), nil
}

func closeOwner(o owner) { _ = o.base().close() }

// swigPtr is what every cweft handle parameter takes (each handle type's
// own interface has this one method).
type swigPtr interface{ Swigcptr() uintptr }

// as gives r as the parameter type I of a cweft function.
func as[I swigPtr](r ref) I { return any(r).(I) }

// do makes a call that cannot block, f(handle), keeping the Go value alive
// across it (h points into it).
func do[I swigPtr](h *handle, f func(I) error) error {
	defer runtime.KeepAlive(h)
	return f(as[I](h.c()))
}

// flag reads a call's 0/1 out-parameter; false when the call fails.
func flag[I swigPtr](h *handle, f func(I, *int32) error) bool {
	defer runtime.KeepAlive(h)
	var v int32
	return f(as[I](h.c()), &v) == nil && v != 0
}

// count reads a call's size out-parameter; 0 when the call fails.
func count[I swigPtr](h *handle, f func(I, *uint64) error) int {
	defer runtime.KeepAlive(h)
	var v uint64
	if f(as[I](h.c()), &v) != nil {
		return 0
	}
	return int(v)
}

// wait makes a call that can block for up to timeout, holding a reference
// of its own for its duration (see hold).
func wait[I swigPtr](h *handle, f func(I, float64) error, timeout time.Duration) error {
	held := h.hold()
	defer held.drop()
	return f(as[I](held), seconds(timeout))
}

// waitOut is wait for a call that also hands back a result.
func waitOut[I swigPtr, T any](h *handle, f func(I, float64, *T) error, timeout time.Duration) (T, error) {
	held := h.hold()
	defer held.drop()
	var v T
	err := f(as[I](held), seconds(timeout), &v)
	return v, err
}

// ptr gives the handle's value (0 once closed), to recognise an object.
func (h *handle) ptr() uintptr { return h.p.Load() }

// c gives the handle for a call that cannot block; the caller keeps its Go
// value alive across the call (runtime.KeepAlive).
func (h *handle) c() ref { return ref(h.p.Load()) }

// hold takes a reference of the call's own on the object for a call that
// can block, so that Close (or the finalizer) in another goroutine meanwhile
// drops only the owner's reference and the object goes when the call
// returns. It gives 0 (weft reports ErrEinval) once the handle is closed.
// Pair it with drop: `held := x.hold(); defer held.drop()`.
func (h *handle) hold() ref {
	p := h.p.Load()
	if p == 0 || cweft.Weft_handle_ref(p) != nil {
		return 0
	}
	return ref(p)
}

// drop releases the reference hold took.
func (r ref) drop() {
	if r != 0 {
		_ = cweft.Weft_handle_unref(uintptr(r))
	}
}

// Close drops the Go side's reference; later calls give ErrEinval. Calls
// blocked on the object in other goroutines finish first: the object goes
// when the last of them returns.
func (h *handle) Close() error { return h.close() }

func (h *handle) close() error {
	p := h.p.Swap(0)
	if p == 0 {
		return nil
	}
	return h.free(p)
}

// newOut calls a constructor-shaped function and gives the handle it made.
func newOut(f func(*uintptr) error) (uintptr, error) {
	var p uintptr
	if err := f(&p); err != nil {
		return 0, err
	}
	return p, nil
}

// give hands a Go value to weft as a cgo.Handle; weft deletes it through the
// release function once it owns it. If the call fails, the caller still owns
// it, so the handle is deleted here.
func give(v any, call func(uintptr) error) error {
	h := cgo.NewHandle(v)
	if err := call(uintptr(h)); err != nil {
		h.Delete()
		return err
	}
	return nil
}

func boolOut(f func(*int32) error) bool {
	var v int32
	if f(&v) != nil {
		return false
	}
	return v != 0
}

func sizeOut(f func(*uint64) error) int {
	var v uint64
	if f(&v) != nil {
		return 0
	}
	return int(v)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// falseOnTimeout turns a timeout into (false, nil), as Python's acquire and
// wait return False.
func falseOnTimeout(err error) (bool, error) {
	if err == nil {
		return true, nil
	}
	if errors.Is(err, ErrTimeout) {
		return false, nil
	}
	return false, err
}

package weft

import (
	"errors"
	"runtime/cgo"
	"sync/atomic"
)

// handle is the C object behind a Go value: its pointer, cleared once by
// Close (or by the finalizer that is the safety net when Close was missed).
// Calls on a closed handle pass NULL, which weft reports as ErrEinval.
type handle struct {
	p    atomic.Uintptr
	free func(uintptr) error
}

func (h *handle) init(p uintptr, free func(uintptr) error) {
	h.p.Store(p)
	h.free = free
}

func (h *handle) ptr() uintptr { return h.p.Load() }

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

// take turns an item handle the caller now owns into its value.
func take(p uintptr) any {
	if p == 0 {
		return nil
	}
	h := cgo.Handle(p)
	v := h.Value()
	h.Delete()
	return v
}

// borrow reads the Go value behind a handle weft keeps.
func borrow(v uintptr) any {
	if v == 0 {
		return nil
	}
	return cgo.Handle(v).Value()
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

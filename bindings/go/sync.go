package weft

import (
	"errors"
	"runtime"
	"runtime/cgo"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Lock is threading.Lock: any goroutine (or weft thread) may release it.
type Lock struct{ handle }

// NewLock makes an unlocked Lock.
func NewLock() (*Lock, error) { return open(&Lock{}, cweft.Weft_lock_new, cweft.Weft_lock_free) }

// Acquire waits up to timeout (negative: forever, 0: try once); false when
// it timed out.
func (l *Lock) Acquire(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&l.handle, cweft.Weft_lock_acquire, timeout))
}

// Release unlocks; ErrRuntime if it was not locked.
func (l *Lock) Release() error { return do(&l.handle, cweft.Weft_lock_release) }

// Locked reports whether the lock is held.
func (l *Lock) Locked() bool { return flag(&l.handle, cweft.Weft_lock_locked) }

// Lock and Unlock make a Lock a sync.Locker; they panic on errors.
func (l *Lock) Lock() {
	if _, err := l.Acquire(Forever); err != nil {
		panic(err)
	}
}

// Unlock releases; see Lock.
func (l *Lock) Unlock() {
	if err := l.Release(); err != nil {
		panic(err)
	}
}

// RLock is threading.RLock: reentrant, released only by its owner thread.
// Goroutines move between threads, so lock it from a goroutine pinned with
// runtime.LockOSThread (or from a weft thread).
type RLock struct{ handle }

// NewRLock makes an unlocked RLock.
func NewRLock() (*RLock, error) { return open(&RLock{}, cweft.Weft_rlock_new, cweft.Weft_rlock_free) }

// Acquire as Lock.Acquire; the owner may acquire again.
func (l *RLock) Acquire(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&l.handle, cweft.Weft_rlock_acquire, timeout))
}

// Release once per Acquire; ErrNotOwner from another thread.
func (l *RLock) Release() error { return do(&l.handle, cweft.Weft_rlock_release) }

// Condition is threading.Condition.
type Condition struct {
	handle
	lock any // the Lock or RLock it uses, kept alive
}

// NewCondition makes a Condition over lock, a *Lock or *RLock, or over a new
// RLock when lock is nil.
func NewCondition(lock any) (*Condition, error) {
	var p uintptr
	var err error
	switch l := lock.(type) {
	case nil:
		p, err = newOut(cweft.Weft_condition_new)
	case *Lock:
		p, err = newOut(func(o *uintptr) error { return cweft.Weft_condition_new_with_lock(o, l.c()) })
	case *RLock:
		p, err = newOut(func(o *uintptr) error { return cweft.Weft_condition_new_with_rlock(o, l.c()) })
	default:
		return nil, &Error{Code: StatusEinval, Message: "weft.NewCondition: lock must be a *Lock or *RLock"}
	}
	runtime.KeepAlive(lock)
	if err != nil {
		return nil, err
	}
	c := &Condition{lock: lock}
	adopt(c, p, cweft.Weft_condition_free)
	return c, nil
}

// Acquire acquires the underlying lock.
func (c *Condition) Acquire(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&c.handle, cweft.Weft_condition_acquire, timeout))
}

// Release releases the underlying lock.
func (c *Condition) Release() error { return do(&c.handle, cweft.Weft_condition_release) }

// Wait releases the lock, waits for a notification or the timeout, and
// re-acquires; false on timeout.
func (c *Condition) Wait(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&c.handle, cweft.Weft_condition_wait, timeout))
}

// WaitFor waits until pred() holds (called with the lock held) or the
// timeout passes; it returns pred's last value.
func (c *Condition) WaitFor(pred func() bool, timeout time.Duration) (bool, error) {
	defer runtime.KeepAlive(c)
	h := cgo.NewHandle(pred)
	defer h.Delete()
	var r int32
	err := cweft.Weft_condition_wait_for(c.c(), uintptr(h), seconds(timeout), &r)
	if err != nil && !errors.Is(err, ErrTimeout) {
		return false, err
	}
	return r != 0, nil
}

// Notify wakes up to n waiters.
func (c *Condition) Notify(n int) error {
	defer runtime.KeepAlive(c)
	return cweft.Weft_condition_notify(c.c(), int64(n))
}

// NotifyAll wakes every waiter.
func (c *Condition) NotifyAll() error { return do(&c.handle, cweft.Weft_condition_notify_all) }

// Semaphore is threading.Semaphore, or BoundedSemaphore when made with
// NewBoundedSemaphore.
type Semaphore struct{ handle }

func newSemaphore(ctor func(*uintptr, int64) error, value int) (*Semaphore, error) {
	return open(&Semaphore{}, func(o *uintptr) error { return ctor(o, int64(value)) }, cweft.Weft_semaphore_free)
}

// NewSemaphore makes a semaphore with value permits.
func NewSemaphore(value int) (*Semaphore, error) {
	return newSemaphore(cweft.Weft_semaphore_new, value)
}

// NewBoundedSemaphore makes one whose Release past value is ErrEinval.
func NewBoundedSemaphore(value int) (*Semaphore, error) {
	return newSemaphore(cweft.Weft_semaphore_new_bounded, value)
}

// Acquire takes a permit; false on timeout.
func (s *Semaphore) Acquire(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&s.handle, cweft.Weft_semaphore_acquire, timeout))
}

// Release returns n permits.
func (s *Semaphore) Release(n int) error {
	defer runtime.KeepAlive(s)
	return cweft.Weft_semaphore_release(s.c(), int64(n))
}

// Value is the semaphore's current value (Python's Semaphore._value), for
// reports: it may change as soon as it is read.
func (s *Semaphore) Value() int { return count(&s.handle, cweft.Weft_semaphore_value) }

// Event is threading.Event.
type Event struct{ handle }

// NewEvent makes an unset Event.
func NewEvent() (*Event, error) { return open(&Event{}, cweft.Weft_event_new, cweft.Weft_event_free) }

// IsSet reports the flag.
func (e *Event) IsSet() bool { return flag(&e.handle, cweft.Weft_event_is_set) }

// Set sets the flag and wakes every waiter.
func (e *Event) Set() error { return do(&e.handle, cweft.Weft_event_set) }

// Clear resets the flag.
func (e *Event) Clear() error { return do(&e.handle, cweft.Weft_event_clear) }

// Wait waits for the flag; false on timeout.
func (e *Event) Wait(timeout time.Duration) (bool, error) {
	return falseOnTimeout(wait(&e.handle, cweft.Weft_event_wait, timeout))
}

// Barrier is threading.Barrier.
type Barrier struct{ handle }

// NewBarrier makes a barrier for parties; action (may be nil) runs on the
// last arriving thread; timeout is the default for Wait (negative: none).
func NewBarrier(parties int, action Func, timeout time.Duration) (*Barrier, error) {
	var p uintptr
	var err error
	if action == nil {
		p, err = newOut(func(o *uintptr) error { return cweft.Weft_barrier_new(o, int64(parties), 0, seconds(timeout)) })
	} else {
		c, h := newCallable(action)
		_ = c
		p, err = newOut(func(o *uintptr) error {
			return cweft.Weft_barrier_new(o, int64(parties), uintptr(h), seconds(timeout))
		})
		if err != nil {
			h.Delete()
		}
	}
	if err != nil {
		return nil, err
	}
	b := &Barrier{}
	adopt(b, p, cweft.Weft_barrier_free)
	return b, nil
}

// Wait waits for every party and gives this one's arrival index; ErrBroken
// if the barrier breaks (a timeout breaks it, as in Python). A negative
// timeout uses the barrier's default.
func (b *Barrier) Wait(timeout time.Duration) (int, error) {
	held := b.hold()
	defer held.drop()
	var idx uint64
	err := cweft.Weft_barrier_wait(held, seconds(timeout), &idx)
	return int(idx), err
}

// Reset returns the barrier to its empty state.
func (b *Barrier) Reset() error { return do(&b.handle, cweft.Weft_barrier_reset) }

// Abort breaks the barrier.
func (b *Barrier) Abort() error { return do(&b.handle, cweft.Weft_barrier_abort) }

// Parties is the number of threads to wait for.
func (b *Barrier) Parties() int { return count(&b.handle, cweft.Weft_barrier_parties) }

// NWaiting is the number of threads waiting now.
func (b *Barrier) NWaiting() int { return count(&b.handle, cweft.Weft_barrier_n_waiting) }

// Broken reports whether the barrier is broken.
func (b *Barrier) Broken() bool { return flag(&b.handle, cweft.Weft_barrier_broken) }

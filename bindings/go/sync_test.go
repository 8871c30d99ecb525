package weft

import (
	"errors"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"weft.dev/weft/internal/cweft"
)

func TestLock(t *testing.T) {
	l := must(NewLock())
	defer l.Close()
	if ok, err := l.Acquire(Forever); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if !l.Locked() {
		t.Fatal("not locked")
	}
	start := time.Now()
	if ok, err := l.Acquire(20 * time.Millisecond); ok || err != nil {
		t.Fatal("acquired twice", ok, err)
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("timed out early")
	}
	// another goroutine may release a Lock
	done := make(chan error)
	go func() { done <- l.Release() }()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := l.Release(); !errors.Is(err, ErrRuntime) {
		t.Fatalf("release unlocked: %v", err)
	}
	if _, err := l.Acquire(time.Duration(math.MaxInt64)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("huge timeout: %v", err)
	}
}

func TestLockAsLocker(t *testing.T) {
	l := must(NewLock())
	var mu sync.Locker = l
	n := 0
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				mu.Lock()
				n++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n != 2000 {
		t.Fatalf("n = %d", n)
	}
}

func TestClosedHandle(t *testing.T) {
	l := must(NewLock())
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := l.Acquire(0); !errors.Is(err, ErrEinval) {
		t.Fatalf("closed lock: %v", err)
	}
}

func TestRLockOwner(t *testing.T) {
	r := must(NewRLock())
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 1}))
	defer ex.Close()
	// acquire and release on one weft thread: reentrant
	f := must(ex.Submit(func() (any, error) {
		for i := 0; i < 3; i++ {
			if ok, err := r.Acquire(Forever); !ok || err != nil {
				return nil, err
			}
		}
		for i := 0; i < 3; i++ {
			if err := r.Release(); err != nil {
				return nil, err
			}
		}
		return nil, r.Release()
	}))
	if _, err := f.Result(Forever); !errors.Is(err, ErrNotOwner) {
		t.Fatalf("over-release: %v", err)
	}
}

func TestConditionWaitFor(t *testing.T) {
	c := must(NewCondition(nil))
	q := must(NewQueue(0))
	c.Acquire(Forever)
	go func() {
		c.Acquire(Forever)
		q.Put(1, Forever)
		c.NotifyAll()
		c.Release()
	}()
	ok, err := c.WaitFor(func() bool { return !q.Empty() }, 5*time.Second)
	if !ok || err != nil {
		t.Fatal(ok, err)
	}
	ok, err = c.WaitFor(func() bool { return false }, 10*time.Millisecond)
	if ok || err != nil {
		t.Fatal("predicate never true:", ok, err)
	}
	if ok, _ := c.Wait(10 * time.Millisecond); ok {
		t.Fatal("wait without notify")
	}
	c.Release()
	if err := c.Notify(1); !errors.Is(err, ErrRuntime) {
		t.Fatalf("notify unheld: %v", err)
	}
	if _, err := NewCondition(42); !errors.Is(err, ErrEinval) {
		t.Fatal("bad lock type accepted")
	}
	l := must(NewLock())
	c2 := must(NewCondition(l))
	c2.Acquire(Forever)
	if !l.Locked() {
		t.Fatal("condition does not use the given lock")
	}
	c2.Release()
}

func TestSemaphores(t *testing.T) {
	s := must(NewSemaphore(2))
	s.Acquire(Forever)
	s.Acquire(Forever)
	if ok, _ := s.Acquire(0); ok {
		t.Fatal("third permit")
	}
	if s.Value() != 0 {
		t.Fatalf("value after two acquires: %d", s.Value())
	}
	s.Release(2)
	if s.Value() != 2 {
		t.Fatalf("value after release: %d", s.Value())
	}
	b := must(NewBoundedSemaphore(1))
	if err := b.Release(1); !errors.Is(err, ErrEinval) {
		t.Fatalf("bounded over-release: %v", err)
	}
}

func TestEventAndBarrier(t *testing.T) {
	e := must(NewEvent())
	if e.IsSet() {
		t.Fatal("set at start")
	}
	if ok, _ := e.Wait(5 * time.Millisecond); ok {
		t.Fatal("wait on unset")
	}
	go e.Set()
	if ok, err := e.Wait(5 * time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	var actions int
	var mu sync.Mutex
	b := must(NewBarrier(3, func() (any, error) { mu.Lock(); actions++; mu.Unlock(); return nil, nil },
		5*time.Second))
	var wg sync.WaitGroup
	idx := make([]int, 3)
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			idx[i], _ = b.Wait(Forever)
		}(i)
	}
	wg.Wait()
	if actions != 1 || idx[0]+idx[1]+idx[2] != 3 {
		t.Fatalf("actions %d, indexes %v", actions, idx)
	}
	if b.Parties() != 3 || b.Broken() {
		t.Fatal("parties/broken")
	}
	if _, err := b.Wait(5 * time.Millisecond); !errors.Is(err, ErrBroken) {
		t.Fatalf("lone waiter: %v", err)
	}
	if !b.Broken() {
		t.Fatal("not broken after timeout")
	}
	b.Reset()
	nb := must(NewBarrier(1, nil, Forever))
	if i, err := nb.Wait(Forever); i != 0 || err != nil {
		t.Fatal(i, err)
	}
}

// Close in one goroutine while another is blocked on the same object drops
// only the owner's reference: the blocked call holds its own, so the object
// lives (its raw handle still works) until the call returns as it would have
// (a timeout here), and goes then.
func TestCloseWhileBlocked(t *testing.T) {
	l := must(NewLock())
	must(l.Acquire(Forever))
	e := must(NewEvent())
	s := must(NewSemaphore(0))
	raw := []ref{l.c(), e.c(), s.c()}
	const wait = 400 * time.Millisecond
	results := make(chan string, 3)
	report := func(what string, ok bool, err error) {
		if ok || err != nil {
			results <- fmt.Sprintf("%s gave (%v, %v), want a timeout", what, ok, err)
			return
		}
		results <- ""
	}
	go func() { ok, err := l.Acquire(wait); report("Lock.Acquire", ok, err) }()
	go func() { ok, err := e.Wait(wait); report("Event.Wait", ok, err) }()
	go func() { ok, err := s.Acquire(wait); report("Semaphore.Acquire", ok, err) }()
	time.Sleep(wait / 4) // let them block
	for _, c := range []interface{ Close() error }{l, e, s} {
		if err := c.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
	}
	alive := func(r ref) error {
		if err := cweft.Weft_handle_ref(uintptr(r)); err != nil {
			return err
		}
		return cweft.Weft_handle_unref(uintptr(r))
	}
	for i, r := range raw {
		if err := alive(r); err != nil {
			t.Errorf("object %d freed under its blocked call: %v", i, err)
		}
	}
	for i := 0; i < 3; i++ {
		if msg := <-results; msg != "" {
			t.Error(msg)
		}
	}
	for i, r := range raw {
		if err := alive(r); !errors.Is(err, ErrEinval) {
			t.Errorf("object %d still alive after its last call returned: %v", i, err)
		}
	}
	if _, err := l.Acquire(0); !errors.Is(err, ErrEinval) {
		t.Fatalf("Acquire after Close: %v, want ErrEinval", err)
	}
}

// A negative count where C takes a size is an error wrapping ErrEinval,
// never a huge unsigned value.
func TestNegativeCounts(t *testing.T) {
	bad := map[string]func() error{
		"NewSemaphore(-1)":        func() error { _, err := NewSemaphore(-1); return err },
		"NewBoundedSemaphore(-1)": func() error { _, err := NewBoundedSemaphore(-1); return err },
		"NewBarrier(-1)":          func() error { _, err := NewBarrier(-1, nil, Forever); return err },
		"NewQueue(-5)":            func() error { _, err := NewQueue(-5); return err },
		"Semaphore.Release(-2)":   func() error { return must(NewSemaphore(1)).Release(-2) },
	}
	for what, f := range bad {
		if err := f(); !errors.Is(err, ErrEinval) {
			t.Errorf("%s gave %v, want ErrEinval", what, err)
		}
	}
}

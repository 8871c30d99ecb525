package weft

import (
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"weft.dev/weft/internal/cweft"
)

func TestQueueKinds(t *testing.T) {
	q := must(NewQueue(0))
	l := must(NewLifoQueue(0))
	p := must(NewPriorityQueue(0))
	for i := 1; i <= 3; i++ {
		q.Put(i, Forever)
		l.Put(i, Forever)
	}
	p.PutPriority(5, "low", Forever)
	p.PutPriority(1, "high", Forever)
	if v, _ := q.Get(Forever); v != 1 {
		t.Fatal("fifo", v)
	}
	if v, _ := l.Get(Forever); v != 3 {
		t.Fatal("lifo", v)
	}
	if v, _ := p.Get(Forever); v != "high" {
		t.Fatal("priority", v)
	}
	if q.Qsize() != 2 {
		t.Fatal("qsize")
	}
	s := must(NewSimpleQueue())
	s.Put([]string{"go", "value"})
	v, _ := s.Get(0)
	if sv := v.([]string); sv[1] != "value" {
		t.Fatal("simple", v)
	}
	if _, err := s.Get(0); !errors.Is(err, ErrEmpty) {
		t.Fatal(err)
	}
}

func TestQueueFullEmpty(t *testing.T) {
	q := must(NewQueue(1))
	if q.Maxsize() != 1 {
		t.Fatal("maxsize")
	}
	q.Put("x", Forever)
	if !q.Full() {
		t.Fatal("full")
	}
	if err := q.Put("y", 5*time.Millisecond); !errors.Is(err, ErrFull) {
		t.Fatalf("put on full: %v", err)
	}
	if err := q.PutNowait("y"); !errors.Is(err, ErrFull) {
		t.Fatal(err)
	}
	q.Get(Forever)
	if _, err := q.Get(5 * time.Millisecond); !errors.Is(err, ErrEmpty) {
		t.Fatalf("get on empty: %v", err)
	}
	if _, err := q.GetNowait(); !errors.Is(err, ErrEmpty) {
		t.Fatal(err)
	}
}

func TestQueueJoinShutdown(t *testing.T) {
	q := must(NewQueue(0))
	q.Put(1, Forever)
	if err := q.Join(5 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	q.Get(Forever)
	q.TaskDone()
	if err := q.Join(Forever); err != nil {
		t.Fatal(err)
	}
	if err := q.TaskDone(); err == nil {
		t.Fatal("extra task_done accepted")
	}
	q.Put(2, Forever)
	q.Shutdown(false)
	if err := q.Put(3, Forever); !errors.Is(err, ErrShutdown) {
		t.Fatal(err)
	}
	if v, _ := q.Get(Forever); v != 2 {
		t.Fatal(v)
	}
	if _, err := q.Get(Forever); !errors.Is(err, ErrShutdown) {
		t.Fatal(err)
	}
}

// Items left in a queue are released with it (their handles deleted).
func TestQueueCloseReleasesItems(t *testing.T) {
	q := must(NewQueue(0))
	for i := 0; i < 100; i++ {
		q.Put(make([]byte, 1024), Forever)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestQueueProducersConsumers(t *testing.T) {
	q := must(NewQueue(8))
	const producers, per = 4, 500
	var wg sync.WaitGroup
	for p := 0; p < producers; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			for i := 0; i < per; i++ {
				if err := q.Put(p*per+i, Forever); err != nil {
					t.Error(err)
					return
				}
			}
		}(p)
	}
	sum := 0
	for i := 0; i < producers*per; i++ {
		v, err := q.Get(Forever)
		if err != nil {
			t.Fatal(err)
		}
		sum += v.(int)
	}
	wg.Wait()
	n := producers * per
	if sum != n*(n-1)/2 {
		t.Fatalf("sum %d", sum)
	}
}

// A Get blocked while another goroutine closes the queue keeps the queue
// alive until it returns (see TestCloseWhileBlocked).
func TestQueueCloseWhileBlocked(t *testing.T) {
	q := must(NewQueue(0))
	raw := uintptr(q.c())
	done := make(chan error, 1)
	go func() {
		_, err := q.Get(300 * time.Millisecond)
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := q.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := cweft.Weft_queue_put(ref(raw), 0, 0); err != nil {
		t.Fatalf("the queue was freed under the blocked Get: %v", err)
	}
	if err := <-done; err != nil {
		t.Fatalf("blocked Get gave %v, want the item put after Close", err)
	}
}

// A handle put in a queue outlives the sender's variable: the item is the
// Go value itself (held by its cgo.Handle), so the finalizer cannot close
// it while it waits in the queue.
func TestQueueItemHandleOutlivesSender(t *testing.T) {
	q := must(NewQueue(0))
	func() {
		l := must(NewLock())
		if err := q.Put(l, Forever); err != nil {
			t.Fatal(err)
		}
	}()
	runtime.GC()
	runtime.GC()
	v, err := q.Get(0)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := v.(*Lock).Acquire(0); !ok || err != nil {
		t.Fatalf("Acquire on the lock taken out: (%v, %v)", ok, err)
	}
}

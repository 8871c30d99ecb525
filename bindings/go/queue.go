package weft

import (
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Queue is queue.Queue, LifoQueue or PriorityQueue. Items are Go values,
// held as they are (not copied); Put on a full queue gives ErrFull after the
// timeout, Get on an empty one ErrEmpty, as Python's queue.Full and Empty.
type Queue struct{ handle }

func newQueue(ctor func(*uintptr, int64) error, maxsize int) (*Queue, error) {
	p, err := newOut(func(o *uintptr) error { return ctor(o, int64(maxsize)) })
	if err != nil {
		return nil, err
	}
	q := &Queue{}
	q.init(p, func(p uintptr) error { return cweft.Weft_queue_free(cweft.SwigcptrStruct_SS_weft_queue(p)) })
	runtime.SetFinalizer(q, (*Queue).Close)
	return q, nil
}

// NewQueue makes a FIFO queue; maxsize 0 is unbounded.
func NewQueue(maxsize int) (*Queue, error) { return newQueue(cweft.Weft_queue_new, maxsize) }

// NewLifoQueue makes a LIFO queue.
func NewLifoQueue(maxsize int) (*Queue, error) { return newQueue(cweft.Weft_lifo_queue_new, maxsize) }

// NewPriorityQueue makes a queue ordered by PutPriority's priority
// (smaller first), then by arrival.
func NewPriorityQueue(maxsize int) (*Queue, error) {
	return newQueue(cweft.Weft_priority_queue_new, maxsize)
}

func (q *Queue) c() cweft.SwigcptrStruct_SS_weft_queue {
	return cweft.SwigcptrStruct_SS_weft_queue(q.ptr())
}

// Put adds v, waiting up to timeout for room.
func (q *Queue) Put(v any, timeout time.Duration) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error { return cweft.Weft_queue_put(q.c(), h, seconds(timeout)) })
}

// PutNowait is Put with no wait.
func (q *Queue) PutNowait(v any) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error { return cweft.Weft_queue_put_nowait(q.c(), h) })
}

// PutPriority adds v with a priority (for a PriorityQueue).
func (q *Queue) PutPriority(priority int64, v any, timeout time.Duration) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error {
		return cweft.Weft_queue_put_priority(q.c(), priority, h, seconds(timeout))
	})
}

// Get removes and gives the next item, waiting up to timeout.
func (q *Queue) Get(timeout time.Duration) (any, error) {
	defer runtime.KeepAlive(q)
	var p uintptr
	if err := cweft.Weft_queue_get(q.c(), seconds(timeout), &p); err != nil {
		return nil, err
	}
	return take(p), nil
}

// GetNowait is Get with no wait.
func (q *Queue) GetNowait() (any, error) { return q.Get(0) }

// Qsize is the number of items.
func (q *Queue) Qsize() int {
	defer runtime.KeepAlive(q)
	return sizeOut(func(v *uint64) error { return cweft.Weft_queue_qsize(q.c(), v) })
}

// Maxsize is the bound given at creation.
func (q *Queue) Maxsize() int {
	defer runtime.KeepAlive(q)
	return sizeOut(func(v *uint64) error { return cweft.Weft_queue_maxsize(q.c(), v) })
}

// Empty reports whether the queue has no items.
func (q *Queue) Empty() bool {
	defer runtime.KeepAlive(q)
	return boolOut(func(v *int32) error { return cweft.Weft_queue_empty(q.c(), v) })
}

// Full reports whether the queue is at its bound.
func (q *Queue) Full() bool {
	defer runtime.KeepAlive(q)
	return boolOut(func(v *int32) error { return cweft.Weft_queue_full(q.c(), v) })
}

// TaskDone marks one got item as processed.
func (q *Queue) TaskDone() error {
	defer runtime.KeepAlive(q)
	return cweft.Weft_queue_task_done(q.c())
}

// Join waits until every item put was marked done.
func (q *Queue) Join(timeout time.Duration) error {
	defer runtime.KeepAlive(q)
	return cweft.Weft_queue_join(q.c(), seconds(timeout))
}

// Shutdown refuses further puts (ErrShutdown); immediate also drops the items.
func (q *Queue) Shutdown(immediate bool) error {
	defer runtime.KeepAlive(q)
	return cweft.Weft_queue_shutdown(q.c(), b2i(immediate))
}

// Close drops the Go side's reference.
func (q *Queue) Close() error { return q.close() }

// SimpleQueue is queue.SimpleQueue: unbounded, no task tracking.
type SimpleQueue struct{ handle }

// NewSimpleQueue makes one.
func NewSimpleQueue() (*SimpleQueue, error) {
	p, err := newOut(cweft.Weft_simple_queue_new)
	if err != nil {
		return nil, err
	}
	q := &SimpleQueue{}
	q.init(p, func(p uintptr) error {
		return cweft.Weft_simple_queue_free(cweft.SwigcptrStruct_SS_weft_simple_queue(p))
	})
	runtime.SetFinalizer(q, (*SimpleQueue).Close)
	return q, nil
}

func (q *SimpleQueue) c() cweft.SwigcptrStruct_SS_weft_simple_queue {
	return cweft.SwigcptrStruct_SS_weft_simple_queue(q.ptr())
}

// Put adds v.
func (q *SimpleQueue) Put(v any) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error { return cweft.Weft_simple_queue_put(q.c(), h) })
}

// Get removes the next item, waiting up to timeout.
func (q *SimpleQueue) Get(timeout time.Duration) (any, error) {
	defer runtime.KeepAlive(q)
	var p uintptr
	if err := cweft.Weft_simple_queue_get(q.c(), seconds(timeout), &p); err != nil {
		return nil, err
	}
	return take(p), nil
}

// Qsize is the number of items.
func (q *SimpleQueue) Qsize() int {
	defer runtime.KeepAlive(q)
	return sizeOut(func(v *uint64) error { return cweft.Weft_simple_queue_qsize(q.c(), v) })
}

// Empty reports whether there are no items.
func (q *SimpleQueue) Empty() bool {
	defer runtime.KeepAlive(q)
	return boolOut(func(v *int32) error { return cweft.Weft_simple_queue_empty(q.c(), v) })
}

// Close drops the Go side's reference.
func (q *SimpleQueue) Close() error { return q.close() }

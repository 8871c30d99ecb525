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
	return open(&Queue{}, func(o *uintptr) error { return ctor(o, int64(maxsize)) }, cweft.Weft_queue_free)
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

// Put adds v, waiting up to timeout for room.
func (q *Queue) Put(v any, timeout time.Duration) error {
	held := q.hold()
	defer held.drop()
	return give(v, func(h uintptr) error { return cweft.Weft_queue_put(held, h, seconds(timeout)) })
}

// PutNowait is Put with no wait.
func (q *Queue) PutNowait(v any) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error { return cweft.Weft_queue_put_nowait(q.c(), h) })
}

// PutPriority adds v with a priority (for a PriorityQueue).
func (q *Queue) PutPriority(priority int64, v any, timeout time.Duration) error {
	held := q.hold()
	defer held.drop()
	return give(v, func(h uintptr) error {
		return cweft.Weft_queue_put_priority(held, priority, h, seconds(timeout))
	})
}

// Get removes and gives the next item, waiting up to timeout.
func (q *Queue) Get(timeout time.Duration) (any, error) {
	return waitOut(&q.handle, cweft.Weft_queue_get, timeout)
}

// GetNowait is Get with no wait.
func (q *Queue) GetNowait() (any, error) { return q.Get(0) }

// Qsize is the number of items.
func (q *Queue) Qsize() int { return count(&q.handle, cweft.Weft_queue_qsize) }

// Maxsize is the bound given at creation.
func (q *Queue) Maxsize() int { return count(&q.handle, cweft.Weft_queue_maxsize) }

// Empty reports whether the queue has no items.
func (q *Queue) Empty() bool { return flag(&q.handle, cweft.Weft_queue_empty) }

// Full reports whether the queue is at its bound.
func (q *Queue) Full() bool { return flag(&q.handle, cweft.Weft_queue_full) }

// TaskDone marks one got item as processed.
func (q *Queue) TaskDone() error { return do(&q.handle, cweft.Weft_queue_task_done) }

// Join waits until every item put was marked done.
func (q *Queue) Join(timeout time.Duration) error {
	return wait(&q.handle, cweft.Weft_queue_join, timeout)
}

// Shutdown refuses further puts (ErrShutdown); immediate also drops the items.
func (q *Queue) Shutdown(immediate bool) error {
	held := q.hold()
	defer held.drop()
	return cweft.Weft_queue_shutdown(held, b2i(immediate))
}

// SimpleQueue is queue.SimpleQueue: unbounded, no task tracking.
type SimpleQueue struct{ handle }

// NewSimpleQueue makes one.
func NewSimpleQueue() (*SimpleQueue, error) {
	return open(&SimpleQueue{}, cweft.Weft_simple_queue_new, cweft.Weft_simple_queue_free)
}

// Put adds v.
func (q *SimpleQueue) Put(v any) error {
	defer runtime.KeepAlive(q)
	return give(v, func(h uintptr) error { return cweft.Weft_simple_queue_put(q.c(), h) })
}

// Get removes the next item, waiting up to timeout.
func (q *SimpleQueue) Get(timeout time.Duration) (any, error) {
	return waitOut(&q.handle, cweft.Weft_simple_queue_get, timeout)
}

// Qsize is the number of items.
func (q *SimpleQueue) Qsize() int { return count(&q.handle, cweft.Weft_simple_queue_qsize) }

// Empty reports whether there are no items.
func (q *SimpleQueue) Empty() bool { return flag(&q.handle, cweft.Weft_simple_queue_empty) }

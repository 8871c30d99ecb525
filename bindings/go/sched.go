package weft

import (
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Scheduler is sched.scheduler on the monotonic clock; actions are Go
// functions run by Run on the calling goroutine's thread.
type Scheduler struct{ handle }

// NewScheduler makes an empty scheduler.
func NewScheduler() (*Scheduler, error) {
	return open(&Scheduler{}, cweft.Weft_scheduler_new, cweft.Weft_scheduler_free)
}

// SchedEvent is a scheduled event, for Cancel.
type SchedEvent struct{ handle }

func (s *Scheduler) enter(f func(fn uintptr, out *uintptr) error, action Func) (*SchedEvent, error) {
	defer runtime.KeepAlive(s)
	_, h := newCallable(action)
	var p uintptr
	if err := f(uintptr(h), &p); err != nil {
		h.Delete()
		return nil, err
	}
	e := &SchedEvent{}
	adopt(e, p, cweft.Weft_sched_event_free)
	return e, nil
}

// Enter schedules action after delay; lower priority runs first among
// events due at the same time.
func (s *Scheduler) Enter(delay time.Duration, priority int, action Func) (*SchedEvent, error) {
	return s.enter(func(fn uintptr, out *uintptr) error {
		return cweft.Weft_scheduler_enter(s.c(), delay.Seconds(), priority, fn, out)
	}, action)
}

// EnterAbs schedules action at t, in seconds on the scheduler's clock
// (Time of an event tells where that clock is).
func (s *Scheduler) EnterAbs(t float64, priority int, action Func) (*SchedEvent, error) {
	return s.enter(func(fn uintptr, out *uintptr) error {
		return cweft.Weft_scheduler_enterabs(s.c(), t, priority, fn, out)
	}, action)
}

// Cancel removes a queued event; ErrEinval (Python's ValueError) if it is not
// queued.
func (s *Scheduler) Cancel(e *SchedEvent) error {
	defer runtime.KeepAlive(s)
	defer runtime.KeepAlive(e)
	return cweft.Weft_scheduler_cancel(s.c(), e.c())
}

// Empty reports whether no event is queued.
func (s *Scheduler) Empty() bool { return flag(&s.handle, cweft.Weft_scheduler_empty) }

// Run runs events as they come due. Blocking runs until none is left;
// otherwise it runs what is due and gives the delay until the next event
// (negative when none is left).
func (s *Scheduler) Run(blocking bool) (time.Duration, error) {
	held := s.hold()
	defer held.drop()
	var next float64
	err := cweft.Weft_scheduler_run(held, b2i(blocking), &next)
	if next < 0 {
		return Forever, err
	}
	return fromSeconds(next), err
}

// SchedEntry describes one queued event, as sched's Event tuple.
type SchedEntry struct {
	Time     float64
	Priority int
	Sequence uint64
}

// Queue lists the queued events in the order they will run.
func (s *Scheduler) Queue() ([]SchedEntry, error) {
	defer runtime.KeepAlive(s)
	var arr uintptr
	var n uint64
	if err := cweft.Weft_scheduler_queue(s.c(), &arr, &n); err != nil {
		return nil, err
	}
	evs := pointers(arr, n)
	out := make([]SchedEntry, len(evs))
	for i, p := range evs {
		e := cweft.SwigcptrStruct_SS_weft_sched_event(p)
		var prio int32
		cweft.Weft_sched_event_time(e, &out[i].Time)
		cweft.Weft_sched_event_priority(e, &prio)
		cweft.Weft_sched_event_sequence(e, &out[i].Sequence)
		out[i].Priority = int(prio)
	}
	cweft.Weft_sched_queue_free((*uintptr)(unsafePointerU(arr)), int64(n))
	return out, nil
}

// Time is when the event runs, on the scheduler's clock.
func (e *SchedEvent) Time() float64 {
	defer runtime.KeepAlive(e)
	var t float64
	cweft.Weft_sched_event_time(e.c(), &t)
	return t
}

// Queued reports whether it still waits to run.
func (e *SchedEvent) Queued() bool { return flag(&e.handle, cweft.Weft_sched_event_queued) }

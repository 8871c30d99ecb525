package weft

import (
	"errors"
	"testing"
	"time"
)

func TestSchedulerOrder(t *testing.T) {
	s := must(NewScheduler())
	var order []string
	add := func(name string) Func { return func() (any, error) { order = append(order, name); return nil, nil } }
	late := must(s.Enter(30*time.Millisecond, 1, add("late")))
	at := late.Time() - 0.02
	must(s.EnterAbs(at, 2, add("second")))
	must(s.EnterAbs(at, 1, add("first")))
	q := must(s.Queue())
	if len(q) != 3 || q[0].Priority != 1 || q[1].Priority != 2 {
		t.Fatal(q)
	}
	if _, err := s.Run(true); err != nil {
		t.Fatal(err)
	}
	if len(order) != 3 || order[0] != "first" || order[1] != "second" || order[2] != "late" {
		t.Fatal(order)
	}
	if !s.Empty() {
		t.Fatal("not empty")
	}
}

func TestSchedulerCancel(t *testing.T) {
	s := must(NewScheduler())
	ev := must(s.Enter(10*time.Second, 0, func() (any, error) { return nil, nil }))
	d, err := s.Run(false)
	if err != nil || d < 5*time.Second {
		t.Fatal(d, err)
	}
	if !ev.Queued() {
		t.Fatal("not queued")
	}
	if err := s.Cancel(ev); err != nil {
		t.Fatal(err)
	}
	if err := s.Cancel(ev); !errors.Is(err, ErrEinval) {
		t.Fatalf("double cancel: %v", err)
	}
	if d, _ := s.Run(false); d != Forever {
		t.Fatal("next delay on empty", d)
	}
}

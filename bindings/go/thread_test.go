package weft

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestThread(t *testing.T) {
	got := make(chan string, 1)
	th := must(NewThread("worker", func() (any, error) {
		cur := must(CurrentThread())
		got <- cur.Name()
		return nil, nil
	}))
	if th.Name() != "worker" || th.IsAlive() {
		t.Fatal("before start")
	}
	if err := th.Start(); err != nil {
		t.Fatal(err)
	}
	if ok, err := th.Join(5 * time.Second); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if <-got != "worker" || th.IsAlive() || th.Ident() == 0 || th.NativeID() == 0 {
		t.Fatal("after join")
	}
	if err := th.Start(); !errors.Is(err, ErrRuntime) {
		t.Fatalf("second start: %v", err)
	}
	d := must(NewThread("", func() (any, error) { return nil, nil }))
	if !strings.HasPrefix(d.Name(), "Thread-") {
		t.Fatal(d.Name())
	}
	if _, err := NewThread("x", nil); !errors.Is(err, ErrEinval) {
		t.Fatal(err)
	}
}

func TestThreadJoinTimeoutAndEnumerate(t *testing.T) {
	stop := make(chan struct{})
	th := must(NewThread("blocked", func() (any, error) { <-stop; return nil, nil }))
	th.SetDaemon(true)
	if !th.Daemon() {
		t.Fatal("daemon")
	}
	th.Start()
	if ok, _ := th.Join(10 * time.Millisecond); ok {
		t.Fatal("joined a blocked thread")
	}
	found := false
	for _, x := range must(Enumerate()) {
		if x.Name() == "blocked" {
			found = true
		}
	}
	if !found || ActiveCount() < 2 {
		t.Fatal("enumerate")
	}
	close(stop)
	th.Join(Forever)
}

func TestTimerAndLocal(t *testing.T) {
	fired := make(chan bool, 1)
	tm := must(NewTimer(10*time.Millisecond, func() (any, error) { fired <- true; return nil, nil }))
	tm.Start()
	if !<-fired {
		t.Fatal("timer")
	}
	tm.Join(Forever)
	never := must(NewTimer(10*time.Second, func() (any, error) { fired <- true; return nil, nil }))
	never.Start()
	if !never.Cancel() {
		t.Fatal("cancel")
	}
	never.Join(Forever)
	l := must(NewLocal())
	seen := make(chan any, 1)
	th := must(NewThread("local", func() (any, error) {
		before := l.Get()
		l.Set("mine")
		seen <- before
		return nil, nil
	}))
	th.Start()
	th.Join(Forever)
	if <-seen != nil {
		t.Fatal("value leaked between threads")
	}
	ident := make(chan uint64, 1)
	id := must(StartNewThread(func() (any, error) { ident <- GetIdent(); return nil, nil }))
	if <-ident != id {
		t.Fatal("ident")
	}
}

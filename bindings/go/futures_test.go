package weft

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestSubmitResult(t *testing.T) {
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 2}))
	defer ex.Close()
	f := must(ex.Submit(func() (any, error) { return map[string]int{"a": 1}, nil }))
	v := must(f.Result(Forever))
	if v.(map[string]int)["a"] != 1 {
		t.Fatal(v)
	}
	if !f.Done() || f.Cancelled() || f.Running() {
		t.Fatal("states")
	}
	if e, err := f.Exception(0); e != nil || err != nil {
		t.Fatal(e, err)
	}
	if _, err := ex.Submit(nil); !errors.Is(err, ErrEinval) {
		t.Fatal(err)
	}
}

func TestSubmitFailure(t *testing.T) {
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 1}))
	defer ex.Close()
	f := must(ex.Submit(func() (any, error) { return nil, errMine }))
	_, err := f.Result(Forever)
	if !errors.Is(err, ErrFailed) || !errors.Is(err, errMine) {
		t.Fatalf("result: %v", err)
	}
	if e, _ := f.Exception(Forever); e != errMine {
		t.Fatalf("exception: %v", e)
	}
	g := must(ex.Submit(func() (any, error) { panic("in a task") }))
	if _, err := g.Result(Forever); !errors.Is(err, ErrFailed) {
		t.Fatal(err)
	}
	h := must(ex.Submit(func() (any, error) { return nil, &Error{Code: StatusEmpty} }))
	if _, err := h.Result(Forever); !errors.Is(err, ErrEmpty) {
		t.Fatal(err)
	}
}

func TestCancelTimeoutShutdown(t *testing.T) {
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 1}))
	gate := make(chan struct{})
	blocker := must(ex.Submit(func() (any, error) { <-gate; return nil, nil }))
	queued := must(ex.Submit(func() (any, error) { return 1, nil }))
	if _, err := blocker.Result(5 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	if !queued.Cancel() || !queued.Cancelled() {
		t.Fatal("cancel")
	}
	if _, err := queued.Result(Forever); !errors.Is(err, ErrCancelled) {
		t.Fatal(err)
	}
	close(gate)
	ex.Shutdown(true, false)
	if _, err := ex.Submit(func() (any, error) { return nil, nil }); !errors.Is(err, ErrRuntime) {
		t.Fatalf("submit after shutdown: %v", err)
	}
	ex.Close()
}

func TestMapWaitAsCompleted(t *testing.T) {
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 2, ThreadNamePrefix: "gotest"}))
	defer ex.Close()
	out := must(ex.Map(func(a any) (any, error) { return a.(int) * a.(int), nil }, []any{1, 2, 3}, Forever))
	if out[2] != 9 {
		t.Fatal(out)
	}
	_, err := ex.Map(func(a any) (any, error) {
		if a.(int) == 2 {
			return nil, errMine
		}
		return a, nil
	}, []any{1, 2, 3}, Forever)
	if !errors.Is(err, errMine) {
		t.Fatal(err)
	}
	var fs []*Future
	for i := 0; i < 5; i++ {
		i := i
		fs = append(fs, must(ex.Submit(func() (any, error) { return i, nil })))
	}
	done, notDone := mustWait(t, fs, Forever, AllCompleted)
	if len(done) != 5 || len(notDone) != 0 {
		t.Fatal(len(done), len(notDone))
	}
	it := must(NewAsCompleted(fs, Forever))
	seen := 0
	for {
		f, err := it.Next()
		if errors.Is(err, ErrEOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seen += must(f.Result(0)).(int)
	}
	if seen != 10 {
		t.Fatal(seen)
	}
	gate := make(chan struct{})
	slow := must(ex.Submit(func() (any, error) { <-gate; return nil, nil }))
	done, notDone = mustWait(t, []*Future{fs[0], slow}, 5*time.Millisecond, AllCompleted)
	if len(done) != 1 || len(notDone) != 1 {
		t.Fatal(len(done), len(notDone))
	}
	close(gate)
}

func mustWait(t *testing.T, fs []*Future, timeout time.Duration, how int) ([]*Future, []*Future) {
	t.Helper()
	d, n, err := Wait(fs, timeout, how)
	if err != nil {
		t.Fatal(err)
	}
	return d, n
}

func TestInitializerAndCallbacks(t *testing.T) {
	var inits atomic.Int32
	ex := must(NewThreadPoolExecutor(ExecutorOptions{MaxWorkers: 2,
		Initializer: func() (any, error) { inits.Add(1); return nil, nil }}))
	f := must(ex.Submit(func() (any, error) { return 7, nil }))
	f.Result(Forever)
	got := make(chan any, 1)
	f.AddDoneCallback(func(d *Future) { v, _ := d.Result(0); got <- v })
	if v := <-got; v != 7 {
		t.Fatal(v)
	}
	ex.Shutdown(true, false)
	if inits.Load() < 1 {
		t.Fatal("initializer did not run")
	}
	h := must(NewFuture())
	if ok, _ := h.SetRunningOrNotifyCancel(); !ok {
		t.Fatal("set running")
	}
	h.SetResult("by hand")
	if v, _ := h.Result(0); v != "by hand" {
		t.Fatal(v)
	}
	if err := h.SetResult(1); !errors.Is(err, ErrInvalidState) {
		t.Fatal(err)
	}
	k := must(NewFuture())
	k.SetException(&Error{Code: StatusTimeout, Message: "late"})
	if _, err := k.Result(0); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
}

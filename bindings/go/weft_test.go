package weft

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"weft.dev/weft/internal/cweft"
)

// must stops the test (by a panic, which go test reports with the stack)
// when a constructor or call that must work fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestVersion(t *testing.T) {
	// The library loaded is the one the headers describe.
	ma, mi, pa := Version()
	if ma != int(cweft.WEFT_VERSION_MAJOR) || mi != int(cweft.WEFT_VERSION_MINOR) || pa != int(cweft.WEFT_VERSION_PATCH) {
		t.Fatalf("Version() = %d.%d.%d", ma, mi, pa)
	}
	if got, want := VersionString(), fmt.Sprintf("%d.%d.%d", ma, mi, pa); got != want {
		t.Fatalf("VersionString() = %q, want %q", got, want)
	}
}

func TestStatusTable(t *testing.T) {
	if StatusTimeout != 4 || StatusOK != 0 || StatusEinval != 1 {
		t.Fatal("status constants differ from the C table")
	}
	if StatusName(StatusEmpty) != "WEFT_EMPTY" || StatusException(StatusEmpty) != "queue.Empty" {
		t.Fatal("status names")
	}
	e := &Error{Code: StatusTimeout, Message: "waited"}
	if !errors.Is(e, ErrTimeout) || errors.Is(e, ErrEmpty) {
		t.Fatal("errors.Is does not match by code")
	}
	if e.Error() != "WEFT_TIMEOUT: waited" {
		t.Fatalf("Error() = %q", e.Error())
	}
	if (&Error{Code: StatusFull}).Error() != "WEFT_FULL: queue is full" {
		t.Fatal("message defaults to strerror")
	}
	var we *Error
	if !errors.As(fmt.Errorf("wrapped: %w", e), &we) || we.Code != StatusTimeout {
		t.Fatal("errors.As through wrapping")
	}
}

func TestCallFuncValue(t *testing.T) {
	v, err := CallFunc(func() (any, error) { return []int{1, 2, 3}, nil })
	if err != nil {
		t.Fatal(err)
	}
	if s, ok := v.([]int); !ok || len(s) != 3 {
		t.Fatalf("Call returned %#v", v)
	}
	v, err = CallFunc(func() (any, error) { return nil, nil })
	if err != nil || v != nil {
		t.Fatalf("nil result: %v %v", v, err)
	}
}

var errMine = errors.New("mine")

func TestCallFuncError(t *testing.T) {
	_, err := CallFunc(func() (any, error) { return nil, errMine })
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("want ErrFailed, got %v", err)
	}
	if !errors.Is(err, errMine) {
		t.Fatalf("the callable's own error is not the cause: %v", err)
	}
	var we *Error
	if !errors.As(err, &we) || we.Message != "mine" {
		t.Fatalf("message: %v", err)
	}
}

func TestCallFuncWeftErrorKeepsStatus(t *testing.T) {
	_, err := CallFunc(func() (any, error) { return nil, &Error{Code: StatusEmpty, Message: "none"} })
	if !errors.Is(err, ErrEmpty) {
		t.Fatalf("want ErrEmpty, got %v", err)
	}
}

func TestCallFuncPanic(t *testing.T) {
	_, err := CallFunc(func() (any, error) { panic("oops") })
	if !errors.Is(err, ErrFailed) {
		t.Fatalf("want ErrFailed, got %v", err)
	}
	_, err = CallFunc(func() (any, error) { panic(errMine) })
	if !errors.Is(err, errMine) {
		t.Fatalf("a panic with an error keeps it: %v", err)
	}
}

func TestCallFuncNil(t *testing.T) {
	if _, err := CallFunc(nil); !errors.Is(err, ErrEinval) {
		t.Fatalf("want ErrEinval, got %v", err)
	}
}

// Many goroutines at once: the message must come from the thread of each call.
func TestCallFuncConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				want := fmt.Sprintf("g%d-%d", g, i)
				_, err := CallFunc(func() (any, error) { return nil, errors.New(want) })
				var we *Error
				if !errors.As(err, &we) || we.Message != want {
					t.Errorf("got %v, want message %q", err, want)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestDurations(t *testing.T) {
	if seconds(-time.Second) != -1 || seconds(1500*time.Millisecond) != 1.5 || seconds(0) != 0 {
		t.Fatal("seconds")
	}
	if fromSeconds(-1) != Forever || fromSeconds(2) != 2*time.Second {
		t.Fatal("fromSeconds")
	}
}

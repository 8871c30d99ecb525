package weft

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRunAndCheckOutput(t *testing.T) {
	out := must(CheckOutput([]string{"printf", "a%sb", "-"}, nil))
	if string(out) != "a-b" {
		t.Fatal(string(out))
	}
	out = must(CheckOutput([]string{"cat"}, &RunOptions{Input: []byte("in\x00put")}))
	if string(out) != "in\x00put" {
		t.Fatal(out)
	}
	r := must(Run([]string{"sh", "-c", "echo out; echo err >&2; exit 3"}, &RunOptions{CaptureOutput: true}))
	if r.Returncode != 3 || string(r.Stdout) != "out\n" || string(r.Stderr) != "err\n" || r.Args[0] != "sh" {
		t.Fatalf("%+v", r)
	}
	if _, err := CheckOutput([]string{"false"}, nil); !errors.Is(err, ErrCalledProcess) {
		t.Fatal(err)
	}
	cp, err := Run([]string{"sh", "-c", "echo partial; exit 6"}, &RunOptions{Check: true, CaptureOutput: true})
	if !errors.Is(err, ErrCalledProcess) || cp == nil || cp.Returncode != 6 || string(cp.Stdout) != "partial\n" {
		t.Fatal(cp, err)
	}
	if _, err := Run([]string{"sleep", "5"}, &RunOptions{Timeout: 50 * time.Millisecond}); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	_, err = Run([]string{"/nonexistent/program"}, nil)
	var we *Error
	if !errors.Is(err, ErrOS) || !errors.As(err, &we) || we.Errno != 2 {
		t.Fatalf("%v (errno %d)", err, we.Errno)
	}
	if rc, _ := Call([]string{"sh", "-c", "exit 5"}, nil); rc != 5 {
		t.Fatal(rc)
	}
	st, o, _ := GetStatusOutput("echo hi; exit 2")
	if st != 2 || o != "hi" {
		t.Fatal(st, o)
	}
}

func TestPopen(t *testing.T) {
	p := must(Popen([]string{"cat"}, &PopenOptions{Stdin: Pipe, Stdout: Pipe}))
	defer p.Close()
	if p.Pid() <= 0 {
		t.Fatal("pid")
	}
	o, e, err := p.Communicate([]byte("round trip"), Forever)
	if err != nil || string(o) != "round trip" || e != nil {
		t.Fatal(string(o), e, err)
	}
	if rc, err := p.Wait(Forever); rc != 0 || err != nil {
		t.Fatal(rc, err)
	}
	q := must(Popen([]string{"sh", "-c", "echo $WEFT_X; pwd"},
		&PopenOptions{Stdout: Pipe, Env: []string{"WEFT_X=yes"}, Cwd: "/"}))
	o, _, _ = q.Communicate(nil, Forever)
	if string(o) != "yes\n/\n" {
		t.Fatal(string(o))
	}
	if strings.Join(q.Args(), " ") != "sh -c echo $WEFT_X; pwd" {
		t.Fatal(q.Args())
	}
	s := must(Popen([]string{"sleep", "5"}, nil))
	if _, done, _ := s.Poll(); done {
		t.Fatal("done at once")
	}
	if _, err := s.Wait(5 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	s.Kill()
	if rc, _ := s.Wait(Forever); rc != -9 {
		t.Fatal(rc)
	}
}

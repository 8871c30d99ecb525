package weft

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// must2 is must for a call that makes two objects.
func must2[A, B any](a A, b B, err error) (A, B) {
	if err != nil {
		panic(err)
	}
	return a, b
}

// must0 fails the test when a call that must work fails.
func must0(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPipeMessages(t *testing.T) {
	for _, duplex := range []bool{true, false} {
		r, w, err := NewPipe(duplex)
		if err != nil {
			t.Fatal(err)
		}
		if !r.Readable() || r.Writable() != duplex || w.Readable() != duplex || !w.Writable() {
			t.Fatal("readable/writable", duplex)
		}
		big := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB: many writes and reads
		done := make(chan error, 1)
		go func() {
			for _, m := range [][]byte{[]byte("hello"), nil, big, []byte("tail")} {
				if err := w.SendBytes(m); err != nil {
					done <- err
					return
				}
			}
			done <- nil
		}()
		for _, want := range [][]byte{[]byte("hello"), {}, big} {
			got, err := r.RecvBytes(NoLimit, 30*time.Second)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("got %d bytes, %v; want %d", len(got), err, len(want))
			}
		}
		buf := make([]byte, 8)
		if n, err := r.RecvBytesInto(buf, Forever); n != 4 || err != nil || string(buf[:4]) != "tail" {
			t.Fatal(n, err)
		}
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if fd, err := r.Fileno(); err != nil || fd < 0 {
			t.Fatal(fd, err)
		}
		r.Close()
		w.Close()
	}
}

func TestReceiveFailures(t *testing.T) {
	a, b := must2(NewPipe(true))
	defer a.Close()
	defer b.Close()
	if ok, err := b.Poll(0); ok || err != nil {
		t.Fatal(ok, err)
	}
	if ok, err := b.Poll(20 * time.Millisecond); ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := b.RecvBytes(NoLimit, 20*time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	must0(t, a.SendBytes([]byte("does not fit")))
	if ok, err := b.Poll(Forever); !ok || err != nil {
		t.Fatal(ok, err)
	}
	small := make([]byte, 4)
	if n, err := b.RecvBytesInto(small, Forever); !errors.Is(err, ErrBufferTooShort) || n != 12 {
		t.Fatal(n, err)
	}
	// The message stayed: a large enough buffer gets it.
	if got, err := b.RecvBytes(NoLimit, Forever); err != nil || string(got) != "does not fit" {
		t.Fatal(string(got), err)
	}
	must0(t, a.SendBytes([]byte("123456")))
	if _, err := b.RecvBytes(5, Forever); !errors.Is(err, ErrOS) || !strings.Contains(err.Error(), "bad message length") {
		t.Fatal(err)
	}
	if b.Readable() || b.Closed() {
		t.Fatal("an over-long message stops the end reading")
	}
	if _, err := b.RecvBytes(NoLimit, 0); !errors.Is(err, ErrOS) {
		t.Fatal(err)
	}
	must0(t, a.Close())
	if err := b.SendBytes([]byte("x")); !errors.Is(err, ErrOS) {
		t.Fatal(err)
	}
	if !a.Closed() {
		t.Fatal("closed")
	}
	if err := a.SendBytes([]byte("x")); !errors.Is(err, ErrEinval) {
		t.Fatal(err)
	}
}

func TestEndOfFile(t *testing.T) {
	r, w := must2(NewPipe(false))
	defer r.Close()
	must0(t, w.SendBytes([]byte("last")))
	w.Close()
	if got, err := r.RecvBytes(NoLimit, Forever); err != nil || string(got) != "last" {
		t.Fatal(string(got), err)
	}
	if ok, _ := r.Poll(0); !ok {
		t.Fatal("end of file is ready")
	}
	if _, err := r.RecvBytes(NoLimit, Forever); !errors.Is(err, ErrEOF) {
		t.Fatal(err)
	}
	if err := r.SendBytes([]byte("x")); !errors.Is(err, ErrOS) {
		t.Fatal("a read-only end sends:", err)
	}
}

func TestConnectionFromDescriptor(t *testing.T) {
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	rfd, err := syscall.Dup(int(pr.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	pr.Close()
	c := must(NewConnection(rfd, true, false))
	defer c.Close()
	if _, err := pw.Write([]byte("\x00\x00\x00\x02hi")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.RecvBytes(NoLimit, Forever); err != nil || string(got) != "hi" {
		t.Fatal(string(got), err)
	}
	pw.Close()
	if _, err := NewConnection(-1, true, true); !errors.Is(err, ErrEinval) {
		t.Fatal(err)
	}
}

func TestListenAndDial(t *testing.T) {
	dir := t.TempDir()
	addrs := []Addr{UnixAddr(""), UnixAddr(filepath.Join(dir, "sock")), TCPAddr("127.0.0.1", 0)}
	if _, err := os.Stat("/proc/self"); err == nil { // Linux: abstract names
		addrs = append(addrs, UnixAddr(fmt.Sprintf("\x00weft-go-test-%d", os.Getpid())))
	}
	for _, key := range [][]byte{nil, []byte("secret"), {}} {
		for _, addr := range addrs {
			l, err := Listen(addr, &ListenOptions{Authkey: key})
			if err != nil {
				t.Fatal(addr, err)
			}
			where := l.Address()
			if where.Family != addr.Family || (addr.Name != "" && addr.Family == FamilyUnix && where.Name != addr.Name) ||
				(addr.Family == FamilyInet && (where.Name != "127.0.0.1" || where.Port == 0)) {
				t.Fatalf("%+v for %+v", where, addr)
			}
			if _, ok := l.LastAccepted(); ok {
				t.Fatal("nothing was accepted yet")
			}
			done := make(chan error, 1)
			go func() {
				c, err := Dial(where, key, 10*time.Second)
				if err == nil {
					err = c.SendBytes([]byte("ping"))
					if err == nil {
						var got []byte
						got, err = c.RecvBytes(NoLimit, 10*time.Second)
						if err == nil && string(got) != "pong" {
							err = fmt.Errorf("got %q", got)
						}
					}
					c.Close()
				}
				done <- err
			}()
			c, err := l.Accept(10 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			if got, err := c.RecvBytes(NoLimit, 10*time.Second); err != nil || string(got) != "ping" {
				t.Fatal(string(got), err)
			}
			must0(t, c.SendBytes([]byte("pong")))
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			if last, ok := l.LastAccepted(); !ok || (addr.Family == FamilyInet && last.Name != "127.0.0.1") {
				t.Fatal(last, ok)
			}
			c.Close()
			must0(t, l.Close())
			if addr.Family == FamilyUnix && where.Name[0] != 0 {
				if _, err := os.Stat(where.Name); !os.IsNotExist(err) {
					t.Fatal("the socket file outlived its listener:", err)
				}
			}
		}
	}
}

func TestWrongKey(t *testing.T) {
	l := must(Listen(TCPAddr("127.0.0.1", 0), &ListenOptions{Authkey: []byte("right")}))
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		_, err := Dial(l.Address(), []byte("wrong"), 10*time.Second)
		done <- err
	}()
	if _, err := l.Accept(10 * time.Second); !errors.Is(err, ErrAuth) {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrAuth) {
		t.Fatal(err)
	}
	if _, err := Dial(UnixAddr(filepath.Join(t.TempDir(), "nobody")), nil, time.Second); !errors.Is(err, ErrOS) {
		t.Fatal(err)
	}
	if _, err := l.Accept(10 * time.Millisecond); !errors.Is(err, ErrTimeout) {
		t.Fatal(err)
	}
	// A connection waiting to be accepted makes the listening socket ready.
	lfd := must(l.Fileno())
	go func() { _, err := Dial(l.Address(), nil, 10*time.Second); done <- err }()
	if got, err := WaitReady([]any{lfd}, 10*time.Second); len(got) != 1 || err != nil {
		t.Fatal(got, err)
	}
	<-done
	a, b := must2(NewPipe(true))
	defer a.Close()
	defer b.Close()
	go func() { done <- a.DeliverChallenge([]byte("k"), 10*time.Second) }()
	if err := b.AnswerChallenge([]byte("k"), 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestWaitReady(t *testing.T) {
	a, b := must2(NewPipe(true))
	r, w := must2(NewPipe(false))
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		a.Close()
		b.Close()
		r.Close()
		w.Close()
		pr.Close()
		pw.Close()
	}()
	fd, _ := r.Fileno()
	objects := []any{b, fd, pr}
	if got, err := WaitReady(objects, 0); len(got) != 0 || err != nil {
		t.Fatal(got, err)
	}
	if got, err := WaitReady(objects, 20*time.Millisecond); len(got) != 0 || err != nil {
		t.Fatal(got, err)
	}
	must0(t, a.SendBytes([]byte("x")))
	if got, err := WaitReady(objects, Forever); len(got) != 1 || got[0] != b || err != nil {
		t.Fatal(got, err)
	}
	must0(t, w.SendBytes([]byte("y")))
	if _, err := pw.Write([]byte("z")); err != nil {
		t.Fatal(err)
	}
	if got, err := WaitReady(objects, Forever); len(got) != 3 || got[1] != fd || got[2] != pr || err != nil {
		t.Fatal(got, err)
	}
	if _, err := WaitReady([]any{"nope"}, 0); !errors.Is(err, ErrEinval) {
		t.Fatal(err)
	}
}

// A Python program using the standard multiprocessing.connection reads
// what Go sends and answers in the same framing and handshake.
func TestPythonPeer(t *testing.T) {
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		t.Skip("no python3")
	}
	l := must(Listen(TCPAddr("127.0.0.1", 0), &ListenOptions{Authkey: []byte("shared")}))
	defer l.Close()
	code := fmt.Sprintf("from multiprocessing.connection import Client\n"+
		"c = Client(('127.0.0.1', %d), authkey=b'shared')\n"+
		"c.send_bytes(c.recv_bytes()[::-1])\n"+
		"c.send({'from': 'python'})\n", l.Address().Port)
	cmd := exec.Command(py, "-c", code)
	cmd.Env = append(os.Environ(), "PYTHONPATH=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c, err := l.Accept(60 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	must0(t, c.SendBytes([]byte("go says hi")))
	if got, err := c.RecvBytes(NoLimit, 60*time.Second); err != nil || string(got) != "ih syas og" {
		t.Fatal(string(got), err)
	}
	// An object Python sent: a pickle, which Go sees as bytes.
	if got, err := c.RecvBytes(NoLimit, 60*time.Second); err != nil || !bytes.Contains(got, []byte("python")) {
		t.Fatal(got, err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatal(err)
	}
}

package weft

import (
	"runtime"
	"time"

	"weft.dev/weft/internal/cweft"
)

// Redirect says where a child's standard stream goes: Inherit (the zero
// value), Pipe, DevNull, ToStdout (stderr only) or FD(n).
type Redirect int

// Redirections, as subprocess.PIPE, DEVNULL and STDOUT.
const (
	Inherit  Redirect = 0
	Pipe     Redirect = -1
	ToStdout Redirect = -2
	DevNull  Redirect = -3
)

// FD redirects to an open file descriptor.
func FD(fd int) Redirect { return Redirect(fd + 1) }

func (r Redirect) c() int {
	switch {
	case r == Pipe:
		return cweft.WEFT_SUBPROCESS_PIPE
	case r == ToStdout:
		return cweft.WEFT_SUBPROCESS_STDOUT
	case r == DevNull:
		return cweft.WEFT_SUBPROCESS_DEVNULL
	case r > 0:
		return int(r) - 1
	}
	return cweft.WEFT_SUBPROCESS_INHERIT
}

// PopenOptions are Popen's keyword arguments; zero values are Python's
// defaults (Env nil inherits the environment).
type PopenOptions struct {
	Stdin, Stdout, Stderr Redirect
	Cwd                   string
	Env                   []string // "NAME=value"
	Shell                 bool
	Executable            string
	StartNewSession       bool
	PassFds               []int
}

func (o *PopenOptions) build() (cweft.SwigcptrStruct_SS_weft_popen_opts, func(), error) {
	if o == nil {
		return 0, func() {}, nil
	}
	p, err := newOut(cweft.Weft_popen_opts_new)
	if err != nil {
		return 0, nil, err
	}
	c := cweft.SwigcptrStruct_SS_weft_popen_opts(p)
	done := func() { cweft.Weft_popen_opts_free(c) }
	set := func(err error) error {
		if err != nil {
			done()
		}
		return err
	}
	if o.Stdin != Inherit {
		if err := set(cweft.Weft_popen_opts_set_stdin(c, o.Stdin.c())); err != nil {
			return 0, nil, err
		}
	}
	if o.Stdout != Inherit {
		if err := set(cweft.Weft_popen_opts_set_stdout(c, o.Stdout.c())); err != nil {
			return 0, nil, err
		}
	}
	if o.Stderr != Inherit {
		if err := set(cweft.Weft_popen_opts_set_stderr(c, o.Stderr.c())); err != nil {
			return 0, nil, err
		}
	}
	if o.Cwd != "" {
		if err := set(cweft.Weft_popen_opts_set_cwd(c, o.Cwd)); err != nil {
			return 0, nil, err
		}
	}
	if o.Env != nil {
		vec, free := cStrings(o.Env)
		err := cweft.Weft_popen_opts_set_env(c, vec)
		free()
		if err := set(err); err != nil {
			return 0, nil, err
		}
	}
	if o.Shell {
		if err := set(cweft.Weft_popen_opts_set_shell(c, 1)); err != nil {
			return 0, nil, err
		}
	}
	if o.Executable != "" {
		if err := set(cweft.Weft_popen_opts_set_executable(c, o.Executable)); err != nil {
			return 0, nil, err
		}
	}
	if o.StartNewSession {
		if err := set(cweft.Weft_popen_opts_set_start_new_session(c, 1)); err != nil {
			return 0, nil, err
		}
	}
	if len(o.PassFds) > 0 {
		fds := make([]int32, len(o.PassFds))
		for i, fd := range o.PassFds {
			fds[i] = int32(fd)
		}
		if err := set(cweft.Weft_popen_opts_set_pass_fds(c, &fds[0], int64(len(fds)))); err != nil {
			return 0, nil, err
		}
	}
	return c, done, nil
}

// Process is a subprocess.Popen.
type Process struct{ handle }

// Popen starts args[0] with args (through the shell when opts.Shell).
func Popen(args []string, opts *PopenOptions) (*Process, error) {
	co, done, err := opts.build()
	if err != nil {
		return nil, err
	}
	defer done()
	argv, free := cStrings(args)
	defer free()
	return open(&Process{}, func(out *uintptr) error { return cweft.Weft_popen_new(out, argv, co) }, cweft.Weft_popen_free)
}

// Pid is the child's process id.
func (p *Process) Pid() int {
	defer runtime.KeepAlive(p)
	var v int32
	cweft.Weft_popen_pid(p.c(), &v)
	return int(v)
}

// Wait waits up to timeout for the child and gives its returncode (negative
// signal number when killed); ErrTimeout when it is still running.
func (p *Process) Wait(timeout time.Duration) (int, error) {
	held := p.hold()
	defer held.drop()
	var rc int32
	err := cweft.Weft_popen_wait(held, seconds(timeout), &rc)
	return int(rc), err
}

// Poll gives the returncode and true once the child has exited.
func (p *Process) Poll() (int, bool, error) {
	defer runtime.KeepAlive(p)
	var rc int32
	if err := cweft.Weft_popen_poll(p.c(), &rc); err != nil {
		return 0, false, err
	}
	if int(rc) == cweft.WEFT_SUBPROCESS_RUNNING {
		return 0, false, nil
	}
	return int(rc), true, nil
}

// Communicate sends input, closes stdin, and reads stdout and stderr (those
// that are pipes) to the end, then waits.
func (p *Process) Communicate(input []byte, timeout time.Duration) (stdout, stderr []byte, err error) {
	held := p.hold()
	defer held.drop()
	var o, e uintptr
	var on, en uint64
	err = cweft.Weft_popen_communicate(held, firstByte(input), int64(len(input)), seconds(timeout),
		&o, &on, &e, &en)
	runtime.KeepAlive(input)
	return takeBytes(o, on), takeBytes(e, en), err
}

// SendSignal sends sig to the child.
func (p *Process) SendSignal(sig int) error {
	defer runtime.KeepAlive(p)
	return cweft.Weft_popen_send_signal(p.c(), sig)
}

// Terminate sends SIGTERM.
func (p *Process) Terminate() error { return do(&p.handle, cweft.Weft_popen_terminate) }

// Kill sends SIGKILL.
func (p *Process) Kill() error { return do(&p.handle, cweft.Weft_popen_kill) }

// Args gives the command as started.
func (p *Process) Args() []string {
	defer runtime.KeepAlive(p)
	var v uintptr
	var n uint64
	if cweft.Weft_popen_args(p.c(), &v, &n) != nil {
		return nil
	}
	return goStrings(v, n)
}

// Stdin, Stdout and Stderr give the parent's end of a pipe (-1 if none), to
// hand to another child as FD(n) or to read and write directly.
func (p *Process) Stdin() int { return p.fd(cweft.Weft_popen_stdin) }

// Stdout is as Stdin, for the child's stdout.
func (p *Process) Stdout() int { return p.fd(cweft.Weft_popen_stdout) }

// Stderr is as Stdin, for the child's stderr.
func (p *Process) Stderr() int { return p.fd(cweft.Weft_popen_stderr) }

func (p *Process) fd(f func(cweft.Struct_SS_weft_popen, *int32) error) int {
	defer runtime.KeepAlive(p)
	v := int32(-1)
	if f(p.c(), &v) != nil {
		return -1
	}
	return int(v)
}

// CloseStdout closes the parent's end of the stdout pipe (after handing it
// to the next process of a pipeline, so that one sees end of file).
func (p *Process) CloseStdout() error { return do(&p.handle, cweft.Weft_popen_close_stdout) }

// CloseStdin closes the parent's end of the stdin pipe.
func (p *Process) CloseStdin() error { return do(&p.handle, cweft.Weft_popen_close_stdin) }

// RunOptions are run's keyword arguments. Timeout 0 waits forever.
type RunOptions struct {
	PopenOptions
	Input         []byte
	CaptureOutput bool
	Timeout       time.Duration
	Check         bool
}

func (o *RunOptions) timeout() float64 {
	if o == nil || o.Timeout <= 0 {
		return -1
	}
	return o.Timeout.Seconds()
}

func (o *RunOptions) popen() *PopenOptions {
	if o == nil {
		return nil
	}
	return &o.PopenOptions
}

// CompletedProcess is what Run gives.
type CompletedProcess struct {
	Args       []string
	Returncode int
	Stdout     []byte
	Stderr     []byte
}

// Run runs a command to completion, as subprocess.run; with Check a non-zero
// exit is ErrCalledProcess. On ErrCalledProcess and ErrTimeout the
// CompletedProcess is returned too, with the output read so far.
func Run(args []string, opts *RunOptions) (*CompletedProcess, error) {
	var p uintptr
	err := opts.call(args, func(argv uintptr, co cweft.SwigcptrStruct_SS_weft_popen_opts) error {
		capture, check := false, false
		if opts != nil {
			capture, check = opts.CaptureOutput, opts.Check
		}
		input := opts.input()
		defer runtime.KeepAlive(input)
		return cweft.Weft_subprocess_run(&p, argv, co, firstByte(input), int64(len(input)), b2i(capture),
			opts.timeout(), b2i(check))
	})
	if p == 0 {
		return nil, err
	}
	// On ErrTimeout and ErrCalledProcess the result is set too: it carries
	// what Python's TimeoutExpired and CalledProcessError carry.
	cp := cweft.SwigcptrStruct_SS_weft_completed_process(p)
	defer cweft.Weft_completed_process_free(cp)
	r := &CompletedProcess{}
	var v uintptr
	var n uint64
	if cweft.Weft_completed_process_args(cp, &v, &n) == nil {
		r.Args = goStrings(v, n)
	}
	var rc int32
	cweft.Weft_completed_process_returncode(cp, &rc)
	r.Returncode = int(rc)
	if cweft.Weft_completed_process_stdout(cp, &v, &n) == nil {
		r.Stdout = goBytes(v, n)
	}
	if cweft.Weft_completed_process_stderr(cp, &v, &n) == nil {
		r.Stderr = goBytes(v, n)
	}
	return r, err
}

// CheckOutput runs a command and gives its stdout; a non-zero exit is
// ErrCalledProcess.
func CheckOutput(args []string, opts *RunOptions) ([]byte, error) {
	var o uintptr
	var n uint64
	var rc int32
	err := opts.call(args, func(argv uintptr, co cweft.SwigcptrStruct_SS_weft_popen_opts) error {
		input := opts.input()
		defer runtime.KeepAlive(input)
		return cweft.Weft_subprocess_check_output(&o, &n, &rc, argv, co, firstByte(input), int64(len(input)),
			opts.timeout())
	})
	return takeBytes(o, n), err
}

// Call runs a command and gives its returncode.
func Call(args []string, opts *RunOptions) (int, error) {
	return callLike(cweft.Weft_subprocess_call, args, opts)
}

// CheckCall is Call with ErrCalledProcess on a non-zero exit.
func CheckCall(args []string, opts *RunOptions) (int, error) {
	return callLike(cweft.Weft_subprocess_check_call, args, opts)
}

func callLike(f func(uintptr, cweft.Struct_SS_weft_popen_opts, float64, *int32) error, args []string,
	opts *RunOptions) (int, error) {
	var rc int32
	err := opts.call(args, func(argv uintptr, co cweft.SwigcptrStruct_SS_weft_popen_opts) error {
		return f(argv, co, opts.timeout(), &rc)
	})
	return int(rc), err
}

// call builds the C options and argument vector of a run-to-completion
// function, calls f with them and releases them.
func (o *RunOptions) call(args []string, f func(argv uintptr, co cweft.SwigcptrStruct_SS_weft_popen_opts) error) error {
	co, done, err := o.popen().build()
	if err != nil {
		return err
	}
	defer done()
	argv, free := cStrings(args)
	defer free()
	return f(argv, co)
}

// input gives the bytes for the child's stdin (nil for none).
func (o *RunOptions) input() []byte {
	if o == nil {
		return nil
	}
	return o.Input
}

// GetStatusOutput runs cmd through the shell; it gives the exit status and
// the output without its trailing newline.
func GetStatusOutput(cmd string) (int, string, error) {
	var st int32
	var o uintptr
	var n uint64
	err := cweft.Weft_subprocess_getstatusoutput(cmd, &st, &o, &n)
	return int(st), string(takeBytes(o, n)), err
}

// GetOutput is GetStatusOutput's output.
func GetOutput(cmd string) (string, error) {
	var o uintptr
	var n uint64
	err := cweft.Weft_subprocess_getoutput(cmd, &o, &n)
	return string(takeBytes(o, n)), err
}

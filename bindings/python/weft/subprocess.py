"""weft.subprocess: Python's `subprocess` module over weft's Popen.

Popen, run(), call(), check_call(), check_output(), getoutput() and
getstatusoutput() take the standard arguments (text/encoding/errors and
universal_newlines included) and raise the standard exceptions
(TimeoutExpired, CalledProcessError, OSError subclasses such as
FileNotFoundError for a program that cannot start). Children are started
by weft with vfork and every wait (wait, communicate) releases the GIL.

preexec_fn runs in the child as in Python (weft then forks instead of
using vfork, and, as CPython does, keeps the GIL until the child has
exec'd). The Windows-only startupinfo and creationflags are refused as
Python refuses them on POSIX.
"""
import io as _io
import os as _os
import signal as _signal
import subprocess as _std
import types as _types
import warnings as _warnings

from . import _weft as _c
from ._timeout import seconds

__all__ = ["Popen", "PIPE", "STDOUT", "DEVNULL", "call", "check_call", "getstatusoutput", "getoutput",
           "check_output", "run", "CalledProcessError", "CompletedProcess", "SubprocessError",
           "TimeoutExpired", "list2cmdline"]

PIPE = _c.WEFT_SUBPROCESS_PIPE
STDOUT = _c.WEFT_SUBPROCESS_STDOUT
DEVNULL = _c.WEFT_SUBPROCESS_DEVNULL
_INHERIT = _c.WEFT_SUBPROCESS_INHERIT
_RUNNING = _c.WEFT_SUBPROCESS_RUNNING

SubprocessError = _std.SubprocessError
TimeoutExpired = _std.TimeoutExpired
CalledProcessError = _std.CalledProcessError
CompletedProcess = _std.CompletedProcess
list2cmdline = _std.list2cmdline


def _user_id(user):
    if isinstance(user, str):
        import pwd
        uid = pwd.getpwnam(user).pw_uid
    elif isinstance(user, int):
        uid = user
    else:
        raise TypeError("User must be a string or an integer")
    if uid < 0:
        raise ValueError(f"User ID cannot be negative, got {uid}")
    return uid


def _group_id(group, what):
    # what: "Group" for `group`, None for an item of `extra_groups`.
    if isinstance(group, str):
        import grp
        gid = grp.getgrnam(group).gr_gid
    elif isinstance(group, int):
        gid = group
    elif what is None:
        raise TypeError("Items in extra_groups must be a string or integer, not %r" % (type(group),))
    else:
        raise TypeError("Group must be a string or an integer, not %r" % (type(group),))
    if gid < 0:
        raise ValueError(f"Group ID cannot be negative, got {gid}")
    return gid


def _start_error(e, program, cwd):
    """The OSError of a child that could not start, as CPython raises it:
    errno, os.strerror(errno), and the program (or the working directory
    that could not be entered) as filename."""
    text = str(e.strerror or "")
    if e.errno is None:
        return e
    if text.startswith("cannot change to directory"):
        return OSError(e.errno, _os.strerror(e.errno), cwd)
    if text.startswith("cannot execute"):
        return OSError(e.errno, _os.strerror(e.errno), program)
    return OSError(e.errno, _os.strerror(e.errno))


def _stream(value, name):
    if value is None:
        return _INHERIT
    if value in (PIPE, DEVNULL) or (value == STDOUT and name == "stderr"):
        return value
    if isinstance(value, int):
        if value < 0:
            raise ValueError("invalid %s: %r" % (name, value))
        return value
    try:
        return value.fileno()
    except AttributeError:
        raise TypeError("%s must be None, PIPE, DEVNULL, a file descriptor or a file object" % name) from None


def _translate_newlines(data, encoding, errors):
    data = data.decode(encoding, errors)
    return data.replace("\r\n", "\n").replace("\r", "\n")


class _PipeEnd(_io.FileIO):
    """The parent's end of a child's pipe: closing it closes weft's descriptor.

    It holds the Popen's handle, so weft does not close the descriptor (at
    weft_popen_free) while the file object still uses it.
    """

    def __init__(self, fd, mode, closer, owner):
        super().__init__(fd, mode, closefd=False)
        self._closer = closer
        self._owner = owner

    def close(self):
        if not self.closed:
            try:
                super().close()
            finally:
                self._closer()


class Popen:
    """Execute a child program in a new process (subprocess.Popen)."""

    def __init__(self, args, bufsize=-1, executable=None, stdin=None, stdout=None, stderr=None,
                 preexec_fn=None, close_fds=True, shell=False, cwd=None, env=None,
                 universal_newlines=None, startupinfo=None, creationflags=0, restore_signals=True,
                 start_new_session=False, pass_fds=(), *, user=None, group=None, extra_groups=None,
                 encoding=None, errors=None, text=None, umask=-1, pipesize=-1, process_group=None):
        self._h = None
        self.args = args
        self.returncode = None
        self.stdin = self.stdout = self.stderr = None
        if bufsize is None:
            bufsize = -1
        if not isinstance(bufsize, int):
            raise TypeError("bufsize must be an integer")
        if pass_fds and not close_fds:
            _warnings.warn("pass_fds overriding close_fds.", RuntimeWarning)
            close_fds = True
        if startupinfo is not None:
            raise ValueError("startupinfo is only supported on Windows platforms")
        if creationflags != 0:
            raise ValueError("creationflags is only supported on Windows platforms")
        if text is not None and universal_newlines is not None and bool(universal_newlines) != bool(text):
            raise SubprocessError("Cannot disambiguate when both text and universal_newlines are "
                                  "supplied but different. Pass one or the other.")
        self.text_mode = bool(encoding or errors or text or universal_newlines)
        self.encoding = encoding
        self.errors = errors
        if self.text_mode and encoding is None:
            self.encoding = _io.text_encoding(None) if hasattr(_io, "text_encoding") else "locale"
            if self.encoding == "locale":
                import locale
                self.encoding = locale.getpreferredencoding(False)

        # A string is the program (or, with shell, the command line); with
        # shell a sequence runs as /bin/sh -c argv[0] argv[1:], as in Python.
        if isinstance(args, (str, bytes)):
            argv = [args]
        elif isinstance(args, _os.PathLike):
            if shell:
                raise TypeError("path-like args is not allowed when shell is true")
            argv = [args]
        else:
            argv = list(args)
        if bufsize == 1 and not self.text_mode:
            # What io.open says, which CPython's Popen calls here.
            _warnings.warn("line buffering (buffering=1) isn't supported in binary mode, "
                           "the default buffer size will be used", RuntimeWarning)
        uid = _user_id(user) if user is not None else None
        gid = _group_id(group, "Group") if group is not None else None
        gids = None
        if extra_groups is not None:
            gids = [_group_id(g, None) for g in extra_groups]

        opts = _c.weft_popen_opts_new()
        if executable is not None:
            _c.weft_popen_opts_set_executable(opts, _os.fsdecode(executable))
        _c.weft_popen_opts_set_shell(opts, 1 if shell else 0)
        _c.weft_popen_opts_set_stdin(opts, _stream(stdin, "stdin"))
        _c.weft_popen_opts_set_stdout(opts, _stream(stdout, "stdout"))
        _c.weft_popen_opts_set_stderr(opts, _stream(stderr, "stderr"))
        if cwd is not None:
            _c.weft_popen_opts_set_cwd(opts, _os.fsdecode(cwd))
        if env is not None:
            envp = []
            for k, v in env.items():
                k, v = _os.fsencode(k), _os.fsencode(v)
                if b"=" in k:
                    raise ValueError("illegal environment variable name")
                envp.append(k + b"=" + v)
            _c.weft_popen_opts_set_env(opts, envp)
        _c.weft_popen_opts_set_close_fds(opts, 1 if close_fds else 0)
        if pass_fds:
            _c.weft_popen_opts_set_pass_fds(opts, sorted(set(map(int, pass_fds))))
        _c.weft_popen_opts_set_start_new_session(opts, 1 if start_new_session else 0)
        if process_group is not None:
            _c.weft_popen_opts_set_process_group(opts, int(process_group))
        _c.weft_popen_opts_set_restore_signals(opts, 1 if restore_signals else 0)
        if umask >= 0:
            _c.weft_popen_opts_set_umask(opts, umask)
        # Ids resolved here, as Python does (its KeyError for an unknown
        # name); weft takes them as decimal strings.
        if uid is not None:
            _c.weft_popen_opts_set_user(opts, str(uid))
        if gid is not None:
            _c.weft_popen_opts_set_group(opts, str(gid))
        if gids is not None:
            _c.weft_popen_opts_set_extra_groups(opts, [str(g) for g in gids])
        if pipesize != -1:
            _c.weft_popen_opts_set_pipesize(opts, pipesize)
        if preexec_fn is not None:
            _c.weft_py_popen_opts_set_preexec(opts, preexec_fn)

        try:
            if preexec_fn is None:
                h = _c.weft_popen_new(argv, opts)
            else:
                h = _c.weft_py_popen_new_holding_gil(argv, opts)
        except OSError as e:
            raise _start_error(e, argv[0] if executable is None and not shell else
                               executable if executable is not None else "/bin/sh", cwd) from None
        except Exception as e:
            if preexec_fn is not None and "Exception occurred in preexec_fn." in str(e):
                raise SubprocessError("Exception occurred in preexec_fn.") from None
            raise
        self._h = h
        self.pid = _c.weft_popen_pid(h)
        self._communication_started = False
        self._stdin_fd = _c.weft_popen_stdin(h) if stdin == PIPE else -1
        self._stdout_fd = _c.weft_popen_stdout(h) if stdout == PIPE else -1
        self._stderr_fd = _c.weft_popen_stderr(h) if stderr == PIPE else -1
        if self._stdin_fd >= 0:
            self.stdin = self._wrap(self._stdin_fd, "wb", bufsize, lambda: _c.weft_popen_close_stdin(h))
        if self._stdout_fd >= 0:
            self.stdout = self._wrap(self._stdout_fd, "rb", bufsize, lambda: _c.weft_popen_close_stdout(h))
        if self._stderr_fd >= 0:
            self.stderr = self._wrap(self._stderr_fd, "rb", bufsize, lambda: _c.weft_popen_close_stderr(h))

    def _wrap(self, fd, mode, bufsize, closer):
        raw = _PipeEnd(fd, mode, closer, self._h)
        if bufsize == 0 and not self.text_mode:
            return raw
        size = bufsize if bufsize > 1 else _io.DEFAULT_BUFFER_SIZE
        f = _io.BufferedWriter(raw, size) if mode == "wb" else _io.BufferedReader(raw, size)
        if self.text_mode:
            f = _io.TextIOWrapper(f, encoding=self.encoding, errors=self.errors,
                                  line_buffering=(bufsize == 1), write_through=(mode == "wb"))
        return f

    def __repr__(self):
        return "<%s: returncode: %s args: %.80r>" % (type(self).__name__, self.returncode, self.args)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, value, traceback):
        for f in (self.stdout, self.stderr):
            if f:
                f.close()
        try:
            if self.stdin:
                self.stdin.close()
        finally:
            if exc_type is KeyboardInterrupt:
                return
            self.wait()

    def __del__(self):
        h = getattr(self, "_h", None)
        if h is not None and self.returncode is None:
            try:
                rc = _c.weft_popen_poll(h)
            except Exception:
                return
            if rc == _RUNNING:
                _warnings.warn("subprocess %s is still running" % self.pid, ResourceWarning, source=self)

    # ---- waiting ---------------------------------------------------------

    def _set_returncode(self, rc):
        if rc != _RUNNING:
            self.returncode = rc
        return self.returncode

    def poll(self):
        """Return the returncode if the child has exited, else None."""
        return self._set_returncode(_c.weft_popen_poll(self._h))

    def wait(self, timeout=None):
        """Wait for the child to exit; return its returncode.

        Raises TimeoutExpired if it is still running after timeout seconds.
        """
        if self.returncode is not None:
            return self.returncode
        t = seconds(timeout)
        try:
            rc = _c.weft_popen_wait(self._h, t)
        except TimeoutError:
            raise TimeoutExpired(self.args, timeout) from None
        return self._set_returncode(rc)

    def communicate(self, input=None, timeout=None):
        """Send input to stdin, read stdout and stderr to their end, wait for the child.

        Returns (stdout_data, stderr_data): str in text mode, else bytes;
        None for a stream that is not a pipe. Raises TimeoutExpired after
        timeout seconds; calling again continues where it stopped.
        """
        if self._communication_started and input:
            raise ValueError("Cannot send input after starting communication")
        if input is not None and self.text_mode and isinstance(input, str):
            input = input.encode(self.encoding, self.errors or "strict")
        if self.stdin is not None and not self.stdin.closed:
            try:
                self.stdin.flush()
            except BrokenPipeError:
                pass
        self._communication_started = True
        t = seconds(timeout)
        try:
            out, err = _c.weft_popen_communicate(self._h, input, t)
        except TimeoutError:
            # As CPython's: the exception carries what was read so far
            # (bytes, or None), and a later communicate() goes on from there.
            raise TimeoutExpired(self.args, timeout, output=_c.weft_popen_read_so_far(self._h, 1),
                                 stderr=_c.weft_popen_read_so_far(self._h, 2)) from None
        # weft has written, read and closed the pipes: close the file objects.
        for f in (self.stdin, self.stdout, self.stderr):
            if f is not None:
                try:
                    f.close()
                except Exception:
                    pass
        if self.stdout is None or self._stdout_fd < 0:
            out = None
        if self.stderr is None or self._stderr_fd < 0:
            err = None
        if self.text_mode:
            if out is not None:
                out = _translate_newlines(out, self.encoding, self.errors or "strict")
            if err is not None:
                err = _translate_newlines(err, self.encoding, self.errors or "strict")
        self.wait()
        return out, err

    # ---- signals ---------------------------------------------------------

    def send_signal(self, sig):
        """Send the signal sig to the child (nothing if it has exited)."""
        self.poll()
        if self.returncode is not None:
            return
        _c.weft_popen_send_signal(self._h, int(sig))

    def terminate(self):
        """Terminate the child (SIGTERM)."""
        self.send_signal(_signal.SIGTERM)

    def kill(self):
        """Kill the child (SIGKILL)."""
        self.send_signal(_signal.SIGKILL)

    __class_getitem__ = classmethod(_types.GenericAlias)


def run(*popenargs, input=None, capture_output=False, timeout=None, check=False, **kwargs):
    """Run a command, wait for it, return a CompletedProcess.

    capture_output captures stdout and stderr; check raises
    CalledProcessError for a non-zero exit; timeout kills the child and
    raises TimeoutExpired (with what it had written).
    """
    if input is not None:
        if kwargs.get("stdin") is not None:
            raise ValueError("stdin and input arguments may not both be used.")
        kwargs["stdin"] = PIPE
    if capture_output:
        if kwargs.get("stdout") is not None or kwargs.get("stderr") is not None:
            raise ValueError("stdout and stderr arguments may not be used with capture_output.")
        kwargs["stdout"] = PIPE
        kwargs["stderr"] = PIPE
    with Popen(*popenargs, **kwargs) as process:
        try:
            stdout, stderr = process.communicate(input, timeout=timeout)
        except TimeoutExpired:
            # As CPython does on POSIX: kill the child, reap it and raise.
            # Reading the pipes to their end (its Windows branch) would wait
            # for any grandchild that still holds them.
            process.kill()
            process.wait()
            raise
        except BaseException:
            process.kill()
            raise
        retcode = process.poll()
        if check and retcode:
            raise CalledProcessError(retcode, process.args, output=stdout, stderr=stderr)
    return CompletedProcess(process.args, retcode, stdout, stderr)


def call(*popenargs, timeout=None, **kwargs):
    """Run a command, wait for it, return its returncode."""
    with Popen(*popenargs, **kwargs) as p:
        try:
            return p.wait(timeout=timeout)
        except BaseException:
            p.kill()
            raise


def check_call(*popenargs, **kwargs):
    """Run a command; return 0, or raise CalledProcessError for a non-zero exit."""
    retcode = call(*popenargs, **kwargs)
    if retcode:
        cmd = kwargs.get("args")
        if cmd is None:
            cmd = popenargs[0]
        raise CalledProcessError(retcode, cmd)
    return 0


def check_output(*popenargs, timeout=None, **kwargs):
    """Run a command and return its output; CalledProcessError for a non-zero exit."""
    for kw in ("stdout", "check"):
        if kw in kwargs:
            raise ValueError("%s argument not allowed, it will be overridden." % kw)
    if "input" in kwargs and kwargs["input"] is None:
        kwargs["input"] = "" if kwargs.get("universal_newlines") or kwargs.get("text") or \
            kwargs.get("encoding") or kwargs.get("errors") else b""
    return run(*popenargs, stdout=PIPE, timeout=timeout, check=True, **kwargs).stdout


def getstatusoutput(cmd, *, encoding=None, errors=None):
    """Return (exitcode, output) of cmd run by the shell; a trailing newline is stripped."""
    try:
        data = check_output(cmd, shell=True, text=True, stderr=STDOUT, encoding=encoding, errors=errors)
        exitcode = 0
    except CalledProcessError as ex:
        data = ex.output
        exitcode = ex.returncode
    if data[-1:] == "\n":
        data = data[:-1]
    return exitcode, data


def getoutput(cmd, *, encoding=None, errors=None):
    """Return the output (stdout and stderr) of cmd run by the shell."""
    return getstatusoutput(cmd, encoding=encoding, errors=errors)[1]


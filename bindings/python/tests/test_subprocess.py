"""weft.subprocess against the standard subprocess module."""
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from conftest import require, weft_only

wsp = require("subprocess")

MODULES = [subprocess, wsp]
PY = sys.executable


def test_constants_and_exceptions_are_standard():
    assert (wsp.PIPE, wsp.STDOUT, wsp.DEVNULL) == (subprocess.PIPE, subprocess.STDOUT, subprocess.DEVNULL)
    assert wsp.CalledProcessError is subprocess.CalledProcessError
    assert wsp.TimeoutExpired is subprocess.TimeoutExpired
    assert wsp.SubprocessError is subprocess.SubprocessError
    assert wsp.CompletedProcess is subprocess.CompletedProcess


def scenario(mod):
    out = []
    r = mod.run(["echo", "hello"], capture_output=True)
    out.append((r.args, r.returncode, r.stdout, r.stderr))
    r = mod.run([PY, "-c", "import sys; print(sys.stdin.read().upper()); sys.exit(3)"],
                input="abc", capture_output=True, text=True)
    out.append((r.returncode, r.stdout))
    try:
        mod.run(["false"], check=True)
    except mod.CalledProcessError as e:
        out.append(("CalledProcessError", e.returncode, e.cmd))
    out.append(mod.call(["true"]))
    out.append(mod.check_call(["true"]))
    out.append(mod.check_output(["printf", "a\\r\\nb"], text=True))
    out.append(mod.check_output("echo $((6*7))", shell=True))
    out.append(mod.getstatusoutput("echo out; echo err >&2; exit 4"))
    out.append(mod.getoutput("echo x"))
    r = mod.run(["sh", "-c", "echo o; echo e >&2"], stdout=mod.PIPE, stderr=mod.STDOUT)
    out.append(sorted(r.stdout.split()))
    r = mod.run(["cat"], input=b"", stdout=mod.DEVNULL)
    out.append((r.stdout, r.returncode))
    r = mod.run(["pwd"], cwd="/", capture_output=True, env={"PATH": os.environ["PATH"], "X": "1"})
    out.append(r.stdout)
    r = mod.run(["sh", "-c", "echo $WEFT_T"], capture_output=True, env={"WEFT_T": "val", "PATH": "/bin:/usr/bin"})
    out.append(r.stdout)
    try:
        mod.run(["/no/such/program"])
    except FileNotFoundError as e:
        out.append(("FileNotFoundError", e.errno))
    try:
        mod.run(["sleep", "5"], timeout=0.1)
    except mod.TimeoutExpired as e:
        out.append(("TimeoutExpired", round(e.timeout, 1), e.cmd))
    return out


def test_same_behaviour_as_standard():
    assert scenario(wsp) == scenario(subprocess)


def test_popen_pipes_and_file_objects():
    for mod in MODULES:
        with mod.Popen(["cat"], stdin=mod.PIPE, stdout=mod.PIPE, text=True) as p:
            p.stdin.write("line 1\nline 2\n")
            p.stdin.close()
            assert p.stdout.readline() == "line 1\n"
            assert p.stdout.read() == "line 2\n"
        assert p.returncode == 0


def test_popen_poll_wait_kill():
    for mod in MODULES:
        p = mod.Popen(["sleep", "10"])
        assert p.poll() is None and p.returncode is None
        with pytest.raises(mod.TimeoutExpired):
            p.wait(timeout=0.05)
        p.terminate()
        assert p.wait() == -signal.SIGTERM
        assert p.poll() == -signal.SIGTERM
        p.kill()  # after exit: nothing happens


def test_communicate_timeout_then_continue():
    for mod in MODULES:
        p = mod.Popen(["sh", "-c", "echo start; sleep 0.3; echo end"], stdout=mod.PIPE)
        with pytest.raises(mod.TimeoutExpired):
            p.communicate(timeout=0.05)
        out, err = p.communicate()
        assert out.endswith(b"end\n") and err is None


def test_communicate_timeout_carries_what_was_read():
    for mod in MODULES:
        p = mod.Popen(["sh", "-c", "echo out; echo err >&2; exec sleep 5"], stdout=mod.PIPE, stderr=mod.PIPE)
        deadline = time.monotonic() + 5
        while True:  # until both lines have come (the child may be slow to start)
            with pytest.raises(mod.TimeoutExpired) as info:
                p.communicate(timeout=0.2)
            if info.value.output and info.value.stderr or time.monotonic() > deadline:
                break
        assert info.value.output == b"out\n" and info.value.stdout == b"out\n"
        assert info.value.stderr == b"err\n"
        p.kill()
        out, err = p.communicate()
        assert (out, err) == (b"out\n", b"err\n")


def test_pass_fds_and_close_fds():
    r, w = os.pipe()
    try:
        p = wsp.Popen([PY, "-c", "import os,sys; os.write(int(sys.argv[1]), b'hi')", str(w)], pass_fds=[w])
        p.wait()
        assert os.read(r, 10) == b"hi"
    finally:
        os.close(r)
        os.close(w)


def test_wait_releases_the_gil():
    p = wsp.Popen(["sleep", "0.3"])
    q = wsp.Popen(["sleep", "0.3"])
    ts = [threading.Thread(target=p.wait), threading.Thread(target=q.wait)]
    for t in ts:
        t.start()
    count = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 0.1:
        count += 1
    assert count > 1000
    for t in ts:
        t.join()
    assert p.returncode == 0 and q.returncode == 0


def test_pipeline():
    p1 = wsp.Popen(["printf", "b\\na\\nc\\n"], stdout=wsp.PIPE)
    p2 = wsp.Popen(["sort"], stdin=p1.stdout, stdout=wsp.PIPE)
    p1.stdout.close()
    out, _ = p2.communicate()
    p1.wait()
    assert out == b"a\nb\nc\n"


@weft_only
def test_refused_arguments():
    with pytest.raises(ValueError):
        wsp.Popen(["true"], creationflags=1)
    with pytest.raises(ValueError):
        wsp.run(["true"], input=b"x", stdin=wsp.PIPE)
    with pytest.raises(TypeError):
        wsp.Popen(["true"], stdout="nowhere")


def test_pipe_outlives_popen_object():
    import gc
    p = wsp.Popen(["printf", "kept"], stdout=wsp.PIPE)
    out = p.stdout
    p.wait()
    del p
    gc.collect()
    assert out.read() == b"kept"
    out.close()


# ---- issue 9 --------------------------------------------------------------

@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_run_timeout_with_a_grandchild_holding_the_pipes(mod, tmp_path):
    # The grandchild keeps stdout and stderr open after the child is killed:
    # run() must raise TimeoutExpired without waiting for it (POSIX CPython).
    pidfile = tmp_path / "grandchild"
    t0 = time.monotonic()
    try:
        with pytest.raises(mod.TimeoutExpired) as info:
            mod.run(["sh", "-c", "sleep 30 & echo $! > %s; echo hi; wait" % pidfile],
                    capture_output=True, timeout=0.5)
        assert time.monotonic() - t0 < 20  # not the grandchild's 30 s
        assert info.value.timeout == 0.5
    finally:
        try:
            os.kill(int(pidfile.read_text()), signal.SIGKILL)
        except (OSError, ValueError):
            pass


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_preexec_fn_runs_in_the_child(mod, tmp_path):
    mark = tmp_path / "pid"

    def before_exec():
        mark.write_text(str(os.getpid()))
        os.umask(0o027)

    p = mod.Popen(["sh", "-c", "umask; echo $$"], stdout=mod.PIPE, preexec_fn=before_exec)
    out, _ = p.communicate()
    assert p.returncode == 0
    umask, pid = out.split()
    assert int(umask, 8) == 0o027
    assert int(mark.read_text()) == int(pid) == p.pid != os.getpid()

    with pytest.raises(mod.SubprocessError) as info:
        mod.run(["true"], preexec_fn=lambda: 1 / 0)
    assert str(info.value) == "Exception occurred in preexec_fn."


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_user_and_groups_by_number_or_name(mod):
    import grp
    import pwd
    uid, gid = os.getuid(), os.getgid()
    uname, gname = pwd.getpwuid(uid).pw_name, grp.getgrgid(gid).gr_name
    for user, group in ((uid, gid), (uname, gname)):
        r = mod.run(["sh", "-c", "id -u; id -g"], user=user, group=group, capture_output=True, text=True)
        assert r.stdout.split() == [str(uid), str(gid)]
    if uid == 0:  # setgroups needs the privilege
        for extra in ([gid], [gname]):
            r = mod.run(["id", "-G"], extra_groups=extra, capture_output=True, text=True)
            assert str(gid) in r.stdout.split()
    with pytest.raises(TypeError, match="^User must be a string or an integer$"):
        mod.Popen(["true"], user=1.5)
    with pytest.raises(ValueError, match="^User ID cannot be negative, got -1$"):
        mod.Popen(["true"], user=-1)
    with pytest.raises(TypeError, match="^Group must be a string or an integer"):
        mod.Popen(["true"], group=[])
    with pytest.raises(ValueError, match="^Group ID cannot be negative, got -2$"):
        mod.Popen(["true"], extra_groups=[-2])
    with pytest.raises(TypeError, match="^Items in extra_groups must be a string or integer"):
        mod.Popen(["true"], extra_groups=[1.5])
    with pytest.raises(KeyError):
        mod.Popen(["true"], user="no-such-user-weft")
    with pytest.raises(KeyError):
        mod.Popen(["true"], group="no-such-group-weft")


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_warnings_as_python(mod):
    with pytest.warns(RuntimeWarning, match=r"line buffering \(buffering=1\) isn't supported in binary mode"):
        p = mod.Popen(["true"], stdout=mod.PIPE, bufsize=1)
    p.communicate()
    with pytest.warns(RuntimeWarning, match=r"^pass_fds overriding close_fds\.$"):
        p = mod.Popen(["true"], pass_fds=[1], close_fds=False)
    p.wait()


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_path_like_args_and_executable(mod):
    import pathlib
    true = pathlib.Path("/bin/true" if os.path.exists("/bin/true") else "/usr/bin/true")
    r = mod.run(true)
    assert r.returncode == 0 and r.args == true
    assert mod.run([pathlib.Path("echo"), "x"], capture_output=True).stdout == b"x\n"
    r = mod.run(["ignored", "-c", "echo $0"], executable=pathlib.Path("/bin/sh"), capture_output=True)
    assert r.stdout == b"ignored\n"
    with pytest.raises(TypeError, match="^path-like args is not allowed when shell is true$"):
        mod.Popen(true, shell=True)


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_generic_aliases(mod):
    import types
    assert isinstance(mod.Popen[bytes], types.GenericAlias)
    assert mod.Popen[bytes].__origin__ is mod.Popen and mod.Popen[bytes].__args__ == (bytes,)
    assert isinstance(mod.CompletedProcess[str], types.GenericAlias)
    assert mod.CompletedProcess[str].__origin__ is mod.CompletedProcess


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_communicate_ignores_broken_stdin(mod):
    for out in (mod.PIPE, None):
        p = mod.Popen(["true"], stdin=mod.PIPE, stdout=out)
        p.wait()
        # The child is gone: writing its stdin gets EPIPE, which communicate ignores.
        assert p.communicate(b"x" * (1 << 20)) == ((b"" if out else None), None)
        assert p.returncode == 0


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_stopped_child_is_still_running(mod):
    p = mod.Popen(["sleep", "30"])
    try:
        os.kill(p.pid, signal.SIGSTOP)
        time.sleep(0.1)
        assert p.poll() is None
        with pytest.raises(mod.TimeoutExpired):
            p.wait(timeout=0.1)
        assert p.returncode is None
        os.kill(p.pid, signal.SIGCONT)
    finally:
        p.kill()
    assert p.wait() == -signal.SIGKILL


@pytest.mark.parametrize("mod", MODULES, ids=["std", "weft"])
def test_start_errors_as_python(mod, tmp_path):
    cases = [
        (dict(args=[str(tmp_path / "missing")]), FileNotFoundError, str(tmp_path / "missing")),
        (dict(args=[str(tmp_path)]), PermissionError, str(tmp_path)),
        (dict(args=["ls"], cwd=str(tmp_path / "nodir")), FileNotFoundError, str(tmp_path / "nodir")),
        (dict(args=["ls"], executable=str(tmp_path / "exe")), FileNotFoundError, str(tmp_path / "exe")),
        (dict(args="true", shell=True, executable=str(tmp_path / "sh")), FileNotFoundError, str(tmp_path / "sh")),
    ]
    for kwargs, cls, filename in cases:
        with pytest.raises(cls) as info:
            mod.Popen(**kwargs)
        e = info.value
        assert (e.errno, e.strerror, e.filename) == (cls().errno or e.errno, os.strerror(e.errno), filename)
        assert str(e) == "[Errno %d] %s: %r" % (e.errno, os.strerror(e.errno), filename)

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
        wsp.Popen(["true"], preexec_fn=lambda: None)
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

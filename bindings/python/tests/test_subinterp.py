"""Importing the package in a subinterpreter and starting a thread there
must never crash the process: weft refuses the import with ImportError
(the standard threading module works there). Run in a child interpreter,
since a crash would take the test runner with it."""
import subprocess
import sys
import textwrap

import pytest

from conftest import STDLIB, require

require("threading")
MODULE = "threading" if STDLIB else "weft.threading"

try:
    import _testcapi
except ImportError:
    _testcapi = None


@pytest.mark.skipif(_testcapi is None, reason="needs _testcapi.run_in_subinterp")
@pytest.mark.parametrize("first", ["main", "sub"])
def test_subinterpreter_import_is_refused_or_works_never_crashes(first):
    # first: whether the main interpreter imported the module before the
    # subinterpreter tries (it then holds a copy of the extension module).
    sub = textwrap.dedent("""
        import importlib, os
        try:
            threading = importlib.import_module(%r)
        except ImportError:
            outcome = "ImportError"
        else:
            done = []
            t = threading.Thread(target=done.append, args=(1,))
            t.start()
            t.join()
            outcome = "ran %%s" %% done
        os.write(1, outcome.encode() + b"\\n")
    """) % MODULE
    code = textwrap.dedent("""
        import importlib, _testcapi
        if %r == "main":
            importlib.import_module(%r)
        rc = _testcapi.run_in_subinterp(%r)
        print("rc", rc)
    """) % (first, MODULE, sub)
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    lines = p.stdout.split()
    expected = "ImportError" if not STDLIB else "ran"
    assert lines[0] == expected, p.stdout + p.stderr
    assert "rc 0" in p.stdout

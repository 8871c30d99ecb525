"""pytest configuration: the tests import the `weft` package from the build
tree (CTest sets PYTHONPATH to <build>/bindings/python). Modules whose C
area has not been built are skipped, not failed.

The project's rule is that a binding test also passes against the standard
module it mirrors: with WEFT_TEST_AGAINST=stdlib, require() gives the
standard module instead (CTest runs the suite both ways), and tests of
weft's own machinery (require_weft) are skipped."""
import importlib
import os
import signal
import threading
import time

import pytest

STDLIB = os.environ.get("WEFT_TEST_AGAINST") == "stdlib"


# Marks a test of behaviour that is weft's own (a documented difference, or
# the C layer underneath): skipped against the stdlib.
weft_only = pytest.mark.skipif(STDLIB, reason="weft's own behaviour, not the standard module's")


def require_weft():
    """Skips the calling test module when the suite runs against the stdlib."""
    if STDLIB:
        pytest.skip("tests weft itself, not the standard modules", allow_module_level=True)


def require(module):
    """Imports weft.<module> (or, against the stdlib, <module>), or skips the
    calling test module."""
    if STDLIB:
        return importlib.import_module(module)
    try:
        return importlib.import_module("weft." + module)
    except (ImportError, AttributeError) as e:  # the area is not in this build
        pytest.skip("weft.%s not available: %s" % (module, e), allow_module_level=True)


def interrupt_soon(delay=0.1):
    """Sends this process SIGINT (Ctrl-C) from another thread after `delay`
    seconds, to interrupt a call the main thread is about to block in."""
    def fire():
        time.sleep(delay)
        os.kill(os.getpid(), signal.SIGINT)
    threading.Thread(target=fire, daemon=True).start()

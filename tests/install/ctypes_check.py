"""Drives the installed libweft through plain ctypes: every function takes and
returns plain C types, so no binding is needed."""
import ctypes
import os
import sys

lib = ctypes.CDLL(os.environ["WEFT_LIBRARY"])
lib.weft_version_string.restype = ctypes.c_char_p
lib.weft_strerror.restype = ctypes.c_char_p
lib.weft_status_name.restype = ctypes.c_char_p
lib.weft_status_exception.restype = ctypes.c_char_p
lib.weft_errmsg.restype = ctypes.c_char_p

failures = 0


def check(cond, what):
    global failures
    if not cond:
        failures += 1
        print("FAIL:", what)


check(lib.weft_version() == ((1 << 16) | (1 << 8)), "weft_version packs 1.1.0")
check(lib.weft_version_string() == b"1.1.0", "weft_version_string")
check(lib.weft_status_name(4) == b"WEFT_TIMEOUT", "status 4 is WEFT_TIMEOUT")
check(lib.weft_status_exception(5) == b"queue.Empty", "status 5 maps to queue.Empty")

# A Python function as a weft callable: fn(arg, outcome).
FN = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_void_p)


@FN
def report(arg, outcome):
    lib.weft_outcome_set_value(ctypes.c_void_p(outcome), ctypes.c_void_p(arg), None)


value = ctypes.c_void_p()
rc = lib.weft_call(report, ctypes.c_void_p(1234), ctypes.byref(value), None)
check(rc == 0 and value.value == 1234, "weft_call through a ctypes callback")

rc = lib.weft_call(None, None, None, None)
check(rc == 1 and b"NULL" in lib.weft_errmsg(), "NULL callable is WEFT_EINVAL with a message")

if failures:
    print(f"ctypes: 0 passed, {failures} failed")
    sys.exit(1)
print("ctypes: libweft", lib.weft_version_string().decode(), "driven through plain ctypes")

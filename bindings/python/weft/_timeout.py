"""The one conversion of a Python timeout into the seconds weft's blocking
calls take (negative: wait forever, 0: try once), with the checks Python
makes: every module of the package converts through seconds()."""
from . import _weft as _c

FOREVER = -1.0

# The floor of calls that must never be given exactly 0: the binding keeps
# the GIL for a call that cannot block (timeout 0), and these wait for a
# lock that a Python callback may need the GIL to let go of (a Barrier's
# action, a Condition's re-acquire).
RELEASE_GIL = 1e-9

_MAX = _c.WEFT_TIMEOUT_MAX
_INF = float("inf")


def seconds(timeout, *, negative=None, at_least=0.0, infinite=True):
    """timeout (None: forever) as weft's seconds.

    A non-number is TypeError and a finite value above TIMEOUT_MAX
    OverflowError, as in Python. An infinite timeout waits forever, as
    Python's waits that accept it do (Event.wait, Queue.get, Future.result,
    Thread.join, Popen.wait, ...); `infinite=False` makes it OverflowError
    too, as Lock.acquire raises. A negative timeout means "don't wait" (Python's waits:
    Event.wait, Thread.join, Future.result, Popen.wait, ...) unless
    `negative` is given, the message of the ValueError to raise instead
    (queue's put and get, Lock.acquire). A finite result is at least
    `at_least`.
    """
    if timeout is None:
        return FOREVER
    kind = type(timeout)
    if kind is not float and kind is not int and (
            isinstance(timeout, (str, bytes)) or not hasattr(timeout, "__float__")):
        raise TypeError("timeout must be a real number, not %s" % kind.__name__)
    t = float(timeout)
    if 0.0 <= t <= _MAX:  # the usual case, in one comparison
        return t if t >= at_least else at_least
    if t > _MAX:
        if t == _INF and infinite:
            return FOREVER
        raise OverflowError("timeout value is too large")
    if t != t:
        return t  # NaN: weft reports it (ValueError)
    if negative is not None:
        raise ValueError(negative)
    return at_least

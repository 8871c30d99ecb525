"""weft.sched against the standard sched module."""
import sched
import threading
import time

import pytest

from conftest import require

ws = require("sched")


def scenario(mod):
    s = mod.scheduler()
    out = []
    s.enter(0.02, 2, out.append, ("late",))
    s.enter(0.01, 1, out.append, argument=("b",))
    s.enter(0.01, 0, lambda x: out.append(x), kwargs={"x": "a"})
    gone = s.enter(0.015, 0, out.append, ("cancelled",))
    s.cancel(gone)
    with pytest.raises(ValueError):
        s.cancel(gone)
    q = [(e.priority, e.argument) for e in s.queue]
    assert not s.empty()
    s.run()
    return out, q, s.empty()


def test_same_behaviour_as_standard():
    assert scenario(ws) == scenario(sched)


def test_events_are_standard_named_tuples():
    s = ws.scheduler()
    ev = s.enterabs(time.monotonic() + 10, 3, print)
    assert isinstance(ev, sched.Event)
    assert ev.priority == 3 and ev.action is print and ev.argument == () and ev.kwargs == {}
    s.cancel(ev)
    assert s.empty()


def test_non_blocking_run_returns_delay():
    for mod in (sched, ws):
        s = mod.scheduler()
        s.enter(10, 1, print)
        d = s.run(blocking=False)
        assert 9 < d <= 10
        assert s.run(blocking=False) is not None


def test_action_exception_propagates_same_object():
    err = ValueError("action")

    def fail():
        raise err

    s = ws.scheduler()
    out = []
    s.enter(0, 1, fail)
    s.enter(0.01, 2, out.append, (1,))
    with pytest.raises(ValueError) as info:
        s.run()
    assert info.value is err
    s.run()
    assert out == [1]


def test_custom_clock():
    now = [0.0]
    waits = []

    def timefunc():
        return now[0]

    def delayfunc(d):
        waits.append(d)
        now[0] += d

    for mod in (sched, ws):
        now[0] = 0.0
        s = mod.scheduler(timefunc, delayfunc)
        out = []
        s.enterabs(5, 1, out.append, ("x",))
        s.run()
        assert out == ["x"] and now[0] == 5


def test_enter_from_other_thread_wakes_run():
    s = ws.scheduler()
    out = []
    s.enter(0.5, 1, out.append, ("slow",))
    t0 = time.monotonic()

    def later():
        time.sleep(0.05)
        s.enter(0, 0, out.append, ("fast",))

    t = threading.Thread(target=later)
    t.start()
    s.run()
    t.join()
    assert out == ["fast", "slow"]
    assert time.monotonic() - t0 >= 0.5

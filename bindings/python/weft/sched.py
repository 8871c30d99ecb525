"""weft.sched: Python's `sched` module over weft's event scheduler.

scheduler(timefunc, delayfunc) has the standard methods; events are the
standard sched.Event named tuples. With the default clock (time.monotonic)
and wait (time.sleep) the scheduler runs on weft's own clock and a wait
that an event entered from another thread wakes up; run() releases the GIL
while it waits.
"""
import threading as _std_threading
import time as _time
from sched import Event

from . import _weft as _c

__all__ = ["scheduler", "Event"]

_sentinel = object()


class scheduler:
    """An event scheduler (sched.scheduler)."""

    def __init__(self, timefunc=_time.monotonic, delayfunc=_time.sleep):
        self.timefunc = timefunc
        self.delayfunc = delayfunc
        if timefunc is _time.monotonic and delayfunc is _time.sleep:
            self._clock = None  # weft's clock and wakeable wait
        else:
            self._clock = (timefunc, delayfunc)
        self._h = _c.weft_scheduler_new(self._clock)
        self._lock = _std_threading.Lock()
        self._events = {}  # sequence -> (Event, handle) while queued
        self._error = None

    def _action(self, action, argument, kwargs):
        def run():
            try:
                action(*argument, **kwargs)
            except BaseException as e:
                self._error = e
                raise
        return run

    def _enter(self, when, priority, action, argument, kwargs, absolute):
        if kwargs is _sentinel:
            kwargs = {}
        h = (_c.weft_scheduler_enterabs if absolute else _c.weft_scheduler_enter)(
            self._h, when, priority, self._action(action, argument, kwargs))
        seq = _c.weft_sched_event_sequence(h)
        ev = Event(_c.weft_sched_event_time(h), priority, seq, action, argument, kwargs)
        with self._lock:
            self._events[seq] = (ev, h)
        return ev

    def _prune(self):
        # Forget the events that ran (their actions do not know their
        # sequence numbers: an event may run before enter() returns).
        with self._lock:
            self._events = {k: v for k, v in self._events.items() if _c.weft_sched_event_queued(v[1])}

    def enterabs(self, time, priority, action, argument=(), kwargs=_sentinel):
        """Enter a new event in the queue at an absolute time; return its Event.

        Events with the same time run in order of priority (lowest first).
        """
        return self._enter(time, priority, action, argument, kwargs, True)

    def enter(self, delay, priority, action, argument=(), kwargs=_sentinel):
        """Enter a new event in the queue, delay time units from now; return its Event."""
        return self._enter(delay, priority, action, argument, kwargs, False)

    def cancel(self, event):
        """Remove an event from the queue; ValueError if it is not queued."""
        with self._lock:
            entry = self._events.get(event.sequence)
        if entry is None or entry[0] is not event and entry[0] != event:
            raise ValueError("event not in queue")
        try:
            _c.weft_scheduler_cancel(self._h, entry[1])
        except ValueError:
            raise ValueError("event not in queue") from None
        with self._lock:
            self._events.pop(event.sequence, None)

    def empty(self):
        """Return True if the event queue is empty."""
        return bool(_c.weft_scheduler_empty(self._h))

    def run(self, blocking=True):
        """Run the events as they come due.

        With blocking false, run the events due now and return the delay
        until the next one (None if none is left). An exception raised by an
        action or by timefunc/delayfunc propagates, and later events stay
        queued.
        """
        self._error = None
        try:
            delay = _c.weft_scheduler_run(self._h, 1 if blocking else 0)
        except BaseException as e:
            self._prune()
            err, self._error = self._error, None
            _c.weft_py_take_error()
            if err is not None:
                raise err from None
            raise e
        _c.weft_py_take_error()
        self._prune()
        if blocking or delay is None or delay < 0:
            return None
        return delay

    @property
    def queue(self):
        """The queued events, in the order they will run (a list of Events)."""
        handles = _c.weft_scheduler_queue(self._h)
        with self._lock:
            out = []
            for h in handles:
                entry = self._events.get(_c.weft_sched_event_sequence(h))
                if entry is not None:
                    out.append(entry[0])
        return out

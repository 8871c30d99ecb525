"""weft.concurrent.futures: Python's `concurrent.futures` over weft's futures
and thread pool.

Future, ThreadPoolExecutor, wait() and as_completed() have the standard
names, arguments and exceptions. A task's exception is re-raised by
result() as the same object. ProcessPoolExecutor is not part of weft yet.
"""
from concurrent.futures import (ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, BrokenExecutor,
                                CancelledError, InvalidStateError, TimeoutError)

from ._base import Executor, Future, as_completed, wait
from .thread import ThreadPoolExecutor

__all__ = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED", "CancelledError", "TimeoutError",
           "InvalidStateError", "BrokenExecutor", "Future", "Executor", "wait", "as_completed",
           "ThreadPoolExecutor"]

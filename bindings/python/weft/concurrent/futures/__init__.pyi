# Mirrors typeshed's stdlib/concurrent/futures/__init__.pyi for the names
# weft.concurrent.futures has (threads only: no ProcessPoolExecutor yet).
from concurrent.futures import (
    ALL_COMPLETED as ALL_COMPLETED,
    FIRST_COMPLETED as FIRST_COMPLETED,
    FIRST_EXCEPTION as FIRST_EXCEPTION,
    BrokenExecutor as BrokenExecutor,
    CancelledError as CancelledError,
    InvalidStateError as InvalidStateError,
    TimeoutError as TimeoutError,
)

from ._base import Executor as Executor, Future as Future, as_completed as as_completed, wait as wait
from .thread import ThreadPoolExecutor as ThreadPoolExecutor

__all__ = ["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED", "CancelledError", "TimeoutError",
           "InvalidStateError", "BrokenExecutor", "Future", "Executor", "wait", "as_completed",
           "ThreadPoolExecutor"]

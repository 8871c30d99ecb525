# Mirrors typeshed's stdlib/concurrent/futures/thread.pyi for
# ThreadPoolExecutor.
from collections.abc import Callable, Iterable
from concurrent.futures.thread import BrokenThreadPool as BrokenThreadPool
from typing import Any

from ._base import Executor

class ThreadPoolExecutor(Executor):
    def __init__(
        self,
        max_workers: int | None = None,
        thread_name_prefix: str = "",
        initializer: Callable[..., object] | None = None,
        initargs: Iterable[Any] = (),
    ) -> None: ...

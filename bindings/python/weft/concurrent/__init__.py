"""weft.concurrent: Python's `concurrent` package over weft (see weft.concurrent.futures).

As with the standard package, ``import weft.concurrent`` makes
``weft.concurrent.futures`` available."""
from . import futures

__all__ = ["futures"]

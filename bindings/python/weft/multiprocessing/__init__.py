"""multiprocessing over weft.

So far the connection layer: ``weft.multiprocessing.connection`` (Listener,
Client, wait, Connection) and ``Pipe`` here, over weft's C connections,
wire-compatible with CPython's. The exception classes are the standard
module's own, so ``except multiprocessing.AuthenticationError`` catches
what weft raises, and the other way round.
"""
from multiprocessing import AuthenticationError, BufferTooShort, ProcessError, TimeoutError

from .connection import Pipe

__all__ = ["Pipe", "AuthenticationError", "BufferTooShort", "ProcessError", "TimeoutError"]

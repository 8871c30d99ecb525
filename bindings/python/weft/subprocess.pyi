# Mirrors typeshed's stdlib/subprocess.pyi for the names weft.subprocess has,
# in a shorter form: a call is typed as text (str) when it says text=True,
# as bytes when it says nothing of text, encoding, errors or
# universal_newlines, and Any otherwise, where typeshed spells out every
# combination. The exceptions and CompletedProcess are the standard ones.
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from os import PathLike
from subprocess import (
    CalledProcessError as CalledProcessError,
    CompletedProcess as CompletedProcess,
    SubprocessError as SubprocessError,
    TimeoutExpired as TimeoutExpired,
    list2cmdline as list2cmdline,
)
from types import TracebackType
from typing import IO, Any, AnyStr, Generic, Literal, TypeVar, overload
from typing_extensions import Self, TypeAlias

__all__ = ["Popen", "PIPE", "STDOUT", "DEVNULL", "call", "check_call", "getstatusoutput", "getoutput",
           "check_output", "run", "CalledProcessError", "CompletedProcess", "SubprocessError",
           "TimeoutExpired", "list2cmdline"]

_FILE: TypeAlias = None | int | IO[Any]
_StrOrBytesPath: TypeAlias = str | bytes | PathLike[str] | PathLike[bytes]
_CMD: TypeAlias = _StrOrBytesPath | Sequence[_StrOrBytesPath]
_ENV: TypeAlias = Mapping[bytes, _StrOrBytesPath] | Mapping[str, _StrOrBytesPath]
_T = TypeVar("_T")

PIPE: int
STDOUT: int
DEVNULL: int

class Popen(Generic[AnyStr]):
    args: _CMD
    stdin: IO[AnyStr] | None
    stdout: IO[AnyStr] | None
    stderr: IO[AnyStr] | None
    pid: int
    returncode: int | Any
    universal_newlines: bool
    @overload
    def __init__(
        self: Popen[str],
        args: _CMD,
        bufsize: int = -1,
        executable: _StrOrBytesPath | None = None,
        stdin: _FILE | None = None,
        stdout: _FILE | None = None,
        stderr: _FILE | None = None,
        preexec_fn: Callable[[], Any] | None = None,
        close_fds: bool = True,
        shell: bool = False,
        cwd: _StrOrBytesPath | None = None,
        env: _ENV | None = None,
        universal_newlines: bool | None = None,
        startupinfo: Any | None = None,
        creationflags: int = 0,
        restore_signals: bool = True,
        start_new_session: bool = False,
        pass_fds: Collection[int] = (),
        *,
        text: Literal[True],
        encoding: str | None = None,
        errors: str | None = None,
        user: str | int | None = None,
        group: str | int | None = None,
        extra_groups: Iterable[str | int] | None = None,
        umask: int = -1,
        pipesize: int = -1,
        process_group: int | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: Popen[bytes],
        args: _CMD,
        bufsize: int = -1,
        executable: _StrOrBytesPath | None = None,
        stdin: _FILE | None = None,
        stdout: _FILE | None = None,
        stderr: _FILE | None = None,
        preexec_fn: Callable[[], Any] | None = None,
        close_fds: bool = True,
        shell: bool = False,
        cwd: _StrOrBytesPath | None = None,
        env: _ENV | None = None,
        universal_newlines: Literal[False] | None = None,
        startupinfo: Any | None = None,
        creationflags: int = 0,
        restore_signals: bool = True,
        start_new_session: bool = False,
        pass_fds: Collection[int] = (),
        *,
        text: Literal[False] | None = None,
        encoding: None = None,
        errors: None = None,
        user: str | int | None = None,
        group: str | int | None = None,
        extra_groups: Iterable[str | int] | None = None,
        umask: int = -1,
        pipesize: int = -1,
        process_group: int | None = None,
    ) -> None: ...
    @overload
    def __init__(
        self: Popen[Any],
        args: _CMD,
        bufsize: int = -1,
        executable: _StrOrBytesPath | None = None,
        stdin: _FILE | None = None,
        stdout: _FILE | None = None,
        stderr: _FILE | None = None,
        preexec_fn: Callable[[], Any] | None = None,
        close_fds: bool = True,
        shell: bool = False,
        cwd: _StrOrBytesPath | None = None,
        env: _ENV | None = None,
        universal_newlines: bool | None = None,
        startupinfo: Any | None = None,
        creationflags: int = 0,
        restore_signals: bool = True,
        start_new_session: bool = False,
        pass_fds: Collection[int] = (),
        *,
        text: bool | None = None,
        encoding: str | None = None,
        errors: str | None = None,
        user: str | int | None = None,
        group: str | int | None = None,
        extra_groups: Iterable[str | int] | None = None,
        umask: int = -1,
        pipesize: int = -1,
        process_group: int | None = None,
    ) -> None: ...
    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def communicate(self, input: AnyStr | None = None, timeout: float | None = None) -> tuple[Any, Any]: ...
    def send_signal(self, sig: int) -> None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...
    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None: ...
    def __del__(self) -> None: ...

@overload
def run(
    args: _CMD,
    *,
    input: str | None = None,
    capture_output: bool = False,
    timeout: float | None = None,
    check: bool = False,
    text: Literal[True],
    **kwargs: Any,
) -> CompletedProcess[str]: ...
@overload
def run(
    args: _CMD,
    *,
    input: bytes | None = None,
    capture_output: bool = False,
    timeout: float | None = None,
    check: bool = False,
    text: Literal[False] | None = None,
    encoding: None = None,
    errors: None = None,
    universal_newlines: Literal[False] | None = None,
    **kwargs: Any,
) -> CompletedProcess[bytes]: ...
@overload
def run(
    args: _CMD,
    *,
    input: Any = None,
    capture_output: bool = False,
    timeout: float | None = None,
    check: bool = False,
    **kwargs: Any,
) -> CompletedProcess[Any]: ...
def call(args: _CMD, *, timeout: float | None = None, **kwargs: Any) -> int: ...
def check_call(args: _CMD, *, timeout: float | None = None, **kwargs: Any) -> int: ...
@overload
def check_output(args: _CMD, *, timeout: float | None = None, input: str | None = None, text: Literal[True], **kwargs: Any) -> str: ...
@overload
def check_output(
    args: _CMD,
    *,
    timeout: float | None = None,
    input: bytes | None = None,
    text: Literal[False] | None = None,
    encoding: None = None,
    errors: None = None,
    universal_newlines: Literal[False] | None = None,
    **kwargs: Any,
) -> bytes: ...
@overload
def check_output(args: _CMD, *, timeout: float | None = None, input: Any = None, **kwargs: Any) -> Any: ...
def getstatusoutput(cmd: _CMD, *, encoding: str | None = None, errors: str | None = None) -> tuple[int, str]: ...
def getoutput(cmd: _CMD, *, encoding: str | None = None, errors: str | None = None) -> str: ...

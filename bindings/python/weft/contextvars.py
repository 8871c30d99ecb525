"""weft.contextvars: Python's `contextvars` module over weft's context variables.

ContextVar, Token, Context and copy_context() have the standard names,
arguments and exceptions. The values live in weft's contexts, so C code
running in the same thread (a weft task, a callback) sees the same
context. Each thread has its own current context, as in Python.
"""
import weakref as _weakref

from . import _weft as _c

__all__ = ["ContextVar", "Token", "Context", "copy_context"]

_MISSING = object()

# handle id -> ContextVar, to find the Python object of a variable weft
# hands back (iterating a context).
_vars = _weakref.WeakValueDictionary()


def _final(cls):
    # CPython's ContextVar, Token and Context are final C types.
    raise TypeError("type '%s.%s' is not an acceptable base type" % (cls.__module__, cls.__qualname__))


class _Missing:
    __slots__ = ()

    def __repr__(self):
        return "<Token.MISSING>"


class ContextVar:
    """A context variable (contextvars.ContextVar)."""

    __slots__ = ("_h", "_name", "_default", "__weakref__")

    def __init__(self, *args, default=_MISSING):
        # CPython's checks and messages (ContextVar is a C type there, its
        # name positional only).
        if len(args) != 1:
            if args:
                raise TypeError("ContextVar() takes at most 1 positional argument (%d given)" % len(args))
            raise TypeError("ContextVar() takes exactly 1 positional argument (0 given)")
        name = args[0]
        if not isinstance(name, str):
            raise TypeError("context variable name must be a str")
        self._name = name
        self._default = default
        self._h = _c.weft_context_var_new(name)
        _vars[_c.weft_py_handle_id(self._h)] = self

    def __init_subclass__(cls, **kwargs):
        _final(ContextVar)

    @property
    def name(self):
        """The variable's name."""
        return self._name

    def get(self, default=_MISSING):
        """Return the variable's value in the current context.

        Without a value, return default, else the variable's default, else
        raise LookupError.
        """
        try:
            return _c.weft_context_var_get(self._h)
        except LookupError:
            if default is not _MISSING:
                return default
            if self._default is not _MISSING:
                return self._default
            raise LookupError(self) from None

    def set(self, value):
        """Set the variable's value in the current context; return a Token to reset it."""
        return Token._make(self, _c.weft_context_var_set(self._h, value))

    def reset(self, token):
        """Restore the value the variable had before the set() that made token."""
        if not isinstance(token, Token):
            raise TypeError("expected an instance of Token, got %r" % type(token).__name__)
        if token._var is not self:
            raise ValueError("%r was created by a different ContextVar" % token)
        if token._used:
            raise RuntimeError("%r has already been used once" % token)
        try:
            _c.weft_context_var_reset(self._h, token._h)
        except ValueError:
            raise ValueError("%r was created in a different Context" % (token,)) from None
        token._used = True

    def __repr__(self):
        d = "" if self._default is _MISSING else " default=%r" % (self._default,)
        return "<ContextVar name=%r%s at %#x>" % (self._name, d, id(self))

    __class_getitem__ = classmethod(lambda cls, item: cls)

    def __hash__(self):
        return object.__hash__(self)


class Token:
    """What ContextVar.set() returns, to undo that set() (contextvars.Token)."""

    __slots__ = ("_h", "_var", "_used")

    MISSING = _Missing()

    def __init__(self, *args, **kwargs):
        raise RuntimeError("Tokens can only be created by ContextVars")

    def __init_subclass__(cls, **kwargs):
        _final(Token)

    @classmethod
    def _make(cls, var, h):
        t = object.__new__(cls)
        t._var = var
        t._h = h
        t._used = False
        return t

    @property
    def var(self):
        """The ContextVar that made the token."""
        return self._var

    @property
    def old_value(self):
        """The value before the set(), or Token.MISSING if there was none."""
        value, missing = _c.weft_context_token_old_value(self._h)
        return Token.MISSING if missing else value

    def __repr__(self):
        return "<Token%s var=%r at %#x>" % (" used" if self._used else "", self._var, id(self))

    __class_getitem__ = classmethod(lambda cls, item: cls)


class Context:
    """A mapping of ContextVars to their values (contextvars.Context).

    Context() is empty; copy_context() copies the current one. run() enters
    a context for one call.
    """

    __slots__ = ("_h",)

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError("Context() does not accept any arguments")
        self._h = _c.weft_context_new()

    def __init_subclass__(cls, **kwargs):
        _final(Context)

    @classmethod
    def _from_handle(cls, h):
        ctx = object.__new__(cls)
        ctx._h = h
        return ctx

    def run(self, callable, /, *args, **kwargs):
        """Call callable(*args, **kwargs) in this context; return its result.

        RuntimeError if the context is already entered (in any thread).
        The callable's exception propagates as it is.
        """
        box = []

        def call():
            try:
                return callable(*args, **kwargs)
            except BaseException as e:
                box.append(e)
                raise

        try:
            return _c.weft_context_run(self._h, call)
        except RuntimeError:
            if not box:  # refused before the call: CPython's words
                raise RuntimeError("cannot enter context: %r is already entered" % (self,)) from None
        except BaseException:
            if not box:
                raise
        # Outside the except clause: the callable's exception is raised as
        # it is, its __context__ untouched.
        err = box.pop()
        try:
            raise err
        finally:
            err = None

    def copy(self):
        """Return a shallow copy of the context."""
        return Context._from_handle(_c.weft_context_copy(self._h))

    def _check(self, var):
        if not isinstance(var, ContextVar):
            raise TypeError("a ContextVar key was expected, got %r" % (var,))

    def __getitem__(self, var):
        self._check(var)
        try:
            return _c.weft_context_get(self._h, var._h)
        except LookupError:
            raise KeyError(var) from None

    def __contains__(self, var):
        self._check(var)
        return bool(_c.weft_context_contains(self._h, var._h))

    def __len__(self):
        return _c.weft_context_len(self._h)

    def _items(self):
        it = _c.weft_context_iter_new(self._h)
        while True:
            try:
                vh, value = _c.weft_context_iter_next(it)
            except EOFError:
                return
            var = _vars.get(_c.weft_py_handle_id(vh))
            if var is not None:
                yield var, value

    def __iter__(self):
        return (var for var, _ in self._items())

    def get(self, var, default=None):
        """Return the variable's value in the context, or default."""
        self._check(var)
        try:
            return self[var]
        except KeyError:
            return default

    def keys(self):
        """The context's variables."""
        return [var for var, _ in self._items()]

    def values(self):
        """The variables' values."""
        return [value for _, value in self._items()]

    def items(self):
        """(variable, value) pairs."""
        return list(self._items())

    def __eq__(self, other):
        if not isinstance(other, Context):
            return NotImplemented
        return dict(self.items()) == dict(other.items())

    __hash__ = None


def copy_context():
    """Return a copy of the current context."""
    return Context._from_handle(_c.weft_context_copy_current())

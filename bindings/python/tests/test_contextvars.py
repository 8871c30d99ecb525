"""weft.contextvars against the standard contextvars module."""
import contextvars
import threading

import pytest

from conftest import require

wc = require("contextvars")


def scenario(mod):
    out = []
    v = mod.ContextVar("v", default=1)
    w = mod.ContextVar("w")
    out.append((v.name, v.get(), w.get("dflt")))
    try:
        w.get()
    except LookupError:
        out.append("LookupError")
    t = v.set(2)
    out.append((v.get(), t.var is v, t.old_value is mod.Token.MISSING))
    ctx = mod.copy_context()
    out.append((ctx[v], v in ctx, w in ctx, len(ctx) >= 1, ctx.get(w, "none")))

    def inside():
        v.set(3)
        w.set(4)
        return v.get(), w.get()

    out.append(ctx.run(inside))
    out.append((v.get(), ctx[v], ctx[w]))
    try:
        ctx[mod.ContextVar("other")]
    except KeyError:
        out.append("KeyError")
    v.reset(t)
    out.append(v.get())
    try:
        v.reset(t)
    except RuntimeError:
        out.append("RuntimeError")
    t2 = w.set(5)
    try:
        v.reset(t2)
    except ValueError:
        out.append("ValueError")
    out.append(sorted(val for var, val in ctx.items() if var in (v, w)))
    out.append(len(mod.Context()))
    return out


def test_same_behaviour_as_standard():
    assert scenario(wc) == scenario(contextvars)


def test_run_reentry_is_runtimeerror():
    for mod in (contextvars, wc):
        ctx = mod.Context()
        with pytest.raises(RuntimeError):
            ctx.run(lambda: ctx.run(lambda: None))


def test_run_keeps_exception_object():
    err = OSError("inner")

    def fail():
        raise err

    with pytest.raises(OSError) as info:
        wc.Context().run(fail)
    assert info.value is err and err.__context__ is None


def test_threads_have_their_own_context():
    v = wc.ContextVar("v", default="main")
    v.set("set in main")
    seen = []
    t = threading.Thread(target=lambda: seen.append(v.get()))
    t.start()
    t.join()
    assert seen == ["main"]
    assert v.get() == "set in main"


def test_misuse():
    with pytest.raises(TypeError):
        wc.ContextVar(42)
    with pytest.raises(TypeError):
        wc.ContextVar("x").reset("not a token")
    with pytest.raises(TypeError):
        wc.Context()["not a var"]
    with pytest.raises(RuntimeError):
        wc.Token()


def test_len_and_iteration():
    v = wc.ContextVar("only")
    ctx = wc.Context()
    assert len(ctx) == 0 and list(ctx) == []
    ctx.run(v.set, 1)
    assert len(ctx) == 1 and list(ctx) == [v] and list(ctx.items()) == [(v, 1)]
    assert ctx.copy() == ctx


# ---- issue 9: constructors, final types and reprs as CPython's ------------

def test_constructor_messages():
    with pytest.raises(TypeError, match=r"^Context\(\) does not accept any arguments$"):
        wc.Context(1)
    with pytest.raises(TypeError, match=r"^Context\(\) does not accept any arguments$"):
        wc.Context(a=1)
    with pytest.raises(TypeError, match=r"^ContextVar\(\) takes exactly 1 positional argument \(0 given\)$"):
        wc.ContextVar()
    with pytest.raises(TypeError, match=r"^ContextVar\(\) takes at most 1 positional argument \(2 given\)$"):
        wc.ContextVar("a", 1)
    with pytest.raises(TypeError, match=r"^context variable name must be a str$"):
        wc.ContextVar(1)
    with pytest.raises(TypeError):
        wc.ContextVar(name="kw")
    assert wc.ContextVar("kw", default=2).get() == 2


@pytest.mark.parametrize("name", ["Context", "Token", "ContextVar"])
def test_types_are_final(name):
    with pytest.raises(TypeError, match=r"^type '[\w.]*%s' is not an acceptable base type$" % name):
        type("Sub", (getattr(wc, name),), {})


def test_reprs():
    v = wc.ContextVar("a")
    assert repr(v) == "<ContextVar name='a' at %#x>" % id(v)
    d = wc.ContextVar("b", default=[1])
    assert repr(d) == "<ContextVar name='b' default=[1] at %#x>" % id(d)
    t = d.set(3)
    assert repr(t) == "<Token var=%r at %#x>" % (d, id(t))
    d.reset(t)
    assert repr(t) == "<Token used var=%r at %#x>" % (d, id(t))
    with pytest.raises(RuntimeError, match=r"^<Token used var=.* has already been used once$"):
        d.reset(t)
    assert repr(wc.Token.MISSING) == "<Token.MISSING>"
    ctx = wc.Context()
    assert repr(ctx) == "<%s.Context object at %#x>" % (type(ctx).__module__, id(ctx))


def test_error_messages_as_python():
    v = wc.ContextVar("v")
    token = wc.copy_context().run(v.set, 1)
    with pytest.raises(ValueError) as info:
        v.reset(token)
    assert str(info.value) == "%r was created in a different Context" % (token,)
    ctx = wc.Context()
    with pytest.raises(RuntimeError) as info:
        ctx.run(ctx.run, lambda: None)
    assert str(info.value) == "cannot enter context: %r is already entered" % (ctx,)

-- contextvars from Lua.
return function(T)
  local weft = require "weft"

  T.test("ContextVar get, set, reset, defaults", function()
    local v = weft.ContextVar("v")
    T.raises("LOOKUP", v.get, v)
    T.eq(v:get("fallback"), "fallback")
    T.eq(v:name(), "v")
    local tok = v:set({1, 2})
    T.eq(v:get()[2], 2)
    T.eq(tok:old_value(), weft.MISSING)
    local tok2 = v:set("second")
    T.eq(tok2:old_value()[1], 1)
    v:reset(tok2)
    T.eq(v:get()[1], 1)
    T.raises("RUNTIME", v.reset, v, tok2)
    v:reset(tok)
    T.raises("LOOKUP", v.get, v)
    local d = weft.ContextVar("d", {x = 1})
    T.eq(d:get().x, 1)
    T.eq(d:get("given"), "given") -- the argument wins, as in Python
    T.raises("coroutine", v.set, v, coroutine.create(print))
    T.raises("LOOKUP", v.get, v)
  end)

  T.test("Context.run isolates and keeps changes; results are not copied", function()
    local v = weft.ContextVar("iso", 0)
    local ctx = weft.copy_context()
    local t = {}
    local r1, r2 = ctx:run(function(a)
      v:set(a)
      return t, v:get()
    end, 5)
    T.eq(r1, t) -- the very table
    T.eq(r2, 5)
    T.eq(v:get(), 0)
    T.eq(ctx:get(v), 5)
    T.eq(ctx:contains(v), true)
    T.eq(ctx:len(), 1)
    -- a nested run of the same context is refused, as in Python
    T.raises("RUNTIME", ctx.run, ctx, function() return ctx:run(print) end)
    -- an error inside run propagates
    T.raises("inside run", ctx.run, ctx, function() error("inside run") end)
    local empty = weft.Context()
    T.eq(empty:get(v, "none"), "none")
    -- a handle of the wrong kind, or a non-handle, is refused
    T.raises("weft_context_get", empty.get, v, v)
    T.raises("weft_context_get", empty.get, empty, "not a var")
    T.eq(empty:len(), 0)
  end)

  T.test("items and copies", function()
    local a, b = weft.ContextVar("a"), weft.ContextVar("b")
    local ctx = weft.Context()
    ctx:run(function() a:set(1); b:set("two") end)
    local c2 = ctx:copy()
    c2:run(function() a:set(10) end)
    T.eq(ctx:get(a), 1)
    T.eq(c2:get(a), 10)
    local seen = {}
    for var, val in ctx:items() do seen[var:name()] = val end
    T.eq(seen.a, 1); T.eq(seen.b, "two")
  end)

  T.test("a handle a callable makes and returns stays alive", function()
    local v = weft.call(function() return require("weft").ContextVar("made there") end)
    weft.call(function() collectgarbage(); collectgarbage() end)
    T.eq(v:name(), "made there")
    T.eq(weft.core._owned(v), true) -- its own reference, not a borrowed view
  end)

  T.test("a variable handed out borrowed owns a reference of its own", function()
    -- weft_context_iter_next's `borrowed` result: the userdata takes its own
    -- reference, so it outlives the iterator, the context and the original
    local names = {}
    local vars = {}
    do
      local ctx = weft.Context()
      local a = weft.ContextVar("kept")
      ctx:run(function() a:set(1) end)
      for var in ctx:items() do vars[#vars + 1] = var end
    end
    collectgarbage(); collectgarbage()
    for _, var in ipairs(vars) do names[#names + 1] = var:name() end
    T.eq(#names, 1)
    T.eq(names[1], "kept")
  end)

  T.test("a context is per OS thread: the worker state sees its own", function()
    local v = weft.ContextVar("thr", "default")
    local tok = v:set("main")
    -- weft.call runs in this OS thread, so it sees this thread's context
    T.eq(weft.call(function(var) return var:get() end, v), "main")
    v:reset(tok)
  end)
end

-- contextvars for Lua: ContextVar, Context, copy_context, Token. Values are
-- copied in and out with the value codec. Each OS thread has a current
-- context; a Lua state on that thread reads and sets the thread's. ctx:run
-- calls the function directly in the caller's state.
return function(M, core)
  --- weft.MISSING stands for "no value", as Python's Token.MISSING.
  M.MISSING = setmetatable({}, {__name = "weft.MISSING", __tostring = function() return "weft.MISSING" end})

  --- ContextVar(name, [default]): a default of nil counts as no default,
  -- unless `has_default` is true.
  M.ContextVar = function(name, default, has_default)
    if default ~= nil or has_default then
      return core.weft_context_var_new_default(name, default)
    end
    return core.weft_context_var_new(name)
  end
  local var = M.classes.context_var
  --- get([default]): the value in the current context, else the variable's
  -- default, else `default` if given; raises LOOKUP when there is none.
  var.get = function(self, ...)
    if select("#", ...) > 0 then
      return core.weft_context_var_get_default(self, (...))
    end
    return core.weft_context_var_get(self)
  end
  --- set(value): a Token for reset.
  var.set = function(self, v) return core.weft_context_var_set(self, v) end
  var.reset = function(self, token) return core.weft_context_var_reset(self, token) end

  local tok = M.classes.context_token
  --- old_value(): the value before the set, or weft.MISSING.
  tok.old_value = function(self)
    local v, missing = core.weft_context_token_old_value(self)
    if missing then return M.MISSING end
    return v
  end

  M.Context = function() return core.weft_context_new() end
  M.copy_context = function() return core.weft_context_copy_current() end
  local ctx = M.classes.context
  --- run(f, ...): f(...) with this context current in this thread; returns
  -- f's results as they are (not copies). RUNTIME if ctx is already entered.
  ctx.run = function(self, f, ...)
    return core.weft_context_run(self, M.callable(f, ...))
  end
  --- get(var, [default]): var's value in this context (its own default is
  -- not consulted, as in Python), else `default`.
  ctx.get = function(self, v, default)
    local ok, r = pcall(core.weft_context_get, self, v)
    if ok then return r end
    if M.is_error(r, "LOOKUP") then return default end
    error(r, 0)
  end
  ctx.contains = function(self, v) return core.weft_context_contains(self, v) ~= 0 end
  --- items(): an iterator of var, value over a snapshot of the context.
  ctx.items = function(self)
    local it = core.weft_context_iter_new(self)
    return function()
      local ok, v, val = pcall(core.weft_context_iter_next, it)
      if not ok then
        if M.is_error(v, "EOF") then return nil end
        error(v, 0)
      end
      -- the variable is borrowed from the iterator: keep the iterator alive
      return M._anchor(v, it), val
    end
  end
end

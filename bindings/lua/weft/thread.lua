-- threading for Lua: Thread, Timer, local, and the module functions
-- (get_ident, current_thread, enumerate, ...). A thread's target runs,
-- copied with its arguments, in a Lua state of the new OS thread; what it
-- returns is ignored, as Python ignores run()'s result, and an error goes to
-- the excepthook (printed on stderr).
return function(M, core)
  local T = M._timeout

  --- Thread(f, ...) or Thread{target = f, args = {...}, name = , daemon = }.
  M.Thread = function(spec, ...)
    local target, args, name, daemon
    if type(spec) == "table" then
      target, args, name, daemon = spec.target, spec.args or {}, spec.name, spec.daemon
    else
      target, args = spec, table.pack(...)
    end
    local c = M.callable(target, table.unpack(args, 1, args.n or #args))
    local t = core.weft_thread_new(name, c)
    if daemon ~= nil then core.weft_thread_set_daemon(t, daemon and 1 or 0) end
    return M._anchor(t, c)
  end
  local th = M.classes.thread
  --- join([timeout]): true once the thread ended, false on a timeout
  -- (Python returns None; check is_alive() there).
  local join = M._false_on("TIMEOUT", core.weft_thread_join)
  th.join = function(self, timeout) return join(self, T(timeout)) end
  th.set_daemon = function(self, on) return core.weft_thread_set_daemon(self, on and 1 or 0) end
  M._booleans("thread", {"is_alive", "daemon"})

  --- Timer(interval, f, ...): start() runs f(...) after interval seconds on
  -- its own thread unless cancel() came first.
  M.Timer = function(interval, f, ...)
    local c = M.callable(f, ...)
    return M._anchor(core.weft_timer_new(interval, c), c)
  end
  local tm = M.classes.timer
  tm.cancel = function(self) return core.weft_timer_cancel(self) ~= 0 end
  local tjoin = M._false_on("TIMEOUT", core.weft_timer_join)
  tm.join = function(self, timeout) return tjoin(self, T(timeout)) end

  --- local(): one value per OS thread, copied in and out (l:get(), l:set(v)).
  M["local"] = function() return core.weft_local_new() end
  M.Local = M["local"]

  M.get_ident = core.weft_threading_get_ident
  M.get_native_id = core.weft_threading_get_native_id
  M.current_thread = core.weft_threading_current_thread
  M.main_thread = core.weft_threading_main_thread
  M.enumerate = core.weft_threading_enumerate
  M.active_count = core.weft_threading_active_count
  --- stack_size([size]): the size for new threads; with size, sets it and
  -- returns the old one.
  M.stack_size = function(size)
    if size == nil then return core.weft_threading_get_stack_size() end
    return core.weft_threading_stack_size(size)
  end
  --- start_new_thread(f, ...): _thread's form; returns the ident.
  M.start_new_thread = function(f, ...)
    return core.weft_threading_start_new_thread(M.callable(f, ...))
  end
  M.interrupt_main = core.weft_threading_interrupt_main
end

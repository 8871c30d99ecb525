-- threading's synchronisation primitives for Lua: Lock, RLock, Condition,
-- Semaphore, BoundedSemaphore, Event, Barrier. Waits return false on a
-- timeout where Python returns False; every other failure is a weft.Error.
return function(M, core)
  local T = M._timeout
  local false_on = M._false_on

  -- acquire(timeout): nil or negative waits forever, 0 tries once; false is
  -- Python's blocking=False.
  local function acquirer(f)
    local g = false_on("TIMEOUT", f)
    return function(self, timeout) return g(self, T(timeout)) end
  end

  -- with(f, ...): runs f(...) holding the lock, releasing it also on error.
  local function holder(acquire, release)
    return function(self, f, ...)
      acquire(self, -1)
      local r = table.pack(pcall(f, ...))
      release(self)
      if not r[1] then error(r[2], 0) end
      return table.unpack(r, 2, r.n)
    end
  end

  for _, kind in ipairs({"lock", "rlock", "condition", "semaphore"}) do
    local c = M.classes[kind]
    local raw = core["weft_" .. kind .. "_acquire"]
    c.acquire = acquirer(raw)
    if kind ~= "semaphore" then
      c.with = holder(raw, core["weft_" .. kind .. "_release"])
    end
  end
  M._booleans("lock", {"locked"})

  M.Lock = function() return core.weft_lock_new() end
  M.RLock = function() return core.weft_rlock_new() end

  --- Condition([lock]): over a new RLock, or the Lock or RLock given (which
  -- the condition then keeps alive).
  M.Condition = function(lock)
    if lock == nil then return core.weft_condition_new() end
    local kind = core._kind(lock)
    local c
    if kind == "lock" then
      c = core.weft_condition_new_with_lock(lock)
    elseif kind == "rlock" then
      c = core.weft_condition_new_with_rlock(lock)
    else
      error("weft.Condition: a Lock or RLock expected", 2)
    end
    return M._anchor(c, lock)
  end
  local cond = M.classes.condition
  local wait = false_on("TIMEOUT", core.weft_condition_wait)
  cond.wait = function(self, timeout) return wait(self, T(timeout)) end
  --- wait_for(predicate, timeout): the predicate runs in this state, in this
  -- thread, with the lock held; returns its last value as a boolean.
  local wait_for = false_on("TIMEOUT", core.weft_condition_wait_for)
  cond.wait_for = function(self, pred, timeout)
    local r = wait_for(self, pred, T(timeout))
    return r ~= false and r ~= 0
  end
  cond.notify = function(self, n) return core.weft_condition_notify(self, n or 1) end

  M.Semaphore = function(value) return core.weft_semaphore_new(value or 1) end
  M.BoundedSemaphore = function(value) return core.weft_semaphore_new_bounded(value or 1) end
  local sem = M.classes.semaphore
  sem.release = function(self, n) return core.weft_semaphore_release(self, n or 1) end
  sem.value = function(self) return core.weft_semaphore_value(self) end

  M.Event = function() return core.weft_event_new() end
  M._booleans("event", {"is_set"})
  local ev = M.classes.event
  local ewait = false_on("TIMEOUT", core.weft_event_wait)
  ev.wait = function(self, timeout) return ewait(self, T(timeout)) end

  --- Barrier(parties, [action], [timeout]): the action runs, copied, on the
  -- thread that arrives last, in that thread's Lua state.
  M.Barrier = function(parties, action, timeout)
    local b = core.weft_barrier_new(parties, action, T(timeout))
    if action then M._anchor(b, action) end
    return b
  end
  local bar = M.classes.barrier
  --- wait(timeout): the arrival index; a timeout breaks the barrier and
  -- raises BROKEN, as in Python.
  bar.wait = function(self, timeout) return core.weft_barrier_wait(self, T(timeout)) end
  M._booleans("barrier", {"broken"})
end

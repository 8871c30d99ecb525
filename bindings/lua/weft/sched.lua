-- sched for Lua: scheduler() with enter, enterabs, cancel, empty, run, queue.
-- Actions run, copied with their arguments, in the Lua state that weft keeps
-- for the thread that calls run (not in the caller's own state).
return function(M, core)
  M.scheduler = function() return core.weft_scheduler_new() end
  M.Scheduler = M.scheduler
  local s = M.classes.scheduler
  s.enter = function(self, delay, priority, f, ...)
    local c = M.callable(f, ...)
    return M._anchor(core.weft_scheduler_enter(self, delay, priority or 0, c), c)
  end
  s.enterabs = function(self, time, priority, f, ...)
    local c = M.callable(f, ...)
    return M._anchor(core.weft_scheduler_enterabs(self, time, priority or 0, c), c)
  end
  --- run([blocking]): runs due events; non-blocking gives the delay until the
  -- next one (nil when none is left).
  s.run = function(self, blocking)
    local d = core.weft_scheduler_run(self, blocking == false and 0 or 1)
    if blocking == false and d >= 0 then return d end
    return nil
  end
  M._booleans("scheduler", {"empty"})
  M._booleans("sched_event", {"queued"})
end

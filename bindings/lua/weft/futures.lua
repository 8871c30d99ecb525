-- concurrent.futures for Lua: ThreadPoolExecutor, Future, wait, as_completed.
-- A submitted function runs, copied with its arguments, in the Lua state of
-- the worker thread; its results are copied back into the state that asks
-- for them. A failure re-raises in Lua with its status (FAILED for a Lua
-- error, with the error's text as message).
return function(M, core)
  local T = M._timeout

  --- ThreadPoolExecutor([max_workers] | {max_workers=, thread_name_prefix=,
  -- initializer=, initargs={...}}). The initializer runs once in each worker
  -- thread's state, so globals it sets are seen by the tasks of that worker.
  M.ThreadPoolExecutor = function(opts)
    if type(opts) ~= "table" then opts = {max_workers = opts} end
    local o = core.weft_executor_opts_new()
    if opts.max_workers then core.weft_executor_opts_set_max_workers(o, opts.max_workers) end
    if opts.thread_name_prefix then
      core.weft_executor_opts_set_thread_name_prefix(o, opts.thread_name_prefix)
    end
    if opts.initializer then
      core.weft_executor_opts_set_initializer(o, M.callable(opts.initializer,
        table.unpack(opts.initargs or {})))
    end
    local ex = core.weft_thread_pool_executor_new(o)
    o:free()
    if opts.initializer then M._anchor(ex, opts.initializer) end
    return ex
  end

  local ex = M.classes.executor
  --- submit(f, ...): a Future. Handles among f's upvalues and arguments stay
  -- alive as long as the future.
  ex.submit = function(self, f, ...)
    local c = M.callable(f, ...)
    return M._anchor(core.weft_executor_submit(self, c), c)
  end
  --- map(f, list, [timeout]): an iterator over f(list[i]) in order, as
  -- Python's map (all calls submitted at once; a failure raises when reached).
  ex.map = function(self, f, list, timeout)
    local fs = {}
    for i = 1, #list do fs[i] = ex.submit(self, f, list[i]) end
    local deadline = timeout and (M.monotonic() + timeout)
    local i = 0
    return function()
      i = i + 1
      if fs[i] == nil then return nil end
      local left = deadline and math.max(0, deadline - M.monotonic()) or nil
      local fut = fs[i]
      fs[i] = false
      local r = table.pack(pcall(fut.result, fut, left))
      if not r[1] then
        -- as Python's map: a failure ends the iteration and cancels the rest
        for j = i + 1, #fs do fs[j]:cancel() end
        error(r[2], 0)
      end
      return table.unpack(r, 2, r.n)
    end
  end
  ex.shutdown = function(self, wait, cancel_futures)
    return core.weft_executor_shutdown(self, wait == false and 0 or 1, cancel_futures and 1 or 0)
  end

  local fut = M.classes.future
  M.Future = function() return core.weft_future_new() end
  --- result(timeout): the function's return values.
  fut.result = function(self, timeout) return core.weft_future_result(self, T(timeout)) end
  --- exception(timeout): nil when the call succeeded, else the error value it
  -- raised (copied), or a weft.Error when it carried none.
  fut.exception = function(self, timeout)
    local code, message, payload = core.weft_future_exception(self, T(timeout))
    if code == 0 then return nil end
    if payload ~= nil then return payload end
    return core.error(code, message)
  end
  fut.cancel = function(self) return core.weft_future_cancel(self) ~= 0 end
  M._booleans("future", {"cancelled", "running", "done", "set_running_or_notify_cancel"})
  --- add_done_callback(f): f(future) runs, copied, on the thread that
  -- completes the future (at once, here, if it is done already).
  fut.add_done_callback = function(self, f)
    local me = self
    return core.weft_future_add_done_callback(self, function() return f(me) end)
  end
  fut.set_result = function(self, v) return core.weft_future_set_result(self, v) end
  fut.set_exception = function(self, e)
    local code = M.is_error(e) and e.code or M.status.FAILED
    return core.weft_future_set_exception(self, code, tostring(e), e)
  end

  --- wait(futures, [timeout], [return_when]): two tables, done and not_done,
  -- as Python's wait (return_when: weft.ALL_COMPLETED by default).
  M.wait = function(fs, timeout, return_when)
    local flags = core.weft_futures_wait(fs, return_when or M.ALL_COMPLETED, T(timeout))
    local done, not_done = {}, {}
    for i, f in ipairs(fs) do
      if flags[i] then done[#done + 1] = f else not_done[#not_done + 1] = f end
    end
    return done, not_done
  end

  --- as_completed(futures, [timeout]): an iterator over the futures as they
  -- finish; raises TIMEOUT when the timeout passes first.
  M.as_completed = function(fs, timeout)
    local it = core.weft_as_completed_new(fs, T(timeout))
    local byptr = {}
    for _, f in ipairs(fs) do byptr[tostring(f):match("0x%x+")] = f end
    return function()
      local ok, f = pcall(core.weft_as_completed_next, it)
      if not ok then
        if M.is_error(f, "EOF") then return nil end
        error(f, 0)
      end
      -- Hand back the caller's own future object (f holds a reference of
      -- its own, so it is safe on its own too).
      return f and (byptr[tostring(f):match("0x%x+")] or f)
    end
  end
end

-- queue for Lua: Queue, LifoQueue, PriorityQueue, SimpleQueue. Items are
-- copied in and out with the value codec; weft handles among them are shared.
-- put on a full queue raises FULL, get on an empty one EMPTY (as Python's
-- queue.Full and queue.Empty); a shut-down queue raises SHUTDOWN.
return function(M, core)
  local T = M._timeout

  M.Queue = function(maxsize) return core.weft_queue_new(maxsize or 0) end
  M.LifoQueue = function(maxsize) return core.weft_lifo_queue_new(maxsize or 0) end
  --- PriorityQueue(maxsize): put(item, timeout, priority) orders by the
  -- integer priority (smaller first), then by arrival.
  M.PriorityQueue = function(maxsize) return core.weft_priority_queue_new(maxsize or 0) end
  M.SimpleQueue = function() return core.weft_simple_queue_new() end

  local q = M.classes.queue
  q.put = function(self, item, timeout, priority)
    if priority ~= nil then
      return core.weft_queue_put_priority(self, priority, item, T(timeout))
    end
    return core.weft_queue_put(self, item, T(timeout))
  end
  q.get = function(self, timeout) return core.weft_queue_get(self, T(timeout)) end
  q.join = function(self, timeout) return core.weft_queue_join(self, T(timeout)) end
  q.shutdown = function(self, immediate) return core.weft_queue_shutdown(self, immediate and 1 or 0) end
  M._booleans("queue", {"empty", "full"})

  local sq = M.classes.simple_queue
  sq.get = function(self, timeout) return core.weft_simple_queue_get(self, T(timeout)) end
  M._booleans("simple_queue", {"empty"})
end

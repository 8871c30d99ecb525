-- CPU-bound Lua on a weft ThreadPoolExecutor against the same work in one
-- Lua state, and the cost of copying values between states per task.
-- Run: build/bindings/lua/weft-lua bindings/lua/bench/executor.lua [workers]
-- Prints medians of several runs and their ratios; the machine is shared, so
-- figures wobble from run to run.
local weft = require "weft"
local common = dofile((arg[0]:match("^(.*/)") or "./") .. "common.lua")

local workers = tonumber(arg and arg[1]) or 2
local ex = weft.ThreadPoolExecutor(workers)
-- warm the workers' states once, as a long-running program would have them
for _ = 1, workers * 2 do ex:submit(function() return 0 end):result() end

local function echo(v) return v end
common.report(("a weft executor of %d workers"):format(workers),
  function()
    local fs = {}
    for t = 1, common.TASKS do fs[t] = ex:submit(common.work, t * 1000, common.SIZE) end
    local s = 0
    for t = 1, common.TASKS do s = s + fs[t]:result() end
    return s
  end,
  function(v, n)
    local fs = {}
    for i = 1, n do fs[i] = ex:submit(echo, v) end
    for i = 1, n do fs[i]:result() end
  end)
ex:shutdown()

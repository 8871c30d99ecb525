--- weft for Lua: the idiomatic layer over the SWIG module `weft.core`.
--
-- Everything the C library exports reaches Lua without code here: each
-- `weft_<kind>_<verb>` becomes the method `verb` of handles of that kind, each
-- `weft_<kind>_new` the constructor `weft.<Kind>` (CamelCase), and each other
-- function `weft_<name>` the function `weft.<name>`. This file adds only what
-- makes an API read like Lua: optional arguments, `false` where Python
-- returns False on a timeout, Lua functions with arguments as callables.
local core = require "weft.core"

local M = {core = core, Error = core.Error}

-- Areas with an idiomatic layer in weft/<area>.lua, loaded when the library
-- has them (their constructors are in core).
M._areas = {}
for area, probe in pairs({sync = "weft_lock_new", queue = "weft_queue_new", futures = "weft_future_new",
                          sched = "weft_scheduler_new", subprocess = "weft_popen_new",
                          context = "weft_context_new", thread = "weft_thread_new",
                          connection = "weft_pipe_new"}) do
  if core[probe] and package.searchpath("weft." .. area, package.path) then
    M._areas[#M._areas + 1] = area
  end
end
table.sort(M._areas)

-- Status codes by short name (weft.status.TIMEOUT == 4), from the C table.
M.status = {}
for code = 0, 255 do
  local name = core.weft_status_name(code)
  if name ~= "WEFT_UNKNOWN" then M.status[name:sub(6)] = code end
end
-- Every other constant by its name without the prefix: weft.FIRST_COMPLETED.
for k, v in pairs(core) do
  local short = type(k) == "string" and k:match("^WEFT_(.+)$")
  if short and type(v) == "number" and M.status[short] == nil and M[short] == nil then
    M[short] = v
  end
end
M.TIMEOUT_MAX = core.WEFT_TIMEOUT_MAX or 9223372036.0

--- True when `e` is an error weft raised, and (given a name such as
-- "TIMEOUT" or "WEFT_TIMEOUT") one of that status.
function M.is_error(e, name)
  if getmetatable(e) ~= core.Error then return false end
  if name == nil then return true end
  return e.name == name or e.name == "WEFT_" .. name
end

--- Runs f(...) and turns a weft error of status `name` into `false`.
-- Other errors propagate unchanged.
local function false_on(name, f)
  return function(...)
    local ok, a, b, c = pcall(f, ...)
    if ok then
      if a == nil then return true end
      return a, b, c
    end
    if M.is_error(a, name) then return false end
    error(a, 0)
  end
end
M._false_on = false_on

--- Packs a Lua function and its arguments into one callable: they travel
-- side by side (no wrapper closure) into the state that runs the call.
local CallableMT = getmetatable(core.callable(print))
function M.callable(f, ...)
  if select("#", ...) == 0 and getmetatable(f) == CallableMT then return f end
  if type(f) ~= "function" then
    error("weft: a function is expected as callable, got " .. type(f), 2)
  end
  if select("#", ...) == 0 then return f end
  return core.callable(f, ...)
end

--- Runs f(...) to completion in a Lua state of its own on this OS thread, as
-- weft threads and executors run it, and returns its results (copied back).
function M.call(f, ...)
  return core.weft_call(M.callable(f, ...))
end

--- Copies values through the codec exactly as a queue or a thread would.
M.copy = core._copy
--- Bytes the codec needs to carry these values.
M.copy_size = core._size
--- Seconds on the monotonic clock (the clock of weft's timeouts).
M.monotonic = core.monotonic

-- ---- generic classes ------------------------------------------------------

local function camel(kind)
  return (kind:gsub("^%l", string.upper):gsub("_(%l)", string.upper))
end

-- The kinds of handle: every type with a weft_<kind>_free.
local kinds = {}
for k in pairs(core) do
  local kind = type(k) == "string" and k:match("^weft_(.+)_free$")
  if kind then kinds[#kinds + 1] = kind end
end
-- Longest first, so "sched_event_time" is a method of sched_event, not of a
-- shorter kind that prefixes it.
table.sort(kinds, function(a, b) return #a > #b end)

M.classes = {}
for _, kind in ipairs(kinds) do
  local methods = core._methods(kind)
  methods.free = core._free
  methods.kind = core._kind
  M.classes[kind] = methods
end

for name, f in pairs(core) do
  if type(name) == "string" and type(f) == "function" then
    local rest = name:match("^weft_(.+)$")
    if rest then
      local ctor = rest:match("^(.+)_new$")
      if ctor then
        M[camel(ctor)] = f
      else
        local placed = false
        for _, kind in ipairs(kinds) do
          local verb = rest:match("^" .. kind .. "_(.+)$")
          if verb then
            if verb ~= "free" then M.classes[kind][verb] = f end
            placed = true
            break
          end
        end
        if not placed and M[rest] == nil then M[rest] = f end
      end
    end
  end
end

-- ---- helpers for the idiomatic layers of each area -------------------------

--- A timeout as weft takes it: nil waits forever, a number is seconds.
function M._timeout(t)
  if t == nil then return -1 end
  if t == false then return 0 end
  if t == true then return -1 end
  return t
end

--- Keeps `v` alive as long as the handle `h`: what a handle's callable
-- refers to (other handles among its upvalues) must outlive the copies.
M._anchor = core._anchor

--- Replaces methods named in `names` of a class with versions that return a
-- boolean from the C int out-parameter.
function M._booleans(kind, names)
  local c = M.classes[kind]
  if not c then return end
  for _, n in ipairs(names) do
    local f = c[n]
    if f then c[n] = function(...) return f(...) ~= 0 end end
  end
end

-- The idiomatic layer of each area that the library has.
for _, area in ipairs(M._areas or {}) do
  require("weft." .. area)(M, core)
end

return M

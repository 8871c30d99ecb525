-- A plain Lua test runner: runs every test_*.lua beside it (each returns a
-- function that receives the runner), prints one line per failure and
-- "N passed, N failed" last; exits non-zero when anything failed.
local here = (arg and arg[0] or ""):match("^(.*)/[^/]*$") or "."
package.path = here .. "/?.lua;" .. package.path

local T = {passed = 0, failed = 0, current = "?"}

local function fail(msg, level)
  error({weft_test_failure = true, msg = msg}, (level or 1) + 1)
end

function T.ok(v, msg) if not v then fail(msg or "expected a true value", 2) end return v end
function T.eq(a, b, msg)
  if a ~= b then fail((msg and msg .. ": " or "") .. ("expected %s, got %s"):format(tostring(b), tostring(a)), 2) end
end
function T.near(a, b, eps, msg)
  if math.abs(a - b) > eps then fail((msg or "") .. (" expected ~%s, got %s"):format(b, a), 2) end
end
--- Asserts that f(...) raises; `want` is a status name ("TIMEOUT") for weft
-- errors or a pattern matched against the message. Returns the error.
function T.raises(want, f, ...)
  local ok, e = pcall(f, ...)
  if ok then fail("expected an error matching " .. tostring(want), 2) end
  local weft = require "weft"
  if want ~= nil then
    local matched
    if weft.is_error(e) then
      matched = weft.is_error(e, want) or tostring(e):find(want, 1, true) ~= nil
    else
      matched = tostring(e):find(want) ~= nil
    end
    if not matched then fail(("expected error %s, got %s"):format(want, tostring(e)), 2) end
  end
  return e
end
function T.test(name, f)
  T.current = name
  local ok, e = xpcall(f, function(err)
    if type(err) == "table" and err.weft_test_failure then return err.msg .. "\n" .. debug.traceback("", 2) end
    return tostring(err) .. "\n" .. debug.traceback("", 2)
  end)
  if ok then
    T.passed = T.passed + 1
  else
    T.failed = T.failed + 1
    io.write(("FAIL %s: %s\n"):format(name, e))
  end
  collectgarbage()
end
function T.clock()
  return os.clock()
end

-- The suites: the files named on the command line, or every test_*.lua here
-- (an argument without ".lua" filters the names instead).
local files, only = {}, nil
for _, a in ipairs(arg or {}) do
  if a:match("%.lua$") then files[#files + 1] = a:match("[^/]*$") else only = a end
end
if #files == 0 then
  local p = io.popen('ls "' .. here .. '"')
  for f in p:lines() do
    if f:match("^test_.*%.lua$") then files[#files + 1] = f end
  end
  p:close()
end
table.sort(files)
for _, f in ipairs(files) do
  if not only or f:find(only, 1, true) then
    local chunk = assert(loadfile(here .. "/" .. f))
    local suite = chunk()
    io.write(("-- %s\n"):format(f))
    io.flush()
    suite(T)
  end
end
io.write(("%d passed, %d failed\n"):format(T.passed, T.failed))
os.exit(T.failed == 0 and T.passed > 0 and 0 or 1)

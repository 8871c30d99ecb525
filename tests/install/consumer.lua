-- `require "weft"` from an installed lua-weft (or `cmake --install`): a weft
-- thread running a Lua function hands a value back through a weft queue.
local weft = require "weft"
local q = weft.Queue()
local t = weft.Thread(function(queue) queue:put(6 * 7) end, q)
t:start()
t:join()
assert(q:get() == 42, "the thread's value did not arrive")
print("lua consumer: weft " .. weft.version_string() .. " ok")

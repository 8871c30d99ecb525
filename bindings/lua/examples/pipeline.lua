-- A subprocess pipeline, as `seq 1 1000 | grep 7 | wc -l` in a shell: each
-- child's stdin is the previous child's stdout pipe.
local weft = require "weft"

local seq = weft.Popen({"seq", "1", "1000"}, {stdout = weft.PIPE})
local grep = weft.Popen({"grep", "7"}, {stdin = seq:stdout(), stdout = weft.PIPE})
seq:close_stdout() -- the parent's copy: grep sees EOF when seq exits
local wc = weft.Popen({"wc", "-l"}, {stdin = grep:stdout(), stdout = weft.PIPE})
grep:close_stdout()
local out = wc:communicate()
assert(seq:wait() == 0 and grep:wait() == 0 and wc:wait() == 0)
local n = tonumber(out)
print(("numbers up to 1000 with a 7: %d"):format(n))
assert(n == 271)

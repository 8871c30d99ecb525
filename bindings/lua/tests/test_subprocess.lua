-- subprocess from Lua.
return function(T)
  local weft = require "weft"

  T.test("check_output and run", function()
    T.eq(weft.check_output({"printf", "a%sb", "-"}), "a-b")
    T.eq(weft.check_output({"cat"}, {input = "fed\0in"}), "fed\0in")
    local r = weft.run({"sh", "-c", "echo out; echo err >&2; exit 3"}, {capture_output = true})
    T.eq(r.returncode, 3); T.eq(r.stdout, "out\n"); T.eq(r.stderr, "err\n")
    T.eq(r.args[1], "sh")
    local e = T.raises("CALLED_PROCESS", weft.check_output, {"sh", "-c", "exit 4"})
    T.eq(e.exception, "subprocess.CalledProcessError")
    local ce = T.raises("CALLED_PROCESS", weft.run, {"sh", "-c", "echo partial; exit 6"},
                        {check = true, capture_output = true})
    T.eq(ce.returncode, 6); T.eq(ce.stdout, "partial\n")
    T.raises("TIMEOUT", weft.run, {"sleep", "5"}, {timeout = 0.05})
    local oe = T.raises("OS", weft.run, {"/nonexistent/program"})
    T.eq(oe.errno, 2) -- ENOENT, as OSError.errno
  end)

  T.test("Popen: pipes, communicate, wait, env, cwd", function()
    local p = weft.Popen({"cat"}, {stdin = weft.PIPE, stdout = weft.PIPE})
    T.ok(p:pid() > 0)
    local out, err = p:communicate("round trip")
    T.eq(out, "round trip"); T.eq(err, nil)
    T.eq(p:wait(), 0); T.eq(p:returncode(), 0)
    local q = weft.Popen({"sh", "-c", "echo $WEFT_X; pwd"}, {stdout = weft.PIPE, env = {WEFT_X = "yes"}, cwd = "/"})
    T.eq(q:communicate(), "yes\n/\n")
    T.raises("unknown subprocess option", weft.Popen, {"true"}, {bogus = 1})
  end)

  T.test("timeouts and signals", function()
    local p = weft.Popen({"sleep", "5"})
    T.eq(p:poll(), nil)
    T.raises("TIMEOUT", p.wait, p, 0.01)
    p:kill()
    T.eq(p:wait(), -9)
  end)

  T.test("shell helpers", function()
    local st, out = weft.getstatusoutput("echo hi; exit 2")
    T.eq(st, 2); T.eq(out, "hi")
    T.eq(weft.getoutput("echo there"), "there")
    T.eq(weft.subprocess_call({"sh", "-c", "exit 5"}), 5)
    T.eq(weft.check_call({"true"}), 0)
  end)
end

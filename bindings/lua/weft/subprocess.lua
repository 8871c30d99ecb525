-- subprocess for Lua: Popen, run, call, check_call, check_output,
-- getoutput, getstatusoutput. Options are a table whose keys are Python's
-- keyword arguments (stdin, stdout, stderr, cwd, env, shell, ...); the
-- stream constants are weft.PIPE, weft.STDOUT, weft.DEVNULL.
return function(M, core)
  local T = M._timeout
  M.PIPE = core.WEFT_SUBPROCESS_PIPE
  M.STDOUT = core.WEFT_SUBPROCESS_STDOUT
  M.DEVNULL = core.WEFT_SUBPROCESS_DEVNULL

  local setters = {
    executable = "set_executable", cwd = "set_cwd", stdin = "set_stdin", stdout = "set_stdout",
    stderr = "set_stderr", pass_fds = "set_pass_fds", process_group = "set_process_group",
    umask = "set_umask", user = "set_user", group = "set_group", extra_groups = "set_extra_groups",
    pipesize = "set_pipesize", preexec_fn = "set_preexec",
  }
  local flags = {
    shell = "set_shell", close_fds = "set_close_fds", start_new_session = "set_start_new_session",
    restore_signals = "set_restore_signals",
  }

  -- Popen options from a table; nil when there are none.
  local function options(t)
    if t == nil then return nil end
    local o = core.weft_popen_opts_new()
    for k, v in pairs(t) do
      if setters[k] then
        core["weft_popen_opts_" .. setters[k]](o, v)
      elseif flags[k] then
        core["weft_popen_opts_" .. flags[k]](o, v and 1 or 0)
      elseif k == "env" then
        local env = {}
        for name, val in pairs(v) do env[#env + 1] = name .. "=" .. val end
        table.sort(env)
        core.weft_popen_opts_set_env(o, env)
      elseif k ~= "input" and k ~= "timeout" and k ~= "check" and k ~= "capture_output" then
        error("weft: unknown subprocess option '" .. tostring(k) .. "'", 3)
      end
    end
    return o
  end

  -- A command given as a string runs through the shell when shell is set,
  -- as in Python; otherwise it is a one-element argv.
  local function argv(args)
    if type(args) == "string" then return {args} end
    return args
  end

  --- Popen(args, [opts]).
  M.Popen = function(args, opts)
    local o = options(opts)
    local p = core.weft_popen_new(argv(args), o)
    if o then o:free() end
    return p
  end
  local p = M.classes.popen
  p.wait = function(self, timeout) return core.weft_popen_wait(self, T(timeout)) end
  --- communicate([input], [timeout]): stdout, stderr (nil when not piped).
  p.communicate = function(self, input, timeout)
    return core.weft_popen_communicate(self, input, T(timeout))
  end
  --- returncode(): nil while the process runs.
  p.returncode = function(self)
    local rc = core.weft_popen_returncode(self)
    if rc == core.WEFT_SUBPROCESS_RUNNING then return nil end
    return rc
  end
  p.poll = function(self)
    local rc = core.weft_popen_poll(self)
    if rc == core.WEFT_SUBPROCESS_RUNNING then return nil end
    return rc
  end

  --- run(args, [opts]): a CompletedProcess with args, returncode, stdout,
  -- stderr fields (opts also takes input, timeout, check, capture_output).
  M.run = function(args, opts)
    opts = opts or {}
    local o = options(opts)
    -- check is done here, so that the error can carry the result's data
    local ok, cp = pcall(core.weft_subprocess_run, argv(args), o, opts.input,
                         opts.capture_output and 1 or 0, T(opts.timeout), 0)
    if o then o:free() end
    if not ok then error(cp, 0) end
    local r = {
      args = core.weft_completed_process_args(cp),
      returncode = core.weft_completed_process_returncode(cp),
      stdout = core.weft_completed_process_stdout(cp),
      stderr = core.weft_completed_process_stderr(cp),
    }
    local okrc, e = pcall(core.weft_completed_process_check_returncode, cp)
    cp:free()
    if opts.check and not okrc then
      -- CalledProcessError's fields ride on the error object
      e.returncode, e.stdout, e.stderr, e.args = r.returncode, r.stdout, r.stderr, r.args
      error(e, 2)
    end
    return r
  end
  -- call and check_call: the returncode of fn(argv, options, timeout).
  local function returncode(fn)
    return function(args, opts)
      local o = options(opts)
      local ok, rc = pcall(fn, argv(args), o, T(opts and opts.timeout))
      if o then o:free() end
      if not ok then error(rc, 0) end
      return rc
    end
  end
  M.subprocess_call = returncode(core.weft_subprocess_call)
  M.check_call = returncode(core.weft_subprocess_check_call)
  --- check_output(args, [opts]): stdout as a string; raises CALLED_PROCESS on
  -- a non-zero exit.
  M.check_output = function(args, opts)
    local o = options(opts)
    local ok, out = pcall(core.weft_subprocess_check_output, argv(args), o, opts and opts.input,
                          T(opts and opts.timeout))
    if o then o:free() end
    if not ok then error(out, 0) end
    return out
  end
  M.getoutput = function(cmd) return core.weft_subprocess_getoutput(cmd) end
  M.getstatusoutput = function(cmd) return core.weft_subprocess_getstatusoutput(cmd) end
end

#!/usr/bin/python3
"""Checks the name map (docs/names/names.tsv) against what it names.

usage: check_names.py SOURCE_DIR BUILD_DIR c|weft|lua|go

  c     every C name of a row is declared in abi/include, every function
        among them is exported by BUILD_DIR's libweft, every exported
        function has a row; every source file of a row exists and names the
        row, and a row with functions lists a file under src/ that defines
        one; every name of tests/abi/python-names.txt is in the Python
        column of a row of its module.
  weft  every name of the weft column resolves in the built Python package
        (BUILD_DIR/bindings/python), as a module, attribute or method.
  lua   every name of the lua column is in the loaded Lua module: `weft.a.b`
        a field, `kind:method` a method of the handles of that C kind.
  go    every name of the go column is declared in the Go package as built
        (BUILD_DIR/bindings/go/mod): `weft.Name` at package level,
        `weft.Type.Name` a method or field, `cweft.Name` in the SWIG package.

A binding that was not built is skipped with exit status 77 (CTest's SKIP).
"""
import glob
import os
import re
import shutil
import subprocess
import sys

SKIP = 77


def load_gen(src):
    sys.path.insert(0, os.path.join(src, "docs", "names"))
    import gen
    return gen


def report(what, count, missing):
    for m in missing:
        print(f"name map ({what}): {m}")
    if missing:
        print(f"name map ({what}): {len(missing)} problems in {count} names")
        print("0 passed, 1 failed")
        return 1
    print(f"name map ({what}): all {count} names found")
    print("1 passed, 0 failed")
    return 0


def skip(what, why):
    print(f"name map ({what}): SKIPPED: {why}")
    return SKIP


def binding_names(gen, rows, lang):
    """[(row, name)] of every name in a binding column."""
    out = []
    for r in rows:
        entries, _ = r.binding(lang)
        out += [(r, gen.binding_name(e)) for e in entries]
    return out


# ---- C --------------------------------------------------------------------

def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def defines(text, name):
    """True when C source text defines the function `name` (not just calls it),
    itself or through a defining macro such as WEFT__EVENT_GETTER(name, ...)."""
    return re.search(rf"^(?:\w[^;(]*\b{name}\s*\([^;]*|\w+\(\s*{name}\s*,.*)$", text, re.M) is not None


def check_c(gen, rows, src, build):
    libs = sorted(glob.glob(os.path.join(build, "libweft.so.*")))
    if not libs:
        print(f"name map (c): no libweft.so.* in {build}")
        return 1
    nm = subprocess.run(["nm", "-D", "--defined-only", libs[0]], capture_output=True, text=True, check=True)
    exported = {f[2].split("@")[0] for f in (l.split() for l in nm.stdout.splitlines())
                if len(f) == 3 and f[1] == "T"}
    code = ""
    for h in glob.glob(os.path.join(src, "abi", "include", "**", "*.h"), recursive=True):
        code += strip_comments(open(h, encoding="utf-8").read())
    declared = set(re.findall(r"\b\w+\b", code))
    declared |= {"WEFT_" + n for n in re.findall(r"\bXX\((\w+),", code)}  # the status table
    functions = set(re.findall(r"WEFT_(?:EXPERIMENTAL_)?API\b[^;]*?\b(weft_\w+)\s*\(", code))

    missing, named, count = [], set(), 0
    for r in rows:
        names = r.c_names()
        for n in names:
            count += 1
            named.add(n)
            if n not in declared:
                missing.append(f"names.tsv:{r.line}: {n} is not declared in abi/include")
            elif n in functions and n not in exported:
                missing.append(f"names.tsv:{r.line}: {n} is declared but not exported by {os.path.basename(libs[0])}")
        fns = [n for n in names if n in functions]
        texts = {}
        for s in r.sources():
            path = os.path.join(src, s)
            if not os.path.isfile(path):
                missing.append(f"names.tsv:{r.line}: source {s} does not exist")
                continue
            texts[s] = open(path, encoding="utf-8").read()
            if names and not any(re.search(rf"\b{n}\b", texts[s]) for n in names):
                missing.append(f"names.tsv:{r.line}: source {s} names none of the row's C names")
        if fns and not any(s.startswith("src/") and any(defines(t, n) for n in fns) for s, t in texts.items()):
            missing.append(f"names.tsv:{r.line}: no source under src/ defines {', '.join(fns)}")
    for n in sorted(exported - named):
        missing.append(f"{n} is exported but no row of names.tsv names it")

    # Python's names of each module (as check_names.sh checked the pages).
    by_module = {}
    for r in rows:
        by_module.setdefault(r.module, []).append(r.python)
    with open(os.path.join(src, "tests", "abi", "python-names.txt"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or ":" not in line:
                continue
            module, names = line.split(":", 1)
            cells = by_module.get(module.strip(), [])
            for n in names.split():
                count += 1
                if not any(n in c for c in cells):
                    missing.append(f"{module}.{n} is in no Python cell of module {module}")
    return report("c", count, missing)


# ---- Python ----------------------------------------------------------------

def check_weft(gen, rows, src, build):
    pkg = os.path.join(build, "bindings", "python")
    if not glob.glob(os.path.join(pkg, "weft", "__weft*.so")):
        return skip("weft", f"the Python binding was not built ({pkg})")
    sys.path.insert(0, pkg)
    import importlib
    names = binding_names(gen, rows, "weft")
    missing = []
    for r, name in names:
        parts = name.split(".")
        obj, i = None, len(parts)
        while i > 0:  # the longest importable prefix, then attributes
            try:
                obj = importlib.import_module(".".join(parts[:i]))
                break
            except ImportError:
                i -= 1
        for p in parts[i:]:
            obj = getattr(obj, p, None) if obj is not None else None
        if obj is None or parts[0] != "weft":
            missing.append(f"names.tsv:{r.line}: {name} is not in the weft package")
    return report("weft", len(names), missing)


# ---- Lua --------------------------------------------------------------------

LUA_CHECK = r"""
local weft = require "weft"
for name in io.lines() do
  local kind, method = name:match("^([%w_]+):([%w_]+)$")
  local ok = false
  if kind then
    ok = weft.classes[kind] ~= nil and weft.classes[kind][method] ~= nil
  else
    local v = {weft = weft}
    for part in name:gmatch("[^.]+") do
      if type(v) ~= "table" and type(v) ~= "userdata" then v = nil break end
      local got, field = pcall(function() return v[part] end)
      v = got and field or nil
      if v == nil then break end
    end
    ok = v ~= nil
  end
  if not ok then print(name) end
end
"""


def check_lua(gen, rows, src, build):
    core = os.path.join(build, "bindings", "lua", "weft", "core.so")
    lua = shutil.which("lua5.4") or shutil.which("lua54") or shutil.which("lua")
    if not os.path.exists(core) or not lua:
        return skip("lua", f"the Lua binding was not built ({core})")
    names = binding_names(gen, rows, "lua")
    env = dict(os.environ,
               LUA_PATH=os.path.join(src, "bindings", "lua", "?.lua") + ";;",
               LUA_CPATH=os.path.join(build, "bindings", "lua", "?.so") + ";;")
    run = subprocess.run([lua, "-e", LUA_CHECK], input="".join(n + "\n" for _, n in names),
                         capture_output=True, text=True, env=env)
    if run.returncode != 0:
        print(run.stderr)
        return report("lua", len(names), ["lua could not load the weft module"])
    absent = set(run.stdout.split())
    missing = [f"names.tsv:{r.line}: {n} is not in the Lua module" for r, n in names if n in absent]
    return report("lua", len(names), missing)


# ---- Go ---------------------------------------------------------------------

def go_declarations(folder, package):
    """Every exported name the Go files of `folder` declare, as package.Name and
    package.Type.Name (methods and struct fields), and the type aliases
    {package.Name: other.Type}."""
    names, aliases, embeds = set(), {}, []
    for path in glob.glob(os.path.join(folder, "*.go")):
        if path.endswith("_test.go"):
            continue
        text = open(path, encoding="utf-8").read()
        for m in re.finditer(r"^func\s+(?:\(\s*\w*\s*\*?(\w+)\s*\)\s*)?([A-Z]\w*)", text, re.M):
            names.add(f"{package}.{m.group(1)}.{m.group(2)}" if m.group(1) else f"{package}.{m.group(2)}")
        for m in re.finditer(r"^(?:type|const|var)\s+([A-Z]\w*)", text, re.M):
            names.add(f"{package}.{m.group(1)}")
        for m in re.finditer(r"^type\s+([A-Z]\w*)\s*=\s*(\w+\.\w+)", text, re.M):
            aliases[f"{package}.{m.group(1)}"] = m.group(2)
        for m in re.finditer(r"^(?:type|const|var)\s*\((.*?)^\)", text, re.M | re.S):
            names.update(f"{package}.{n}" for n in re.findall(r"^\t([A-Z]\w*)", m.group(1), re.M))
        for m in re.finditer(r"^type\s+(\w+)\s+struct\s*\{\s*\*?(\w+)\s*\}", text, re.M):
            embeds.append((m.group(1), m.group(2)))  # type T struct{ handle }
        for m in re.finditer(r"^type\s+(\w+)\s+struct\s*\{(.*?)^\}", text, re.M | re.S):
            embeds.extend((m.group(1), e) for e in re.findall(r"^\t\*?(\w+)\s*$", m.group(2), re.M))
            for fields in re.findall(r"^\t([A-Z]\w*(?:\s*,\s*[A-Z]\w*)*)\s", m.group(2), re.M):
                names.update(f"{package}.{m.group(1)}.{f.strip()}" for f in fields.split(","))
    # Methods and fields of an embedded type are the embedding type's too.
    for outer, inner in embeds:
        prefix = f"{package}.{inner}."
        names |= {f"{package}.{outer}.{n[len(prefix):]}" for n in list(names) if n.startswith(prefix)}
    return names, aliases


def check_go(gen, rows, src, build):
    mod = os.path.join(build, "bindings", "go", "mod")
    if not os.path.exists(os.path.join(mod, ".stamp")):
        return skip("go", f"the Go binding was not built ({mod})")
    names, aliases = go_declarations(mod, "weft")
    cnames, _ = go_declarations(os.path.join(mod, "internal", "cweft"), "cweft")
    declared = names | cnames
    for alias, target in aliases.items():  # weft.Error = cweft.Error has its members
        declared |= {alias + n[len(target):] for n in cnames if n.startswith(target + ".")}
    names = binding_names(gen, rows, "go")
    missing = [f"names.tsv:{r.line}: {n} is not declared in the Go package" for r, n in names if n not in declared]
    return report("go", len(names), missing)


def main(argv):
    checks = {"c": check_c, "weft": check_weft, "lua": check_lua, "go": check_go}
    if len(argv) != 4 or argv[3] not in checks:
        sys.exit(__doc__)
    src, build = os.path.abspath(argv[1]), os.path.abspath(argv[2])
    gen = load_gen(src)
    return checks[argv[3]](gen, gen.read_table(), src, build)


if __name__ == "__main__":
    sys.exit(main(sys.argv))

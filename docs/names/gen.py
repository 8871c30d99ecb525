#!/usr/bin/python3
"""Writes the name-map pages docs/names/*.md from docs/names/names.tsv.

    docs/names/gen.py            rewrite the pages
    docs/names/gen.py --check    exit 1 if a page differs from what it would write

names.tsv says how a row is written; this file holds the pages' titles and
introductions, decides which page a row goes on, and reads the table for the
checker (tests/abi/check_names.py imports it).
"""
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TABLE = os.path.join(HERE, "names.tsv")
COLUMNS = ["module", "python", "c", "weft", "lua", "go", "source"]
# The binding columns and the pages that show them.
LANGUAGES = {"weft": "Python", "lua": "Lua", "go": "Go"}
NOTE = " \u2014 "  # separates a binding cell's names from its note

# (file, anchor, title, introduction). A module page lists the rows of its
# Python module; the binding pages list, page by page, the rows whose column
# for that language is filled.
MODULE_PAGES = [
    ("core", "names-core", "core",
     "The library-wide functions have no single Python counterpart; they are the "
     "C form of exceptions, versions and callables."),
    ("threading", "names-threading", "threading",
     "Python's `threading` module without its synchronisation primitives (Lock, "
     "RLock, Condition, Semaphore, BoundedSemaphore, Event, Barrier, "
     "BrokenBarrierError), which live in `weft/sync.h` and have their own rows on "
     "the @ref names-sync \"sync page\". The guide is @ref guide-thread \"threads\"."),
    ("sync", "names-sync", "threading synchronisation",
     "The synchronisation primitives of Python's `threading` module, declared in "
     "`weft/sync.h`. Every Python method becomes a function whose first argument is "
     "the handle; constructors are `weft_<object>_new`, and `weft_<object>_free` "
     "drops the caller's reference. Where Python returns `False` for a timed-out "
     "wait, C returns `WEFT_TIMEOUT`. See the @ref guide-sync \"guide\" for "
     "semantics and examples."),
    ("_thread", "names-_thread", "_thread",
     "Python's low-level `_thread` module. Its lock type is the sync area's "
     "`weft_lock`. The guide is @ref guide-thread \"threads\"."),
    ("queue", "names-queue", "queue",
     "Python's `queue` module. `Queue`, `LifoQueue` and `PriorityQueue` are one C "
     "type, `weft_queue`, made by three constructors; `SimpleQueue` is its own "
     "type, `weft_simple_queue`. Exceptions are status codes. See the "
     "@ref guide-queue \"queue guide\" for what differs and why."),
    ("concurrent.futures", "names-concurrent-futures", "concurrent.futures",
     "Python's `concurrent.futures` in C. Exceptions are status codes; sets and "
     "iterators become flag arrays and iterator handles (see the "
     "@ref guide-futures \"guide\" for the shapes and the few differences)."),
    ("sched", "names-sched", "sched",
     "Python's `sched` module in C. Events are handles with getters instead of a "
     "named tuple; see @ref guide-sched for what differs and why."),
    ("contextvars", "names-contextvars", "contextvars",
     "Python's `contextvars` module in C. Values are `void *` owned by the "
     "contexts and freed by the variable's free function; see @ref guide-context."),
    ("subprocess", "names-subprocess", "subprocess",
     "Python's `subprocess` module in C. Popen's keyword arguments are setters on "
     "a `weft_popen_opts` object; exceptions are status codes whose data is read "
     "from a `weft_completed_process` (see @ref guide-subprocess \"the guide\")."),
    ("multiprocessing", "names-multiprocessing", "multiprocessing",
     "Python's `multiprocessing` processes in C: `Process` with an options "
     "object, contexts and the fork, spawn and forkserver start methods. A "
     "target is a callable (fork) or a native task (any method); see "
     "@ref guide-process \"the guide\"."),
    ("multiprocessing.connection", "names-multiprocessing-connection", "multiprocessing.connection",
     "Python's `multiprocessing.connection` in C, wire-compatible with CPython: "
     "byte messages in CPython's framing, listeners and clients with both "
     "generations of its handshake. Receives and accepts take timeouts; objects "
     "cross as bytes (see @ref guide-connection \"the guide\")."),
    ("multiprocessing.shared_memory", "names-multiprocessing-shared-memory", "multiprocessing.shared_memory",
     "Python's `multiprocessing.shared_memory` in C, compatible with CPython: the "
     "same segment names and the same ShareableList layout, so a weft process and "
     "a CPython process share segments and lists. Attaching never registers a "
     "segment for unlinking (see @ref guide-shm \"the guide\")."),
    ("multiprocessing.synchronize", "names-multiprocessing-synchronize", "multiprocessing synchronisation",
     "The synchronisation primitives of Python's `multiprocessing` (the classes of "
     "`multiprocessing.synchronize`, which `multiprocessing.Lock()` and its siblings "
     "make), declared in `weft/mpsync.h`. Their state lives in shared memory: weft's "
     "own arena, inherited by `fork`, or memory the caller shares "
     "(`weft_mp_<prim>_new_at`, `weft_mp_<prim>_attach`). A holder's death is "
     "reported as `WEFT_OWNER_DIED` instead of hanging everyone (see "
     "@ref guide-mpsync \"the guide\")."),
]
BINDING_PAGES = [
    ("python", "names-python", "weft", "the Python binding",
     "The Python column of the name map: each name of the `weft` package (whose "
     "modules mirror the standard library's) for each name of Python's modules, "
     "and the C names of the row. The SWIG module `weft._weft` also exposes every "
     "C function under its C name (`weft._weft.weft_queue_put`) with the generic "
     "conversions of @ref guide-python \"the Python guide\"."),
    ("lua", "names-lua", "lua", "Lua",
     "Every Lua name of `require \"weft\"` and the C names behind it. The generated "
     "layer `weft.core` also has every C function under its C name "
     "(`weft.core.weft_lock_acquire`); the names below are the idiomatic ones. "
     "`kind:method` is a method of the handles of that C kind (`queue:put` is "
     "`q:put(v)` on a queue); see @ref guide-lua for how values and functions "
     "cross between Lua states."),
    ("go", "names-go", "go", "Go",
     "Every exported name of the Go package `weft.dev/weft` and the C names "
     "behind it; `weft.Type.Method` is a method of `*weft.Type`. The generated "
     "package `weft.dev/weft/internal/cweft` has every C function under SWIG's "
     "name (`cweft.Weft_lock_acquire`). See @ref guide-go."),
]
GENERATED = "<!-- Generated by docs/names/gen.py from docs/names/names.tsv: edit those, not this page. -->"

C_NAME = re.compile(r"\b(?:weft|WEFT)_[A-Za-z0-9_]*[A-Za-z0-9]\b(?![<*])")
CODE = re.compile(r"`([^`]*)`")
BINDING_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.:]*")


class Row:
    def __init__(self, line, fields):
        self.line = line
        for k, v in zip(COLUMNS, fields):
            setattr(self, k, v)

    def c_names(self):
        """The C identifiers the C cell names in code spans, in order, once each."""
        seen = []
        for span in CODE.findall(self.c):
            for name in C_NAME.findall(span):
                if name not in seen:
                    seen.append(name)
        return seen

    def sources(self):
        return [s.strip() for s in self.source.split(",") if s.strip()]

    def binding(self, lang):
        """(entries, note) of a binding cell: 'a(x), b — note'."""
        return split_binding(getattr(self, lang))

    def page(self):
        if self.module == "-":
            return "core"
        if self.module == "threading" and any(s.startswith("src/sync/") for s in self.sources()):
            return "sync"
        return self.module


def split_binding(cell):
    text, _, note = cell.partition(NOTE.strip())
    entries, depth, cur = [], 0, ""
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            entries.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        entries.append(cur.strip())
    return entries, note.strip()


def binding_name(entry):
    """The name an entry stands for: `lock:acquire([timeout])` -> lock:acquire."""
    m = BINDING_NAME.match(entry)
    return m.group(0).rstrip(".:") if m else ""


def read_table(path=TABLE):
    rows, header = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if header is None:
                header = fields
                if header != COLUMNS:
                    sys.exit(f"{path}:{n}: the header must be: {' '.join(COLUMNS)}")
                continue
            if len(fields) != len(COLUMNS):
                sys.exit(f"{path}:{n}: {len(fields)} fields, {len(COLUMNS)} expected (tab-separated)")
            rows.append(Row(n, fields))
    return rows


def cell(text):
    return text.replace("|", "\\|") if text else "\u2014"


def binding_cell(row, lang):
    entries, note = row.binding(lang)
    text = ", ".join(f"`{e}`" for e in entries)
    if note:
        text = f"{text} ({note})" if text else note
    return cell(text)


def c_list(row):
    return cell(", ".join(f"`{n}`" for n in row.c_names()))


def render_module_page(page, anchor, title, intro, rows):
    out = [f"# Name map: {title} {{#{anchor}}}", "", GENERATED, "", intro, "",
           "| Python | C |", "|---|---|"]
    out += [f"| {cell(r.python)} | {cell(r.c)} |" for r in rows if r.page() == page]
    return "\n".join(out) + "\n"


def render_binding_page(lang, anchor, title, intro, rows):
    label = LANGUAGES[lang]
    out = [f"# Name map: {title} {{#{anchor}}}", "", GENERATED, "", intro]
    for page, _, section, _ in MODULE_PAGES:
        shown = [r for r in rows if r.page() == page and getattr(r, lang)]
        if not shown:
            continue
        out += ["", f"## {section}", "", f"| Python | {label} | C |", "|---|---|---|"]
        out += [f"| {cell(r.python)} | {binding_cell(r, lang)} | {c_list(r)} |" for r in shown]
    return "\n".join(out) + "\n"


def pages(rows):
    """{file name: text} of every page."""
    out = {}
    for page, anchor, title, intro in MODULE_PAGES:
        out[page + ".md"] = render_module_page(page, anchor, title, intro, rows)
    for name, anchor, lang, title, intro in BINDING_PAGES:
        out[name + ".md"] = render_binding_page(lang, anchor, title, intro, rows)
    return out


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        sys.exit(__doc__)
    rows = read_table()
    known = {p[0] for p in MODULE_PAGES}
    bad = [r for r in rows if r.page() not in known]
    for r in bad:
        print(f"names.tsv:{r.line}: module {r.module!r} has no page (add it to MODULE_PAGES in gen.py)")
    stale = []
    for name, text in pages(rows).items():
        path = os.path.join(HERE, name)
        old = open(path, encoding="utf-8").read() if os.path.exists(path) else None
        if old == text:
            continue
        if check:
            stale.append(name)
        else:
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            print(f"wrote docs/names/{name}")
    if stale:
        print("name map: docs/names/" + ", ".join(stale) + " differ from names.tsv: run docs/names/gen.py")
    if bad or stale:
        print("name map pages: 0 passed, 1 failed")
        return 1
    if check:
        print(f"name map pages: {len(rows)} rows, every page as generated")
        print("1 passed, 0 failed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

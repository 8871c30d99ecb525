#!/bin/sh
# usage: check_install.sh BUILD_DIR PREFIX SOURCE_DIR CC CMAKE PYTHON3 [GO] [LUA]
# Installs the build into PREFIX with `cmake --install` and uses every piece
# as a user would, from outside the source tree; a binding that was not built
# (or whose tool is missing) is skipped with a note.
set -eu
build=$1 prefix=$2 here=$3 cc=$4 cmake=$5 python=${6:-/usr/bin/python3} go=${7:-} lua=${8:-}
[ ! -d "$prefix.work" ] || chmod -R u+w "$prefix.work"   # (go leaves read-only files)
rm -rf "$prefix" "$prefix.work"
mkdir -p "$prefix.work"
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib* | head -n 1)
[ -f "$libdir/libweft.a" ] || libdir=$(dirname "$(find "$prefix" -name libweft.a | head -n 1)")
ok=0 skipped=""

# 1. pkg-config only, shared library. The .pc names the prefix relative to
# itself here (any prefix but /usr and /usr/local), so the flags point into
# PREFIX.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
case $(pkg-config --cflags weft) in
  "-I$libdir/pkgconfig/../../include"*|"-I$prefix/include"*) ;;
  *) echo "weft.pc gives $(pkg-config --cflags weft) for $prefix"; exit 1 ;;
esac
# shellcheck disable=SC2046
"$cc" -o "$prefix.work/consumer" "$here/consumer.c" $(pkg-config --cflags --libs weft)
LD_LIBRARY_PATH="$libdir" "$prefix.work/consumer"
ok=$((ok + 1))

# 1b. The spawn start method of the installed library runs the installed
# weft-worker, found beside the library (this prefix is not the configured
# one); the worker finds libweft by its RUNPATH, not by LD_LIBRARY_PATH.
# shellcheck disable=SC2046
"$cc" -o "$prefix.work/spawn_consumer" "$here/spawn_consumer.c" $(pkg-config --cflags --libs weft) \
  -Wl,-rpath,"$libdir"
env -u LD_LIBRARY_PATH -u WEFT_WORKER_EXECUTABLE "$prefix.work/spawn_consumer"
ok=$((ok + 1))

# 2. pkg-config, static library.
# shellcheck disable=SC2046
"$cc" -DWEFT_STATIC -o "$prefix.work/consumer_static" "$here/consumer.c" \
  $(pkg-config --cflags weft) "$libdir/libweft.a" $(pkg-config --libs-only-other --static weft) -lpthread -ldl -lm
"$prefix.work/consumer_static"
ok=$((ok + 1))

# 3. CMake's find_package(weft) giving weft::weft.
"$cmake" -S "$here/cmake_consumer" -B "$prefix.work/cmake" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
"$cmake" --build "$prefix.work/cmake" >/dev/null
LD_LIBRARY_PATH="$libdir" "$prefix.work/cmake/consumer"
ok=$((ok + 1))

# 4. Plain ctypes, no binding.
if [ -x "$python" ]; then
  WEFT_LIBRARY="$(ls "$libdir"/libweft.so.[0-9]* | head -n 1)" "$python" "$here/ctypes_check.py"
  ok=$((ok + 1))
fi

# 5. Installed to /usr (as the Debian package is): weft.pc names /usr itself,
# so pkg-config hands out no -I/usr/include or -L/usr/lib/... flags.
DESTDIR="$prefix.work/destdir" "$cmake" --install "$build" --prefix /usr --component Unspecified >/dev/null
pc=$(find "$prefix.work/destdir" -name weft.pc)
grep -qx 'prefix=/usr' "$pc" || { echo "weft.pc for /usr:"; cat "$pc"; exit 1; }
flags=$(echo $(PKG_CONFIG_PATH="$(dirname "$pc")" pkg-config --cflags --libs weft))
[ "$flags" = "-lweft" ] || { echo "weft.pc for /usr gives: $flags"; exit 1; }
ok=$((ok + 1))

# 6. The Python package, imported from the prefix.
pkg=$(find "$prefix" -path '*-packages/weft/__init__.py' | head -n 1)
if [ -n "$pkg" ] && [ -x "$python" ]; then
  (cd "$prefix.work" && PYTHONPATH=$(dirname "$(dirname "$pkg")") LD_LIBRARY_PATH="$libdir" \
    PYTHONDONTWRITEBYTECODE=1 "$python" "$here/consumer.py")
  ok=$((ok + 1))
else
  skipped="$skipped python"
fi

# 7. Lua: require "weft" through the installed module folders.
if [ -f "$prefix/share/lua/5.4/weft.lua" ] && [ -n "$lua" ]; then
  cmod=$(dirname "$(dirname "$(find "$prefix" -path '*/lua/5.4/weft/core.so' | head -n 1)")")
  (cd "$prefix.work" && LUA_PATH="$prefix/share/lua/5.4/?.lua;;" LUA_CPATH="$cmod/?.so;;" \
    LD_LIBRARY_PATH="$libdir" "$lua" "$here/consumer.lua")
  ok=$((ok + 1))
else
  skipped="$skipped lua"
fi

# 8. Go: a module outside the tree whose replace points at the installed
# weft.dev/weft; cgo finds libweft through the installed weft.pc.
gomod=$prefix/share/gocode/src/weft.dev/weft
if [ -f "$gomod/go.mod" ] && [ -n "$go" ]; then
  w=$prefix.work/goconsumer
  mkdir -p "$w"
  cp "$here/go_consumer/main.go" "$w/"
  printf 'module example.com/consumer\n\ngo 1.19\n\nrequire weft.dev/weft v1.1.0\n\nreplace weft.dev/weft => %s\n' \
    "$gomod" > "$w/go.mod"
  (cd "$w" && env GOFLAGS=-mod=mod GOPROXY=off GO111MODULE=on GOCACHE="$prefix.work/gocache" \
    GOPATH="$prefix.work/gopath" CGO_LDFLAGS="-Wl,-rpath,$libdir" "$go" build -o consumer . && ./consumer)
  # ... and GOPATH mode, as Debian's Go packages are used.
  mkdir -p "$prefix.work/gopath-mode/src/consumer"
  cp "$here/go_consumer/main.go" "$prefix.work/gopath-mode/src/consumer/"
  (cd "$prefix.work/gopath-mode/src/consumer" && env GO111MODULE=off GOPATH="$prefix.work/gopath-mode:$prefix/share/gocode" \
    GOCACHE="$prefix.work/gocache" CGO_LDFLAGS="-Wl,-rpath,$libdir" "$go" build -o consumer . && ./consumer)
  ok=$((ok + 1))
else
  skipped="$skipped go"
fi
echo "$ok passed, 0 failed${skipped:+ (skipped:$skipped)}"

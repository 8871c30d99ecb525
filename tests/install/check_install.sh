#!/bin/sh
# usage: check_install.sh BUILD_DIR PREFIX SOURCE_DIR CC CMAKE PYTHON3
set -eu
build=$1 prefix=$2 here=$3 cc=$4 cmake=$5 python=${6:-/usr/bin/python3}
rm -rf "$prefix" "$prefix.work"
mkdir -p "$prefix.work"
"$cmake" --install "$build" --prefix "$prefix" >/dev/null
libdir=$(ls -d "$prefix"/lib* | head -n 1)
[ -f "$libdir/libweft.a" ] || libdir=$(dirname "$(find "$prefix" -name libweft.a | head -n 1)")
ok=0

# 1. pkg-config only, shared library.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
# shellcheck disable=SC2046
"$cc" -o "$prefix.work/consumer" "$here/consumer.c" $(pkg-config --cflags --libs weft)
LD_LIBRARY_PATH="$libdir" "$prefix.work/consumer"
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
echo "$ok passed, 0 failed"

#!/bin/sh
# Writes the Debian symbols file for libweft1 from a built library: every
# exported symbol with its version node and the version that introduced it.
# usage: packaging/gen-symbols.sh BUILD_DIR > packaging/debian/libweft1.symbols
set -eu
lib=$(ls "${1:?usage: gen-symbols.sh BUILD_DIR}"/libweft.so.[0-9]* | head -n 1)
major=${lib##*.so.}
major=${major%%.*}
echo "libweft.so.$major libweft$major #MINVER#"
echo "* Build-Depends-Package: libweft-dev"
nm -D --defined-only "$lib" | awk '
  { split($3, a, "@"); name = a[1]; node = a[length(a)]
    if (name == node) { print " " name "@" node " 1.0.0"; next }
    if (node ~ /^WEFT_/) { v = substr(node, 6); if (v ~ /^[0-9]+\.[0-9]+$/) v = v ".0"; print " " name "@" node " " v } }' | sort

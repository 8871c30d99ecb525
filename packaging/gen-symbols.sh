#!/bin/sh
# Writes the Debian symbols file for libweft1 from a built library: every
# exported symbol with its version node and the version that introduced it.
# Symbols of the WEFT_EXPERIMENTAL node may change or go away in any release:
# they are tagged (optional), so that dpkg-gensymbols accepts their removal,
# and ask for the library's exact version, the one whose shape they have.
# usage: packaging/gen-symbols.sh BUILD_DIR > packaging/debian/libweft1.symbols
set -eu
lib=$(ls "${1:?usage: gen-symbols.sh BUILD_DIR}"/libweft.so.[0-9]* | head -n 1)
major=${lib##*.so.}
major=${major%%.*}
full=$(readlink -f "$lib")
full=${full##*.so.}
echo "libweft.so.$major libweft$major #MINVER#"
echo "* Build-Depends-Package: libweft-dev"
nm -D --defined-only "$lib" | awk -v full="$full" '
  { split($3, a, "@"); name = a[1]; node = a[length(a)]
    if (node == "WEFT_EXPERIMENTAL") { print " (optional)" name "@" node " " full; next }
    if (node ~ /^WEFT_/) { v = substr(node, 6); if (v ~ /^[0-9]+\.[0-9]+$/) v = v ".0"; print " " name "@" node " " v } }' | LC_ALL=C sort

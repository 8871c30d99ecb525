#!/bin/sh
# Experimental functions keep to their rules (docs/conventions.md): a name in
# the WEFT_EXPERIMENTAL node of the version script is declared with
# WEFT_EXPERIMENTAL_API, visible only when WEFT_ENABLE_EXPERIMENTAL is
# defined, and (given the library) exported in that node; a name of a stable
# node is declared with WEFT_API and never WEFT_EXPERIMENTAL_API; and the
# WEFT_EXPERIMENTAL node inherits no node and no node inherits it.
# usage: check_experimental.sh MAP HEADER_DIR [LIBRARY]
# (HEADER_DIR's headers are compiled with abi/include on the include path.)
set -u
map=$1
inc=$2
lib=${3:-}
top=$(cd "$(dirname "$0")/../.." && pwd)
fail=0
problem() { echo "experimental: $*"; fail=1; }

# "node name" for every name of the version script.
pairs=$(awk '/^[A-Za-z_][A-Za-z0-9_.]*[[:space:]]*\{/ { node = $1 }
             /^[[:space:]]*weft_[a-z0-9_]*;/ { sub(/;.*/, ""); gsub(/[[:space:]]/, ""); print node, $0 }' "$map")
experimental=$(printf '%s\n' "$pairs" | awk '$1 == "WEFT_EXPERIMENTAL" { print $2 }')
stable=$(printf '%s\n' "$pairs" | awk 'NF == 2 && $1 != "WEFT_EXPERIMENTAL" { print $2 }')

grep -Eq '\}[[:space:]]*WEFT_EXPERIMENTAL[[:space:]]*;' "$map" && problem "a node of $map inherits WEFT_EXPERIMENTAL"
awk '/^WEFT_EXPERIMENTAL[[:space:]]*\{/ { inside = 1 } inside && /\}/ { print; exit }' "$map" |
  grep -Eq '^[[:space:]]*\}[[:space:]]*;' || problem "the WEFT_EXPERIMENTAL node of $map is missing or inherits a node"

declared() { grep -rEq "$1[^;]*[^a-z0-9_]$2[[:space:]]*\(" "$inc"; }
for name in $experimental; do
  declared WEFT_EXPERIMENTAL_API "$name" || problem "$name is in WEFT_EXPERIMENTAL but not declared with WEFT_EXPERIMENTAL_API"
  declared WEFT_API "$name" && problem "$name is in WEFT_EXPERIMENTAL but declared with WEFT_API"
done
for name in $stable; do
  declared WEFT_API "$name" || problem "$name is in a stable node but not declared with WEFT_API"
  declared WEFT_EXPERIMENTAL_API "$name" && problem "$name is in a stable node but declared with WEFT_EXPERIMENTAL_API"
done

# Without WEFT_ENABLE_EXPERIMENTAL the headers hide every experimental name.
includes=$(find "$inc" -name '*.h' | sort | sed 's/.*/#include "&"/')
cpp() { printf '%s\n' "$includes" | ${CC:-cc} -E -P -x c -I "$inc" -I "$top/abi/include" "$@" - ; }
hidden=$(cpp) || problem "the headers of $inc do not compile"
shown=$(cpp -DWEFT_ENABLE_EXPERIMENTAL) || problem "the headers of $inc do not compile with WEFT_ENABLE_EXPERIMENTAL"
for name in $experimental; do
  printf '%s\n' "$hidden" | grep -qw "$name" && problem "$name is declared without WEFT_ENABLE_EXPERIMENTAL"
  printf '%s\n' "$shown" | grep -qw "$name" || problem "$name is not declared with WEFT_ENABLE_EXPERIMENTAL"
done

if [ -n "$lib" ]; then
  exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" { print $3 }')
  for name in $experimental; do
    printf '%s\n' "$exported" | grep -qx "$name@@WEFT_EXPERIMENTAL" ||
      problem "$name is not exported as $name@@WEFT_EXPERIMENTAL by $lib"
  done
fi

count=$(printf '%s\n' "$experimental" | grep -c .)
if [ $fail -ne 0 ]; then
  echo "experimental: 0 passed, 1 failed"
  exit 1
fi
echo "experimental: $count experimental functions, the rules hold in $map"
echo "1 passed, 0 failed"

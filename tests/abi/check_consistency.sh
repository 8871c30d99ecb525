#!/bin/sh
# The ABI's consistency, checked on the built library (as curl's tests 1119,
# 1139 and 1167 check curl's): every exported symbol has the weft_ prefix, a
# version node, a WEFT_API declaration in a public header, a row in the name
# map under docs/names/, and a Criterion suite that names it; and every name
# in abi/weft.map is exported; experimental functions keep to their node and
# macro (check_experimental.sh); and the Debian symbols file is current.
# usage: check_consistency.sh SOURCE_DIR LIBWEFT_SO
set -u
src=$1
lib=$2
fail=0
problem() { echo "ABI consistency: $*"; fail=1; }

exported=$(nm -D --defined-only "$lib" | awk '$2 == "T" || $2 == "D" || $2 == "B" || $2 == "R" { print $3 }')
[ -n "$exported" ] || { echo "ABI consistency: $lib exports nothing"; exit 1; }

count=0
for sym in $exported; do
  name=${sym%%@*}
  count=$((count + 1))
  case $name in
    weft_*) ;;
    *) problem "$name is exported without the weft_ prefix"; continue ;;
  esac
  case $sym in
    *@@WEFT_*|*@WEFT_*) ;;
    *) problem "$name has no version node" ;;
  esac
  grep -Eq "^[[:space:]]*$name;" "$src/abi/weft.map" || problem "$name is not in abi/weft.map"
  grep -rEq "WEFT_(EXPERIMENTAL_)?API[^;]*[^a-z0-9_]$name[[:space:]]*\(" "$src/abi/include" ||
    problem "$name has no WEFT_API (or WEFT_EXPERIMENTAL_API) declaration in abi/include"
  grep -rqw "$name" "$src/docs/names" || problem "$name is not in the name map (docs/names)"
  find "$src/tests" -name 'test_*.c' -exec grep -lw "$name" {} + >/dev/null 2>&1 ||
    problem "$name is named by no Criterion suite (tests/*/test_*.c)"
done

for name in $(sed -n 's/^[[:space:]]*\(weft_[a-z0-9_]*\);.*/\1/p' "$src/abi/weft.map"); do
  printf '%s\n' "$exported" | grep -q "^$name@" || problem "$name is in abi/weft.map but not exported"
done

# Experimental functions sit in their own node, declared as such.
experimental=$(sh "$src/tests/abi/check_experimental.sh" "$src/abi/weft.map" "$src/abi/include" "$lib") ||
  problem "$(printf '%s\n' "$experimental" | grep -v ' passed, ')"

# The Debian symbols file lists exactly what the library exports.
if ! sh "$src/packaging/gen-symbols.sh" "$(dirname "$lib")" | cmp -s - "$src/packaging/debian/libweft1.symbols"; then
  problem "packaging/debian/libweft1.symbols is not current: run packaging/gen-symbols.sh BUILD_DIR > packaging/debian/libweft1.symbols"
fi

if [ $fail -ne 0 ]; then
  echo "ABI consistency: 0 passed, 1 failed"
  exit 1
fi
echo "ABI consistency: $count exported symbols checked"
echo "1 passed, 0 failed"

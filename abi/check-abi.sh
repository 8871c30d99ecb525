#!/bin/sh
# Compares a built libweft with the released ABI baseline abi/weft.abi
# (libabigail). Added functions are fine; a removed or changed function or
# type fails. With --update, writes the baseline from the built library
# instead (do that only when releasing a new ABI version).
# usage: abi/check-abi.sh [--update] BUILD_DIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = "--update" ]; then update=1; shift; fi
build=${1:?usage: check-abi.sh [--update] BUILD_DIR}
lib=$(ls "$build"/libweft.so.[0-9]* 2>/dev/null | head -n 1)
[ -n "$lib" ] || { echo "check-abi: no libweft.so.N in $build"; exit 2; }

if [ $update -eq 1 ]; then
  abidw --no-corpus-path --no-show-locs --headers-dir "$here/include" --out-file "$here/weft.abi" "$lib"
  echo "check-abi: baseline written to abi/weft.abi from $lib"
  exit 0
fi

set +e
abidiff --no-show-locs --headers-dir2 "$here/include" "$here/weft.abi" "$lib"
rc=$?
set -e
# abidiff's exit status is a bit field: 1 error, 2 usage error, 4 ABI change
# (additions are changes too), 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then echo "check-abi: abidiff failed to run ($rc)"; exit 1; fi
if [ $((rc & 8)) -ne 0 ]; then echo "check-abi: incompatible ABI change against abi/weft.abi"; exit 1; fi
if [ $((rc & 4)) -ne 0 ]; then echo "check-abi: compatible additions only"; fi
echo "check-abi: compatible with abi/weft.abi"

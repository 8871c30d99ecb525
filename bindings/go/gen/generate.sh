#!/bin/sh
# Writes the generated files of the Go module weft.dev/weft: the SWIG layer
# internal/cweft/{weft.go,weft_wrap.c} from bindings/weft.i, and
# status_gen.go from the status table of weft/status.h. `go generate` in
# bindings/go runs it (generate.go), and so does the CMake build on its copy
# of the module; the installed module (golang-weft-dev, `cmake --install`)
# carries the generated files, so only a source checkout needs it.
#
# usage: gen/generate.sh [MODULE_DIR]
# Environment: SWIG (swig), CC (cc), WEFT_INCLUDE (the folder holding weft.h:
# the checkout's abi/include, else pkg-config's), WEFT_GO_BITS (the target's
# pointer size in bits: getconf LONG_BIT).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
mod=${1:-$here/..}
bindings=$(cd "$here/../.." && pwd)
if [ -z "${WEFT_INCLUDE:-}" ]; then
  if [ -f "$bindings/../abi/include/weft.h" ]; then
    WEFT_INCLUDE=$bindings/../abi/include
  else
    WEFT_INCLUDE=$(pkg-config --variable=includedir weft)
  fi
fi
bits=${WEFT_GO_BITS:-$(getconf LONG_BIT)}
mkdir -p "$mod/internal/cweft"
# SWIGWORDSIZE64 makes SWIG's stdint.i read intptr_t and int64_t as long,
# as LP64 C does, so `const intptr_t *` reaches C as itself.
"${SWIG:-swig}" -go -cgo -intgosize "$bits" "-DSWIGWORDSIZE$bits" -package cweft \
  -I"$bindings" -I"$WEFT_INCLUDE" \
  -o "$mod/internal/cweft/weft_wrap.c" -outdir "$mod/internal/cweft" "$bindings/weft.i"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${CC:-cc}" -I"$WEFT_INCLUDE" -o "$tmp/gen_status" "$here/gen_status.c"
"$tmp/gen_status" "$mod/status_gen.go"

#!/bin/sh
# Every name of the Python modules weft covers (tests/abi/python-names.txt,
# taken from Python's "Concurrent Execution" chapter) appears in the name map
# page of its module under docs/names/, which says which C function, constant
# or status stands for it.
# usage: check_names.sh SOURCE_DIR
set -u
src=$1
TMPDIR_NAMES=$(mktemp -d)
trap 'rm -rf "$TMPDIR_NAMES"' EXIT
: > "$TMPDIR_NAMES/fail"
: > "$TMPDIR_NAMES/count"
pages_of() {
  case $1 in
    threading) echo "threading.md sync.md" ;;
    *) echo "$1.md" ;;
  esac
}
grep -v '^#' "$src/tests/abi/python-names.txt" | while IFS=: read -r module names; do
  files=""
  for p in $(pages_of "$module"); do files="$files $src/docs/names/$p"; done
  for f in $files; do
    [ -f "$f" ] || { echo "name map: $f is missing for $module"; echo fail >> "$TMPDIR_NAMES/fail"; }
  done
  for n in $names; do
    # shellcheck disable=SC2086
    grep -Fq -- "$n" $files 2>/dev/null || { echo "name map: $module.$n is not in docs/names/$(pages_of "$module")"; echo fail >> "$TMPDIR_NAMES/fail"; }
    echo x >> "$TMPDIR_NAMES/count"
  done
done

count=$(wc -l < "$TMPDIR_NAMES/count")
if [ -s "$TMPDIR_NAMES/fail" ]; then
  echo "name map: 0 passed, 1 failed ($(wc -l < "$TMPDIR_NAMES/fail") names missing of $count)"
  exit 1
fi
echo "name map: all $count names of the covered modules are mapped"
echo "1 passed, 0 failed"

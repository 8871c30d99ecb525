#!/bin/sh
# usage: check_pip.sh BUILD_DIR WORK SOURCE_DIR CMAKE PYTHON3
# The Python binding as `pip install .` builds it: libweft installed into a
# scratch prefix (library, headers, weft.pc), a fresh venv that sees Debian's
# setuptools and wheel, `pip install --no-build-isolation --no-index` of a
# copy of the binding's source, then a program run with the venv's python
# from outside any source tree.
set -eu
build=$1 work=$2 top=$3 cmake=$4 python=$5
rm -rf "$work"
mkdir -p "$work/src"
for c in Unspecified dev; do
  "$cmake" --install "$build" --prefix "$work/prefix" --component "$c" >/dev/null
done
# A copy, so that setuptools' build folders stay out of the checkout.
cp -r "$top/CMakeLists.txt" "$top/bindings" "$work/src/"
rm -rf "$work/src/bindings/python/build" "$work/src/bindings/python/"*.egg-info
"$python" -m venv --system-site-packages "$work/venv"
# (-O0: the test is about building and installing, and SWIG's wrapper is
# large; a real install keeps setuptools' -O2.)
CFLAGS="-O0 -g0" PKG_CONFIG_PATH=$(dirname "$(find "$work/prefix" -name weft.pc)") \
  "$work/venv/bin/pip" install -q --no-build-isolation --no-index "$work/src/bindings/python"
cd "$work"
PYTHONDONTWRITEBYTECODE=1 "$work/venv/bin/python" "$top/tests/install/consumer.py" | tee "$work/out"
grep -q "from $work/venv/lib/" "$work/out"
# The installed stubs (py.typed): a program typed against the standard
# modules' types checks with mypy against them, and runs.
if command -v mypy >/dev/null; then
  cp "$top/bindings/python/tests/typed_client.py" "$work/"
  mypy --strict --no-incremental --cache-dir=/dev/null --python-executable "$work/venv/bin/python" "$work/typed_client.py"
  PYTHONDONTWRITEBYTECODE=1 "$work/venv/bin/python" "$work/typed_client.py" >/dev/null
fi

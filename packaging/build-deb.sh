#!/bin/sh
# Builds libweft1 and libweft-dev from this checkout: copies the tree to a
# scratch folder with packaging/debian as debian/ and runs dpkg-buildpackage.
# usage: packaging/build-deb.sh [OUT_DIR]   (needs debhelper and dpkg-dev)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
rm -rf "$out"
mkdir -p "$out/weft-1.1.0"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$out/weft-1.1.0")
cp -r "$top/packaging/debian" "$out/weft-1.1.0/debian"
cd "$out/weft-1.1.0"
dpkg-buildpackage -us -uc -b
ls -1 "$out"/*.deb

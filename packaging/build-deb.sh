#!/bin/sh
# Builds the Debian source package and every binary package (libweft1,
# libweft-dev, python3-weft, lua-weft, golang-weft-dev, weft-doc) from this
# checkout: the committed tree (git ls-files) becomes the upstream tarball
# weft_VERSION.orig.tar.gz, packaging/debian becomes debian/, and
# dpkg-buildpackage builds the lot unsigned.
# usage: packaging/build-deb.sh [OUT_DIR]
# (needs the Build-Depends of packaging/debian/control: install-deps.sh
# installs them; DEB_BUILD_OPTIONS=nocheck skips the C suites.)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
version=$(sed -n '1s/^weft (\([^-)]*\)-.*/\1/p' "$top/packaging/debian/changelog")
rm -rf "$out"
mkdir -p "$out/weft-$version"
out=$(cd "$out" && pwd) # the build below runs in another directory
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$out/weft-$version")
# The upstream tarball, reproducible from the same commit.
(cd "$out" && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
  -czf "weft_$version.orig.tar.gz" "weft-$version")
cp -r "$top/packaging/debian" "$out/weft-$version/debian"
cd "$out/weft-$version"
dpkg-buildpackage -us -uc
ls -1 "$out"/*.deb "$out"/*.dsc

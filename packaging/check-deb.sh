#!/bin/sh
# Builds every Debian package (build-deb.sh), runs lintian at --pedantic on
# the source and binary packages (any error or warning fails; pedantic and
# info tags are printed), installs the .debs with apt-get, runs the
# autopkgtests (debian/tests) against them on this machine, and purges
# them again, whatever the tests said. Needs root (apt-get).
# usage: packaging/check-deb.sh [OUT_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/build-deb}
sh "$top/packaging/build-deb.sh" "$out"
out=$(cd "$out" && pwd)
cd "$out"
changes=$(ls weft_*_"$(dpkg --print-architecture)".changes)

echo "== lintian --pedantic (errors and warnings fail)"
lintian --pedantic --info --tag-display-limit 0 --fail-on error,warning "$changes"

echo "== autopkgtest against the installed packages"
pkgs=$(sed -n 's/^Package: //p' "$top/packaging/debian/control" | tr '\n' ' ')
debs=$(ls ./*.deb | grep -v -- '-dbgsym_')
as_root=""
[ "$(id -u)" -eq 0 ] || as_root=sudo
purge() {
  # shellcheck disable=SC2086
  $as_root env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq $pkgs >/dev/null
}
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $debs >/dev/null
trap purge EXIT
# -B: no build, the packages under test are the installed ones; null: this
# machine is the testbed.
$as_root autopkgtest -B "$(ls weft_*.dsc)" -- null

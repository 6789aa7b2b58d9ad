#!/bin/bash
# packaging/build-deb.sh [OUTDIR] -- build the Debian packages (mamori,
# mamori-dev) from this checkout with dpkg-buildpackage -us -uc -b.
#
# The checkout's files (tracked and untracked, not ignored) are copied to
# OUTDIR/src, packaging/debian is linked there as debian/, and the build
# runs in that copy, so a source tree configured in place (or shared with
# other builds) is never touched. The .deb files land in OUTDIR (default
# build-deb/). Build dependencies: apt-get build-dep is not needed; the
# list is packaging/debian/control's Build-Depends (packaging/deps.sh
# installs them in CI). DEB_BUILD_OPTIONS is passed through (nocheck skips
# `make check` inside the package build, parallel=N sets the jobs).
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=$(mkdir -p "${1:-$TOP/build-deb}" && cd "${1:-$TOP/build-deb}" && pwd)
SRC="$OUT/src"

rm -rf "$SRC" "$OUT"/*.deb "$OUT"/*.buildinfo "$OUT"/*.changes
mkdir -p "$SRC"
cd "$TOP"
git ls-files -z --cached --others --exclude-standard | grep -zvE '^(debian$|build-tests/|build-deb/|\.quickstart/)' |
    xargs -0 cp --parents -P -t "$SRC" 2>/dev/null || true
# Files git knows but that are gone from the work tree are skipped above.
ln -sfn packaging/debian "$SRC/debian"
chmod +x "$SRC/packaging/debian/rules"
cd "$SRC"
: "${DEB_BUILD_OPTIONS:=parallel=$(nproc)}"
export DEB_BUILD_OPTIONS
dpkg-buildpackage -us -uc -b
mv "$OUT"/src/../*.deb "$OUT"/ 2>/dev/null || true
ls -l "$OUT"/*.deb

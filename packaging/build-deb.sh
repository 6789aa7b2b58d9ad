#!/bin/bash
# packaging/build-deb.sh -- build the Debian packages (mamori, mamori-dev)
# from this checkout with dpkg-buildpackage -us -uc -b. See --help.
#
# The checkout's files (tracked and untracked, not ignored) are copied to
# OUTDIR/src, packaging/debian is linked there as debian/, and the build
# runs in that copy, so a source tree configured in place (or shared with
# other builds) is never touched. The build dependencies are installed
# first (packaging/deps.sh: packaging/debian/control's Build-Depends plus
# dpkg-dev and debhelper). DEB_BUILD_OPTIONS is passed through.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/packaging/deps.sh"

usage() {
    cat <<USAGE
Usage: packaging/build-deb.sh [--nocheck] [--no-deps] [--dry-run] [OUTDIR]
Build the Debian packages mamori and mamori-dev from this checkout.

The .deb files land in OUTDIR (default: build-deb/ in the checkout, i.e.
$TOP/build-deb); the script ends by printing the apt-get install command
with their full path.

The build runs mamori's whole test suite (make check inside the package
build; about 3 minutes on 2 cores). To skip it:
  packaging/build-deb.sh --nocheck            or, the Debian way,
  DEB_BUILD_OPTIONS=nocheck packaging/build-deb.sh
(nocheck also leaves out the build dependencies only the tests need:
nginx, curl, openssl, python3, procps).

  --nocheck   do not run the test suite (adds nocheck to DEB_BUILD_OPTIONS
              and DEB_BUILD_PROFILES)
  --no-deps   do not install missing build dependencies (the build then
              stops if one is missing)
  -n, --dry-run
              print what would be installed and run, and where the
              packages would land; change nothing
  -h, --help  print this help

Missing build dependencies are installed with apt-get (as root; otherwise
the command to run is printed and the script stops). DEB_BUILD_OPTIONS is
passed through (default parallel=\$(nproc)).
USAGE
}

dry=0 deps=1 nocheck=0 outarg=""
while [ $# -gt 0 ]; do
    case "$1" in
    -h | --help) usage; exit 0 ;;
    -n | --dry-run) dry=1 ;;
    --nocheck) nocheck=1 ;;
    --no-deps) deps=0 ;;
    -*) echo "build-deb.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) [ -z "$outarg" ] || { echo "build-deb.sh: one OUTDIR only (see --help)" >&2; exit 2; }
       outarg=$1 ;;
    esac
    shift
done

: "${DEB_BUILD_OPTIONS:=parallel=$(nproc)}"
[ $nocheck = 1 ] && DEB_BUILD_OPTIONS="nocheck $DEB_BUILD_OPTIONS"
case " $DEB_BUILD_OPTIONS " in *" nocheck "*) nocheck=1 ;; esac
if [ $nocheck = 1 ]; then
    case " ${DEB_BUILD_PROFILES:-} " in *" nocheck "*) ;; *) DEB_BUILD_PROFILES="nocheck${DEB_BUILD_PROFILES:+ $DEB_BUILD_PROFILES}" ;; esac
    export DEB_BUILD_PROFILES
fi
export DEB_BUILD_OPTIONS

CONTROL="$TOP/packaging/debian/control"
mapfile -t need < <({ echo $MAMORI_DEB_TOOLS | tr ' ' '\n'
    mamori_deb_build_deps "$CONTROL" "$([ $nocheck = 1 ] && echo nocheck)"; } | awk '!seen[$0]++')
mapfile -t missing < <(mamori_missing_deps "${need[@]}")
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$TOP/packaging/debian/changelog")
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
if [ $dry = 1 ]; then
    OUT=$(realpath -m "${outarg:-$TOP/build-deb}")   # as mkdir below: relative to the current directory
else
    OUT=$(mkdir -p "${outarg:-$TOP/build-deb}" && cd "${outarg:-$TOP/build-deb}" && pwd)
fi
DEB="$OUT/mamori_${version}_${arch}.deb"
DEVDEB="$OUT/mamori-dev_${version}_${arch}.deb"

if [ $nocheck = 1 ]; then
    echo "==> the test suite is skipped (nocheck)"
else
    echo "==> the build runs the test suite (make check, about 3 minutes on 2 cores);"
    echo "    skip it with --nocheck or DEB_BUILD_OPTIONS=nocheck"
fi
if [ ${#missing[@]} -gt 0 ]; then
    echo "==> build dependencies missing: ${missing[*]}"
else
    echo "==> build dependencies: all installed"
fi
if [ $dry = 1 ]; then
    [ ${#missing[@]} -gt 0 ] && [ $deps = 1 ] && echo "would run: apt-get install ${missing[*]}"
    echo "would run: DEB_BUILD_OPTIONS='$DEB_BUILD_OPTIONS'${DEB_BUILD_PROFILES:+ DEB_BUILD_PROFILES='$DEB_BUILD_PROFILES'} dpkg-buildpackage -us -uc -b (in $OUT/src)"
    echo "would write: $DEB"
    echo "             $DEVDEB"
    echo "then install with: apt-get install $DEB"
    exit 0
fi
if [ ${#missing[@]} -gt 0 ]; then
    [ $deps = 1 ] || { echo "build-deb.sh: --no-deps: install them first: apt-get install ${missing[*]}" >&2; exit 1; }
    mamori_install_deps "${missing[@]}" || exit 1
fi

SRC="$OUT/src"
rm -rf "$SRC" "$OUT"/*.deb "$OUT"/*.buildinfo "$OUT"/*.changes
mkdir -p "$SRC"
cd "$TOP"
if command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files -z --cached --others --exclude-standard | grep -zvE '^(debian$|build-tests/|build-deb/|\.quickstart/)' |
        xargs -0 cp --parents -P -t "$SRC" 2>/dev/null || true
    # Files git knows but that are gone from the work tree are skipped above.
else
    # Not a git checkout (an unpacked tarball, a copy; or git is not
    # installed): everything but the build outputs and OUTDIR itself.
    tar -cf - --exclude=./.git --exclude=./debian --exclude=./build-tests --exclude=./build-deb \
        --exclude=./.quickstart --exclude="./${OUT#"$TOP"/}" . | tar -xf - -C "$SRC"
fi
ln -sfn packaging/debian "$SRC/debian"
chmod +x "$SRC/packaging/debian/rules"
cd "$SRC"
dpkg-buildpackage -us -uc -b
mv "$OUT"/src/../*.deb "$OUT"/ 2>/dev/null || true
ls -l "$OUT"/*.deb
echo "==> built $DEB"
echo "    install it (as root) with:"
echo "    apt-get install $DEB"
echo "    (mamori-dev, only to build plugins: apt-get install $DEVDEB)"

#!/bin/bash
# packaging/ci-deb.sh STEP OUTDIR -- the Debian package steps of
# packaging/run-tests.sh, one per call (each is one pass or failure there;
# smoke prints TAP and every assertion counts). As root.
#
#   build     packaging/build-deb.sh OUTDIR (DEB_BUILD_OPTIONS=nocheck: the
#             same tests already ran in the release suite)
#   lintian   lintian on the .changes: fails on any error or warning that
#             packaging/debian/*.lintian-overrides does not explain
#   install   apt-get install ./mamori_*.deb ./mamori-dev_*.deb (a previous
#             install is purged first)
#   smoke     packaging/debian/tests/smoke against the installed files
#   reload    packaging/reload-load.sh sighup
#   upgrade   packaging/reload-load.sh upgrade with the same package
#             re-versioned +ci1 (a newer version for dpkg)
#   purge     apt-get purge: the store and secrets go, nothing else is left
set -uo pipefail
STEP=${1:?step}
OUT=${2:?outdir}
TOP=$(cd "$(dirname "$0")/.." && pwd)
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o DPkg::Lock::Timeout=600"

case "$STEP" in
build)
    DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" "$TOP/packaging/build-deb.sh" "$OUT" ;;
lintian)
    lintian --fail-on error,warning --display-info "$OUT"/mamori_*.changes ;;
install)
    if dpkg-query -W -f='${Status}' mamori 2>/dev/null | grep -q installed; then
        $APT purge mamori mamori-dev || exit 1
    fi
    deb=$(ls "$OUT"/mamori_*_*.deb | grep -v '+ci' | head -1)
    dev=$(ls "$OUT"/mamori-dev_*_*.deb | head -1)
    $APT install "$deb" "$dev" && dpkg-query -W -f='${Version}\n' mamori ;;
smoke)
    bash "$TOP/packaging/debian/tests/smoke" ;;
reload)
    "$TOP/packaging/reload-load.sh" sighup ;;
upgrade)
    deb=$(ls "$OUT"/mamori_*_*.deb | grep -v '+ci' | head -1)
    rm -rf "$OUT/repack" && dpkg-deb -R "$deb" "$OUT/repack" || exit 1
    ver=$(sed -n 's/^Version: //p' "$OUT/repack/DEBIAN/control")
    sed -i "s/^Version: .*/Version: $ver+ci1/" "$OUT/repack/DEBIAN/control"
    newer="$OUT/mamori_${ver}+ci1_$(dpkg --print-architecture).deb"
    dpkg-deb -b "$OUT/repack" "$newer" >/dev/null || exit 1
    "$TOP/packaging/reload-load.sh" upgrade "$newer" || exit 1
    [ "$(dpkg-query -W -f='${Version}' mamori)" = "$ver+ci1" ] && echo "upgraded to $ver+ci1" ;;
purge)
    $APT purge mamori mamori-dev || exit 1
    for p in /var/lib/mamori /etc/mamori /usr/sbin/mamori-fcgi /lib/systemd/system/mamori.service; do
        [ -e "$p" ] && { echo "left after purge: $p"; exit 1; }
    done
    echo "purged: nothing left" ;;
*) echo "ci-deb.sh: unknown step $STEP"; exit 2 ;;
esac

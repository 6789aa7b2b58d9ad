#!/bin/bash
# The administrator's first hour on a fresh Debian 12 machine (issue 15,
# "Done when"): debootstrap bookworm from Debian's mirror into a directory,
# then inside it (systemd-nspawn, else unshare + chroot):
#   packaging/build-deb.sh --nocheck (installing its own build
#   dependencies), apt-get install of the .deb, one tenant per helpdesk from
#   the installed docs (helpdesks.md, mamori-tenant(5)), `mamori-fcgi -t` as
#   root, then started as packaging/README.md says for a container --
#   healthy through nginx, every tenant loaded, the store owned by mamori.
# The steps inside are tests/packaging/fresh_container_inside.sh.
#
# Not in `make check` (root, the network, minutes): `make
# check-fresh-container`; packaging/run-tests.sh runs it as its own step.
# Nothing is cached between runs. Environment:
#   MAMORI_FRESH_DEBS=DIR   install DIR's mamori_*.deb instead of running
#                           build-deb.sh inside (CI: the package its Debian
#                           step built from the same checkout)
#   MAMORI_DEBIAN_MIRROR    default http://deb.debian.org/debian
#   MAMORI_FRESH_RUNNER     nspawn or unshare (default: nspawn if it works)
#   MAMORI_FRESH_DEB_OUT=DIR  copy what build-deb.sh made inside (.deb,
#                           .changes, .buildinfo) to DIR: CI's Debian package
#                           steps (lintian, install, smoke, upgrade) test the
#                           package built in the fresh container instead of
#                           building it a second time on the host
#   MAMORI_FRESH_KEEP=1     keep the container directory (its path is printed)
set -u
: "${top_srcdir:?run through make check-fresh-container}"
SRC=$(cd "$top_srcdir" && pwd)
MIRROR=${MAMORI_DEBIAN_MIRROR:-http://deb.debian.org/debian}
N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
finish() { echo "1..$N"; exit $(( FAILED > 0 )); }

[ "$(id -u)" = 0 ] || skip_all "needs root (debootstrap, a container)"
command -v debootstrap >/dev/null || skip_all "debootstrap not installed (apt-get install debootstrap systemd-container)"

ROOT=$(mktemp -d /var/tmp/mamori-fresh.XXXXXX)
cleanup() {
    for m in "$ROOT/run" "$ROOT/dev/pts" "$ROOT/dev" "$ROOT/proc" "$ROOT/sys"; do
        mountpoint -q "$m" 2>/dev/null && umount -l "$m"
    done
    if [ "${MAMORI_FRESH_KEEP:-0}" = 1 ]; then echo "# kept: $ROOT"; else rm -rf --one-file-system "$ROOT"; fi
}
trap cleanup EXIT
t0=$(date +%s)
t_step=$t0
took() { echo "# time: $1 $(( $(date +%s) - t_step )) s"; t_step=$(date +%s); }

# ---- a fresh Debian 12 -------------------------------------------------------
debootstrap --variant=minbase bookworm "$ROOT/fs" "$MIRROR" > "$ROOT/debootstrap.log" 2>&1
rc=$?
ok $rc "debootstrap --variant=minbase bookworm from $MIRROR"
[ $rc -eq 0 ] || { tail -n 20 "$ROOT/debootstrap.log" | sed 's/^/# /'; finish; }
took debootstrap
FS=$ROOT/fs
cp /etc/resolv.conf "$FS/etc/resolv.conf" 2>/dev/null

# The checkout's files as build-deb.sh copies them (tracked and untracked,
# not ignored), without .git: a checkout or an unpacked tarball.
mkdir -p "$FS/src/mamori" "$FS/debs"
if git -C "$SRC" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$SRC" && git ls-files -z --cached --others --exclude-standard |
        grep -zvE '^(debian$|build-tests/|build-deb/|\.quickstart/)' |
        xargs -0 cp --parents -P -t "$FS/src/mamori" 2>/dev/null)
else
    (cd "$SRC" && tar -cf - --exclude=./build-tests --exclude=./build-deb --exclude=./.quickstart .) |
        tar -xf - -C "$FS/src/mamori"
fi
[ -x "$FS/src/mamori/packaging/build-deb.sh" ]; ok $? "the checkout copied into the container (no .git)"
if [ -n "${MAMORI_FRESH_DEBS:-}" ]; then
    cp "$MAMORI_FRESH_DEBS"/mamori_*_*.deb "$FS/debs/" 2>/dev/null
    rm -f "$FS"/debs/*+ci*.deb
    ls "$FS"/debs/mamori_*.deb >/dev/null 2>&1; ok $? "the package from $MAMORI_FRESH_DEBS"
fi
install -m 0755 "$SRC/tests/packaging/fresh_container_inside.sh" "$FS/root/inside.sh"

# ---- how to run inside -------------------------------------------------------
# ct_run NET PHASE: the inside script's PHASE; NET=net shares the host's
# network (apt), NET=none has loopback only (nginx on 127.0.0.1:8080 cannot
# collide with the host's).
nspawn_run() {
    local net=()
    [ "$1" = none ] && net=(--private-network)
    systemd-nspawn -q --register=no --keep-unit --as-pid2 --resolv-conf=copy-host "${net[@]}" -D "$FS" \
        --setenv=MAMORI_TEST_START_TIMEOUT="${MAMORI_TEST_START_TIMEOUT:-120}" bash /root/inside.sh "$2"
}
unshare_run() {
    local flags=(--mount --pid --fork --uts --ipc)
    [ "$1" = none ] && flags+=(--net)
    unshare "${flags[@]}" sh -c '
        FS=$1; shift
        [ "$NET" = none ] && { ip link set lo up || exit 1; }
        mount --make-rprivate / &&
        mount -t proc proc "$FS/proc" && mount --rbind /dev "$FS/dev" && mount -t tmpfs tmpfs "$FS/run" &&
        exec chroot "$FS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
            MAMORI_TEST_START_TIMEOUT="$TIMEOUT" bash /root/inside.sh "$@"' sh "$FS" "$2"
}
RUNNER=${MAMORI_FRESH_RUNNER:-}
if [ -z "$RUNNER" ]; then
    if command -v systemd-nspawn >/dev/null &&
        systemd-nspawn -q --register=no --keep-unit --as-pid2 --private-network -D "$FS" true >"$ROOT/nspawn-probe.log" 2>&1; then
        RUNNER=nspawn
    else
        echo "# systemd-nspawn cannot run here ($(head -c 300 "$ROOT/nspawn-probe.log" 2>/dev/null | tr '\n' ' ')); unshare + chroot"
        RUNNER=unshare
    fi
fi
echo "# container: $RUNNER in $FS"
# inside NET PHASE: run it, number its "ok"/"not ok" lines, pass "#" lines on.
inside() {
    local line
    while IFS= read -r line; do
        case "$line" in
        "ok - "*) ok 0 "${line#ok - }" ;;
        "not ok - "*) ok 1 "${line#not ok - }" ;;
        "#"*) echo "$line" ;;
        *) echo "# $line" ;;
        esac
    done < <(if [ "$RUNNER" = nspawn ]; then nspawn_run "$@"; else NET=$1 TIMEOUT=${MAMORI_TEST_START_TIMEOUT:-120} unshare_run "$@"; fi 2>&1)
}

before=$FAILED
inside net install
took "inside: install"
if [ -n "${MAMORI_FRESH_DEB_OUT:-}" ] && [ -z "${MAMORI_FRESH_DEBS:-}" ]; then
    mkdir -p "$MAMORI_FRESH_DEB_OUT" &&
        find "$FS/root/debs" -maxdepth 1 -type f -exec cp -t "$MAMORI_FRESH_DEB_OUT" {} +
    ls "$MAMORI_FRESH_DEB_OUT"/mamori_*.changes >/dev/null 2>&1
    ok $? "the package built inside is copied out to $MAMORI_FRESH_DEB_OUT"
fi
[ $FAILED -eq $before ] || finish
inside none run
took "inside: run"
echo "# time: total $(( $(date +%s) - t0 )) s"
finish

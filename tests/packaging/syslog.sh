#!/bin/bash
# [server] syslog = yes: the same key=value lines (without ts and pid, which
# syslog adds) go to syslog, with the request id. Runs in a private mount
# namespace where /dev/log is a socket this test listens on, so the
# machine's own syslog is never touched. Needs root (unshare -m).
if [ -z "${MAMORI_IN_NS:-}" ]; then
    if [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
        echo "1..0 # SKIP needs root and unshare -m (a private /dev/log)"
        exit 0
    fi
    exec unshare -m --propagation private env MAMORI_IN_NS=1 bash "$0" "$@"
fi
. "$top_srcdir/tests/integration/lib.sh"
it_init 8

# A /dev of our own: the few nodes the daemon and nginx use, and log.
mkdir -p "$IT_DIR/dev"
for n in null zero full random urandom tty; do
    [ -e "/dev/$n" ] || continue
    touch "$IT_DIR/dev/$n" && mount --bind "/dev/$n" "$IT_DIR/dev/$n"
done
mount --bind "$IT_DIR/dev" /dev || { echo "Bail out! cannot bind a private /dev"; exit 1; }
ns_cleanup() {
    local rc=$?
    umount /dev 2>/dev/null
    for n in "$IT_DIR"/dev/*; do umount "$n" 2>/dev/null; done
    it_cleanup
    return $rc
}
trap ns_cleanup EXIT
python3 - "$IT_DIR/syslog.txt" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log"); os.chmod("/dev/log", 0o666)
s.settimeout(60)
with open(sys.argv[1], "ab", buffering=0) as out:
    try:
        while True:
            out.write(s.recv(65536) + b"\n")
    except socket.timeout:
        pass
PY
IT_PIDS="$IT_PIDS $!"
it_until '[ -S /dev/log ]' || echo "# no syslog socket /dev/log yet"

IT_EXTRA_CONFIG="[server]
syslog = yes"
it_write_config
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
it_post_generic acme "$top_srcdir/tests/integration/data/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "a webhook is annotated with syslog on"
it_until 'grep -q event=annotated "$IT_DIR/syslog.txt" 2>/dev/null'
started=$(grep -a 'event=started' "$IT_DIR/syslog.txt")
tap_like "$started" "level=notice event=started" "the start goes to syslog as key=value"
tap_like "$started" "mamori-fcgi[" "... tagged mamori-fcgi[PID]"
tap_like "$started" "<29>" "... with facility daemon, priority notice"
tap_unlike "$started" " ts=" "... without ts= (syslog stamps the time)"
ann=$(grep -a 'event=annotated' "$IT_DIR/syslog.txt")
tap_like "$ann" "tenant=acme" "the webhook's line names the tenant"
tap_like "$ann" "req=" "... and carries the request id"
tap_unlike "$(cat "$IT_DIR/mamori.log")" "event=annotated" "nothing of it goes to stderr"
it_done

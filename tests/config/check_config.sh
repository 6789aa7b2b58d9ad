#!/bin/bash
# `mamori-fcgi --check-config` creates nothing (issue 15, item 1): run as
# root before the first start it used to create the store, its -wal and
# -shm owned by root, and the daemon, running as the service user, then had
# a read-only store. And run as root it checks again as the service user,
# so a secret the daemon cannot read fails the check, not the start. No
# nginx, no daemon: only the check.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
FCGI="$top_builddir/adapter/mamori-fcgi"
SO="$top_builddir/plugins/example/.libs/example.so"
[ -f "$SO" ] || { echo "1..0 # SKIP the example plugin is not built"; exit 0; }
command -v python3 >/dev/null || { echo "1..0 # SKIP python3 not found"; exit 0; }

N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
skip() { N=$((N + 1)); echo "ok $N # SKIP $1"; }
like() {  # like TEXT SUBSTRING MESSAGE
    case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; printf '%s\n' "$1" | sed 's/^/#   /'; echo "#   does not contain '$2'" ;; esac
}

D=$(mktemp -d /tmp/mamori-check.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
mkdir -p "$D/etc/tenants.d" "$D/plugins" "$D/secrets" "$D/state"
chmod 700 "$D/secrets"
cp "$SO" "$D/plugins/" && chmod 644 "$D/plugins/example.so"
printf 'secret\n' > "$D/secrets/wh" && chmod 600 "$D/secrets/wh"
cat > "$D/etc/mamori.conf" <<CONF
[server]
listen = $D/sock
[store]
path = $D/state/m.db
identity_key_file = $D/state/id.key
[plugins]
dir = $D/plugins
CONF
cat > "$D/etc/tenants.d/acme.conf" <<CONF
[tenant]
connector = generic
webhook_secret_file = $D/secrets/wh

[plugin example]
path = example.so
word = x
CONF
# Readable by the service user whatever the umask: only the secret is not.
chmod 755 "$D/etc" "$D/etc/tenants.d" "$D/plugins" "$D/state"
chmod 644 "$D/etc/mamori.conf" "$D/etc/tenants.d/acme.conf"
check() { "$FCGI" -t -c "$D/etc/mamori.conf" "$@" >"$D/out" 2>&1; }
# make_store VERSION: an SQLite store in WAL mode with that schema version,
# closed cleanly (no -wal, no -shm left).
make_store() {
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=WAL"); c.execute("CREATE TABLE IF NOT EXISTS t(x)"); c.execute("PRAGMA user_version=%d" % int(sys.argv[2])); c.commit(); c.close()' \
        "$D/state/m.db" "$1"
}

echo "1..12"

# ---- nothing is created ----
check
ok $? "-t passes before the first start (no store yet)"
ok "$(ls -A "$D/state" | grep -q . && echo 1 || echo 0)" "... and creates nothing in the store's directory (no store, -wal, -shm, key)"
ls -A "$D/state" | sed 's/^/#   found: /'

make_store 1
before=$(stat -c '%i %s %Y' "$D/state/m.db")
check
ok $? "-t passes on an existing store of an older schema"
ok "$([ ! -e "$D/state/m.db-wal" ] && [ ! -e "$D/state/m.db-shm" ]; echo $?)" "... creates neither -wal nor -shm"
ok "$([ "$(stat -c '%i %s %Y' "$D/state/m.db")" = "$before" ]; echo $?)" "... and does not migrate or touch the store"

make_store 9999
check
rc=$?
like "$(cat "$D/out")" "has schema version 9999, newer than this mamori" "a store newer than this build fails the check"
ok "$([ "$rc" = 1 ]; echo $?)" "... with exit 1"
rm -f "$D/state/m.db"

# ---- as root: the service user must be able to read what the daemon reads ----
if [ "$(id -u)" != 0 ]; then
    for i in 1 2 3 4 5; do skip "the service user checks need root (CI runs as root)"; done
    exit $((FAILED > 0))
fi
SU=nobody
SG=$(id -gn "$SU" 2>/dev/null) || { for i in 1 2 3 4 5; do skip "no user $SU"; done; exit $((FAILED > 0)); }
chown "$SU:" "$D/state"   # the service user's state directory, as the package makes it
check
like "$(cat "$D/out")" "the service user $SU (uid $(id -u "$SU")) cannot use this configuration" \
    "as root, a secret only root can read fails the check, naming the service user"
like "$(cat "$D/out")" "$D/secrets/wh" "... and the file"

chgrp "$SG" "$D/secrets" "$D/secrets/wh"
chmod 750 "$D/secrets"
chmod 640 "$D/secrets/wh"
check
ok $? "with the secret readable by the service user's group, -t passes"
like "$(cat "$D/out")" "readable by $SU" "... and says it checked as the service user"

# A store root made (an old check, sqlite3 run as root) in the service
# user's directory: the daemon would run read-only.
make_store 1
check
like "$(cat "$D/out")" "$D/state/m.db" "a store the service user cannot write fails the check, naming it"
rm -f "$D/state/m.db"
exit $((FAILED > 0))

#!/bin/sh
# The backend-neutral store tests (tests/unit/test_store_backend.c) on a
# sqlite file, then on a throwaway PostgreSQL cluster; then what
# `mamori-fcgi -t` says about a broken URL, a refused connection, a wrong
# password and a schema newer than the binary. One TAP stream.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
. "$top_srcdir/tests/pg_cluster.sh"

T="$top_builddir/tests/unit/test_store_backend"
W=$(mktemp -d /tmp/mamori-backends.XXXXXX)
trap 'pg_cluster_stop; rm -rf "$W"' EXIT INT TERM
N=0
FAILED=0

# Renumber a sub-test's TAP lines into this stream.
relay() {  # relay PREFIX < TAP
    while IFS= read -r line; do
        case "$line" in
            "ok "*) N=$((N + 1)); echo "ok $N - $1: ${line#* - }" ;;
            "not ok "*) N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1: ${line#* - }" ;;
            1..*) ;;
            *) echo "$line" ;;
        esac
    done
}
check() {  # check STATUS MESSAGE
    N=$((N + 1))
    if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else FAILED=$((FAILED + 1)); echo "not ok $N - $2"; fi
}
like() {  # like TEXT SUBSTRING MESSAGE
    case "$1" in *"$2"*) check 0 "$3" ;; *) check 1 "$3"; echo "#   '$1' does not contain '$2'" ;; esac
}

SUB=136          # assertions in test_store_backend
PLAN=$((SUB * 2 + 21))
echo "1..$PLAN"

"$T" "$W/sqlite.db" > "$W/sqlite.tap" 2>&1
relay sqlite < "$W/sqlite.tap"

if ! pg_cluster_start; then
    echo "# PostgreSQL cluster: $PG_SKIP"
    while [ "$N" -lt "$PLAN" ]; do N=$((N + 1)); echo "ok $N # SKIP $PG_SKIP"; done
    exit 0
fi
# The cluster runs as another user: the test's files must be readable.
chmod 0755 "$W"
"$T" "$PG_URL" > "$W/pg.tap" 2>&1
relay postgresql < "$W/pg.tap"

# ---- mamori-fcgi -t: each broken [store] url stops the check, saying why ----
FCGI="$top_builddir/adapter/mamori-fcgi"
MAMORI="$top_builddir/adapter/mamori"
conf() {  # conf URL: a minimal config using that store
    mkdir -p "$W/state" "$W/tenants.d"
    cat > "$W/m.conf" <<CONF
[server]
listen = $W/sock
[store]
url = $1
identity_key_file = $W/state/identity.key
audit_key_file = $W/audit.key
[tenants]
dir = $W/tenants.d
CONF
}
t_check() {  # t_check URL: runs -t; output in OUT, status in RC
    conf "$1"
    OUT=$("$FCGI" -t -c "$W/m.conf" 2>&1)
    RC=$?
}

t_check "postgresql://mamori@/mamori?host=$PG_DIR&no_such_option=1"
check $((RC == 0)) "-t refuses a broken URL"
like "$OUT" "not a valid PostgreSQL URL" "... saying the URL is invalid"

t_check "postgresql://mamori@/mamori?host=$W/nowhere"
check $((RC == 0)) "-t refuses a store nobody listens at"
like "$OUT" "cannot connect to PostgreSQL" "... saying it cannot connect"

t_check "postgresql://pwuser:wrong@/mamori?host=$PG_DIR"
check $((RC == 0)) "-t refuses a wrong password"
like "$OUT" "refused the login" "... saying the login was refused"
case "$OUT" in *wrong*) check 1 "... without showing the password" ;; *) check 0 "... without showing the password" ;; esac

t_check "$PG_URL"
check "$RC" "-t accepts the store the tests migrated"
pg_cluster_psql mamori "UPDATE mamori_schema SET version = version + 1" >/dev/null
t_check "$PG_URL"
check $((RC == 0)) "-t refuses a schema newer than the binary"
like "$OUT" "newer than this mamori" "... saying so"
pg_cluster_psql mamori "GRANT SELECT ON mamori_schema TO pwuser" >/dev/null
t_check "postgresql://pwuser:right@/mamori?host=$PG_DIR"
like "$OUT" "newer than this mamori" "the right password gets past the login to the same check"

# ---- mamori store copy: the sqlite store the tests filled, into a new database ----
printf 'audit-key-for-tests-0123456789ab\n' > "$W/audit.key"   # test_store_backend's audit key
chmod 600 "$W/audit.key"
COPY_URL=$(pg_cluster_newdb copied)
conf "$COPY_URL"
OUT=$("$MAMORI" -c "$W/m.conf" store copy --from "$W/sqlite.db" --to "$COPY_URL" 2>&1)
check $? "store copy copies the sqlite store into an empty database"
echo "$OUT" | sed 's/^/#   /'
like "$OUT" "audit chain copied and verified: $((3 + 40)) records" "... and verifies the copied audit chain"
sq() { python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute(sys.argv[2]).fetchone()[0])' "$W/sqlite.db" "$1"; }
for t in events outbox audit incidents training_links; do
    a=$(sq "SELECT count(*) FROM $t"); b=$(pg_cluster_psql copied "SELECT count(*) FROM $t")
    check $([ "$a" = "$b" ] && [ "$a" -gt 0 ]; echo $?) "$t: $b of $a rows copied"
done
check $([ "$(pg_cluster_psql copied "SELECT nextval('events_id_seq') > (SELECT max(id) FROM events)")" = t ]; echo $?) \
    "new events get ids after the copied ones"
OUT=$("$MAMORI" -c "$W/m.conf" store copy --from "$W/sqlite.db" --to "$COPY_URL" 2>&1)
like "$OUT" "already holds" "a second copy into the same database is refused"
OUT=$("$MAMORI" -c "$W/m.conf" audit verify 2>&1)
check $? "mamori audit verify passes on the copied store"

[ "$N" -eq "$PLAN" ] || echo "# ran $N of $PLAN"
[ "$FAILED" -eq 0 ]

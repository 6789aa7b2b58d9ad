# tests/pg_cluster.sh -- a throwaway PostgreSQL cluster for the tests.
#
#   . "$top_srcdir/tests/pg_cluster.sh"
#   pg_cluster_start || skip_all "$PG_SKIP"   # sets PG_URL, PG_DIR
#   pg_cluster_or_skip                         # the same, before lib.sh's it_init
#   ...  mamori_store_open(PG_URL) ...
#   pg_cluster_restart                         # stop, then start again
#   pg_cluster_stop                            # also run at exit by the caller's trap
#
# initdb + pg_ctl from Debian's postgresql-15 (packaging/deps.sh lists it),
# on a private socket directory under /tmp: no TCP port, nothing shared with
# a system PostgreSQL. initdb refuses to run as root, so as root the
# cluster runs as the `postgres` system user (created by the package), or
# `nobody`, through runuser. Local connections are trusted for the
# superuser `mamori`; the role `pwuser` (password `right`) needs its
# password, for the wrong-password tests. Waits poll, bounded by
# MAMORI_TEST_START_TIMEOUT.

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_DIR=""
PG_URL=""
PG_SKIP=""
PG_AS=""

pg__run() {  # run a PostgreSQL program as the cluster's owner
    if [ -n "$PG_AS" ]; then runuser -u "$PG_AS" -- "$@"; else "$@"; fi
}

pg_cluster_start() {
    local t=${MAMORI_TEST_START_TIMEOUT:-60} i=0
    if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ]; then
        PG_SKIP="no PostgreSQL in $PG_BIN (apt-get install postgresql-15)"
        return 1
    fi
    if [ "$(id -u)" = 0 ]; then
        if id postgres >/dev/null 2>&1; then PG_AS=postgres; else PG_AS=nobody; fi
    fi
    PG_DIR=$(mktemp -d /tmp/mamori-pg.XXXXXX) || return 1
    chmod 0755 "$PG_DIR"
    [ -n "$PG_AS" ] && chown "$PG_AS" "$PG_DIR"
    if ! pg__run "$PG_BIN/initdb" -D "$PG_DIR/data" -U mamori --auth=trust -E UTF8 --no-locale \
        >"$PG_DIR/initdb.log" 2>&1; then
        PG_SKIP="initdb failed: $(tail -3 "$PG_DIR/initdb.log" | tr '\n' ' ')"
        return 1
    fi
    # The password role first: pg_hba.conf's first matching line wins.
    pg__run sh -c "printf '%s\n' 'local all pwuser scram-sha-256' 'local all all trust' >'$PG_DIR/data/pg_hba.conf'"
    pg__run sh -c "cat >>'$PG_DIR/data/postgresql.conf' <<EOF
listen_addresses = ''
unix_socket_directories = '$PG_DIR'
unix_socket_permissions = 0777
max_connections = 200
shared_buffers = 32MB
fsync = on
EOF"
    pg_cluster_up || return 1
    PG_URL="postgresql://mamori@/mamori?host=$PG_DIR"
    pg__run "$PG_BIN/psql" -h "$PG_DIR" -U mamori -d postgres -qAt \
        -c "CREATE DATABASE mamori" \
        -c "CREATE ROLE pwuser LOGIN PASSWORD 'right'" >"$PG_DIR/setup.log" 2>&1 || {
        PG_SKIP="cluster setup failed: $(cat "$PG_DIR/setup.log")"
        return 1
    }
    return 0
}

# For a test on lib.sh: start the cluster before it_init, so that without
# PostgreSQL the test skips before printing its plan (a TAP stream has one
# plan); stopped at exit until the caller sets its own trap.
pg_cluster_or_skip() {
    trap pg_cluster_stop EXIT
    pg_cluster_start || skip_all "$PG_SKIP"
}

pg_cluster_up() {
    local t=${MAMORI_TEST_START_TIMEOUT:-60} i=0
    if ! pg__run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t "$t" start >/dev/null 2>&1; then
        PG_SKIP="PostgreSQL did not start: $(tail -3 "$PG_DIR/server.log" 2>/dev/null | tr '\n' ' ')"
        return 1
    fi
    while ! "$PG_BIN/pg_isready" -q -h "$PG_DIR" -U mamori; do
        i=$((i + 1))
        [ "$i" -gt $((t * 20)) ] && { PG_SKIP="PostgreSQL not ready"; return 1; }
        sleep 0.05
    done
    return 0
}

# A fresh database (each test its own); prints its URL.
pg_cluster_newdb() {
    pg__run "$PG_BIN/psql" -h "$PG_DIR" -U mamori -d postgres -qAt -c "CREATE DATABASE $1" >/dev/null &&
        echo "postgresql://mamori@/$1?host=$PG_DIR"
}

pg_cluster_psql() {  # pg_cluster_psql DB SQL
    "$PG_BIN/psql" -h "$PG_DIR" -U mamori -d "$1" -qAt -c "$2"
}

pg_cluster_down() {
    [ -n "$PG_DIR" ] && pg__run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1
}

pg_cluster_restart() {
    pg_cluster_down
    pg_cluster_up
}

pg_cluster_stop() {
    if [ -n "$PG_DIR" ] && [ -d "$PG_DIR" ]; then
        pg__run "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1
        [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$PG_DIR"
    fi
    PG_DIR=""
}

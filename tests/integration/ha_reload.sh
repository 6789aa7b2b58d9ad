#!/bin/bash
# Moving a running install from sqlite to PostgreSQL: `mamori store copy`,
# then [store] url and a reload. A reload to a store that refuses the login
# is refused, names the reason without the password, and the running
# generation keeps serving from sqlite; the good URL then switches it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/pg_cluster.sh"
pg_cluster_or_skip
it_init 11
trap 'pg_cluster_stop; it_cleanup' EXIT
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
post() {  # post EVENT-ID
    sed "s/evt-1001/$1/" "$D/ticket-refund.json" > "$IT_DIR/$1.json"
    it_post_generic acme "$IT_DIR/$1.json"
}
post evt-s1
tap_is "$HTTP_STATUS" 200 "served from sqlite"

"$MAMORI" -c "$IT_DIR/mamori.conf" store copy --from "$IT_DIR/mamori.db" --to "$PG_URL" > "$IT_DIR/copy.out" 2>&1
tap_is "$?" 0 "mamori store copy copies the live store"
tap_diag < "$IT_DIR/copy.out"

# A URL whose login is refused: the reload is refused, sqlite keeps serving.
cp "$IT_DIR/mamori.conf" "$IT_DIR/mamori.sqlite"
sed -i "s#^path = .*#url = postgresql://pwuser:wrong-secret@/mamori?host=$PG_DIR#" "$IT_DIR/mamori.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "reload failed"
tap_ok $? "a reload to a store that refuses the login is refused"
tap_like "$(grep reload_failed "$IT_DIR/mamori.log")" "refused the login" "... saying why"
tap_unlike "$(cat "$IT_DIR/mamori.log")" "wrong-secret" "... never logging the password"
post evt-s2
tap_is "$HTTP_STATUS" 200 "the running generation keeps serving from sqlite"

# The right URL: the reload switches the store.
sed -i "s#^url = .*#url = $PG_URL#" "$IT_DIR/mamori.conf"
kill -HUP "$IT_MAMORI_PID"
it_wait_log "event=reloaded"
tap_ok $? "a reload to the PostgreSQL store succeeds"
new_gen_serves() { post evt-p1; [ "$HTTP_STATUS" = 200 ] && [ "$(pg_cluster_psql mamori "SELECT count(*) FROM events WHERE event_id = 'evt-p1'")" = 1 ]; }
it_poll "$IT_TIMEOUT" new_gen_serves
tap_ok $? "webhooks are now stored in PostgreSQL"
tap_is "$(pg_cluster_psql mamori "SELECT count(*) FROM events WHERE event_id = 'evt-s1'")" 1 \
    "the copied event is there"
tap_is "$(pg_cluster_psql mamori "SELECT count(*) FROM events WHERE event_id = 'evt-s2'")" 0 \
    "one answered from sqlite after the copy is not (doc/ha.md says so)"
"$MAMORI" -c "$IT_DIR/mamori.conf" audit verify > "$IT_DIR/verify.out" 2>&1
tap_is "$?" 0 "the audit chain, copied then extended on PostgreSQL, verifies"
tap_diag < "$IT_DIR/verify.out"
it_done

#!/bin/bash
# Two mamori-fcgi nodes behind one nginx upstream, sharing one PostgreSQL
# (a throwaway cluster, tests/pg_cluster.sh): a webhook burst with every
# event delivered twice at once (round robin: to both nodes), one node
# killed with SIGKILL in the middle, PostgreSQL restarted in the middle.
# Meanwhile webhooks answer 503 (or nginx 502 for the killed node) and the
# burst retries as a helpdesk does. Then: every acknowledged event is
# stored once, every note arrived at the helpdesk exactly once, and
# `mamori audit verify` passes.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/pg_cluster.sh"
. "$top_srcdir/tests/integration/ha_lib.sh"

COUNT=${HA_COUNT:-120}
pg_cluster_or_skip
it_init 19
trap 'pg_cluster_stop; it_cleanup' EXIT
hd_standin_start
HD_LEGIT=calm hd_tenant gen generic

ha_node_conf 1
ha_node_conf 2
ha_start_node 1 && ha_start_node 2
tap_ok $? "two nodes started on one PostgreSQL store"

ha_start_nginx
tap_ok $? "nginx answers through the upstream of two nodes"

# PostgreSQL down: a webhook is refused with 503 (nothing acknowledged
# that is not stored), and served again once it is back.
pg_cluster_down
printf '{"event_id": "down-1", "ticket_id": "D-1", "body": "確認をお願いします。"}' > "$IT_DIR/down.json"
it_post_generic gen "$IT_DIR/down.json"
tap_is "$HTTP_STATUS" 503 "PostgreSQL down: a webhook is answered 503 (the helpdesk retries)"
pg_cluster_up
tap_ok $? "PostgreSQL is back"
ok_again() { it_post_generic gen "$IT_DIR/down.json"; [ "$HTTP_STATUS" = 200 ]; }
it_poll "$IT_TIMEOUT" ok_again
tap_is "$HTTP_STATUS" 200 "... and the nodes reconnect: the retried webhook is annotated"

# The burst, in the background; mid-burst: SIGKILL node 2, restart PostgreSQL.
python3 "$top_srcdir/tests/integration/ha_burst.py" --url "$IT_URL" --tenant gen --secret secret-gen \
    --count "$COUNT" --progress "$IT_DIR/progress" > "$IT_DIR/burst.json" 2>"$IT_DIR/burst.err" &
BURST=$!
IT_PIDS="$IT_PIDS $BURST"
progress_at_least() { [ "$(cat "$IT_DIR/progress" 2>/dev/null || echo 0)" -ge "$1" ]; }
it_poll -p "$BURST" "$IT_TIMEOUT" progress_at_least $((COUNT / 4))
ha_kill_node 2
tap_ok $? "node 2 killed with SIGKILL at $(cat "$IT_DIR/progress" 2>/dev/null) of $COUNT events acknowledged"
it_poll -p "$BURST" "$IT_TIMEOUT" progress_at_least $((COUNT / 2))
at=$(cat "$IT_DIR/progress" 2>/dev/null)
pg_cluster_restart
tap_ok $? "PostgreSQL restarted at $at of $COUNT events acknowledged"
wait "$BURST"
burst=$(cat "$IT_DIR/burst.json")
echo "# burst: $burst"
tap_is "$(echo "$burst" | json 'd["acked"]')" "$COUNT" "every event was acknowledged in the end (the burst retried 5xx)"
n=$(echo "$burst" | json 'd["duplicates"]')
tap_ok $([ "$n" -ge 1 ]; echo $?) "second deliveries were answered as duplicates ($n)"

# Restart node 2: the jobs its killed deliverer had leased are released
# (same host, dead pid) or expire; either way they are delivered.
ha_start_node 2
tap_ok $? "node 2 restarted"

psql_n() { pg_cluster_psql mamori "$1"; }
tap_is "$(psql_n "SELECT count(*) FROM events WHERE event_id LIKE 'ha-%'")" "$COUNT" \
    "each event is stored exactly once across both nodes"
# Every event was flagged: its incident record was written in the same
# commit, one per ticket (the burst's tickets are all different).
tap_is "$(psql_n "SELECT count(*) FROM incidents WHERE ticket_id LIKE 'ha-T%' AND is_harassment = 1")" "$COUNT" \
    "each flagged ticket has its incident record on PostgreSQL"
# The report and an incident's record read the same tables on PostgreSQL.
today=$(date -u +%F)
"$MAMORI" -c "$IT_DIR/node1.conf" report --tenant gen --from "$today" --to "$today" > "$IT_DIR/r.json" 2>&1
rc=$?
tap_is "$rc" 0 "mamori report succeeds on PostgreSQL"
[ "$rc" = 0 ] || head -c 600 "$IT_DIR/r.json" | tap_diag
tap_is "$(json 'd["incidents"]["harassment"] >= '"$COUNT" < "$IT_DIR/r.json")" true "... counting the flagged tickets"
"$MAMORI" -c "$IT_DIR/node1.conf" incident show --tenant gen ha-T1 > "$IT_DIR/show.json" 2>&1 ||
    head -c 600 "$IT_DIR/show.json" | tap_diag
tap_is "$(json '[d["record_matches_audit"], d["consultations"]]' < "$IT_DIR/show.json")" "[true, []]" \
    "mamori incident show matches the record to its audit entry (consultations read from PostgreSQL: none)"
all_done() { [ "$(psql_n "SELECT count(*) FROM outbox WHERE state <> 'done'")" = 0 ]; }
it_poll 120 all_done
tap_is "$(psql_n "SELECT count(*) FROM outbox WHERE state <> 'done'")" 0 "every note job is done"
notes=$(hd_state "sorted(len(v) for k, v in s['notes'].items() if k.startswith('generic:ha-'))")
tap_is "$(echo "$notes" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(len(v), set(v))')" \
    "$COUNT {1}" "every note arrived at the helpdesk exactly once"
"$MAMORI" -c "$IT_DIR/node1.conf" audit verify > "$IT_DIR/verify.out" 2>&1
tap_is "$?" 0 "mamori audit verify passes on the shared chain"
tap_diag < "$IT_DIR/verify.out"
served() { grep -c "node$1.sock 200" "$IT_DIR/nginx-access.log"; }
tap_ok $([ "$(served 1)" -gt 0 ] && [ "$(served 2)" -gt 0 ]; echo $?) \
    "both nodes answered webhooks (node 1: $(served 1), node 2: $(served 2))"
if [ "$TAP_FAILED" -gt 0 ]; then
    for f in node1 node2; do echo "# $f.log:"; tail -25 "$IT_DIR/$f.log" | tap_diag; done
    tail -5 "$IT_DIR/burst.err" | tap_diag
fi
it_done

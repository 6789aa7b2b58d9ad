#!/bin/bash
# Operations: `mamori status`, `mamori backup` under a running daemon,
# retention (`mamori purge` and the housekeeper's automatic purge) leaving
# the audit chain verifiable.
. "$top_srcdir/tests/integration/lib.sh"
it_init 41
IT_TENANT_EXTRA="retention_days = 30" it_tenant acme
it_tenant beta
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }

for i in 1 2 3 4; do
    sed "s/evt-1001/evt-a$i/" "$D/ticket-refund.json" > "$IT_DIR/a$i.json"
    it_post_generic acme "$IT_DIR/a$i.json"
done
tap_is "$HTTP_STATUS" 200 "four webhooks for acme annotated"
sed "s/evt-1001/evt-b1/" "$D/ticket-refund.json" > "$IT_DIR/b1.json"
it_post_generic beta "$IT_DIR/b1.json"
tap_is "$HTTP_STATUS" 200 "one for beta"

# ---- status --------------------------------------------------------------
it_until "it_sql \"SELECT 1 FROM meta WHERE key='daemon_status'\" | grep -q 1"
out=$(M status); rc=$?
tap_is "$rc" 0 "status exits 0 while mamori-fcgi runs"
tap_like "$out" "mamori-fcgi: running, pid $IT_MAMORI_PID, generation 1" "status names the supervisor pid and generation"
tap_like "$out" "acme" "status lists tenant acme"
tap_like "$out" "retention=30 days" "... with its retention period"
tap_like "$out" "plugin example" "... and its plugin"
tap_like "$out" "events: 5 stored" "status counts the events"
tap_like "$out" "outbox: 0 pending, 0 dead letters" "status shows outbox depth and dead letters"
json_out=$(M status --json)
tap_is "$(echo "$json_out" | json 'd["tenants"][0]["plugins"][0]["version"] is not None')" true \
    "status --json gives the plugin version"
tap_is "$(echo "$json_out" | json 'd["running"]')" true "status --json says running"

# A dead letter shows up.
python3 - "$IT_DIR/mamori.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); now = int(time.time())
c.execute("INSERT INTO outbox(tenant, connector, kind, dedupe_key, payload, state, next_attempt_at, created_at, updated_at)"
          " VALUES('acme','generic','note','dead-1','{}','dead',?1,?1,?1)", (now,))
c.commit()
PY
tap_like "$(M status)" "outbox: 0 pending, 1 dead letters" "status counts a dead letter"

# Reload: a new generation is published.
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 2 serving"
it_until 'M status | grep -q "generation 2"'
tap_like "$(M status)" "generation 2" "after SIGHUP status shows generation 2"

# ---- backup while serving --------------------------------------------------
( for i in $(seq 1 20); do
      sed "s/evt-1001/evt-bg$i/" "$D/ticket-refund.json" > "$IT_DIR/bg$i.json"
      it_post_generic beta "$IT_DIR/bg$i.json"
  done ) &
bg=$!
out=$(M backup "$IT_DIR/backup.db"); rc=$?
wait $bg
tap_is "$rc" 0 "backup succeeds while webhooks arrive"
tap_like "$out" "integrity ok" "... and says the copy was checked"
tap_is "$(stat -c %a "$IT_DIR/backup.db")" 600 "the backup is mode 0600"
tap_is "$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$IT_DIR/backup.db")" \
    ok "the backup passes sqlite's integrity check"
test ! -e "$IT_DIR/backup.db-wal"
tap_ok $? "the backup is one self-contained file (no -wal)"
M backup "$IT_DIR/backup.db" >/dev/null 2>"$IT_DIR/err"; rc=$?
tap_is "$rc" 1 "backup refuses to overwrite an existing file"
tap_like "$(cat "$IT_DIR/err")" "--force" "... and says how"
sed "s#path = $IT_DIR/mamori.db#path = $IT_DIR/backup.db#" "$IT_DIR/mamori.conf" > "$IT_DIR/backup.conf"
tap_like "$("$MAMORI" -c "$IT_DIR/backup.conf" audit verify)" "audit chain OK" "the backup's audit chain verifies"

# ---- retention -------------------------------------------------------------
# Age two of acme's events and beta's past 30 days; beta keeps forever.
python3 - "$IT_DIR/mamori.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); old = int(time.time()) - 40 * 86400
c.execute("UPDATE events SET received_at=? WHERE event_id IN ('evt-a1','evt-a2','evt-b1')", (old,))
c.execute("UPDATE outbox SET created_at=? WHERE dedupe_key='dead-1'", (old,))
# Escalations: acme's acknowledged one and its open one saw nothing for 40
# days (both due); its third had a follow-up today (kept); beta keeps all.
def esc(tenant, ticket, created, acked=None, followup=None, message=None):
    cur = c.execute("INSERT INTO escalations(tenant, ticket_id, level, connector, event_id, ticket, created_at,"
                    " acked_at, last_followup_at, message) VALUES(?,?,'lawyer','generic','e-'||?2,'{}',?,?,?,?)",
                    (tenant, ticket, created, acked, followup, message))
    c.execute("INSERT INTO escalation_messages(escalation_id, tenant, channel, recipient, sent_at)"
              " VALUES(?,?,'mail','lawyer@example.jp',?)", (cur.lastrowid, tenant, created))
now = int(time.time())
esc('acme', 't-acked', old, acked=old + 600)
esc('acme', 't-open', old, message='quoted evidence')
esc('acme', 't-recent', old, followup=now)
esc('beta', 't-beta', old)
c.execute("INSERT INTO line_events(tenant, event_id, received_at) VALUES('acme','line-old',?),('acme','line-new',?)",
          (old, now))
c.commit()
PY
out=$(M purge --dry-run)
tap_like "$out" "would remove 2 events, 1 finished outbox jobs and 2 escalations" "purge --dry-run counts what is due"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='acme'")" 4 "... and removes nothing"
tap_is "$(it_sql "SELECT count(*) FROM escalations")" 4 "... not even escalations"
out=$(M purge)
tap_like "$out" "removed 2 events, 1 finished outbox jobs and 2 escalations (1 tenants)" "purge removes acme's old rows"
tap_is "$(it_sql "SELECT group_concat(ticket_id) FROM (SELECT ticket_id FROM escalations ORDER BY ticket_id)")" \
    "t-beta,t-recent" "escalations idle for the period go, open or not; one followed up today stays"
tap_is "$(it_sql "SELECT count(*) FROM escalations WHERE message IS NOT NULL")" 0 \
    "no quoted evidence outlives the period"
tap_is "$(it_sql "SELECT count(*) FROM escalation_messages m WHERE NOT EXISTS(SELECT 1 FROM escalations e WHERE e.id=m.escalation_id)")" \
    0 "the removed escalations' messages go with them"
tap_is "$(it_sql "SELECT count(*) FROM escalation_messages")" 2 "... and the kept ones' stay"
tap_is "$(it_sql "SELECT group_concat(event_id) FROM line_events")" "line-new" "old LINE event ids go, recent ones stay"
tap_is "$(it_sql "SELECT group_concat(event_id) FROM (SELECT event_id FROM events WHERE tenant='acme' ORDER BY event_id)")" \
    "evt-a3,evt-a4" "acme keeps its recent events"
tap_is "$(it_sql "SELECT count(*) FROM annotations WHERE tenant='acme'")" 2 "... and annotations"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE event_id='evt-b1'")" 1 "beta (no retention) keeps its old event"
tap_like "$(M audit verify)" "audit chain OK" "the audit chain verifies after the purge"
tap_like "$(it_sql "SELECT kind, data FROM audit WHERE kind='purged'")" '"events":2' "the chain records the purge"
tap_like "$(it_sql "SELECT kind, data FROM audit WHERE kind='purged'")" '"escalations":2,"events":2' \
    "... escalations included"

# Automatic: the housekeeper purges when a generation starts.
python3 - "$IT_DIR/mamori.db" <<'PY'
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1]); old = int(time.time()) - 31 * 86400
c.execute("UPDATE events SET received_at=? WHERE event_id='evt-a3'", (old,))
c.commit()
PY
kill -HUP "$IT_MAMORI_PID"
it_wait_log "generation 3 serving"
it_wait_log 'event=purged.*removed 1 events'
tap_like "$(grep 'event=purged' "$IT_DIR/mamori.log" | tail -1)" "tenant acme: removed 1 events, 0 finished" \
    "the housekeeper purged on its own and logged it"
tap_is "$(it_sql "SELECT count(*) FROM events WHERE tenant='acme'")" 1 "only acme's newest event is left"
tap_like "$(M audit verify)" "audit chain OK" "the audit chain still verifies"

# ---- not running --------------------------------------------------------------
kill -TERM "$IT_MAMORI_PID"
it_until '! kill -0 "$IT_MAMORI_PID" 2>/dev/null'
M status >"$IT_DIR/out"; rc=$?
tap_is "$rc" 3 "status exits 3 once mamori-fcgi stopped"
tap_like "$(cat "$IT_DIR/out")" "NOT RUNNING" "... and says so"
it_done

#!/bin/bash
# Issue 13 (4): the audit chain is keyed (HMAC-SHA256 with [store]
# audit_key_file, outside the store). Rewriting it with recomputed plain
# hashes fails `mamori audit verify`; a truncation passes on its own but
# fails against the head published earlier (the log's audit_head line,
# `mamori status`) with --anchor; a store from before the key stays
# readable and is keyed from the daemon's next start.
. "$top_srcdir/tests/integration/lib.sh"
it_init 18
it_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
D="$top_srcdir/tests/integration/data"
M() { "$MAMORI" -c "$IT_DIR/mamori.conf" "$@"; }
db_exec() {  # db_exec SQL... -- write to the store as an attacker with file access would
    python3 -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); [c.executescript(q) for q in sys.argv[2:]]; c.commit()' \
        "$IT_DIR/mamori.db" "$@"
}
# Recompute every hash as plain SHA-256 (what anyone can do without the key).
rewrite_plain() {  # rewrite_plain KEYED-VALUE
    python3 - "$IT_DIR/mamori.db" "$1" <<'PY'
import hashlib, sqlite3, sys
c = sqlite3.connect(sys.argv[1]); prev = "0" * 64
for seq, at, tenant, kind, subject, data in c.execute(
        "SELECT seq, at, tenant, kind, subject, data FROM audit ORDER BY seq").fetchall():
    h = hashlib.sha256(f"{seq}\n{at}\n{tenant}\n{kind}\n{subject}\n{data}\n{prev}".encode()).hexdigest()
    cols = [r[1] for r in c.execute("PRAGMA table_info(audit)")]
    if "keyed" in cols:
        c.execute("UPDATE audit SET prev_hash=?, hash=?, keyed=? WHERE seq=?", (prev, h, int(sys.argv[2]), seq))
    else:
        c.execute("UPDATE audit SET prev_hash=?, hash=? WHERE seq=?", (prev, h, seq))
    prev = h
c.commit()
PY
}

for n in 1 2 3 4; do
    sed "s/evt-1001/evt-a$n/" "$D/ticket-refund.json" > "$IT_DIR/a$n.json"
    it_post_generic acme "$IT_DIR/a$n.json"
done
tap_is "$HTTP_STATUS" 200 "four webhooks are annotated (each with an audit record)"
tap_ok "$([ -f "$IT_DIR/audit.key" ] && [ "$(stat -c %a "$IT_DIR/audit.key")" = 600 ]; echo $?)" \
    "the audit key was created next to the identity key, mode 0600"
it_wait_log "event=audit_head"
tap_like "$(grep event=audit_head "$IT_DIR/mamori.log")" "hash " "the daemon logs the chain's head at its start"
status=$(M status)
head=$(echo "$status" | sed -n 's/^audit: head record [0-9]* hash \([0-9a-f]*\)$/\1/p')
tap_ok "$([ ${#head} = 64 ]; echo $?)" "mamori status shows the head hash ($head)"
tap_is "$(M status --json | json 'd["audit"]["head_hash"]')" "$head" "... and so does status --json"
out=$(M audit verify); rc=$?
tap_is "$rc" 0 "the chain verifies"
tap_like "$out" "keyed" "... its records are keyed"
out=$(M audit verify --anchor "$head"); rc=$?
tap_is "$rc" 0 "verify --anchor with the head from mamori status passes"

# The tampering below works on the file with mamori-fcgi stopped, as
# someone with the store (a backup, a copy) but not the key would.
stop_mamori() {
    kill -TERM "$IT_MAMORI_PID"; it_until '! kill -0 "$IT_MAMORI_PID" 2>/dev/null'
    rm -f "$IT_SOCK"
}
stop_mamori
# Truncation: the newest records go.
cp "$IT_DIR/mamori.db" "$IT_DIR/saved.db"
db_exec "DELETE FROM audit WHERE seq > (SELECT max(seq) - 2 FROM audit)"
M audit verify >/dev/null; tap_is "$?" 0 "a truncated chain still verifies on its own (nothing can tell)"
out=$(M audit verify --anchor "$head"); rc=$?
tap_is "$rc" 1 "... but verify --anchor with the earlier head fails"
tap_like "$out" "truncated" "... saying records were removed from the end"

# Rewriting: one record edited, every hash after it recomputed.
cp "$IT_DIR/saved.db" "$IT_DIR/mamori.db"
db_exec "UPDATE audit SET data='{\"rewritten\":true}' WHERE seq=2"
rewrite_plain 1
out=$(M audit verify); rc=$?
tap_is "$rc" 1 "a chain rewritten with recomputed plain hashes fails (records still marked keyed)"
rewrite_plain 0
out=$(M audit verify); rc=$?
tap_is "$rc" 1 "... and fails when marked as plain records too"
tap_like "$out" "none of the" "... saying none is keyed"

# A store from before the key (schema 3, plain hashes) stays readable and
# is keyed from the next start. (Later migrations' tables go too, or the
# restart's migrations would find them already there.)
db_exec "ALTER TABLE audit DROP COLUMN keyed" "DROP TABLE strikes" "DROP TABLE incidents" "DROP TABLE training_links" \
    "DROP TABLE consultations" "DROP TABLE warnings" "DROP TABLE restrictions" \
    "DROP INDEX escalations_held" "DROP INDEX escalations_digest" "DROP INDEX escalations_opened" \
    "ALTER TABLE escalations DROP COLUMN held_until" "ALTER TABLE escalations DROP COLUMN digest_id" \
    "ALTER TABLE escalation_messages DROP COLUMN digest_id" "DROP TABLE escalation_digests" \
    "PRAGMA user_version = 3"
rewrite_plain 0
plain=$(it_sql "select count(*) from audit")
out=$(M audit verify); rc=$?
tap_like "$out" "mamori-fcgi has not started since the upgrade" \
    "before the daemon's start an old plain chain is reported as not yet keyed"
before=$(it_log_count "event=audit_head")
it_start_mamori || { echo "Bail out! mamori-fcgi did not restart"; exit 1; }
it_wait_log_more "event=audit_head" "$before"
tap_is "$(it_sql "select kind from audit order by seq desc limit 1")" audit_keyed \
    "the daemon migrated the store and keyed the chain at its start"
out=$(M audit verify); rc=$?
tap_is "$rc" 0 "the old records and the keyed ones verify together"
tap_like "$out" "$plain from before the key" "... the old ones counted as such"
it_done

#!/bin/bash
# A write-back in flight when mamori-fcgi gets SIGTERM is finished, not cut
# off (issue 15, item C): the stand-in holds its answer to the note; SIGTERM
# arrives while the request is out (the stand-in answers once the deliverer
# says it is finishing it); the deliverer finishes it within
# [deliver] stop_grace, the job is done before the daemon exits, and after
# a restart nothing of it is sent again.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 7
HD_TIMEOUT=20
hd_standin_start || { echo "Bail out! stand-in did not start"; exit 1; }
hd_tenant zd zendesk
it_start || { echo "Bail out! stack did not start"; exit 1; }
# The next Zendesk write is answered (normally) only when the test says so
# (a fixed delay could run out before SIGTERM on a loaded machine).
hd_fault zendesk hold 1 0 120
hd_post zd zendesk-ticket_created
tap_is "$HTTP_STATUS" 200 "webhook accepted"
zd_in_flight() { [ "$(hd_state "s['inflight'].get('zendesk', 0)")" -ge 1 ] 2>/dev/null; }
it_poll "$IT_TIMEOUT" zd_in_flight
tap_ok $? "the note's request is at the helpdesk"
kill -TERM "$IT_MAMORI_PID"
it_poll "$IT_TIMEOUT" it_log_has deliverer_draining
tap_ok $? "the deliverer says it is finishing the write-back under way"
curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' -d '{"mode": "release"}'
it_poll "$IT_TIMEOUT" sh -c "! kill -0 $IT_MAMORI_PID 2>/dev/null"
tap_ok $? "mamori-fcgi exits after SIGTERM"
tap_is "$(it_sql "select group_concat(state) from outbox where kind = 'note'")" done \
    "the write-back in flight was finished before the deliverer stopped"

# Restart, and deliver a second ticket: by the time its note is there the
# deliverer has looked at the outbox; the first ticket got nothing more.
rm -f "$IT_SOCK"
it_start_mamori || { echo "Bail out! restart failed"; exit 1; }
python3 - "$HD_FIX/zendesk-ticket_created.json" "$IT_DIR/zd2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["id"] = d["id"][:-1] + "9"; d["detail"]["id"] = "7999"; d["subject"] = "zen:ticket:7999"
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
hd_post zd zendesk-ticket_created "$IT_DIR/zd2.json"
hd_wait_notes zendesk 7999 1
tap_ok $? "after the restart the deliverer delivers again"
first=$(hd_log | python3 -c 'import json,sys
print(sum(1 for e in map(json.loads, sys.stdin) if e["platform"] == "zendesk" and "/tickets/7999" not in e["path"]))')
tap_is "$first" 1 "the first ticket's write-back was sent once (no check, no repeat after the restart)"
it_done

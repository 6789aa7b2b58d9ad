#!/bin/bash
# Help Scout's OAuth token: fetched once and cached; when the API answers
# 401 (the token expired), the deliverer fetches a new one and the note
# still lands, once.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 7
hd_standin_start || { echo "Bail out! stand-in did not start"; exit 1; }
hd_tenant hs helpscout
it_start || { echo "Bail out! stack did not start"; exit 1; }
hd_post hs helpscout-convo.created
tap_is "$HTTP_STATUS" 200 "the first conversation is annotated"
hd_wait_drained 30
cid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$HD_FIX/helpscout-convo.created.json")
tap_is "$(hd_notes helpscout "$cid")" 1 "its note lands"
tap_is "$(hd_state "s['hs_token_requests']")" 1 "one token was fetched"
# The token expires; a second conversation must still get its note.
curl -s -o /dev/null -X POST "$HD_STANDIN/_control" -H 'Content-Type: application/json' \
    -d '{"platform": "helpscout", "mode": "rotate_token"}'
python3 - "$HD_FIX/helpscout-convo.created.json" "$IT_DIR/hs2.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["id"] += 1; d["number"] += 1
for t in d.get("_embedded", {}).get("threads", []):
    t["id"] += 1000
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
hd_post hs helpscout-convo.created "$IT_DIR/hs2.json"
tap_is "$HTTP_STATUS" 200 "the second conversation is annotated"
hd_wait_drained 30
tap_is "$(hd_notes helpscout $((cid + 1)))" 1 "after a 401 its note still lands, once"
tap_ok $([ "$(hd_state "s['hs_expired']")" -ge 1 ]; echo $?) "the stale token was refused at least once"
tap_is "$(hd_state "s['hs_token_requests']")" 2 "... and exactly one new token was fetched"
it_done

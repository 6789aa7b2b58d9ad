#!/bin/bash
# Per-tenant concurrency of the write-back: with concurrency = 1 the
# deliverer never has two requests of that tenant in flight; with a higher
# limit it does run several at once (so the first result is the limit, not
# a deliverer that is serial anyway).
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 6
hd_standin_start || { echo "Bail out! stand-in did not start"; exit 1; }
hd_tenant zd zendesk "concurrency = 1"
hd_tenant zm zammad "concurrency = 4"
it_start || { echo "Bail out! stack did not start"; exit 1; }
F="$HD_FIX"
# Every write of either platform takes a second.
hd_fault zendesk slow 100 1 1
hd_fault zammad slow 100 1 1
for i in 1 2 3; do
    python3 - "$F/zendesk-ticket_created.json" "$IT_DIR/zd$i.json" "$i" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8")); i = sys.argv[3]
d["id"] = d["id"][:-1] + i
d["detail"]["id"] = str(7000 + int(i)); d["subject"] = "zen:ticket:%d" % (7000 + int(i))
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
    python3 - "$F/zammad-ticket_created.json" "$IT_DIR/zm$i.json" "$i" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8")); i = int(sys.argv[3])
d["ticket"]["id"] = 8000 + i; d["article"]["id"] = 9000 + i; d["article"]["ticket_id"] = 8000 + i
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
    hd_post zd zendesk-ticket_created "$IT_DIR/zd$i.json"
    [ "$HTTP_STATUS" = 200 ] || echo "# zendesk $i: $HTTP_STATUS $HTTP_BODY"
    hd_post zm zammad-ticket_created "$IT_DIR/zm$i.json"
    [ "$HTTP_STATUS" = 200 ] || echo "# zammad $i: $HTTP_STATUS $HTTP_BODY"
done
hd_wait_drained 60
tap_ok $? "all write-back jobs are delivered"
tap_is "$(hd_state "sum(len(v) for k, v in s['notes'].items() if k.startswith('zendesk:700'))")" 3 "three Zendesk notes"
tap_is "$(hd_state "sum(len(v) for k, v in s['notes'].items() if k.startswith('zammad:800'))")" 3 "three Zammad notes"
tap_is "$(hd_state "s['max_inflight'].get('zendesk')")" 1 "concurrency = 1: never two Zendesk requests at once"
m=$(hd_state "s['max_inflight'].get('zammad')")
tap_ok $([ "$m" -ge 2 ]; echo $?) "concurrency = 4: several Zammad requests at once ($m)"
tap_is "$(hd_bad_requests)" 0 "every request had the documented shape"
it_done

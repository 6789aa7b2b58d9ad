#!/bin/bash
# The daemon paths under valgrind (memcheck): supervisor and workers, every
# route, good and bad input, a reload and a shutdown. Any memory error or
# definite leak in any process fails the test.
. "$top_srcdir/tests/integration/lib.sh"
[ "${MAMORI_SANITIZERS:-no}" = yes ] && skip_all "built with sanitizers (valgrind cannot run ASan binaries)"
command -v valgrind >/dev/null || skip_all "valgrind not found (apt-get install valgrind)"
IT_WORKERS=1
it_init 16
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
# The deliverer runs too: acme writes its note back to a stand-in.
HD_GENERIC_SECRET=secret-acme HD_TIMEOUT=20 hd_standin_start
IT_TENANT_EXTRA="note_on_legitimate = calm" it_tenant acme
printf '\n[helpdesk]\nurl = %s/generic/callback\n' "$HD_STANDIN" >> "$IT_DIR/tenants.d/acme.conf"
# Escalation (issue 5): tenant esc escalates every ticket (testkit) to LINE,
# mail, Teams and a webhook; its lawyer answers on LINE; its deadline is
# short, so the deliverer's own check tells the backup.
. "$top_srcdir/tests/integration/escalation_lib.sh"
HD_TIMEOUT=20 esc_standins_start
it_tenant esc generic "[plugin testkit]
path = testkit.so"
it_secret esc.webhook secret-acme >/dev/null # the stand-in checks callbacks with this one
{ printf '\n[helpdesk]\nurl = %s/generic/callback\n' "$HD_STANDIN"; ESC_ACK_DEADLINE=3s esc_sections; } \
    >> "$IT_DIR/tenants.d/esc.conf"
VG="valgrind --quiet --trace-children=yes --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite --show-leak-kinds=definite --track-fds=no --log-file=$IT_DIR/vg.%p.log"
# Under valgrind everything is ~30x slower: give it time to start.
$VG "$MAMORI_FCGI" -c "$IT_DIR/mamori.conf" >>"$IT_DIR/mamori.log" 2>&1 &
IT_MAMORI_PID=$!
IT_PIDS="$IT_PIDS $IT_MAMORI_PID"
it_poll -p "$IT_MAMORI_PID" $((IT_TIMEOUT * 2)) test -S "$IT_SOCK" || {
    it_why_not "mamori-fcgi under valgrind" "$IT_MAMORI_PID" "$IT_DIR/mamori.log"
    echo "Bail out! mamori-fcgi did not start under valgrind"
    exit 1
}
it_start_nginx || { echo "Bail out! nginx did not start"; exit 1; }
it_poll -p "$IT_MAMORI_PID" $((IT_TIMEOUT * 2)) eval 'http GET /healthz; [ "$HTTP_STATUS" = 200 ]'
tap_is "$HTTP_STATUS" 200 "healthz under valgrind"
D="$top_srcdir/tests/integration/data"
it_post_generic acme "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "a webhook is annotated under valgrind"
it_post_generic acme "$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "a duplicate is answered"
http POST /hooks/acme/generic -H 'Content-Type: application/json' \
    -H "X-Mamori-Signature: $(sign_generic "$D/ticket-refund.json" wrong)" --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 401 "a bad signature is refused"
printf '{"event_id": "x", "ticket_id": "1", "body": "\xff"}' > "$IT_DIR/badutf8.json"
it_post_generic acme "$IT_DIR/badutf8.json"
http POST /v1/annotate -H 'Authorization: Bearer token-acme' -H 'Content-Type: application/json' \
    --data-binary "@$D/ticket-refund.json"
tap_is "$HTTP_STATUS" 200 "annotate works"
http GET /metrics
tap_is "$HTTP_STATUS" 200 "metrics work"
hd_wait_notes generic 5501 1 60
tap_is "$(hd_notes generic 5501)" 1 "the deliverer wrote the note back under valgrind"
for n in 7001 7002; do
    sed "s/5501/$n/g; s/evt-1001/evt-$n/" "$D/ticket-refund.json" > "$IT_DIR/esc-$n.json"
    http POST /hooks/esc/generic -H 'Content-Type: application/json' --data-binary "@$IT_DIR/esc-$n.json" \
        -H "X-Mamori-Signature: $(sign_generic "$IT_DIR/esc-$n.json" secret-acme)"
done
tap_is "$HTTP_STATUS" 200 "escalating webhooks are annotated under valgrind"
esc_wait line 4 'e["ok"] and e["body"]["to"] != "'$ESC_BACKUP'"' 120 && esc_wait teams 2 'e["ok"]' 60 && esc_wait hook 2 'e["ok"]' 60
tap_is "$(esc_count line 'e["ok"] and e["body"]["to"] != "'$ESC_BACKUP'"')/$(esc_mails)/$(esc_count teams 'e["ok"]')/$(esc_count hook 'e["ok"]')" "4/2/2/2" \
    "the deliverer sent the escalations to LINE, mail (STARTTLS), Teams and the webhook under valgrind"
esc_line_body "$IT_DIR/follow.json" follow "$ESC_LAWYER" 01JXVGF0LL0W00000000000000
esc_line_post esc "$IT_DIR/follow.json" wrong-secret
tap_is "$HTTP_STATUS" 401 "a bad X-Line-Signature is refused under valgrind"
"$MAMORI" -c "$IT_DIR/mamori.conf" lawyer approve esc "$ESC_LAWYER" --name test >/dev/null
msg_id=$(esc_req line 0 'e["message_id"]')
esc_line_body "$IT_DIR/advice.json" message "$ESC_LAWYER" 01JXVGADV1CE00000000000000 "Do not refund." "$msg_id"
esc_line_post esc "$IT_DIR/advice.json"
tap_is "$(echo "$HTTP_BODY" | json 'd["handled"]')" 1 "a lawyer's LINE reply is handled under valgrind"
lawyer_notes() { hd_state "sum(len(v) for k, v in s['notes'].items() if k in ('generic:7001', 'generic:7002'))"; }
it_poll $((IT_TIMEOUT * 2)) eval '[ "$(lawyer_notes)" -ge 3 ]'
tap_is "$(hd_state "sum(len(v) for k, v in s['notes'].items() if k in ('generic:7001', 'generic:7002'))")" 3 \
    "the lawyer's note was written back under valgrind"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'"' 120
tap_ok "$([ "$(esc_count line 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'"')" -ge 1 ]; echo $?)" \
    "the deliverer's deadline check told the backup under valgrind"
kill -HUP "$IT_MAMORI_PID"
it_poll $((IT_TIMEOUT * 2)) it_log_has "generation 2 serving"
tap_like "$(cat "$IT_DIR/mamori.log")" "generation 2 serving" "a reload works"
sleep 1
kill -TERM "$IT_MAMORI_PID"
wait "$IT_MAMORI_PID"
tap_is "$?" 0 "the supervisor exits 0 (no valgrind errors in it)"
# With --quiet valgrind writes nothing unless it found something.
bad=$(find "$IT_DIR" -maxdepth 1 -name 'vg.*.log' -size +0c)
nlogs=$(ls "$IT_DIR"/vg.*.log 2>/dev/null | wc -l)
[ "$nlogs" -ge 3 ] || bad="only $nlogs valgrind logs: the processes did not run under valgrind"
if [ -z "$bad" ]; then
    tap_ok 0 "no memory errors or leaks in any process ($nlogs processes checked)"
else
    tap_ok 1 "no memory errors or leaks in any process"
    for f in $bad; do [ -f "$f" ] && sed 's/^/# /' "$f" | head -60 || echo "# $f"; done
fi
it_done

#!/bin/bash
# Mail has no idempotency key (issue 15, item 8): when the SMTP server
# takes a mail but its answer to the end of DATA is lost, mamori cannot know
# whether it was delivered. It retries (a lost escalation is worse than a
# second copy), with the same Message-ID (mail clients fold it), and says
# so: the job's progress keeps maybe_sent (written before each attempt, so a
# deliverer killed mid-attempt leaves the same mark), a later definite
# refusal does not clear it, the delivery's audit record says
# maybe_duplicate, and the log has escalation_maybe_sent. A mail without a
# lost answer carries no such mark. The stand-in takes the first mail and
# drops the connection without answering, then refuses the next with 451.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"
it_init 11
ESC_ROUTES="police = lawyer-mail
lawyer = lawyer-mail
supervisor = lawyer-mail"
ESC_SMTP_DROP_FIRST=1 ESC_SMTP_FAIL_FIRST=1 esc_standins_start
esc_tenant acme
it_start || { echo "Bail out! stack did not start"; exit 1; }
text="担当者に念書を書けと言っているんです。書かないなら毎日電話します。"
esc_post_ticket acme ev-1 T-1 "$text"
tap_is "$HTTP_STATUS" 200 "webhook accepted"
esc_wait_drained 60
tap_is "$(it_sql "select state from outbox where kind='escalation'")" done "the mail job is done"
tap_is "$(esc_mails)" 2 "the server has the mail twice (the first answer was lost)"
tap_is "$(esc_mail 0 'm["Message-ID"]')" "$(esc_mail 1 'm["Message-ID"]')" "... with the same Message-ID"
tap_like "$(it_sql "select progress from outbox where kind='escalation'")" '"maybe_sent":true' \
    "the job's progress keeps maybe_sent (a 451 in between did not clear it)"
tap_like "$(it_sql "select data from audit where kind='escalation_notified'")" '"maybe_duplicate":true' \
    "the delivery's audit record says maybe_duplicate"
it_log_has escalation_maybe_sent
tap_ok $? "the log says the mail may have been delivered when the answer was lost"
it_log_has escalation_maybe_duplicate
tap_ok $? "... and that the recipient may have it twice once it is delivered"

# A second ticket: delivered at the first attempt, no mark.
esc_post_ticket acme ev-2 T-2 "$text"
tap_is "$HTTP_STATUS" 200 "second webhook accepted"
esc_wait_drained 60
tap_is "$(esc_mails)" 3 "the second mail is delivered once"
tap_unlike "$(it_sql "select data from audit where kind='escalation_notified' order by seq desc limit 1")" 'maybe_' \
    "its audit record has no maybe_ mark"
it_done

#!/bin/bash
# A tenant's [channel_map] reaches the plugins (issue 15, item B): the
# Zendesk voice ticket fixture (via.channel voice: an agent's call note) is
# channel phone for a tenant without a map and phone_note -- where the
# policy's call-note handling applies -- for one with
# `via = voice:phone_note`; a tag rule wins over via. The testkit plugin
# tags each ticket with the channel the host gave it.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
it_init 6
hd_standin_start || { echo "Bail out! stand-in did not start"; exit 1; }
secret=$(hd_fixture_secret zendesk-ticket_created)
it_secret zd.webhook "$secret" >/dev/null
for id in plain mapped; do
    cat > "$IT_DIR/tenants.d/$id.conf" <<CONF
[tenant]
connector = zendesk
webhook_secret_file = $IT_DIR/secrets/zd.webhook
replay_window = 600

[plugin testkit]
path = testkit.so
tag_channel = yes
CONF
done
cat >> "$IT_DIR/tenants.d/mapped.conf" <<'CONF'

[channel_map]
via = voice:phone_note, native_messaging:chat
tag = sns_dm:sns
CONF
it_start || { echo "Bail out! stack did not start"; exit 1; }
tags() { printf '%s' "$HTTP_BODY" | json "' '.join(t for t in d['annotation']['tags'] if t.startswith('channel-'))"; }
hd_post plain zendesk-ticket_created-voice
tap_is "$HTTP_STATUS" 200 "the voice ticket is annotated"
tap_is "$(tags)" channel-phone "without a map, Zendesk voice is channel phone"
hd_post mapped zendesk-ticket_created-voice
tap_is "$(tags)" channel-phone_note "with via = voice:phone_note it is a call note"
hd_post mapped zendesk-ticket_created
tap_is "$(tags)" channel-web "a web ticket the map does not name stays web"
python3 - "$HD_FIX/zendesk-ticket_created-voice.json" "$IT_DIR/voice-dm.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["id"] = d["id"][:-1] + "8"; d["detail"]["tags"] = ["sns_dm"]
open(sys.argv[2], "w", encoding="utf-8").write(json.dumps(d, ensure_ascii=False))
PY
hd_post mapped zendesk-ticket_created-voice "$IT_DIR/voice-dm.json"
tap_is "$(tags)" channel-sns "a matching tag wins over via"
"$MAMORI_FCGI" -t -c "$IT_DIR/mamori.conf" >/dev/null 2>&1
tap_ok $? "mamori-fcgi -t accepts the tenants"
it_done

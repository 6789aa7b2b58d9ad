#!/bin/bash
# `mamori-fcgi -t` on small config trees: for each section of mamori.conf and
# of a tenant file (and for connectors' [helpdesk] keys), a bad duration and
# a bad number (or, where a section has neither, a bad value and a misspelt
# key) fail the check with FILE:LINE, the key, the value and what is
# allowed. No nginx, no daemon: only the check.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
FCGI="$top_builddir/adapter/mamori-fcgi"
SO="$top_builddir/plugins/example/.libs/example.so"
[ -f "$SO" ] || { echo "1..0 # SKIP the example plugin is not built"; exit 0; }

N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }

D=$(mktemp -d /tmp/mamori-cfg.XXXXXX)
trap 'rm -rf "$D"' EXIT
mkdir -p "$D/tenants.d" "$D/plugins" "$D/secrets"
chmod 700 "$D/secrets"
cp "$SO" "$D/plugins/" && chmod 644 "$D/plugins/example.so"
printf 'secret\n' > "$D/secrets/wh" && chmod 600 "$D/secrets/wh"

base_conf() {
    cat > "$D/mamori.conf" <<CONF
[server]
listen = $D/sock
[store]
path = $D/m.db
identity_key_file = $D/id.key
[plugins]
dir = $D/plugins
CONF
}

base_tenant() {  # base_tenant CONNECTOR
    cat > "$D/tenants.d/acme.conf" <<CONF
[tenant]
connector = $1
webhook_secret_file = $D/secrets/wh

[plugin example]
path = example.so
word = x
CONF
}

# bad FILE CONNECTOR "SECTION" "key = value" EXPECTED-TEXT
# Appends the section and the line to FILE (mamori.conf or the tenant),
# runs -t and wants exit 1 and "FILE:LINE: EXPECTED-TEXT" on stderr.
bad() {
    local file=$1 connector=$2 section=$3 line=$4 want=$5 path n out rc
    base_conf
    base_tenant "$connector"
    if [ "$file" = mamori.conf ]; then path="$D/mamori.conf"; else path="$D/tenants.d/acme.conf"; fi
    printf '\n%s\n%s\n' "$section" "$line" >> "$path"
    n=$(wc -l < "$path")
    out=$("$FCGI" -t -c "$D/mamori.conf" 2>&1 >/dev/null)
    rc=$?
    case "$out" in
    *"$path:$n: $want"*) [ "$rc" = 1 ]; ok $? "$file $section $line: -t fails with $file:$n ($connector)" ;;
    *) ok 1 "$file $section $line: -t fails with $file:$n ($connector)"
       echo "#   exit $rc; wanted \"$path:$n: $want\" in:"; printf '%s\n' "$out" | sed 's/^/#   /' ;;
    esac
}

good() {  # good FILE CONNECTOR "SECTION" "key = value" DESCRIPTION
    local file=$1 path
    base_conf
    base_tenant "$2"
    if [ "$file" = mamori.conf ]; then path="$D/mamori.conf"; else path="$D/tenants.d/acme.conf"; fi
    printf '\n%s\n%s\n' "$3" "$4" >> "$path"
    "$FCGI" -t -c "$D/mamori.conf" >/dev/null 2>"$D/err"
    ok $? "$5"
    [ -s "$D/err" ] && grep -v 'event=plugin_log' "$D/err" | sed 's/^/#   /'
}

echo "1..39"
good mamori.conf generic "[server]" "shutdown_timeout = 30" "a bare number is still seconds"
good mamori.conf generic "[server]" "shutdown_timeout = 2m" "a duration with a unit passes"

# mamori.conf, each section
bad mamori.conf generic "[server]" "shutdown_timeout = 5 m" 'shutdown_timeout = "5 m": not a duration (use e.g. 30s, 5m, 1h)'
bad mamori.conf generic "[server]" "workers = many" 'workers = "many": not a whole number'
bad mamori.conf generic "[server]" "max_body = 100M" 'max_body = "100M": must be from 1k to 64M'
bad mamori.conf generic "[store]" "busy_timeout = 1.5s" 'busy_timeout = "1.5s": not a duration (use e.g. 500ms, 5s, 1m)'
bad mamori.conf generic "[store]" "retention_days = -1" 'retention_days = "-1": not a whole number'
bad mamori.conf generic "[plugins]" "dir =" 'dir is empty'
bad mamori.conf generic "[plugins]" "dri = x" 'unknown key "dri" in [plugins] -- did you mean "dir"?'
bad mamori.conf generic "[tenants]" "dir =" 'dir is empty'
bad mamori.conf generic "[tenants]" "dirs = x" 'unknown key "dirs" in [tenants] -- did you mean "dir"?'
bad mamori.conf generic "[webhook]" "replay_window = 5x" 'replay_window = "5x": not a duration'
bad mamori.conf generic "[webhook]" "replay_window = 2d" 'replay_window = "2d": must be from 1s to 1d'
bad mamori.conf generic "[deliver]" "retry_base = 1h30m" 'retry_base = "1h30m": not a duration'
bad mamori.conf generic "[deliver]" "max_attempts = 0" 'max_attempts = "0": must be from 1 to 1000'

# a tenant file, each section
bad tenant generic "[tenant]" "replay_window = abc" 'replay_window = "abc": not a duration'
bad tenant generic "[tenant]" "retention_days = forever" 'retention_days = "forever": not a whole number'
good tenant redmine "[helpdesk]" "poll_interval = 5m" "redmine poll_interval = 5m passes (300 seconds; it used to be 5)"
bad tenant redmine "[helpdesk]" "poll_interval = abc" 'poll_interval = "abc": not a duration (use e.g. 30s, 5m, 1h)'
bad tenant redmine "[helpdesk]" "poll_interval = 5 m" 'poll_interval = "5 m": not a duration'
bad tenant redmine "[helpdesk]" "tags_custom_field_id = seven" 'tags_custom_field_id = "seven": not a whole number'
bad tenant redmine "[helpdesk]" "poll_intervall = 5m" 'unknown key "poll_intervall" in [helpdesk] -- did you mean "poll_interval"?'
bad tenant zendesk "[helpdesk]" "ur = https://x" 'unknown key "ur" in [helpdesk] -- did you mean "url"?'
bad tenant zendesk "[helpdesk]" "concurrency = lots" 'concurrency = "lots": not a whole number'
bad tenant zendesk "[helpdesk]" "tags_via = tags" 'tags_via = "tags": use additional_tags or tags_endpoint'
bad tenant generic "[helpdesk]" "rate_per_minute = 0" 'rate_per_minute = "0": must be from 1 to 100000'
bad tenant generic "[helpdesk]" "url = ftp://h" 'url = "ftp://h": use a URL starting with https:// or http://'
bad tenant znuny "[helpdesk]" "utc_offset = 9" 'utc_offset = "9": not like +09:00'
good tenant zendesk "[channel_map]" "via = voice:phone_note, native_messaging:chat" "[channel_map] via = voice:phone_note passes"
bad tenant zendesk "[channel_map]" "via = voice:fax" 'via = "voice:fax": "voice:fax": fax is not one of mamori'"'"'s channels'
bad tenant zendesk "[channel_map]" "tag = call_memo" 'tag = "call_memo": "call_memo" is not FROM:CHANNEL'
bad tenant zendesk "[channel_map]" "tags = x:chat" 'unknown key "tags" in [channel_map] -- did you mean "tag"?'
bad tenant generic "[escalation]" "ack_deadline = soon" 'ack_deadline = "soon": not a duration'
bad tenant generic "[escalation]" "evidence_items = 99" 'evidence_items = "99": must be from 0 to 20'
bad tenant generic "[line]" "api_url = ftp://x" 'api_url = "ftp://x": use a URL starting with https:// or http://'
bad tenant generic "[line]" "acess_token_file = x" 'unknown key "acess_token_file" in [line] -- did you mean "access_token_file"?'
bad tenant generic "[channel c1]" "starttls = maybe" 'starttls = "maybe": not yes or no'
bad tenant generic "[channel c1]" "type = pager" 'type = "pager": use line, slack, teams, smtp or webhook'
bad tenant generic "[channel c1]" "tpye = line" 'unknown key "tpye" in [channel c1] -- did you mean "type"?'

[ "$N" = 39 ] || echo "# ran $N tests, planned 39"
[ "$FAILED" = 0 ]

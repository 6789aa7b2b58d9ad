#!/bin/bash
# The helpdesk setup guide and the installed documentation (issue 15, "the
# admin's first hour", item 1):
#  - doc/helpdesks.md has one section per connector in adapter/connector/,
#    each with its events, where to click, the body, the API user and how
#    to verify, and the events it names are the ones the connector's source
#    handles (a connector that starts reading other events must say so);
#  - Freshdesk's template carries every key freshdesk.c reads;
#  - `make install DESTDIR=...` puts helpdesks.md and notes.md (and the
#    other docs) in the doc directory and RT's scrip beside the policies,
#    and what points at them (packaging/README.md, mamori-tenant(5), the
#    Debian package's file list) names the installed files.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
DOC="$top_srcdir/doc/helpdesks.md"
CX="$top_srcdir/adapter/connector"

N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
has() { grep -qF -- "$2" <<<"$1"; }

# The section of doc/helpdesks.md under "## TITLE", up to the next "## ".
section() { awk -v h="## $1" '$0 == h { on = 1; next } on && /^## / { exit } on' "$DOC"; }

# connector file -> section title, and the events its section must name.
# Each event is also looked for in the connector's source, so the doc and
# the code cannot drift apart unnoticed.
declare -A TITLE=(
    [zendesk]="Zendesk" [freshdesk]="Freshdesk" [zammad]="Zammad" [helpscout]="Help Scout"
    [jira]="Jira Service Management" [redmine]="Redmine" [rt]="Request Tracker"
    [znuny]="Znuny / OTRS" [generic]="Generic connector")
declare -A EVENTS=(
    [zendesk]="ticket.created ticket.comment_added"
    [freshdesk]="freshdesk_webhook triggered_event note_type:private"
    [zammad]="Customer"
    [helpscout]="convo.created convo.customer.reply.created helpscout.test"
    [jira]="jira:issue_created comment_created"
    [redmine]="issue.created issue.updated opened updated"
    [rt]="Create Correspond"
    [znuny]="ArticleCreate"
    [generic]="event_id")

for f in "$CX"/*.c; do
    c=$(basename "$f" .c)
    case "$c" in common | connector) continue ;; esac
    title=${TITLE[$c]:-}
    if [ -z "$title" ]; then
        ok 1 "connector $c has a section in doc/helpdesks.md (add it, and to this test)"
        continue
    fi
    text=$(section "$title")
    [ -n "$text" ]; ok $? "$c: section \"## $title\" exists"
    missing=""
    for part in "**Events.**" "**Where to click.**" "**Body.**" "**API user and scopes.**" "**Verify.**" \
        "/hooks/ID/$c" "connector = $c"; do
        has "$text" "$part" || missing="$missing '$part'"
    done
    [ -z "$missing" ]; ok $? "$c: events, where to click, body, API user, verify, its URL and tenant file${missing:+ (missing:$missing)}"
    missing=""
    for ev in ${EVENTS[$c]}; do
        has "$text" "$ev" || missing="$missing $ev (doc)"
        grep -qF -- "$ev" "$f" || missing="$missing $ev (source)"
    done
    [ -z "$missing" ]; ok $? "$c: names its events: ${EVENTS[$c]}${missing:+ -- missing:$missing}"
done

z=$(section Zendesk)
has "$z" "trigger" && has "$z" "400"; ok $? "zendesk: a trigger webhook is named as what gets 400"

# Every key freshdesk.c reads from the rule's body is in the template (the
# body, or the key the private-note rule adds).
fd=$(section Freshdesk)
tmpl=$(awk '/^```json/ { on = 1; next } /^```/ { on = 0 } on' <<<"$fd")
keys=$(grep -oE '\(w, "[a-z_]+"\)|, w, "[a-z_]+"\)' "$CX/freshdesk.c" | grep -oE '"[a-z_]+"' | tr -d '"' | sort -u)
missing=""
for k in $keys; do has "$tmpl" "\"$k\": \"{{" || missing="$missing $k"; done
[ -n "$keys" ] && [ -z "$missing" ]; ok $? "freshdesk: the template carries every key the connector reads (${keys//$'\n'/ })${missing:+ -- missing:$missing}"
if command -v python3 >/dev/null; then
    # The first block is the whole body; a later one adds a key for the
    # private-note rule.
    awk '/^```json/ { n++; on = n == 1; next } /^```/ { on = 0 } on' <<<"$fd" |
        python3 -c 'import json,sys; json.load(sys.stdin)' 2>/dev/null
    ok $? "freshdesk: the template is JSON"
fi

# ---- what points at the docs ----------------------------------------------
R="$top_srcdir/packaging/README.md"
grep -q 'adapter/connector/' "$R"; [ $? -ne 0 ]; ok $? "packaging/README.md points at no source file of adapter/connector (not installed)"
grep -qF '/usr/share/doc/mamori/helpdesks.md' "$R" && grep -qF '/usr/share/doc/mamori/notes.md' "$R"
ok $? "packaging/README.md links the installed helpdesks.md and notes.md"
man5="$top_srcdir/doc/mamori-tenant.5"
grep -qF '/usr/share/doc/mamori/helpdesks.md' "$man5" && grep -qF '/usr/share/doc/mamori/notes.md' "$man5"
ok $? "mamori-tenant(5) names the installed helpdesks.md and notes.md"
grep -qx 'usr/share/doc/mamori' "$top_srcdir/packaging/debian/mamori.install" &&
    grep -qx 'usr/share/mamori' "$top_srcdir/packaging/debian/mamori.install"
ok $? "the Debian package takes the doc directory and /usr/share/mamori (RT's scrip)"
grep -qE '^[[:space:]]*dh_compress .*-X\.md' "$top_srcdir/packaging/debian/rules"
ok $? "debian/rules keeps *.md uncompressed, so the names the docs link to exist"

# ---- make install ----------------------------------------------------------
ROOT=$(mktemp -d /tmp/mamori-docs.XXXXXX)
trap 'rm -rf "$ROOT"' EXIT
if make -C "$top_builddir" install DESTDIR="$ROOT" >"$ROOT.log" 2>&1; then
    ok 0 "make install DESTDIR=... succeeds"
else
    ok 1 "make install DESTDIR=... succeeds"; tail -20 "$ROOT.log" | sed 's/^/#   /'
fi
rm -f "$ROOT.log"
docdir=$(dirname "$(find "$ROOT" -path '*/doc/mamori/helpdesks.md' | head -1)")
for d in helpdesks.md notes.md generic-webhook.md annotation.md; do
    cmp -s "$docdir/$d" "$top_srcdir/doc/$d"; ok $? "installed: ${docdir#"$ROOT"}/$d"
done
scrip=$(find "$ROOT" -path '*/mamori/rt/mamori-scrip.pl' | head -1)
[ -n "$scrip" ] && cmp -s "$scrip" "$top_srcdir/packaging/rt/mamori-scrip.pl"; ok $? "installed: RT's scrip (${scrip#"$ROOT"})"
man=$(find "$ROOT" -name 'mamori-tenant.5*' | head -1)
[ -n "$man" ] && zcat -f "$man" | grep -qF 'helpdesks.md'; ok $? "installed mamori-tenant(5) names helpdesks.md"

echo "1..$N"
[ "$FAILED" -eq 0 ]

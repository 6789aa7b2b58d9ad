#!/bin/bash
# The documented config examples work when pasted (issue 15, item 3): the
# tenant example of packaging/README.md (with inline "# comments"), the
# EXAMPLE of mamori-tenant(5) and the [plugin rules] block of
# plugins/rules/README.md (with "; comments") each pass `mamori-fcgi -t` as
# written -- only the /etc/mamori and /usr/share/mamori paths are moved
# into a temporary tree. Inline comments (a # or ; after whitespace) are
# comments in every config file; a value that still looks like it holds
# one (after a full-width space, or at its start) fails the check.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
FCGI="$top_builddir/adapter/mamori-fcgi"
MAMORI="$top_builddir/adapter/mamori"
SO="$top_builddir/plugins/rules/.libs/rules.so"
[ -f "$SO" ] || { echo "1..0 # SKIP the rules plugin is not built"; exit 0; }

N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
like() {  # like TEXT SUBSTRING MESSAGE
    case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; printf '%s\n' "$1" | sed 's/^/#   /'; echo "#   does not contain '$2'" ;; esac
}

D=$(mktemp -d /tmp/mamori-docex.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
mkdir -p "$D/etc/tenants.d" "$D/plugins" "$D/secrets" "$D/state" "$D/keys" "$D/etc/tenants.d/policies"
chmod 700 "$D/secrets"
cp "$SO" "$D/plugins/rules.so" && chmod 644 "$D/plugins/rules.so"
secret() { printf '%s\n' "$2" > "$D/secrets/$1" && chmod 600 "$D/secrets/$1"; }
secret acme.webhook "$(openssl rand -hex 32)"
secret acme.token "$(openssl rand -hex 32)"
secret acme.zendesk "agent@acme.example/token:zd-token"
secret acme.line-secret "line-channel-secret"
secret acme.line-token "line-access-token"
secret acme.slack-url "https://hooks.slack.com/services/T000/B000/XXXXXXXX"
secret acme.smtp "smtp-password"

main_conf() {  # main_conf [EXTRA-LINES-IN-SERVER]
    cat > "$D/etc/mamori.conf" <<CONF
[server]
listen = $D/sock
${1:-}
[store]
path = $D/state/m.db
identity_key_file = $D/state/id.key
[plugins]
dir = $D/plugins
CONF
}
# The installed paths of the examples, moved into $D.
relocate() {
    sed -e "s#/etc/mamori/secrets/#$D/secrets/#g" -e "s#/etc/mamori/keys/#$D/keys/#g" \
        -e "s#/usr/share/mamori/policies/#$top_srcdir/policies/#g"
}
check() { "$FCGI" -t -c "$D/etc/mamori.conf" >"$D/out" 2>&1; }
check_ok() {  # check_ok MESSAGE
    check
    local rc=$?
    ok $rc "$1"
    [ $rc = 0 ] || grep -v 'event=plugin_log' "$D/out" | sed 's/^/#   /'
}

echo "1..8"
main_conf

# 1. packaging/README.md, "Configure", step 2 (the list's indentation is
#    what a reader does not copy from the rendered page).
awk '/^## Configure/ {c=1} c && /```ini/ {p=1; next} p && /```/ {exit} p' "$top_srcdir/packaging/README.md" |
    sed 's/^   //' | relocate > "$D/etc/tenants.d/acme.conf"
grep -q ' # ' "$D/etc/tenants.d/acme.conf" || echo "# (the README example has no inline comment any more)"
check_ok "the README's tenant example, pasted with its inline # comments, passes -t"

# 2. mamori-tenant(5), EXAMPLE.
awk '/^\.SH EXAMPLE/ {c=1} c && /^\.nf/ {p=1; next} p && /^\.fi/ {exit} p' "$top_srcdir/doc/mamori-tenant.5" |
    sed 's/\\-/-/g' | relocate > "$D/etc/tenants.d/acme.conf"
check_ok "mamori-tenant(5)'s EXAMPLE, pasted, passes -t"

# 3. plugins/rules/README.md: the [plugin rules] block with ; comments
#    (its policy relative to the tenant file, signed with the firm's key).
cp "$top_srcdir/tests/rules/basic/policy.json" "$D/etc/tenants.d/policies/acme.json"
if "$MAMORI" policy keygen "$D/keys/firm" >/dev/null 2>&1 &&
    "$MAMORI" policy sign --key "$D/keys/firm" "$D/etc/tenants.d/policies/acme.json" >/dev/null 2>&1; then
    { printf '[tenant]\nconnector = generic\nwebhook_secret_file = %s/secrets/acme.webhook\n\n' "$D"
      awk '/```ini/ {p=1; next} p && /```/ {exit} p' "$top_srcdir/plugins/rules/README.md" | relocate
    } > "$D/etc/tenants.d/acme.conf"
    check_ok "the rules plugin README's block, pasted with its inline ; comments, passes -t"
else
    N=$((N + 1)); echo "ok $N # SKIP mamori policy keygen/sign failed"
fi

# 4. mamori.conf takes inline comments too; a # inside a word is no comment.
tenant() {  # tenant EXTRA-TENANT-LINE
    printf '[tenant]\nconnector = generic\nwebhook_secret_file = %s/secrets/acme.webhook\n%s\n\n[plugin rules]\npath = rules\npolicy = %s\n' \
        "$D" "$1" "$top_srcdir/tests/rules/basic/policy.json" > "$D/etc/tenants.d/acme.conf"
}
tenant "api_token_file = $D/secrets/acme.token   # the helpdesk has it too"
main_conf "workers = 2        # two workers
log_level = debug	; tab, then a ; comment"
check_ok "inline comments after spaces or a tab in mamori.conf and a tenant file pass -t (the values before them are valid)"
tenant "name = Shop#1;Tokyo"
main_conf
check_ok "a # or ; inside a word is part of the value (name = Shop#1;Tokyo passes)"

# 5. What is still a comment after the value fails the check.
main_conf "log_level = info　# 全角スペースの後のコメント"
check
like "$(cat "$D/out")" "mamori.conf:3: log_level = \"info　# 全角スペースの後のコメント\": looks like it holds a comment" \
    "a # after a full-width space fails -t, naming the file, line and value"
main_conf "log_level =# info"
check
like "$(cat "$D/out")" "mamori.conf:3: log_level = \"# info\": looks like it holds a comment" \
    "a value that starts with # fails -t"
main_conf
tenant "name = ACME　; 本社"
check
like "$(cat "$D/out")" "acme.conf:4: name = \"ACME　; 本社\": looks like it holds a comment" \
    "... and so does one in a tenant file"
exit $((FAILED > 0))

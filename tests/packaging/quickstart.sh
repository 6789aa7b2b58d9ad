#!/bin/bash
# packaging/quickstart.sh: its arguments (--policy DIR, reload, usage
# errors, all refused before anything is installed) and its reload path
# against a mamori-fcgi this test starts in the quick start's layout
# (MAMORI_QUICKSTART_DIR, the built mamori as prefix/bin/mamori): a lawyer
# edits the policy and runs `quickstart.sh reload`; a policy with errors is
# refused and the old one keeps serving; `reload --policy DIR` switches the
# demo tenant to another policy. The full quick start (apt-get, build,
# nginx) is not run here.
. "$top_srcdir/tests/integration/lib.sh"

QS_SH="$top_srcdir/packaging/quickstart.sh"
QS=$(mktemp -d /tmp/mamori-qs.XXXXXX)
export MAMORI_QUICKSTART_DIR="$QS"
PID=""
cleanup() {
    local rc=$?
    if [ -n "$PID" ]; then
        kill -TERM "$PID" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ "$TAP_FAILED" -gt 0 ]; then tail -n 30 "$QS/mamori.log" 2>/dev/null | tap_diag; fi
    [ "${KEEP_TMP:-0}" = 1 ] && echo "# kept $QS" || rm -rf "$QS"
    return $rc
}
trap cleanup EXIT
tap_plan 25

ETC="$QS/etc/mamori"
mkdir -p "$QS/prefix/bin" "$QS/plugins" "$QS/run" "$QS/state" "$ETC/tenants.d" "$ETC/secrets" "$QS/policies"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$(cd "$top_builddir/adapter" && pwd)/mamori" > "$QS/prefix/bin/mamori"
chmod 755 "$QS/prefix/bin/mamori"
cp "$top_builddir/plugins/rules/.libs/rules.so" "$QS/plugins/"

# Two company policies, copies of shipped examples extending default-ja.
DEFAULT_JA="$(cd "$top_srcdir/policies/default-ja" && pwd)/policy.json"
for ex in retailer clinic; do
    mkdir -p "$QS/policies/$ex"
    sed "s#\"extends\": \"[^\"]*\"#\"extends\": \"$DEFAULT_JA\"#" "$top_srcdir/policies/examples/$ex/policy.json" \
        > "$QS/policies/$ex/policy.json"
    cp "$top_srcdir/policies/examples/$ex/tests.jsonl" "$QS/policies/$ex/"
done

run() { OUT=$("$QS_SH" "$@" 2>&1); RC=$?; [ "$RC" = 0 ] || printf "%s\n" "$OUT" | tail -n 5 | tap_diag; }

# ---- arguments -------------------------------------------------------------
run --bogus
tap_is "$RC" 2 "an unknown option is a usage error"
tap_like "$OUT" "--policy DIR" "... and the usage names --policy DIR"
run stop --policy "$QS/policies/retailer"
tap_is "$RC" 2 "stop takes no --policy"
run --policy
tap_is "$RC" 2 "--policy without a directory is a usage error"
run --policy "$QS/no-such-policy"
tap_is "$RC" 1 "--policy with a missing directory fails"
tap_like "$OUT" "no policy at $QS/no-such-policy" "... saying which, before installing anything"
tap_unlike "$OUT" "Debian packages" "... (no apt-get, no build)"
run --help
tap_is "$RC" 0 "--help succeeds"
tap_like "$OUT" "quickstart.sh reload" "... and documents reload"
run reload
tap_is "$RC" 1 "reload without a running mamori fails"
tap_like "$OUT" "mamori is not running" "... and says so"

# ---- the quick start's layout, with mamori-fcgi running ---------------------
printf 'secret-demo\n' > "$ETC/secrets/demo.webhook"
printf 'token-demo\n' > "$ETC/secrets/demo.token"
chmod 600 "$ETC/secrets/"*
cat > "$ETC/mamori.conf" <<CONF
[server]
listen = $QS/run/mamori.sock
listen_mode = 0666
workers = 1
log_level = info

[store]
path = $QS/state/mamori.db
identity_key_file = $QS/state/identity.key

[plugins]
dir = $QS/plugins

[tenants]
dir = $ETC/tenants.d
CONF
cat > "$ETC/tenants.d/demo.conf" <<CONF
[tenant]
name = デモ株式会社
language = ja
connector = generic
webhook_secret_file = $ETC/secrets/demo.webhook
api_token_file = $ETC/secrets/demo.token

[plugin rules]
path = rules.so
policy = $QS/policies/retailer/policy.json
CONF
printf '%s\n' "$QS/policies/retailer/policy.json" > "$QS/policy"
"$MAMORI_FCGI" -c "$ETC/mamori.conf" >>"$QS/mamori.log" 2>&1 &
PID=$!
echo "$PID" > "$QS/run/mamori.pid"
it_poll -p "$PID" "$IT_TIMEOUT" test -S "$QS/run/mamori.sock"
tap_ok $? "mamori-fcgi started with the retailer policy"
M() { "$MAMORI" -c "$ETC/mamori.conf" "$@"; }

# The lawyer edits the policy (a new version) and reloads.
sed -i 's/"version": "[^"]*"/"version": "1.0.1"/' "$QS/policies/retailer/policy.json"
run reload
tap_is "$RC" 0 "reload after an edit succeeds"
tap_like "$OUT" "mamori policy lint" "... linting the policy first"
tap_like "$OUT" "reloaded: generation 2 serving" "... and reports the new generation"
it_until 'M status | grep -q "generation 2"'
tap_like "$(M status)" "generation 2" "mamori status shows generation 2"

# A policy with an error is refused before the daemon sees it.
cp "$QS/policies/retailer/policy.json" "$QS/retailer.good"
sed -i 's/"category": "excessive_demand"/"category": "no_such_category"/' "$QS/policies/retailer/policy.json"
run reload
tap_is "$RC" 1 "reload of a policy with a lint error fails"
tap_like "$OUT" "the policy has errors" "... and says the policy has errors"
tap_ok "$(kill -0 "$PID" 2>/dev/null; echo $?)" "mamori-fcgi still runs"
tap_unlike "$(M status)" "generation 3" "... on the previous generation"
cp "$QS/retailer.good" "$QS/policies/retailer/policy.json"

# Switching the tenant to another policy.
run reload --policy "$QS/policies/clinic"
tap_is "$RC" 0 "reload --policy DIR succeeds"
tap_like "$(cat "$ETC/tenants.d/demo.conf")" "policy = $QS/policies/clinic/policy.json" \
    "... the tenant now names that policy"
tap_is "$(cat "$QS/policy")" "$QS/policies/clinic/policy.json" "... and a later plain reload lints it"
it_until 'M status | grep -q "generation 3"'
tap_like "$(M status)" "generation 3" "mamori status shows generation 3"
run status
tap_like "$OUT" "policy: $QS/policies/clinic/policy.json" "quickstart.sh status names the policy"
exit 0

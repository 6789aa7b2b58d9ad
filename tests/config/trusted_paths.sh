#!/bin/bash
# Files mamori takes orders from are trusted only when nobody but root and
# the service user can have written them (base/trusted_file.h; issue 13,
# item 7). For each place -- mamori.conf and its directory, tenants.d, a
# tenant file, the plugin and its directory, the policy and its directory,
# the policy's public key -- a world-writable (or group-writable) one, a
# symbolic link and a foreign owner make `mamori-fcgi -t` fail, naming the
# path, what is wrong and the fix. No nginx, no daemon: only the check.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
FCGI="$top_builddir/adapter/mamori-fcgi"
MAMORI="$top_builddir/adapter/mamori"
SO="$top_builddir/plugins/rules/.libs/rules.so"
[ -f "$SO" ] || { echo "1..0 # SKIP the rules plugin is not built"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root (a file of another owner)"; exit 0; }

N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }

D=$(mktemp -d /tmp/mamori-trust.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
mkdir -p "$D/etc/tenants.d" "$D/plugins" "$D/secrets" "$D/policies" "$D/keys"
chmod 700 "$D/secrets"
cp "$SO" "$D/plugins/rules.so" && chmod 644 "$D/plugins/rules.so"
cp "$top_srcdir/tests/rules/basic/policy.json" "$D/policies/policy.json"
printf 'secret\n' > "$D/secrets/wh" && chmod 600 "$D/secrets/wh"
"$MAMORI" policy keygen "$D/keys/firm" >/dev/null 2>&1 || { echo "1..0 # SKIP policy keygen failed"; exit 0; }
"$MAMORI" policy sign --key "$D/keys/firm" "$D/policies/policy.json" >/dev/null 2>&1 ||
    { echo "1..0 # SKIP policy sign failed"; exit 0; }
PUB="$D/keys/firm.pub"

cat > "$D/etc/mamori.conf" <<CONF
[server]
listen = $D/sock
[store]
path = $D/m.db
identity_key_file = $D/id.key
[plugins]
dir = $D/plugins
CONF
cat > "$D/etc/tenants.d/acme.conf" <<CONF
[tenant]
connector = generic
webhook_secret_file = $D/secrets/wh

[plugin rules]
path = rules.so
policy = $D/policies/policy.json
policy_pubkey = $PUB
CONF

check_ok() {  # check_ok DESCRIPTION
    "$FCGI" -t -c "$D/etc/mamori.conf" >/dev/null 2>"$D/err"
    ok $? "$1"
    [ -s "$D/err" ] && grep -iv 'plugin_log\|loaded' "$D/err" | head -5 | sed 's/^/#   /'
}

# refused DESCRIPTION EXPECTED-TEXT...: -t exits 1 and says every text.
refused() {
    local what=$1 rc out t miss=0
    shift
    out=$("$FCGI" -t -c "$D/etc/mamori.conf" 2>&1 >/dev/null)
    rc=$?
    for t in "$@"; do
        case "$out" in *"$t"*) ;; *) miss=1 ;; esac
    done
    [ "$rc" = 1 ] && [ $miss = 0 ]
    ok $? "$what"
    [ "$rc" = 1 ] && [ $miss = 0 ] || { echo "#   exit $rc; wanted: $*"; printf '%s\n' "$out" | head -5 | sed 's/^/#   /'; }
}

# world PATH DESCRIPTION: o+w on PATH is refused, naming it; then put back.
world() {
    local p=$1 mode
    mode=$(stat -c %a "$p")
    chmod o+w "$p"
    refused "$2 writable by others: refused" "$p" "writable by group or others" "chmod go-w"
    chmod "$mode" "$p"
}

echo "1..16"
check_ok "the tree as installed passes -t (signed policy, trusted paths)"

world "$D/etc/mamori.conf" "mamori.conf"
world "$D/etc" "the directory of mamori.conf"
world "$D/etc/tenants.d" "tenants.d"
world "$D/etc/tenants.d/acme.conf" "a tenant file"
world "$D/plugins/rules.so" "the plugin"
world "$D/plugins" "the plugin directory"
world "$D/policies/policy.json" "the policy"
world "$D/policies" "the policy's directory"
world "$PUB" "the policy's public key"

chmod g+w "$D/etc/tenants.d/acme.conf"
refused "a group-writable tenant file: refused" "$D/etc/tenants.d/acme.conf" "writable by group or others"
chmod g-w "$D/etc/tenants.d/acme.conf"

# A symbolic link in the last component is refused (name the file itself).
mv "$D/etc/tenants.d/acme.conf" "$D/acme.real"
ln -s "$D/acme.real" "$D/etc/tenants.d/acme.conf"
refused "a tenant file that is a symbolic link: refused" "$D/etc/tenants.d/acme.conf" "symbolic link"
rm "$D/etc/tenants.d/acme.conf" && mv "$D/acme.real" "$D/etc/tenants.d/acme.conf"

mv "$D/policies/policy.json" "$D/policy.real"
ln -s "$D/policy.real" "$D/policies/policy.json"
refused "a policy that is a symbolic link: refused" "$D/policies/policy.json" "symbolic link"
rm "$D/policies/policy.json" && mv "$D/policy.real" "$D/policies/policy.json"

# Another user's file: that user could rewrite it.
chown nobody "$D/etc/mamori.conf"
refused "mamori.conf owned by another user: refused" "$D/etc/mamori.conf" "owned by uid" "chown root"
chown root "$D/etc/mamori.conf"

# A sticky, root-owned, world-writable directory (like /tmp) above a file is
# fine: nobody can rename another user's entries there.
chmod 1777 "$D"
check_ok "a sticky root-owned world-writable directory above (like /tmp) is accepted"
chmod 755 "$D"
check_ok "after every change is put back, -t passes again"

[ "$N" = 16 ] || echo "# ran $N tests, planned 16"
[ "$FAILED" = 0 ]

#!/bin/bash
# tests/packaging/fresh_container_inside.sh PHASE -- the part of
# tests/packaging/fresh_container.sh that runs inside the fresh Debian 12
# container, as root, with the checkout's files in /src/mamori. It prints
# "ok - ..." / "not ok - ..." lines (the outer script numbers them) and
# "# ..." diagnostics. Nothing here is Debian-12-specific beyond what an
# administrator would type from packaging/README.md and doc/helpdesks.md.
#
#   install   (network) packaging/build-deb.sh --nocheck, which installs its
#             own build dependencies, then apt-get install of the .deb; or,
#             with /debs/mamori_*.deb present (CI: the package its Debian
#             step built), only the apt-get install. Then nginx, curl and
#             openssl, for the check below (their services not started).
#   run       (no network needed) one tenant per helpdesk section of the
#             installed helpdesks.md, completed by the [plugin rules]
#             section of mamori-tenant(5)'s EXAMPLE; secrets as the guide's
#             step 2 makes them; `mamori-fcgi -t` as root changes no owner
#             in /var/lib/mamori; then started as packaging/README.md says
#             for a container (no systemd): runuser -u mamori, listening on
#             /run/mamori/mamori.sock for www-data; nginx with the shipped
#             snippet; /healthz 200 and every tenant loaded; the store owned
#             by mamori.
set -u
PHASE=${1:?phase}
export DEBIAN_FRONTEND=noninteractive
APT="apt-get -y -q -o DPkg::Lock::Timeout=600"
TIMEOUT=${MAMORI_TEST_START_TIMEOUT:-120}
ok() { if [ "$1" -eq 0 ]; then echo "ok - $2"; else echo "not ok - $2"; fi; return "$1"; }
diag() { sed 's/^/# /'; }
t_start=$(date +%s)
took() { echo "# time: $1 $(( $(date +%s) - t_start )) s"; t_start=$(date +%s); }

case "$PHASE" in
install)
    if ls /debs/mamori_*.deb >/dev/null 2>&1; then
        echo "# using the package built outside (/debs): build-deb.sh is not run here"
    else
        cd /src/mamori || exit 1
        packaging/build-deb.sh --nocheck /root/debs > /root/build-deb.log 2>&1
        rc=$?
        ok $rc "packaging/build-deb.sh --nocheck in a fresh container (it installs its own build dependencies)"
        [ $rc -eq 0 ] || { tail -n 30 /root/build-deb.log | diag; exit 1; }
        took "build-deb.sh"
        grep -q '^==> build dependencies missing:' /root/build-deb.log
        ok $? "... and it said which build dependencies it installed"
        cmd=$(sed -n 's/^ *apt-get install \(\/[^ ]*mamori_[^ ]*\.deb\)$/\1/p' /root/build-deb.log | head -1)
        [ -n "$cmd" ] && [ -f "$cmd" ]; ok $? "... and printed the apt-get install command with the .deb's full path"
        mkdir -p /debs && cp /root/debs/*.deb /debs/
    fi
    $APT install /debs/mamori_*_*.deb > /root/apt-mamori.log 2>&1
    ok $? "apt-get install ./mamori_*.deb" || { tail -n 20 /root/apt-mamori.log | diag; exit 1; }
    took "apt-get install mamori"
    # The check's tools; their services must not start (no init here, and
    # the host's port 80 may be taken).
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d
    $APT install --no-install-recommends nginx curl openssl > /root/apt-tools.log 2>&1
    rc=$?
    rm -f /usr/sbin/policy-rc.d
    ok $rc "nginx, curl and openssl for the check" || { tail -n 20 /root/apt-tools.log | diag; exit 1; }
    took "apt-get install nginx curl openssl"
    ;;
run)
    guide=$(ls /usr/share/doc/mamori/helpdesks.md* 2>/dev/null | head -1)
    man5=$(ls /usr/share/man/man5/mamori-tenant.5* 2>/dev/null | head -1)
    [ -n "$guide" ] && [ -n "$man5" ]; ok $? "the package installed helpdesks.md and mamori-tenant(5)"
    # [plugin rules] of mamori-tenant(5)'s EXAMPLE, up to the next section.
    plugin=$(zcat -f "$man5" | awk '/^\.SH EXAMPLE/ { ex = 1 } ex && /^\[plugin / { on = 1 } on && /^\[/ && !/^\[plugin / { exit } on && /^\./ { exit } on')
    [ -n "$plugin" ]; ok $? "mamori-tenant(5)'s EXAMPLE has a [plugin rules] section"
    # Each "## Title" section's first ini block with "connector = X" is
    # tenant X's file (acme's secrets renamed to X's: one set per tenant).
    zcat -f "$guide" | awk -v dir=/etc/mamori/tenants.d -v plugin="$plugin" '
        /^## / { done = 0 }
        /^```ini/ && !done { on = 1; buf = ""; next }
        on && /^```/ {
            on = 0
            if (match(buf, /connector = [a-z]+/)) {
                c = substr(buf, RSTART + 12, RLENGTH - 12)
                gsub(/\/etc\/mamori\/secrets\/acme\./, "/etc/mamori/secrets/" c ".", buf)
                f = dir "/" c ".conf"
                printf "%s\n%s\n", buf, plugin > f
                close(f)
                print c
                done = 1
            }
            next
        }
        on { buf = buf $0 "\n" }' > /root/tenants.txt
    tenants=$(tr '\n' ' ' < /root/tenants.txt)
    echo "# tenants from the guide: $tenants"
    n=$(wc -l < /root/tenants.txt)
    [ "$n" -ge 9 ]; ok $? "one tenant file per helpdesk section of the guide ($n: $tenants)"
    # Step 2 of the guide, for every secret a tenant names; credentials in
    # the shape the guide's table gives.
    umask 027
    for f in $(sed -n 's/^[a-z_]*_file *= *\(\/etc\/mamori\/secrets\/[^ ]*\).*/\1/p' /etc/mamori/tenants.d/*.conf | sort -u); do
        case "$f" in
        *.zendesk) echo "mamori-agent@example.com/token:$(openssl rand -hex 20)" > "$f" ;;
        *.helpscout) echo "$(openssl rand -hex 12):$(openssl rand -hex 20)" > "$f" ;;
        *.jira) echo "mamori@example.com:$(openssl rand -hex 20)" > "$f" ;;
        *.webhook) case "$f" in
                   */freshdesk.*|*/znuny.*) echo "mamori:$(openssl rand -hex 32)" > "$f" ;;
                   *) openssl rand -hex 32 > "$f" ;;
                   esac ;;
        *) openssl rand -hex 32 > "$f" ;;
        esac
    done
    chgrp mamori /etc/mamori/secrets/*
    umask 022
    ls -l /etc/mamori/secrets | diag
    [ -z "$(ls -A /var/lib/mamori)" ]; ok $? "the store directory is empty before the check"

    out=$(mamori-fcgi -t 2>&1); rc=$?
    ok $rc "mamori-fcgi -t as root accepts the guide's tenants"
    [ $rc -eq 0 ] || printf '%s\n' "$out" | diag
    bad=$(find /var/lib/mamori ! -user mamori)
    [ -z "$bad" ]; ok $? "... and leaves nothing owned by root in /var/lib/mamori${bad:+ (root-owned: $bad)}"
    made=$(ls -A /var/lib/mamori)
    [ -z "$made" ]; ok $? "... and creates nothing there (a check changes no state)${made:+ (made: $made)}"

    # packaging/README.md, "Without systemd (a container ...)".
    adduser -q mamori www-data
    install -d -o mamori -g mamori -m 0755 /run/mamori
    sed -i '/^\[server\]/a listen = /run/mamori/mamori.sock\nlisten_group = www-data\nlisten_mode = 0660' /etc/mamori/mamori.conf
    mamori-fcgi --check-config > /root/check.log 2>&1; ok $? "mamori-fcgi --check-config with the container's [server] listen" ||
        diag < /root/check.log
    runuser -u mamori -- mamori-fcgi -c /etc/mamori/mamori.conf > /root/mamori.log 2>&1 &
    pid=$!
    cat > /etc/nginx/sites-enabled/default <<'NGX'
server {
    listen 127.0.0.1:8080;
    include /usr/share/mamori/web/nginx/mamori.conf;
}
NGX
    nginx > /root/nginx.log 2>&1; ok $? "nginx starts with the shipped snippet" || diag < /root/nginx.log
    code=""
    for _ in $(seq $((TIMEOUT * 10))); do
        code=$(curl -s -o /root/health.json -w '%{http_code}' http://127.0.0.1:8080/healthz)
        [ "$code" = 200 ] && break
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
    done
    [ "$code" = 200 ]; ok $? "GET /healthz through nginx is 200 (got $code)" ||
        { tail -n 30 /root/mamori.log | diag; tail -n 5 /var/log/nginx/error.log 2>/dev/null | diag; }
    details=$(curl -s http://127.0.0.1:8080/healthz/details)
    echo "$details" | head -c 600 | diag; echo
    missing=""
    for t in $tenants; do
        case "$details" in *"\"$t\""*) ;; *) missing="$missing $t" ;; esac
    done
    [ -z "$missing" ] && case "$details" in *'"status":"ok"'*) true ;; *) false ;; esac
    ok $? "/healthz/details: ok, every tenant loaded${missing:+ (missing:$missing)}"
    [ -f /var/lib/mamori/mamori.db ]; ok $? "the store exists"
    bad=$(find /var/lib/mamori ! -user mamori)
    [ -z "$bad" ]; ok $? "the store is owned by the service user mamori${bad:+ (not: $bad)}"
    # The housekeeper publishes what it serves just after the start.
    for _ in $(seq $((TIMEOUT * 10))); do
        out=$(mamori status 2>&1); rc=$?
        [ $rc -eq 0 ] && break
        sleep 0.1
    done
    ok $rc "mamori status (as root, the packaged configuration) says it runs (exit $rc)"
    printf '%s\n' "$out" | head -n 8 | diag
    kill -TERM $pid
    for _ in $(seq $((TIMEOUT * 10))); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
    ! kill -0 $pid 2>/dev/null; ok $? "mamori-fcgi stops on SIGTERM"
    nginx -s stop 2>/dev/null
    ;;
*) echo "fresh_container_inside.sh: unknown phase $PHASE" >&2; exit 2 ;;
esac

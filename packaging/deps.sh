# packaging/deps.sh -- the Debian packages mamori needs, in one place.
# Sourced by quickstart.sh and run-tests.sh.

# To build.
MAMORI_BUILD_DEPS="build-essential autoconf automake libtool pkg-config
  libfcgi-dev libjansson-dev libcurl4-openssl-dev libsqlite3-dev libpq-dev libssl-dev
  libutf8proc-dev libinih-dev libmecab-dev mecab-ipadic-utf8 liblinear-dev libcairo2-dev
  fonts-ipafont-gothic"
# To run the quick start (the daemon behind nginx, signed samples).
MAMORI_RUN_DEPS="nginx curl openssl ca-certificates fonts-ipafont-gothic"
# To run the whole test suite.
# chromium: the report page's browser test (tests/integration/report_browser.sh);
# poppler-utils: pdftotext reads the reports' PDFs back (tests/integration/incident_flow.sh).
MAMORI_TEST_DEPS="python3 valgrind sqlite3 postgresql-15 procps strace wrk clang libclang-rt-14-dev chromium bc
  poppler-utils"

# To build the Debian package (packaging/build-deb.sh), besides the
# Build-Depends of packaging/debian/control (mamori_deb_build_deps).
MAMORI_DEB_TOOLS="build-essential dpkg-dev debhelper"

# mamori_deb_build_deps CONTROL [nocheck]: the package names of CONTROL's
# Build-Depends, one a line (the first of alternatives, versions and
# architectures dropped; debhelper-compat is debhelper's). With nocheck,
# those marked <!nocheck> (needed only by the tests) are left out.
mamori_deb_build_deps() {
    awk -v nocheck="${2:-}" '
        /^Build-Depends:/ { on = 1; sub(/^Build-Depends:/, "") }
        on && /^[^ \t]/ && !/^Build-Depends:/ { on = 0 }
        on { buf = buf " " $0 }
        END {
            n = split(buf, dep, ",")
            for (i = 1; i <= n; i++) {
                d = dep[i]
                if (nocheck != "" && d ~ /<!nocheck>/) continue
                sub(/\|.*/, "", d); gsub(/\([^)]*\)|\[[^]]*\]|<[^>]*>/, "", d); gsub(/[ \t]/, "", d)
                if (d == "debhelper-compat") d = "debhelper"
                if (d != "") print d
            }
        }' "$1"
}

# mamori_missing_deps PACKAGE-LIST...: those not installed, one a line.
mamori_missing_deps() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || echo "$p"
    done
}

# mamori_install_deps PACKAGE-LIST...: apt-get install what is missing.
mamori_install_deps() {
    local missing=()
    mapfile -t missing < <(mamori_missing_deps "$@")
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "missing Debian packages: ${missing[*]}" >&2
        echo "run as root, or: sudo apt-get install ${missing[*]}" >&2
        return 1
    fi
    echo "==> installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || { echo "apt-get update failed" >&2; return 1; }
    apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null ||
        { echo "apt-get install failed" >&2; return 1; }
}

# Deployment tests, installed by their own step of run-tests.sh: Apache and
# lighttpd for the snippet tests, debhelper and lintian for the Debian
# package, wrk for the reload/upgrade-under-load measurement.
# debootstrap and systemd-container (systemd-nspawn) for the fresh Debian 12
# container (tests/packaging/fresh_container.sh).
MAMORI_PACKAGING_DEPS="apache2 lighttpd debhelper dh-autoreconf lintian wrk debootstrap systemd-container"

# mamori_install_no_start PACKAGE-LIST...: mamori_install_deps, but the
# packages' own services (apache2, lighttpd on port 80) are not started:
# the tests start the servers themselves on loopback ports.
mamori_install_no_start() {
    local made=0 rc
    if [ "$(id -u)" = 0 ] && [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made=1
    fi
    mamori_install_deps "$@"
    rc=$?
    [ $made = 1 ] && rm -f /usr/sbin/policy-rc.d
    return $rc
}

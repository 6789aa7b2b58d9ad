#!/bin/bash
# Building and installing the Debian package, what can be checked without
# building it (issue 15, "the admin's first hour", item 2):
#  - packaging/build-deb.sh --help says the build runs the test suite and
#    how to skip it; --dry-run names the build dependencies from
#    packaging/debian/control (through packaging/deps.sh), the options, the
#    absolute path of the .deb and the apt-get install command, and
#    changes nothing;
#  - the postinst debhelper generates from debian/rules (when debhelper is
#    installed) enables only mamori.socket on a fresh install and never
#    restarts the socket on upgrade: run with stand-ins for
#    deb-systemd-helper / deb-systemd-invoke / systemctl that record calls;
#  - packaging/README.md says the same as the packaging.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
P="$top_srcdir/packaging"
R="$P/README.md"
N=0 FAILED=0
ok() { N=$((N + 1)); if [ "$1" -eq 0 ]; then echo "ok $N - $2"; else echo "not ok $N - $2"; FAILED=$((FAILED + 1)); fi; }
like() { case "$1" in *"$2"*) ok 0 "$3" ;; *) ok 1 "$3"; printf '%s\n' "$1" | head -20 | sed 's/^/#   /'; echo "#   (wanted '$2')" ;; esac; }
unlike() { case "$1" in *"$2"*) ok 1 "$3"; printf '%s\n' "$1" | grep -F -- "$2" | sed 's/^/#   /' ;; *) ok 0 "$3" ;; esac; }
T=$(mktemp -d /tmp/mamori-builddeb.XXXXXX)
trap 'rm -rf "$T"' EXIT

# ---- build-deb.sh ----------------------------------------------------------
help=$(bash "$P/build-deb.sh" --help); ok $? "build-deb.sh --help exits 0"
like "$help" "runs mamori's whole test suite" "--help: the build runs the test suite"
like "$help" "DEB_BUILD_OPTIONS=nocheck" "--help: ... and DEB_BUILD_OPTIONS=nocheck skips it"
like "$help" "--nocheck" "--help: ... or --nocheck"
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$P/debian/changelog")
arch=$(dpkg --print-architecture 2>/dev/null || echo amd64)
out=$(cd "$T" && DEB_BUILD_OPTIONS= bash "$P/build-deb.sh" --dry-run debs 2>&1); ok $? "build-deb.sh --dry-run exits 0"
like "$out" "the build runs the test suite" "--dry-run: says the tests will run"
like "$out" "would write: $T/debs/mamori_${version}_${arch}.deb" "--dry-run: the absolute path of the .deb (a relative OUTDIR resolved)"
like "$out" "apt-get install $T/debs/mamori_${version}_${arch}.deb" "--dry-run: the exact apt-get install command"
[ ! -e "$T/debs" ]; ok $? "--dry-run creates nothing"
out=$(DEB_BUILD_OPTIONS=nocheck bash "$P/build-deb.sh" -n "$T/d2" 2>&1)
like "$out" "test suite is skipped" "DEB_BUILD_OPTIONS=nocheck: says the tests are skipped"
like "$out" "DEB_BUILD_PROFILES='nocheck'" "... and sets the nocheck build profile (the tests' build dependencies are not needed)"
out=$(bash "$P/build-deb.sh" --frobnicate 2>&1); rc=$?
[ $rc = 2 ]; ok $? "an unknown option is refused with status 2 (got $rc)"
grep -q 'deps.sh' "$P/build-deb.sh" && grep -q 'mamori_install_deps' "$P/build-deb.sh"
ok $? "build-deb.sh installs its build dependencies through packaging/deps.sh"
deps=$(. "$P/deps.sh"; mamori_deb_build_deps "$P/debian/control" | tr '\n' ' ')
like "$deps" "debhelper " "deps.sh reads the Build-Depends of debian/control (debhelper-compat -> debhelper)"
like "$deps" "libfcgi-dev " "... all of them"
like "$deps" "nginx" "... with the tests' build dependencies"
deps=$(. "$P/deps.sh"; mamori_deb_build_deps "$P/debian/control" nocheck | tr '\n' ' ')
unlike "$deps" "nginx" "... and without them for nocheck"
unlike "$deps" "(" "... names only, no versions"

# ---- the postinst: only the socket is enabled ---------------------------------
if command -v dh_installsystemd >/dev/null && [ -f "$top_builddir/packaging/systemd/mamori.service" ]; then
    mkdir -p "$T/pkg"
    cp -r "$P/debian" "$T/pkg/debian"
    chmod -R u+w "$T/pkg/debian"   # a read-only source tree (make distcheck)
    mkdir -p "$T/pkg/debian/mamori/lib/systemd/system"
    cp "$top_builddir/packaging/systemd/mamori.socket" "$top_builddir/packaging/systemd/mamori.service" \
        "$T/pkg/debian/mamori/lib/systemd/system/"
    (cd "$T/pkg" && make -f debian/rules override_dh_installsystemd >"$T/dh.log" 2>&1)
    ok $? "debian/rules' dh_installsystemd runs"
    snippet="$T/pkg/debian/.debhelper/generated/mamori/postinst.service"
    [ -f "$snippet" ]; ok $? "it generates the postinst's systemd part"
    mkdir -p "$T/bin"
    for c in deb-systemd-helper deb-systemd-invoke systemctl; do
        cat > "$T/bin/$c" <<STUB
#!/bin/sh
echo "$c \$*" >> "$T/calls"
# A fresh install: every unit "was enabled" (the default) and none was
# installed by Debian before.
case "\$*" in *debian-installed*) exit 1 ;; esac
exit 0
STUB
        chmod +x "$T/bin/$c"
    done
    : > "$T/calls"
    PATH="$T/bin:$PATH" sh -e "$snippet" configure ""; ok $? "the postinst's systemd part runs (configure, fresh install)"
    calls=$(cat "$T/calls")
    like "$calls" "deb-systemd-helper enable mamori.socket" "a fresh install enables mamori.socket"
    unlike "$calls" "enable mamori.service" "... and not mamori.service (systemd starts it on the first request)"
    unlike "$(grep -E 'restart' "$snippet")" "mamori.socket" "an upgrade never restarts the socket (connections would be refused)"
    like "$(grep -E 'try-restart' "$snippet")" "mamori.service" "an upgrade restarts the service if it runs"
    unlike "$(grep -E 'deb-systemd-invoke (start|restart)' "$snippet")" "mamori.service" "the install never starts the service itself"
else
    echo "# debhelper is not installed (packaging/deps.sh MAMORI_PACKAGING_DEPS): postinst checks skipped"
fi
grep -q '^Also=' "$P/systemd/mamori.service.in"; [ $? -ne 0 ]
ok $? "mamori.service has no Also=mamori.socket (enabling the service alone must not bring the socket back)"

# ---- what the README says ------------------------------------------------------
readme=$(cat "$R")
like "$readme" "enables \`mamori.socket\` only" "README: the package enables only the socket"
like "$readme" "apt-get install ./build-deb/mamori_" "README: apt-get install from the checkout names the build-deb/ folder"
unlike "$(grep -n 'apt-get install \./mamori_' "$R" "$top_srcdir/README.md")" "install ./mamori_" "README: no apt-get install ./mamori_*.deb from an unnamed folder"
like "$readme" "DEB_BUILD_OPTIONS=nocheck" "README: how to skip the tests in the package build"
like "$readme" "Without systemd" "README: running without systemd (a container)"
like "$readme" "listen_group = www-data" "... with the socket's group for the web server"
like "$readme" "502" "... and what happens without it (502)"

echo "1..$N"
[ "$FAILED" -eq 0 ]

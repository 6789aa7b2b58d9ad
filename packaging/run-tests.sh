#!/bin/bash
# mamori's whole test suite -- the README's second command (as root on a
# fresh Debian 12 machine; CI runs it through .ci/run):
#
#   packaging/run-tests.sh
#
# 1. installs the Debian packages it needs (Request Tracker and Redmine in
#    the background, while the builds run);
# 2. builds with warnings as errors and runs there what cannot run under
#    the sanitizers (the daemon under valgrind, the model retrained twice),
#    then the real-helpdesk tests (RT 5, Redmine 5 on loopback);
# 3. builds again with AddressSanitizer + UndefinedBehaviorSanitizer and
#    runs the whole `make check` there (unit tests, plugin-loader tests,
#    policy and corpus tests, integration tests against real nginx, Apache,
#    lighttpd, PostgreSQL and Chromium);
# 4. builds the libFuzzer targets with clang and fuzzes them for a minute,
#    all at once;
# 5. runs `make distcheck` (the tarball's own tests: print-distcheck-tests);
# 6. does the administrator's first hour in a fresh Debian 12 container
#    (build-deb.sh there), then tests that package on this machine.
#
# Builds happen out of tree in build-tests/. Every assertion counts; the
# last line is the plain summary "N passed, N failed, N skipped".
set -uo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT="$TOP/build-tests"
JOBS=$(nproc 2>/dev/null || echo 2)
. "$TOP/packaging/deps.sh"

PASSED=0 FAILED=0 SKIPPED=0
FAILED_STEPS=()

note() { printf '==> %s\n' "$*"; }

# Add one suite's counts (automake's test-suite.log) to the totals.
count_suite() {
    local log=$1 p f e x s
    [ -f "$log" ] || return 1
    p=$(sed -n 's/^# PASS: *//p' "$log" | head -1)
    x=$(sed -n 's/^# XFAIL: *//p' "$log" | head -1)
    f=$(sed -n 's/^# FAIL: *//p' "$log" | head -1)
    e=$(sed -n 's/^# ERROR: *//p' "$log" | head -1)
    s=$(sed -n 's/^# SKIP: *//p' "$log" | head -1)
    local xp
    xp=$(sed -n 's/^# XPASS: *//p' "$log" | head -1)
    PASSED=$((PASSED + ${p:-0} + ${x:-0}))
    FAILED=$((FAILED + ${f:-0} + ${e:-0} + ${xp:-0}))
    SKIPPED=$((SKIPPED + ${s:-0}))
    echo "    $(basename "$(dirname "$log")"): pass ${p:-0}, fail $(( ${f:-0} + ${e:-0} + ${xp:-0} )), skip ${s:-0}"
}

# run_step NAME LOGFILE COMMAND...: a step that is one pass or one failure.
run_step() {
    local name=$1 log=$2 start
    shift 2
    start=$(date +%s)
    note "$name (log: ${log#$TOP/})"
    if "$@" >"$log" 2>&1; then
        echo "    ok ($(( $(date +%s) - start )) s)"
        return 0
    fi
    echo "    FAILED ($(( $(date +%s) - start )) s); last lines:"
    tail -n 25 "$log" | sed 's/^/    | /'
    FAILED_STEPS+=("$name")
    return 1
}

# check_suite NAME BUILDDIR [TESTS]: make check (of TESTS only, when
# given), then count every assertion.
check_suite() {
    local name=$1 dir=$2 tests=${3:-} start
    start=$(date +%s)
    if [ -n "$tests" ]; then
        note "$name: make check TESTS=\"$tests\""
        (cd "$dir" && make -j"$JOBS" check TESTS="$tests") >"$dir/check.log" 2>&1
    else
        note "$name: make check"
        (cd "$dir" && make -j"$JOBS" check) >"$dir/check.log" 2>&1
    fi
    local rc=$?
    if ! count_suite "$dir/test-suite.log"; then
        echo "    make check did not produce test-suite.log; last lines:"
        tail -n 25 "$dir/check.log" | sed 's/^/    | /'
        FAILED=$((FAILED + 1))
        FAILED_STEPS+=("$name")
        return
    fi
    if [ $rc -ne 0 ]; then
        FAILED_STEPS+=("$name")
        # Each failure with the diagnostics under it (got/want, the
        # daemon's and web server's last log lines), so CI's output says why.
        awk '/^(FAIL|ERROR|XPASS):/ { print; n = 12; next }
             n > 0 && /^#/ { print; n--; next } { n = 0 }' "$dir/test-suite.log" |
            head -120 | sed 's/^/    | /'
    fi
    echo "    ($(( $(date +%s) - start )) s)"
}

finish() {
    echo
    if [ ${#FAILED_STEPS[@]} -gt 0 ]; then
        echo "failed steps: ${FAILED_STEPS[*]}"
    fi
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    [ "$FAILED" -eq 0 ]
    exit $?
}

t0=$(date +%s)
mkdir -p "$OUT"
if ! run_step "install Debian packages" "$OUT/apt.log" \
        mamori_install_deps $MAMORI_BUILD_DEPS $MAMORI_RUN_DEPS $MAMORI_TEST_DEPS; then
    FAILED=$((FAILED + 1)); finish
fi
if [ -f "$TOP/config.status" ]; then
    note "the source tree is configured in place; running make distclean there first"
    (cd "$TOP" && make distclean) >/dev/null 2>&1 || true
fi
# Web servers and packaging tools: their own step, so a failure here does
# not stop the build and the unit tests.
if run_step "install web servers and packaging tools" "$OUT/apt-packaging.log" \
        mamori_install_no_start $MAMORI_PACKAGING_DEPS; then
    PASSED=$((PASSED + 1))
else
    FAILED=$((FAILED + 1))
fi
# Debian's Request Tracker and Redmine (for step 1b) install in the
# background while the builds run: apt and the postinsts wait on disk and
# the network, the compiler on the CPU. Nothing else here uses apt until
# step 1b waits for it.
note "install RT 5 and Redmine 5, in the background (log: ${OUT#$TOP/}/real-helpdesks-apt.log)"
real_apt_start=$(date +%s)
( sh "$TOP/packaging/install-real-helpdesks.sh" >"$OUT/real-helpdesks-apt.log" 2>&1
  echo $? >"$OUT/real-helpdesks-apt.rc" ) &
REAL_APT_PID=$!

run_step "autogen" "$OUT/autogen.log" sh -c "cd '$TOP' && ./autogen.sh" || { FAILED=$((FAILED + 1)); wait; finish; }

# 1. Release build, warnings are errors.
rm -rf "$OUT/release"; mkdir -p "$OUT/release"
if run_step "build (-Werror)" "$OUT/release-build.log" \
        sh -c "cd '$OUT/release' && '$TOP/configure' --enable-werror && make -j$JOBS"; then
    PASSED=$((PASSED + 1))
    # The whole suite runs once, in step 2 under the sanitizers; here only
    # what cannot run there (Makefile.am, RELEASE_ONLY_TESTS).
    check_suite "release" "$OUT/release" "$(cd "$OUT/release" && make -s print-release-only-tests | grep '^tests/' | tr '\n' ' ' | sed 's/ $//')"
else
    FAILED=$((FAILED + 1))
fi

# 1b. The real-helpdesk tier (issue 4): Debian's Request Tracker 5 and
#     Redmine 5 on loopback, once, against the release build (~2 minutes,
#     most of it apt). packaging/install-real-helpdesks.sh installs them.
if [ -f "$OUT/release/Makefile" ]; then
    note "install RT 5 and Redmine 5 (the background install)"
    wait "$REAL_APT_PID"
    if [ "$(cat "$OUT/real-helpdesks-apt.rc" 2>/dev/null)" = 0 ]; then
        echo "    ok (finished $(( $(stat -c %Y "$OUT/real-helpdesks-apt.rc") - real_apt_start )) s after it began)"
        check_real_start=$(date +%s)
        note "real helpdesks: make check-real-helpdesks (log: ${OUT#$TOP/}/real-helpdesks.log)"
        (cd "$OUT/release" && make check-real-helpdesks) >"$OUT/real-helpdesks.log" 2>&1
        real_rc=$?
        if ! count_suite "$OUT/release/test-suite.log" || [ $real_rc -ne 0 ]; then
            [ $real_rc -ne 0 ] && grep -E '^(FAIL|ERROR)' "$OUT/release/test-suite.log" | head -20 | sed 's/^/    | /'
            FAILED=$((FAILED + 1))
            FAILED_STEPS+=("real helpdesks")
        fi
        echo "    ($(( $(date +%s) - check_real_start )) s)"
    else
        echo "    FAILED; last lines:"
        tail -n 25 "$OUT/real-helpdesks-apt.log" | sed 's/^/    | /'
        FAILED_STEPS+=("install RT 5 and Redmine 5")
        FAILED=$((FAILED + 1))
    fi
fi
wait "$REAL_APT_PID" 2>/dev/null

# 2. ASan + UBSan build.
rm -rf "$OUT/asan"; mkdir -p "$OUT/asan"
if run_step "build (ASan+UBSan)" "$OUT/asan-build.log" \
        sh -c "cd '$OUT/asan' && '$TOP/configure' --enable-sanitizers --enable-werror && make -j$JOBS"; then
    PASSED=$((PASSED + 1))
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1 check_suite "asan" "$OUT/asan"
else
    FAILED=$((FAILED + 1))
fi

# 2b. libFuzzer targets (clang): the policy engine and a whole request
# through the app, and the agent's note over arbitrary text and evidence
# offsets, each for FUZZ_SECONDS on its seed corpus.
rm -rf "$OUT/fuzz"; mkdir -p "$OUT/fuzz"
if run_step "build (libFuzzer, clang)" "$OUT/fuzz-build.log" \
        sh -c "cd '$OUT/fuzz' && CC=clang '$TOP/configure' --enable-fuzzing && make -j$JOBS fuzz-build"; then
    PASSED=$((PASSED + 1))
    if run_step "fuzz for ${FUZZ_SECONDS:-60} s per target" "$OUT/fuzz-run.log" \
            sh -c "cd '$OUT/fuzz' && make fuzz-run FUZZ_SECONDS=${FUZZ_SECONDS:-60}"; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
    fi
else
    FAILED=$((FAILED + 1))
fi

# 3. The release tarball builds, installs, uninstalls cleanly and passes its
#    own tests: the unit, engine, policy and config tests and one integration
#    test per area (DISTCHECK_TESTS in Makefile.am; the whole suite already
#    ran above on the same sources).
if [ -f "$OUT/release/Makefile" ]; then
    if run_step "make distcheck" "$OUT/distcheck.log" \
            sh -c "cd '$OUT/release' && make -j$JOBS distcheck DISTCHECK_CONFIGURE_FLAGS=--enable-werror TESTS=\"\$(make -s print-distcheck-tests | grep '^tests/' | tr '\n' ' ')\""; then
        PASSED=$((PASSED + 1))
    else
        FAILED=$((FAILED + 1))
    fi
fi

# 4. The administrator's first hour in a fresh Debian 12 container
# (tests/packaging/fresh_container.sh, issue 15's "Done when"): debootstrap
# bookworm, then inside it build-deb.sh (installing its own build
# dependencies), apt-get install, one tenant per helpdesk from the docs,
# mamori-fcgi -t as root, start, healthy, the store owned by mamori. Every
# assertion counts. Nothing is cached between runs. The package it builds
# is copied out to build-tests/deb and is the one the Debian package steps
# below test (one build of the package, in the fresh container); if it made
# none, they build it on this machine.
rm -rf "$OUT/deb"
if [ -f "$OUT/release/Makefile" ]; then
    fresh_env=(MAMORI_FRESH_DEB_OUT="$OUT/deb")
    run_step "fresh Debian 12 container: build-deb.sh, install, a tenant per helpdesk, -t, start, healthy" \
        "$OUT/fresh-container.log" env "${fresh_env[@]}" sh -c "cd '$OUT/release' && make check-fresh-container"
    flog="$OUT/release/tests/packaging/fresh_container.log"
    p=$(grep -c '^ok ' "$flog" 2>/dev/null)
    f=$(grep -c '^not ok ' "$flog" 2>/dev/null)
    s=$(grep -c '^1\.\.0 # SKIP' "$flog" 2>/dev/null)
    [ "${p:-0}" -eq 0 ] && [ "${f:-0}" -eq 0 ] && [ "${s:-0}" -eq 0 ] && f=1
    PASSED=$((PASSED + ${p:-0}))
    FAILED=$((FAILED + ${f:-0}))
    SKIPPED=$((SKIPPED + ${s:-0}))
    echo "    fresh container: pass ${p:-0}, fail ${f:-0}, skip ${s:-0}"
    grep '^# time: ' "$flog" 2>/dev/null | sed 's/^/    /'
fi

# 5. The Debian package (the one the fresh container built, else built
# here): lintian, install on this machine, the smoke test against the
# installed files (every assertion counts), reload and
# upgrade under load, purge (packaging/ci-deb.sh, packaging/README.md).
deb_step() {  # deb_step NAME STEP
    if run_step "$1" "$OUT/deb-$2.log" "$TOP/packaging/ci-deb.sh" "$2" "$OUT/deb"; then
        PASSED=$((PASSED + 1))
        return 0
    fi
    FAILED=$((FAILED + 1))
    return 1
}
if ls "$OUT"/deb/mamori_*.changes >/dev/null 2>&1; then
    note "Debian package: the one built in the fresh container ($(cd "$OUT/deb" && ls mamori_*.deb | head -1))"
    have_deb=0
else
    deb_step "Debian package: dpkg-buildpackage -us -uc -b" build
    have_deb=$?
fi
if [ "$have_deb" -eq 0 ]; then
    deb_step "Debian package: lintian" lintian
    if deb_step "Debian package: apt-get install ./mamori_*.deb" install; then
        run_step "Debian package: smoke test of the installed files" "$OUT/deb-smoke.log" \
            "$TOP/packaging/ci-deb.sh" smoke "$OUT/deb"
        p=$(grep -c '^ok ' "$OUT/deb-smoke.log")
        f=$(grep -c '^not ok ' "$OUT/deb-smoke.log")
        [ "$p" -eq 0 ] && [ "$f" -eq 0 ] && f=1
        PASSED=$((PASSED + p))
        FAILED=$((FAILED + f))
        echo "    smoke: pass $p, fail $f"
        deb_step "Debian package: SIGHUP reloads under load lose nothing" reload &&
            grep '^reload-load: mode' "$OUT/deb-reload.log" | sed 's/^/    /'
        deb_step "Debian package: upgrade under load loses nothing" upgrade &&
            grep '^reload-load: mode' "$OUT/deb-upgrade.log" | sed 's/^/    /'
        deb_step "Debian package: apt-get purge" purge
    fi
fi

note "total time $(( $(date +%s) - t0 )) s"
finish

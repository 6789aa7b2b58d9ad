#!/bin/bash
# configure names every missing dependency, each with the Debian package
# that provides it, all at once (not one per run).
set -u
: "${top_srcdir:?run through make check}"
[ -f "$top_srcdir/config.status" ] && { echo "1..0 # SKIP the source tree is configured in place (VPATH configure impossible)"; exit 0; }
dir=$(mktemp -d /tmp/mamori-configure.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1
PKG_CONFIG_LIBDIR=/nonexistent ac_cv_path_MECAB_CONFIG=no "$top_srcdir/configure" >out.txt 2>&1
rc=$?
echo "1..11"
n=0
check() { n=$((n + 1)); if grep -qF -- "$1" out.txt; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }
if [ $rc -ne 0 ]; then echo "ok 1 - configure fails without the dependencies"; else echo "not ok 1 - configure fails without the dependencies"; fi
n=1
check "libfcgi-dev" "names libfcgi-dev"
check "libjansson-dev" "names libjansson-dev"
check "libcurl4-openssl-dev" "names libcurl4-openssl-dev"
check "libsqlite3-dev" "names libsqlite3-dev"
check "libpq-dev" "names libpq-dev"
check "libssl-dev" "names libssl-dev"
check "libutf8proc-dev" "names libutf8proc-dev"
check "libinih-dev" "names libinih-dev"
check "libmecab-dev" "names libmecab-dev"
check "apt-get install libfcgi-dev libjansson-dev" "gives one command that installs them all"
grep -A12 "missing dependencies" out.txt | sed 's/^/# /'

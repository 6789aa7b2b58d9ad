#!/bin/bash
# The key lists in mamori.conf(5) and mamori-tenant(5) are what the key
# tables say (doc/dump_keys.c writes them): a key added, removed or changed
# in a table without `make update-man` fails here, so the docs cannot drift.
set -u
: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
DUMP="$top_builddir/doc/dump_keys"
echo "1..4"
n=0
for page in mamori.conf.5 mamori-tenant.5; do
    n=$((n + 1))
    if out=$("$DUMP" "$top_srcdir/doc/$page" 2>&1) && [ "$out" = "$(cat "$top_srcdir/doc/$page")" ]; then
        echo "ok $n - doc/$page lists the keys the tables hold"
    else
        echo "not ok $n - doc/$page lists the keys the tables hold (run make update-man and commit)"
        diff -u "$top_srcdir/doc/$page" <(printf '%s\n' "$out") | head -40 | sed 's/^/#   /'
    fi
    n=$((n + 1))
    if command -v groff >/dev/null; then
        # (the Japanese words in the hand-written prose are not troff's input characters)
        warn=$(groff -man -ww -z "$top_srcdir/doc/$page" 2>&1 | grep -v 'invalid input character')
        if [ -z "$warn" ]; then echo "ok $n - doc/$page renders without warnings"
        else echo "not ok $n - doc/$page renders without warnings"; printf '%s\n' "$warn" | sed 's/^/#   /'; fi
    else
        echo "ok $n # SKIP groff not installed"
    fi
done

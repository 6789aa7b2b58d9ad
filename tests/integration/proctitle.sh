#!/bin/bash
# Every process of mamori-fcgi says what it is in `ps -o args` (issue 15,
# item 3): the supervisor "mamori-fcgi: supervisor <its command line>",
# each child "mamori-fcgi: <role> (generation N)" -- the role its comm
# (mamori-worker, mamori-deliverer, ...) names, workers with their slot --
# instead of all showing the supervisor's command line (base/proctitle.h).
# After a reload the new children show the new generation.
. "$top_srcdir/tests/integration/lib.sh"
command -v ps >/dev/null || skip_all "ps not found (apt-get install procps)"
IT_WORKERS=2
it_init 11
# A write-back URL, so the deliverer runs too (nothing is delivered).
IT_TENANT_EXTRA="
[helpdesk]
url = https://127.0.0.1:9/mamori" it_tenant acme generic
it_start_mamori || { echo "Bail out! mamori-fcgi did not start"; exit 1; }

kids() { ps --ppid "$IT_MAMORI_PID" -o pid=,comm=,args= 2>/dev/null; }
ready() {  # ready GENERATION: two workers, the housekeeper and the deliverer of it
    local k; k=$(kids)
    [ "$(grep -c "mamori-fcgi: worker [0-9]* (generation $1)" <<<"$k")" = 2 ] &&
        grep -q "mamori-fcgi: housekeeper (generation $1)" <<<"$k" &&
        grep -q "mamori-fcgi: deliverer (generation $1)" <<<"$k"
}
it_poll -p "$IT_MAMORI_PID" "$IT_TIMEOUT" ready 1
tap_ok $? "the workers, the housekeeper and the deliverer name their role and generation"
kids | tap_diag

sup=$(ps -o args= -p "$IT_MAMORI_PID")
tap_like "$sup" "mamori-fcgi: supervisor " "the supervisor says it is the supervisor"
tap_like "$sup" "-c $IT_DIR/mamori.conf" "... followed by its command line"

# Every child: the title names what its comm names (comm is cut at 15
# bytes: "mamori-housekee"), and none shows the supervisor's command line.
bad=""
while read -r pid comm args; do
    role=${comm#mamori-}
    case "$args" in "mamori-fcgi: $role"*) ;; *) bad="$bad [$pid $comm: $args]" ;; esac
done < <(kids)
tap_is "$bad" "" "every child's args start with the role of its comm"
tap_is "$(kids | grep -c -- "-c $IT_DIR/mamori.conf")" 0 "no child shows the supervisor's command line"
w=$(kids | grep -oE 'worker [0-9]+ ' | sort -u | wc -l)
tap_is "$w" 2 "the two workers show different slots"

# /proc/PID/cmdline ends at the title: no environment behind it.
wpid=$(kids | awk '$2 == "mamori-worker" { print $1; exit }')
tap_is "$(tr '\0' '\n' < "/proc/$wpid/cmdline" | grep -c .)" 1 "a worker's cmdline is the title alone (NUL-padded)"
tap_like "$(ps -o args= -p "$wpid")" "mamori-fcgi: worker" "ps -p shows the worker's title"

# A reload: the new generation's children say so.
kill -HUP "$IT_MAMORI_PID"
it_poll -p "$IT_MAMORI_PID" "$IT_TIMEOUT" ready 2
tap_ok $? "after SIGHUP the new children show generation 2"
tap_like "$(ps -o args= -p "$IT_MAMORI_PID")" "mamori-fcgi: supervisor " "the supervisor's title stays"
kill -TERM "$IT_MAMORI_PID"
wait "$IT_MAMORI_PID"
tap_is "$?" 0 "mamori-fcgi exits 0 after SIGTERM"
it_done

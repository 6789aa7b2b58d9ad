#!/bin/bash
# The tasks exactly one node may run (issue 18): escalation deadlines,
# retention and the poller, on two mamori-fcgi nodes sharing one
# PostgreSQL (a throwaway cluster, tests/pg_cluster.sh). Each role is a
# session advisory lock (store/pg_conn.c); pg_locks says which node holds
# it (each node connects with application_name=node<N>).
#
# Node 1 starts first and takes every role; node 2 joins. An escalation
# whose acknowledgement deadline passes is re-notified to the backup
# contact once, by node 1. Node 1 is killed with SIGKILL: node 2 takes
# every role, tells the backup about the next overdue escalation once,
# and runs the Redmine poller's round (the stand-in sees a second
# listing). Node 1 restarted takes nothing back. Also: `mamori backup`
# refuses a PostgreSQL store and names what to use instead, and `mamori
# status` says which node holds each role.
. "$top_srcdir/tests/integration/lib.sh"
. "$top_srcdir/tests/integration/helpdesk_lib.sh"
. "$top_srcdir/tests/integration/escalation_lib.sh"
. "$top_srcdir/tests/pg_cluster.sh"
. "$top_srcdir/tests/integration/ha_lib.sh"
[ -f "$top_builddir/plugins/rules/.libs/rules.so" ] || skip_all "rules plugin not built"
command -v openssl >/dev/null || skip_all "openssl not found"

pg_cluster_or_skip
it_init 29
trap 'pg_cluster_stop; it_cleanup' EXIT
hd_standin_start
esc_standins_start
# A two-second acknowledgement deadline (the deliverer checks every 5 s);
# a Redmine tenant polled once an hour, so a second listing means a
# second node ran the poller.
ESC_ROUTES="lawyer = lawyer-line" ESC_ACK_DEADLINE=2s esc_tenant fast
hd_tenant rm redmine "poll_interval = 3600"
ha_node_conf 1
ha_node_conf 2
lawyer_text="担当者に念書を書けと言っている。書かないなら毎日電話する。"
ROLES="escalation_deadlines poller retention"
all_roles_on() {  # all_roles_on NODE
    for r in $ROLES; do ha_role_is "$r" "$1" || return 1; done
}
holders() { for r in $ROLES; do printf '%s=%s ' "$r" "$(ha_role_holders "$r" | tr '\n' ,)"; done; }
listings() {  # the Redmine issue listings the stand-in answered (one per poll round)
    grep -c '"platform": "redmine", "method": "GET", "path": "/issues.json"' "$IT_DIR/standin.log" || true
}
backups() {  # backups TICKET: backup pushes about TICKET
    esc_count line 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "#'$1'" in e["body"]["messages"][0]["text"]'
}
backup_logged() { grep -c "escalation_backup.*ticket $2:" "$IT_DIR/node$1.log" || true; }  # backup_logged NODE TICKET

ha_start_node 1
tap_ok $? "node 1 started on the PostgreSQL store"
one_round() { all_roles_on node1 && [ "$(listings)" -ge 1 ]; }
it_poll -p "$NODE1_PID" "$IT_TIMEOUT" one_round
tap_ok $? "node 1 alone takes every role ($(holders)) and polls Redmine once"
ha_start_node 2
tap_ok $? "node 2 started on the same store"
ha_start_nginx
tap_ok $? "nginx answers through the upstream of two nodes"

# ---- (a) both nodes run: one re-notification -------------------------------
esc_post_ticket fast ev-a T-A "$lawyer_text"
tap_is "$HTTP_STATUS" 200 "an escalating webhook is answered"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "#T-A" in e["body"]["messages"][0]["text"]'
tap_is "$(backups T-A)" 1 "its deadline passed: the backup contact got the re-notification"
tap_is "$(backup_logged 1 T-A)/$(backup_logged 2 T-A)" "1/0" \
    "... queued by node 1, which holds escalation_deadlines; node 2 did not"
# A second one: its re-notification comes after further rounds of both
# nodes' deadline checks, and the first is still told once.
esc_post_ticket fast ev-b T-B "$lawyer_text"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "#T-B" in e["body"]["messages"][0]["text"]'
tap_is "$(backups T-B)/$(backups T-A)" "1/1" "a later escalation is re-notified once too, and the first still once"
tap_is "$(holders)" "escalation_deadlines=node1, poller=node1, retention=node1, " \
    "with both nodes running, each role has one holder: node 1"
tap_is "$(listings)" 1 "the Redmine stand-in saw one poll round (node 2's poller did not poll)"

# ---- (b) the holder dies: node 2 takes over ---------------------------------
ha_kill_node 1
tap_ok $? "node 1 killed with SIGKILL"
it_poll -p "$NODE2_PID" "$IT_TIMEOUT" all_roles_on node2
tap_ok $? "node 2 takes every role ($(holders))"
esc_post_ticket fast ev-c T-C "$lawyer_text"
tap_is "$HTTP_STATUS" 200 "the next escalating webhook is answered (by node 2)"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "#T-C" in e["body"]["messages"][0]["text"]'
tap_is "$(backups T-C)" 1 "its deadline passed: the backup contact got the re-notification"
tap_is "$(backup_logged 2 T-C)/$(backup_logged 1 T-C)" "1/0" "... queued by node 2"

# ---- (c) the poller and retention moved with it -----------------------------
two_listings() { [ "$(listings)" -ge 2 ]; }
it_poll -p "$NODE2_PID" "$IT_TIMEOUT" two_listings
tap_is "$(listings)" 2 "node 2's poller ran its round: the stand-in saw a second listing"
took() { grep "event=role_taken" "$IT_DIR/node$1.log" | sed -n 's/.*this node now runs \([a-z_]*\) .*/\1/p' | sort | tr '\n' ' '; }
tap_is "$(took 2)" "escalation_deadlines poller retention " "node 2's log says when it took each role"

# Node 1 comes back: it takes nothing (node 2 holds every role).
ha_start_node 1
tap_ok $? "node 1 restarted"
esc_post_ticket fast ev-d T-D "$lawyer_text"
esc_wait line 1 'e["ok"] and e["body"]["to"] == "'$ESC_BACKUP'" and "#T-D" in e["body"]["messages"][0]["text"]'
tap_is "$(backups T-D)/$(backup_logged 2 T-D)/$(backup_logged 1 T-D)" "1/1/0" \
    "with node 1 back, node 2 still re-notifies, once"
tap_is "$(holders)" "escalation_deadlines=node2, poller=node2, retention=node2, " \
    "each role still has one holder: node 2"
tap_is "$(listings)" 2 "no third poll round (poll_interval is an hour)"
tap_is "$(took 1)" "escalation_deadlines poller retention " "node 1's log has the roles of its first life only"
tap_is "$(esc_count line 'e["body"]["to"] == "'$ESC_BACKUP'"')" 4 "four backup pushes in all: one per escalation"

# ---- mamori status and mamori backup on PostgreSQL ---------------------------
"$MAMORI" -c "$IT_DIR/node1.conf" status > "$IT_DIR/status.out" 2>&1
tap_like "$(cat "$IT_DIR/status.out")" "escalation_deadlines: node2" "mamori status says which node holds each role"
tap_diag < "$IT_DIR/status.out"
"$MAMORI" -c "$IT_DIR/node1.conf" status --json > "$IT_DIR/status.json" 2>&1
tap_is "$(json 'sorted(d["roles"].items())' < "$IT_DIR/status.json")" \
    '[["escalation_deadlines", "node2"], ["poller", "node2"], ["retention", "node2"]]' "... and so does status --json"
"$MAMORI" -c "$IT_DIR/node1.conf" backup "$IT_DIR/copy.db" > "$IT_DIR/backup.out" 2>&1
tap_is "$?" 1 "mamori backup on a PostgreSQL store exits 1"
out=$(cat "$IT_DIR/backup.out")
tap_ok "$(case $out in *pg_dump*pg_basebackup* | *pg_basebackup*pg_dump*) echo 0 ;; *) echo 1 ;; esac)" \
    "... naming pg_dump and pg_basebackup instead ($out)"
tap_ok "$([ ! -e "$IT_DIR/copy.db" ]; echo $?)" "... and writes no file"

tap_is "$(esc_bad_requests)" 0 "the channel stand-in found no malformed request"
if [ "$TAP_FAILED" -gt 0 ]; then
    for f in node1 node2; do echo "# $f.log:"; tail -30 "$IT_DIR/$f.log" | tap_diag; done
fi
it_done

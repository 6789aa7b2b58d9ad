# tests/integration/ha_lib.sh -- several mamori-fcgi nodes on one throwaway
# PostgreSQL (tests/pg_cluster.sh), behind one nginx upstream; on top of
# lib.sh, after it_init, pg_cluster_start and the tenants are written.
#
#   ha_node_conf 1; ha_node_conf 2       # node<N>.conf from mamori.conf
#   ha_start_node 1 && ha_start_node 2   # NODE<N>_PID, logs in node<N>.log
#   ha_start_nginx                       # one upstream, both nodes
#   ha_kill_node 1                       # SIGKILL the node and its children
#   ha_role_holders poller               # which node holds a role
#
# Each node connects with application_name=node<N> in its URL, so
# pg_stat_activity (and the role locks in pg_locks) say which node a
# connection belongs to.

# node<N>.conf: same store, same identity and audit keys (every node must
# hash requesters and extend the audit chain with the same keys), own socket.
ha_node_conf() {  # ha_node_conf N
    sed -e "s#^listen = .*#listen = $IT_DIR/node$1.sock#" \
        -e "s#^path = .*#url = $PG_URL\&application_name=node$1#" \
        -e "s#^identity_key_file = .*#identity_key_file = $IT_DIR/identity.key#" \
        "$IT_DIR/mamori.conf" > "$IT_DIR/node$1.conf"
}

ha_start_node() {  # ha_start_node N: NODE<N>_PID
    rm -f "$IT_DIR/node$1.sock"
    "$MAMORI_FCGI" -c "$IT_DIR/node$1.conf" >>"$IT_DIR/node$1.log" 2>&1 &
    eval "NODE$1_PID=$!"
    IT_PIDS="$IT_PIDS $!"
    it_poll -p "$!" "$IT_TIMEOUT" test -S "$IT_DIR/node$1.sock" || {
        echo "# node $1 did not start:"; tail -20 "$IT_DIR/node$1.log" | tap_diag; return 1; }
}

# The node dies at once, as with a power cut: the supervisor and every
# process it started (their PostgreSQL connections close with them).
ha_kill_node() {  # ha_kill_node N
    local pid kids
    pid=$(eval echo "\$NODE$1_PID")
    kids=$(ps -o pid= --ppid "$pid" 2>/dev/null)
    kill -KILL "$pid" $kids 2>/dev/null
}

ha_start_nginx() {
    sed -e "s#fastcgi_pass unix:/run/mamori/mamori.sock;#fastcgi_pass mamori_nodes;#g" \
        -e "s#include fastcgi_params;#include $IT_DIR/fastcgi_params;#" \
        "$top_srcdir/packaging/web/nginx/mamori.conf" > "$IT_DIR/mamori-snippet.conf"
    cp /etc/nginx/fastcgi_params "$IT_DIR/fastcgi_params"
    # The access log names the node that answered (ha_two_nodes counts them).
    it_nginx_conf "log_format up '\$upstream_addr \$status';
    access_log $IT_DIR/nginx-access.log up;
    upstream mamori_nodes {
        server unix:$IT_DIR/node1.sock;
        server unix:$IT_DIR/node2.sock;
    }"
    "$NGINX" -p "$IT_DIR" -c "$IT_DIR/nginx.conf" 2>>"$IT_DIR/nginx-error.log"
    it_poll "$IT_TIMEOUT" it_healthz_answers
}

# ha_role_holders ROLE -- the nodes holding ROLE's advisory lock (store/pg_conn.c:
# class 1835889257, key hashtext(ROLE)), one application_name a line.
ha_role_holders() {
    pg_cluster_psql mamori "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 1835889257 AND l.objsubid = 2
          AND l.objid = hashtext('$1')::oid ORDER BY 1"
}
ha_role_is() { [ "$(ha_role_holders "$1")" = "$2" ]; }  # ha_role_is ROLE NODE

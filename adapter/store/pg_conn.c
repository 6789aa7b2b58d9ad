/* pg_conn.c -- see pg.h: connecting, errors, migrations, transactions,
 * leadership locks. */
#include "config.h"

#include "store/pg.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/log.h"
#include "base/strv.h"

/* The first key of every advisory lock mamori takes ("mmri"), so they
 * never collide with an application sharing the database. */
#define LOCK_CLASS "1835889257"
#define LOCK_MIGRATE "2"
/* Roles are held per connection; how many names we remember. */
#define MAX_ROLES 8

struct pg_roles {
    unsigned generation;        /* bumped at every reconnect: the server dropped our locks */
    unsigned held_generation[MAX_ROLES];
    char names[MAX_ROLES][32];
};

/* Kept beside the connection (pg.h keeps struct mamori_pg small). */
static struct pg_roles *roles_of(struct mamori_store *st);

int mamori_pg_is_url(const char *location)
{
    return location != NULL && (strncmp(location, "postgresql://", 13) == 0 || strncmp(location, "postgres://", 11) == 0);
}

void mamori_pg_text(struct mamori_pg_params *p, const char *s)
{
    if (p->n < MAMORI_PG_MAX_PARAMS)
        p->v[p->n++] = s;
}

void mamori_pg_int(struct mamori_pg_params *p, long long v)
{
    if (p->n < MAMORI_PG_MAX_PARAMS) {
        snprintf(p->num[p->n], sizeof p->num[p->n], "%lld", v);
        p->v[p->n] = p->num[p->n];
        p->n++;
    }
}

long long mamori_pg_changed(PGresult *res)
{
    const char *t = PQcmdTuples(res);
    return t && *t ? strtoll(t, NULL, 10) : 0;
}

const char *mamori_pg_str(PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NULL : PQgetvalue(res, r, c);
}

long long mamori_pg_ll(PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? 0 : strtoll(PQgetvalue(res, r, c), NULL, 10);
}

char *mamori_pg_dup(PGresult *res, int r, int c)
{
    return PQgetisnull(res, r, c) ? NULL : mamori_strdup(PQgetvalue(res, r, c));
}

/* libpq's messages end in newlines and sometimes span lines: one line. */
static void one_line(const char *in, char *out, size_t cap)
{
    size_t n = 0;

    for (; in != NULL && *in && n + 3 < cap; in++) {
        if (*in == '\n' || *in == '\t') {
            if (n > 0 && out[n - 1] != ' ' && in[1] != '\0')
                out[n++] = (*in == '\n') ? ';' : ' ';
            if (n > 0 && out[n - 1] != ' ' && in[1] != '\0')
                out[n++] = ' ';
            continue;
        }
        out[n++] = *in;
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == ';'))
        n--;
    out[n] = '\0';
}

int mamori_pg_display(const char *url, char *out, size_t cap)
{
    PQconninfoOption *opts = PQconninfoParse(url, NULL);
    const char *user = NULL, *host = NULL, *port = NULL, *db = NULL;

    if (opts == NULL) {
        snprintf(out, cap, "postgresql://(unparsable URL)");
        return MAMORI_EINVAL;
    }
    for (PQconninfoOption *o = opts; o->keyword != NULL; o++) {
        if (o->val == NULL)
            continue;
        if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
    }
    /* Never the password: this string goes into logs and messages. */
    snprintf(out, cap, "postgresql://%s%s%s%s%s/%s", user ? user : "", user ? "@" : "", host ? host : "",
             port ? ":" : "", port ? port : "", db ? db : "");
    PQconninfoFree(opts);
    return MAMORI_OK;
}

/* What went wrong connecting, and what to do about it. */
static int connect_error(PGconn *conn, const char *shown, struct mamori_error *err)
{
    char msg[400];

    one_line(conn ? PQerrorMessage(conn) : "out of memory", msg, sizeof msg);
    if (strstr(msg, "password authentication failed") || strstr(msg, "no password supplied") ||
        strstr(msg, "authentication failed") || strstr(msg, "pg_hba.conf"))
        return mamori_error_set(err, MAMORI_EAUTH,
                                "PostgreSQL at %s refused the login: %s (check the user and password in [store] url, "
                                "and pg_hba.conf)", shown, msg);
    if (strstr(msg, "invalid") != NULL && strstr(msg, "connection option") != NULL)
        return mamori_error_set(err, MAMORI_EINVAL, "[store] url is not a valid PostgreSQL URL: %s", msg);
    if (strstr(msg, "does not exist"))
        return mamori_error_set(err, MAMORI_EDB,
                                "PostgreSQL at %s: %s (create the database and its owner: createdb -O USER DB)", shown,
                                msg);
    return mamori_error_set(err, MAMORI_EBUSY,
                            "cannot connect to PostgreSQL at %s: %s (is the server running and listening there? "
                            "check host and port in [store] url)", shown, msg);
}

static int session_setup(PGconn *conn, long lock_timeout_ms)
{
    char sql[400];
    PGresult *res;
    int ok;

    /* synchronous_commit on: a COMMIT returns only once it is on disk,
     * which the 2xx relies on. lock_timeout: [store] busy_timeout, as
     * sqlite's busy handler, so a stuck lock turns into a 503.
     * tcp_keepalives_*: the server probes this connection when it is idle.
     * A node that loses power or its network sends no FIN, and its idle
     * connection would stay open on the server, holding the node's role
     * locks, for the system's keepalive time (two hours on Linux): no
     * node would check escalation deadlines meanwhile. With these the
     * server drops it after 15 s idle + 3 unanswered probes 5 s apart.
     * (Ignored on a unix socket, where a dead client is seen at once.) */
    snprintf(sql, sizeof sql,
             "SET synchronous_commit = on; SET lock_timeout = %ld; SET client_min_messages = warning; "
             "SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5; SET tcp_keepalives_count = 3",
             lock_timeout_ms > 0 ? lock_timeout_ms : 5000);
    res = PQexec(conn, sql);
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    return ok ? MAMORI_OK : MAMORI_EDB;
}

/* Connect to url; *out owned by the caller (PQfinish). */
static int pg_connect(const char *url, const char *shown, long lock_timeout_ms, PGconn **out, struct mamori_error *err)
{
    /* connect_timeout first: one given in the URL (expanded from dbname,
     * which comes later) overrides it. */
    /* application_name says which node a connection (and the role locks
     * it holds: mamori status, pg_locks) belongs to; the URL may set its own. */
    char host[64] = "", app[80];
    const char *const keys[] = {"connect_timeout", "application_name", "dbname", NULL};
    const char *const vals[] = {"5", app, url, NULL};
    char *parse_err = NULL;
    PQconninfoOption *opts;
    PGconn *conn;
    int rc;

    *out = NULL;
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = '\0';
    snprintf(app, sizeof app, "mamori%s%s", host[0] ? "@" : "", host);
    if ((opts = PQconninfoParse(url, &parse_err)) == NULL) {
        char msg[300];
        one_line(parse_err ? parse_err : "out of memory", msg, sizeof msg);
        PQfreemem(parse_err);
        return mamori_error_set(err, MAMORI_EINVAL,
                                "[store] url is not a valid PostgreSQL URL: %s (the form is "
                                "postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or ?host=/socket/dir)", msg);
    }
    PQconninfoFree(opts);
    conn = PQconnectdbParams(keys, vals, 1);
    if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
        rc = connect_error(conn, shown, err);
        PQfinish(conn);
        return rc;
    }
    if (PQserverVersion(conn) < 130000) {
        rc = mamori_error_set(err, MAMORI_EDB, "PostgreSQL at %s is version %d; mamori needs 13 or newer", shown,
                              PQserverVersion(conn));
        PQfinish(conn);
        return rc;
    }
    if (session_setup(conn, lock_timeout_ms) != 0) {
        rc = connect_error(conn, shown, err);
        PQfinish(conn);
        return rc;
    }
    *out = conn;
    return MAMORI_OK;
}

static int classify(PGconn *conn, PGresult *res)
{
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

    if (PQstatus(conn) != CONNECTION_OK || state == NULL)
        return MAMORI_EBUSY;
    if (strcmp(state, "23505") == 0)
        return MAMORI_ECONFLICT;
    /* Connection exceptions, shutdown, serialization, deadlock, lock
     * timeout, out of resources: the same request may succeed later. */
    if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P0", 4) == 0 || strcmp(state, "40001") == 0 ||
        strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0 || strncmp(state, "53", 2) == 0 ||
        strcmp(state, "25P03") == 0)
        return MAMORI_EBUSY;
    return MAMORI_EDB;
}

static int migrate(struct mamori_store *st, struct mamori_error *err);

/* Connect, or reconnect after the server went away (restart, failover):
 * leadership locks died with the old session. A store opened lazily
 * migrates at its first connection. */
static int ensure(struct mamori_store *st, struct mamori_error *err)
{
    struct mamori_pg *pg = st->pg;
    int rc;

    if (pg->conn != NULL && PQstatus(pg->conn) == CONNECTION_OK)
        return MAMORI_OK;
    /* Inside a transaction its work is gone: the caller must roll back
     * and answer 503. */
    if (st->in_tx)
        return mamori_error_set(err, MAMORI_EBUSY, "store %s: the connection to PostgreSQL was lost", st->path);
    roles_of(st)->generation++;
    if (pg->conn != NULL) {
        PQreset(pg->conn);
        if (PQstatus(pg->conn) != CONNECTION_OK || session_setup(pg->conn, pg->lock_timeout_ms) != 0) {
            char msg[300];
            one_line(PQerrorMessage(pg->conn), msg, sizeof msg);
            return mamori_error_set(err, MAMORI_EBUSY, "store %s: PostgreSQL is unreachable: %s", st->path, msg);
        }
    } else if ((rc = pg_connect(pg->url, st->path, pg->lock_timeout_ms, &pg->conn, err)) != 0) {
        return rc;
    }
    if (pg->migrate_pending) {
        pg->migrate_pending = 0;
        if ((rc = migrate(st, err)) != 0) {
            pg->migrate_pending = 1;
            return rc;
        }
    }
    return MAMORI_OK;
}

int mamori_pg_run(struct mamori_store *st, const char *what, const char *sql, const struct mamori_pg_params *p,
                  PGresult **out, struct mamori_error *err)
{
    struct mamori_pg *pg = st->pg;
    PGresult *res;
    ExecStatusType status;
    int rc;

    if (out != NULL)
        *out = NULL;
    if ((rc = ensure(st, err)) != 0)
        return rc;
    res = PQexecParams(pg->conn, sql, p ? p->n : 0, NULL, p ? p->v : NULL, NULL, NULL, 0);
    status = PQresultStatus(res);
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
        if (out != NULL)
            *out = res;
        else
            PQclear(res);
        return MAMORI_OK;
    }
    rc = classify(pg->conn, res);
    {
        char msg[400];
        one_line(res ? PQresultErrorMessage(res) : PQerrorMessage(pg->conn), msg, sizeof msg);
        if (msg[0] == '\0')
            one_line(PQerrorMessage(pg->conn), msg, sizeof msg);
        mamori_error_set(err, rc, "store %s: %s: %s", st->path, what, msg);
    }
    PQclear(res);
    return rc;
}

int mamori_pg_unsupported(struct mamori_store *st, const char *what, struct mamori_error *err)
{
    return mamori_error_set(err, MAMORI_EUNSUPPORTED, "store %s: %s is not implemented for PostgreSQL yet", st->path,
                            what);
}

int mamori_pg_exec(struct mamori_store *st, const char *sql, struct mamori_error *err)
{
    struct mamori_pg *pg = st->pg;
    PGresult *res;
    int rc = MAMORI_OK;

    if ((rc = ensure(st, err)) != 0)
        return rc;
    /* Several statements: the simple protocol. */
    res = PQexec(pg->conn, sql);
    if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[400];
        rc = classify(pg->conn, res);
        one_line(PQresultErrorMessage(res), msg, sizeof msg);
        mamori_error_set(err, rc, "store %s: %s", st->path, msg);
    }
    PQclear(res);
    return rc;
}

/* ---- schema ---- */

static int read_version(struct mamori_store *st, int *version, struct mamori_error *err)
{
    PGresult *res;
    int rc, exists;

    *version = 0;
    /* Two statements: a query naming a missing table fails to parse. */
    if ((rc = mamori_pg_run(st, "reading the schema version", "SELECT to_regclass('mamori_schema') IS NOT NULL", NULL,
                            &res, err)) != 0)
        return rc;
    exists = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (!exists)
        return MAMORI_OK;
    if ((rc = mamori_pg_run(st, "reading the schema version", "SELECT coalesce(max(version), 0) FROM mamori_schema",
                            NULL, &res, err)) != 0)
        return rc;
    *version = (int)mamori_pg_ll(res, 0, 0);
    PQclear(res);
    return MAMORI_OK;
}

int mamori_pg_file_version(struct mamori_store *st, int *version)
{
    return read_version(st, version, NULL);
}

static int newer_error(struct mamori_error *err, const char *shown, int have)
{
    return mamori_error_set(err, MAMORI_EDB,
                            "store %s has PostgreSQL schema version %d, newer than this mamori (%d); upgrade mamori "
                            "on this node (every node sharing the store must run the same version) or restore a "
                            "backup", shown, have, mamori_pg_schema_count());
}

static int migrate(struct mamori_store *st, struct mamori_error *err)
{
    int have = 0, want = mamori_pg_schema_count(), rc;
    char sql[96];

    /* Nodes starting together migrate one at a time. */
    if ((rc = mamori_pg_begin(st, err)) != 0)
        return rc;
    if ((rc = mamori_pg_run(st, "locking for migration", "SELECT pg_advisory_xact_lock(" LOCK_CLASS ", " LOCK_MIGRATE ")",
                            NULL, NULL, err)) != 0 ||
        (rc = mamori_pg_run(st, "creating the schema table",
                            "CREATE TABLE IF NOT EXISTS mamori_schema(version integer NOT NULL)", NULL, NULL, err)) !=
            0 ||
        (rc = read_version(st, &have, err)) != 0)
        goto fail;
    if (have > want) {
        rc = newer_error(err, st->path, have);
        goto fail;
    }
    for (int v = have + 1; v <= want; v++) {
        snprintf(sql, sizeof sql, "DELETE FROM mamori_schema; INSERT INTO mamori_schema VALUES(%d)", v);
        if ((rc = mamori_pg_exec(st, mamori_pg_schema_migration(v), err)) != 0 ||
            (rc = mamori_pg_exec(st, sql, err)) != 0) {
            mamori_error_prefix(err, "migration to PostgreSQL schema %d", v);
            goto fail;
        }
    }
    return mamori_pg_commit(st, err);
fail:
    mamori_pg_rollback(st);
    return rc;
}

/* ---- open, close, check ---- */

int mamori_pg_open(struct mamori_store *st, const char *url, long busy_timeout_ms, int flags, struct mamori_error *err)
{
    struct mamori_pg *pg;
    char shown[256];
    int rc;

    mamori_pg_display(url, shown, sizeof shown);
    explicit_bzero(st->path, strlen(st->path)); /* the URL, with its password */
    free(st->path);
    if ((st->path = mamori_strdup(shown)) == NULL || (pg = calloc(1, sizeof *pg + sizeof(struct pg_roles))) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    st->pg = pg;
    if ((pg->url = mamori_strdup(url)) == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    if (gethostname(pg->node, sizeof pg->node - 1) != 0)
        snprintf(pg->node, sizeof pg->node, "localhost");
    pg->lock_timeout_ms = busy_timeout_ms;
    if ((rc = pg_connect(url, shown, busy_timeout_ms, &pg->conn, err)) != 0) {
        /* Down (restarting, failing over): a child of the daemon starts
         * anyway and answers 503 until the server is back. */
        if (rc == MAMORI_EBUSY && (flags & MAMORI_STORE_LAZY)) {
            pg->migrate_pending = !(flags & MAMORI_STORE_READONLY);
            return MAMORI_OK;
        }
        return rc;
    }
    if (flags & MAMORI_STORE_READONLY) {
        int have;
        if ((rc = read_version(st, &have, err)) != 0)
            return rc;
        if (have == 0)
            return mamori_error_set(err, MAMORI_EDB, "store %s is not a mamori store (or is empty)", shown);
        if (have > mamori_pg_schema_count())
            return newer_error(err, shown, have);
        return MAMORI_OK;
    }
    return migrate(st, err);
}

void mamori_pg_close(struct mamori_store *st)
{
    struct mamori_pg *pg = st->pg;

    if (pg == NULL)
        return;
    PQfinish(pg->conn); /* an open transaction is rolled back by the server */
    if (pg->url != NULL) {
        explicit_bzero(pg->url, strlen(pg->url));
        free(pg->url);
    }
    free(pg);
    st->pg = NULL;
}

int mamori_pg_check(const char *url, struct mamori_error *err)
{
    char shown[256];
    PGconn *conn = NULL;
    PGresult *res;
    int rc, have;

    mamori_pg_display(url, shown, sizeof shown);
    if ((rc = pg_connect(url, shown, 5000, &conn, err)) != 0)
        return rc;
    /* Read only: the check may run on a node that must not migrate yet. */
    res = PQexec(conn, "SELECT CASE WHEN to_regclass('mamori_schema') IS NULL THEN -1 ELSE 0 END");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        rc = connect_error(conn, shown, err);
        goto out;
    }
    have = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    res = NULL;
    if (have == 0) {
        res = PQexec(conn, "SELECT coalesce(max(version), 0) FROM mamori_schema");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            char msg[300];
            one_line(PQresultErrorMessage(res), msg, sizeof msg);
            rc = mamori_error_set(err, MAMORI_EDB, "store %s: reading the schema version: %s (is the user in [store] "
                                  "url the owner of mamori's tables?)", shown, msg);
            goto out;
        }
        have = atoi(PQgetvalue(res, 0, 0));
        if (have > mamori_pg_schema_count()) {
            rc = newer_error(err, shown, have);
            goto out;
        }
    } else {
        /* Empty database: the daemon creates the schema at its start, so
         * the user must be allowed to create tables. */
        PQclear(res);
        res = PQexec(conn, "SELECT has_schema_privilege(current_schema(), 'CREATE')");
        if (PQresultStatus(res) != PGRES_TUPLES_OK || strcmp(PQgetvalue(res, 0, 0), "t") != 0) {
            rc = mamori_error_set(err, MAMORI_EDB, "store %s is empty and its user may not create tables in it "
                                  "(GRANT CREATE ON SCHEMA public TO the user, or make it the database owner)", shown);
            goto out;
        }
    }
    rc = MAMORI_OK;
out:
    PQclear(res);
    PQfinish(conn);
    return rc;
}

/* ---- transactions ---- */

int mamori_pg_begin(struct mamori_store *st, struct mamori_error *err)
{
    int rc;

    /* A connection lost since the last request is reconnected here, so
     * the first request after a server restart can succeed. */
    if ((rc = mamori_pg_run(st, "beginning a transaction", "BEGIN", NULL, NULL, err)) == 0)
        st->in_tx = 1;
    return rc;
}

int mamori_pg_commit(struct mamori_store *st, struct mamori_error *err)
{
    PGresult *res;
    int rc = mamori_pg_run(st, "committing", "COMMIT", NULL, &res, err);

    /* COMMIT of a transaction that failed earlier answers ROLLBACK. */
    if (rc == 0 && strcmp(PQcmdStatus(res), "COMMIT") != 0)
        rc = mamori_error_set(err, MAMORI_EDB, "store %s: the transaction was rolled back", st->path);
    PQclear(res);
    if (rc != 0 && PQstatus(st->pg->conn) == CONNECTION_OK && PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(st->pg->conn, "ROLLBACK");
        PQclear(r);
    }
    /* A lost connection during COMMIT: the outcome is unknown; the caller
     * answers 503 and a retried webhook finds it as a duplicate if it did
     * commit, which is safe. */
    st->in_tx = 0;
    return rc;
}

void mamori_pg_rollback(struct mamori_store *st)
{
    if (PQstatus(st->pg->conn) == CONNECTION_OK && PQtransactionStatus(st->pg->conn) != PQTRANS_IDLE) {
        PGresult *r = PQexec(st->pg->conn, "ROLLBACK");
        PQclear(r);
    }
    st->in_tx = 0;
}

int mamori_pg_writable(struct mamori_store *st, struct mamori_error *err)
{
    PGresult *res;
    int rc;

    /* A standby answers reads but refuses writes: /healthz must say so. */
    if ((rc = mamori_pg_run(st, "health check", "SELECT pg_is_in_recovery()", NULL, &res, err)) != 0)
        return rc;
    rc = strcmp(PQgetvalue(res, 0, 0), "f") == 0
             ? MAMORI_OK
             : mamori_error_set(err, MAMORI_EDB, "store %s is a standby in recovery (read-only)", st->path);
    PQclear(res);
    return rc;
}

/* ---- leadership ---- */

static struct pg_roles *roles_of(struct mamori_store *st)
{
    return (struct pg_roles *)(void *)(st->pg + 1);
}

int mamori_pg_lead(struct mamori_store *st, const char *role, struct mamori_error *err)
{
    struct pg_roles *r = roles_of(st);
    struct mamori_pg_params p = {0};
    PGresult *res;
    int slot = -1, rc;

    for (int i = 0; i < MAX_ROLES; i++) {
        if (strcmp(r->names[i], role) == 0) {
            slot = i;
            break;
        }
        if (slot < 0 && r->names[i][0] == '\0')
            slot = i;
    }
    if (slot < 0 || strlen(role) >= sizeof r->names[0])
        return mamori_error_set(err, MAMORI_EINVAL, "store: too many roles (%s)", role);
    /* Reconnect first if needed: it clears what we held. */
    if ((rc = ensure(st, err)) != 0)
        return rc;
    if (strcmp(r->names[slot], role) == 0 && r->held_generation[slot] == r->generation + 1)
        return 1; /* held on this session; taking it again would stack */
    mamori_pg_text(&p, role);
    if ((rc = mamori_pg_run(st, "taking a role lock", "SELECT pg_try_advisory_lock(" LOCK_CLASS ", hashtext($1))", &p,
                            &res, err)) != 0)
        return rc;
    rc = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    if (rc) {
        snprintf(r->names[slot], sizeof r->names[slot], "%s", role);
        r->held_generation[slot] = r->generation + 1;
        /* Where a role runs is worth a line: after a node died, the
         * survivor's log says when it took over. */
        mamori_log_notice("role_taken", "this node now runs %s for the store %s (a PostgreSQL advisory lock: "
                          "another node takes it over if this one dies)", role, st->path);
    }
    return rc;
}

int mamori_pg_role_holder(struct mamori_store *st, const char *role, char *holder, size_t cap,
                          struct mamori_error *err)
{
    struct mamori_pg_params p = {0};
    PGresult *res;
    int rc;

    mamori_pg_text(&p, role);
    /* The lock mamori_pg_lead takes: (class, hashtext(role)) on this
     * database; pg_stat_activity names the connection holding it. */
    if ((rc = mamori_pg_run(st, "reading the role locks",
                            "SELECT a.application_name, coalesce(host(a.client_addr), '') FROM pg_locks l"
                            " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted"
                            " AND l.classid = " LOCK_CLASS " AND l.objid = hashtext($1)::oid AND l.objsubid = 2"
                            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                            &p, &res, err)) != 0)
        return rc;
    rc = PQntuples(res) > 0;
    if (rc) {
        const char *addr = PQgetvalue(res, 0, 1);
        snprintf(holder, cap, "%s%s%s", PQgetvalue(res, 0, 0), *addr ? " at " : "", addr);
    }
    PQclear(res);
    return rc;
}

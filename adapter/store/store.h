/*
 * store.h -- the sqlite store: one file, WAL, durable commits.
 *
 * Each process opens its own connection (never share one across fork()).
 * The schema is versioned with PRAGMA user_version and migrated forward at
 * open (store_schema.c). A webhook's event, annotation, outbox jobs, contact
 * record and audit record are written in ONE transaction begun with
 * mamori_store_begin() (BEGIN IMMEDIATE, so the audit chain's "previous
 * hash" is read under the write lock).
 *
 * Requester identities are never stored: only HMAC-SHA256(identity key,
 * tenant NUL requester id) in hex, see mamori_store_requester_hash().
 */
#ifndef MAMORI_STORE_H
#define MAMORI_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "base/error.h"

/* Statements prepared once per connection and reused (preparing costs more
 * than running most of them). */
enum mamori_stmt {
    MAMORI_STMT_EVENT_GET,
    MAMORI_STMT_EVENT_PUT,
    MAMORI_STMT_ANNOTATION_COUNT,
    MAMORI_STMT_CONTACT_COUNT,
    MAMORI_STMT_OUTBOX_ENQUEUE,
    MAMORI_STMT_OUTBOX_DEPTH,
    MAMORI_STMT_AUDIT_LAST,
    MAMORI_STMT_AUDIT_INSERT,
    MAMORI_STMT_STRIKES_GET,
    MAMORI_STMT_BEGIN_READ,            /* the transaction statements of every webhook */
    MAMORI_STMT_BEGIN_WRITE,
    MAMORI_STMT_COMMIT,
    MAMORI_STMT_COUNT
};

struct mamori_pg;

struct mamori_store {
    sqlite3 *db;                       /* the sqlite backend; NULL when pg is set */
    struct mamori_pg *pg;              /* the PostgreSQL backend (store/pg.h) for a postgresql:// URL, else NULL */
    char *path;
    int in_tx;
    int group_commit;                  /* durability through group_commit.h */
    int defer_durability;              /* the caller releases answers itself (mamori_store_take_ticket) */
    int ticket_pending;                /* a deferred commit is not known to be durable yet */
    uint32_t ticket;                   /* ... its group-commit ticket */
    char *wal_path;                    /* path + "-wal", for syncing it */
    long busy_timeout_ms;
    struct timespec busy_since;        /* when the current wait for a lock began */
    sqlite3_stmt *stmts[MAMORI_STMT_COUNT];
    unsigned char *audit_key;          /* owned copy, wiped on close; NULL: audit records cannot be appended */
    size_t audit_key_len;
};

/* Give the connection the audit chain's HMAC key ([store] audit_key_file);
 * the store keeps its own copy. Every process that appends audit records
 * sets it right after mamori_store_open(). Returns 0 or MAMORI_ENOMEM. */
int mamori_store_set_audit_key(struct mamori_store *st, const unsigned char *key, size_t len);

/* The cached statement `which` (prepared from sql on first use), reset and
 * with bindings cleared. Borrowed: never finalize it. NULL on error (the
 * reason is in sqlite3_errmsg(st->db)). */
sqlite3_stmt *mamori_store_stmt(struct mamori_store *st, enum mamori_stmt which, const char *sql);

/* Checkpoint the WAL without blocking writers (the housekeeper calls this;
 * workers leave checkpoints off the request path). */
int mamori_store_checkpoint(struct mamori_store *st, struct mamori_error *err);

enum {
    MAMORI_STORE_READONLY = 0x1,  /* open without migrating or writing */
    MAMORI_STORE_NO_AUTOCHECKPOINT = 0x2, /* leave checkpoints to the housekeeper (workers) */
    MAMORI_STORE_GROUP_COMMIT = 0x4,      /* with synchronous=full: commit without syncing, then wait for
                                           * the syncer's fdatasync (group_commit.h) */
    MAMORI_STORE_LAZY = 0x8,              /* PostgreSQL: open even while the server is unreachable and
                                           * connect at first use (until then every call answers
                                           * MAMORI_EBUSY: the daemon's children answer 503 instead of
                                           * exiting); a refused login or a newer schema still fails */
};

/* Whether a [store] location is a PostgreSQL URL (postgresql:// or
 * postgres://) rather than a sqlite file path. */
int mamori_store_is_url(const char *location);

/* The location for messages and logs: the path, or for a URL
 * postgresql://user@host:port/db without the password. */
void mamori_store_display(const char *location, char *out, size_t cap);

/* Open (creating if needed) and migrate. path: a sqlite file, or a
 * PostgreSQL URL (the PostgreSQL backend, store/pg.h; sync_mode and the
 * group-commit flags do not apply to it). sync_mode: enum mamori_sync_mode.
 * *out is owned by the caller: mamori_store_close(). */
int mamori_store_open(struct mamori_store **out, const char *path, int sync_mode, long busy_timeout_ms, int flags,
                      struct mamori_error *err);
void mamori_store_close(struct mamori_store *st);

/* What --check-config asks of the store, without opening it: the check may
 * run as root, and a store, -wal or -shm it created would belong to root
 * and leave the daemon a read-only store. So nothing is created, written or
 * chowned here. A missing store needs a directory the caller can write
 * (the daemon creates it at first start); an existing one must be a
 * regular file the caller can read and write, as must its -wal and -shm
 * when present, in a writable directory, with a schema version this build
 * can migrate (read from the file header). Permissions are tested with
 * access(): for the real uid, which is the service user's when the check
 * runs as that user. Returns 0 or a negative MAMORI_E* code with err set. */
int mamori_store_check(const char *path, struct mamori_error *err);

/* For a URL, --check-config connects (read only) and reports a broken URL,
 * a refused connection, a refused login, or a schema newer than this build,
 * each with what to do; nothing is created. */

/* The schema version this build creates, and the one in the file (for a
 * PostgreSQL store: its own numbering, pg_schema.c). */
int mamori_store_schema_version(void);
int mamori_store_file_version(struct mamori_store *st, int *version);

/* Transactions. commit failing means the data is not known to be durable:
 * the caller must not acknowledge (with group commit, the transaction may
 * still have been written; a retried webhook then finds it as a duplicate,
 * which is safe). */
int mamori_store_begin(struct mamori_store *st, struct mamori_error *err);
int mamori_store_commit(struct mamori_store *st, struct mamori_error *err);
void mamori_store_rollback(struct mamori_store *st);

/*
 * Deferred durability, for a caller that holds its answer until the data
 * is durable (the FastCGI worker, fcgi_worker.c) and meanwhile serves other
 * requests instead of waiting for the group commit's sync.
 *
 * mamori_store_commit_deferred() is mamori_store_commit() unless the
 * store's owner enabled deferral (mamori_store_defer_durability) and group
 * commit is on: then it returns once the transaction is committed and
 * leaves a pending ticket. mamori_store_barrier() is for an answer built
 * from data another connection committed (a duplicate's stored answer):
 * it makes that data durable first (or leaves a ticket that covers it).
 * The owner takes the ticket after the request (mamori_store_take_ticket)
 * and must not send the answer before mamori_store_wait_ticket() returned
 * 0; on failure it answers 503 instead.
 */
void mamori_store_defer_durability(struct mamori_store *st, int on);
int mamori_store_commit_deferred(struct mamori_store *st, struct mamori_error *err);
int mamori_store_barrier(struct mamori_store *st, struct mamori_error *err);
/* 1 and *ticket when a ticket is pending (which is then cleared), else 0. */
int mamori_store_take_ticket(struct mamori_store *st, uint32_t *ticket);
/* Whether a ticket is durable already (never blocks). */
int mamori_store_ticket_done(uint32_t ticket);
/* Block until it is; since: when it was taken. 0 or MAMORI_EIO; with
 * max_ms > 0, 1 when it is still not durable after max_ms. */
int mamori_store_wait_ticket(struct mamori_store *st, uint32_t ticket, const struct timespec *since, long max_ms,
                             struct mamori_error *err);

/* A read snapshot around several lookups (one lock round-trip instead of
 * one per statement). Must be ended before mamori_store_begin(). */
int mamori_store_read_begin(struct mamori_store *st, struct mamori_error *err);
void mamori_store_read_end(struct mamori_store *st);

/* Check the store can take a write lock right now (for /healthz). */
int mamori_store_writable(struct mamori_store *st, struct mamori_error *err);

/*
 * Whether this process should run a task that exactly one node may run at
 * a time (escalation deadlines, retention, pollers): 1 yes, 0 another node
 * does, or a negative error. role names the task. On sqlite (one node) always
 * 1; on PostgreSQL a session advisory lock, kept while this connection
 * lives and taken over by another node when this one dies. Ask again
 * before every round: after a reconnect the lock may be gone.
 */
int mamori_store_lead(struct mamori_store *st, const char *role, struct mamori_error *err);

/* The roles, one name each (the lock key is derived from it). */
#define MAMORI_ROLE_DEADLINES "escalation_deadlines" /* acknowledgement deadlines, the LINE event purge */
#define MAMORI_ROLE_POLLER "poller"
#define MAMORI_ROLE_RETENTION "retention"

/*
 * Who holds a role now, for mamori status: 1 and the holder's description
 * in holder (the connection's application_name, by default
 * "mamori@HOSTNAME", with its client address when it connected over TCP),
 * 0 when no node holds it, MAMORI_EUNSUPPORTED on sqlite (one node), or a
 * negative error.
 */
int mamori_store_role_holder(struct mamori_store *st, const char *role, char *holder, size_t cap,
                             struct mamori_error *err);

/* Run one statement with no result rows (maintenance, tests). */
int mamori_store_exec(struct mamori_store *st, const char *sql, struct mamori_error *err);

/* ---- events: dedupe, the answer, the annotation summary ---- */

/* Look up an event: MAMORI_OK with *response (owned by the caller) and
 * *status, or MAMORI_ENOTFOUND. */
int mamori_store_event_get(struct mamori_store *st, const char *tenant, const char *connector, const char *event_id,
                           char **response, int *status, struct mamori_error *err);

/* What is recorded about one annotated webhook. */
struct mamori_event_row {
    const char *tenant, *connector, *event_id, *ticket_id;
    int status;               /* the HTTP status answered */
    const char *response;     /* the exact answer, returned again for duplicates */
    const char *requester;    /* keyed hash of the requester id, or NULL */
    int is_harassment;
    const char *severity;     /* "none" ... "critical" */
    const char *categories;   /* comma-separated ids */
    const char *escalation;   /* level name */
    time_t received_at;
};

/* Record an event; MAMORI_ECONFLICT if (tenant, connector, event_id) exists. */
int mamori_store_event_put(struct mamori_store *st, const struct mamori_event_row *row, struct mamori_error *err);

/* Number of annotations already stored for a ticket (0 if none). */
int mamori_store_annotation_count(struct mamori_store *st, const char *tenant, const char *ticket_id, int64_t *out,
                                  struct mamori_error *err);

/* For `mamori status`: all event rows, those received at or after since,
 * and when the newest was received (0 with none). Counts the whole table:
 * an admin command, not the request path. 0 or MAMORI_EDB with err set. */
int mamori_store_event_summary(struct mamori_store *st, time_t since, int64_t *total, int64_t *recent, time_t *last,
                               struct mamori_error *err);

/* ---- contact history ---- */

/* hex HMAC of (tenant, requester id) into out[65]. */
int mamori_store_requester_hash(const unsigned char *key, size_t key_len, const char *tenant, const char *requester_id,
                                char out[65]);

/* Contacts (annotated events) by this requester hash at or after `since`. */
int mamori_store_contact_count(struct mamori_store *st, const char *tenant, const char *requester_hash, time_t since,
                               int64_t *out, struct mamori_error *err);

#endif

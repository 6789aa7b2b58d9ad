/*
 * mamori/plugin.h -- the mamori plugin ABI, version 1.
 *
 * This is the only header a plugin includes. A plugin is a shared object
 * that exports exactly one symbol, MAMORI_PLUGIN_ENTRY_NAME, and links
 * against nothing of mamori: everything it may ask of the host arrives as a
 * table of function pointers (struct mamori_host).
 *
 * Versioning
 *   MAMORI_PLUGIN_ABI_MAJOR changes only when an existing struct or function
 *   changes meaning; the host refuses a plugin whose major differs.
 *   MAMORI_PLUGIN_ABI_MINOR grows when something is appended; the host
 *   refuses a plugin built for a newer minor than its own, and a plugin
 *   checks host->abi_minor before calling a function added after 1.0.
 *   Every struct that crosses the boundary starts with its own size and only
 *   ever grows at the end; the reserved slots keep room for that.
 *
 * Growing the ABI: the rule for reserved slots (frozen by
 * tests/sdk/test_plugin_abi.c, which asserts the size and every field
 * offset of every struct here, per data model)
 *   1. Never move, remove, resize or retype a field, and never change what
 *      a field, function or constant means: that is a new major, with a new
 *      entry symbol (mamori_plugin_entry_v2) offered beside this one.
 *   2. A new member takes the first free reserved slots: `void *reserved[N]`
 *      becomes `NEW_MEMBER; void *reserved[N - k];`, so the struct keeps its
 *      size and every earlier offset. Members put in slots are pointers or
 *      function pointers only (one slot each on every data model); other
 *      data goes behind a pointer.
 *   3. Zero means "as before": both sides zero a struct (memset or a
 *      designated initializer) before filling it, so a side built for an
 *      older minor leaves the new member NULL and the reader must treat NULL
 *      as the old behaviour.
 *   4. Each addition bumps MAMORI_PLUGIN_ABI_MINOR, says "since 1.N" in its
 *      comment, and adds its offset to tests/sdk/test_plugin_abi.c.
 *   5. A plugin calls a host function added in 1.N only when
 *      host->abi_minor >= N; the host reads a member a plugin provides since
 *      1.N only when the plugin's struct_size covers it.
 *   6. When a struct's slots run out it grows past its end: struct_size
 *      tells each side how much the other knows, and the host keeps
 *      accepting the 1.0 size (MAMORI_PLUGIN_V1_0_SIZE and the
 *      offsetof(..., reserved) checks).
 *   7. struct mamori_plugin_error and struct mamori_plugin_option have no
 *      size and no slots: they do not change within major 1.
 *
 * Memory and ownership
 *   - No heap memory crosses the boundary. Strings the host hands to the
 *     plugin (ticket fields, config values) are borrowed: valid until the
 *     call that received them returns. Strings the plugin hands to the host
 *     are copied by the host before the host function returns.
 *   - Plugin state is created by open() and freed only by close().
 *   - Errors are reported as a negative return value plus a message in a
 *     struct mamori_plugin_error that the caller owns.
 *
 * Processes and threads
 *   - The host dlopen()s the plugin and reads its descriptor in the
 *     supervisor process (so a constructor of the .so runs there: keep it
 *     trivial). open() never runs in the supervisor. When a configuration
 *     generation is loaded (at start, on reload, `mamori-fcgi -t`), open()
 *     and close() run once in a throw-away child to check the plugin; then
 *     one more child, the generation's opener, calls open() and forks the
 *     worker processes (and the poller) from there, so they share the state
 *     copy-on-write; each calls close() when it exits. (Without an opener --
 *     a kernel without child subreapers, or the opener died -- each such
 *     process calls open() itself.) The `mamori` commands that run plugins
 *     open them in their own process. open() must therefore not start
 *     threads or keep per-process resources that do not survive fork(); do
 *     that lazily in annotate() if needed.
 *   - annotate() may run in several worker processes at once. A plugin whose
 *     annotate() is also safe to call concurrently from several threads of
 *     one process sets MAMORI_PLUGIN_REENTRANT; otherwise the host never
 *     calls it concurrently within one process.
 *
 * Crashes and hangs: what the host guarantees
 *   - A crash in annotate() (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) ends
 *     the process that ran it (a worker, or the poller); nothing else. The supervisor logs the
 *     request, tenant, ticket and event the worker was serving and starts
 *     another worker. The requests lost are the calling tenant's own that
 *     this worker had in flight: the one in the plugin, and answers it held
 *     for the same tenant while their commit became durable (a worker
 *     releases the answers of every other tenant before it runs a tenant's
 *     plugins). Each is answered 503 with Retry-After by the dying worker;
 *     a retry is safe (dedupe answers a committed one from the store).
 *     Other tenants' requests and other workers are not affected.
 *   - A request that runs past [server] request_deadline (a plugin that
 *     does not return) gets its worker killed the same way (SIGUSR2, then
 *     SIGKILL 2 s later if the plugin blocks it: then the web server answers
 *     502). The poller is SIGKILLed. Both are logged with tenant and ticket.
 *   - Each such crash or kill is a strike on the ticket; after [server]
 *     quarantine_strikes the ticket's events are handled without plugins
 *     until `mamori quarantine release`.
 *   - A crash, non-zero exit or hang (120 s) in open() fails the check
 *     child, named by tenant and plugin: at start that tenant alone is not
 *     served (503), a reload is refused (the running generation serves on),
 *     `mamori-fcgi -t` exits 1. An open() that fails only later, in the
 *     opener, leaves the tenant unserved by that generation (a crash of
 *     the opener: each worker opens its own plugins instead).
 *   - For this to hold a plugin must not install handlers for, or block,
 *     the signals above (nor SIGUSR2).
 *   - Not guaranteed: this is isolation of availability, not of memory. A
 *     plugin runs inside a worker that serves every tenant: it can read
 *     what that worker can (other tenants' tickets and secrets included)
 *     and, by corrupting memory without crashing, spoil answers. Load only
 *     plugins you trust (loader.h checks who can have written them).
 */
#ifndef MAMORI_PLUGIN_H
#define MAMORI_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MAMORI_PLUGIN_ABI_MAJOR 1
#define MAMORI_PLUGIN_ABI_MINOR 1

/* The one exported symbol. Its name carries the major so that a future
 * major can be offered side by side. */
#define MAMORI_PLUGIN_ENTRY mamori_plugin_entry_v1
#define MAMORI_PLUGIN_ENTRY_NAME "mamori_plugin_entry_v1"

#if defined(__GNUC__)
#define MAMORI_PLUGIN_EXPORT __attribute__((visibility("default")))
#define MAMORI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MAMORI_PLUGIN_EXPORT
#define MAMORI_PRINTF(f, a)
#endif

/* Return codes shared by host and plugins: 0 or one of these. */
enum {
    MAMORI_PLUGIN_OK = 0,
    MAMORI_PLUGIN_ENOMEM = -1,     /* out of memory */
    MAMORI_PLUGIN_EINVAL = -2,     /* bad argument or bad configuration */
    MAMORI_PLUGIN_EIO = -3,        /* a file could not be read */
    MAMORI_PLUGIN_ENOTFOUND = -5,  /* no such field / counter */
    MAMORI_PLUGIN_EUNSUPPORTED = -6,
    MAMORI_PLUGIN_EINTERNAL = -9
};

/* Log levels: the syslog numbers. */
enum {
    MAMORI_LOG_ERR = 3,
    MAMORI_LOG_WARNING = 4,
    MAMORI_LOG_NOTICE = 5,
    MAMORI_LOG_INFO = 6,
    MAMORI_LOG_DEBUG = 7
};

/* Severity of a category, lowest first. */
enum mamori_severity {
    MAMORI_SEVERITY_NONE = 0,
    MAMORI_SEVERITY_LOW = 1,
    MAMORI_SEVERITY_MEDIUM = 2,
    MAMORI_SEVERITY_HIGH = 3,
    MAMORI_SEVERITY_CRITICAL = 4
};

/* Escalation levels, lowest first. */
enum mamori_escalation_level {
    MAMORI_ESCALATE_NONE = 0,
    MAMORI_ESCALATE_SUPERVISOR = 1,
    MAMORI_ESCALATE_LEGAL = 2,
    MAMORI_ESCALATE_LAWYER = 3,
    MAMORI_ESCALATE_POLICE = 4
};

/* Flame (SNS backlash) risk levels. */
enum mamori_flame_level {
    MAMORI_FLAME_NONE = 0,
    MAMORI_FLAME_LOW = 1,
    MAMORI_FLAME_MEDIUM = 2,
    MAMORI_FLAME_HIGH = 3
};

/* Caller-owned error detail. The callee writes a NUL-terminated message
 * (truncated to fit) and returns a negative code. */
struct mamori_plugin_error {
    int code;
    char message[512];
};

/* One key = value option from the tenant's [plugin NAME] section. */
struct mamori_plugin_option {
    const char *key;
    const char *value;
};

/* What open() receives. Borrowed for the duration of open(). */
struct mamori_plugin_config {
    uint32_t struct_size;          /* sizeof(struct mamori_plugin_config) */
    const char *tenant_id;         /* the company this chain belongs to */
    const char *language;          /* tenant language: "ja" or "en" */
    const char *config_dir;        /* directory of the tenant file, for relative paths */
    size_t option_count;
    const struct mamori_plugin_option *options;
    void *reserved[8];
};

/* Opaque: the ticket being annotated and the annotation being built. */
typedef struct mamori_request mamori_request;

/* Ticket fields readable with host->ticket_field(). */
#define MAMORI_FIELD_SUBJECT "subject"
#define MAMORI_FIELD_BODY "body"
#define MAMORI_FIELD_CHANNEL "channel"        /* email, web, chat, phone, phone_note, sns, api, other */
#define MAMORI_FIELD_LANGUAGE "language"      /* BCP 47 ("ja", "en") or "" */
#define MAMORI_FIELD_TICKET_ID "ticket_id"
#define MAMORI_FIELD_TICKET_URL "ticket_url"
#define MAMORI_FIELD_REQUESTER_NAME "requester_name"
#define MAMORI_FIELD_COMPANY "company"        /* the tenant's display name */
#define MAMORI_FIELD_CREATED_AT "created_at"  /* RFC 3339 UTC */

/* History counters readable with host->history_count(). */
#define MAMORI_COUNTER_CONTACTS "contacts"    /* contacts by this requester, this one included */

/* A category the plugin found. Copied by the host. */
struct mamori_category {
    uint32_t struct_size;          /* sizeof(struct mamori_category) */
    const char *id;                /* e.g. "threat"; [a-z0-9_]+ */
    const char *label;             /* localized, e.g. "威嚇・脅迫" */
    double score;                  /* the plugin's score, >= its threshold; finite (else MAMORI_PLUGIN_EINVAL) */
    int severity;                  /* enum mamori_severity */
    uint32_t flags;                /* MAMORI_CATEGORY_* */
    void *reserved[4];
};
#define MAMORI_CATEGORY_HARASSMENT 0x1u  /* counts as harassment (not a legitimate complaint) */

/* One quoted piece of evidence: a byte range of a ticket field, exactly as
 * the customer wrote it. The host copies the quoted text itself. */
struct mamori_evidence {
    uint32_t struct_size;          /* sizeof(struct mamori_evidence) */
    const char *category_id;       /* the category this supports */
    const char *field;             /* MAMORI_FIELD_SUBJECT or MAMORI_FIELD_BODY */
    size_t begin;                  /* byte offset in the original field */
    size_t end;                    /* one past the last byte */
    const char *rule_id;           /* the rule that matched, or NULL */
    double weight;                 /* what this match added to the score; finite */
    void *reserved[4];
};

/* An escalation the plugin raises. Several raises merge: the highest level
 * wins and reasons and legal bases accumulate. */
struct mamori_escalation {
    uint32_t struct_size;          /* sizeof(struct mamori_escalation) */
    int level;                     /* enum mamori_escalation_level */
    const char *category_id;       /* the category behind it, or NULL */
    const char *reason;            /* one sentence for the lawyer / supervisor */
    const char *legal_basis;       /* e.g. "刑法222条 脅迫", or NULL */
    void *reserved[4];
};
/* A reason that begins with one of these says whom to call (a policy's
 * contact for the level). Hosts show it first, whatever else is cut for
 * room: an agent facing a police-level ticket must see the number. */
#define MAMORI_ESCALATION_CONTACT_JA "連絡先: "
#define MAMORI_ESCALATION_CONTACT_EN "Contact: "

/*
 * The host function table. Every function is safe to call from annotate();
 * log() is also safe from open() and close() with req == NULL. The table
 * outlives every call into the plugin.
 */
struct mamori_host {
    uint32_t struct_size;          /* sizeof(struct mamori_host) in the host */
    uint16_t abi_major;            /* MAMORI_PLUGIN_ABI_MAJOR of the host */
    uint16_t abi_minor;            /* MAMORI_PLUGIN_ABI_MINOR of the host */

    /* Log one line. The host prefixes the plugin name, tenant and request
     * id, and writes to its log (stderr / journald or syslog). */
    void (*log)(mamori_request *req, int level, const char *fmt, ...) MAMORI_PRINTF(3, 4);

    /* Read a ticket field (MAMORI_FIELD_*). *value is borrowed until
     * annotate() returns; *len is its length in bytes (valid UTF-8, not
     * necessarily NUL-free). Returns 0, or MAMORI_PLUGIN_ENOTFOUND. */
    int (*ticket_field)(mamori_request *req, const char *name, const char **value, size_t *len);

    /* The ticket's current tags: count, and the i-th (borrowed). */
    size_t (*ticket_tag_count)(mamori_request *req);
    const char *(*ticket_tag)(mamori_request *req, size_t i);

    /* A history counter (MAMORI_COUNTER_*) over the last `days` days, from
     * the store (keyed by a hash of the requester id, never the id). */
    int (*history_count)(mamori_request *req, const char *counter, uint32_t days, int64_t *out);

    /* Add a category. Adding an id that is already present keeps the
     * higher score and severity. */
    int (*add_category)(mamori_request *req, const struct mamori_category *category);

    /* Add evidence for a category already added. Ranges outside the field
     * are refused with MAMORI_PLUGIN_EINVAL. */
    int (*add_evidence)(mamori_request *req, const struct mamori_evidence *evidence);

    /* First response: append one step (duplicates are ignored), and set the
     * reply draft (placeholders already filled; a later call replaces). */
    int (*add_first_response_step)(mamori_request *req, const char *step);
    int (*set_reply_draft)(mamori_request *req, const char *draft);

    /* A training or manual link for exactly this case. */
    int (*add_training_link)(mamori_request *req, const char *title, const char *url);

    /* Flame risk: the highest level wins; advice accumulates. */
    int (*set_flame_risk)(mamori_request *req, int level, const char *advice);

    int (*raise_escalation)(mamori_request *req, const struct mamori_escalation *escalation);

    /* A tag to add on the ticket ([a-z0-9_:-], at most 64 bytes). */
    int (*add_tag)(mamori_request *req, const char *tag);

    /* Record what produced the annotation, e.g. ("policy", "default-ja",
     * "1.2.0"); shown to agents and kept in the audit record. */
    int (*add_source)(mamori_request *req, const char *kind, const char *id, const char *version);

    /* Since 1.1 (NULL before: open the file yourself). Open a file the
     * plugin takes orders from (a policy, a public key) read-only, under the
     * host's rules for its own configuration: no symbolic link as the last
     * component, a regular file owned by root or the service user and
     * writable by neither group nor others, in directories nobody else can
     * write to. Returns a descriptor the plugin closes, or a negative
     * MAMORI_PLUGIN_* code with err->message naming the path, what was
     * wrong and the fix. `what` names the file's use ("policy file").
     * Safe to call from open(). */
    int (*open_config_file)(const char *path, const char *what, struct mamori_plugin_error *err);

    void *reserved[15];
};

/* Descriptor flags. */
#define MAMORI_PLUGIN_REENTRANT 0x1u  /* annotate() may run concurrently in one process */

/*
 * The plugin's descriptor, returned by the entry point. It must stay valid
 * while the shared object is loaded (a static const object is the norm).
 */
struct mamori_plugin {
    uint32_t struct_size;          /* sizeof(struct mamori_plugin) in the plugin */
    uint16_t abi_major;            /* MAMORI_PLUGIN_ABI_MAJOR the plugin was built with */
    uint16_t abi_minor;            /* MAMORI_PLUGIN_ABI_MINOR the plugin was built with */
    const char *name;              /* short name, [a-z0-9_-]+ */
    const char *version;           /* the plugin's own version */
    const char *description;       /* one line, shown by `mamori status` */
    uint32_t flags;                /* MAMORI_PLUGIN_* */

    /* Option keys the plugin accepts, NULL-terminated; the host refuses any
     * other key in the tenant file, naming the file and line. */
    const char *const *option_keys;

    /* Create the plugin's state from its options. On failure return a
     * negative code and explain in err->message what the admin should fix;
     * *state is then ignored. */
    int (*open)(const struct mamori_host *host, const struct mamori_plugin_config *config,
                void **state, struct mamori_plugin_error *err);

    /* Annotate one ticket: read it through host, add to the annotation
     * through host. Returning an error marks this plugin failed for this
     * request; the rest of the chain still runs. */
    int (*annotate)(void *state, const struct mamori_host *host, mamori_request *req,
                    struct mamori_plugin_error *err);

    /* Free the state created by open(). May be NULL. */
    void (*close)(void *state);

    void *reserved[8];
};

/*
 * The entry point. The host passes its own ABI version; the plugin returns
 * its descriptor (or NULL if it cannot work with that host). Nothing else
 * may be done here: no allocation, no I/O.
 */
typedef const struct mamori_plugin *(*mamori_plugin_entry_fn)(uint16_t host_abi_major,
                                                              uint16_t host_abi_minor);

MAMORI_PLUGIN_EXPORT const struct mamori_plugin *MAMORI_PLUGIN_ENTRY(uint16_t host_abi_major,
                                                                      uint16_t host_abi_minor);

/* Smallest struct sizes of ABI 1.0: the host accepts anything at least this
 * large, so a plugin built against a later 1.x that grew a struct still
 * loads. */
#define MAMORI_PLUGIN_V1_0_SIZE offsetof(struct mamori_plugin, reserved)

#ifdef __cplusplus
}
#endif

#endif /* MAMORI_PLUGIN_H */

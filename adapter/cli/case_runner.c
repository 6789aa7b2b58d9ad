/* cli/case_runner.c -- see case_runner.h. */
#include "config.h"

#include "cli/case_runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/strv.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "ingest/chain.h"
#include "plugin/host_api.h"
#include "plugin/loader.h"
#include "plugin/ticket.h"

struct case_runner {
    /* A tenant of one chain entry, so cases go through mamori_chain_run
     * exactly as a webhook's ticket does. Only the fields the chain reads
     * are set. */
    struct mamori_tenant tenant;
    struct mamori_chain_entry entry;
};

char *case_runner_plugin_dir(const struct mamori_cli *cli, const char *plugin_dir_option)
{
    const char *env = getenv("MAMORI_PLUGIN_DIR");
    struct mamori_settings s;
    char *dir;

    if (plugin_dir_option != NULL && plugin_dir_option[0] != '\0')
        return mamori_strdup(plugin_dir_option);
    if (env != NULL && env[0] != '\0')
        return mamori_strdup(env);
    if (cli == NULL || (!cli->config_given && access(cli->config_path, F_OK) != 0))
        return mamori_strdup(PLUGINDIR);
    if (mamori_cli_settings(cli, &s) != 0)
        return NULL;
    dir = mamori_strdup(s.plugin_dir);
    mamori_settings_free(&s);
    return dir;
}

int case_runner_open(struct case_runner **out, const char *plugin_dir, const char *policy_path, const char *pubkey,
                     const char *language, struct mamori_error *err)
{
    struct case_runner *r = calloc(1, sizeof *r);
    struct mamori_plugin_option opts[2];
    struct mamori_plugin_config cfg;
    int rc;

    *out = NULL;
    if (r == NULL)
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    r->tenant.id = mamori_strdup("offline");
    r->entry.name = mamori_strdup("rules");
    if (r->tenant.id == NULL || r->entry.name == NULL) {
        case_runner_close(r);
        return mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    }
    r->tenant.chain = &r->entry;
    r->tenant.chain_count = 1;
    if ((rc = mamori_plugin_load(&r->entry.handle, "rules", "rules", plugin_dir, err)) != 0) {
        mamori_error_prefix(err, "cannot load the rules plugin (set --plugin-dir or MAMORI_PLUGIN_DIR)");
        case_runner_close(r);
        return rc;
    }
    opts[0].key = "policy";
    opts[0].value = policy_path;
    opts[1].key = "policy_pubkey";
    opts[1].value = pubkey;
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.tenant_id = r->tenant.id;
    cfg.language = language;
    cfg.config_dir = NULL; /* paths are the caller's, relative to the working directory */
    cfg.option_count = pubkey != NULL ? 2 : 1;
    cfg.options = opts;
    if ((rc = mamori_plugin_open(&r->entry.handle, &mamori_host_table, &cfg, err)) != 0) {
        case_runner_close(r);
        return rc;
    }
    *out = r;
    return MAMORI_OK;
}

/* A copy of n bytes as a C string (the ticket owns its strings). */
static int set_n(char **dst, size_t *dst_len, const char *v, size_t n)
{
    if (v == NULL)
        return MAMORI_OK;
    *dst = malloc(n + 1);
    if (*dst == NULL)
        return MAMORI_ENOMEM;
    memcpy(*dst, v, n);
    (*dst)[n] = '\0';
    if (dst_len)
        *dst_len = n;
    return MAMORI_OK;
}

int case_runner_run(struct case_runner *r, const struct policy_case *c, struct mamori_annotation *a)
{
    struct mamori_ticket t;
    struct mamori_history hist;
    struct mamori_request req;
    struct mamori_chain_result chain;
    int rc;

    mamori_ticket_init(&t);
    memset(&hist, 0, sizeof hist);
    hist.fixed_contacts = c->contacts >= 0 ? c->contacts : 1;
    rc = set_n(&t.subject, &t.subject_len, c->subject, c->subject_len);
    if (rc == 0)
        rc = set_n(&t.body, &t.body_len, c->body, c->body_len);
    if (rc == 0 && c->channel != NULL)
        rc = mamori_ticket_set(&t.channel, mamori_channel_normalize(c->channel));
    if (rc == 0)
        rc = mamori_ticket_set(&t.ticket_id, c->ticket_id ? c->ticket_id : c->id);
    if (rc == 0)
        rc = mamori_ticket_set(&t.requester_name, c->requester_name);
    if (rc == 0)
        rc = mamori_ticket_set(&t.language, c->lang);
    if (rc != 0) {
        mamori_ticket_free(&t);
        return MAMORI_ENOMEM;
    }
    memset(&req, 0, sizeof req);
    mamori_chain_request(&req, &r->tenant);
    req.ticket = &t;
    req.annotation = a;
    req.history = &hist;
    req.now = time(NULL);
    rc = mamori_chain_run(&r->tenant, &req, &chain, NULL);
    mamori_ticket_free(&t);
    return rc;
}

void case_runner_close(struct case_runner *r)
{
    if (r == NULL)
        return;
    mamori_plugin_unload(&r->entry.handle);
    free(r->entry.name);
    free(r->tenant.id);
    free(r);
}

int case_annotation_has(const struct mamori_annotation *a, const char *category_id)
{
    for (size_t i = 0; i < a->category_count; i++)
        if (strcmp(a->categories[i].id, category_id) == 0)
            return 1;
    return 0;
}

int case_annotation_escalates(const struct mamori_annotation *a)
{
    return a->escalation_level >= MAMORI_ESCALATE_LEGAL;
}

int case_annotation_flame_risk(const struct mamori_annotation *a)
{
    return a->flame_level >= MAMORI_FLAME_MEDIUM;
}

static double round4(double x)
{
    return (double)(long long)(x * 10000.0 + (x >= 0 ? 0.5 : -0.5)) / 10000.0;
}

/* FORMAT.md: the highest severity of the fired categories, complaints
 * included (mamori_annotation_severity counts harassment only). */
static int fired_severity(const struct mamori_annotation *a)
{
    int s = MAMORI_SEVERITY_NONE;

    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].severity > s)
            s = a->categories[i].severity;
    return s;
}

json_t *case_annotation_line(const struct mamori_annotation *a, const char *id)
{
    json_t *o = json_object(), *cats = json_array(), *scores = json_object();
    int bad = o == NULL || cats == NULL || scores == NULL;

    if (bad) {
        json_decref(o);
        json_decref(cats);
        json_decref(scores);
        return NULL;
    }
    for (size_t i = 0; i < a->category_count; i++) {
        bad |= json_array_append_new(cats, json_string(a->categories[i].id));
        bad |= json_object_set_new(scores, a->categories[i].id, json_real(round4(a->categories[i].score)));
    }
    if (a->category_count == 0)
        bad |= json_array_append_new(cats, json_string("none"));
    /* The key order is part of the contract (FORMAT.md "Output for tools"). */
    bad |= json_object_set_new(o, "id", id ? json_string(id) : json_null());
    bad |= json_object_set_new(o, "categories", cats);
    bad |= json_object_set_new(o, "escalate", json_boolean(case_annotation_escalates(a)));
    bad |= json_object_set_new(o, "flame_risk", json_boolean(case_annotation_flame_risk(a)));
    bad |= json_object_set_new(o, "severity", json_string(mamori_severity_name(fired_severity(a))));
    bad |= json_object_set_new(o, "escalation_level", json_string(mamori_escalation_name(a->escalation_level)));
    bad |= json_object_set_new(o, "flame_level", json_string(mamori_flame_name(a->flame_level)));
    bad |= json_object_set_new(o, "scores", scores);
    if (a->plugin_errors.count > 0) {
        json_t *errs = json_array();
        bad |= errs == NULL;
        for (size_t i = 0; errs != NULL && i < a->plugin_errors.count; i++)
            bad |= json_array_append_new(errs, json_string(a->plugin_errors.items[i]));
        bad |= json_object_set_new(o, "plugin_errors", errs);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

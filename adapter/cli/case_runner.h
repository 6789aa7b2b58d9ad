/*
 * case_runner.h -- labelled cases through the production path.
 *
 * `mamori policy test`, `mamori annotate --jsonl` and `mamori policy
 * explain` judge a case the way a webhook is judged: the rules plugin
 * (rules.so, found like the daemon finds it) is loaded and opened by the
 * plugin loader with the policy as its option, and each case becomes a
 * normalized ticket run through the host's chain (ingest/chain.h) into an
 * annotation. What a lawyer tests is therefore what production runs: the
 * same plugin code, evidence caps, host checks on tags and links, and the
 * same escalation and flame levels. The CLI never builds an annotation
 * itself.
 */
#ifndef MAMORI_CLI_CASE_RUNNER_H
#define MAMORI_CLI_CASE_RUNNER_H

#include <jansson.h>

#include "base/error.h"
#include "cli/cli.h"
#include "cli/cmd_policy_cases.h"
#include "plugin/annotation.h"

struct case_runner;

/* The plugin directory for offline tools: plugin_dir_option when given
 * (--plugin-dir), else $MAMORI_PLUGIN_DIR, else the settings' plugin_dir
 * when the configuration file was named with -c or exists, else the
 * compiled-in default. Returns an owned string, or NULL (out of memory, or
 * a named configuration that cannot be read: the error is printed). */
char *case_runner_plugin_dir(const struct mamori_cli *cli, const char *plugin_dir_option);

/* Load rules.so from plugin_dir and open it with `policy = policy_path`
 * (and `policy_pubkey = pubkey` when not NULL), as a tenant file naming
 * that policy would. language: the tenant language ("ja", "en") or NULL
 * for the policy's primary language. On success *out owns the plugin;
 * on failure err says which step failed (load: the plugin file; open: the
 * policy, as the daemon would report it). */
int case_runner_open(struct case_runner **out, const char *plugin_dir, const char *policy_path, const char *pubkey,
                     const char *language, struct mamori_error *err);

/* Judge one case: its subject, body, channel, requester name and ticket id
 * as a ticket; its repeat_contacts_30d as the requester's contact count.
 * a must be initialized; the caller frees it. A plugin that fails is
 * recorded in a->plugin_errors (as in production) and is not an error
 * here; MAMORI_ENOMEM when the host ran out of memory. */
int case_runner_run(struct case_runner *r, const struct policy_case *c, struct mamori_annotation *a);

/* Close the plugin and free. Safe on NULL. */
void case_runner_close(struct case_runner *r);

/* What the corpus labels are scored against, read off an annotation. */
int case_annotation_has(const struct mamori_annotation *a, const char *category_id);
int case_annotation_escalates(const struct mamori_annotation *a);   /* legal, lawyer or police */
int case_annotation_flame_risk(const struct mamori_annotation *a);  /* medium or high */

/* The compact line `mamori annotate` prints (FORMAT.md "Output for
 * tools"): id, categories (["none"] when nothing fired), escalate,
 * flame_risk, severity, escalation_level, flame_level, scores; plus
 * "plugin_errors" when a plugin failed. A new reference, NULL when out of
 * memory. */
json_t *case_annotation_line(const struct mamori_annotation *a, const char *id);

#endif

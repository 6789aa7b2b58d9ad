/* cli/cmd_policy_cases.c -- see cmd_policy_cases.h. */
#include "config.h"

#include "cli/cmd_policy_cases.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "train.h"


void policy_case_free(struct policy_case *c)
{
    json_decref(c->root);
    memset(c, 0, sizeof *c);
}

int policy_case_next(FILE *f, long *lineno, struct policy_case *c, char *why, size_t whylen)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    memset(c, 0, sizeof *c);
    for (;;) {
        struct rules_case_view cv;
        struct rules_error rerr = {0, ""};
        json_error_t jerr;

        n = getline(&line, &cap, f);
        if (n < 0) {
            free(line);
            return 0;
        }
        (*lineno)++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        if (n == 0)
            continue;
        c->line = *lineno;
        c->root = json_loadb(line, (size_t)n, 0, &jerr);
        free(line);
        if (c->root == NULL) {
            snprintf(why, whylen, "line %ld: not JSON: %s (column %d)", *lineno, jerr.text, jerr.column);
            return -1;
        }
        if (mamori_rules_case_view(c->root, &cv, &rerr) != 0) {
            snprintf(why, whylen, "line %ld%s%s", *lineno, rerr.message[0] == '(' ? " " : ": ", rerr.message);
            policy_case_free(c);
            return -1;
        }
        c->id = cv.id;
        c->lang = cv.lang;
        c->channel = cv.channel;
        c->subject = cv.subject;
        c->subject_len = cv.subject_len;
        c->body = cv.body;
        c->body_len = cv.body_len;
        c->requester_name = cv.requester_name;
        c->ticket_id = cv.ticket_id;
        c->labels = cv.labels;
        c->escalate = cv.escalate;
        c->flame = cv.flame;
        c->contacts = cv.contacts;
        return 1;
    }
}

void policy_case_input(const struct policy_case *c, const struct rules_policy *p, struct rules_input *in)
{
    int lang = rules_lang_parse(c->lang);

    memset(in, 0, sizeof *in);
    in->text[RULES_FIELD_SUBJECT] = c->subject;
    in->len[RULES_FIELD_SUBJECT] = c->subject_len;
    in->text[RULES_FIELD_BODY] = c->body;
    in->len[RULES_FIELD_BODY] = c->body_len;
    in->channel = c->channel;
    in->fixed_contacts = c->contacts;
    in->lang = lang >= 0 ? lang : p->primary_lang;
    in->requester_name = c->requester_name;
    in->ticket_id = c->ticket_id ? c->ticket_id : c->id;
}

int policy_case_has_label(const struct policy_case *c, const char *label)
{
    size_t i;
    json_t *l;

    json_array_foreach(c->labels, i, l)
        if (json_is_string(l) && strcmp(json_string_value(l), label) == 0)
            return 1;
    return 0;
}

struct rules_policy *policy_load_print(const char *path, const char *pubkey, int lint, FILE *out, size_t *errors,
                                       size_t *warnings)
{
    struct rules_load_options opt = {pubkey, lint, 0, NULL, NULL, 0, 0};
    struct rules_diags d = {0};
    struct rules_error err = {0, ""};
    struct rules_policy *p = NULL;
    int rc = mamori_rules_policy_load(path, &opt, &p, &d, &err);

    for (size_t i = 0; i < d.n; i++) {
        const struct rules_diag *g = &d.v[i];
        const char *sev = g->severity == RULES_DIAG_ERROR ? "error" : "warning";
        if (g->line > 0)
            fprintf(out, "%s:%d:%d: %s: %s", g->file, g->line, g->col, sev, g->message);
        else
            fprintf(out, "%s: %s: %s", g->file, sev, g->message);
        if (g->hint)
            fprintf(out, " -- %s", g->hint);
        fputc('\n', out);
    }
    if (errors)
        *errors = d.errors;
    if (warnings)
        *warnings = d.warnings;
    if (rc != 0 && d.errors == 0) {
        /* Not a problem inside the policy: unreadable file, signature. */
        fprintf(out, "%s: error: %s\n", path, err.message);
        if (errors)
            *errors = 1;
    }
    mamori_rules_diags_free(&d);
    return rc == 0 ? p : NULL;
}

char *policy_read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;

    *len = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t r;
        if (n + 4096 + 1 > cap) {
            char *nb;
            cap = cap ? cap * 2 : 8192;
            nb = realloc(buf, cap);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    if (buf != NULL && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

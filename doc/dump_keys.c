/*
 * dump_keys.c -- write the key lists of the man pages from the key tables.
 *
 *   dump_keys MANPAGE      MANPAGE with every generated block filled in, on stdout
 *
 * A generated block is the lines between
 *
 *   .\" BEGIN KEYS SET SECTION
 *   .\" END KEYS
 *
 * where SET SECTION is "mamori.conf server" (any section of mamori.conf),
 * "tenant tenant", "tenant helpdesk" (the tenant's own [helpdesk] keys and
 * those every connector takes), "tenant connectors" (each connector's own),
 * "escalation escalation" / "escalation line" / "escalation channel", or
 * "consult consult".
 * Everything outside the blocks is copied as it is, so the prose stays
 * hand-written and the lists cannot drift from what the loader checks:
 * tests/config/man_keys.sh fails when a committed page differs from this
 * program's output, and `make update-man` rewrites the pages.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ini_file.h"
#include "config/consult.h"
#include "config/escalation.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "connector/connector.h"

/* Text for roff: a backslash is \e; a line never starts with . or '. */
static void put_text(FILE *out, const char *s)
{
    if (*s == '.' || *s == '\'')
        fputs("\\&", out);
    for (; *s; s++) {
        if (*s == '\\')
            fputs("\\e", out);
        else
            fputc(*s, out);
    }
}

static const char *placeholder(const struct mamori_key *k)
{
    switch (k->type) {
    case MAMORI_KEY_PATH: return "FILE";
    case MAMORI_KEY_BOOL: return "BOOL";
    case MAMORI_KEY_INTEGER: return "N";
    case MAMORI_KEY_SIZE: return "SIZE";
    case MAMORI_KEY_DURATION: return "DURATION";
    case MAMORI_KEY_MODE: return "MODE";
    case MAMORI_KEY_URL: return "URL";
    case MAMORI_KEY_LIST: return "NAME,...";
    default: return "TEXT";
    }
}

static void put_key(FILE *out, const struct mamori_key *k)
{
    char allowed[400];
    size_t n = strlen(k->name);

    fputs(".TP\n", out);
    if (k->type == MAMORI_KEY_SECRET) {
        fprintf(out, ".BR %s_file \" = \" \\fIPATH\\fR \" | \" %s_env \" = \" \\fIVARIABLE\\fR\n", k->name, k->name);
    } else if (n >= 2 && strcmp(k->name + n - 2, ".*") == 0) {
        fprintf(out, ".BI %.*s ID \" = %s\"\n", (int)(n - 1), k->name, placeholder(k));
    } else if (k->type == MAMORI_KEY_ENUM) {
        fprintf(out, ".BR %s \" = ", k->name);
        for (const char *p = k->values; *p; p++) {
            if (*p == '|')
                fputs(" | ", out);
            else
                fputc(*p, out);
        }
        fputs("\"\n", out);
    } else {
        fprintf(out, ".BI %s \" = %s\"%s%s%s\n", k->name, placeholder(k), k->word ? " \" | \" " : "",
                k->word ? k->word : "", k->word ? "" : "");
    }
    put_text(out, k->description);
    fputc('\n', out);
    if (k->type != MAMORI_KEY_STRING && k->type != MAMORI_KEY_SECRET && k->type != MAMORI_KEY_PATH &&
        k->type != MAMORI_KEY_LIST && k->type != MAMORI_KEY_ENUM) {
        mamori_key_describe(k, allowed, sizeof allowed);
        if (allowed[0] >= 'a' && allowed[0] <= 'z')
            allowed[0] = (char)(allowed[0] - 'a' + 'A');
        put_text(out, allowed);
        fputs(".\n", out);
    }
    if (k->def != NULL) {
        fputs("Default: \\fB", out);
        put_text(out, k->def);
        fputs("\\fR.\n", out);
    }
}

static void put_table(FILE *out, const struct mamori_key *table, const struct mamori_key *skip)
{
    for (const struct mamori_key *k = table; k->name != NULL; k++)
        if (skip == NULL || mamori_key_find(skip, k->name) == NULL)
            put_key(out, k);
}

static const struct mamori_key *section_keys(const struct mamori_key_section *sections, const char *name)
{
    for (const struct mamori_key_section *s = sections; s->name != NULL; s++)
        if (strcmp(s->name, name) == 0 || (strncmp(s->name, name, strlen(name)) == 0 && s->name[strlen(name)] == ' '))
            return s->keys;
    return NULL;
}

/* The keys every connector takes: those of generic, which has no others. */
static const struct mamori_key *common_keys(void)
{
    const struct mamori_connector *g = mamori_connector_find("generic");
    return g ? g->keys : NULL;
}

static int put_block(FILE *out, const char *set, const char *section)
{
    const struct mamori_key *keys = NULL;

    if (strcmp(set, "mamori.conf") == 0)
        keys = section_keys(mamori_settings_sections, section);
    else if (strcmp(set, "escalation") == 0)
        keys = section_keys(mamori_escalation_sections, section);
    else if (strcmp(set, "consult") == 0)
        keys = section_keys(mamori_consult_sections, section);
    else if (strcmp(set, "tenant") == 0 && strcmp(section, "connectors") == 0) {
        const struct mamori_key *common = common_keys();
        fputs("Besides these, each connector takes its own keys (none: ", out);
        int first = 1;
        for (const struct mamori_connector *const *c = mamori_connector_all(); *c != NULL; c++) {
            int own = 0;
            for (const struct mamori_key *k = (*c)->keys; k->name != NULL; k++)
                own |= mamori_key_find(common, k->name) == NULL;
            if (!own) {
                fprintf(out, "%s\\fB%s\\fR", first ? "" : ", ", (*c)->name);
                first = 0;
            }
        }
        fputs(").\n", out);
        for (const struct mamori_connector *const *c = mamori_connector_all(); *c != NULL; c++) {
            int own = 0;
            for (const struct mamori_key *k = (*c)->keys; k->name != NULL; k++)
                own |= mamori_key_find(common, k->name) == NULL;
            if (own) {
                fprintf(out, ".SS \"[helpdesk] keys of %s\"\n", (*c)->name);
                put_table(out, (*c)->keys, common);
            }
        }
        return 0;
    } else if (strcmp(set, "tenant") == 0) {
        keys = section_keys(mamori_tenant_sections, section);
        if (keys != NULL && strcmp(section, "helpdesk") == 0) {
            put_table(out, keys, NULL);
            keys = common_keys();
        }
    }
    if (keys == NULL) {
        fprintf(stderr, "dump_keys: no key table \"%s %s\"\n", set, section);
        return 1;
    }
    put_table(out, keys, NULL);
    return 0;
}

int main(int argc, char **argv)
{
    char *line = NULL;
    size_t cap = 0;
    int in_block = 0, rc = 0;
    FILE *in;

    if (argc != 2) {
        fprintf(stderr, "usage: dump_keys MANPAGE > NEW-MANPAGE\n");
        return 2;
    }
    if ((in = fopen(argv[1], "r")) == NULL) {
        perror(argv[1]);
        return 1;
    }
    while (getline(&line, &cap, in) > 0) {
        char set[64], section[64];
        if (strncmp(line, ".\\\" END KEYS", 12) == 0)
            in_block = 0;
        if (in_block)
            continue;
        fputs(line, stdout);
        if (sscanf(line, ".\\\" BEGIN KEYS %63s %63s", set, section) == 2) {
            rc |= put_block(stdout, set, section);
            in_block = 1;
        }
    }
    free(line);
    fclose(in);
    if (in_block) {
        fprintf(stderr, "dump_keys: %s: a BEGIN KEYS without its END KEYS\n", argv[1]);
        rc = 1;
    }
    return rc;
}

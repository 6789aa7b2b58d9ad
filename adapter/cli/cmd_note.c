/*
 * cli/cmd_note.c -- `mamori note [--format F] [--lang L] [FILE]`: render the
 * agent's note from an annotation (a webhook or /v1/annotate answer, an
 * outbox job, or a bare annotation; stdin without FILE).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "cli/cli.h"
#include "note/note.h"
#include "plugin/annotation.h"

static void usage(FILE *out)
{
    fprintf(out, "Usage: mamori note [--format text|markdown|html|textile] [--lang ja|en] [--ticket TICKET.json] [FILE]\n"
                 "Render the internal note an agent sees from an annotation JSON (FILE or stdin).\n"
                 "--ticket gives the original ticket, so evidence says on which line it is.\n");
}

int mamori_cmd_note(const struct mamori_cli *cli, int argc, char **argv)
{
    const char *file = NULL, *lang = "ja", *ticket_file = NULL;
    int format = MAMORI_NOTE_TEXT;
    struct mamori_annotation a;
    struct mamori_note_context ctx;
    struct mamori_buf out = MAMORI_BUF_INIT;
    struct mamori_error err;
    json_error_t jerr;
    json_t *root, *ann, *ticket, *ticket_root = NULL;
    int rc;

    (void)cli;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            if ((format = mamori_note_format_parse(argv[++i])) < 0) {
                fprintf(stderr, "mamori note: unknown format \"%s\"\n", argv[i]);
                return 2;
            }
        } else if (strcmp(argv[i], "--ticket") == 0 && i + 1 < argc) {
            ticket_file = argv[++i];
        } else if (strcmp(argv[i], "--lang") == 0 && i + 1 < argc) {
            lang = argv[++i];
        } else if (mamori_cli_is_help(argv[i])) {
            usage(stdout);
            return 0;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            usage(stderr);
            return 2;
        } else {
            file = argv[i];
        }
    }
    root = (file && strcmp(file, "-") != 0) ? json_load_file(file, 0, &jerr) : json_loadf(stdin, 0, &jerr);
    if (root == NULL) {
        fprintf(stderr, "mamori note: %s:%d:%d: %s\n", file ? file : "<stdin>", jerr.line, jerr.column, jerr.text);
        return 1;
    }
    ann = json_object_get(root, "annotation");
    if (ann == NULL)
        ann = root;
    ticket = json_object_get(root, "ticket");
    if (ticket_file != NULL) {
        ticket_root = json_load_file(ticket_file, 0, &jerr);
        if (ticket_root == NULL) {
            fprintf(stderr, "mamori note: %s:%d:%d: %s\n", ticket_file, jerr.line, jerr.column, jerr.text);
            json_decref(root);
            return 1;
        }
        ticket = ticket_root;
    }
    mamori_annotation_init(&a);
    memset(&ctx, 0, sizeof ctx);
    ctx.language = lang;
    ctx.subject = json_string_value(json_object_get(ticket, "subject"));
    ctx.body = json_string_value(json_object_get(ticket, "body"));
    rc = mamori_annotation_from_json(&a, ann, &err);
    if (rc == 0)
        rc = mamori_note_render(&a, &ctx, (enum mamori_note_format)format, &out);
    else
        fprintf(stderr, "mamori note: %s\n", err.message);
    if (rc == 0)
        fputs(mamori_buf_str(&out), stdout);
    mamori_buf_free(&out);
    mamori_annotation_free(&a);
    json_decref(root);
    json_decref(ticket_root);
    return rc == 0 ? 0 : 1;
}

/*
 * note.h -- the internal note an agent reads on the ticket, rendered from
 * an annotation in the helpdesk's markup and the tenant's language.
 *
 * Built for a busy agent: the first line says severity and categories in
 * plain words; then what to do now, the reply draft, training links, the
 * evidence quoted with where it is, flame-risk advice and the escalation
 * status. A legitimate complaint gets a calm one-liner (or no note, a tenant
 * setting). Every note starts with MAMORI_NOTE_MARKER so connectors can
 * recognise mamori's own notes when the helpdesk echoes them back.
 * doc/notes.md shows the result per platform.
 */
#ifndef MAMORI_NOTE_H
#define MAMORI_NOTE_H

#include "base/buf.h"
#include "plugin/annotation.h"

#define MAMORI_NOTE_MARKER "[mamori]"
/* Every written note ends with "mamori-ref:<24 hex>", unique per outbox
 * job: the deliverer looks for it before re-sending, and connectors treat
 * text carrying both the marker and a reference as mamori's own note. */
#define MAMORI_NOTE_REF_PREFIX "mamori-ref:"

enum mamori_note_format {
    MAMORI_NOTE_TEXT,       /* plain text (Zendesk body, RT, Znuny, Jira) */
    MAMORI_NOTE_MARKDOWN,   /* Redmine (markdown), Slack mrkdwn-ish */
    MAMORI_NOTE_HTML,       /* Freshdesk, Zammad, Help Scout */
    MAMORI_NOTE_TEXTILE     /* Redmine (textile) */
};

struct mamori_note_context {
    const char *language;      /* "ja" or "en" */
    const char *subject;       /* original fields, to say where evidence is; may be NULL */
    const char *body;
    const char *lawyer_status; /* e.g. "notified via LINE 10:42", or NULL */
    const char *reference;     /* "mamori-ref:…" printed last, or NULL */
};

/* Whether an annotation deserves a note: harassment always; a legitimate
 * complaint or nothing only when calm_on_legitimate is set. */
int mamori_note_wanted(const struct mamori_annotation *a, int calm_on_legitimate);

/* Append the note to out. Returns 0 or MAMORI_ENOMEM. */
int mamori_note_render(const struct mamori_annotation *a, const struct mamori_note_context *ctx,
                       enum mamori_note_format format, struct mamori_buf *out);

/* The note reference for an outbox job key: MAMORI_NOTE_REF_PREFIX and
 * 24 hex digits of SHA-256(key), into out. 0 or MAMORI_EINVAL. */
#define MAMORI_NOTE_REF_SIZE (sizeof MAMORI_NOTE_REF_PREFIX + 24)
int mamori_note_ref(const char *key, char out[MAMORI_NOTE_REF_SIZE]);

/* A one-line subject for platforms whose notes have one ("[mamori] 重大度: 高"),
 * static storage. */
const char *mamori_note_subject(const struct mamori_annotation *a, const char *language);

/* Append s to out escaped for the format (HTML: entities, line breaks as
 * <br>; the other formats take text as it is). */
void mamori_note_put_text(struct mamori_buf *out, enum mamori_note_format f, const char *s);

/* Parse "text", "markdown", "html", "textile"; -1 if unknown (or NULL). */
int mamori_note_format_parse(const char *name);

#endif

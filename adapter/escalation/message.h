/*
 * message.h -- what a lawyer or supervisor reads on a phone.
 *
 * The webhook path builds one message *model* per escalation (a JSON
 * object; no network), and each channel renders it in its own shape
 * (channel_*.c). The model holds:
 *
 *   company, tenant, helpdesk, ticket_id, ticket_url, level, categories
 *   [{id,label}], evidence [quotes], legal_basis [], advice [] (what the
 *   agent was told to do), reasons [], received_at (Unix seconds),
 *   customer {name, email} (only when the tenant does not redact),
 *   language, utc_offset (minutes)
 *
 * A digest's model (escalation/digest.h) has the same company, tenant,
 * helpdesk, language and utc_offset, ticket_id "digest-N", the highest
 * level in it, and digest {number, count, from, to, items [{ticket_id,
 * ticket_url, level, categories [{id,label}]}]}: links and categories
 * only, never quotes, so nothing of the customer's words is in it.
 *
 * Evidence is the sentence around each match, at most evidence_chars
 * characters and evidence_items quotes. With redact_customer (the default)
 * the customer's name, e-mail address and phone numbers are replaced in
 * the quotes and no customer line is shown: chat services are third
 * parties, the lawyer opens the ticket for the rest.
 */
#ifndef MAMORI_ESCALATION_MESSAGE_H
#define MAMORI_ESCALATION_MESSAGE_H

#include <jansson.h>

#include "base/buf.h"
#include "config/escalation.h"
#include "plugin/annotation.h"
#include "plugin/ticket.h"

struct mamori_tenant;

/* Why a message is sent. */
enum mamori_esc_purpose {
    MAMORI_ESC_NOTIFY = 0,     /* a new escalation */
    MAMORI_ESC_BACKUP,         /* nobody acknowledged in time: the backup contact */
    MAMORI_ESC_DIGEST,         /* the escalations held during a burst, in one message (digest.h) */
    MAMORI_ESC_DIGEST_BACKUP   /* a digest's escalations nobody acknowledged in time, in one message */
};

/* Whether purpose renders a digest (a list of escalations). */
#define MAMORI_ESC_IS_DIGEST(purpose) ((purpose) == MAMORI_ESC_DIGEST || (purpose) == MAMORI_ESC_DIGEST_BACKUP)

/* Text styles for mamori_escalation_text(). */
enum mamori_esc_style {
    MAMORI_ESC_STYLE_TEXT = 0, /* LINE, mail, webhook */
    MAMORI_ESC_STYLE_SLACK     /* Slack mrkdwn: &, <, > escaped, *bold*, <url|label> */
};

/* The model (new reference), or NULL on allocation failure. */
json_t *mamori_escalation_model(const struct mamori_escalation_config *c, const struct mamori_tenant *t,
                                const struct mamori_ticket *ticket, const struct mamori_annotation *a, int level,
                                long long now);

/* Append the message text for purpose to out. line_help adds how to answer
 * from LINE (quote to advise, 確認, 受任; for a digest: 確認 acknowledges
 * all of it). Returns 0 or MAMORI_ENOMEM. */
int mamori_escalation_text(const json_t *model, int purpose, int style, int line_help,
                           const struct mamori_escalation_config *c, struct mamori_buf *out);

/* One line for notifications and subjects: "[mamori] 弁護士へ相談: Acme #4821". */
int mamori_escalation_title(const json_t *model, int purpose, struct mamori_buf *out);

/* Words in one language. */
struct mamori_esc_labels {
    const char *level[MAMORI_ESC_LEVELS];
    const char *title, *ticket, *level_h, *categories, *legal, *customer, *received, *evidence, *advice, *reasons;
    const char *police_first, *backup_a, *backup_b, *line_help, *footer, *sep, *redacted, *none, *open_ticket;
};

const struct mamori_esc_labels *mamori_escalation_labels(const char *language);

/* Labels in the model's language. */
const char *mamori_escalation_level_label(const char *language, const char *level);

/* "2025-06-10 10:23 (UTC+09:00)" for Unix time t at offset minutes. */
void mamori_escalation_local_time(long long t, int utc_offset, char *out, size_t cap);

/* Replace name (its parts of two characters or more), email and every
 * e-mail address and phone number in s with a marker; a new string
 * (owned by the caller) or NULL on allocation failure. */
char *mamori_escalation_redact(const char *s, const char *name, const char *email, const char *language);

/* The quote around [begin, end) of text: the enclosing sentence, at most
 * max_chars characters, with "…" where it was cut. A new string, or NULL. */
char *mamori_escalation_quote(const char *text, size_t len, size_t begin, size_t end, long max_chars);

/* Cut s to at most max_chars characters (UTF-8), adding "…" if cut. */
void mamori_escalation_truncate(struct mamori_buf *s, size_t max_chars);

#endif

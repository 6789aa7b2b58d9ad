/* warned.c -- see warned.h. */
#include "config.h"

#include "ingest/warned.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mamori/plugin.h>

#include "base/buf.h"
#include "config/escalation.h"
#include "store/warnings.h"

#define MAX_CITED 5

static void local_date(const struct mamori_tenant *t, long long at, char out[16])
{
    time_t tt = (time_t)(at + (long long)(t->escalation ? t->escalation->utc_offset : 9 * 60) * 60);
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

/* steps = first, second (may be NULL), then the plugins' steps. */
static int prepend_steps(struct mamori_annotation *a, const char *first, const char *second)
{
    struct mamori_strv out = MAMORI_STRV_INIT;
    int bad = mamori_strv_push(&out, first, (size_t)-1) != 0;

    if (!bad && second != NULL)
        bad = mamori_strv_push(&out, second, (size_t)-1) != 0;
    for (size_t i = 0; !bad && i < a->steps.count; i++)
        bad = mamori_strv_push(&out, a->steps.items[i], (size_t)-1) != 0;
    if (bad) {
        mamori_strv_free(&out);
        return MAMORI_ENOMEM;
    }
    mamori_strv_free(&a->steps);
    a->steps = out;
    return MAMORI_OK;
}

static void cite(struct mamori_buf *b, const struct mamori_tenant *t, int en, size_t total, const long long *at,
                 char *const *tickets)
{
    char date[16];
    size_t shown = total < MAX_CITED ? total : MAX_CITED;

    if (en)
        mamori_buf_printf(b, "This customer was warned %zu time%s before (", total, total == 1 ? "" : "s");
    else
        mamori_buf_printf(b, "このお客様には警告済みです（%zu 回：", total);
    for (size_t i = 0; i < shown; i++) {
        local_date(t, at[i], date);
        mamori_buf_printf(b, "%s%s #%s", i ? (en ? ", " : "、") : "", date, tickets[i]);
    }
    if (total > shown)
        mamori_buf_printf(b, en ? ", …" : "、…");
    mamori_buf_puts(b, en ? "). Severity raised: do not negotiate further; answer by the policy and involve your "
                            "supervisor."
                          : "）。重大度を引き上げています。これ以上の交渉はせず、方針どおりに回答し、上長に共有してください。");
}

int mamori_warned_apply(struct mamori_store *st, const unsigned char *identity_key, size_t identity_key_len,
                        const struct mamori_tenant *t, const struct mamori_ticket *ticket, struct mamori_annotation *a,
                        struct mamori_error *err)
{
    const struct mamori_restriction_policy *p = &t->restriction;
    long long at[MAX_CITED];
    char *tickets[MAX_CITED] = {NULL}, hash[65];
    struct mamori_buf first = MAMORI_BUF_INIT, second = MAMORI_BUF_INIT;
    size_t total = 0;
    int rc, en = t->language != NULL && strcmp(t->language, "en") == 0, restrict_now;

    if (ticket->requester_id == NULL || !mamori_annotation_is_harassment(a))
        return MAMORI_OK;
    if (mamori_store_requester_hash(identity_key, identity_key_len, t->id, ticket->requester_id, hash) != 0)
        return mamori_error_set(err, MAMORI_EINVAL, "cannot hash the requester id");
    if ((rc = mamori_warnings_list(st, t->id, hash, at, tickets, MAX_CITED, &total, err)) != 0)
        return rc;
    if (total == 0)
        return MAMORI_OK;
    for (size_t i = 0; i < a->category_count; i++)
        if (a->categories[i].harassment) {
            int s = a->categories[i].severity + p->raise_severity;
            a->categories[i].severity = s > MAMORI_SEVERITY_CRITICAL ? MAMORI_SEVERITY_CRITICAL : s;
        }
    cite(&first, t, en, total, at, tickets);
    restrict_now = p->restrict_after > 0 && total >= (size_t)p->restrict_after;
    if (restrict_now) {
        mamori_buf_printf(&second, en ? "Warnings: %zu (the policy's threshold is %d). " : "警告 %zu 回（方針の基準 %d 回）。",
                          total, p->restrict_after);
        mamori_buf_puts(&second, p->recommendation ? p->recommendation : "");
        if (p->caution != NULL)
            mamori_buf_printf(&second, en ? " Caution: %s" : " 注意：%s", p->caution);
        mamori_buf_puts(&second, en ? " A person decides: nothing is applied until the restriction tag is set."
                                    : " 決定は人が行います（制限タグを付けるまで何も適用されません）。");
    }
    rc = first.failed || second.failed ? MAMORI_ENOMEM
                                       : prepend_steps(a, mamori_buf_str(&first), restrict_now ? mamori_buf_str(&second) : NULL);
    if (rc == 0)
        rc = mamori_strv_push_unique(&a->tags, MAMORI_TAG_WARNED);
    if (rc == 0 && restrict_now)
        rc = mamori_strv_push_unique(&a->tags, MAMORI_TAG_RESTRICTION_RECOMMENDED);
    if (rc != 0)
        mamori_error_set(err, MAMORI_ENOMEM, "out of memory");
    for (size_t i = 0; i < MAX_CITED; i++)
        free(tickets[i]);
    mamori_buf_free(&first);
    mamori_buf_free(&second);
    return rc;
}

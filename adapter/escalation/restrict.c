/* restrict.c -- see restrict.h. */
#include "config.h"

#include "escalation/restrict.h"

#include <string.h>

#include "base/buf.h"
#include "base/log.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "escalation/info_note.h"
#include "plugin/ticket.h"
#include "store/audit_json.h"
#include "store/warnings.h"

int mamori_restrict_decide(struct mamori_store *st, const struct mamori_restrict_decision *d, time_t now,
                           const char **state, struct mamori_error *err)
{
    const struct mamori_tenant *t = d->tenant;
    const struct mamori_ticket *tk = d->ticket;
    const char *action = t->connector->restrict_action, *who = tk->agent_id;
    struct mamori_restriction_row r;
    struct mamori_buf src = MAMORI_BUF_INIT, title = MAMORI_BUF_INIT;
    struct mamori_info_note n;
    int inserted = 0, rc, en = t->language != NULL && strcmp(t->language, "en") == 0;

    memset(&r, 0, sizeof r);
    r.tenant = t->id;
    r.requester = d->requester;
    r.ticket_id = tk->ticket_id;
    r.decided_by = who;
    r.via = d->via;
    r.decided_at = (long long)now;
    if ((rc = mamori_restriction_put(st, &r, &inserted, err)) != 0)
        return rc;
    *state = inserted ? (action ? "applying" : "recorded") : "known";
    if (!inserted)
        return MAMORI_OK;
    if ((rc = mamori_audit_append_json(st, t->id, "contact_restricted", tk->ticket_id,
                         json_pack("{s:s, s:s?, s:s, s:s, s:s?, s:s}", "event_id", tk->event_id, "decided_by", who,
                                   "via", d->via, "requester", d->requester, "action", action, "connector",
                                   t->connector->name),
                         now, err)) != 0)
        return rc;
    mamori_log_notice("contact_restricted", "tenant %s ticket %s: contact restriction decided by %s (%s)", t->id,
                      tk->ticket_id, who ? who : "an agent", action ? action : "to be applied by hand");
    mamori_buf_printf(&src, "restrict:%s", tk->event_id);
    if (action != NULL)
        mamori_buf_printf(&title, en ? "Contact restriction decided by %s: the requester is being %s in %s"
                                     : "対応制限が決定されました（決定者 %s）：%s でこのお客様を停止（%s）します",
                          who ? who : "?", en ? action : t->connector->display_name,
                          en ? t->connector->display_name : action);
    else
        mamori_buf_printf(&title, en ? "Contact restriction decided by %s: apply it in %s by hand"
                                     : "対応制限が決定されました（決定者 %s）：%s では mamori から停止できないため、管理画面で設定してください",
                          who ? who : "?", t->connector->display_name);
    memset(&n, 0, sizeof n);
    n.source = mamori_buf_str(&src);
    n.title = mamori_buf_str(&title);
    n.text = en ? "Recorded in the audit chain with who decided and when."
                : "誰がいつ決定したかを監査記録に残しました。";
    n.tag = "mamori-contact-restricted";
    n.restrict_requester = action != NULL ? tk->requester_id : NULL;
    rc = src.failed || title.failed ? mamori_error_set(err, MAMORI_ENOMEM, "out of memory")
                                    : mamori_info_note_enqueue(st, t, tk, &n, now, err);
    mamori_buf_free(&src);
    mamori_buf_free(&title);
    return rc;
}

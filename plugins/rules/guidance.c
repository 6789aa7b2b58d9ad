/*
 * guidance.c -- what the agent is told when several categories fire
 * (FORMAT.md, "Categories"):
 *   - first-response steps: concatenated, most severe category first,
 *     without duplicates;
 *   - reply draft: from the most severe category that has one, with
 *     {requester_name} and {ticket_id} filled from the ticket, else the
 *     policy's placeholder default, else empty; {company} from the policy's
 *     placeholder, else the tenant's name, else empty;
 *   - training links: most severe category first, without duplicates;
 *   - flame level and escalation level: the maxima (rules can raise them
 *     too); advice, reasons and legal bases accumulate;
 *   - tags: the union.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <mamori/plugin.h>

#include "eval_internal.h"

void mamori_rules_guidance_init(struct rules_guidance *g)
{
    memset(g, 0, sizeof *g);
}

void mamori_rules_guidance_free(struct rules_guidance *g)
{
    free(g->steps);
    free(g->draft);
    free(g->contact);
    free(g->contact_lawyer);
    free(g->links);
    free(g->flame_advice);
    free(g->esc);
    free(g->tags);
    memset(g, 0, sizeof *g);
}

static int push_unique(const char ***v, size_t *n, size_t *cap, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return RULES_OK;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i], s) == 0)
            return RULES_OK;
    if (rules_grow((void **)v, cap, *n + 1, sizeof **v) != 0)
        return RULES_ENOMEM;
    (*v)[(*n)++] = s;
    return RULES_OK;
}

static int push_esc(struct rules_guidance *g, int level, const char *cat, const char *reason, const char *legal)
{
    if (RULES_GROW(g->esc, g->esc_cap, g->nesc + 1) != 0)
        return RULES_ENOMEM;
    g->esc[g->nesc].level = level;
    g->esc[g->nesc].category = cat;
    g->esc[g->nesc].reason = reason;
    g->esc[g->nesc].legal_basis = legal;
    g->nesc++;
    return RULES_OK;
}

static const char *placeholder(const struct rules_policy *p, const struct rules_input *in, const char *name,
                               size_t n)
{
    const char *v = NULL, *own = NULL;
    int company = n == 7 && memcmp(name, "company", 7) == 0, known = 1;

    if (n == 14 && memcmp(name, "requester_name", 14) == 0)
        v = in->requester_name;
    else if (company)
        v = in->company;
    else if (n == 9 && memcmp(name, "ticket_id", 9) == 0)
        v = in->ticket_id;
    else
        known = 0;
    for (size_t i = 0; i < p->nplaceholders && own == NULL; i++)
        if (strlen(p->placeholders[i].name) == n && memcmp(p->placeholders[i].name, name, n) == 0)
            own = rules_text_get(&p->placeholders[i].value, in->lang);
    /* The ticket's requester and number are facts the policy can only
     * default; the company's name in a reply is wording the policy's
     * author (the company's lawyer) chose, and the tenant's display name
     * is only a label, so the policy's wins (FORMAT.md, "placeholders"). */
    if (company && own != NULL && own[0] != '\0')
        return own;
    if (v != NULL && v[0] != '\0')
        return v;
    if (own != NULL)
        return own;
    return known ? "" : NULL; /* unknown: left as written */
}

static int fill_draft(struct rules_guidance *g, const struct rules_policy *p, const struct rules_input *in,
                      const char *tmpl)
{
    struct rules_buf b = RULES_BUF_INIT;
    const char *s = tmpl;

    while (*s) {
        const char *open = strchr(s, '{'), *e, *v;
        if (open == NULL) {
            rules_buf_puts(&b, s);
            break;
        }
        rules_buf_add(&b, s, (size_t)(open - s));
        e = open + 1;
        while ((*e >= 'a' && *e <= 'z') || (*e >= '0' && *e <= '9') || *e == '_')
            e++;
        if (*e == '}' && (v = placeholder(p, in, open + 1, (size_t)(e - open - 1))) != NULL) {
            rules_buf_puts(&b, v);
            s = e + 1;
        } else {
            rules_buf_putc(&b, '{');
            s = open + 1;
        }
    }
    if (b.failed || b.data == NULL) {
        int failed = b.failed;
        rules_buf_free(&b);
        return failed ? RULES_ENOMEM : RULES_OK;
    }
    free(g->draft);
    g->draft = b.data;
    return RULES_OK;
}

/* "連絡先: WHO" / "Contact: WHO" in *out (owned by the guidance). The prefix
 * tells the host's note this line is whom to call. */
static int contact_line(int lang, const char *who, char **out)
{
    struct rules_buf b = RULES_BUF_INIT;

    rules_buf_printf(&b, "%s%s", lang == RULES_LANG_EN ? MAMORI_ESCALATION_CONTACT_EN : MAMORI_ESCALATION_CONTACT_JA,
                     who);
    if (b.failed)
        return RULES_ENOMEM;
    *out = b.data;
    return 0;
}

int mamori_rules_guidance(const struct rules_policy *p, const struct rules_scratch *s, const struct rules_input *in,
                          struct rules_guidance *g)
{
    const struct rules_result *res = &s->res;
    int lang = in->lang, rc = 0;

    g->nsteps = g->nlinks = g->nflame = g->nesc = g->ntags = 0;
    free(g->draft);
    g->draft = NULL;
    free(g->contact);
    free(g->contact_lawyer);
    g->contact = NULL;
    g->contact_lawyer = NULL;
    g->flame = res->flame;
    g->escalation = res->escalation;
    for (size_t i = 0; i < res->nfired && rc == 0; i++) {
        const struct rules_category *c = &p->cats[res->fired[i]];
        size_t n;
        char *const *v = rules_texts_get(&c->steps, lang, &n);
        char *const *reasons, *const *legal;
        size_t nr, nl;
        int esc;

        for (size_t k = 0; k < n && rc == 0; k++)
            rc = push_unique(&g->steps, &g->nsteps, &g->steps_cap, v[k]);
        if (g->draft == NULL && rules_text_get(&c->draft, lang) != NULL && rc == 0)
            rc = fill_draft(g, p, in, rules_text_get(&c->draft, lang));
        for (size_t k = 0; k < c->ntraining && rc == 0; k++) {
            int dup = 0;
            for (size_t j = 0; j < g->nlinks; j++)
                if (strcmp(g->links[j]->url, c->training[k].url) == 0)
                    dup = 1;
            if (dup)
                continue;
            if (RULES_GROW(g->links, g->links_cap, g->nlinks + 1) != 0)
                return RULES_ENOMEM;
            g->links[g->nlinks++] = &c->training[k];
        }
        if (c->flame_level > MAMORI_FLAME_NONE && rc == 0)
            rc = push_unique(&g->flame_advice, &g->nflame, &g->flame_cap, rules_text_get(&c->flame_advice, lang));
        /* the level this ticket's rules warrant (lowered by an override) */
        esc = res->cat_esc[res->fired[i]];
        if (esc > MAMORI_ESCALATE_NONE && rc == 0) {
            reasons = rules_texts_get(&c->esc_reasons, lang, &nr);
            legal = rules_texts_get(&c->legal_basis, lang, &nl);
            for (size_t k = 0; k < (nr > nl ? nr : nl) && rc == 0; k++)
                rc = push_esc(g, esc, c->id, k < nr ? reasons[k] : NULL, k < nl ? legal[k] : NULL);
            if (nr == 0 && nl == 0 && rc == 0)
                rc = push_esc(g, esc, c->id, NULL, NULL);
        }
        for (size_t k = 0; k < c->ntags && rc == 0; k++)
            rc = push_unique(&g->tags, &g->ntags, &g->tags_cap, c->tags[k]);
    }
    /* Who to call at the final level (policy "contacts"); at police level
     * the lawyer's contact as well, since the company's side of the case
     * (evidence, the customer, the staff) is the lawyer's. */
    if (res->escalation > MAMORI_ESCALATE_NONE && res->escalation <= MAMORI_ESCALATE_POLICE && rc == 0) {
        const char *who = rules_text_get(&p->contacts[res->escalation], lang);
        const char *lawyer = rules_text_get(&p->contacts[MAMORI_ESCALATE_LAWYER], lang);
        if (who != NULL && who[0] != '\0' && (rc = contact_line(lang, who, &g->contact)) != 0)
            return rc;
        if (res->escalation == MAMORI_ESCALATE_POLICE && lawyer != NULL && lawyer[0] != '\0' &&
            (who == NULL || strcmp(who, lawyer) != 0) && (rc = contact_line(lang, lawyer, &g->contact_lawyer)) != 0)
            return rc;
    }
    /* Rule-level raises, in policy order. */
    for (size_t r = 0; r < p->nrules && rc == 0; r++) {
        const struct rules_rule *rule = &p->rules[r];
        const struct rules_category *c = &p->cats[rule->category];
        if (!res->rule_fired[r])
            continue;
        if (rule->flame > MAMORI_FLAME_NONE && !res->cat_fired[rule->category])
            rc = push_unique(&g->flame_advice, &g->nflame, &g->flame_cap, rules_text_get(&c->flame_advice, lang));
        if (rule->escalation > MAMORI_ESCALATE_NONE && res->cat_fired[rule->category] && rc == 0)
            rc = push_esc(g, rule->escalation, c->id, rule->explain, NULL);
    }
    /* With a model, the escalation level is the one decision's
     * (mamori_rules_eval): no reason may claim more. */
    if (res->model != NULL)
        for (size_t i = 0; i < g->nesc; i++)
            if (g->esc[i].level > g->escalation)
                g->esc[i].level = g->escalation;
    return rc;
}

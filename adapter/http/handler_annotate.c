/*
 * handler_annotate.c -- POST /v1/annotate: a normalized ticket in, the
 * annotation out, nothing written anywhere. For sidebar apps and tests.
 *
 * Authorization: Bearer <the tenant's api token>. The tenant is named by
 * the X-Mamori-Tenant header or ?tenant=; without either, the token alone
 * selects it. A tenant that does not exist is answered exactly like a wrong
 * token (401, same body): before authentication nobody learns which
 * tenants mamori serves.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "base/metrics.h"
#include "base/signature.h"
#include "base/watchdog.h"
#include "config/tenant.h"
#include "http/app.h"
#include "ingest/annotate.h"

#define BEARER_CHALLENGE "WWW-Authenticate: Bearer realm=\"mamori\"\r\n"

static int token_matches(const struct mamori_tenant *t, const char *token, size_t len)
{
    if (t->api_token.len == 0)
        return 0;
    return mamori_signature_equal(token, len, (const char *)t->api_token.data, 0);
}

/* The tenant named in the query string (tenant=ID), copied into out. */
static int query_tenant(const char *query, char *out, size_t cap)
{
    for (const char *p = query; p && *p;) {
        size_t n = strcspn(p, "&");
        if (n > 7 && strncmp(p, "tenant=", 7) == 0 && n - 7 < cap) {
            memcpy(out, p + 7, n - 7);
            out[n - 7] = '\0';
            return 1;
        }
        p += n;
        if (*p == '&')
            p++;
    }
    return 0;
}

static const struct mamori_tenant *authenticate(struct mamori_app *app, struct mamori_http *h)
{
    const char *auth = mamori_http_header(h, "Authorization"), *token, *named;
    const struct mamori_tenant *found = NULL;
    char qt[64];
    size_t len;

    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
        mamori_http_error(h, 401, "unauthorized", BEARER_CHALLENGE,
                          "send the tenant's API token as Authorization: Bearer <token>");
        return NULL;
    }
    token = auth + 7;
    while (*token == ' ')
        token++;
    len = strlen(token);
    named = mamori_http_header(h, "X-Mamori-Tenant");
    if (named == NULL && query_tenant(h->query, qt, sizeof qt))
        named = qt;
    if (named != NULL) {
        const struct mamori_tenant *t = mamori_generation_tenant(app->gen, named);
        if (t != NULL && token_matches(t, token, len))
            found = t;
        else if (t == NULL)
            /* Still compare once, so the time taken does not tell either. */
            (void)mamori_signature_equal(token, len, "mamori-no-such-tenant-0123456789abcdef", 0);
    } else {
        /* Compare against every tenant so timing says nothing about which. */
        for (size_t i = 0; i < app->gen->tenant_count; i++)
            if (token_matches(&app->gen->tenants[i], token, len) && found == NULL)
                found = &app->gen->tenants[i];
    }
    if (found == NULL) {
        mamori_log_warn("auth_failed", "annotate refused: bearer token does not match");
        mamori_http_error(h, 401, "unauthorized", BEARER_CHALLENGE, "the bearer token is not valid");
    }
    return found;
}

void mamori_handle_annotate(struct mamori_app *app, struct mamori_http *h)
{
    const struct mamori_tenant *t = authenticate(app, h);
    struct mamori_ticket ticket;
    struct mamori_annotation a;
    struct mamori_chain_result chain;
    struct mamori_error err;
    json_t *root = NULL, *answer = NULL;
    int rc;

    if (t == NULL)
        return;
    mamori_log_set_request(h->request_id, t->id);
    mamori_watchdog_set_request(NULL, t->id);
    if (t->failure != NULL) {
        mamori_http_error(h, 503, "tenant_unavailable", "Retry-After: 60\r\n",
                          "tenant \"%s\" is not loaded (its configuration, secret or policy failed)", t->id);
        return;
    }
    mamori_ticket_init(&ticket);
    mamori_annotation_init(&a);
    if (mamori_app_read_json(app, h, &root, 0, NULL, NULL) != 0)
        goto out;
    if ((rc = mamori_ticket_from_json(&ticket, root, 0, &err)) != 0) {
        mamori_http_error(h, rc == MAMORI_ENOMEM ? 503 : 400, "invalid_ticket", NULL, "%s", err.message);
        goto out;
    }
    mamori_watchdog_set_ticket(ticket.ticket_id, NULL);
    if (app->before_plugins != NULL)
        app->before_plugins(app->before_plugins_ctx, t->id);
    if (mamori_ingest_annotate(t, &ticket, app->store, app->gen->identity_key.data, app->gen->identity_key.len, -1,
                               app->clock(), mamori_metrics_plugin_error, &a, &chain) != 0) {
        mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory while annotating");
        goto out;
    }
    answer = json_pack("{s:s, s:s?, s:o}", "tenant", t->id, "ticket_id", ticket.ticket_id, "annotation",
                       mamori_annotation_to_json(&a));
    if (answer == NULL) {
        mamori_http_error(h, 503, "overloaded", "Retry-After: 5\r\n", "out of memory");
        goto out;
    }
    mamori_http_respond_json(h, 200, answer, NULL);
out:
    json_decref(root);
    json_decref(answer);
    mamori_annotation_free(&a);
    mamori_ticket_free(&ticket);
}

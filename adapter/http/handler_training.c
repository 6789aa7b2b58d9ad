/* handler_training.c -- GET /t/<token> (see incident/training_token.h).
 *
 * A token that does not verify is a 404 like any unknown path: the route
 * tells nothing to someone guessing. A verified one records the first
 * open of (tenant, ticket, link) and forwards with 302 even when the store
 * is busy: the agent needs the page more than mamori needs the count
 * (the failure is logged). Neither the token nor the URL is logged. */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "http/app.h"
#include "incident/training_token.h"
#include "store/training_links.h"

void mamori_handle_training(struct mamori_app *app, struct mamori_http *h, const struct mamori_route *route)
{
    struct mamori_training_claim c;
    struct mamori_error err;
    struct mamori_buf loc = MAMORI_BUF_INIT;
    int first = 0, rc;

    memset(&c, 0, sizeof c);
    if (app->gen->training_key.len == 0 ||
        mamori_training_link_verify(app->gen->training_key.data, app->gen->training_key.len, route->token, &c) != 0 ||
        mamori_generation_tenant(app->gen, c.tenant) == NULL) {
        mamori_training_claim_free(&c);
        mamori_http_error(h, 404, "not_found", NULL, "no such training link");
        return;
    }
    /* Only http(s) pages: a policy's link is one, and a forward to
     * anything else (javascript:, file:) would be a hole. */
    if (strncmp(c.url, "https://", 8) != 0 && strncmp(c.url, "http://", 7) != 0) {
        mamori_training_claim_free(&c);
        mamori_http_error(h, 404, "not_found", NULL, "no such training link");
        return;
    }
    mamori_error_clear(&err);
    if (strcmp(h->method, "GET") == 0) {
        if ((rc = mamori_store_begin(app->store, &err)) == 0) {
            rc = mamori_training_link_open(app->store, c.tenant, c.ticket_id, c.url, c.category, c.issued_at,
                                           (long long)app->clock(), &first, &err);
            if (rc == 0)
                rc = mamori_store_commit(app->store, &err);
            else
                mamori_store_rollback(app->store);
        }
        if (rc != 0)
            mamori_log_warn("training_open_failed", "tenant %s ticket %s: the open was not recorded: %s", c.tenant,
                            c.ticket_id, err.message);
        else
            mamori_log_info("training_open", "tenant %s ticket %s category %s: %s open", c.tenant, c.ticket_id,
                            c.category[0] ? c.category : "-", first ? "first" : "repeated");
    }
    mamori_buf_printf(&loc, "Location: %s\r\nCache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n", c.url);
    if (loc.failed || strpbrk(c.url, "\r\n") != NULL)
        mamori_http_error(h, 500, "internal", NULL, "cannot forward");
    else
        mamori_http_respond(h, 302, "text/plain; charset=utf-8", mamori_buf_str(&loc), "", 0);
    mamori_buf_free(&loc);
    mamori_training_claim_free(&c);
}

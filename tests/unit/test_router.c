/* Unit tests: routing of method and path. */
#include "config.h"

#include "http/router.h"
#include "tap.h"

int main(void)
{
    struct mamori_route r;

    plan(26);
    is_int(mamori_route_match("POST", "/hooks/acme/zendesk", &r), 0, "webhook path matches");
    is_int(r.kind, MAMORI_ROUTE_HOOK, "... as a hook");
    is_str(r.tenant, "acme", "... tenant");
    is_str(r.connector, "zendesk", "... connector");
    is_str(r.suffix, "", "... no suffix");
    is_int(mamori_route_match("POST", "/hooks/acme/znuny/ArticleCreate", &r), 0, "a suffix is allowed");
    is_str(r.suffix, "ArticleCreate", "... and kept");
    is_int(mamori_route_match("GET", "/hooks/acme/generic", &r), 405, "GET on a hook is 405");
    is_str(r.allow, "POST", "... allowing POST");
    is_int(mamori_route_match("POST", "/hooks/acme", &r), 404, "a hook without connector is 404");
    is_int(mamori_route_match("POST", "/hooks//generic", &r), 404, "an empty tenant is 404");
    is_int(mamori_route_match("POST", "/hooks/ACME/generic", &r), 404, "upper case tenant ids are 404");
    is_int(mamori_route_match("POST", "/hooks/a%2fb/generic", &r), 404, "escaped characters are 404");
    is_int(mamori_route_match("POST", "/hooks/acme/generic/a/b", &r), 404, "extra segments are 404");
    is_int(mamori_route_match("POST", "/v1/annotate", &r), 0, "annotate matches");
    is_int(mamori_route_match("PUT", "/v1/annotate", &r), 405, "PUT annotate is 405");
    is_int(mamori_route_match("GET", "/healthz", &r), 0, "healthz matches");
    is_int(r.details, 0, "... without details");
    is_int(mamori_route_match("GET", "/healthz/details", &r), 0, "healthz/details matches");
    is_int(r.kind == MAMORI_ROUTE_HEALTHZ && r.details, 1, "... as healthz with details");
    is_int(mamori_route_match("GET", "/healthz/other", &r), 404, "another path under /healthz is 404");
    is_int(mamori_route_match("HEAD", "/metrics", &r), 0, "HEAD metrics matches");
    is_int(mamori_route_match("DELETE", "/metrics", &r), 405, "DELETE metrics is 405");
    is_str(r.allow, "GET, HEAD", "... allowing GET and HEAD");
    is_int(mamori_route_match("GET", "/", &r), 404, "/ is 404");
    is_str(mamori_route_name(MAMORI_ROUTE_HOOK), "hooks", "metrics label for hooks");
    return done();
}

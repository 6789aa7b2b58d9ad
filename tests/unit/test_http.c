/* Unit tests: the HTTP layer over a fake FastCGI transport, and the
 * normalized ticket parser. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "http/http.h"
#include "plugin/ticket.h"
#include "tap.h"

struct fake {
    const char **params;  /* name, value, ..., NULL */
    const char *body;
    size_t pos;
    struct mamori_buf out;
};

static const char *fk_param(void *ctx, const char *name)
{
    struct fake *f = ctx;
    for (int i = 0; f->params[i]; i += 2)
        if (strcmp(f->params[i], name) == 0)
            return f->params[i + 1];
    return NULL;
}

static int fk_read(void *ctx, char *buf, int n)
{
    struct fake *f = ctx;
    size_t left = strlen(f->body) - f->pos;
    size_t take = left < (size_t)n ? left : (size_t)n;
    memcpy(buf, f->body + f->pos, take);
    f->pos += take;
    return (int)take;
}

static int fk_write(void *ctx, const char *buf, int n)
{
    struct fake *f = ctx;
    mamori_buf_append(&f->out, buf, (size_t)n);
    return n;
}

static void setup(struct fake *f, struct mamori_http *h, const char **params, const char *body)
{
    struct mamori_http_transport io = {f, fk_param, fk_read, fk_write};
    memset(f, 0, sizeof *f);
    f->params = params;
    f->body = body;
    mamori_http_init(h, &io);
}

static int parse(const char *text, struct mamori_ticket *t, struct mamori_error *err, int need_event)
{
    json_t *root = json_loads(text, 0, NULL);
    int rc;
    mamori_ticket_init(t);
    rc = mamori_ticket_from_json(t, root, need_event, err);
    json_decref(root);
    return rc;
}

int main(void)
{
    const char *p1[] = {"REQUEST_METHOD", "POST", "REQUEST_URI", "/hooks/acme/generic?x=1", "CONTENT_TYPE",
                        "application/json; charset=utf-8", "CONTENT_LENGTH", "11", "HTTP_X_MAMORI_SIGNATURE", "t=1,v1=a",
                        "HTTP_X_REQUEST_ID", "abc-123", NULL};
    const char *p2[] = {"REQUEST_METHOD", "POST", "SCRIPT_NAME", "/v1", "PATH_INFO", "/annotate", "CONTENT_TYPE",
                        "text/plain", "CONTENT_LENGTH", "2000", NULL};
    struct fake f;
    struct mamori_http h;
    struct mamori_error err;
    struct mamori_ticket t;
    char logged[300];

    plan(31);
    setup(&f, &h, p1, "{\"a\": true}");
    is_str(h.method, "POST", "method");
    is_str(h.path, "/hooks/acme/generic", "path without the query");
    is_str(h.query, "x=1", "query");
    is_str(mamori_http_header(&h, "X-Mamori-Signature"), "t=1,v1=a", "headers map to HTTP_* params");
    is_str(mamori_http_header(&h, "content-type"), "application/json; charset=utf-8", "content type");
    ok(mamori_http_is_json(&h), "application/json with a charset is JSON");
    is_str(h.request_id, "abc-123", "a sane X-Request-Id is used");
    is_int(mamori_http_read_body(&h, 1000, &err), 0, "the body is read");
    is_str(h.body, "{\"a\": true}", "... completely");
    mamori_http_error(&h, 401, "unauthorized", "WWW-Authenticate: Bearer\r\n", "bad %s", "token");
    contains_str(mamori_buf_str(&f.out), "Status: 401 Unauthorized\r\n", "the status line is written");
    contains_str(mamori_buf_str(&f.out), "WWW-Authenticate: Bearer\r\n", "extra headers are written");
    contains_str(mamori_buf_str(&f.out), "\"error\":\"unauthorized\"", "the error body is JSON");
    is_int(mamori_http_respond(&h, 200, "text/plain", NULL, "x", 1), MAMORI_EINVAL, "a second answer is refused");
    mamori_http_free(&h);
    mamori_buf_free(&f.out);

    setup(&f, &h, p2, "");
    is_str(h.path, "/v1/annotate", "SCRIPT_NAME + PATH_INFO when REQUEST_URI is missing");
    ok(!mamori_http_is_json(&h), "text/plain is not JSON");
    is_int(strlen(h.request_id), 16, "a request id is generated when none is given");
    is_int(mamori_http_read_body(&h, 1000, &err), MAMORI_ETOOBIG, "a body over the limit is refused before reading");
    contains_str(err.message, "exceeds the limit of 1000 bytes", "... naming the limit");
    is_str(mamori_http_log_path(&h, logged, sizeof logged), "/v1/annotate", "other paths are logged as they are");
    mamori_http_free(&h);

    /* Issue 13 (6): whatever follows /hooks/<tenant>/<connector>/ may be a
     * path token and is never logged. */
    {
        const char *paths[][2] = {{"/hooks/acme/redmine/s3cret", "/hooks/acme/redmine/***"},
                                  {"/hooks/acme/redmine/s3cret/more", "/hooks/acme/redmine/***"},
                                  {"/hooks/acme/redmine", "/hooks/acme/redmine"},
                                  {"/hooks/acme/redmine/", "/hooks/acme/redmine/"}};
        for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
            const char *pp[] = {"REQUEST_METHOD", "POST", "REQUEST_URI", paths[i][0], NULL};
            setup(&f, &h, pp, "");
            is_str(mamori_http_log_path(&h, logged, sizeof logged), paths[i][1], paths[i][0]);
            mamori_http_free(&h);
        }
    }

    is_int(parse("{\"event_id\": \"e\", \"ticket_id\": 39099887766, \"body\": \"x\", \"channel\": \"Mail\"}", &t, &err, 1),
           0, "a ticket with a numeric id parses");
    is_str(t.ticket_id, "39099887766", "... the id is kept as a string");
    is_str(t.channel, "email", "channels are normalized");
    mamori_ticket_free(&t);
    is_int(parse("{\"ticket_id\": \"1\", \"body\": \"x\"}", &t, &err, 1), MAMORI_EINVAL, "a webhook needs event_id");
    mamori_ticket_free(&t);
    is_int(parse("{\"ticket_id\": \"1\", \"body\": \"x\"}", &t, &err, 0), 0, "annotate does not");
    mamori_ticket_free(&t);
    is_int(parse("{\"event_id\": \"e\", \"ticket_id\": \"1\"}", &t, &err, 1), MAMORI_EINVAL, "an empty ticket is refused");
    mamori_ticket_free(&t);
    is_int(parse("{\"event_id\": \"e\", \"ticket_id\": \"1\", \"body\": 5}", &t, &err, 1), MAMORI_EINVAL,
           "a non-string body is refused");
    contains_str(err.message, "\"body\" must be a string", "... naming the field");
    mamori_ticket_free(&t);
    return done();
}

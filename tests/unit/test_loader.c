/* Unit tests: the plugin loader -- a good plugin, and one broken plugin per
 * refusal case; plus running a chain through the host table. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/tenant.h"
#include "plugin/annotation.h"
#include "ingest/chain.h"
#include "plugin/host_api.h"
#include "plugin/loader.h"
#include "plugin/ticket.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-loader.XXXXXX";
static char example_dir[512], test_dir[512];

static int load(const char *file, const char *pdir, struct mamori_error *err)
{
    struct mamori_plugin_handle h;
    int rc = mamori_plugin_load(&h, "p", file, pdir, err);
    mamori_plugin_unload(&h);
    return rc;
}

static void copy(const char *from, const char *to, mode_t mode)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    if (system(cmd) != 0)
        diag("copy failed");
    chmod(to, mode);
}

int main(void)
{
    const char *top = getenv("top_builddir");
    struct mamori_plugin_handle h;
    struct mamori_plugin_config cfg;
    struct mamori_plugin_option opt = {"word", "refund"};
    struct mamori_error err;
    char path[1200], path2[1200];
    int rc;

    plan(33);
    if (top == NULL)
        top = ".";
    snprintf(example_dir, sizeof example_dir, "%s/plugins/example/.libs", top);
    snprintf(test_dir, sizeof test_dir, "%s/tests/plugins/.libs", top);
    if (mkdtemp(dir) == NULL)
        return 1;

    /* A good plugin. */
    rc = mamori_plugin_load(&h, "example", "example", example_dir, &err);
    is_int(rc, 0, "the example plugin loads (bare name gets .so)");
    is_str(h.desc->name, "example", "its descriptor names it");
    ok(mamori_plugin_accepts_option(&h, "word"), "it declares option word");
    ok(!mamori_plugin_accepts_option(&h, "wrod"), "and not wrod");
    memset(&cfg, 0, sizeof cfg);
    cfg.struct_size = sizeof cfg;
    cfg.tenant_id = "acme";
    cfg.language = "ja";
    cfg.config_dir = dir;
    cfg.option_count = 1;
    cfg.options = &opt;
    is_int(mamori_plugin_open(&h, &mamori_host_table, &cfg, &err), 0, "it opens");

    {
        /* Run it through a one-plugin chain. */
        struct mamori_tenant t;
        struct mamori_chain_entry e;
        struct mamori_ticket ticket;
        struct mamori_annotation a;
        struct mamori_request req;
        struct mamori_chain_result res;

        memset(&t, 0, sizeof t);
        memset(&e, 0, sizeof e);
        e.handle = h;
        t.id = (char *)"acme";
        t.chain = &e;
        t.chain_count = 1;
        mamori_ticket_init(&ticket);
        ticket.body = (char *)"please refund me";
        ticket.body_len = strlen(ticket.body);
        mamori_annotation_init(&a);
        memset(&req, 0, sizeof req);
        mamori_chain_request(&req, &t);
        req.ticket = &ticket;
        req.annotation = &a;
        is_int(mamori_chain_run(&t, &req, &res, NULL), 0, "the chain runs");
        is_int(a.category_count, 1, "the plugin added a category");
        is_str(a.categories[0].id, "example", "... example");
        is_int(a.categories[0].evidence_count, 1, "... with evidence");
        is_str(a.categories[0].evidence[0].text, "refund", "... quoting the original bytes");
        is_int(a.categories[0].evidence[0].begin, 7, "... at the right offset");
        ok(mamori_strv_contains(&a.tags, "mamori-example"), "the tag was added");
        is_int(a.source_count, 1, "the plugin is recorded as a source");
        mamori_annotation_free(&a);
    }
    mamori_plugin_unload(&h);

    {
        /* A score or weight that is not a finite number is refused at the
         * host: the annotation is serialized as JSON, which has no infinity
         * (a vetoed category once reached the note stage with -inf). */
        struct mamori_tenant t;
        struct mamori_ticket ticket;
        struct mamori_annotation a;
        struct mamori_request req;
        struct mamori_category c;
        struct mamori_evidence ev;

        memset(&t, 0, sizeof t);
        t.id = (char *)"acme";
        mamori_ticket_init(&ticket);
        ticket.body = (char *)"please refund me";
        ticket.body_len = strlen(ticket.body);
        mamori_annotation_init(&a);
        memset(&req, 0, sizeof req);
        mamori_chain_request(&req, &t);
        req.ticket = &ticket;
        req.annotation = &a;
        memset(&c, 0, sizeof c);
        c.struct_size = sizeof c;
        c.id = "threat";
        c.severity = MAMORI_SEVERITY_HIGH;
        c.score = -INFINITY;
        is_int(mamori_host_table.add_category(&req, &c), MAMORI_PLUGIN_EINVAL, "a score of -inf is refused");
        c.score = NAN;
        is_int(mamori_host_table.add_category(&req, &c), MAMORI_PLUGIN_EINVAL, "a NaN score is refused");
        c.score = 2.5;
        is_int(mamori_host_table.add_category(&req, &c), 0, "a finite score is taken");
        memset(&ev, 0, sizeof ev);
        ev.struct_size = sizeof ev;
        ev.category_id = "threat";
        ev.field = MAMORI_FIELD_BODY;
        ev.begin = 7;
        ev.end = 13;
        ev.weight = INFINITY;
        is_int(mamori_host_table.add_evidence(&req, &ev), MAMORI_PLUGIN_EINVAL, "an evidence weight of inf is refused");
        mamori_annotation_free(&a);
    }

    /* Refusals, one per case. */
    rc = load("bad_major.so", test_dir, &err);
    is_int(rc, MAMORI_EPLUGIN, "a plugin for another ABI major is refused");
    contains_str(err.message, "built for plugin ABI 2.0", "... saying which ABI it needs");
    rc = load("newer_minor.so", test_dir, &err);
    is_int(rc, MAMORI_EPLUGIN, "a plugin needing a newer minor is refused");
    contains_str(err.message, "newer than this host", "... saying to upgrade");
    rc = load("no_entry.so", test_dir, &err);
    is_int(rc, MAMORI_EPLUGIN, "a .so without the entry symbol is refused");
    contains_str(err.message, "no entry symbol mamori_plugin_entry_v1", "... naming the symbol");
    snprintf(path, sizeof path, "%s/dir.so", dir);
    mkdir(path, 0755);
    rc = load("dir.so", dir, &err);
    is_int(rc, MAMORI_EINVAL, "a directory is refused");
    contains_str(err.message, "not a regular file", "... as not a regular file");
    snprintf(path, sizeof path, "%s/example.so", example_dir);
    snprintf(path2, sizeof path2, "%s/gw.so", dir);
    copy(path, path2, 0664);
    rc = load("gw.so", dir, &err);
    is_int(rc, MAMORI_EINVAL, "a group-writable plugin is refused");
    contains_str(err.message, "writable by group or others", "... saying so");
    snprintf(path2, sizeof path2, "%s/ww.so", dir);
    copy(path, path2, 0646);
    is_int(load("ww.so", dir, &err), MAMORI_EINVAL, "a world-writable plugin is refused");
    snprintf(path2, sizeof path2, "%s/garbage.so", dir);
    {
        FILE *f = fopen(path2, "w");
        fputs("not an ELF file\n", f);
        fclose(f);
    }
    rc = load("garbage.so", dir, &err);
    is_int(rc, MAMORI_EPLUGIN, "a file dlopen cannot load is refused");
    contains_str(err.message, "ldd", "... suggesting ldd");
    rc = load("missing.so", dir, &err);
    is_int(rc, MAMORI_EIO, "a missing plugin is refused");

    rc = mamori_plugin_load(&h, "testkit", "testkit.so", test_dir, &err);
    {
        struct mamori_plugin_option fo = {"fail_open", "yes"};
        cfg.options = &fo;
        rc = mamori_plugin_open(&h, &mamori_host_table, &cfg, &err);
    }
    is_int(rc, MAMORI_EPLUGIN, "a plugin whose open() fails is refused");
    contains_str(err.message, "testkit was told to fail", "... with the plugin's own message");
    mamori_plugin_unload(&h);

    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            diag("could not remove %s", dir);
    }
    return done();
}

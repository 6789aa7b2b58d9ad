/* Unit tests: the main config file, tenant files and secrets. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/secret.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "connector/connector.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-config.XXXXXX";

static const char *write_file(const char *name, const char *text, mode_t mode)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
    return path;
}

static int settings_error(const char *text, struct mamori_error *err)
{
    struct mamori_settings s;
    int rc = mamori_settings_load(&s, write_file("m.conf", text, 0644), err);
    mamori_settings_free(&s);
    return rc;
}

static int tenant_error(const char *name, const char *text, struct mamori_error *err)
{
    struct mamori_settings s;
    struct mamori_tenant t;
    int rc;

    mamori_settings_defaults(&s);
    rc = mamori_tenant_read(&t, write_file(name, text, 0644), &s, err);
    mamori_tenant_free(&t);
    mamori_settings_free(&s);
    return rc;
}

int main(void)
{
    struct mamori_settings s;
    struct mamori_tenant t;
    struct mamori_error err;
    struct mamori_secret sec;
    struct mamori_secret_ref ref;
    char expect[600];
    int rc;

    plan(47);
    if (mkdtemp(dir) == NULL)
        return 1;

    /* A complete, valid main config. */
    rc = mamori_settings_load(&s, write_file("good.conf",
                                             "; comment\n[server]\nlisten = 127.0.0.1:9000\nworkers = 3\n"
                                             "max_body = 2M\nlog_level = debug\n\n[store]\npath = state/m.db\n"
                                             "synchronous = normal\nbusy_timeout = 100\n[webhook]\nreplay_window = 60\n"
                                             "[tenants]\ndir = t.d\n",
                                             0644),
                              &err);
    is_int(rc, 0, "a valid config loads");
    is_str(s.listen, "127.0.0.1:9000", "listen is read");
    is_int(s.workers, 3, "workers is read");
    is_int(s.max_body, 2 * 1024 * 1024, "max_body understands M");
    is_int(s.sync_mode, MAMORI_SYNC_NORMAL, "synchronous = normal");
    snprintf(expect, sizeof expect, "%s/state/m.db", dir);
    is_str(s.store_path, expect, "relative store path is relative to the config file");
    snprintf(expect, sizeof expect, "%s/t.d", dir);
    is_str(s.tenant_dir, expect, "relative tenant dir too");
    is_int(s.replay_window, 60, "replay window is read");
    mamori_settings_free(&s);

    rc = mamori_settings_load(&s, write_file("empty.conf", "", 0644), &err);
    is_int(rc, 0, "an empty config is valid");
    is_int(s.max_body, 1024 * 1024, "default max_body is 1 MiB");
    is_int(s.sync_mode, MAMORI_SYNC_FULL, "default synchronous is full");
    is_int(s.replay_window, 300, "default replay window is 300 s");
    mamori_settings_free(&s);

    rc = settings_error("[server]\nworkers = 2\nwokers = 3\n", &err);
    is_int(rc, MAMORI_EINVAL, "an unknown key is an error");
    snprintf(expect, sizeof expect, "%s/m.conf:3: unknown key \"wokers\"", dir);
    contains_str(err.message, expect, "... naming file and line");
    rc = settings_error("[server]\nworkers = many\n", &err);
    contains_str(err.message, "m.conf:2: workers = \"many\": not a whole number", "a bad value names file and line");
    rc = settings_error("[srever]\nworkers = 1\n", &err);
    contains_str(err.message, "m.conf:2: unknown section [srever]", "an unknown section is an error");
    rc = settings_error("[server]\nthis line has no equals sign\n", &err);
    contains_str(err.message, "m.conf:2: syntax error", "a syntax error names the line");
    rc = settings_error("[server]\nmax_body = 10Q\n", &err);
    contains_str(err.message, "max_body = \"10Q\": not a size", "a bad size is explained");
    {
        char longline[400];
        memset(longline, 'x', sizeof longline);
        memcpy(longline, "[server]\nlisten = /", 19);
        longline[sizeof longline - 2] = '\n';
        longline[sizeof longline - 1] = '\0';
        rc = settings_error(longline, &err);
        contains_str(err.message, "m.conf:2: line is longer than", "an over-long line is an error, not split silently");
    }
    rc = mamori_settings_load(&s, "/nonexistent/mamori.conf", &err);
    is_int(rc, MAMORI_EIO, "an unreadable file is an I/O error");
    contains_str(err.message, "/nonexistent/mamori.conf: cannot open", "... naming the file");
    mamori_settings_free(&s);

    /* Tenants. */
    mamori_settings_defaults(&s);
    rc = mamori_tenant_read(&t, write_file("acme.conf",
                                           "[tenant]\nname = ACME株式会社\nlanguage = en\nconnector = generic\n"
                                           "webhook_secret_file = secrets/acme\n[helpdesk]\nurl = https://h.example\n"
                                           "[plugin rules]\npath = rules.so\npolicy = p.json\n[plugin example]\n"
                                           "path = example.so\nword = x\n",
                                           0644),
                            &s, &err);
    is_int(rc, 0, "a valid tenant loads");
    is_str(t.id, "acme", "the id defaults to the file name");
    is_str(t.name, "ACME株式会社", "name is read");
    is_str(t.language, "en", "language is read");
    is_int(t.chain_count, 2, "two plugins in the chain");
    is_str(t.chain[0].name, "rules", "chain order follows the file (1)");
    is_str(t.chain[1].name, "example", "chain order follows the file (2)");
    is_str(mamori_option_get(&t.chain[0].options, "policy"), "p.json", "plugin options are kept");
    snprintf(expect, sizeof expect, "%s/secrets/acme", dir);
    is_str(t.webhook_secret_ref.file, expect, "secret path is relative to the tenant file");
    mamori_tenant_free(&t);
    mamori_settings_free(&s);

    rc = tenant_error("b.conf", "[tenant]\nconnector = generic\nwebhook_secret = hunter2\n[plugin x]\npath=x.so\n", &err);
    contains_str(err.message, "b.conf:3: webhook_secret: secrets are never written inline", "an inline secret is refused");
    rc = tenant_error("c.conf", "[tenant]\nconnector = zendes\nwebhook_secret_env = X\n", &err);
    contains_str(err.message, "c.conf:2: connector = \"zendes\": unknown connector", "an unknown connector is refused");
    rc = tenant_error("d.conf", "[tenant]\nid = other\nconnector = generic\nwebhook_secret_env = X\n[plugin x]\npath=x\n",
                      &err);
    contains_str(err.message, "does not match the file name", "an id that does not match the file is refused");
    rc = tenant_error("e.conf", "[tenant]\nconnector = generic\n[plugin x]\npath = x.so\n", &err);
    contains_str(err.message, "needs webhook_secret_file", "a missing secret is named");
    rc = tenant_error("f.conf", "[tenant]\nconnector = generic\nwebhook_secret_env = X\n", &err);
    contains_str(err.message, "no [plugin NAME] section", "a tenant without plugins is refused");
    rc = tenant_error("g.conf", "[tenant]\nconnector = generic\nwebhook_secret_env = X\n[plugin x]\nword = y\n", &err);
    contains_str(err.message, "g.conf:5: [plugin x] needs path", "a plugin without path is refused with its line");
    rc = tenant_error("h.conf", "[tenant]\nconnector = generic\nwebhook_secret_env = X\nlanguage = fr\n", &err);
    contains_str(err.message, "h.conf:4: language = \"fr\": use ja or en", "an unsupported language is refused");
    rc = tenant_error("i.conf", "[tenant]\nconnector = generic\nwebhook_secret_env = X\n[helpdesk]\nsubdomain = x\n"
                      "[plugin a]\npath = a\n", &err);
    contains_str(err.message, "i.conf:5: unknown key \"subdomain\" in [helpdesk]", "connector keys are checked");
    rc = tenant_error("Bad.conf", "[tenant]\nconnector = generic\nwebhook_secret_env = X\n[plugin a]\npath = a\n", &err);
    contains_str(err.message, "not a valid id", "an invalid tenant id is refused");

    /* Secrets. */
    memset(&ref, 0, sizeof ref);
    ref.file = (char *)write_file("s1", "s3cret\n", 0600);
    is_int(mamori_secret_load(&sec, &ref, "webhook secret", &err), 0, "a 0600 secret file loads");
    is_int(sec.len, 6, "... without its trailing newline");
    mamori_secret_free(&sec);
    ref.file = (char *)write_file("s2", "s3cret\n", 0644);
    is_int(mamori_secret_load(&sec, &ref, "webhook secret", &err), MAMORI_EINVAL, "a world-readable secret is refused");
    contains_str(err.message, "chmod 640", "... saying how to fix it");
    ref.file = (char *)write_file("s3", "\n", 0600);
    is_int(mamori_secret_load(&sec, &ref, "webhook secret", &err), MAMORI_EINVAL, "an empty secret is refused");
    ref.file = NULL;
    ref.env = (char *)"MAMORI_TEST_SECRET";
    setenv("MAMORI_TEST_SECRET", "from-env", 1);
    is_int(mamori_secret_load(&sec, &ref, "webhook secret", &err), 0, "a secret from the environment loads");
    mamori_secret_free(&sec);
    unsetenv("MAMORI_TEST_SECRET");
    is_int(mamori_secret_load(&sec, &ref, "webhook secret", &err), MAMORI_EINVAL, "an unset variable is an error");
    contains_str(err.message, "MAMORI_TEST_SECRET is not set", "... naming the variable");

    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            diag("could not remove %s", dir);
    }
    return done();
}

/* Unit tests for consultations and warnings (issue 16): the [consult]
 * section (defaults, routes from [escalation], a route naming no channel),
 * the prefix matcher (what is and is not a consultation or a warning),
 * consultation numbers from escalation levels, and the policy's
 * contact_restriction block as the host reads it (the shipped policies,
 * a policy without the block, and one of the wrong shape). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strv.h"
#include "config/consult.h"
#include "config/restriction.h"
#include "config/settings.h"
#include "config/tenant.h"
#include "escalation/consult.h"
#include "tap.h"

static char dir[] = "/tmp/mamori-test-consult.XXXXXX";

static const char *write_file(const char *name, const char *text)
{
    static char path[512];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return path;
    fputs(text, f);
    fclose(f);
    chmod(path, 0600);
    return path;
}

static int read_tenant(struct mamori_tenant *t, const char *name, const char *text, struct mamori_error *err)
{
    struct mamori_settings s;
    int rc;

    mamori_settings_defaults(&s);
    memset(t, 0, sizeof *t);
    rc = mamori_tenant_read(t, write_file(name, text), &s, err);
    mamori_settings_free(&s);
    return rc;
}

static const char *rest_of(const struct mamori_strv *prefixes, const char *text)
{
    const char *rest = NULL;
    return mamori_consult_has_prefix(prefixes, text, &rest) ? rest : NULL;
}

#define BASE                                                                                                          \
    "[tenant]\nconnector = generic\nwebhook_secret_file = w.secret\n"                                                 \
    "[escalation]\nlawyer = lawyer-line\nsupervisor = lead\n"                                                          \
    "[channel lawyer-line]\ntype = webhook\nurl = https://law.example/hook\nsecret_file = w.secret\n"                                    \
    "[channel lead]\ntype = webhook\nurl = https://ops.example/hook\nsecret_file = w.secret\n"

int main(void)
{
    struct mamori_tenant t;
    struct mamori_error err;
    char conf[2048];
    int rc;

    if (mkdtemp(dir) == NULL)
        return 1;
    write_file("w.secret", "secret\n");

    /* ---- defaults ---- */
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\n", BASE);
    rc = read_tenant(&t, "a.conf", conf, &err);
    is_int(rc, 0, "a tenant without [consult] reads");
    if (rc != 0)
        diag("%s", err.message);
    ok(t.consult.route.count == 1 && strcmp(t.consult.route.items[0], "lawyer-line") == 0,
       "the consult route defaults to the [escalation] lawyer route");
    ok(t.consult.supervisor_route.count == 1 && strcmp(t.consult.supervisor_route.items[0], "lead") == 0,
       "the supervisor route defaults to the [escalation] supervisor route");
    is_str(t.consult.restrict_tag, "mamori-restrict-contact", "the decision tag has a default");
    ok(mamori_strv_contains(&t.consult.warning_tags, "mamori-warning"), "so does the warning tag");

    /* ---- the prefix matcher ---- */
    is_str(rest_of(&t.consult.prefix, "@弁護士 返金すべき？"), "返金すべき？", "@弁護士 and a space");
    is_str(rest_of(&t.consult.prefix, "\n  @弁護士　返金すべき？"), "返金すべき？", "after blank lines, with a full-width space");
    is_str(rest_of(&t.consult.prefix, "@弁護士：返金すべき？"), "返金すべき？", "with a full-width colon");
    is_str(rest_of(&t.consult.prefix, "@lawyer: is a refund owed?"), "is a refund owed?", "@lawyer: in English");
    is_str(rest_of(&t.consult.prefix, "@lawyer"), "", "the prefix alone: an empty question");
    ok(rest_of(&t.consult.prefix, "@lawyers please") == NULL, "@lawyers is not @lawyer");
    ok(rest_of(&t.consult.prefix, "返金不可と回答。@弁護士 の助言どおり") == NULL, "a prefix inside the note is not one");
    ok(rest_of(&t.consult.prefix, NULL) == NULL, "no text, no consultation");
    ok(rest_of(&t.consult.supervisor_prefix, "@上長 確認お願いします") != NULL, "@上長 asks the supervisor");
    ok(mamori_consult_has_prefix(&t.consult.warning_prefix, "@警告 電話で警告", NULL), "@警告 records a warning");
    mamori_tenant_free(&t);

    /* ---- a [consult] section ---- */
    snprintf(conf, sizeof conf,
             "%s[consult]\nprefix = @相談\nroute = lead\nwarning_tags = w1, w2\nrestrict_tag = stop\n"
             "[plugin rules]\npath = rules.so\n",
             BASE);
    rc = read_tenant(&t, "b.conf", conf, &err);
    is_int(rc, 0, "a [consult] section reads");
    ok(rest_of(&t.consult.prefix, "@相談 どうしますか") != NULL && rest_of(&t.consult.prefix, "@弁護士 x") == NULL,
       "its prefix replaces the defaults");
    ok(t.consult.route.count == 1 && strcmp(t.consult.route.items[0], "lead") == 0, "its route is used");
    ok(t.consult.warning_tags.count == 2, "warning_tags is a list");
    is_str(t.consult.restrict_tag, "stop", "restrict_tag is set");
    mamori_tenant_free(&t);

    snprintf(conf, sizeof conf, "%s[consult]\nroute = nowhere\n[plugin rules]\npath = rules.so\n", BASE);
    rc = read_tenant(&t, "c.conf", conf, &err);
    is_int(rc, MAMORI_EINVAL, "a route naming no channel is refused");
    contains_str(err.message, "[consult] route names channel \"nowhere\"", "... saying which");
    mamori_tenant_free(&t);
    snprintf(conf, sizeof conf, "%s[consult]\nprefx = @x\n[plugin rules]\npath = rules.so\n", BASE);
    rc = read_tenant(&t, "d.conf", conf, &err);
    ok(rc != 0, "an unknown [consult] key is refused");
    mamori_tenant_free(&t);

    /* ---- consultation numbers ---- */
    is_int((int)mamori_consult_level_number("consult-12"), 12, "consult-12 is consultation 12");
    is_int((int)mamori_consult_level_number("lawyer"), 0, "an escalation level is no consultation");
    is_int((int)mamori_consult_level_number("consult-x"), 0, "consult-x is none either");

    /* ---- the policy's contact_restriction ---- */
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\npolicy = %s/policies/default-ja/policy.json\n", BASE,
             TOP_SRCDIR);
    rc = read_tenant(&t, "e.conf", conf, &err);
    rc = rc == 0 ? mamori_restriction_policy_load(&t, &err) : rc;
    is_int(rc, 0, "default-ja's block reads");
    ok(t.restriction.loaded && t.restriction.restrict_after == 3 && t.restriction.raise_severity == 1,
       "default-ja: three warnings, one step");
    contains_str(t.restriction.recommendation ? t.restriction.recommendation : "", "出入り禁止",
                 "its recommendation is the policy's words");
    contains_str(t.restriction.caution ? t.restriction.caution : "", "合理的配慮", "its caution names reasonable accommodation");
    mamori_tenant_free(&t);
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\npolicy = %s/policies/default-en/policy.json\n", BASE,
             TOP_SRCDIR);
    rc = read_tenant(&t, "f.conf", conf, &err);
    rc = rc == 0 ? mamori_restriction_policy_load(&t, &err) : rc;
    contains_str(rc == 0 && t.restriction.caution ? t.restriction.caution : "", "reasonable accommodation",
                 "default-en has its own, in English");
    mamori_tenant_free(&t);

    write_file("parent.json", "{\"mamori_policy\": 1, \"id\": \"p\", \"version\": \"1\", "
                              "\"contact_restriction\": {\"restrict_after\": 2, \"recommendation\": \"出禁\"}}");
    write_file("child.json", "{\"mamori_policy\": 1, \"id\": \"c\", \"version\": \"1\", \"extends\": \"parent.json\"}");
    write_file("none.json", "{\"mamori_policy\": 1, \"id\": \"n\", \"version\": \"1\"}");
    write_file("bad.json", "{\"contact_restriction\": {\"restrict_after\": \"three\"}}");
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\npolicy = child.json\n", BASE);
    rc = read_tenant(&t, "g.conf", conf, &err);
    rc = rc == 0 ? mamori_restriction_policy_load(&t, &err) : rc;
    ok(rc == 0 && t.restriction.restrict_after == 2 && t.restriction.raise_severity == 1,
       "a policy without the block takes its parent's (relative to the policy's directory)");
    mamori_tenant_free(&t);
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\npolicy = none.json\n", BASE);
    rc = read_tenant(&t, "h.conf", conf, &err);
    rc = rc == 0 ? mamori_restriction_policy_load(&t, &err) : rc;
    ok(rc == 0 && !t.restriction.loaded && t.restriction.restrict_after == 0 && t.restriction.raise_severity == 1,
       "no block anywhere: warnings raise one step, nothing recommends restricting contact");
    mamori_tenant_free(&t);
    snprintf(conf, sizeof conf, "%s[plugin rules]\npath = rules.so\npolicy = bad.json\n", BASE);
    rc = read_tenant(&t, "i.conf", conf, &err);
    rc = rc == 0 ? mamori_restriction_policy_load(&t, &err) : rc;
    is_int(rc, MAMORI_EINVAL, "a block of the wrong shape is refused");
    contains_str(err.message, "restrict_after must be 0 to 100", "... saying what is wrong");
    mamori_tenant_free(&t);

    {
        char cmd[600];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            diag("could not remove %s", dir);
    }
    return done();
}

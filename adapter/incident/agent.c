/* agent.c -- see agent.h. */
#include "config.h"

#include "incident/agent.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/error.h"

#define TAG_PREFIX "mamori-"

void mamori_agent_commands_free(struct mamori_agent_commands *c)
{
    mamori_strv_free(&c->tag_actions);
    mamori_strv_free(&c->note_actions);
    free(c->outcome);
    memset(c, 0, sizeof *c);
}

int mamori_agent_commands_any(const struct mamori_agent_commands *c)
{
    return c->mark != MAMORI_AGENT_MARK_NONE || c->care || c->tag_actions.count || c->note_actions.count ||
           c->outcome != NULL;
}

static int set_outcome(struct mamori_agent_commands *c, const char *s, size_t len)
{
    char *o = mamori_strndup(s, len);
    if (o == NULL)
        return MAMORI_ENOMEM;
    free(c->outcome);
    c->outcome = o;
    return 0;
}

static int read_tag(struct mamori_agent_commands *c, const char *tag)
{
    if (strncmp(tag, TAG_PREFIX, sizeof TAG_PREFIX - 1) != 0)
        return 0;
    tag += sizeof TAG_PREFIX - 1;
    if (strcmp(tag, "mark") == 0 || strcmp(tag, "mark-harassment") == 0)
        c->mark = MAMORI_AGENT_MARK_HARASSMENT;
    else if (strcmp(tag, "mark-complaint") == 0 && c->mark == MAMORI_AGENT_MARK_NONE)
        c->mark = MAMORI_AGENT_MARK_COMPLAINT;
    else if (strcmp(tag, "care") == 0)
        c->care = 1;
    else if (strncmp(tag, "action-", 7) == 0 && tag[7] != '\0')
        return mamori_strv_push_unique(&c->tag_actions, tag + 7) < 0 ? MAMORI_ENOMEM : 0;
    else if (strncmp(tag, "outcome-", 8) == 0 && tag[8] != '\0')
        return set_outcome(c, tag + 8, strlen(tag + 8));
    return 0;
}

/* The rest of a command line after "mamori:" or "mamori：", with spaces
 * trimmed, or NULL when the line is not a command. */
static const char *command_of(const char *line, size_t len, size_t *rest_len)
{
    static const char ascii[] = "mamori:", wide[] = "mamori\xef\xbc\x9a";
    const char *end = line + len, *p;

    while (line < end && (*line == ' ' || *line == '\t'))
        line++;
    if ((size_t)(end - line) >= sizeof ascii - 1 && strncasecmp(line, ascii, sizeof ascii - 1) == 0)
        p = line + sizeof ascii - 1;
    else if ((size_t)(end - line) >= sizeof wide - 1 && strncasecmp(line, wide, sizeof wide - 1) == 0)
        p = line + sizeof wide - 1;
    else
        return NULL;
    while (p < end && (*p == ' ' || *p == '\t'))
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        end--;
    *rest_len = (size_t)(end - p);
    return p;
}

/* Whether s[0..len) starts with the word w followed by the end or a space. */
static int word(const char *s, size_t len, const char *w, const char **rest, size_t *rest_len)
{
    size_t n = strlen(w);
    if (len < n || strncasecmp(s, w, n) != 0 || (len > n && s[n] != ' ' && s[n] != '\t'))
        return 0;
    s += n;
    len -= n;
    while (len && (*s == ' ' || *s == '\t')) {
        s++;
        len--;
    }
    *rest = s;
    *rest_len = len;
    return 1;
}

static int read_line(struct mamori_agent_commands *c, const char *line, size_t len)
{
    const char *cmd, *rest;
    size_t n, rn;

    if ((cmd = command_of(line, len, &n)) == NULL)
        return 0;
    if (word(cmd, n, "mark", &rest, &rn)) {
        if (rn >= 9 && strncasecmp(rest, "complaint", 9) == 0)
            c->mark = c->mark == MAMORI_AGENT_MARK_NONE ? MAMORI_AGENT_MARK_COMPLAINT : c->mark;
        else
            c->mark = MAMORI_AGENT_MARK_HARASSMENT;
    } else if (word(cmd, n, "care", &rest, &rn)) {
        c->care = 1;
    } else if (word(cmd, n, "action", &rest, &rn) && rn > 0) {
        return mamori_strv_push(&c->note_actions, rest, rn) != 0 ? MAMORI_ENOMEM : 0;
    } else if (word(cmd, n, "outcome", &rest, &rn) && rn > 0) {
        return set_outcome(c, rest, rn);
    }
    return 0;
}

int mamori_agent_commands_read(const struct mamori_ticket *t, struct mamori_agent_commands *out)
{
    int rc = 0;

    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < t->tags.count && rc == 0; i++)
        rc = read_tag(out, t->tags.items[i]);
    /* Note lines come after tags: what the agent just wrote wins. */
    for (const char *p = t->agent_note; rc == 0 && p != NULL && *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        rc = read_line(out, p, len);
        p = nl ? nl + 1 : NULL;
    }
    if (rc != 0)
        mamori_agent_commands_free(out);
    return rc;
}

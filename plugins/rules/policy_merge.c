/* policy_merge.c -- `extends`: merging a child policy onto its parent. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

static json_t *merge_value(struct rules_loadctx *ctx, json_t *parent, json_t *child, int by_id);

/* Arrays merged by id: non-empty, every element an object with a string id. */
static int is_id_array(const json_t *a)
{
    size_t i;
    json_t *e;

    if (!json_is_array(a) || json_array_size(a) == 0)
        return 0;
    json_array_foreach(a, i, e)
        if (!json_is_object(e) || !json_is_string(json_object_get(e, "id")))
            return 0;
    return 1;
}

static json_t *merge_object(struct rules_loadctx *ctx, json_t *parent, json_t *child, int top)
{
    json_t *out = json_object(), *v, *add;
    const char *k;

    if (out == NULL)
        return NULL;
    rules_origin_copy(ctx, out, child);
    if (parent != NULL)
        json_object_foreach(parent, k, v)
            if (json_object_set(out, k, v) != 0)
                goto oom;
    json_object_foreach(child, k, v) {
        json_t *pv = parent ? json_object_get(parent, k) : NULL, *m;
        /* `categories` and `rules` always merge by id, even when one side
         * is empty; other arrays merge by id only when both sides hold
         * objects with ids. */
        int by_id = top && (strcmp(k, "categories") == 0 || strcmp(k, "rules") == 0);

        if (top && strcmp(k, "lexicon_add") == 0)
            continue;
        m = merge_value(ctx, pv, v, by_id);
        if (m == NULL || json_object_set_new(out, k, m) != 0)
            goto oom;
        rules_replaced_put(ctx, pv, v);
    }
    add = top ? json_object_get(child, "lexicon_add") : NULL;
    if (add != NULL) {
        json_t *old = json_object_get(out, "lexicon"), *lex, *list;
        const char *name;

        if (!json_is_object(add)) {
            rules_diag_at(ctx, add, child, 0, RULES_DIAG_ERROR, "write {\"list_name\": [\"phrase\", ...]}",
                          "lexicon_add must be an object of phrase lists");
            return out;
        }
        lex = json_object();
        if (lex == NULL)
            goto oom;
        rules_origin_copy(ctx, lex, old ? old : add);
        if (json_is_object(old))
            json_object_foreach(old, name, v)
                if (json_object_set(lex, name, v) != 0) {
                    json_decref(lex);
                    goto oom;
                }
        json_object_foreach(add, name, list) {
            json_t *base = json_object_get(lex, name), *joined;
            size_t i;

            if (!json_is_array(list)) {
                rules_diag_at(ctx, list, add, 0, RULES_DIAG_ERROR, "write a list: [\"phrase\", ...]",
                              "lexicon_add.%s must be a list of phrases", name);
                continue;
            }
            joined = json_array();
            if (joined == NULL) {
                json_decref(lex);
                goto oom;
            }
            rules_origin_copy(ctx, joined, base ? base : list);
            if (json_is_array(base) && json_array_extend(joined, base) != 0)
                ctx->oom = 1;
            json_array_foreach(list, i, v)
                if (json_array_append(joined, v) != 0)
                    ctx->oom = 1;
            if (json_object_set_new(lex, name, joined) != 0)
                ctx->oom = 1;
        }
        if (json_object_set_new(out, "lexicon", lex) != 0)
            goto oom;
    }
    return out;
oom:
    ctx->oom = 1;
    json_decref(out);
    return NULL;
}

/*
 * "cancels_add" on a rule merged by id: the parent's veto keeps what it
 * cancels and also cancels these categories, so a company can put its
 * own categories under the default's bystander veto without copying the
 * veto's list (which would silently stop following the default's
 * changes). m is the merged entry; the key is consumed here. 0, or
 * RULES_ENOMEM.
 */
static int add_cancels(struct rules_loadctx *ctx, json_t *parent, json_t *child, json_t *m)
{
    json_t *add = json_object_get(child, "cancels_add"), *base, *joined, *v;
    size_t i;

    if (add == NULL)
        return RULES_OK;
    if (json_object_get(child, "cancels") != NULL) {
        rules_diag_at(ctx, add, child, 1, RULES_DIAG_ERROR,
                      "write either \"cancels\" (replaces the list) or \"cancels_add\" (extends it)",
                      "\"cancels_add\" cannot be used with \"cancels\"");
        json_object_del(m, "cancels_add");
        return RULES_OK;
    }
    base = json_object_get(parent, "cancels");
    if (base == NULL) {
        rules_diag_at(ctx, add, child, 1, RULES_DIAG_ERROR,
                      "cancels_add extends a veto's \"cancels\"; on a rule with a category, override \"weight\" instead",
                      "\"cancels_add\": the parent's rule \"%s\" is not a veto",
                      json_string_value(json_object_get(child, "id")));
        json_object_del(m, "cancels_add");
        return RULES_OK;
    }
    if (!json_is_array(add) && !json_is_string(add)) {
        rules_diag_at(ctx, add, child, 0, RULES_DIAG_ERROR, "write a list: [\"my_category\", ...]",
                      "\"cancels_add\" must be a list of category ids");
        json_object_del(m, "cancels_add");
        return RULES_OK;
    }
    joined = json_array();
    if (joined == NULL)
        return RULES_ENOMEM;
    /* positions: the list is the child's writing, the parent's items keep theirs */
    rules_origin_copy(ctx, joined, add);
    if (json_is_array(base)) {
        if (json_array_extend(joined, base) != 0)
            goto oom;
    } else if (json_array_append(joined, base) != 0) {
        goto oom;
    }
    if (json_is_array(add)) {
        json_array_foreach(add, i, v)
            if (json_array_append(joined, v) != 0)
                goto oom;
    } else if (json_array_append(joined, add) != 0) {
        goto oom;
    }
    if (json_object_set_new(m, "cancels", joined) != 0) {
        ctx->oom = 1;
        return RULES_ENOMEM;
    }
    json_object_del(m, "cancels_add");
    return RULES_OK;
oom:
    json_decref(joined);
    ctx->oom = 1;
    return RULES_ENOMEM;
}

static json_t *merge_by_id(struct rules_loadctx *ctx, json_t *parent, json_t *child)
{
    json_t **slot = NULL, *index = json_object(), *seen = json_object(), *out = NULL, *e;
    size_t n = 0, cap = 0, i;

    if (index == NULL || seen == NULL)
        goto oom;
    if (json_is_array(parent))
        json_array_foreach(parent, i, e) {
            const char *id = json_string_value(json_object_get(e, "id"));
            if (RULES_GROW(slot, cap, n + 1) != 0)
                goto oom;
            slot[n] = json_incref(e);
            n++;
            if (id != NULL && json_object_set_new(index, id, json_integer((json_int_t)n - 1)) != 0)
                goto oom;
        }
    json_array_foreach(child, i, e) {
        json_t *idv = json_is_object(e) ? json_object_get(e, "id") : NULL, *at, *rm;
        const char *id = json_string_value(idv);

        if (id == NULL) {
            /* Validation reports the missing id; keep the entry so it does. */
            if (RULES_GROW(slot, cap, n + 1) != 0)
                goto oom;
            slot[n++] = json_incref(e);
            continue;
        }
        if (json_object_get(seen, id) != NULL) {
            rules_diag_at(ctx, idv, e, 0, RULES_DIAG_ERROR, "give each entry its own id, or merge the two",
                          "duplicate id \"%s\" in the same list", id);
            continue;
        }
        if (json_object_set_new(seen, id, json_true()) != 0)
            goto oom;
        at = json_object_get(index, id);
        rm = json_object_get(e, "remove");
        if (json_is_true(rm)) {
            if (at == NULL || slot[json_integer_value(at)] == NULL)
                rules_diag_at(ctx, rm, e, 0, RULES_DIAG_WARNING,
                              "check the id against the parent policy, or delete this entry",
                              "\"remove\": nothing to remove, the parent has no entry \"%s\"", id);
            else {
                rules_replaced_put(ctx, slot[json_integer_value(at)], e);
                json_decref(slot[json_integer_value(at)]);
                slot[json_integer_value(at)] = NULL;
            }
            continue;
        }
        if (at != NULL && slot[json_integer_value(at)] != NULL) {
            json_t *m = merge_object(ctx, slot[json_integer_value(at)], e, 0);
            if (m == NULL || add_cancels(ctx, slot[json_integer_value(at)], e, m) != 0)
                goto oom;
            json_decref(slot[json_integer_value(at)]);
            slot[json_integer_value(at)] = m;
        } else if (json_object_get(e, "cancels_add") != NULL) {
            rules_diag_at(ctx, json_object_get(e, "cancels_add"), e, 1, RULES_DIAG_ERROR,
                          "check the id against the parent's vetoes, or write \"cancels\" for a veto of your own",
                          "\"cancels_add\": the parent has no veto \"%s\" to add to", id);
            continue;
        } else {
            if (RULES_GROW(slot, cap, n + 1) != 0)
                goto oom;
            slot[n] = json_incref(e);
            n++;
            if (json_object_set_new(index, id, json_integer((json_int_t)n - 1)) != 0)
                goto oom;
        }
    }
    out = json_array();
    if (out == NULL)
        goto oom;
    rules_origin_copy(ctx, out, child);
    for (i = 0; i < n; i++)
        if (slot[i] != NULL && json_array_append(out, slot[i]) != 0)
            goto oom;
    goto done;
oom:
    ctx->oom = 1;
    json_decref(out);
    out = NULL;
done:
    for (i = 0; i < n; i++)
        json_decref(slot[i]);
    free(slot);
    json_decref(index);
    json_decref(seen);
    return out;
}

static json_t *merge_value(struct rules_loadctx *ctx, json_t *parent, json_t *child, int by_id)
{
    if (json_is_array(child) && (by_id || (is_id_array(child) && (parent == NULL || is_id_array(parent)))))
        return merge_by_id(ctx, json_is_array(parent) ? parent : NULL, child);
    if (json_is_object(child) && json_is_object(parent))
        return merge_object(ctx, parent, child, 0);
    return json_incref(child);
}

int rules_policy_merge(struct rules_loadctx *ctx, json_t *parent, json_t *child, json_t **out)
{
    *out = merge_object(ctx, json_is_object(parent) ? parent : NULL, child, 1);
    if (*out == NULL || ctx->oom) {
        json_decref(*out);
        *out = NULL;
        return RULES_ENOMEM;
    }
    return RULES_OK;
}

/*
 * The list of services a hospital's servers and PCs usually should not run (data, not code:
 * data/services/unneeded.json, extended or replaced by a workspace's unneeded-services.json),
 * and the check the 2-⑫ evaluator calls: which running services of a snapshot are on it.
 */
#include <jansson.h>
#include <strings.h>

#include "catalog.h"
#include "fs.h"
#include "jsonpos.h"
#include "services_int.h"

#define UNNEEDED_MAX_ENTRIES 1000
#define UNNEEDED_MAX_NAMES 32

typedef struct allow_rule {
    char host[256]; /* "" = every host */
    char name[512]; /* service name, display name or list entry id */
} allow_rule;

struct mm_unneeded_list {
    mm_unneeded_entry *v;
    size_t n;
    allow_rule *allow;
    size_t nallow;
};

static void entry_release(mm_unneeded_entry *e)
{
    for (size_t i = 0; i < e->nnames; i++)
        free(e->names[i]);
    for (size_t i = 0; i < e->ndisplay; i++)
        free(e->display_names[i]);
    free(e->names);
    free(e->display_names);
    free(e->reason_ja);
    free(e->reason_en);
    memset(e, 0, sizeof(*e));
}

static void entry_copy(mm_unneeded_entry *dst, const mm_unneeded_entry *src)
{
    *dst = *src;
    dst->names = mm_xcalloc(src->nnames + 1, sizeof(char *));
    dst->display_names = mm_xcalloc(src->ndisplay + 1, sizeof(char *));
    for (size_t i = 0; i < src->nnames; i++)
        dst->names[i] = mm_xstrdup(src->names[i]);
    for (size_t i = 0; i < src->ndisplay; i++)
        dst->display_names[i] = mm_xstrdup(src->display_names[i]);
    dst->reason_ja = mm_xstrdup(src->reason_ja);
    dst->reason_en = mm_xstrdup(src->reason_en);
}

void mm_unneeded_free(mm_unneeded_list **l)
{
    if (!l || !*l)
        return;
    for (size_t i = 0; i < (*l)->n; i++)
        entry_release(&(*l)->v[i]);
    free((*l)->v);
    free((*l)->allow);
    free(*l);
    *l = NULL;
}

size_t mm_unneeded_count(const mm_unneeded_list *l)
{
    return l ? l->n : 0;
}

const mm_unneeded_entry *mm_unneeded_at(const mm_unneeded_list *l, size_t i)
{
    return l && i < l->n ? &l->v[i] : NULL;
}

typedef struct jctx {
    const char *name, *text;
    size_t len;
    mm_error *err;
} jctx;

static mm_rc jfail(const jctx *c, const mm_jpath *p, size_t n, const char *msg)
{
    long line = 1, col = 1;
    mm_json_linecol(c->text, c->len, p, n, &line, &col);
    return mm_error_set(c->err, MM_ERR_INVALID, c->name, line, col, "%s", msg);
}

/* Reads a string array member into *out (may be absent when optional). */
static mm_rc str_array(const jctx *c, json_t *o, const char *key, mm_jpath *p, char ***out,
                       size_t *n, int required)
{
    json_t *a = json_object_get(o, key), *v;
    size_t i;

    *out = NULL;
    *n = 0;
    p[2].key = key;
    if (!a && !required)
        return MM_OK;
    if (!json_is_array(a) || json_array_size(a) > UNNEEDED_MAX_NAMES ||
        (required && json_array_size(a) == 0))
        return jfail(c, p, 3, "文字列の配列が必要です (expected an array of strings, at most 32)");
    *out = mm_xcalloc(json_array_size(a) + 1, sizeof(char *));
    json_array_foreach(a, i, v)
    {
        if (!json_is_string(v) || !json_string_value(v)[0] ||
            strlen(json_string_value(v)) >= 1024) {
            p[3].key = NULL;
            p[3].index = (long)i;
            return jfail(c, p, 4, "空でない文字列が必要です (expected a non-empty string)");
        }
        (*out)[(*n)++] = mm_xstrdup(json_string_value(v));
    }
    return MM_OK;
}

static mm_rc parse_entry(const jctx *c, json_t *o, size_t i, mm_unneeded_entry *e)
{
    mm_jpath p[4] = {{"services", 0}, {NULL, (long)i}, {NULL, 0}, {NULL, 0}};
    const char *v;
    json_t *j;
    mm_rc rc;

    memset(e, 0, sizeof(*e));
    if (!json_is_object(o))
        return jfail(c, p, 2,
                     "オブジェクトが必要です (expected an object with id, platform, "
                     "kind, names, display_names, reason_ja, reason_en)");
    p[2].key = "id";
    j = json_object_get(o, "id");
    if (!json_is_string(j) || !json_string_value(j)[0] || strlen(json_string_value(j)) >= 64)
        return jfail(c, p, 3, "id: 64 バイト未満の文字列が必要です (expected a short string id)");
    mm_strlcpy(e->id, json_string_value(j), sizeof(e->id));
    p[2].key = "platform";
    j = json_object_get(o, "platform");
    v = json_is_string(j) ? json_string_value(j) : "";
    if (strcmp(v, "windows") != 0 && strcmp(v, "linux") != 0)
        return jfail(c, p, 3, "platform: windows か linux です (expected windows or linux)");
    mm_strlcpy(e->platform, v, sizeof(e->platform));
    p[2].key = "kind";
    j = json_object_get(o, "kind");
    v = json_is_string(j) ? json_string_value(j) : "";
    if (strcmp(v, "both") == 0)
        e->kind = MM_ROLE_ANY;
    else if (strcmp(v, "server") == 0)
        e->kind = MM_ROLE_SERVER;
    else if (strcmp(v, "pc") == 0)
        e->kind = MM_ROLE_PC;
    else
        return jfail(c, p, 3,
                     "kind: server, pc, both のいずれかです (expected server, pc or both)");
    if ((rc = str_array(c, o, "names", p, &e->names, &e->nnames, 1)) != MM_OK ||
        (rc = str_array(c, o, "display_names", p, &e->display_names, &e->ndisplay, 0)) != MM_OK)
        return rc;
    p[2].key = "reason_ja";
    j = json_object_get(o, "reason_ja");
    if (!json_is_string(j) || !json_string_value(j)[0])
        return jfail(c, p, 3,
                     "reason_ja: 理由（日本語）が必要です (expected the reason in Japanese)");
    e->reason_ja = mm_xstrdup(json_string_value(j));
    p[2].key = "reason_en";
    j = json_object_get(o, "reason_en");
    if (!json_is_string(j) || !json_string_value(j)[0])
        return jfail(c, p, 3, "reason_en: 理由（英語）が必要です (expected the reason in English)");
    e->reason_en = mm_xstrdup(json_string_value(j));
    return MM_OK;
}

mm_rc mm_unneeded_parse(const char *name, const char *text, size_t len,
                        const mm_unneeded_list *base, mm_unneeded_list **out, mm_error *err)
{
    jctx c = {name, text, len, err};
    json_error_t jerr;
    json_t *root, *arr, *o;
    mm_unneeded_list *l = mm_xcalloc(1, sizeof(*l));
    mm_jpath p[3] = {{"mode", 0}, {NULL, 0}, {NULL, 0}};
    int replace = 0;
    size_t i, nsvc;
    mm_rc rc = MM_OK;

    *out = NULL;
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        free(l);
        return mm_error_set(err, MM_ERR_PARSE, name, jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1,
                            "JSON の構文エラー (JSON syntax error: %s)", jerr.text);
    }
    if (!json_is_object(root)) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                          "{\"services\": [...]} の形式が必要です (expected an object with a "
                          "\"services\" array)");
        goto out;
    }
    o = json_object_get(root, "mode");
    if (o) {
        const char *m = json_is_string(o) ? json_string_value(o) : "";
        if (strcmp(m, "replace") == 0) {
            replace = 1;
        } else if (strcmp(m, "extend") != 0) {
            rc = jfail(&c, p, 1, "mode: extend か replace です (expected extend or replace)");
            goto out;
        }
    }
    arr = json_object_get(root, "services");
    p[0].key = "services";
    if (arr && !json_is_array(arr)) {
        rc = jfail(&c, p, 1, "services: 配列が必要です (expected an array)");
        goto out;
    }
    if (!arr && !base) {
        rc = jfail(&c, p, 1, "services: 配列が必要です (expected a \"services\" array)");
        goto out;
    }
    nsvc = arr ? json_array_size(arr) : 0;
    if (nsvc + (base ? base->n : 0) > UNNEEDED_MAX_ENTRIES) {
        rc = jfail(&c, p, 1, "項目が多すぎます (more than 1000 entries)");
        goto out;
    }
    l->v = mm_xcalloc(nsvc + (base ? base->n : 0) + 1, sizeof(mm_unneeded_entry));
    if (base && !replace) {
        for (i = 0; i < base->n; i++)
            entry_copy(&l->v[l->n++], &base->v[i]);
        l->allow = mm_xcalloc(base->nallow + 1, sizeof(allow_rule));
        if (base->nallow)
            memcpy(l->allow, base->allow, base->nallow * sizeof(allow_rule));
        l->nallow = base->nallow;
    }
    for (i = 0; i < nsvc; i++) {
        mm_unneeded_entry e;
        size_t k;
        if ((rc = parse_entry(&c, json_array_get(arr, i), i, &e)) != MM_OK) {
            entry_release(&e);
            goto out;
        }
        /* the same id as an earlier entry replaces it (a workspace tailoring one entry) */
        for (k = 0; k < l->n; k++)
            if (strcmp(l->v[k].id, e.id) == 0)
                break;
        if (k < l->n) {
            if (k >= (base && !replace ? base->n : 0)) {
                mm_jpath q[3] = {{"services", 0}, {NULL, (long)i}, {"id", 0}};
                entry_release(&e);
                rc = jfail(&c, q, 3, "id が重複しています (duplicate id in this file)");
                goto out;
            }
            entry_release(&l->v[k]);
            l->v[k] = e;
        } else {
            l->v[l->n++] = e;
        }
    }
    arr = json_object_get(root, "allow");
    p[0].key = "allow";
    if (arr) {
        json_t *a;
        if (!json_is_array(arr) || json_array_size(arr) > UNNEEDED_MAX_ENTRIES) {
            rc = jfail(&c, p, 1,
                       "allow: 配列が必要です (expected an array of {\"host\", \"name\"})");
            goto out;
        }
        l->allow =
            mm_xrealloc(l->allow, (l->nallow + json_array_size(arr) + 1) * sizeof(allow_rule));
        json_array_foreach(arr, i, a)
        {
            json_t *h = json_object_get(a, "host"), *nm = json_object_get(a, "name");
            allow_rule *r = &l->allow[l->nallow];
            p[1].key = NULL;
            p[1].index = (long)i;
            if (!json_is_object(a) || !json_is_string(nm) || !json_string_value(nm)[0] ||
                strlen(json_string_value(nm)) >= sizeof(r->name) ||
                (h && (!json_is_string(h) || strlen(json_string_value(h)) >= sizeof(r->host)))) {
                rc = jfail(&c, p, 2,
                           "allow: {\"host\": \"PRINT-01\", \"name\": \"Spooler\"} の形式です "
                           "(expected {\"host\": …, \"name\": …}; host is optional)");
                goto out;
            }
            memset(r, 0, sizeof(*r));
            mm_strlcpy(r->host, h ? json_string_value(h) : "", sizeof(r->host));
            mm_strlcpy(r->name, json_string_value(nm), sizeof(r->name));
            l->nallow++;
        }
    }
out:
    json_decref(root);
    if (rc != MM_OK)
        mm_unneeded_free(&l);
    *out = l;
    return rc;
}

static mm_rc load_file(const char *path, const mm_unneeded_list *base, mm_unneeded_list **out,
                       mm_error *err)
{
    char *text = NULL;
    size_t len = 0;
    mm_rc rc = mm_file_read(path, 4u * 1024 * 1024, &text, &len, err);

    if (rc == MM_OK)
        rc = mm_unneeded_parse(path, text, len, base, out, err);
    free(text);
    return rc;
}

mm_rc mm_unneeded_load(const char *ws_dir, mm_unneeded_list **out, mm_error *err)
{
    char path[4096];
    mm_unneeded_list *def = NULL;
    mm_rc rc;

    *out = NULL;
    if (mm_snprintf(path, sizeof(path), "%s/services/unneeded.json", mm_data_dir()) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "MAMORI_DATA path too long");
    if ((rc = load_file(path, NULL, &def, err)) != MM_OK)
        return rc;
    if (ws_dir && mm_path_join(path, sizeof(path), ws_dir, "unneeded-services.json") == MM_OK &&
        mm_file_exists(path)) {
        rc = load_file(path, def, out, err);
        mm_unneeded_free(&def);
        return rc;
    }
    *out = def;
    return MM_OK;
}

/* ---- matching ------------------------------------------------------------------------------ */

/* Service name equality, ignoring ASCII case and a systemd ".service" suffix on either side. */
static int name_eq(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    if (na > 8 && strcmp(a + na - 8, ".service") == 0)
        na -= 8;
    if (nb > 8 && strcmp(b + nb - 8, ".service") == 0)
        nb -= 8;
    return na == nb && strncasecmp(a, b, na) == 0;
}

static int entry_matches(const mm_unneeded_entry *e, const mm_service *s)
{
    for (size_t i = 0; i < e->nnames; i++)
        if (name_eq(e->names[i], s->name))
            return 1;
    for (size_t i = 0; i < e->ndisplay; i++)
        if (strcasecmp(e->display_names[i], s->display_name) == 0 ||
            strcasecmp(e->display_names[i], s->name) == 0)
            return 1;
    return 0;
}

static int allowed(const mm_unneeded_list *l, const char *host, const mm_unneeded_entry *e,
                   const mm_service *s)
{
    for (size_t i = 0; i < l->nallow; i++) {
        const allow_rule *r = &l->allow[i];
        if (r->host[0] && strcasecmp(r->host, host) != 0)
            continue;
        if (name_eq(r->name, s->name) || strcasecmp(r->name, s->display_name) == 0 ||
            strcmp(r->name, e->id) == 0)
            return 1;
    }
    return 0;
}

void mm_services_unneeded_running(const mm_unneeded_list *list, const mm_service_snapshot *snap,
                                  mm_host_role role, mm_unneeded_hits *out)
{
    size_t cap = 0;

    memset(out, 0, sizeof(*out));
    if (!list || !snap)
        return;
    for (size_t i = 0; i < snap->services.n; i++) {
        const mm_service *s = &snap->services.v[i];
        if (!mm_service_is_running(s))
            continue;
        for (size_t k = 0; k < list->n; k++) {
            const mm_unneeded_entry *e = &list->v[k];
            if (role != MM_ROLE_ANY && e->kind != MM_ROLE_ANY && e->kind != role)
                continue;
            if (!entry_matches(e, s) || allowed(list, snap->host, e, s))
                continue;
            if (out->n == cap) {
                cap = cap ? cap * 2 : 8;
                out->v = mm_xrealloc(out->v, cap * sizeof(*out->v));
            }
            out->v[out->n].service = s;
            out->v[out->n].entry = e;
            out->n++;
            break;
        }
    }
}

void mm_unneeded_hits_release(mm_unneeded_hits *h)
{
    free(h->v);
    memset(h, 0, sizeof(*h));
}

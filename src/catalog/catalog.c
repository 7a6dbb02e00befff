/*
 * Loading and validating checklist sheets. Validation is strict because the catalog is what
 * an inspector reads: every required field present with the right type, ids unique and
 * well-formed, references (sections, chapters, G-MIS questions) resolvable, and no look-alike
 * characters. Every error names the file, line and column of the offending value.
 */
#include <dirent.h>
#include <jansson.h>

#include "catalog.h"
#include "fs.h"
#include "jsonpos.h"
#include "text.h"

#define MM_GMIS_QUESTIONS 14

static const struct {
    const char *name, *label, *label_en, *group;
} scope_names[MM_SCOPE_COUNT] = {
    {"all", "全般", "General", "医療情報システム全般について"},
    {"server", "サーバ", "Servers", "サーバについて"},
    {"pc", "端末PC", "PCs", "端末PCについて"},
    {"network", "ネットワーク機器", "Network devices", "ネットワーク機器について"},
};

const char *mm_scope_name(mm_scope s)
{
    return (unsigned)s < MM_SCOPE_COUNT ? scope_names[s].name : "?";
}

const char *mm_scope_label(mm_scope s)
{
    return (unsigned)s < MM_SCOPE_COUNT ? scope_names[s].label : "?";
}

const char *mm_scope_label_en(mm_scope s)
{
    return (unsigned)s < MM_SCOPE_COUNT ? scope_names[s].label_en : "?";
}

const char *mm_scope_group(mm_scope s)
{
    return (unsigned)s < MM_SCOPE_COUNT ? scope_names[s].group : "?";
}

mm_rc mm_scope_parse(const char *s, mm_scope *out)
{
    for (int i = 0; i < MM_SCOPE_COUNT; i++) {
        if (mm_streq(s, scope_names[i].name) || mm_streq(s, scope_names[i].label)) {
            *out = (mm_scope)i;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

const char *mm_sheet_name(mm_sheet_kind k)
{
    return k == MM_SHEET_VENDOR ? "vendor" : "hospital";
}

const char *mm_sheet_label(mm_sheet_kind k)
{
    return k == MM_SHEET_VENDOR ? "事業者確認用" : "医療機関確認用";
}

mm_rc mm_sheet_parse(const char *s, mm_sheet_kind *out)
{
    if (mm_streq(s, "hospital") || mm_streq(s, "医療機関確認用")) {
        *out = MM_SHEET_HOSPITAL;
        return MM_OK;
    }
    if (mm_streq(s, "vendor") || mm_streq(s, "事業者確認用")) {
        *out = MM_SHEET_VENDOR;
        return MM_OK;
    }
    return MM_ERR_INVALID;
}

/* ---- validation context ------------------------------------------------------------- */

typedef struct vctx {
    const char *name; /* file name for messages */
    const char *text;
    size_t len;
    mm_jpath path[8];
    size_t depth;
    mm_error *err;
} vctx;

static void push_key(vctx *v, const char *key)
{
    v->path[v->depth].key = key;
    v->path[v->depth].index = 0;
    v->depth++;
}

static void push_index(vctx *v, long i)
{
    v->path[v->depth].key = NULL;
    v->path[v->depth].index = i;
    v->depth++;
}

static void pop(vctx *v)
{
    v->depth--;
}

/* Writes the current path as "items[3].scopes" into out. */
static void path_text(const vctx *v, char *out, size_t outsz)
{
    size_t o = 0;

    out[0] = '\0';
    for (size_t i = 0; i < v->depth && o < outsz; i++) {
        int n;
        if (v->path[i].key)
            n = snprintf(out + o, outsz - o, "%s%s", i ? "." : "", v->path[i].key);
        else
            n = snprintf(out + o, outsz - o, "[%ld]", v->path[i].index);
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static mm_rc fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static mm_rc fail(vctx *v, const char *fmt, ...)
{
    char what[600], where[200];
    long line, col;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    path_text(v, where, sizeof(where));
    mm_json_linecol(v->text, v->len, v->path, v->depth, &line, &col);
    return mm_error_set(v->err, MM_ERR_INVALID, v->name, line, col, "%s%s%s", where,
                        where[0] ? ": " : "", what);
}

/* Offset in the JSON text of byte `off` of the string value whose opening quote is at text[q].
 * Escapes make the text longer than the value (\" is 2 bytes for 1, \u2F64 6 for 3), so the
 * text is walked escape by escape. */
static size_t raw_offset(const char *text, size_t len, size_t q, size_t off)
{
    size_t p = q + 1, dec = 0;

    if (q >= len || text[q] != '"')
        return q;
    while (p < len && text[p] != '"' && dec < off) {
        if (text[p] != '\\' || p + 1 >= len) {
            dec++;
            p++;
        } else if (text[p + 1] != 'u') {
            dec++;
            p += 2;
        } else {
            unsigned cp = 0;
            for (size_t k = p + 2; k < p + 6 && k < len; k++) {
                char c = text[k];
                cp = cp * 16 + (unsigned)(c >= '0' && c <= '9'   ? c - '0'
                                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                                 : 0);
            }
            if (cp >= 0xD800 && cp <= 0xDBFF && p + 7 < len && text[p + 6] == '\\') {
                dec += 4; /* a surrogate pair: one 4-byte character in 12 bytes of text */
                p += 12;
            } else {
                dec += cp < 0x80 ? 1 : cp < 0x800 ? 2 : 3;
                p += 6;
            }
        }
    }
    return p < len ? p : len;
}

/* Checks a string for look-alike characters; on one, points the error at it. */
static mm_rc check_text(vctx *v, const char *s)
{
    size_t off, valoff = 0;
    uint32_t cp, std;
    long line, col;
    char stdc[5] = "", badc[5];
    char where[200];

    if (!mm_text_find_lookalike(s, &off, &cp, &std))
        return MM_OK;
    /* Column of the character itself: the value's position plus the offset inside it. */
    mm_json_locate(v->text, v->len, v->path, v->depth, &valoff);
    mm_text_linecol(v->text, raw_offset(v->text, v->len, valoff, off), &line, &col);
    mm_utf8_put(cp, badc);
    if (std)
        mm_utf8_put(std, stdc);
    path_text(v, where, sizeof(where));
    return mm_error_set(v->err, MM_ERR_INVALID, v->name, line, col,
                        "%s: 互換文字 %s (U+%04X) は使えません。%s%s%s (look-alike character "
                        "U+%04X; write the standard character%s%s)",
                        where, badc, cp, std ? "標準の文字「" : "標準の文字を使ってください",
                        std ? stdc : "", std ? "」を使ってください" : "", cp, std ? " " : "",
                        std ? stdc : "");
}

static mm_rc get_string(vctx *v, json_t *obj, const char *key, int required, char **out)
{
    json_t *j = json_object_get(obj, key);
    mm_rc rc = MM_OK;

    *out = NULL;
    push_key(v, key);
    if (!j) {
        pop(v);
        if (required)
            return fail(v, "必須の項目 \"%s\" がありません (missing required string \"%s\")", key,
                        key);
        return MM_OK;
    }
    if (!json_is_string(j))
        rc = fail(v, "文字列が必要です (expected a string)");
    else if (required && json_string_length(j) == 0)
        rc = fail(v, "空にできません (must not be empty)");
    else if ((rc = check_text(v, json_string_value(j))) == MM_OK)
        *out = mm_xstrdup(json_string_value(j));
    pop(v);
    return rc;
}

static mm_rc get_int(vctx *v, json_t *obj, const char *key, long min, long max, int *out)
{
    json_t *j = json_object_get(obj, key);
    mm_rc rc = MM_OK;

    push_key(v, key);
    if (!j) {
        pop(v);
        return fail(v, "必須の項目 \"%s\" がありません (missing required integer \"%s\")", key,
                    key);
    }
    if (!json_is_integer(j))
        rc = fail(v, "整数が必要です (expected an integer)");
    else if (json_integer_value(j) < min || json_integer_value(j) > max)
        rc = fail(v, "%ld から %ld の整数が必要です (expected an integer from %ld to %ld)", min,
                  max, min, max);
    else
        *out = (int)json_integer_value(j);
    pop(v);
    return rc;
}

static mm_rc get_strlist(vctx *v, json_t *obj, const char *key, mm_strlist *out)
{
    json_t *j = json_object_get(obj, key), *e;
    size_t i;
    mm_rc rc = MM_OK;

    push_key(v, key);
    if (!j || !json_is_array(j) || json_array_size(j) == 0) {
        rc = fail(v, "空でない文字列の配列が必要です (expected a non-empty array of strings)");
        goto out;
    }
    out->v = mm_xcalloc(json_array_size(j), sizeof(char *));
    json_array_foreach(j, i, e)
    {
        push_index(v, (long)i);
        if (!json_is_string(e) || json_string_length(e) == 0)
            rc = fail(v, "空でない文字列が必要です (expected a non-empty string)");
        else if ((rc = check_text(v, json_string_value(e))) == MM_OK)
            out->v[out->n++] = mm_xstrdup(json_string_value(e));
        pop(v);
        if (rc != MM_OK)
            break;
    }
out:
    pop(v);
    return rc;
}

static mm_rc get_intlist(vctx *v, json_t *obj, const char *key, long min, long max, mm_intlist *out)
{
    json_t *j = json_object_get(obj, key), *e;
    size_t i;
    mm_rc rc = MM_OK;

    push_key(v, key);
    if (!j || !json_is_array(j)) {
        rc = fail(v, "整数の配列が必要です (expected an array of integers)");
        goto out;
    }
    out->v = mm_xcalloc(json_array_size(j), sizeof(int));
    json_array_foreach(j, i, e)
    {
        push_index(v, (long)i);
        if (!json_is_integer(e) || json_integer_value(e) < min || json_integer_value(e) > max)
            rc = fail(v, "%ld から %ld の整数が必要です (expected an integer from %ld to %ld)", min,
                      max, min, max);
        for (size_t k = 0; rc == MM_OK && k < out->n; k++)
            if (out->v[k] == json_integer_value(e))
                rc = fail(v, "重複しています (duplicate number %d)", out->v[k]);
        if (rc == MM_OK)
            out->v[out->n++] = (int)json_integer_value(e);
        pop(v);
        if (rc != MM_OK)
            break;
    }
out:
    pop(v);
    return rc;
}

static mm_rc get_titled(vctx *v, json_t *root, const char *key, mm_titled **out, size_t *n)
{
    json_t *j = json_object_get(root, key), *e;
    size_t i;
    mm_rc rc = MM_OK;

    push_key(v, key);
    if (!j || !json_is_array(j) || json_array_size(j) == 0) {
        rc = fail(v, "空でない配列が必要です (expected a non-empty array of {no, title})");
        goto out;
    }
    *out = mm_xcalloc(json_array_size(j), sizeof(mm_titled));
    json_array_foreach(j, i, e)
    {
        mm_titled *t = &(*out)[*n];
        push_index(v, (long)i);
        if (!json_is_object(e))
            rc = fail(v, "オブジェクトが必要です (expected an object {no, title})");
        if (rc == MM_OK)
            rc = get_int(v, e, "no", 1, 99, &t->no);
        if (rc == MM_OK)
            rc = get_string(v, e, "title", 1, &t->title);
        for (size_t k = 0; rc == MM_OK && k < *n; k++)
            if ((*out)[k].no == t->no)
                rc = fail(v, "番号 %d が重複しています (duplicate number %d)", t->no, t->no);
        pop(v);
        if (rc != MM_OK) {
            free(t->title);
            t->title = NULL;
            break;
        }
        (*n)++;
    }
out:
    pop(v);
    return rc;
}

static int titled_has(const mm_titled *t, size_t n, int no)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].no == no)
            return 1;
    return 0;
}

/* "S-N" with S and N decimal, no leading zeros. OUT: section number. */
static int id_ok(const char *id, int *section)
{
    long s = 0, n = 0;
    const char *p = id;

    if (!(*p >= '1' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9' && s < 1000)
        s = s * 10 + (*p++ - '0');
    if (*p++ != '-' || !(*p >= '1' && *p <= '9'))
        return 0;
    while (*p >= '0' && *p <= '9' && n < 1000)
        n = n * 10 + (*p++ - '0');
    if (*p)
        return 0;
    *section = (int)s;
    return 1;
}

static void item_release(mm_item *it)
{
    free(it->id);
    free(it->label);
    free(it->text);
    free(it->source);
    free(it->draft_ref);
    free(it->deadline_label);
    for (size_t i = 0; i < it->guidance_ja.n; i++)
        free(it->guidance_ja.v[i]);
    free(it->guidance_ja.v);
    for (size_t i = 0; i < it->guidance_en.n; i++)
        free(it->guidance_en.v[i]);
    free(it->guidance_en.v);
    free(it->chapters.v);
    free(it->gmis.v);
}

static mm_rc load_item(vctx *v, mm_sheet *sh, json_t *j, mm_item *it)
{
    json_t *scopes, *guid, *e;
    char *origin = NULL, *deadline = NULL;
    int idsec = 0, have_all = 0;
    size_t i;
    mm_rc rc;

    if (!json_is_object(j))
        return fail(v, "項目はオブジェクトで書いてください (expected an item object)");
    if ((rc = get_string(v, j, "id", 1, &it->id)) != MM_OK)
        return rc;
    push_key(v, "id");
    if (!id_ok(it->id, &idsec))
        rc = fail(v, "項目番号は \"2-10\" の形式です (expected an id like \"2-10\", got \"%s\")",
                  it->id);
    for (size_t k = 0; rc == MM_OK && k < sh->nitems; k++)
        if (mm_streq(sh->items[k].id, it->id))
            rc = fail(v, "項目番号 \"%s\" が重複しています (duplicate item id)", it->id);
    pop(v);
    if (rc != MM_OK)
        return rc;
    if ((rc = get_string(v, j, "label", 1, &it->label)) != MM_OK ||
        (rc = get_int(v, j, "section", 1, 99, &it->section)) != MM_OK)
        return rc;
    push_key(v, "section");
    if (!titled_has(sh->sections, sh->nsections, it->section))
        rc = fail(v, "大項目 %d は sections にありません (section %d is not in \"sections\")",
                  it->section, it->section);
    else if (it->section != idsec)
        rc = fail(v, "大項目 %d が項目番号 \"%s\" と一致しません (section does not match the id)",
                  it->section, it->id);
    pop(v);
    if (rc != MM_OK)
        return rc;

    scopes = json_object_get(j, "scopes");
    push_key(v, "scopes");
    if (!json_is_array(scopes) || json_array_size(scopes) == 0 ||
        json_array_size(scopes) > MM_SCOPE_COUNT)
        rc = fail(v, "対象の配列が必要です (expected an array of scopes: all, server, pc, "
                     "network)");
    json_array_foreach(scopes, i, e)
    {
        mm_scope s;
        if (rc != MM_OK)
            break;
        push_index(v, (long)i);
        if (!json_is_string(e) || mm_scope_parse(json_string_value(e), &s) != MM_OK)
            rc = fail(v, "不明な対象です (unknown scope; expected all, server, pc or network)");
        else if (mm_item_has_scope(it, s))
            rc = fail(v, "対象が重複しています (duplicate scope)");
        else {
            it->scopes[it->nscopes++] = s;
            if (s == MM_SCOPE_ALL)
                have_all = 1;
            if (have_all && it->nscopes > 1)
                rc = fail(v, "\"all\" は単独で指定します (\"all\" cannot be combined with "
                             "other scopes)");
        }
        pop(v);
    }
    pop(v);
    if (rc != MM_OK)
        return rc;

    if ((rc = get_string(v, j, "text", 1, &it->text)) != MM_OK ||
        (rc = get_string(v, j, "source", 1, &it->source)) != MM_OK ||
        (rc = get_string(v, j, "origin", 1, &origin)) != MM_OK)
        goto out;
    push_key(v, "origin");
    if (mm_streq(origin, "draft"))
        it->draft = 1;
    else if (!mm_streq(origin, "official"))
        rc = fail(v, "\"official\" か \"draft\" です (expected \"official\" or \"draft\")");
    pop(v);
    if (rc != MM_OK)
        goto out;

    guid = json_object_get(j, "guidance");
    push_key(v, "guidance");
    if (!json_is_object(guid))
        rc = fail(v, "ja と en を持つオブジェクトが必要です (expected an object with \"ja\" and "
                     "\"en\")");
    if (rc == MM_OK)
        rc = get_strlist(v, guid, "ja", &it->guidance_ja);
    if (rc == MM_OK)
        rc = get_strlist(v, guid, "en", &it->guidance_en);
    pop(v);
    if (rc != MM_OK)
        goto out;

    if ((rc = get_intlist(v, j, "chapters", 1, 99, &it->chapters)) != MM_OK ||
        (rc = get_intlist(v, j, "gmis", 1, MM_GMIS_QUESTIONS, &it->gmis)) != MM_OK)
        goto out;
    for (i = 0; i < it->chapters.n; i++) {
        if (!titled_has(sh->chapters, sh->nchapters, it->chapters.v[i])) {
            push_key(v, "chapters");
            push_index(v, (long)i);
            rc = fail(v, "第%d章は chapters にありません (chapter %d is not in \"chapters\")",
                      it->chapters.v[i], it->chapters.v[i]);
            pop(v);
            pop(v);
            goto out;
        }
    }

    if ((rc = get_string(v, j, "deadline", 0, &deadline)) != MM_OK)
        goto out;
    if (deadline) {
        mm_error derr;
        push_key(v, "deadline");
        if (mm_date_parse(deadline, &it->deadline, &derr) != MM_OK)
            rc = fail(v, "%s", derr.msg);
        else
            it->has_deadline = 1;
        pop(v);
        if (rc != MM_OK)
            goto out;
    }
    if ((rc = get_string(v, j, "deadline_label", 0, &it->deadline_label)) != MM_OK ||
        (rc = get_string(v, j, "draft_ref", 0, &it->draft_ref)) != MM_OK)
        goto out;
    e = json_object_get(j, "uncertain");
    if (e) {
        push_key(v, "uncertain");
        if (!json_is_boolean(e))
            rc = fail(v, "true か false です (expected true or false)");
        else
            it->uncertain = json_is_true(e);
        pop(v);
    }
out:
    free(origin);
    free(deadline);
    return rc;
}

static const char *const known_root_keys[] = {"schema",      "version", "sheet", "title",
                                              "sheet_title", "source",  "note",  "chapters",
                                              "sections",    "items"};
static const char *const known_item_keys[] = {
    "id",       "label",    "section", "scopes",   "text",           "source",    "origin",
    "guidance", "chapters", "gmis",    "deadline", "deadline_label", "uncertain", "draft_ref"};

static mm_rc check_keys(vctx *v, json_t *obj, const char *const *known, size_t n)
{
    const char *key;
    json_t *val;

    json_object_foreach(obj, key, val)
    {
        size_t i;
        for (i = 0; i < n; i++)
            if (strcmp(key, known[i]) == 0)
                break;
        if (i == n) {
            mm_rc rc;
            push_key(v, key);
            rc = fail(v, "不明な項目 \"%s\" です (unknown field; see docs/catalog-format.md)", key);
            pop(v);
            return rc;
        }
    }
    return MM_OK;
}

mm_rc mm_sheet_load_buffer(const char *name, const char *text, size_t len, mm_sheet **out,
                           mm_error *err)
{
    vctx v = {name, text, len, {{0}}, 0, err};
    json_error_t jerr;
    json_t *root = NULL, *items, *e, *note;
    mm_sheet *sh = NULL;
    char *schema = NULL, *sheet = NULL;
    size_t i, bad;
    mm_rc rc = MM_OK;

    *out = NULL;
    if (mm_utf8_validate(text, len, &bad) != MM_OK) {
        long line, col;
        mm_text_linecol(text, bad, &line, &col);
        return mm_error_set(err, MM_ERR_PARSE, name, line, col,
                            "UTF-8 として不正なバイト列です (invalid UTF-8)");
    }
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        long col = jerr.column > 0 ? jerr.column : 1;
        return mm_error_set(err, MM_ERR_PARSE, name, jerr.line > 0 ? jerr.line : 1, col,
                            "JSON の構文エラー (JSON syntax error: %s)", jerr.text);
    }
    if (!json_is_object(root)) {
        rc = fail(&v, "最上位はオブジェクトです (expected a JSON object at the top level)");
        goto out;
    }
    sh = mm_xcalloc(1, sizeof(*sh));
    sh->file = mm_xstrdup(name);
    if ((rc = check_keys(&v, root, known_root_keys, MM_ARRAY_LEN(known_root_keys))) != MM_OK)
        goto out;
    if ((rc = get_string(&v, root, "schema", 1, &schema)) != MM_OK)
        goto out;
    if (!mm_streq(schema, "mamori.checklist/1")) {
        push_key(&v, "schema");
        rc = fail(&v, "\"mamori.checklist/1\" が必要です (expected \"mamori.checklist/1\")");
        goto out;
    }
    if ((rc = get_int(&v, root, "version", 2023, 2099, &sh->version)) != MM_OK ||
        (rc = get_string(&v, root, "sheet", 1, &sheet)) != MM_OK)
        goto out;
    if (mm_sheet_parse(sheet, &sh->kind) != MM_OK) {
        push_key(&v, "sheet");
        rc = fail(&v, "\"hospital\" か \"vendor\" です (expected \"hospital\" or \"vendor\")");
        goto out;
    }
    if ((rc = get_string(&v, root, "title", 1, &sh->title)) != MM_OK ||
        (rc = get_string(&v, root, "sheet_title", 1, &sh->sheet_title)) != MM_OK ||
        (rc = get_string(&v, root, "source", 1, &sh->source)) != MM_OK)
        goto out;
    note = json_object_get(root, "note");
    if (note) {
        push_key(&v, "note");
        if (!json_is_object(note))
            rc = fail(&v, "ja と en を持つオブジェクトです (expected an object with ja, en)");
        if (rc == MM_OK)
            rc = get_string(&v, note, "ja", 0, &sh->note_ja);
        if (rc == MM_OK)
            rc = get_string(&v, note, "en", 0, &sh->note_en);
        pop(&v);
        if (rc != MM_OK)
            goto out;
    }
    if ((rc = get_titled(&v, root, "chapters", &sh->chapters, &sh->nchapters)) != MM_OK ||
        (rc = get_titled(&v, root, "sections", &sh->sections, &sh->nsections)) != MM_OK)
        goto out;

    items = json_object_get(root, "items");
    push_key(&v, "items");
    if (!json_is_array(items) || json_array_size(items) == 0) {
        rc = fail(&v, "空でない項目の配列が必要です (expected a non-empty array of items)");
        goto out;
    }
    sh->items = mm_xcalloc(json_array_size(items), sizeof(mm_item));
    json_array_foreach(items, i, e)
    {
        push_index(&v, (long)i);
        rc = json_is_object(e) ? check_keys(&v, e, known_item_keys, MM_ARRAY_LEN(known_item_keys))
                               : MM_OK;
        if (rc == MM_OK)
            rc = load_item(&v, sh, e, &sh->items[sh->nitems]);
        if (rc != MM_OK) {
            item_release(&sh->items[sh->nitems]);
            goto out;
        }
        sh->nitems++;
        pop(&v);
    }
    *out = sh;
    sh = NULL;
out:
    free(schema);
    free(sheet);
    mm_sheet_free(&sh);
    json_decref(root);
    return rc;
}

mm_rc mm_sheet_load_file(const char *path, mm_sheet **out, mm_error *err)
{
    char *text = NULL;
    size_t len = 0;
    mm_rc rc = mm_file_read(path, MM_CATALOG_MAX_BYTES, &text, &len, err);

    if (rc == MM_OK)
        rc = mm_sheet_load_buffer(path, text, len, out, err);
    free(text);
    return rc;
}

void mm_sheet_free(mm_sheet **psh)
{
    mm_sheet *sh;

    if (!psh || !*psh)
        return;
    sh = *psh;
    for (size_t i = 0; i < sh->nitems; i++)
        item_release(&sh->items[i]);
    free(sh->items);
    for (size_t i = 0; i < sh->nsections; i++)
        free(sh->sections[i].title);
    free(sh->sections);
    for (size_t i = 0; i < sh->nchapters; i++)
        free(sh->chapters[i].title);
    free(sh->chapters);
    free(sh->file);
    free(sh->title);
    free(sh->sheet_title);
    free(sh->source);
    free(sh->note_ja);
    free(sh->note_en);
    free(sh);
    *psh = NULL;
}

static int sheet_cmp(const void *a, const void *b)
{
    const mm_sheet *x = *(const mm_sheet *const *)a, *y = *(const mm_sheet *const *)b;
    if (x->version != y->version)
        return x->version < y->version ? -1 : 1;
    return (int)x->kind - (int)y->kind;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

mm_rc mm_catalog_load_dir(const char *dir, mm_catalog **out, mm_error *err)
{
    DIR *d = NULL;
    struct dirent *de;
    char **names = NULL;
    size_t nnames = 0, cap = 0;
    mm_catalog *cat = NULL;
    mm_rc rc = MM_OK;

    *out = NULL;
    d = opendir(dir);
    if (!d)
        return mm_error_set(err, MM_ERR_NOTFOUND, dir, 0, 0,
                            "チェックリストのディレクトリがありません (checklist directory not "
                            "found; set MAMORI_DATA)");
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0 || de->d_name[0] == '.')
            continue;
        if (nnames == cap) {
            cap = cap ? cap * 2 : 8;
            names = mm_xrealloc(names, cap * sizeof(char *));
        }
        names[nnames++] = mm_xstrdup(de->d_name);
    }
    closedir(d);
    if (nnames > 1) /* names is NULL when the directory holds no *.json */
        qsort(names, nnames, sizeof(char *), name_cmp);
    cat = mm_xcalloc(1, sizeof(*cat));
    cat->sheets = mm_xcalloc(nnames ? nnames : 1, sizeof(mm_sheet *));
    for (size_t i = 0; i < nnames; i++) {
        char path[4096];
        mm_sheet *sh = NULL;
        if ((rc = mm_path_join(path, sizeof(path), dir, names[i])) != MM_OK) {
            mm_error_set(err, rc, dir, 0, 0, "path too long");
            goto out;
        }
        if ((rc = mm_sheet_load_file(path, &sh, err)) != MM_OK)
            goto out;
        if (mm_catalog_sheet(cat, sh->version, sh->kind)) {
            rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                              "%d年度版の%sは別のファイルにもあります (another file already "
                              "defines version %d, sheet %s)",
                              sh->version, mm_sheet_label(sh->kind), sh->version,
                              mm_sheet_name(sh->kind));
            mm_sheet_free(&sh);
            goto out;
        }
        cat->sheets[cat->nsheets++] = sh;
    }
    if (cat->nsheets == 0) {
        rc = mm_error_set(err, MM_ERR_NOTFOUND, dir, 0, 0,
                          "チェックリストがありません (no *.json checklist in directory)");
        goto out;
    }
    qsort(cat->sheets, cat->nsheets, sizeof(mm_sheet *), sheet_cmp);
    *out = cat;
    cat = NULL;
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    mm_catalog_free(&cat);
    return rc;
}

const char *mm_data_dir(void)
{
    const char *env = getenv("MAMORI_DATA");
    return env && *env ? env : MM_DATA_DIR;
}

mm_rc mm_catalog_load_default(mm_catalog **out, mm_error *err)
{
    char dir[4096];

    if (mm_path_join(dir, sizeof(dir), mm_data_dir(), "checklists") != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "MAMORI_DATA path too long");
    return mm_catalog_load_dir(dir, out, err);
}

void mm_catalog_free(mm_catalog **pcat)
{
    mm_catalog *cat;

    if (!pcat || !*pcat)
        return;
    cat = *pcat;
    for (size_t i = 0; i < cat->nsheets; i++)
        mm_sheet_free(&cat->sheets[i]);
    free(cat->sheets);
    free(cat);
    *pcat = NULL;
}

const mm_sheet *mm_catalog_sheet(const mm_catalog *cat, int version, mm_sheet_kind kind)
{
    for (size_t i = 0; i < cat->nsheets; i++)
        if (cat->sheets[i] && cat->sheets[i]->version == version && cat->sheets[i]->kind == kind)
            return cat->sheets[i];
    return NULL;
}

int mm_catalog_latest(const mm_catalog *cat, mm_sheet_kind kind)
{
    int v = 0;
    for (size_t i = 0; i < cat->nsheets; i++)
        if (cat->sheets[i]->kind == kind && cat->sheets[i]->version > v)
            v = cat->sheets[i]->version;
    return v;
}

const mm_item *mm_sheet_item(const mm_sheet *sheet, const char *id)
{
    for (size_t i = 0; i < sheet->nitems; i++)
        if (mm_streq(sheet->items[i].id, id) || mm_streq(sheet->items[i].label, id))
            return &sheet->items[i];
    return NULL;
}

const char *mm_sheet_section_title(const mm_sheet *sheet, int no)
{
    for (size_t i = 0; i < sheet->nsections; i++)
        if (sheet->sections[i].no == no)
            return sheet->sections[i].title;
    return "";
}

const char *mm_sheet_chapter_title(const mm_sheet *sheet, int no)
{
    for (size_t i = 0; i < sheet->nchapters; i++)
        if (sheet->chapters[i].no == no)
            return sheet->chapters[i].title;
    return "";
}

int mm_item_has_scope(const mm_item *item, mm_scope s)
{
    for (size_t i = 0; i < item->nscopes; i++)
        if (item->scopes[i] == s)
            return 1;
    return 0;
}

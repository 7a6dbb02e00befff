/*
 * Answers as CSV and JSON files: the importers (one table of columns shared by both formats)
 * and the exporter that writes the same shape back. Imports are all or nothing.
 */
#include <jansson.h>
#include <strings.h>

#include "answers_io.h"
#include "audit.h"
#include "csv.h"
#include "fs.h"
#include "jsonpos.h"
#include "text.h"

/* The columns of the answers file. Adding a column is adding a row here and a case in
 * set_field. */
typedef enum {
    COL_VERSION,
    COL_SHEET,
    COL_VENDOR,
    COL_ITEM,
    COL_ROUND,
    COL_SCOPE,
    COL_ANSWER,
    COL_CHECKED,
    COL_TARGET,
    COL_ANSWERER,
    COL_NOTE,
    COL_COUNT
} col_id;

static const struct {
    col_id id;
    const char *name; /* English header, also the JSON key */
    const char *ja;   /* Japanese header */
    int required;
} columns[COL_COUNT] = {
    {COL_VERSION, "version", "版", 0},       {COL_SHEET, "sheet", "シート", 0},
    {COL_VENDOR, "vendor", "事業者", 0},     {COL_ITEM, "item", "項番", 1},
    {COL_ROUND, "round", "回", 0},           {COL_SCOPE, "scope", "対象", 0},
    {COL_ANSWER, "answer", "回答", 1},       {COL_CHECKED, "checked", "確認日", 1},
    {COL_TARGET, "target", "対応目標日", 0}, {COL_ANSWERER, "answerer", "回答者", 0},
    {COL_NOTE, "note", "備考", 0},
};

/* Which answer field a column fills, for error positions. */
static const mm_answer_field col_field[COL_COUNT] = {
    MM_AF_VERSION, MM_AF_SHEET,   MM_AF_VENDOR, MM_AF_ITEM, MM_AF_ROUND, MM_AF_SCOPE,
    MM_AF_VALUE,   MM_AF_CHECKED, MM_AF_TARGET, MM_AF_NONE, MM_AF_NONE,
};

static int find_column(const char *h)
{
    for (int i = 0; i < COL_COUNT; i++)
        if (mm_streq(h, columns[i].name) || mm_streq(h, columns[i].ja))
            return i;
    return -1;
}

static void answer_defaults(mm_answer *a, int default_version)
{
    memset(a, 0, sizeof(*a));
    a->version = default_version;
    a->sheet = MM_SHEET_HOSPITAL;
    a->round = 1;
    a->scope = MM_SCOPE_ALL;
}

/* Sets one field from text; on error fills err (without position; the caller adds it). */
static mm_rc set_field(mm_answer *a, col_id id, const char *v, mm_error *err)
{
    long n;
    mm_error derr;

    if (!v[0] && !columns[id].required)
        return MM_OK;
    switch (id) {
    case COL_VERSION:
        if (mm_parse_long(v, 2023, 2099, &n) != MM_OK)
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "version: 版は 2025 のような年度です (expected a fiscal year such "
                                "as 2025, got \"%s\")",
                                v);
        a->version = (int)n;
        return MM_OK;
    case COL_SHEET:
        if (mm_sheet_parse(v, &a->sheet) != MM_OK)
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "sheet: hospital か vendor です (expected hospital or vendor, got "
                                "\"%s\")",
                                v);
        return MM_OK;
    case COL_VENDOR: mm_strlcpy(a->vendor, v, sizeof(a->vendor)); return MM_OK;
    case COL_ITEM:
        if (!v[0] || strlen(v) >= sizeof(a->item_id))
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "item: 項番が必要です (expected an item number such as 2-10)");
        mm_strlcpy(a->item_id, v, sizeof(a->item_id));
        return MM_OK;
    case COL_ROUND:
        if (mm_parse_long(v, 1, 2, &n) != MM_OK)
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "round: 回は 1 か 2 です (expected 1 or 2, got \"%s\")", v);
        a->round = (int)n;
        return MM_OK;
    case COL_SCOPE:
        if (mm_scope_parse(v, &a->scope) != MM_OK)
            return mm_error_set(
                err, MM_ERR_INVALID, NULL, 0, 0,
                "scope: 対象は all, server, pc, network です (expected all, server, "
                "pc or network, got \"%s\")",
                v);
        return MM_OK;
    case COL_ANSWER:
        if (mm_answer_value_parse(v, &a->value) != MM_OK)
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                                "answer: 回答は はい/いいえ/該当なし (yes/no/na) です (expected "
                                "yes, no or na, got \"%s\")",
                                v);
        return MM_OK;
    case COL_CHECKED:
        if (mm_date_parse(v, &a->checked, &derr) != MM_OK)
            return mm_error_set(err, derr.rc, NULL, 0, 0, "checked: %s", derr.msg);
        return MM_OK;
    case COL_TARGET:
        if (mm_date_parse(v, &a->target, &derr) != MM_OK)
            return mm_error_set(err, derr.rc, NULL, 0, 0, "target: %s", derr.msg);
        a->has_target = 1;
        return MM_OK;
    case COL_ANSWERER: mm_strlcpy(a->answerer, v, sizeof(a->answerer)); return MM_OK;
    case COL_NOTE:
        free(a->note);
        a->note = mm_xstrdup(v);
        return MM_OK;
    case COL_COUNT: break;
    }
    return MM_ERR_INVALID;
}

static void list_push(mm_answer_list *l, size_t *cap, const mm_answer *a)
{
    if (l->n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        l->v = mm_xrealloc(l->v, *cap * sizeof(mm_answer));
    }
    l->v[l->n++] = *a;
}

mm_rc mm_answers_parse_csv(const char *name, const char *text, size_t len, int default_version,
                           mm_answer_list *out, mm_error *err)
{
    mm_csv c;
    int map[MM_CSV_MAX_FIELDS];
    int seen[COL_COUNT] = {0};
    size_t ncols, cap = 0;
    mm_answer a;
    mm_rc rc;

    out->v = NULL;
    out->n = 0;
    memset(&a, 0, sizeof(a));
    mm_csv_init(&c, name, text, len);
    rc = mm_csv_next(&c, err);
    if (rc == MM_ERR_NOTFOUND) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                          "空のファイルです: 見出し行が必要です (empty file: expected a header "
                          "row such as item,answer,checked,target,note)");
        goto out;
    }
    if (rc != MM_OK)
        goto out;
    ncols = c.nfields;
    for (size_t i = 0; i < ncols; i++) {
        int col = find_column(c.fields[i].text);
        if (col < 0) {
            rc = mm_error_set(err, MM_ERR_PARSE, name, c.fields[i].line, c.fields[i].col,
                              "不明な見出し \"%s\" (unknown column \"%s\"; expected version, "
                              "sheet, vendor, item, round, scope, answer, checked, target, "
                              "answerer, note)",
                              c.fields[i].text, c.fields[i].text);
            goto out;
        }
        if (seen[col]) {
            rc =
                mm_error_set(err, MM_ERR_PARSE, name, c.fields[i].line, c.fields[i].col,
                             "見出し \"%s\" が重複しています (duplicate column)", c.fields[i].text);
            goto out;
        }
        seen[col] = 1;
        map[i] = col;
    }
    for (int k = 0; k < COL_COUNT; k++) {
        if (columns[k].required && !seen[k]) {
            rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                              "必須の列 \"%s\" (%s) がありません (missing required column \"%s\")",
                              columns[k].name, columns[k].ja, columns[k].name);
            goto out;
        }
    }
    while ((rc = mm_csv_next(&c, err)) == MM_OK) {
        if (out->n >= MM_ANSWERS_MAX_ROWS) {
            rc = mm_error_set(err, MM_ERR_INVALID, name, c.record_line, 1,
                              "行が多すぎます (more than %d answers)", MM_ANSWERS_MAX_ROWS);
            goto out;
        }
        if (c.nfields != ncols) {
            /* Point at the first field too many, or at the last field of a short row. */
            const mm_csv_field *at = &c.fields[c.nfields > ncols ? ncols : c.nfields - 1];
            rc = mm_error_set(err, MM_ERR_PARSE, name, at->line, at->col,
                              "列の数が見出しと違います (expected %zu fields like the header, "
                              "got %zu)",
                              ncols, c.nfields);
            goto out;
        }
        answer_defaults(&a, default_version);
        a.src_line = c.record_line;
        for (size_t i = 0; i < ncols; i++) {
            mm_error ferr;
            a.src_col[col_field[map[i]]] = c.fields[i].col;
            mm_error_clear(&ferr);
            if (set_field(&a, (col_id)map[i], c.fields[i].text, &ferr) != MM_OK) {
                rc = mm_error_set(err, ferr.rc ? ferr.rc : MM_ERR_INVALID, name, c.fields[i].line,
                                  c.fields[i].col + (ferr.col > 1 ? ferr.col - 1 : 0), "%s",
                                  ferr.msg);
                mm_answer_release(&a);
                goto out;
            }
        }
        list_push(out, &cap, &a);
        memset(&a, 0, sizeof(a));
    }
    if (rc == MM_ERR_NOTFOUND)
        rc = MM_OK;
out:
    mm_csv_release(&c);
    if (rc != MM_OK)
        mm_answer_list_release(out);
    return rc;
}

mm_rc mm_answers_parse_json(const char *name, const char *text, size_t len, int default_version,
                            mm_answer_list *out, mm_error *err)
{
    json_error_t jerr;
    json_t *root = NULL, *arr, *e;
    size_t i, cap = 0;
    mm_answer a;
    mm_rc rc = MM_OK;

    out->v = NULL;
    out->n = 0;
    memset(&a, 0, sizeof(a));
    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return mm_error_set(err, MM_ERR_PARSE, name, jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1,
                            "JSON の構文エラー (JSON syntax error: %s)", jerr.text);
    arr = json_is_object(root) ? json_object_get(root, "answers") : NULL;
    if (!json_is_array(arr)) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                          "{\"answers\": [...]} の形式が必要です (expected an object with an "
                          "\"answers\" array)");
        goto out;
    }
    if (json_array_size(arr) > MM_ANSWERS_MAX_ROWS) {
        rc = mm_error_set(err, MM_ERR_INVALID, name, 1, 1, "行が多すぎます (more than %d answers)",
                          MM_ANSWERS_MAX_ROWS);
        goto out;
    }
    json_array_foreach(arr, i, e)
    {
        mm_jpath path[3] = {{"answers", 0}, {NULL, (long)i}, {NULL, 0}};
        const char *key;
        json_t *val;
        long line, col;
        int seen[COL_COUNT] = {0};

        mm_json_linecol(text, len, path, 2, &line, &col);
        if (!json_is_object(e)) {
            rc = mm_error_set(err, MM_ERR_PARSE, name, line, col,
                              "answers[%zu]: オブジェクトが必要です (expected an object)", i);
            goto out;
        }
        answer_defaults(&a, default_version);
        a.src_line = line;
        json_object_foreach(e, key, val)
        {
            int k = find_column(key);
            char num[32];
            const char *v;
            mm_error ferr;

            path[2].key = key;
            mm_json_linecol(text, len, path, 3, &line, &col);
            if (k < 0) {
                rc = mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                  "answers[%zu]: 不明な項目 \"%s\" (unknown field \"%s\")", i, key,
                                  key);
                goto fail;
            }
            seen[k] = 1;
            a.src_col[col_field[k]] = col;
            if (json_is_string(val)) {
                v = json_string_value(val);
            } else if (json_is_integer(val)) {
                snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(val));
                v = num;
            } else if (json_is_null(val) && !columns[k].required) {
                v = "";
            } else {
                rc = mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                  "answers[%zu].%s: 文字列が必要です (expected a string)", i, key);
                goto fail;
            }
            mm_error_clear(&ferr);
            if (set_field(&a, (col_id)k, v, &ferr) != MM_OK) {
                rc = mm_error_set(err, ferr.rc ? ferr.rc : MM_ERR_INVALID, name, line, col,
                                  "answers[%zu].%s", i, ferr.msg);
                goto fail;
            }
        }
        for (int k = 0; k < COL_COUNT; k++) {
            if (columns[k].required && !seen[k]) {
                mm_json_linecol(text, len, path, 2, &line, &col);
                rc = mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                  "answers[%zu]: 必須の項目 \"%s\" がありません (missing required "
                                  "field \"%s\")",
                                  i, columns[k].name, columns[k].name);
                goto fail;
            }
        }
        list_push(out, &cap, &a);
        memset(&a, 0, sizeof(a));
    }
    goto out;
fail:
    mm_answer_release(&a);
out:
    json_decref(root);
    if (rc != MM_OK)
        mm_answer_list_release(out);
    return rc;
}

mm_rc mm_answers_validate_all(const mm_catalog *cat, const char *name, mm_answer_list *l,
                              mm_error *err)
{
    for (size_t i = 0; i < l->n; i++) {
        mm_error verr;
        mm_error_clear(&verr);
        if (mm_answer_validate(cat, &l->v[i], &verr) != MM_OK) {
            const mm_answer *a = &l->v[i];
            long col = a->src_col[a->bad_field];
            /* An unknown item or vendor is wrong input in this file. */
            return mm_error_set(err, verr.rc == MM_ERR_NOTFOUND ? MM_ERR_INVALID : verr.rc, name,
                                a->src_line, col > 0 ? col : 1, "%s", verr.msg);
        }
    }
    return MM_OK;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

mm_rc mm_answers_import_file(mm_store *st, const mm_catalog *cat, const char *path,
                             const char *actor, int dry_run, size_t *count, mm_error *err)
{
    char *raw = NULL, *text = NULL;
    size_t rawlen = 0, len = 0;
    mm_answer_list l = {0};
    int version = mm_catalog_latest(cat, MM_SHEET_HOSPITAL);
    mm_rc rc;

    *count = 0;
    if ((rc = mm_file_read(path, MM_ANSWERS_MAX_BYTES, &raw, &rawlen, err)) != MM_OK)
        goto out;
    if (ends_with(path, ".json")) {
        rc = mm_text_to_utf8(raw, rawlen, MM_ENC_UTF8, &text, &len, err);
        if (rc == MM_OK)
            rc = mm_answers_parse_json(path, text, len, version, &l, err);
    } else if (ends_with(path, ".csv")) {
        rc = mm_text_to_utf8(raw, rawlen, mm_text_detect(raw, rawlen), &text, &len, err);
        if (rc == MM_OK)
            rc = mm_answers_parse_csv(path, text, len, version, &l, err);
    } else {
        rc = mm_error_set(err, MM_ERR_USAGE, path, 0, 0,
                          "拡張子は .csv か .json です (expected a .csv or .json file)");
        goto out;
    }
    if (rc != MM_OK) {
        if (err && !err->file[0])
            mm_strlcpy(err->file, path, sizeof(err->file));
        goto out;
    }
    if ((rc = mm_answers_validate_all(cat, path, &l, err)) != MM_OK)
        goto out;
    if (dry_run) {
        *count = l.n;
        goto out;
    }
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < l.n && rc == MM_OK; i++) {
        mm_error rerr;
        mm_error_clear(&rerr);
        rc = mm_answer_record_in_tx(st, cat, &l.v[i], actor, &rerr);
        if (rc != MM_OK)
            mm_error_set(err, rc, path, l.v[i].src_line, 1, "%s", rerr.msg);
    }
    if (rc == MM_OK) {
        char after[128];
        snprintf(after, sizeof(after), "{\"answers\":%zu}", l.n);
        rc = mm_audit_append(st, actor, "answers.import", "import", NULL, after, NULL, err);
    }
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
    if (rc == MM_OK)
        *count = l.n;
out:
    mm_answer_list_release(&l);
    free(raw);
    free(text);
    return rc;
}

mm_rc mm_answers_export(mm_store *st, int version, mm_export_format fmt, int history, mm_buf *out,
                        mm_error *err)
{
    static const mm_sheet_kind sheets[] = {MM_SHEET_HOSPITAL, MM_SHEET_VENDOR};
    mm_rc rc = MM_OK;
    int first = 1;

    if (fmt == MM_EXPORT_CSV) {
        mm_buf_adds(out, "\xEF\xBB\xBF");
        for (int k = 0; k < COL_COUNT; k++)
            mm_buf_addf(out, "%s%s", k ? "," : "", columns[k].name);
        mm_buf_adds(out, "\r\n");
    } else {
        mm_buf_addf(out, "{\"version\":%d,\"answers\":[", version);
    }
    for (size_t s = 0; s < MM_ARRAY_LEN(sheets) && rc == MM_OK; s++) {
        mm_answer_list l = {0};
        rc = history ? mm_answers_history(st, version, sheets[s], NULL, NULL, &l, err)
                     : mm_answers_current(st, version, sheets[s], NULL, &l, err);
        for (size_t i = 0; rc == MM_OK && i < l.n; i++) {
            const mm_answer *a = &l.v[i];
            char checked[11], target[11] = "";
            mm_date_iso(&a->checked, checked);
            if (a->has_target)
                mm_date_iso(&a->target, target);
            if (fmt == MM_EXPORT_CSV) {
                mm_buf_addf(out, "%d,%s,", a->version, mm_sheet_name(a->sheet));
                mm_buf_add_csv(out, a->vendor);
                mm_buf_addc(out, ',');
                mm_buf_add_csv(out, a->item_id);
                mm_buf_addf(out, ",%d,%s,%s,%s,%s,", a->round, mm_scope_name(a->scope),
                            mm_answer_value_name(a->value), checked, target);
                mm_buf_add_csv(out, a->answerer);
                mm_buf_addc(out, ',');
                mm_buf_add_csv(out, a->note ? a->note : "");
                mm_buf_adds(out, "\r\n");
            } else {
                mm_buf_addf(out,
                            "%s\n {\"version\":%d,\"sheet\":\"%s\",\"vendor\":", first ? "" : ",",
                            a->version, mm_sheet_name(a->sheet));
                mm_buf_add_json_str(out, a->vendor);
                mm_buf_adds(out, ",\"item\":");
                mm_buf_add_json_str(out, a->item_id);
                mm_buf_addf(
                    out, ",\"round\":%d,\"scope\":\"%s\",\"answer\":\"%s\",\"checked\":\"%s\"",
                    a->round, mm_scope_name(a->scope), mm_answer_value_name(a->value), checked);
                if (a->has_target)
                    mm_buf_addf(out, ",\"target\":\"%s\"", target);
                mm_buf_adds(out, ",\"answerer\":");
                mm_buf_add_json_str(out, a->answerer);
                mm_buf_adds(out, ",\"note\":");
                mm_buf_add_json_str(out, a->note ? a->note : "");
                mm_buf_addc(out, '}');
                first = 0;
            }
        }
        mm_answer_list_release(&l);
    }
    if (fmt == MM_EXPORT_JSON)
        mm_buf_adds(out, "\n]}\n");
    return rc;
}

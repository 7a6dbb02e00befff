/*
 * The importer engine's reading half: CSV and JSON evidence files into validated rows of
 * canonical values (mm_import_set), with a position for every value so any error — now or
 * when the rows are stored — names file, line and column. Storing is in import_store.c, the
 * value types in import_values.c, the kinds in import_kinds.c.
 */
#include <jansson.h>
#include <strings.h>

#include "csv.h"
#include "importer_int.h"
#include "jsonpos.h"
#include "text.h"

int mm_import_field_index(const mm_import_kind *k, const char *name)
{
    for (size_t i = 0; i < k->nfields; i++)
        if (strcmp(k->fields[i].name, name) == 0)
            return (int)i;
    return -1;
}

const mm_import_kind *mm_import_kind_find(const char *name)
{
    for (size_t i = 0; i < mm_import_kinds_len; i++)
        if (mm_streq(mm_import_kinds[i]->name, name))
            return mm_import_kinds[i];
    return NULL;
}

void mm_import_set_release(mm_import_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        for (size_t f = 0; s->kind && f < s->kind->nfields; f++)
            free(s->rows[i].v[f].s);
        free(s->rows[i].v);
    }
    free(s->rows);
    free(s->name);
    memset(s, 0, sizeof(*s));
}

/* The field a header or JSON key names: the English name, or one of the '|'-separated
 * Japanese aliases. -1 when none. */
static int find_field(const mm_import_kind *k, const char *h)
{
    for (size_t i = 0; i < k->nfields; i++) {
        const char *p = k->fields[i].ja;
        size_t hl = strlen(h);
        if (strcasecmp(h, k->fields[i].name) == 0)
            return (int)i;
        while (p && *p) {
            const char *e = strchr(p, '|');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (n == hl && strncasecmp(p, h, n) == 0)
                return (int)i;
            p += n + (e ? 1 : 0);
        }
    }
    return -1;
}

/* "kind, name, host, …": the column names of a kind, for messages. */
static void column_names(const mm_import_kind *k, char *out, size_t outsz)
{
    mm_buf b;
    mm_buf_init(&b, outsz > 0 ? outsz - 1 : 0);
    for (size_t i = 0; i < k->nfields; i++)
        mm_buf_addf(&b, "%s%s", i ? ", " : "", k->fields[i].name);
    mm_strlcpy(out, mm_buf_str(&b), outsz);
    mm_buf_release(&b);
}

static mm_import_row *row_new(mm_import_set *s, long line)
{
    mm_import_row *r;

    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->rows = mm_xrealloc(s->rows, s->cap * sizeof(*s->rows));
    }
    r = &s->rows[s->n++];
    r->line = line;
    r->v = mm_xcalloc(s->kind->nfields, sizeof(*r->v));
    return r;
}

/* Sets field fi of row r from raw text whose first character sits at line:col. */
static mm_rc set_value(mm_import_set *s, mm_import_row *r, int fi, const char *raw, long line,
                       long col, mm_error *err)
{
    const mm_import_field *f = &s->kind->fields[fi];
    char *v = mm_xstrdup(raw);
    long lead = mm_import_trim(v);
    mm_error ferr;
    mm_rc rc = MM_OK;

    free(r->v[fi].s);
    r->v[fi].s = NULL;
    r->v[fi].line = line;
    r->v[fi].col = col + lead;
    if (v[0]) {
        rc = mm_import_convert(f, v, &r->v[fi].s, &ferr);
        if (rc != MM_OK)
            mm_error_set(err, rc, s->name, line, col + lead + (ferr.col > 1 ? ferr.col - 1 : 0),
                         "%s", ferr.msg);
    }
    free(v);
    return rc;
}

/* Per-row checks once every present field is set: envelope defaults, required fields,
 * defaults, date order. row_col is where the row starts. */
static mm_rc finish_row(mm_import_set *s, mm_import_row *r, long row_col, const char *env_host,
                        const char *env_taken, mm_error *err)
{
    const mm_import_kind *k = s->kind;
    const struct {
        const char *field;
        const char *value;
    } env[] = {{"host", env_host}, {"taken", env_taken}};
    mm_rc rc;

    for (size_t e = 0; e < MM_ARRAY_LEN(env); e++) {
        int fi = mm_import_field_index(k, env[e].field);
        if (fi >= 0 && env[e].value && !r->v[fi].s) {
            if ((rc = set_value(s, r, fi, env[e].value, r->line, row_col, err)) != MM_OK)
                return rc;
        }
    }
    for (size_t i = 0; i < k->nfields; i++) {
        const mm_import_field *f = &k->fields[i];
        mm_import_value *v = &r->v[i];
        if (!v->line) {
            v->line = r->line;
            v->col = row_col;
        }
        if (!v->s && (f->flags & MM_F_REQUIRED))
            return mm_error_set(err, MM_ERR_INVALID, s->name, v->line, v->col,
                                "%s: 必須です (expected a value: the %s column is required)",
                                f->name, f->name);
        if (!v->s && f->dflt) {
            mm_error ferr;
            if ((rc = mm_import_convert(f, f->dflt, &v->s, &ferr)) != MM_OK)
                return mm_error_set(err, rc, s->name, v->line, v->col, "internal: %s", ferr.msg);
        }
    }
    for (size_t i = 0; i < k->nfields; i++) {
        const mm_import_field *f = &k->fields[i];
        int o = f->not_before ? mm_import_field_index(k, f->not_before) : -1;
        if (o >= 0 && r->v[i].s && r->v[o].s && strcmp(r->v[i].s, r->v[o].s) < 0)
            return mm_error_set(err, MM_ERR_INVALID, s->name, r->v[i].line, r->v[i].col,
                                "%s: %s (%s) より前の日付です (expected a date on or after %s "
                                "%s, got %s)",
                                f->name, f->not_before, r->v[o].s, f->not_before, r->v[o].s,
                                r->v[i].s);
    }
    return MM_OK;
}

static mm_rc too_many(mm_import_set *s, long line, mm_error *err)
{
    return mm_error_set(err, MM_ERR_INVALID, s->name, line, 1,
                        "行が多すぎます (more than %d rows in one file)", MM_IMPORT_MAX_ROWS);
}

static mm_rc parse_csv(mm_import_set *s, const char *text, size_t len, mm_error *err)
{
    const mm_import_kind *k = s->kind;
    mm_csv c;
    int map[MM_CSV_MAX_FIELDS];
    int *seen = mm_xcalloc(k->nfields, sizeof(int));
    char names[1024];
    size_t ncols;
    mm_rc rc;

    mm_csv_init(&c, s->name, text, len);
    column_names(k, names, sizeof(names));
    rc = mm_csv_next(&c, err);
    if (rc == MM_ERR_NOTFOUND) {
        rc = mm_error_set(err, MM_ERR_PARSE, s->name, 1, 1,
                          "空のファイルです: 見出し行が必要です (empty file: expected a header "
                          "row with %s)",
                          names);
        goto out;
    }
    if (rc != MM_OK)
        goto out;
    ncols = c.nfields;
    for (size_t i = 0; i < ncols; i++) {
        char *h = mm_xstrdup(c.fields[i].text);
        int fi;
        mm_import_trim(h);
        fi = h[0] ? find_field(k, h) : -2;
        if (fi == -1) {
            rc = mm_error_set(err, MM_ERR_PARSE, s->name, c.fields[i].line, c.fields[i].col,
                              "不明な見出し \"%s\" (unknown column \"%s\" for %s; expected %s)", h,
                              h, k->name, names);
            free(h);
            goto out;
        }
        free(h);
        if (fi >= 0 && seen[fi]) {
            rc = mm_error_set(err, MM_ERR_PARSE, s->name, c.fields[i].line, c.fields[i].col,
                              "見出し \"%s\" が重複しています (duplicate column %s)",
                              c.fields[i].text, k->fields[fi].name);
            goto out;
        }
        if (fi >= 0)
            seen[fi] = 1;
        map[i] = fi; /* -2: a column without a header, ignored */
    }
    for (size_t f = 0; f < k->nfields; f++) {
        if ((k->fields[f].flags & MM_F_REQUIRED) && !seen[f]) {
            rc = mm_error_set(err, MM_ERR_PARSE, s->name, 1, 1,
                              "必須の列 \"%s\" がありません (missing required column \"%s\")",
                              k->fields[f].name, k->fields[f].name);
            goto out;
        }
    }
    while ((rc = mm_csv_next(&c, err)) == MM_OK) {
        mm_import_row *r;
        if (s->n >= MM_IMPORT_MAX_ROWS) {
            rc = too_many(s, c.record_line, err);
            goto out;
        }
        if (c.nfields != ncols) {
            rc =
                mm_error_set(err, MM_ERR_PARSE, s->name, c.record_line, c.fields[c.nfields - 1].col,
                             "列の数が見出しと違います (expected %zu fields like the header, "
                             "got %zu)",
                             ncols, c.nfields);
            goto out;
        }
        r = row_new(s, c.record_line);
        for (size_t i = 0; i < ncols; i++) {
            if (map[i] < 0)
                continue;
            rc = set_value(s, r, map[i], c.fields[i].text, c.fields[i].line, c.fields[i].col, err);
            if (rc != MM_OK)
                goto out;
        }
        if ((rc = finish_row(s, r, 1, NULL, NULL, err)) != MM_OK)
            goto out;
    }
    if (rc == MM_ERR_NOTFOUND)
        rc = MM_OK;
out:
    free(seen);
    mm_csv_release(&c);
    return rc;
}

/* Skips one JSON value in text that jansson already accepted; returns the offset of the ','
 * or closing bracket that follows it at the same depth. */
static size_t skip_json_value(const char *s, size_t len, size_t i)
{
    int depth = 0;

    while (i < len) {
        char ch = s[i];
        if (ch == '"') {
            i++;
            while (i < len && s[i] != '"')
                i += s[i] == '\\' ? 2 : 1;
            i++;
        } else if (ch == '{' || ch == '[') {
            depth++;
            i++;
        } else if (ch == '}' || ch == ']') {
            if (depth == 0)
                return i;
            depth--;
            i++;
        } else if (ch == ',' && depth == 0) {
            return i;
        } else {
            i++;
        }
    }
    return len;
}

/* Running line/column over text, advanced to increasing offsets (one pass for all rows). */
typedef struct linepos {
    size_t off;
    long line, col;
} linepos;

static void linepos_advance(linepos *lp, const char *s, size_t to)
{
    for (; lp->off < to; lp->off++) {
        if (s[lp->off] == '\n') {
            lp->line++;
            lp->col = 1;
        } else if (((unsigned char)s[lp->off] & 0xC0) != 0x80) {
            lp->col++;
        }
    }
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The text of a JSON scalar for a field: strings as is, integers and booleans spelled out,
 * null as "". NULL for other types. */
static const char *json_scalar(json_t *v, char *num, size_t numsz)
{
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(num, numsz, "%lld", (long long)json_integer_value(v));
        return num;
    }
    if (json_is_true(v))
        return "true";
    if (json_is_false(v))
        return "false";
    if (json_is_null(v))
        return "";
    return NULL;
}

static mm_rc parse_json(mm_import_set *s, const char *text, size_t len, mm_error *err)
{
    const mm_import_kind *k = s->kind;
    json_error_t jerr;
    json_t *root, *arr = NULL, *e;
    const char *env_host = NULL, *env_taken = NULL, *wrapper = NULL;
    mm_jpath path[3];
    size_t np = 0, i, arr_off = 0, pos;
    linepos lp = {0, 1, 1};
    mm_rc rc = MM_OK;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return mm_error_set(err, MM_ERR_PARSE, s->name, jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1,
                            "JSON の構文エラー (JSON syntax error: %s)", jerr.text);
    if (json_is_array(root)) {
        arr = root;
    } else if (json_is_object(root)) {
        json_t *coll = json_object_get(root, "mamori_collector");
        if (coll) {
            json_t *ver = json_object_get(root, "version"), *h = json_object_get(root, "host"),
                   *t = json_object_get(root, "taken");
            if (!json_is_string(coll) || !json_is_integer(ver) || json_integer_value(ver) != 1 ||
                (h && !json_is_string(h)) || (t && !json_is_string(t))) {
                mm_jpath vp = {"version", 0};
                long line, col;
                mm_json_linecol(text, len, &vp, 1, &line, &col);
                rc = mm_error_set(err, MM_ERR_PARSE, s->name, line, col,
                                  "収集スクリプトの形式が違います (expected a collector envelope "
                                  "with \"version\": 1 and string \"host\" and \"taken\")");
                goto out;
            }
            env_host = h ? json_string_value(h) : NULL;
            env_taken = t ? json_string_value(t) : NULL;
        }
        if (json_object_get(root, "rows"))
            wrapper = "rows";
        else if (k->feed_key && json_object_get(root, k->feed_key))
            wrapper = k->feed_key;
        if (wrapper)
            arr = json_object_get(root, wrapper);
    }
    if (!json_is_array(arr)) {
        rc = mm_error_set(err, MM_ERR_PARSE, s->name, 1, 1,
                          "行の配列が必要です (expected an array of rows, {\"rows\": [...]}%s%s%s "
                          "or a collector envelope)",
                          k->feed_key ? ", {\"" : "", k->feed_key ? k->feed_key : "",
                          k->feed_key ? "\": [...]}" : "");
        goto out;
    }
    if (json_array_size(arr) > MM_IMPORT_MAX_ROWS) {
        rc = too_many(s, 1, err);
        goto out;
    }
    if (wrapper) {
        path[np].key = wrapper;
        path[np].index = 0;
        np++;
    }
    mm_json_locate(text, len, path, np, &arr_off);
    pos = arr_off + 1; /* after '[' */
    json_array_foreach(arr, i, e)
    {
        const char *key;
        json_t *val;
        mm_import_row *r;
        long row_line, row_col;

        while (pos < len && is_ws(text[pos]))
            pos++;
        linepos_advance(&lp, text, pos);
        row_line = lp.line;
        row_col = lp.col;
        pos = skip_json_value(text, len, pos);
        if (pos < len && text[pos] == ',')
            pos++;
        if (!json_is_object(e)) {
            rc = mm_error_set(err, MM_ERR_PARSE, s->name, row_line, row_col,
                              "rows[%zu]: オブジェクトが必要です (expected an object)", i);
            goto out;
        }
        r = row_new(s, row_line);
        path[np].key = NULL;
        path[np].index = (long)i;
        json_object_foreach(e, key, val)
        {
            int fi = find_field(k, key);
            char num[32], names[1024];
            const char *v;
            long line, col;

            if (fi >= 0 && strcmp(key, k->fields[fi].name) != 0)
                fi = -1; /* JSON keys are the English names only */
            path[np + 1].key = key;
            path[np + 1].index = 0;
            v = fi >= 0 ? json_scalar(val, num, sizeof(num)) : NULL;
            if (!v) {
                mm_json_linecol(text, len, path, np + 2, &line, &col);
                column_names(k, names, sizeof(names));
                if (fi < 0)
                    rc = mm_error_set(err, MM_ERR_PARSE, s->name, line, col,
                                      "不明な項目 \"%s\" (unknown field \"%s\" for %s; expected "
                                      "%s)",
                                      key, key, k->name, names);
                else
                    rc = mm_error_set(err, MM_ERR_PARSE, s->name, line, col,
                                      "%s: 文字列・数値・真偽値が必要です (expected a string, "
                                      "integer, boolean or null)",
                                      key);
                goto out;
            }
            /* Positions of values are looked up only when one is wrong (error path). */
            rc = set_value(s, r, fi, v, row_line, row_col, err);
            if (rc != MM_OK) {
                long inner = err->col - row_col;
                mm_json_linecol(text, len, path, np + 2, &line, &col);
                err->line = line;
                err->col = col + (json_is_string(val) ? 1 : 0) + inner;
                goto out;
            }
        }
        if ((rc = finish_row(s, r, row_col, env_host, env_taken, err)) != MM_OK) {
            /* A required field that is present but empty: point at it. */
            int fi = -1;
            for (size_t f = 0; f < k->nfields && fi < 0; f++)
                if (strncmp(err->msg, k->fields[f].name, strlen(k->fields[f].name)) == 0 &&
                    err->msg[strlen(k->fields[f].name)] == ':' &&
                    json_object_get(e, k->fields[f].name))
                    fi = (int)f;
            if (fi >= 0) {
                long line, col;
                path[np + 1].key = k->fields[fi].name;
                mm_json_linecol(text, len, path, np + 2, &line, &col);
                err->line = line;
                err->col = col;
            }
            goto out;
        }
    }
out:
    json_decref(root);
    return rc;
}

/* Two rows with the same natural key in one file. */
typedef struct keyref {
    char *key;
    size_t row;
} keyref;

static int keyref_cmp(const void *a, const void *b)
{
    const keyref *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c != 0)
        return c;
    return (x->row > y->row) - (x->row < y->row);
}

static mm_rc check_duplicates(mm_import_set *s, mm_error *err)
{
    const mm_import_kind *k = s->kind;
    keyref *refs;
    mm_rc rc = MM_OK;

    if (s->n < 2)
        return MM_OK;
    refs = mm_xcalloc(s->n, sizeof(*refs));
    for (size_t i = 0; i < s->n; i++) {
        mm_buf b;
        mm_buf_init(&b, 0);
        for (size_t f = 0; f < k->nfields; f++) {
            if (!(k->fields[f].flags & MM_F_KEY))
                continue;
            mm_buf_adds(&b, s->rows[i].v[f].s ? s->rows[i].v[f].s : "");
            mm_buf_addc(&b, '\x1f');
        }
        refs[i].key = mm_buf_detach(&b, NULL);
        refs[i].row = i;
    }
    qsort(refs, s->n, sizeof(*refs), keyref_cmp);
    for (size_t i = 1; i < s->n; i++) {
        if (strcmp(refs[i].key, refs[i - 1].key) == 0) {
            const mm_import_row *first = &s->rows[refs[i - 1].row], *again = &s->rows[refs[i].row];
            mm_buf names;
            mm_buf_init(&names, 0);
            for (size_t f = 0; f < k->nfields; f++)
                if (k->fields[f].flags & MM_F_KEY)
                    mm_buf_addf(&names, "%s%s=%s", names.len ? ", " : "", k->fields[f].name,
                                again->v[f].s ? again->v[f].s : "");
            rc = mm_error_set(err, MM_ERR_INVALID, s->name, again->line, 1,
                              "%d 行目と同じキーです (duplicate row: %s is already on line %ld)",
                              (int)first->line, mm_buf_str(&names), first->line);
            mm_buf_release(&names);
            break;
        }
    }
    for (size_t i = 0; i < s->n; i++)
        free(refs[i].key);
    free(refs);
    return rc;
}

mm_rc mm_import_parse(const mm_import_kind *k, const char *name, const char *data, size_t len,
                      mm_import_set *out, mm_error *err)
{
    char *text = NULL;
    size_t tlen = 0, i = 0;
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    out->kind = k;
    out->name = mm_xstrdup(name ? name : "");
    rc = mm_text_to_utf8(data, len, mm_text_detect(data, len), &text, &tlen, err);
    if (rc != MM_OK) {
        mm_strlcpy(err->file, out->name, sizeof(err->file));
        goto out;
    }
    while (i < tlen && is_ws(text[i]))
        i++;
    if (i < tlen && (text[i] == '[' || text[i] == '{'))
        rc = parse_json(out, text, tlen, err);
    else
        rc = parse_csv(out, text, tlen, err);
    if (rc == MM_OK)
        rc = check_duplicates(out, err);
out:
    free(text);
    return rc;
}

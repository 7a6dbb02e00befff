/*
 * Parsers for service lists: the CSV that Windows PowerShell 5.1 writes with `Get-Service |
 * Select-Object … | Export-Csv` (any of its encodings), `systemctl list-units` and
 * `list-unit-files` (plain text or --output=json), and the collectors' JSON envelope. Each
 * normalises to the vocabulary in services.h and reports errors as file:line:column.
 */
#include <ctype.h>
#include <jansson.h>
#include <strings.h>

#include "csv.h"
#include "jsonpos.h"
#include "services_int.h"
#include "text.h"

/* ---- lists ------------------------------------------------------------------------------ */

void mm_service_list_release(mm_service_list *l)
{
    free(l->v);
    l->v = NULL;
    l->n = l->cap = 0;
}

mm_rc mm_service_list_push(mm_service_list *l, const mm_service *s)
{
    if (l->n >= MM_SERVICES_MAX_ROWS)
        return MM_ERR_INVALID;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = mm_xrealloc(l->v, l->cap * sizeof(mm_service));
    }
    l->v[l->n++] = *s;
    return MM_OK;
}

static int svc_cmp(const void *a, const void *b)
{
    return strcmp(((const mm_service *)a)->name, ((const mm_service *)b)->name);
}

void mm_service_list_sort(mm_service_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(mm_service), svc_cmp);
}

void mm_services_parsed_release(mm_services_parsed *p)
{
    mm_service_list_release(&p->list);
}

const char *mm_svc_format_name(mm_svc_format f)
{
    switch (f) {
    case MM_SVC_FMT_CSV: return "Get-Service CSV";
    case MM_SVC_FMT_UNITS: return "systemctl list-units";
    case MM_SVC_FMT_UNIT_FILES: return "systemctl list-unit-files";
    case MM_SVC_FMT_SYSTEMD_JSON: return "systemctl --output=json";
    case MM_SVC_FMT_COLLECTOR: return "Mamori collector JSON";
    }
    return "?";
}

/* ---- vocabulary ------------------------------------------------------------------------- */

/* word → canonical. English words compare case-insensitively. */
static const struct {
    const char *word, *canon;
} status_words[] = {
    {"Running", "Running"},
    {"Stopped", "Stopped"},
    {"StartPending", "StartPending"},
    {"StopPending", "StopPending"},
    {"ContinuePending", "ContinuePending"},
    {"PausePending", "PausePending"},
    {"Paused", "Paused"},
    {"Exited", "Exited"},
    {"Failed", "Failed"},
    {"Unknown", "Unknown"},
    /* Win32_Service.State */
    {"Start Pending", "StartPending"},
    {"Stop Pending", "StopPending"},
    {"Continue Pending", "ContinuePending"},
    {"Pause Pending", "PausePending"},
    /* ServiceControllerStatus as numbers (ConvertTo-Json in Windows PowerShell 5.1) */
    {"1", "Stopped"},
    {"2", "StartPending"},
    {"3", "StopPending"},
    {"4", "Running"},
    {"5", "ContinuePending"},
    {"6", "PausePending"},
    {"7", "Paused"},
    /* localised tools (services.msc export, some asset-management products) */
    {"実行中", "Running"},
    {"停止", "Stopped"},
    {"停止済み", "Stopped"},
    {"開始中", "StartPending"},
    {"開始待ち", "StartPending"},
    {"停止中", "StopPending"},
    {"停止待ち", "StopPending"},
    {"一時停止", "Paused"},
    {"一時停止中", "Paused"},
};

static const struct {
    const char *word, *canon;
} start_words[] = {
    {"Automatic", "Automatic"},
    {"AutomaticDelayedStart", "AutomaticDelayedStart"},
    {"Manual", "Manual"},
    {"Disabled", "Disabled"},
    {"Boot", "Boot"},
    {"System", "System"},
    {"Static", "Static"},
    /* Win32_Service.StartMode */
    {"Auto", "Automatic"},
    /* ServiceStartMode as numbers */
    {"0", "Boot"},
    {"1", "System"},
    {"2", "Automatic"},
    {"3", "Manual"},
    {"4", "Disabled"},
    /* localised */
    {"自動", "Automatic"},
    {"自動 (遅延開始)", "AutomaticDelayedStart"},
    {"自動（遅延開始）", "AutomaticDelayedStart"},
    {"自動 (遅延開始、トリガー開始)", "AutomaticDelayedStart"},
    {"自動 (トリガー開始)", "Automatic"},
    {"手動", "Manual"},
    {"手動 (トリガー開始)", "Manual"},
    {"手動（トリガー開始）", "Manual"},
    {"無効", "Disabled"},
};

static const struct {
    const char *word, *ja;
} word_ja[] = {
    {"Running", "実行中"},
    {"Stopped", "停止"},
    {"StartPending", "開始中"},
    {"StopPending", "停止中"},
    {"ContinuePending", "再開中"},
    {"PausePending", "一時停止中"},
    {"Paused", "一時停止"},
    {"Exited", "完了"},
    {"Failed", "失敗"},
    {"Unknown", "不明"},
    {"Automatic", "自動"},
    {"AutomaticDelayedStart", "自動 (遅延開始)"},
    {"Manual", "手動"},
    {"Disabled", "無効"},
    {"Boot", "ブート"},
    {"System", "システム"},
    {"Static", "静的"},
};

const char *mm_service_status_norm(const char *s)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(status_words); i++)
        if (strcasecmp(s, status_words[i].word) == 0)
            return status_words[i].canon;
    return NULL;
}

const char *mm_service_start_norm(const char *s)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(start_words); i++)
        if (strcasecmp(s, start_words[i].word) == 0)
            return start_words[i].canon;
    return NULL;
}

const char *mm_service_word_ja(const char *word)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(word_ja); i++)
        if (strcmp(word, word_ja[i].word) == 0)
            return word_ja[i].ja;
    return word;
}

int mm_service_is_running(const mm_service *s)
{
    static const char *const running[] = {"Running", "StartPending", "ContinuePending",
                                          "PausePending", "Paused"};
    for (size_t i = 0; i < MM_ARRAY_LEN(running); i++)
        if (strcmp(s->status, running[i]) == 0)
            return 1;
    return 0;
}

/* ---- decoding --------------------------------------------------------------------------- */

static void linecol_utf8(const char *s, size_t len, long *line, long *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

static mm_rc decode_utf16(const char *name, const unsigned char *p, size_t len, int be, char **text,
                          size_t *tlen, mm_error *err)
{
    char *out = mm_xmalloc(len / 2 * 3 + 4);
    size_t o = 0, i = 0;
    long line, col;

    while (i + 1 < len) {
        uint32_t u = be ? (uint32_t)(p[i] << 8 | p[i + 1]) : (uint32_t)(p[i + 1] << 8 | p[i]);
        uint32_t cp = u;
        char enc[5];
        size_t k;
        if (u >= 0xD800 && u <= 0xDBFF) {
            uint32_t lo = 0;
            if (i + 3 < len)
                lo = be ? (uint32_t)(p[i + 2] << 8 | p[i + 3])
                        : (uint32_t)(p[i + 3] << 8 | p[i + 2]);
            if (lo < 0xDC00 || lo > 0xDFFF)
                goto bad;
            cp = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            i += 2;
        } else if (u >= 0xDC00 && u <= 0xDFFF) {
            goto bad;
        }
        i += 2;
        if (cp == 0) {
            linecol_utf8(out, o, &line, &col);
            free(out);
            return mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                "NUL 文字があります (NUL character in the text)");
        }
        mm_utf8_put(cp, enc);
        for (k = 0; enc[k]; k++)
            out[o++] = enc[k];
    }
    if (i != len) {
        linecol_utf8(out, o, &line, &col);
        free(out);
        return mm_error_set(err, MM_ERR_PARSE, name, line, col,
                            "UTF-16 のバイト数が奇数です (UTF-16 text with an odd number of "
                            "bytes; the file is cut off)");
    }
    out[o] = '\0';
    *text = out;
    *tlen = o;
    return MM_OK;
bad:
    linecol_utf8(out, o, &line, &col);
    free(out);
    return mm_error_set(err, MM_ERR_PARSE, name, line, col,
                        "UTF-16 として不正なサロゲートです (invalid UTF-16 surrogate)");
}

mm_rc mm_svc_decode(const char *name, const char *data, size_t len, char **text, size_t *tlen,
                    const char **enc, mm_error *err)
{
    const unsigned char *u = (const unsigned char *)data;
    mm_encoding e;
    mm_rc rc;

    *text = NULL;
    *tlen = 0;
    if (len >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        *enc = "UTF-16LE";
        return decode_utf16(name, u + 2, len - 2, 0, text, tlen, err);
    }
    if (len >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        *enc = "UTF-16BE";
        return decode_utf16(name, u + 2, len - 2, 1, text, tlen, err);
    }
    if (len >= 4 && len % 2 == 0 && u[0] != 0 && u[1] == 0 && u[2] != 0 && u[3] == 0) {
        *enc = "UTF-16LE";
        return decode_utf16(name, u, len, 0, text, tlen, err);
    }
    if (len >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        *enc = "UTF-8 (BOM)";
        e = MM_ENC_UTF8;
    } else {
        e = mm_text_detect(data, len);
        *enc = e == MM_ENC_UTF8 ? "UTF-8" : "CP932";
    }
    rc = mm_text_to_utf8(data, len, e, text, tlen, err);
    if (rc != MM_OK) {
        mm_strlcpy(err->file, name, sizeof(err->file));
        return rc;
    }
    for (size_t i = 0; i < *tlen; i++) {
        if ((*text)[i] == '\0') {
            long line, col;
            linecol_utf8(*text, i, &line, &col);
            free(*text);
            *text = NULL;
            return mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                "NUL 文字があります (NUL character in the text; is this a "
                                "binary file?)");
        }
    }
    return MM_OK;
}

/* ---- shared row helpers ------------------------------------------------------------------ */

static mm_rc set_str(char *dst, size_t dstsz, const char *v, const char *name, long line, long col,
                     const char *what, mm_error *err)
{
    if (strlen(v) >= dstsz)
        return mm_error_set(err, MM_ERR_INVALID, name, line, col,
                            "%s が長すぎます (%s longer than %zu bytes)", what, what, dstsz - 1);
    mm_strlcpy(dst, v, dstsz);
    return MM_OK;
}

static void count_q(mm_services_parsed *out, const char *display)
{
    if (strchr(display, '?'))
        out->questionmarks++;
}

/* Adds a service, rejecting a second one with the same key. */
static mm_rc add_service(mm_services_parsed *out, const mm_service *s, const char *name, long line,
                         long col, mm_error *err)
{
    for (size_t i = 0; i < out->list.n; i++) {
        if (strcmp(out->list.v[i].name, s->name) == 0)
            return mm_error_set(
                err, MM_ERR_INVALID, name, line, col,
                "サービス \"%s\" が %ld 行目と重複しています%s (duplicate service \"%s\", first "
                "on line %ld%s)",
                s->name, out->list.v[i].line,
                out->keyed_by_display
                    ? "。Name 列のない一覧で表示名が重複しています。Select-Object に Name を加え、"
                      "-Encoding UTF8 で書き出してください"
                    : "",
                s->name, out->list.v[i].line,
                out->keyed_by_display ? "; the list has no Name column and two display names "
                                        "are equal: add Name to Select-Object and export with "
                                        "-Encoding UTF8"
                                      : "");
    }
    if (mm_service_list_push(&out->list, s) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, name, line, col,
                            "サービスが多すぎます (more than %d services)", MM_SERVICES_MAX_ROWS);
    return MM_OK;
}

/* ---- CSV ---------------------------------------------------------------------------------- */

enum { CSV_NAME, CSV_DISPLAY, CSV_STATUS, CSV_START, CSV_NCOLS };

static const struct {
    const char *header;
    int col;
    int ja; /* a localised header: an empty status means Stopped (services.msc) */
} csv_headers[] = {
    {"Name", CSV_NAME, 0},
    {"ServiceName", CSV_NAME, 0},
    {"サービス名", CSV_NAME, 1},
    {"DisplayName", CSV_DISPLAY, 0},
    {"Caption", CSV_DISPLAY, 0},
    {"表示名", CSV_DISPLAY, 1},
    {"名前", CSV_DISPLAY, 1},
    {"Status", CSV_STATUS, 0},
    {"State", CSV_STATUS, 0},
    {"状態", CSV_STATUS, 1},
    {"StartType", CSV_START, 0},
    {"StartMode", CSV_START, 0},
    {"スタートアップの種類", CSV_START, 1},
};

static void trim_inplace(char *s)
{
    size_t n = strlen(s), a = 0;
    while (a < n && (s[a] == ' ' || s[a] == '\t'))
        a++;
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

static mm_rc parse_csv(const char *name, const char *text, size_t len, mm_services_parsed *out,
                       mm_error *err)
{
    mm_csv c;
    int idx[CSV_NCOLS] = {-1, -1, -1, -1};
    int ja = 0;
    size_t ncols;
    mm_rc rc;

    out->format = MM_SVC_FMT_CSV;
    out->source = "windows";
    mm_csv_init(&c, name, text, len);
    rc = mm_csv_next(&c, err);
    if (rc == MM_OK && c.nfields == 1 && strncmp(c.fields[0].text, "#TYPE", 5) == 0)
        rc = mm_csv_next(&c, err);
    if (rc == MM_ERR_NOTFOUND) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, c.line, 1,
                          "見出し行がありません (expected a header row such as "
                          "\"Name\",\"DisplayName\",\"Status\",\"StartType\")");
        goto out;
    }
    if (rc != MM_OK)
        goto out;
    ncols = c.nfields;
    for (size_t i = 0; i < ncols; i++) {
        char h[256];
        mm_strlcpy(h, c.fields[i].text, sizeof(h));
        trim_inplace(h);
        for (size_t k = 0; k < MM_ARRAY_LEN(csv_headers); k++) {
            if (strcasecmp(h, csv_headers[k].header) == 0) {
                int col = csv_headers[k].col;
                if (idx[col] >= 0) {
                    rc = mm_error_set(err, MM_ERR_PARSE, name, c.fields[i].line, c.fields[i].col,
                                      "列 \"%s\" が重複しています (duplicate column \"%s\")", h, h);
                    goto out;
                }
                idx[col] = (int)i;
                ja |= csv_headers[k].ja;
            }
        }
    }
    if ((idx[CSV_NAME] < 0 && idx[CSV_DISPLAY] < 0) || idx[CSV_STATUS] < 0) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, c.record_line, 1,
                          "Name か DisplayName の列と Status の列が必要です (expected the columns "
                          "Name or DisplayName, and Status, as `Get-Service | Select-Object "
                          "Name, DisplayName, Status, StartType | Export-Csv` writes)");
        goto out;
    }
    out->keyed_by_display = idx[CSV_NAME] < 0;
    for (;;) {
        mm_service s;
        const mm_csv_field *f;
        const char *w;
        char v[1024];

        rc = mm_csv_next(&c, err);
        if (rc == MM_ERR_NOTFOUND) {
            rc = MM_OK;
            break;
        }
        if (rc != MM_OK)
            goto out;
        if (c.nfields != ncols) {
            rc = mm_error_set(err, MM_ERR_PARSE, name, c.record_line, 1,
                              "列の数が見出しと違います (expected %zu fields as in the header, "
                              "found %zu)",
                              ncols, c.nfields);
            goto out;
        }
        memset(&s, 0, sizeof(s));
        s.line = c.record_line;
        if (idx[CSV_DISPLAY] >= 0) {
            f = &c.fields[idx[CSV_DISPLAY]];
            if ((rc = set_str(s.display_name, sizeof(s.display_name), f->text, name, f->line,
                              f->col, "DisplayName", err)) != MM_OK)
                goto out;
            count_q(out, s.display_name);
        }
        f = &c.fields[idx[CSV_NAME] >= 0 ? idx[CSV_NAME] : idx[CSV_DISPLAY]];
        if ((rc = set_str(s.name, sizeof(s.name), f->text, name, f->line, f->col,
                          idx[CSV_NAME] >= 0 ? "Name" : "DisplayName", err)) != MM_OK)
            goto out;
        trim_inplace(s.name);
        if (!s.name[0]) {
            rc = mm_error_set(err, MM_ERR_INVALID, name, f->line, f->col,
                              "%s が空です (expected a service name)",
                              idx[CSV_NAME] >= 0 ? "Name" : "DisplayName");
            goto out;
        }
        f = &c.fields[idx[CSV_STATUS]];
        mm_strlcpy(v, f->text, sizeof(v));
        trim_inplace(v);
        w = v[0] ? mm_service_status_norm(v) : (ja ? "Stopped" : NULL);
        if (!w) {
            rc = mm_error_set(err, MM_ERR_INVALID, name, f->line, f->col,
                              "Status \"%s\" は不明です (expected Running, Stopped, StartPending, "
                              "StopPending, ContinuePending, PausePending or Paused, or "
                              "実行中/停止)",
                              v);
            goto out;
        }
        mm_strlcpy(s.status, w, sizeof(s.status));
        if (idx[CSV_START] >= 0) {
            f = &c.fields[idx[CSV_START]];
            mm_strlcpy(v, f->text, sizeof(v));
            trim_inplace(v);
            w = v[0] ? mm_service_start_norm(v) : "";
            if (!w) {
                rc = mm_error_set(err, MM_ERR_INVALID, name, f->line, f->col,
                                  "StartType \"%s\" は不明です (expected Automatic, Manual, "
                                  "Disabled, Boot or System, or 自動/手動/無効)",
                                  v);
                goto out;
            }
            mm_strlcpy(s.start_type, w, sizeof(s.start_type));
        }
        f = &c.fields[idx[CSV_NAME] >= 0 ? idx[CSV_NAME] : idx[CSV_DISPLAY]];
        if ((rc = add_service(out, &s, name, f->line, f->col, err)) != MM_OK)
            goto out;
    }
out:
    mm_csv_release(&c);
    return rc;
}

/* ---- systemd ------------------------------------------------------------------------------ */

enum {
    ROW_OK = 0,
    ROW_SKIP = 1,
    ROW_BAD_UNIT = -1,
    ROW_BAD_LOAD = -2,
    ROW_BAD_ACTIVE = -3,
    ROW_BAD_STATE = -4
};

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int is_unit_name(const char *u)
{
    return strchr(u, '.') != NULL && u[0] != '.' && !strchr(u, '/');
}

/* One `list-units` row → service. */
static int units_row(const char *unit, const char *load, const char *active, const char *sub,
                     const char *desc, mm_service *s)
{
    static const char *const loads[] = {"loaded",      "not-found", "masked", "error",
                                        "bad-setting", "stub",      "merged"};
    size_t i;

    memset(s, 0, sizeof(*s));
    if (!is_unit_name(unit))
        return ROW_BAD_UNIT;
    for (i = 0; i < MM_ARRAY_LEN(loads); i++)
        if (strcmp(load, loads[i]) == 0)
            break;
    if (i == MM_ARRAY_LEN(loads))
        return ROW_BAD_LOAD;
    if (strcmp(active, "active") == 0)
        mm_strlcpy(s->status, strcmp(sub, "exited") == 0 ? "Exited" : "Running", sizeof(s->status));
    else if (strcmp(active, "reloading") == 0 || strcmp(active, "refreshing") == 0)
        mm_strlcpy(s->status, "Running", sizeof(s->status));
    else if (strcmp(active, "inactive") == 0 || strcmp(active, "maintenance") == 0)
        mm_strlcpy(s->status, "Stopped", sizeof(s->status));
    else if (strcmp(active, "failed") == 0)
        mm_strlcpy(s->status, "Failed", sizeof(s->status));
    else if (strcmp(active, "activating") == 0)
        mm_strlcpy(s->status, "StartPending", sizeof(s->status));
    else if (strcmp(active, "deactivating") == 0)
        mm_strlcpy(s->status, "StopPending", sizeof(s->status));
    else
        return ROW_BAD_ACTIVE;
    /* Only services; a unit that is referenced but not installed is no service of this host. */
    if (!ends_with(unit, ".service") || strcmp(load, "not-found") == 0)
        return ROW_SKIP;
    if (strcmp(load, "masked") == 0)
        mm_strlcpy(s->start_type, "Disabled", sizeof(s->start_type));
    if (strlen(unit) >= sizeof(s->name))
        return ROW_BAD_UNIT;
    mm_strlcpy(s->name, unit, sizeof(s->name));
    mm_strlcpy(s->display_name, desc, sizeof(s->display_name));
    return ROW_OK;
}

/* One `list-unit-files` row → service (status Unknown until merged with list-units). */
static int unit_files_row(const char *unit, const char *state, mm_service *s)
{
    static const struct {
        const char *state, *start;
    } states[] = {
        {"enabled", "Automatic"}, {"enabled-runtime", "Automatic"}, {"generated", "Automatic"},
        {"linked", "Manual"},     {"linked-runtime", "Manual"},     {"indirect", "Manual"},
        {"disabled", "Manual"},   {"transient", "Manual"},          {"static", "Static"},
        {"masked", "Disabled"},   {"masked-runtime", "Disabled"},   {"bad", ""},
        {"alias", NULL},
    };
    size_t i;

    memset(s, 0, sizeof(*s));
    if (!is_unit_name(unit) || strlen(unit) >= sizeof(s->name))
        return ROW_BAD_UNIT;
    for (i = 0; i < MM_ARRAY_LEN(states); i++)
        if (strcmp(state, states[i].state) == 0)
            break;
    if (i == MM_ARRAY_LEN(states))
        return ROW_BAD_STATE;
    /* Aliases name another unit; templates (foo@.service) are not services until instanced. */
    if (!states[i].start || !ends_with(unit, ".service") || strstr(unit, "@.service"))
        return ROW_SKIP;
    mm_strlcpy(s->name, unit, sizeof(s->name));
    mm_strlcpy(s->status, "Unknown", sizeof(s->status));
    mm_strlcpy(s->start_type, states[i].start, sizeof(s->start_type));
    return ROW_OK;
}

typedef struct tok {
    const char *p;
    size_t len;
    long col;
} tok;

/* Splits line into up to max whitespace-separated tokens; the last token takes the rest of
 * the line (trailing spaces trimmed). Columns are in characters. */
static size_t split(const char *line, size_t len, tok *t, size_t max, long col0)
{
    size_t i = 0, n = 0;
    long col = col0;

    while (n < max) {
        while (i < len && (line[i] == ' ' || line[i] == '\t')) {
            i++;
            col++;
        }
        if (i >= len)
            break;
        t[n].p = line + i;
        t[n].col = col;
        if (n + 1 == max) {
            size_t e = len;
            while (e > i && (line[e - 1] == ' ' || line[e - 1] == '\t'))
                e--;
            t[n].len = e - i;
            n++;
            break;
        }
        while (i < len && line[i] != ' ' && line[i] != '\t') {
            if (((unsigned char)line[i] & 0xC0) != 0x80)
                col++;
            i++;
        }
        t[n].len = (size_t)(line + i - t[n].p);
        n++;
    }
    return n;
}

static int tok_is(const tok *t, const char *s)
{
    return t->len == strlen(s) && memcmp(t->p, s, t->len) == 0;
}

static void tok_copy(const tok *t, char *out, size_t outsz)
{
    size_t n = t->len < outsz - 1 ? t->len : outsz - 1;
    memcpy(out, t->p, n);
    out[n] = '\0';
}

static int starts_with(const char *s, size_t len, const char *prefix)
{
    size_t m = strlen(prefix);
    return len >= m && memcmp(s, prefix, m) == 0;
}

/* Lines systemctl prints around the table. */
static int is_legend(const char *s, size_t len)
{
    static const char *const prefixes[] = {
        "LOAD ", "ACTIVE ", "SUB ", "Legend:", "To show all", "Pass --all", "UNIT "};
    size_t i = 0;

    for (size_t k = 0; k < MM_ARRAY_LEN(prefixes); k++)
        if (starts_with(s, len, prefixes[k]))
            return 1;
    while (i < len && isdigit((unsigned char)s[i]))
        i++;
    return i > 0 && (starts_with(s + i, len - i, " loaded units listed") ||
                     starts_with(s + i, len - i, " unit files listed"));
}

/* Which systemctl table a data line belongs to, by its second column. */
static mm_svc_format guess_line(const char *line, size_t len)
{
    static const char *const loads[] = {"loaded",      "not-found", "masked", "error",
                                        "bad-setting", "stub",      "merged"};
    static const char *const states[] = {
        "enabled",  "enabled-runtime", "generated", "linked", "linked-runtime", "indirect",
        "disabled", "transient",       "static",    "masked", "masked-runtime", "bad",
        "alias"};
    tok t[3];
    size_t off = 0, n;

    if (starts_with(line, len, "\xE2\x97\x8F ") || starts_with(line, len, "* "))
        off = line[0] == '*' ? 2 : 4;
    n = split(line + off, len - off, t, 3, 1);
    if (n < 2 || t[0].len >= 600)
        return 0;
    {
        char unit[600];
        tok_copy(&t[0], unit, sizeof(unit));
        if (!is_unit_name(unit))
            return 0;
    }
    for (size_t i = 0; i < MM_ARRAY_LEN(loads); i++)
        if (tok_is(&t[1], loads[i]) && n == 3)
            return MM_SVC_FMT_UNITS;
    for (size_t i = 0; i < MM_ARRAY_LEN(states); i++)
        if (tok_is(&t[1], states[i]))
            return MM_SVC_FMT_UNIT_FILES;
    return 0;
}

static mm_rc parse_systemctl(const char *name, const char *text, size_t len, mm_svc_format fmt,
                             mm_services_parsed *out, mm_error *err)
{
    size_t pos = 0;
    long lineno = 0;
    mm_rc rc = MM_OK;

    out->format = fmt;
    out->source = "systemd";
    while (pos < len && rc == MM_OK) {
        const char *line = text + pos;
        size_t n = 0, off = 0;
        long col0 = 1;
        mm_service s;
        tok t[5];
        size_t nt;
        int r;
        char unit[600], a[64], b[64], c2[64];

        while (pos + n < len && text[pos + n] != '\n')
            n++;
        pos += n + (pos + n < len);
        lineno++;
        if (n > MM_SERVICES_MAX_LINE)
            return mm_error_set(err, MM_ERR_PARSE, name, lineno, 1,
                                "行が長すぎます (line longer than %d bytes)", MM_SERVICES_MAX_LINE);
        while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' '))
            n--;
        /* systemd indents every row by two columns for the failed-unit marker. */
        while (off < n && line[off] == ' ') {
            off++;
            col0++;
        }
        if (off == n || is_legend(line + off, n - off))
            continue;
        if (starts_with(line + off, n - off, "\xE2\x97\x8F ")) {
            off += 4;
            col0 += 2;
        } else if (starts_with(line + off, n - off, "* ")) {
            off += 2;
            col0 += 2;
        }
        if (fmt == MM_SVC_FMT_UNITS) {
            nt = split(line + off, n - off, t, 5, col0);
            if (nt < 4) {
                return mm_error_set(err, MM_ERR_PARSE, name, lineno,
                                    nt ? t[nt - 1].col + (long)t[nt - 1].len : col0,
                                    "systemctl list-units の行は UNIT LOAD ACTIVE SUB DESCRIPTION "
                                    "です (expected the columns UNIT LOAD ACTIVE SUB "
                                    "DESCRIPTION)");
            }
            if (t[0].len >= sizeof(unit) || t[1].len >= sizeof(a) || t[2].len >= sizeof(b) ||
                t[3].len >= sizeof(c2))
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, col0,
                                    "列が長すぎます (a column is too long)");
            tok_copy(&t[0], unit, sizeof(unit));
            tok_copy(&t[1], a, sizeof(a));
            tok_copy(&t[2], b, sizeof(b));
            tok_copy(&t[3], c2, sizeof(c2));
            {
                char desc[1024] = "";
                if (nt == 5)
                    tok_copy(&t[4], desc, sizeof(desc));
                r = units_row(unit, a, b, c2, desc, &s);
            }
            if (r == ROW_BAD_UNIT)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, t[0].col,
                                    "ユニット名ではありません: \"%s\" (expected a unit name such "
                                    "as ssh.service)",
                                    unit);
            if (r == ROW_BAD_LOAD)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, t[1].col,
                                    "LOAD \"%s\" は不明です (expected loaded, not-found, masked, "
                                    "error or bad-setting)",
                                    a);
            if (r == ROW_BAD_ACTIVE)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, t[2].col,
                                    "ACTIVE \"%s\" は不明です (expected active, inactive, failed, "
                                    "activating, deactivating or reloading)",
                                    b);
            if (r == ROW_SKIP)
                continue;
            s.line = lineno;
            rc = add_service(out, &s, name, lineno, t[0].col, err);
        } else {
            nt = split(line + off, n - off, t, 3, col0);
            if (nt < 2)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno,
                                    nt ? t[0].col + (long)t[0].len : col0,
                                    "systemctl list-unit-files の行は UNIT STATE [PRESET] です "
                                    "(expected the columns UNIT FILE, STATE and PRESET)");
            if (t[0].len >= sizeof(unit) || t[1].len >= sizeof(a))
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, col0,
                                    "列が長すぎます (a column is too long)");
            tok_copy(&t[0], unit, sizeof(unit));
            tok_copy(&t[1], a, sizeof(a));
            r = unit_files_row(unit, a, &s);
            if (r == ROW_BAD_UNIT)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, t[0].col,
                                    "ユニット名ではありません: \"%s\" (expected a unit file name "
                                    "such as ssh.service)",
                                    unit);
            if (r == ROW_BAD_STATE)
                return mm_error_set(err, MM_ERR_PARSE, name, lineno, t[1].col,
                                    "STATE \"%s\" は不明です (expected enabled, disabled, static, "
                                    "masked, indirect, generated, alias, …)",
                                    a);
            if (r == ROW_SKIP)
                continue;
            s.line = lineno;
            rc = add_service(out, &s, name, lineno, t[0].col, err);
        }
    }
    return rc;
}

/* ---- JSON --------------------------------------------------------------------------------- */

static mm_rc json_err(const char *name, const char *text, size_t len, const mm_jpath *path,
                      size_t n, mm_rc rc, mm_error *err, const char *fmt, ...)
    __attribute__((format(printf, 8, 9)));

static mm_rc json_err(const char *name, const char *text, size_t len, const mm_jpath *path,
                      size_t n, mm_rc rc, mm_error *err, const char *fmt, ...)
{
    long line = 1, col = 1;
    char msg[1024];
    va_list ap;

    mm_json_linecol(text, len, path, n, &line, &col);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return mm_error_set(err, rc, name, line, col, "%s", msg);
}

/* A JSON string or integer member as text; NULL when absent or null. *bad when another type. */
static const char *member_text(json_t *o, const char *key, char *buf, size_t bufsz, int *bad)
{
    json_t *v = json_object_get(o, key);

    *bad = 0;
    if (!v || json_is_null(v))
        return NULL;
    if (json_is_string(v))
        return json_string_value(v);
    if (json_is_integer(v)) {
        snprintf(buf, bufsz, "%lld", (long long)json_integer_value(v));
        return buf;
    }
    *bad = 1;
    return NULL;
}

static mm_rc parse_collector_rows(const char *name, const char *text, size_t len, json_t *rows,
                                  mm_services_parsed *out, mm_error *err)
{
    size_t i;
    json_t *row;

    json_array_foreach(rows, i, row)
    {
        mm_jpath p[3] = {{"rows", 0}, {NULL, (long)i}, {NULL, 0}};
        mm_service s;
        const char *v, *w;
        char nb[32];
        int bad;
        long line, col;
        mm_rc rc;

        memset(&s, 0, sizeof(s));
        if (!json_is_object(row))
            return json_err(name, text, len, p, 2, MM_ERR_PARSE, err,
                            "rows[%zu]: オブジェクトが必要です (expected an object with name, "
                            "display_name, status, start_type)",
                            i);
        mm_json_linecol(text, len, p, 2, &line, &col);
        s.line = line;
        p[2].key = "name";
        v = member_text(row, "name", nb, sizeof(nb), &bad);
        if (!v || bad || !v[0] || strlen(v) >= sizeof(s.name))
            return json_err(name, text, len, p, 3, MM_ERR_INVALID, err,
                            "rows[%zu].name: サービス名（文字列、%zu バイト未満）が必要です "
                            "(expected a non-empty string of fewer than %zu bytes)",
                            i, sizeof(s.name), sizeof(s.name));
        mm_strlcpy(s.name, v, sizeof(s.name));
        p[2].key = "display_name";
        v = member_text(row, "display_name", nb, sizeof(nb), &bad);
        if (bad || (v && strlen(v) >= sizeof(s.display_name)))
            return json_err(name, text, len, p, 3, MM_ERR_INVALID, err,
                            "rows[%zu].display_name: 文字列が必要です (expected a string of "
                            "fewer than %zu bytes)",
                            i, sizeof(s.display_name));
        if (v) {
            mm_strlcpy(s.display_name, v, sizeof(s.display_name));
            count_q(out, s.display_name);
        }
        p[2].key = "status";
        v = member_text(row, "status", nb, sizeof(nb), &bad);
        w = v ? mm_service_status_norm(v) : NULL;
        if (!w)
            return json_err(name, text, len, p, 3, MM_ERR_INVALID, err,
                            "rows[%zu].status: \"%s\" は不明です (expected Running, Stopped, "
                            "StartPending, StopPending, Paused, Exited, Failed, …)",
                            i, v ? v : "");
        mm_strlcpy(s.status, w, sizeof(s.status));
        p[2].key = "start_type";
        v = member_text(row, "start_type", nb, sizeof(nb), &bad);
        w = v ? (v[0] ? mm_service_start_norm(v) : "") : "";
        if (bad || !w)
            return json_err(name, text, len, p, 3, MM_ERR_INVALID, err,
                            "rows[%zu].start_type: \"%s\" は不明です (expected Automatic, "
                            "AutomaticDelayedStart, Manual, Disabled, Boot, System, Static or "
                            "\"\")",
                            i, v ? v : "");
        mm_strlcpy(s.start_type, w, sizeof(s.start_type));
        p[2].key = "name";
        mm_json_linecol(text, len, p, 3, &line, &col);
        if ((rc = add_service(out, &s, name, line, col, err)) != MM_OK)
            return rc;
    }
    return MM_OK;
}

static mm_rc parse_systemd_json(const char *name, const char *text, size_t len, json_t *arr,
                                mm_services_parsed *out, mm_error *err)
{
    size_t i;
    json_t *row;

    out->format = MM_SVC_FMT_SYSTEMD_JSON;
    out->source = "systemd";
    json_array_foreach(arr, i, row)
    {
        mm_jpath p[2] = {{NULL, (long)i}, {NULL, 0}};
        mm_service s;
        const char *unit, *k1;
        int r;
        long line, col;
        mm_rc rc;

        if (!json_is_object(row))
            return json_err(name, text, len, p, 1, MM_ERR_PARSE, err,
                            "[%zu]: オブジェクトが必要です (expected an object as systemctl "
                            "--output=json writes)",
                            i);
        if (json_is_string(json_object_get(row, "unit"))) {
            const char *f[4] = {"load", "active", "sub", "description"};
            const char *v[4];
            for (int k = 0; k < 4; k++) {
                json_t *j = json_object_get(row, f[k]);
                v[k] = json_is_string(j) ? json_string_value(j) : "";
            }
            unit = json_string_value(json_object_get(row, "unit"));
            k1 = "unit";
            r = units_row(unit, v[0], v[1], v[2], v[3], &s);
            if (r == ROW_BAD_LOAD)
                k1 = "load";
            else if (r == ROW_BAD_ACTIVE)
                k1 = "active";
        } else if (json_is_string(json_object_get(row, "unit_file"))) {
            json_t *j = json_object_get(row, "state");
            unit = json_string_value(json_object_get(row, "unit_file"));
            k1 = "unit_file";
            r = unit_files_row(unit, json_is_string(j) ? json_string_value(j) : "", &s);
            if (r == ROW_BAD_STATE)
                k1 = "state";
        } else {
            return json_err(name, text, len, p, 1, MM_ERR_PARSE, err,
                            "[%zu]: \"unit\" か \"unit_file\" が必要です (expected a \"unit\" or "
                            "\"unit_file\" member)",
                            i);
        }
        p[1].key = k1;
        if (r < 0)
            return json_err(name, text, len, p, 2, MM_ERR_INVALID, err,
                            "[%zu].%s: 値が不明です (unexpected value; expected what systemctl "
                            "list-units / list-unit-files writes)",
                            i, k1);
        if (r == ROW_SKIP)
            continue;
        p[1].key = json_is_string(json_object_get(row, "unit")) ? "unit" : "unit_file";
        mm_json_linecol(text, len, p, 2, &line, &col);
        s.line = line;
        if ((rc = add_service(out, &s, name, line, col, err)) != MM_OK)
            return rc;
    }
    return MM_OK;
}

static mm_rc parse_json(const char *name, const char *text, size_t len, mm_services_parsed *out,
                        mm_error *err)
{
    json_error_t jerr;
    json_t *root, *v;
    mm_jpath p[1] = {{NULL, 0}};
    mm_rc rc = MM_OK;

    root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return mm_error_set(err, MM_ERR_PARSE, name, jerr.line > 0 ? jerr.line : 1,
                            jerr.column > 0 ? jerr.column : 1,
                            "JSON の構文エラー (JSON syntax error: %s)", jerr.text);
    if (json_is_array(root)) {
        if (json_array_size(root) > MM_SERVICES_MAX_ROWS * 4)
            rc = mm_error_set(err, MM_ERR_INVALID, name, 1, 1, "行が多すぎます (too many rows)");
        else
            rc = parse_systemd_json(name, text, len, root, out, err);
        goto out;
    }
    if (!json_is_object(root)) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                          "収集スクリプトの JSON が必要です (expected a collector envelope "
                          "{\"mamori_collector\": \"services\", …} or systemctl --output=json)");
        goto out;
    }
    out->format = MM_SVC_FMT_COLLECTOR;
    out->source = "collector";
    p[0].key = "mamori_collector";
    v = json_object_get(root, "mamori_collector");
    if (!json_is_string(v)) {
        rc = json_err(name, text, len, p, 1, MM_ERR_PARSE, err,
                      "\"mamori_collector\" がありません (expected the collector envelope "
                      "{\"mamori_collector\": \"services\", \"version\": 1, \"host\": …, "
                      "\"taken\": …, \"rows\": […]})");
        goto out;
    }
    if (strcmp(json_string_value(v), "services") != 0) {
        rc = json_err(name, text, len, p, 1, MM_ERR_INVALID, err,
                      "これは \"%s\" の収集結果です。`mamori import %s` で取り込んでください (this "
                      "is a \"%s\" collector file, not services; import it with `mamori import "
                      "%s`)",
                      json_string_value(v), json_string_value(v), json_string_value(v),
                      json_string_value(v));
        goto out;
    }
    p[0].key = "version";
    v = json_object_get(root, "version");
    if (!json_is_integer(v) || json_integer_value(v) != 1) {
        rc = json_err(name, text, len, p, 1, MM_ERR_INVALID, err,
                      "\"version\" は 1 です (expected \"version\": 1; this Mamori reads version 1 "
                      "of the collector format)");
        goto out;
    }
    p[0].key = "host";
    v = json_object_get(root, "host");
    if (v && !json_is_null(v)) {
        if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(out->host)) {
            rc = json_err(name, text, len, p, 1, MM_ERR_INVALID, err,
                          "\"host\" はホスト名の文字列です (expected the host name as a string)");
            goto out;
        }
        mm_strlcpy(out->host, json_string_value(v), sizeof(out->host));
    }
    p[0].key = "taken";
    v = json_object_get(root, "taken");
    if (v && !json_is_null(v)) {
        mm_date d;
        if (!json_is_string(v) || strlen(json_string_value(v)) >= sizeof(out->taken) ||
            mm_svc_taken_date(json_string_value(v), &d) != MM_OK) {
            rc = json_err(name, text, len, p, 1, MM_ERR_INVALID, err,
                          "\"taken\" は ISO-8601 の日時です (expected an ISO-8601 time such as "
                          "\"2025-11-20T01:30:00Z\")");
            goto out;
        }
        mm_strlcpy(out->taken, json_string_value(v), sizeof(out->taken));
    }
    p[0].key = "rows";
    v = json_object_get(root, "rows");
    if (!json_is_array(v)) {
        rc = json_err(name, text, len, p, 1, MM_ERR_PARSE, err,
                      "\"rows\" の配列が必要です (expected a \"rows\" array)");
        goto out;
    }
    if (json_array_size(v) > MM_SERVICES_MAX_ROWS) {
        rc = json_err(name, text, len, p, 1, MM_ERR_INVALID, err,
                      "行が多すぎます (more than %d rows)", MM_SERVICES_MAX_ROWS);
        goto out;
    }
    rc = parse_collector_rows(name, text, len, v, out, err);
out:
    json_decref(root);
    return rc;
}

/* ---- detection ---------------------------------------------------------------------------- */

mm_rc mm_svc_taken_date(const char *iso, mm_date *out)
{
    char d[11];
    long hh = 0, mi = 0, oh = 0, om = 0, days;
    const char *t;
    int sign = 0;

    if (strlen(iso) < 10)
        return MM_ERR_PARSE;
    memcpy(d, iso, 10);
    d[10] = '\0';
    if (mm_date_parse(d, out, NULL) != MM_OK || d[4] != '-')
        return MM_ERR_PARSE;
    t = iso + 10;
    if (!*t)
        return MM_OK;
    if ((*t != 'T' && *t != ' ') || !isdigit((unsigned char)t[1]) ||
        !isdigit((unsigned char)t[2]) || t[3] != ':' || !isdigit((unsigned char)t[4]) ||
        !isdigit((unsigned char)t[5]))
        return MM_ERR_PARSE;
    hh = (t[1] - '0') * 10 + (t[2] - '0');
    mi = (t[4] - '0') * 10 + (t[5] - '0');
    if (hh > 23 || mi > 59)
        return MM_ERR_PARSE;
    t += 6;
    if (*t == ':') {
        if (!isdigit((unsigned char)t[1]) || !isdigit((unsigned char)t[2]))
            return MM_ERR_PARSE;
        t += 3;
        if (*t == '.') {
            t++;
            if (!isdigit((unsigned char)*t))
                return MM_ERR_PARSE;
            while (isdigit((unsigned char)*t))
                t++;
        }
    }
    if (*t == 'Z' && !t[1]) {
        sign = 0;
    } else if ((*t == '+' || *t == '-') && isdigit((unsigned char)t[1]) &&
               isdigit((unsigned char)t[2]) && t[3] == ':' && isdigit((unsigned char)t[4]) &&
               isdigit((unsigned char)t[5]) && !t[6]) {
        sign = *t == '+' ? 1 : -1;
        oh = (t[1] - '0') * 10 + (t[2] - '0');
        om = (t[4] - '0') * 10 + (t[5] - '0');
    } else {
        return MM_ERR_PARSE;
    }
    /* minutes since midnight UTC, then JST (+9 h) */
    {
        long m = hh * 60 + mi - sign * (oh * 60 + om) + 9 * 60;
        days = mm_date_to_days(out);
        while (m < 0) {
            m += 1440;
            days--;
        }
        days += m / 1440;
        *out = mm_date_from_days(days);
    }
    return MM_OK;
}

mm_rc mm_services_parse(const char *name, const char *data, size_t len, mm_services_parsed *out,
                        mm_error *err)
{
    char *text = NULL;
    size_t tlen = 0, i = 0, n = 0;
    const char *enc = "";
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    if (len > MM_SERVICES_MAX_BYTES)
        return mm_error_set(err, MM_ERR_INVALID, name, 0, 0,
                            "ファイルが大きすぎます (larger than %u bytes)", MM_SERVICES_MAX_BYTES);
    if ((rc = mm_svc_decode(name, data, len, &text, &tlen, &enc, err)) != MM_OK)
        return rc;
    out->encoding = enc;
    while (i < tlen && isspace((unsigned char)text[i]))
        i++;
    if (i == tlen) {
        rc = mm_error_set(err, MM_ERR_PARSE, name, 1, 1,
                          "空のファイルです (empty file: expected a Get-Service CSV, systemctl "
                          "output or collector JSON)");
        goto out;
    }
    if (text[i] == '{' || text[i] == '[') {
        rc = parse_json(name, text, tlen, out, err);
        goto out;
    }
    while (i + n < tlen && text[i + n] != '\n')
        n++;
    {
        const char *l = text + i;
        size_t ln = n;
        tok t[4];
        size_t nt;
        while (ln > 0 && (l[ln - 1] == '\r' || l[ln - 1] == ' '))
            ln--;
        nt = split(l, ln, t, 4, 1);
        if (starts_with(l, ln, "#TYPE") || l[0] == '"' || memchr(l, ',', ln)) {
            rc = parse_csv(name, text, tlen, out, err);
        } else if (nt >= 3 && tok_is(&t[0], "UNIT") && tok_is(&t[1], "FILE")) {
            rc = parse_systemctl(name, text, tlen, MM_SVC_FMT_UNIT_FILES, out, err);
        } else if (nt >= 4 && tok_is(&t[0], "UNIT") && tok_is(&t[1], "LOAD")) {
            rc = parse_systemctl(name, text, tlen, MM_SVC_FMT_UNITS, out, err);
        } else {
            mm_svc_format f = guess_line(l, ln);
            long line, col;
            if (f) {
                rc = parse_systemctl(name, text, tlen, f, out, err);
            } else {
                linecol_utf8(text, i, &line, &col);
                rc = mm_error_set(err, MM_ERR_PARSE, name, line, col,
                                  "サービス一覧の形式が分かりません (expected a Get-Service CSV "
                                  "(\"DisplayName\",\"Status\",\"StartType\"), the output of "
                                  "`systemctl list-units --type=service --all` or "
                                  "`systemctl list-unit-files --type=service`, or collector JSON)");
            }
        }
    }
out:
    free(text);
    return rc;
}

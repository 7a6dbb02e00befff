/*
 * Evidence, reports, users, audit and the route table. Evidence lists are read with one query
 * per kind whose vendor filter (?1) limits a vendor user to its own rows; every column but
 * internal ids is returned, so new columns show up without a change here.
 */
#include <microhttpd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "answer.h"
#include "audit.h"
#include "date.h"
#include "fs.h"
#include "report.h"
#include "web_int.h"

/* Columns never shown. */
static int hidden_column(const char *name)
{
    return strcmp(name, "id") == 0 || strcmp(name, "import_id") == 0 ||
           strcmp(name, "vendor_id") == 0;
}

/* A column filter of the ledger: ?param=value narrows the rows in SQL, so it works for big
 * ledgers. like: substring, case-insensitive for ASCII; eq: the whole value; flag: 0 or 1;
 * older: N days, matching rows whose date column is empty or older than today minus N days. */
typedef enum { F_LIKE, F_EQ, F_FLAG, F_OLDER } filter_type;
typedef struct ledger_filter {
    const char *param;
    const char *expr; /* the SQL expression it tests */
    filter_type type;
    const char *allowed; /* for F_EQ: the accepted values separated by '|', or NULL */
} ledger_filter;

#define MAX_FILTERS 6
static const struct {
    const char *kind;
    const char *select; /* everything up to WHERE */
    const char *scope;  /* ?1: the vendor id the list is limited to, or NULL */
    const char *order;
    ledger_filter filters[MAX_FILTERS];
} evidence_kinds[] = {
    {"assets",
     "SELECT t.*, v.name AS vendor, i.file AS source_file FROM asset t LEFT JOIN vendor v ON "
     "v.id = t.vendor_id LEFT JOIN import i ON i.id = t.import_id",
     "?1 IS NULL OR t.vendor_id = ?1",
     "t.name",
     {{"kind", "t.kind", F_EQ, "server|pc|network|media|iot"},
      {"location", "t.location", F_LIKE, NULL},
      {"owner", "t.owner", F_LIKE, NULL},
      {"department", "t.department", F_LIKE, NULL},
      {"os", "t.os || ' ' || t.os_version", F_LIKE, NULL}}},
    {"systems",
     "SELECT t.*, v.name AS vendor, i.file AS source_file FROM system t LEFT JOIN vendor v ON "
     "v.id = t.vendor_id LEFT JOIN import i ON i.id = t.import_id",
     "?1 IS NULL OR t.vendor_id = ?1",
     "t.name",
     {{"category", "t.category", F_LIKE, NULL}}},
    {"accounts",
     "SELECT t.*, (SELECT v.name FROM system s JOIN vendor v ON v.id = s.vendor_id WHERE s.name "
     "= t.system) AS vendor, i.file AS source_file FROM account t LEFT JOIN import i ON i.id = "
     "t.import_id",
     "?1 IS NULL OR t.system IN (SELECT name FROM system WHERE vendor_id = ?1)",
     "t.system, t.login",
     {{"host", "t.system", F_EQ, NULL},
      {"enabled", "t.enabled", F_FLAG, NULL},
      {"admin", "t.is_admin", F_FLAG, NULL},
      {"shared", "t.shared", F_FLAG, NULL},
      {"role", "t.role", F_LIKE, NULL},
      {"older", "t.last_logon", F_OLDER, NULL}}},
    {"vendors",
     "SELECT t.*, i.file AS source_file FROM vendor t LEFT JOIN import i ON i.id = t.import_id",
     "?1 IS NULL OR t.id = ?1",
     "t.name",
     {{"contact", "t.contact", F_LIKE, NULL}}},
};

#define EVIDENCE_DEFAULT_LIMIT 200
#define EVIDENCE_MAX_LIMIT 5000

/* Query parameters every kind takes besides its filters. */
static int common_param(const char *key)
{
    return strcmp(key, "q") == 0 || strcmp(key, "vendor") == 0 || strcmp(key, "offset") == 0 ||
           strcmp(key, "limit") == 0;
}

typedef struct unknown_param {
    const ledger_filter *filters;
    char name[64]; /* the first parameter no filter takes, "" when none */
} unknown_param;

static enum MHD_Result check_param(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    unknown_param *u = cls;

    (void)kind, (void)value;
    if (u->name[0] || !key[0] || common_param(key))
        return MHD_YES;
    for (int i = 0; i < MAX_FILTERS && u->filters[i].param; i++)
        if (strcmp(key, u->filters[i].param) == 0)
            return MHD_YES;
    /* Echoed in the error: printable ASCII only, so the message stays valid UTF-8. */
    for (size_t i = 0; i + 1 < sizeof(u->name) && key[i]; i++) {
        unsigned char c = (unsigned char)key[i];
        u->name[i] = c > 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '?';
        u->name[i + 1] = '\0';
    }
    if (!u->name[0])
        mm_strlcpy(u->name, "?", sizeof(u->name));
    return MHD_YES;
}

/* value with LIKE's wildcards escaped, between '%'. */
static char *like_pattern(mm_arena *a, const char *value)
{
    size_t n = strlen(value);
    char *p = mm_arena_alloc(a, 2 * n + 3), *q = p;

    *q++ = '%';
    for (size_t i = 0; i < n; i++) {
        if (value[i] == '%' || value[i] == '_' || value[i] == '\\')
            *q++ = '\\';
        *q++ = value[i];
    }
    *q++ = '%';
    *q = '\0';
    return p;
}

/* One filter value checked and turned into a WHERE term and its bound value. */
static int filter_term(mm_req *r, const ledger_filter *f, const char *value, int param_no,
                       mm_buf *where, const char **bound)
{
    long n;

    if (strlen(value) > 255)
        return mm_req_error(r, 400, "invalid", "絞り込みの値が長すぎます (filter value too long)");
    switch (f->type) {
    case F_LIKE:
        mm_buf_addf(where, " AND %s LIKE ?%d ESCAPE '\\'", f->expr, param_no);
        *bound = like_pattern(&r->arena, value);
        break;
    case F_EQ:
        if (f->allowed) {
            size_t len = strlen(value);
            const char *a = f->allowed;
            int ok = 0;
            for (int guard = 0; guard < 32 && *a; guard++) {
                size_t k = strcspn(a, "|");
                if (k == len && strncmp(a, value, k) == 0)
                    ok = 1;
                a += k + (a[k] == '|');
            }
            if (!ok) {
                char msg[512];
                mm_snprintf(msg, sizeof(msg), "%s は %s のどれかです (%s: one of %s)", f->param,
                            f->allowed, f->param, f->allowed);
                return mm_req_error(r, 400, "invalid", msg);
            }
        }
        mm_buf_addf(where, " AND %s = ?%d COLLATE NOCASE", f->expr, param_no);
        *bound = value;
        break;
    case F_FLAG:
        if (strcmp(value, "0") != 0 && strcmp(value, "1") != 0) {
            char msg[256];
            mm_snprintf(msg, sizeof(msg), "%s は 0 か 1 です (%s: 0 or 1)", f->param, f->param);
            return mm_req_error(r, 400, "invalid", msg);
        }
        mm_buf_addf(where, " AND %s = CAST(?%d AS INTEGER)", f->expr, param_no);
        *bound = value;
        break;
    case F_OLDER: {
        mm_date today = mm_date_today(), d;
        char iso[11];
        if (mm_parse_long(value, 0, 36500, &n) != MM_OK) {
            char msg[256];
            mm_snprintf(msg, sizeof(msg), "%s は 0〜36500 の日数です (%s: days, 0-36500)", f->param,
                        f->param);
            return mm_req_error(r, 400, "invalid", msg);
        }
        d = mm_date_from_days(mm_date_to_days(&today) - n);
        mm_date_iso(&d, iso);
        mm_buf_addf(where, " AND (coalesce(%s, '') = '' OR %s < ?%d)", f->expr, f->expr, param_no);
        *bound = mm_arena_strdup(&r->arena, iso);
        break;
    }
    }
    return 0;
}

int mm_api_evidence(mm_req *r)
{
    const char *q = mm_req_query(r, "q"), *vendor = mm_req_query(r, "vendor"),
               *off_s = mm_req_query(r, "offset"), *lim_s = mm_req_query(r, "limit");
    const char *bound[MAX_FILTERS];
    sqlite3_stmt *s = NULL;
    int kind = -1, nbound = 0, step, status;
    long vendor_id = 0, offset = 0, limit = EVIDENCE_DEFAULT_LIMIT;
    size_t total = 0, shown = 0;
    unknown_param unknown;
    mm_error err;
    mm_buf row, sql;

    mm_error_clear(&err);
    for (size_t i = 0; i < MM_ARRAY_LEN(evidence_kinds); i++)
        if (strcmp(r->params[0], evidence_kinds[i].kind) == 0)
            kind = (int)i;
    if (kind < 0)
        return mm_req_error(r, 404, "not_found",
                            "その証拠の種類はありません（assets, accounts, vendors, systems） "
                            "(no such evidence kind)");
    memset(&unknown, 0, sizeof(unknown));
    unknown.filters = evidence_kinds[kind].filters;
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, check_param, &unknown);
    if (unknown.name[0]) {
        {
            char msg[256];
            mm_buf known;
            mm_buf_init(&known, 0);
            for (int i = 0; i < MAX_FILTERS && unknown.filters[i].param; i++)
                mm_buf_addf(&known, "%s%s", i ? ", " : "", unknown.filters[i].param);
            mm_snprintf(msg, sizeof(msg),
                        "この台帳にない絞り込みです: %.60s（使えるもの: q, vendor, offset, limit, "
                        "%s） (no such filter for %s)",
                        unknown.name, mm_buf_str(&known), evidence_kinds[kind].kind);
            mm_buf_release(&known);
            return mm_req_error(r, 400, "invalid", msg);
        }
    }
    if ((off_s && mm_parse_long(off_s, 0, 100000000, &offset) != MM_OK) ||
        (lim_s && mm_parse_long(lim_s, 1, EVIDENCE_MAX_LIMIT, &limit) != MM_OK))
        return mm_req_error(r, 400, "invalid",
                            "offset は 0 以上、limit は 1〜5000 です (offset >= 0, limit 1-5000)");
    /* ?vendor=NAME narrows the list; a vendor user is always narrowed to its own vendor and
     * asking for another one is refused. */
    if (r->user.role == MM_ROLE_VENDOR) {
        if (vendor && *vendor && strcmp(vendor, r->user.vendor) != 0)
            return mm_req_error(r, 403, "forbidden",
                                "他の事業者の情報は表示できません "
                                "(vendors see only their own rows)");
        vendor = r->user.vendor;
    }
    if (vendor && *vendor && (status = mm_req_vendor(r, vendor, &vendor_id)) != 0)
        return status;
    mm_buf_init(&sql, 0);
    mm_buf_init(&row, 0);
    mm_buf_addf(&sql, "%s WHERE (%s)", evidence_kinds[kind].select, evidence_kinds[kind].scope);
    for (int i = 0; i < MAX_FILTERS && evidence_kinds[kind].filters[i].param; i++) {
        const ledger_filter *f = &evidence_kinds[kind].filters[i];
        const char *v = mm_req_query(r, f->param);
        if (!v || !*v)
            continue;
        if ((status = filter_term(r, f, v, nbound + 2, &sql, &bound[nbound])) != 0)
            goto out;
        nbound++;
    }
    mm_buf_addf(&sql, " ORDER BY %s", evidence_kinds[kind].order);
    if (mm_store_prepare(r->web->st, mm_buf_str(&sql), &s, &err) != MM_OK) {
        status = mm_req_fail(r, &err);
        goto out;
    }
    if (vendor_id)
        sqlite3_bind_int64(s, 1, vendor_id);
    for (int i = 0; i < nbound; i++)
        mm_bind_text(s, i + 2, bound[i]);
    mm_buf_addf(&r->out, "{\"kind\":\"%s\",\"rows\":[", r->params[0]);
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int n = sqlite3_column_count(s), first = 1, match = !q || !*q;
        /* The free-text search looks at every text column: checked before the row is built. */
        for (int c = 0; !match && c < n; c++)
            if (sqlite3_column_type(s, c) == SQLITE_TEXT &&
                !hidden_column(sqlite3_column_name(s, c)) && strstr(mm_col_text(s, c), q))
                match = 1;
        if (!match)
            continue;
        total++;
        if (total <= (size_t)offset || shown >= (size_t)limit)
            continue;
        mm_buf_reset(&row);
        mm_buf_addc(&row, '{');
        for (int c = 0; c < n; c++) {
            const char *name = sqlite3_column_name(s, c);
            int type = sqlite3_column_type(s, c);
            if (hidden_column(name))
                continue;
            mm_buf_addf(&row, "%s\"%s\":", first ? "" : ",", name);
            first = 0;
            if (type == SQLITE_NULL)
                mm_buf_adds(&row, "null");
            else if (type == SQLITE_INTEGER)
                mm_buf_addf(&row, "%lld", (long long)sqlite3_column_int64(s, c));
            else
                mm_jstr(&row, mm_col_text(s, c));
        }
        mm_buf_addc(&row, '}');
        mm_buf_adds(&r->out, shown ? ",\n" : "\n");
        mm_buf_add(&r->out, row.data, row.len);
        shown++;
    }
    mm_buf_addf(&r->out,
                "],\"count\":%zu,\"total\":%zu,\"offset\":%ld,\"limit\":%ld,\"truncated\":%s}\n",
                shown, total, offset, limit, (size_t)offset + shown < total ? "true" : "false");
    if (step != SQLITE_ROW && step != SQLITE_DONE) {
        mm_store_error(r->web->st, &err, "listing evidence");
        status = mm_req_fail(r, &err);
        goto out;
    }
    status = 200;
out:
    sqlite3_finalize(s);
    mm_buf_release(&row);
    mm_buf_release(&sql);
    return status;
}

static const struct {
    const char *file;
    mm_report_format format;
    const char *ctype;
} report_files[] = {
    {"checklist.xlsx", MM_REPORT_XLSX,
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"checklist.pdf", MM_REPORT_PDF, "application/pdf"},
    {"checklist.html", MM_REPORT_HTML, "text/html; charset=utf-8"},
    {"checklist.csv", MM_REPORT_CSV, "text/csv; charset=utf-8"},
};

int mm_api_report(mm_req *r)
{
    const char *enc = mm_req_query(r, "encoding"), *vendor = mm_req_query(r, "vendor");
    char dir[] = "/tmp/mamori-report-XXXXXX", path[4096];
    mm_report_opts ro = {MM_REPORT_XLSX, MM_ENC_UTF8};
    mm_report_set *set = NULL;
    char *data = NULL;
    size_t len = 0;
    int found = -1, status = 200;
    mm_error err;

    mm_error_clear(&err);
    for (size_t i = 0; i < MM_ARRAY_LEN(report_files); i++)
        if (strcmp(r->params[0], report_files[i].file) == 0)
            found = (int)i;
    if (found < 0)
        return mm_req_error(r, 404, "not_found",
                            "報告書は checklist.xlsx, .pdf, .html, .csv です (no such report)");
    ro.format = report_files[found].format;
    if (enc && strcmp(enc, "cp932") == 0 && ro.format == MM_REPORT_CSV) {
        ro.encoding = MM_ENC_CP932;
    } else if (enc && strcmp(enc, "utf8") != 0) {
        return mm_req_error(r, 400, "invalid", "encoding は utf8 か cp932 です (bad encoding)");
    }
    /* A vendor user gets only its own 事業者確認用 sheet: the vendor comes from the session;
     * asking for another one is refused rather than quietly ignored. */
    if (r->user.role == MM_ROLE_VENDOR && vendor && *vendor && strcmp(vendor, r->user.vendor) != 0)
        return mm_req_error(r, 403, "forbidden",
                            "自社の事業者確認用シートだけを出力できます "
                            "(vendors download only their own sheet)");
    if (!mkdtemp(dir))
        return mm_req_error(r, 500, "internal", "一時ディレクトリを作れません (no temp dir)");
    if (r->user.role == MM_ROLE_VENDOR)
        err.rc = mm_report_set_build_vendor(r->web->st, r->web->cat, r->web->version,
                                            r->user.vendor, &set, &err);
    else
        err.rc = mm_report_set_build(r->web->st, r->web->cat, r->web->version,
                                     vendor && *vendor ? vendor : NULL, &set, &err);
    if (err.rc == MM_OK && mm_path_join(path, sizeof(path), dir, r->params[0]) != MM_OK)
        mm_error_set(&err, MM_ERR_INVALID, NULL, 0, 0, "temp path too long");
    if (err.rc == MM_OK) {
        pthread_mutex_lock(&r->web->report_lock); /* a job may be writing one too */
        mm_report_write(set, &ro, path, &err);
        pthread_mutex_unlock(&r->web->report_lock);
    }
    if (err.rc != MM_OK || mm_file_read(path, (size_t)256 << 20, &data, &len, &err) != MM_OK) {
        status = mm_req_fail(r, &err);
        goto out;
    }
    mm_buf_reset(&r->out);
    r->out.max = len + 1;
    if (mm_buf_add(&r->out, data, len) != MM_OK) {
        status = mm_req_error(r, 500, "internal", "out of memory");
        goto out;
    }
    r->ctype = report_files[found].ctype;
    mm_snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"",
                r->params[0]);
out:
    unlink(path);
    rmdir(dir);
    free(data);
    mm_report_set_free(&set);
    return status;
}

int mm_api_users(mm_req *r)
{
    mm_web_user *u = NULL;
    size_t n = 0;
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_user_list(r->web->st, &u, &n, &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_buf_adds(&r->out, "{\"users\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            mm_buf_addc(&r->out, ',');
        mm_web_user_json(&r->out, &u[i]);
    }
    mm_buf_adds(&r->out, "]}\n");
    free(u);
    return 200;
}

static int user_with_password(mm_req *r, const char *name, char *pw, int status)
{
    mm_web_user u;
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_user_get(r->web->st, name, &u, &err) != MM_OK) {
        free(pw);
        return mm_req_fail(r, &err);
    }
    mm_buf_adds(&r->out, "{\"user\":");
    mm_web_user_json(&r->out, &u);
    mm_buf_adds(&r->out, ",\"password\":");
    if (pw)
        mm_jstr(&r->out, pw);
    else
        mm_buf_adds(&r->out, "null");
    mm_buf_adds(&r->out, "}\n");
    free(pw);
    return status;
}

int mm_api_user_add(mm_req *r)
{
    const char *name = NULL, *role_s = NULL, *vendor = NULL;
    char *pw = NULL;
    mm_role role;
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_body_str(r->json, "name", 1, 64, &name, &err) != MM_OK ||
        mm_web_body_str(r->json, "role", 1, 16, &role_s, &err) != MM_OK ||
        mm_web_body_str(r->json, "vendor", 0, 255, &vendor, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (mm_role_parse(role_s, &role) != MM_OK)
        return mm_req_error(r, 400, "invalid",
                            "role は admin, assessor, vendor, viewer です (bad role)");
    if (mm_web_user_add(r->web->st, name, role, vendor && *vendor ? vendor : NULL, r->user.name,
                        &pw, &err) != MM_OK)
        return mm_req_fail(r, &err);
    return user_with_password(r, name, pw, 201);
}

int mm_api_user_update(mm_req *r)
{
    json_t *dis = json_object_get(r->json, "disabled"),
           *reset = json_object_get(r->json, "reset_password"),
           *totp = json_object_get(r->json, "reset_totp");
    const char *name = r->params[0];
    char *pw = NULL;
    mm_error err;

    mm_error_clear(&err);
    if ((dis && !json_is_boolean(dis)) || (reset && !json_is_boolean(reset)) ||
        (totp && !json_is_boolean(totp)))
        return mm_req_error(r, 400, "invalid",
                            "disabled, reset_password, reset_totp は true/false です "
                            "(booleans expected)");
    if (strcmp(name, r->user.name) == 0 && dis && json_is_true(dis))
        return mm_req_error(r, 400, "invalid",
                            "自分自身は無効にできません (you cannot disable yourself)");
    if (dis &&
        mm_web_user_set_disabled(r->web->st, name, json_is_true(dis), r->user.name, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (totp && json_is_true(totp) &&
        mm_web_totp_reset(r->web->st, name, r->user.name, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (reset && json_is_true(reset) &&
        mm_web_user_passwd(r->web->st, name, NULL, r->user.name, &pw, &err) != MM_OK)
        return mm_req_fail(r, &err);
    return user_with_password(r, name, pw, 200);
}

int mm_api_audit(mm_req *r)
{
    const char *lim = mm_req_query(r, "limit");
    sqlite3_stmt *s = NULL;
    long limit = 200;
    int step, first = 1;
    mm_error err;

    mm_error_clear(&err);
    if (lim && mm_parse_long(lim, 1, 10000, &limit) != MM_OK)
        return mm_req_error(r, 400, "invalid", "limit は 1〜10000 です (bad limit)");
    if (mm_store_prepare(r->web->st,
                         "SELECT seq, at, actor, action, entity, coalesce(before, ''), "
                         "coalesce(after, '') FROM audit ORDER BY seq DESC LIMIT ?",
                         &s, &err) != MM_OK)
        return mm_req_fail(r, &err);
    sqlite3_bind_int64(s, 1, limit);
    mm_buf_adds(&r->out, "{\"entries\":[");
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        mm_buf_addf(&r->out, "%s\n{\"seq\":%lld,\"at\":", first ? "" : ",",
                    (long long)sqlite3_column_int64(s, 0));
        mm_jstr(&r->out, mm_col_text(s, 1));
        mm_buf_adds(&r->out, ",\"actor\":");
        mm_jstr(&r->out, mm_col_text(s, 2));
        mm_buf_adds(&r->out, ",\"action\":");
        mm_jstr(&r->out, mm_col_text(s, 3));
        mm_buf_adds(&r->out, ",\"entity\":");
        mm_jstr(&r->out, mm_col_text(s, 4));
        mm_buf_adds(&r->out, ",\"before\":");
        mm_jstr(&r->out, mm_col_text(s, 5));
        mm_buf_adds(&r->out, ",\"after\":");
        mm_jstr(&r->out, mm_col_text(s, 6));
        mm_buf_addc(&r->out, '}');
        first = 0;
    }
    sqlite3_finalize(s);
    mm_buf_adds(&r->out, "]}\n");
    if (step != SQLITE_DONE) {
        mm_store_error(r->web->st, &err, "reading the audit trail");
        return mm_req_fail(r, &err);
    }
    return 200;
}

int mm_api_routes(mm_req *r)
{
    mm_web_routes_write(&r->out, 1);
    return 200;
}

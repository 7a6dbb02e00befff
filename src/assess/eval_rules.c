/*
 * The evaluators, one per checklist item where evidence can speak, registered in
 * mm_evaluators at the bottom. Each reads the evidence tables (migration 2) and emits findings
 * with the rows that prove them. A rule that finds no evidence at all emits one "unknown"
 * finding saying what to import, so an empty ledger never looks like a pass.
 */
#include "evaluate.h"
#include "fs.h"
#include "logs.h"
#include "services.h"
#include "version.h"

/* Appends a row reference {"table","id","label","file","line"} to a JSON array in b. */
static void ref_add(mm_buf *b, const char *table, long id, const char *label, const char *file,
                    long line)
{
    mm_buf_adds(b, b->len ? "," : "[");
    mm_buf_addf(b, "{\"table\":\"%s\",\"id\":%ld,\"label\":", table, id);
    mm_buf_add_json_str(b, label);
    if (file && *file) {
        mm_buf_adds(b, ",\"file\":");
        mm_buf_add_json_str(b, file);
        mm_buf_addf(b, ",\"line\":%ld", line);
    }
    mm_buf_addc(b, '}');
}

static const char *ref_close(mm_buf *b)
{
    if (!b->len)
        mm_buf_addc(b, '[');
    mm_buf_addc(b, ']');
    return mm_buf_str(b);
}

/* A single reference as a JSON array. */
static char *one_ref(sqlite3_stmt *s, const char *table, int id_col, int label_col, int file_col,
                     int line_col)
{
    mm_buf b;
    mm_buf_init(&b, 0);
    ref_add(&b, table, (long)sqlite3_column_int64(s, id_col), mm_col_text(s, label_col),
            file_col >= 0 ? mm_col_text(s, file_col) : NULL,
            line_col >= 0 ? (long)sqlite3_column_int64(s, line_col) : 0);
    ref_close(&b);
    return mm_buf_detach(&b, NULL);
}

static long count(mm_eval_ctx *ctx, const char *sql, mm_error *err, mm_rc *rc)
{
    sqlite3_stmt *s = NULL;
    long n = -1;

    *rc = mm_store_prepare(mm_eval_store(ctx), sql, &s, err);
    if (*rc != MM_OK)
        return -1;
    if (sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    else
        *rc = mm_store_error(mm_eval_store(ctx), err, "evaluating");
    sqlite3_finalize(s);
    return n;
}

/* The two message formats are string literals at every call site below, each taking the
 * row's label and detail as two %s. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* Runs a query whose rows are each one failing subject: columns (id, label, file, line,
 * subject, detail[, detail_en]). Emits one fail per row; returns the number of rows in *n.
 * A seventh column is the detail in English, for details our own words make (the first is
 * then the Japanese); without it both languages show the same detail (a name, a date). */
static mm_rc each_row(mm_eval_ctx *ctx, const char *sql, const char *table, const char *ja,
                      const char *en, long *n, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    int rcs;
    mm_rc rc = mm_store_prepare(mm_eval_store(ctx), sql, &s, err);

    *n = 0;
    if (rc != MM_OK)
        return rc;
    if (sqlite3_bind_parameter_count(s) >= 1) {
        char today[11];
        mm_date t = mm_eval_today(ctx);
        mm_date_iso(&t, today);
        mm_bind_text(s, 1, today);
    }
    if (sqlite3_bind_parameter_count(s) >= 2)
        sqlite3_bind_int(s, 2, mm_eval_settings_of(ctx)->unused_account_days);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        char *refs = one_ref(s, table, 0, 1, 2, 3);
        if (sqlite3_column_count(s) >= 7) {
            char tja[1024], ten[1024];
            snprintf(tja, sizeof(tja), ja, mm_col_text(s, 1), mm_col_text(s, 5));
            snprintf(ten, sizeof(ten), en, mm_col_text(s, 1), mm_col_text(s, 6));
            mm_eval_emit(ctx, mm_col_text(s, 4), MM_VERDICT_FAIL, refs, "%s%.0s", "%.0s%s", tja,
                         ten);
        } else {
            mm_eval_emit(ctx, mm_col_text(s, 4), MM_VERDICT_FAIL, refs, ja, en, mm_col_text(s, 1),
                         mm_col_text(s, 5));
        }
        free(refs);
        (*n)++;
    }
    if (rcs != SQLITE_DONE)
        rc = mm_store_error(mm_eval_store(ctx), err, "evaluating");
    sqlite3_finalize(s);
    return rc;
}

/*
 * Most evaluators have one shape: count the evidence the rule needs (none at all is
 * "unknown", saying what to import), emit a failure for every row a query returns, and pass
 * with the count when no query returned a row. Such a rule is a simple_rule, and run_simple
 * carries it out; the formats follow each_row's convention, the pass format takes the count.
 */
typedef struct row_check {
    const char *sql, *table, *ja, *en;
} row_check;

typedef struct simple_rule {
    const char *total_sql;
    const char *none_ja, *none_en;
    row_check checks[2]; /* unused entries have sql NULL */
    const char *pass_ja, *pass_en;
} simple_rule;

static mm_rc run_simple(mm_eval_ctx *ctx, const simple_rule *r, mm_error *err)
{
    mm_rc rc;
    long failed = 0, total = count(ctx, r->total_sql, err, &rc);

    if (rc != MM_OK)
        return rc;
    if (total == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL, "%s%.0s", "%.0s%s", r->none_ja,
                     r->none_en);
        return MM_OK;
    }
    for (size_t i = 0; i < MM_ARRAY_LEN(r->checks) && r->checks[i].sql && rc == MM_OK; i++) {
        long n = 0;
        rc = each_row(ctx, r->checks[i].sql, r->checks[i].table, r->checks[i].ja, r->checks[i].en,
                      &n, err);
        failed += n;
    }
    if (rc == MM_OK && failed == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL, r->pass_ja, r->pass_en, total);
    return rc;
}
#pragma GCC diagnostic pop

/* ---- 2-① the ledger ------------------------------------------------------------------ */

static const simple_rule ledger_rule = {
    "SELECT count(*) FROM asset WHERE retired_on IS NULL",
    "機器台帳が取り込まれていません（mamori import assets）",
    "no asset ledger imported yet (mamori import assets)",
    {{"SELECT a.id, a.name, coalesce(i.file, ''), coalesce(a.source_line, 0), "
      "'asset:' || a.name, trim(CASE WHEN a.location = '' THEN '設置場所 ' ELSE '' "
      "END || CASE WHEN a.department = '' AND a.owner = '' THEN '管理部門/担当者 ' "
      "ELSE '' END || CASE WHEN a.kind IN ('server','pc','network') AND a.os = '' "
      "THEN 'OS/ファームウェア ' ELSE '' END || CASE WHEN a.kind IN "
      "('server','pc','network') AND a.os_version = '' THEN 'バージョン' ELSE '' "
      "END), trim(CASE WHEN a.location = '' THEN 'location ' ELSE '' END || CASE WHEN "
      "a.department = '' AND a.owner = '' THEN 'department/owner ' ELSE '' END || CASE "
      "WHEN a.kind IN ('server','pc','network') AND a.os = '' THEN 'OS/firmware ' ELSE '' "
      "END || CASE WHEN a.kind IN ('server','pc','network') AND a.os_version = '' THEN "
      "'version' ELSE '' END) FROM asset a LEFT JOIN import i ON i.id = a.import_id WHERE "
      "a.retired_on IS NULL AND (a.location = '' OR (a.department = '' AND "
      "a.owner = '') OR (a.kind IN ('server','pc','network') AND (a.os = '' OR "
      "a.os_version = ''))) ORDER BY a.name",
      "asset", "台帳の %s に必須項目がありません: %s", "ledger entry %s lacks required fields: %s"},
     /* Every host seen elsewhere must be in the ledger. */
     {"SELECT 0, h.host, '', 0, 'host:' || h.host, h.seen FROM (SELECT host, "
      "group_concat(DISTINCT src) AS seen FROM (SELECT host, 'software' AS src FROM "
      "software UNION ALL SELECT host, 'media' FROM media_control UNION ALL SELECT host, "
      "'services' FROM service_snapshot UNION ALL SELECT device, 'allowlist' FROM "
      "allowlist) GROUP BY host) h WHERE NOT EXISTS (SELECT 1 FROM asset a WHERE "
      "a.name = h.host COLLATE NOCASE) AND NOT EXISTS (SELECT 1 FROM asset a WHERE a.host "
      "= h.host COLLATE NOCASE) ORDER BY h.host",
      "evidence", "%s は他の証拠（%s）にあるのに機器台帳にありません",
      "%s appears in other evidence (%s) but is not in the asset ledger"}},
    "台帳の %ld 台すべてに必須項目があり、他の証拠に出てくる機器はすべて台帳にあります",
    "all %ld ledger entries are complete and every host seen elsewhere is in the ledger",
};

static mm_rc eval_ledger_complete(mm_eval_ctx *ctx, mm_error *err)
{
    return run_simple(ctx, &ledger_rule, err);
}

/* ---- 2-② remote maintenance, 2-③ MDS/SDS ---------------------------------------------- */

static const simple_rule remote_maintenance_rule = {
    "SELECT count(*) FROM asset WHERE vendor_id IS NOT NULL AND retired_on IS NULL",
    "事業者の機器が台帳にありません（台帳の vendor 欄）",
    "no vendor-maintained devices in the ledger (the vendor column)",
    {{"SELECT a.id, a.name, coalesce(i.file, ''), coalesce(a.source_line, 0), "
      "'asset:' || a.name, v.name FROM asset a JOIN vendor v ON v.id = a.vendor_id "
      "LEFT JOIN import i ON i.id = a.import_id WHERE a.retired_on IS NULL AND "
      "a.remote_maintenance IS NULL ORDER BY a.name",
      "asset", "%s（事業者 %s）のリモートメンテナンス有無が未確認です",
      "remote maintenance of %s (vendor %s) has not been confirmed"}},
    "事業者の機器 %ld 台すべてでリモートメンテナンスの有無を確認済みです",
    "remote maintenance confirmed for all %ld vendor devices",
};

static mm_rc eval_remote_maintenance(mm_eval_ctx *ctx, mm_error *err)
{
    return run_simple(ctx, &remote_maintenance_rule, err);
}

static const simple_rule mds_sds_rule = {
    "SELECT count(*) FROM system WHERE vendor_id IS NOT NULL",
    "事業者の情報システムが登録されていません（mamori import systems）",
    "no vendor information systems imported (mamori import systems)",
    {{"SELECT s.id, s.name, coalesce(i.file, ''), coalesce(s.source_line, 0), "
      "'system:' || s.name, v.name FROM system s JOIN vendor v ON v.id = "
      "s.vendor_id LEFT JOIN import i ON i.id = s.import_id WHERE "
      "s.mds_sds_received_on IS NULL ORDER BY s.name",
      "system", "%s（事業者 %s）の MDS/SDS を受領していません",
      "no MDS/SDS received for %s (vendor %s)"}},
    "事業者の情報システム %ld 件すべての MDS/SDS を受領済みです",
    "MDS/SDS received for all %ld vendor systems",
};

static mm_rc eval_mds_sds(mm_eval_ctx *ctx, mm_error *err)
{
    return run_simple(ctx, &mds_sds_rule, err);
}

/* ---- 2-④ roles and named administrators ------------------------------------------------- */

static mm_rc eval_roles(mm_eval_ctx *ctx, mm_error *err)
{
    mm_rc rc;
    long n, roles = count(ctx, "SELECT count(*) FROM role_access", err, &rc);

    if (rc != MM_OK)
        return rc;
    if (roles == 0)
        mm_eval_emit(ctx, "role-matrix", MM_VERDICT_FAIL, NULL,
                     "職種・担当業務別のアクセス権限表がありません（mamori import roles）%s",
                     "there is no role-to-information-class access matrix (mamori import "
                     "roles)%s",
                     "");
    rc = each_row(ctx,
                  "SELECT a.id, a.system || '/' || a.login, coalesce(i.file, ''), "
                  "coalesce(a.source_line, 0), 'account:' || a.system || '/' || a.login, "
                  "CASE WHEN a.shared THEN '共用アカウント' WHEN a.person_id = '' THEN "
                  "'本人の紐付けなし' ELSE '職員名簿にない ' || a.person_id END, CASE WHEN "
                  "a.shared THEN 'shared account' WHEN a.person_id = '' THEN 'no person "
                  "linked' ELSE 'not in the staff roster: ' || a.person_id END FROM account a "
                  "LEFT JOIN import i ON i.id = a.import_id WHERE a.enabled AND a.is_admin AND "
                  "(a.shared OR a.person_id = '' OR NOT EXISTS (SELECT 1 FROM staff s WHERE "
                  "s.person_id = a.person_id)) ORDER BY 2",
                  "account", "管理者権限のアカウント %s が特定の個人に紐付いていません（%s）",
                  "administrator account %s is not held by a named person (%s)", &n, err);
    if (rc == MM_OK && n == 0 && roles > 0)
        mm_eval_emit(
            ctx, "*", MM_VERDICT_PASS, NULL,
            "アクセス権限表（%ld 行）があり、管理者権限はすべて名前のある個人が持っています",
            "an access matrix (%ld rows) exists and every administrator is a named "
            "person",
            roles);
    return rc;
}

/* ---- 2-⑤ leavers and unused accounts -------------------------------------------------- */

static mm_rc eval_accounts(mm_eval_ctx *ctx, mm_error *err)
{
    mm_rc rc;
    long n1, n2, total = count(ctx, "SELECT count(*) FROM account WHERE enabled", err, &rc);

    if (rc != MM_OK)
        return rc;
    if (total == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "アカウント一覧が取り込まれていません（mamori import accounts）%s",
                     "no account lists imported (mamori import accounts)%s", "");
        return MM_OK;
    }
    rc = each_row(ctx,
                  "SELECT a.id, a.system || '/' || a.login, coalesce(i.file, ''), "
                  "coalesce(a.source_line, 0), 'left:' || a.system || '/' || a.login, "
                  "s.name || '（退職日 ' || s.left_on || '）', s.name || ' (left on ' || "
                  "s.left_on || ')' FROM account a JOIN staff s ON "
                  "s.person_id = a.person_id LEFT JOIN import i ON i.id = a.import_id WHERE "
                  "a.enabled AND s.left_on IS NOT NULL AND s.left_on <= ?1 ORDER BY 2",
                  "account", "退職者の有効なアカウント %s: %s",
                  "enabled account %s belongs to a person who has left: %s", &n1, err);
    if (rc != MM_OK)
        return rc;
    rc = each_row(ctx,
                  "SELECT a.id, a.system || '/' || a.login, coalesce(i.file, ''), "
                  "coalesce(a.source_line, 0), 'unused:' || a.system || '/' || a.login, "
                  "substr(a.last_logon, 1, 10) FROM account a LEFT JOIN import i ON i.id = "
                  "a.import_id WHERE a.enabled AND a.last_logon IS NOT NULL AND "
                  "julianday(?1) - julianday(substr(a.last_logon, 1, 10)) > ?2 ORDER BY 2",
                  "account", "長期間使われていない有効なアカウント %s（最終ログオン %s）",
                  "enabled account %s has not been used since %s", &n2, err);
    if (rc == MM_OK && n1 + n2 == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "有効なアカウント %ld 件に退職者・%d 日以上未使用のものはありません",
                     "none of the %ld enabled accounts belongs to a leaver or is unused for "
                     "more than %d days",
                     total, mm_eval_settings_of(ctx)->unused_account_days);
    return rc;
}

/* ---- 2-⑦ password strength, 2-⑧ reuse and shared/default accounts ---------------------- */

/* Met when: 2FA, or >= 13 characters, or >= 8 with 3+ character classes and a periodic
 * change (a maximum age of 1..365 days). */
static const simple_rule password_rule = {
    "SELECT count(*) FROM password_policy",
    "パスワードポリシーが取り込まれていません（mamori import password-policies）",
    "no password policies imported (mamori import password-policies)",
    {{"SELECT p.rowid, p.system, coalesce(i.file, ''), coalesce(p.source_line, 0), "
      "'policy:' || p.system, '最小' || coalesce(p.min_length, '?') || '文字・' || "
      "coalesce(p.classes, '?') || '種類・有効期限' || coalesce(p.max_age_days, '?') "
      "|| '日', 'minimum ' || coalesce(p.min_length, '?') || ' characters, ' || "
      "coalesce(p.classes, '?') || ' character classes, maximum age ' || "
      "coalesce(p.max_age_days, '?') || ' days' FROM password_policy p LEFT JOIN import i "
      "ON i.id = p.import_id WHERE "
      "NOT (coalesce(p.mfa, 0) = 1 OR coalesce(p.min_length, 0) >= 13 OR "
      "(coalesce(p.min_length, 0) >= 8 AND coalesce(p.classes, 0) >= 3 AND "
      "coalesce(p.max_age_days, 0) BETWEEN 1 AND 365)) ORDER BY p.system",
      "password_policy",
      "%s のパスワード規則が基準を満たしません（%s）: 8文字以上で英数字・記号を混在"
      "させ定期変更、または13文字以上か二要素認証が必要",
      "the password rule of %s does not meet the bar (%s): 8+ characters mixing "
      "letters, digits and symbols with periodic change, or 13+ characters or 2FA"}},
    "%ld システムすべてのパスワード規則が基準を満たしています",
    "the password rules of all %ld systems meet the bar",
};

static mm_rc eval_password_policy(mm_eval_ctx *ctx, mm_error *err)
{
    return run_simple(ctx, &password_rule, err);
}

static mm_rc eval_reuse(mm_eval_ctx *ctx, mm_error *err)
{
    mm_rc rc;
    long n1 = 0, n2 = 0, n3 = 0;
    long policies = count(ctx, "SELECT count(*) FROM password_policy", err, &rc);

    if (rc != MM_OK)
        return rc;
    if (policies > 0)
        rc = each_row(ctx,
                      "SELECT p.rowid, p.system, coalesce(i.file, ''), coalesce(p.source_line, "
                      "0), 'history:' || p.system, coalesce(p.history, 0) FROM password_policy "
                      "p LEFT JOIN import i ON i.id = p.import_id WHERE coalesce(p.history, 0) "
                      "< 1 AND coalesce(p.mfa, 0) = 0 ORDER BY p.system",
                      "password_policy",
                      "%s は過去のパスワードの再使用を禁止していません（履歴 %s）",
                      "%s does not prevent reusing old passwords (history %s)", &n1, err);
    if (rc == MM_OK)
        rc = each_row(ctx,
                      "SELECT a.id, a.system || '/' || a.login, coalesce(i.file, ''), "
                      "coalesce(a.source_line, 0), 'shared:' || a.system || '/' || a.login, "
                      "'共用', 'shared' FROM account a LEFT JOIN import i ON i.id = "
                      "a.import_id WHERE "
                      "a.enabled AND a.shared ORDER BY 2",
                      "account", "共用アカウント %s が有効です（%s）",
                      "shared account %s is enabled (%s)", &n2, err);
    if (rc == MM_OK)
        rc = each_row(ctx,
                      "SELECT a.id, a.system || '/' || a.login, coalesce(i.file, ''), "
                      "coalesce(a.source_line, 0), 'default:' || a.system || '/' || a.login, "
                      "lower(a.login) FROM account a LEFT JOIN import i ON i.id = a.import_id "
                      "WHERE a.enabled AND lower(a.login) IN ('guest', 'test', 'demo', "
                      "'default', 'user', 'temp', 'maintenance', 'service', 'support') ORDER BY 2",
                      "account", "初期設定・汎用のアカウント %s が有効です（%s）",
                      "default or generic account %s is enabled (%s)", &n3, err);
    if (rc == MM_OK && policies == 0 && n2 + n3 == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "パスワード履歴の設定が取り込まれていません%s",
                     "no password history settings imported%s", "");
    else if (rc == MM_OK && n1 + n2 + n3 == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "再使用禁止が %ld システムで設定され、共用・初期アカウントは無効です",
                     "reuse is prevented on %ld systems and no shared or default account is "
                     "enabled",
                     policies);
    return rc;
}

/* ---- 2-⑨ external media ----------------------------------------------------------------- */

static mm_rc eval_media(mm_eval_ctx *ctx, mm_error *err)
{
    mm_rc rc;
    long n1, n2,
        total = count(ctx,
                      "SELECT count(*) FROM asset WHERE kind IN ('server','pc') AND "
                      "retired_on IS NULL",
                      err, &rc);

    if (rc != MM_OK)
        return rc;
    if (total == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL, "台帳にサーバ・端末PCがありません%s",
                     "no servers or PCs in the ledger%s", "");
        return MM_OK;
    }
    rc = each_row(ctx,
                  "SELECT m.rowid, m.host, coalesce(i.file, ''), coalesce(m.source_line, 0), "
                  "'media:' || m.host, m.state FROM media_control m LEFT JOIN import i ON i.id "
                  "= m.import_id WHERE m.state = 'none' ORDER BY m.host",
                  "media_control", "%s で USB ストレージ等の接続が制限されていません（%s）",
                  "USB storage is not restricted on %s (%s)", &n1, err);
    if (rc != MM_OK)
        return rc;
    {
        sqlite3_stmt *s = NULL;
        int rcs;
        rc = mm_store_prepare(mm_eval_store(ctx),
                              "SELECT a.id, a.name, coalesce(i.file, ''), "
                              "coalesce(a.source_line, 0) FROM asset a LEFT JOIN import i ON "
                              "i.id = a.import_id WHERE a.kind IN ('server','pc') AND "
                              "a.retired_on IS NULL AND NOT EXISTS (SELECT 1 FROM media_control "
                              "m WHERE m.host = a.name COLLATE NOCASE) AND NOT EXISTS (SELECT 1 "
                              "FROM media_control m WHERE m.host = a.host COLLATE NOCASE) ORDER "
                              "BY a.name",
                              &s, err);
        n2 = 0;
        while (rc == MM_OK && (rcs = sqlite3_step(s)) == SQLITE_ROW) {
            char *refs = one_ref(s, "asset", 0, 1, 2, 3), subj[300];
            snprintf(subj, sizeof(subj), "media-unknown:%s", mm_col_text(s, 1));
            mm_eval_emit(ctx, subj, MM_VERDICT_UNKNOWN, refs,
                         "%s の外部媒体制御の状態が取り込まれていません",
                         "no media-control state imported for %s", mm_col_text(s, 1));
            free(refs);
            n2++;
        }
        sqlite3_finalize(s);
    }
    if (rc == MM_OK && n1 + n2 == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "サーバ・端末PC %ld 台すべてで外部媒体の接続が制限されています",
                     "external media are restricted on all %ld servers and PCs", total);
    return rc;
}

/* ---- 2-⑩ two-factor authentication and its deadline ------------------------------------ */

static mm_rc eval_mfa(mm_eval_ctx *ctx, mm_error *err)
{
    static const mm_date deadline = {2028, 3, 31}; /* 令和9年度末 */
    mm_date today = mm_eval_today(ctx);
    long days = mm_date_to_days(&deadline) - mm_date_to_days(&today);
    mm_rc rc;
    long total = count(ctx, "SELECT count(*) FROM account WHERE enabled", err, &rc);
    long with = rc == MM_OK
                    ? count(ctx, "SELECT count(*) FROM account WHERE enabled AND mfa = 1", err, &rc)
                    : 0;

    if (rc != MM_OK)
        return rc;
    if (total == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "アカウント一覧がないため二要素認証の適用状況が分かりません%s",
                     "no account lists, so two-factor coverage is unknown%s", "");
    } else if (with == total) {
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "有効なアカウント %ld 件すべてで二要素認証を使っています",
                     "all %ld enabled accounts use two-factor authentication", total);
    } else if (days < 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_FAIL, NULL,
                     "期限（令和9年度末）を過ぎても二要素認証は %ld 件中 %ld 件です",
                     "the deadline (end of FY2027) has passed and only %ld of %ld accounts "
                     "use two-factor",
                     total, with);
    } else {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "二要素認証は有効なアカウント %ld 件中 %ld 件（期限の令和9年度末まで残り "
                     "%ld 日）: 導入計画の確認が必要",
                     "two-factor covers %ld of %ld enabled accounts (%ld days left to the end "
                     "of FY2027): check the rollout plan",
                     total, with, days);
    }
    return MM_OK;
}

/* ---- 2-⑬ connection-source restriction ------------------------------------------------- */

static const simple_rule allowlist_rule = {
    "SELECT count(*) FROM asset WHERE remote_access = 1 AND retired_on IS NULL",
    "台帳にリモートアクセス機器（remote_access=yes）がありません",
    "no remote-access devices (remote_access=yes) in the ledger",
    {{"SELECT a.id, a.name, coalesce(i.file, ''), coalesce(a.source_line, 0), "
      "'no-allowlist:' || a.name, '' FROM asset a LEFT JOIN import i ON i.id = "
      "a.import_id WHERE a.remote_access = 1 AND a.retired_on IS NULL AND NOT "
      "EXISTS (SELECT 1 FROM allowlist l WHERE l.device = a.name COLLATE NOCASE OR "
      "l.device = a.host COLLATE NOCASE) ORDER BY a.name",
      "asset", "リモートアクセス機器 %s に接続元の許可リストがありません%s",
      "remote-access device %s has no source allow-list%s"},
     {"SELECT l.id, l.device, coalesce(i.file, ''), coalesce(l.source_line, 0), "
      "'any-source:' || l.device || ':' || l.cidr, l.cidr FROM allowlist l LEFT "
      "JOIN import i ON i.id = l.import_id WHERE l.cidr IN ('0.0.0.0/0', '::/0', "
      "'any', '*') ORDER BY l.device",
      "allowlist", "%s の許可リストにすべての接続元を許す規則があります（%s）",
      "the allow-list of %s has an any-source rule (%s)"}},
    "リモートアクセス機器 %ld 台すべてで接続元が制限されています",
    "connection sources are restricted on all %ld remote-access devices",
};

static mm_rc eval_allowlists(mm_eval_ctx *ctx, mm_error *err)
{
    return run_simple(ctx, &allowlist_rule, err);
}

/* ---- 2-⑥ patches: installed versions against the advisory feed ------------------------- */

static mm_rc eval_patches(mm_eval_ctx *ctx, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc;
    long checked = 0, affected = 0, bad_range = 0;
    long inventory = count(ctx,
                           "SELECT (SELECT count(*) FROM software) + (SELECT count(*) FROM asset "
                           "WHERE os <> '' AND os_version <> '' AND retired_on IS NULL)",
                           err, &rc);
    long advisories = rc == MM_OK ? count(ctx, "SELECT count(*) FROM advisory", err, &rc) : 0;
    int rcs;

    if (rc != MM_OK)
        return rc;
    if (inventory == 0 || advisories == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL, "%s", "%s",
                     inventory == 0
                         ? "ソフトウェア・ファームウェアの版数が取り込まれていません（mamori "
                           "import software、または台帳の os/os_version）"
                         : "脆弱性情報が取り込まれていません（mamori import advisories "
                           "data/advisories/feed.json）");
        return MM_OK;
    }
    /* Installed versions from the inventory and from the ledger's OS/firmware column. */
    rc = mm_store_prepare(
        mm_eval_store(ctx),
        "SELECT 'software', x.id, x.host || ' ' || x.product || ' ' || x.version, x.file, "
        "x.line, x.host, x.product, x.version, a.cve, a.affected, a.fixed, a.source_url FROM "
        "(SELECT s.id, s.host, s.product, s.version, coalesce(i.file, '') AS file, "
        "coalesce(s.source_line, 0) AS line FROM software s LEFT JOIN import i ON i.id = "
        "s.import_id UNION ALL SELECT -t.id, t.name, t.os, t.os_version, coalesce(i.file, ''), "
        "coalesce(t.source_line, 0) FROM asset t LEFT JOIN import i ON i.id = t.import_id WHERE "
        "t.os <> '' AND t.os_version <> '' AND t.retired_on IS NULL) x JOIN advisory a ON "
        "lower(a.product) = lower(x.product) ORDER BY x.host, a.cve",
        &s, err);
    while (rc == MM_OK && (rcs = sqlite3_step(s)) == SQLITE_ROW) {
        int in = mm_version_in_range(mm_col_text(s, 7), mm_col_text(s, 9));
        long id = (long)sqlite3_column_int64(s, 1);
        checked++;
        if (in < 0) {
            bad_range++;
            continue;
        }
        if (in == 1) {
            mm_buf refs, subj;
            mm_buf_init(&refs, 0);
            mm_buf_init(&subj, 0);
            ref_add(&refs, id < 0 ? "asset" : "software", id < 0 ? -id : id, mm_col_text(s, 2),
                    mm_col_text(s, 3), (long)sqlite3_column_int64(s, 4));
            mm_buf_addf(&subj, "vuln:%s:%s:%s", mm_col_text(s, 5), mm_col_text(s, 6),
                        mm_col_text(s, 8));
            mm_eval_emit(ctx, mm_buf_str(&subj), MM_VERDICT_FAIL, ref_close(&refs),
                         "%s の %s %s は %s の影響を受ける版です（修正版 %s）%s%s",
                         "%s runs %s %s, affected by %s (fixed in %s)%s%s", mm_col_text(s, 5),
                         mm_col_text(s, 6), mm_col_text(s, 7), mm_col_text(s, 8),
                         mm_col_text(s, 10)[0] ? mm_col_text(s, 10) : "?",
                         mm_col_text(s, 11)[0] ? " " : "", mm_col_text(s, 11));
            mm_buf_release(&refs);
            mm_buf_release(&subj);
            affected++;
        }
    }
    if (rc == MM_OK && rcs != SQLITE_DONE)
        rc = mm_store_error(mm_eval_store(ctx), err, "evaluating 2-6");
    sqlite3_finalize(s);
    if (rc == MM_OK && affected == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "版数 %ld 件を脆弱性情報 %ld 件と照合し、影響を受ける版はありません%s",
                     "checked %ld installed versions against %ld advisories: none affected%s",
                     inventory, advisories, bad_range ? "（解釈できない版数あり）" : "");
    return rc;
}

/* ---- 2-⑫ services: unneeded services running, and changes since the last snapshot ------ */

static mm_host_role host_role(mm_eval_ctx *ctx, const char *host)
{
    sqlite3_stmt *s = NULL;
    mm_host_role role = MM_ROLE_ANY;

    if (mm_store_prepare(mm_eval_store(ctx),
                         "SELECT kind FROM asset WHERE name = ?1 COLLATE NOCASE OR host = ?1 "
                         "COLLATE NOCASE LIMIT 1",
                         &s, NULL) != MM_OK)
        return role;
    mm_bind_text(s, 1, host);
    if (sqlite3_step(s) == SQLITE_ROW) {
        if (mm_streq(mm_col_text(s, 0), "server"))
            role = MM_ROLE_SERVER;
        else if (mm_streq(mm_col_text(s, 0), "pc"))
            role = MM_ROLE_PC;
    }
    sqlite3_finalize(s);
    return role;
}

static mm_rc eval_services(mm_eval_ctx *ctx, mm_error *err)
{
    mm_unneeded_list *list = NULL;
    mm_services_host *hosts = NULL;
    size_t nhosts = 0;
    long fails = 0, missing = 0;
    mm_rc rc;

    rc = mm_services_hosts(mm_eval_store(ctx), &hosts, &nhosts, err);
    if (rc != MM_OK)
        return rc;
    if (nhosts == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL, "%s", "%s",
                     "サービス一覧が取り込まれていません（mamori import services）");
        goto out;
    }
    if ((rc = mm_unneeded_load(mm_eval_settings_of(ctx)->ws_dir, &list, err)) != MM_OK)
        goto out;
    for (size_t h = 0; h < nhosts && rc == MM_OK; h++) {
        mm_service_snapshot now, before;
        mm_unneeded_hits hits = {0};
        char day[11];

        memset(&now, 0, sizeof(now));
        memset(&before, 0, sizeof(before));
        if ((rc = mm_services_load(mm_eval_store(ctx), hosts[h].host, NULL, 0, &now, err)) != MM_OK)
            break;
        mm_host_role role = host_role(ctx, now.host);
        mm_scope scope = role == MM_ROLE_SERVER ? MM_SCOPE_SERVER
                         : role == MM_ROLE_PC   ? MM_SCOPE_PC
                                                : MM_SCOPE_ALL;
        mm_date_slash(&now.taken, day);
        mm_services_unneeded_running(list, &now, role, &hits);
        for (size_t i = 0; i < hits.n; i++) {
            mm_buf subj, refs;
            mm_buf_init(&subj, 0);
            mm_buf_init(&refs, 0);
            mm_buf_addf(&subj, "service:%s:%s", now.host, hits.v[i].service->name);
            ref_add(&refs, "service_snapshot", now.id, now.host, NULL, 0);
            mm_eval_emit_scoped(ctx, scope, mm_buf_str(&subj), MM_VERDICT_FAIL, ref_close(&refs),
                                "%s で不要なサービス %s が動作しています（%s 時点）: %s%.0s",
                                "%s runs the unneeded service %s (as of %s): %.0s%s", now.host,
                                hits.v[i].service->name, day, hits.v[i].entry->reason_ja,
                                hits.v[i].entry->reason_en);
            mm_buf_release(&subj);
            mm_buf_release(&refs);
            fails++;
        }
        mm_unneeded_hits_release(&hits);
        /* A change since the previous snapshot is for a person to look at. */
        if (mm_services_load(mm_eval_store(ctx), hosts[h].host, NULL, 1, &before, NULL) == MM_OK) {
            mm_services_diff d;
            mm_services_diff_compute(&before, &now, &d);
            if (d.added + d.removed + d.changed > 0) {
                mm_buf subj;
                char from[11];
                mm_buf_init(&subj, 0);
                mm_buf_addf(&subj, "changed:%s", now.host);
                mm_date_slash(&before.taken, from);
                mm_eval_emit_scoped(
                    ctx, scope, mm_buf_str(&subj), MM_VERDICT_UNKNOWN, NULL,
                    "%s のサービスが %s から %s の間に変わりました（追加 %zu・削除 %zu・変更 "
                    "%zu）: mamori services diff で確認してください",
                    "the services of %s changed between %s and %s (%zu added, %zu "
                    "removed, %zu changed): review with mamori services diff",
                    now.host, from, day, d.added, d.removed, d.changed);
                mm_buf_release(&subj);
            }
            mm_services_diff_release(&d);
            mm_service_snapshot_release(&before);
        }
        mm_service_snapshot_release(&now);
    }
    if (rc != MM_OK)
        goto out;
    /* Servers and PCs in the ledger that no snapshot covers. */
    {
        sqlite3_stmt *s = NULL;
        rc = mm_store_prepare(mm_eval_store(ctx),
                              "SELECT a.id, a.name, coalesce(i.file, ''), "
                              "coalesce(a.source_line, 0) FROM asset a LEFT JOIN import i ON "
                              "i.id = a.import_id WHERE a.kind IN ('server','pc') AND "
                              "a.retired_on IS NULL AND NOT EXISTS (SELECT 1 FROM "
                              "service_snapshot p WHERE p.host = a.name COLLATE NOCASE OR p.host "
                              "= a.host COLLATE NOCASE) ORDER BY a.name",
                              &s, err);
        while (rc == MM_OK && sqlite3_step(s) == SQLITE_ROW)
            missing++;
        sqlite3_finalize(s);
    }
    if (rc == MM_OK && missing > 0)
        mm_eval_emit(ctx, "coverage", MM_VERDICT_UNKNOWN, NULL,
                     "台帳のサーバ・端末PCのうち %ld 台はサービス一覧がありません",
                     "%ld servers or PCs in the ledger have no service snapshot", missing);
    if (rc == MM_OK && fails == 0)
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "サービス一覧のある %zu 台で不要なサービスは動作していません",
                     "no unneeded service runs on the %zu hosts with a service snapshot", nhosts);
out:
    mm_unneeded_free(&list);
    free(hosts);
    return rc;
}

/* ---- 2-⑪ access logs ------------------------------------------------------------------ */

/* Part of 2-⑪ (「利用者のアクセスログを記録し、定期的に確認してください」): every high or
 * critical alert reviewed within alert_review_days of when it started, and the logs reviewed at
 * least every review_days (the newest alert review or VPN access audit), counted once the
 * oldest stored event is that old. Adds the failures to *fails. */
static mm_rc eval_log_reviews(mm_eval_ctx *ctx, const mm_logs_conf *conf, mm_date today, int *fails,
                              mm_error *err)
{
    mm_store *st = mm_eval_store(ctx);
    sqlite3_stmt *s = NULL;
    mm_date cut = mm_date_from_days(mm_date_to_days(&today) - conf->alert_review_days);
    mm_date rcut = mm_date_from_days(mm_date_to_days(&today) - conf->review_days);
    char cutiso[24], rcutiso[24], d[11];
    char *oldest = NULL, *last_review = NULL;
    mm_logs_vpn_audit va;
    mm_rc rc;
    int rcs;

    mm_date_iso(&cut, d);
    snprintf(cutiso, sizeof(cutiso), "%sT00:00:00Z", d);
    mm_date_iso(&rcut, d);
    snprintf(rcutiso, sizeof(rcutiso), "%sT00:00:00Z", d);
    rc = mm_store_prepare(st,
                          "SELECT id, rule, subject, severity, substr(first_at, 1, 10), "
                          "title_ja, title_en FROM alert WHERE reviewed_at IS NULL AND severity "
                          "IN ('high', 'critical') AND first_at < ?1 ORDER BY first_at, id",
                          &s, err);
    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, cutiso);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        char subject[64];
        long long id = sqlite3_column_int64(s, 0);
        snprintf(subject, sizeof(subject), "alert:%lld", id);
        char ja[1024], en[1024];
        snprintf(ja, sizeof(ja),
                 "重大な検知 #%lld（%s、%s、%s から）が %d 日を過ぎても確認されていません。"
                 "`mamori alerts review %lld --note 確認内容` で記録してください",
                 id, mm_col_text(s, 5), mm_col_text(s, 2), mm_col_text(s, 4),
                 conf->alert_review_days, id);
        snprintf(en, sizeof(en),
                 "the %s alert #%lld (%s, %s, since %s) has not been reviewed within %d days; "
                 "record the review with `mamori alerts review %lld --note ...`",
                 mm_col_text(s, 3), id, mm_col_text(s, 6), mm_col_text(s, 2), mm_col_text(s, 4),
                 conf->alert_review_days, id);
        mm_eval_emit(ctx, subject, MM_VERDICT_FAIL, NULL, "%s%.0s", "%.0s%s", ja, en);
        (*fails)++;
    }
    sqlite3_finalize(s);
    if (rcs != SQLITE_DONE)
        return mm_store_error(st, err, "evaluating");
    /* the newest review of any kind */
    rc = mm_store_prepare(st,
                          "SELECT (SELECT min(first_event) FROM log_source), (SELECT "
                          "max(reviewed_at) FROM alert)",
                          &s, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        if (sqlite3_column_type(s, 0) != SQLITE_NULL)
            oldest = mm_xstrdup(mm_col_text(s, 0));
        if (sqlite3_column_type(s, 1) != SQLITE_NULL)
            last_review = mm_xstrdup(mm_col_text(s, 1));
    }
    sqlite3_finalize(s);
    if ((rc = mm_logs_vpn_audit_last(st, &va, err)) == MM_OK) {
        char at[24];
        mm_time_format_utc(va.at_ms, at, sizeof(at));
        if (!last_review || strcmp(at, last_review) > 0) {
            free(last_review);
            last_review = mm_xstrdup(at);
        }
    } else if (rc == MM_ERR_NOTFOUND) {
        mm_error_clear(err);
        rc = MM_OK;
    }
    if (rc == MM_OK && oldest && strcmp(oldest, rcutiso) < 0 &&
        (!last_review || strcmp(last_review, rcutiso) < 0)) {
        if (last_review)
            mm_eval_emit(ctx, "review", MM_VERDICT_FAIL, NULL,
                         "アクセスログの確認が %d 日以上ありません（最後の確認 %.10s）。月次の VPN "
                         "アクセスログ監査（mamori logs report vpn）か検知の確認（mamori alerts "
                         "review）を行ってください",
                         "the access logs have not been reviewed for over %d days (last review "
                         "%.10s); make the monthly VPN access audit (mamori logs report vpn) or "
                         "review the alerts (mamori alerts review)",
                         conf->review_days, last_review);
        else
            mm_eval_emit(
                ctx, "review", MM_VERDICT_FAIL, NULL,
                "アクセスログを確認した記録がありません（%d 日ごとに必要%.0s）。月次の VPN "
                "アクセスログ監査（mamori logs report vpn）か検知の確認（mamori alerts "
                "review）を行ってください",
                "there is no record that the access logs were ever reviewed (needed "
                "every %d days%.0s); make the monthly VPN access audit (mamori logs "
                "report vpn) or review the alerts (mamori alerts review)",
                conf->review_days, "");
        (*fails)++;
    }
    free(oldest);
    free(last_review);
    return rc;
}

/* Servers in the ledger send logs (a log source named like the asset, its host or its address
 * with an event within [logs] recent_days), the sealed log store verifies, and the disk is not
 * about to fill. No log store at all is "unknown", not a pass. */
static mm_rc eval_access_logs(mm_eval_ctx *ctx, mm_error *err)
{
    const mm_eval_settings *set = mm_eval_settings_of(ctx);
    char dir[4200], today[11], since[40];
    mm_logs_conf conf;
    mm_logs_verified vr;
    mm_logs_capacity cap;
    sqlite3_stmt *s = NULL;
    mm_date t = mm_eval_today(ctx);
    long servers = 0, silent = 0;
    int fails = 0, rcs, stored;
    mm_rc rc;

    if (!set || !set->ws_dir) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "ワークスペースが分からないためログを確認できません",
                     "no workspace directory: the log store cannot be checked");
        return MM_OK;
    }
    snprintf(dir, sizeof(dir), "%s/%s", set->ws_dir, MM_LOGS_DIR);
    if ((rc = mm_logs_conf_load(set->ws_dir, &conf, err)) != MM_OK)
        return rc;
    {
        char key[4300];
        snprintf(key, sizeof(key), "%s/signing.key", dir);
        stored = mm_file_exists(key);
    }
    if (!stored) {
        mm_eval_emit(ctx, "*", MM_VERDICT_UNKNOWN, NULL,
                     "アクセスログが保管されていません。`mamori logs import` か `mamori collect` で"
                     "サーバ・VPN 機器のログを取り込んでください",
                     "no access logs stored; import server and VPN logs with `mamori logs "
                     "import` or run `mamori collect`");
        return MM_OK;
    }
    /* the store proved it is intact: the last `mamori logs verify` (re-reading years of logs
     * on every evaluation would break the evaluation budget) */
    if ((rc = mm_logs_verified_get(mm_eval_store(ctx), &vr, err)) != MM_OK)
        return rc;
    {
        int64_t now = mm_logs_now_ms();
        long age_days = vr.at_ms ? (long)((now - vr.at_ms) / 86400000) : -1;
        if (!vr.at_ms) {
            mm_eval_emit(ctx, "store", MM_VERDICT_UNKNOWN, NULL,
                         "ログ保管庫を一度も検証していません。`mamori logs verify --key 検証鍵` を"
                         "実行してください",
                         "the log store was never verified; run `mamori logs verify --key FILE`");
            fails++;
        } else if (!vr.ok) {
            mm_eval_emit(ctx, "store", MM_VERDICT_FAIL, NULL,
                         "ログ保管庫の検証で %llu 件の問題が見つかりました（改ざん・削除の疑い）。"
                         "`mamori logs verify` で場所を確認してください",
                         "the last verify of the log store found %llu problems (tampering or "
                         "deletion); run `mamori logs verify` to see where",
                         (unsigned long long)vr.problems);
            fails++;
        } else if (age_days > conf.recent_days) {
            mm_eval_emit(ctx, "store", MM_VERDICT_UNKNOWN, NULL,
                         "ログ保管庫の最後の検証は %ld 日前です（%d 日以内に検証してください）",
                         "the log store was last verified %ld days ago (verify within %d days)",
                         age_days, conf.recent_days);
            fails++;
        }
    }
    /* capacity */
    if (mm_logs_capacity_get(dir, &cap, err) == MM_OK && cap.days_left >= 0 &&
        cap.days_left < conf.capacity_alarm_days) {
        mm_eval_emit(ctx, "capacity", MM_VERDICT_FAIL, NULL,
                     "ログの保管容量が約 %.0f 日で尽きます（警告は %d 日前から）",
                     "the log store fills the disk in about %.0f days (alarm at %d days)",
                     cap.days_left, conf.capacity_alarm_days);
        fails++;
    }
    /* reviewed: high and critical alerts looked at in time, and some review (an alert review
     * or the monthly VPN audit) within review_days once the logs are that old */
    if ((rc = eval_log_reviews(ctx, &conf, t, &fails, err)) != MM_OK)
        return rc;
    /* servers that sent logs recently */
    mm_date_iso(&t, today);
    {
        mm_date from = mm_date_from_days(mm_date_to_days(&t) - conf.recent_days);
        char d[11];
        mm_date_iso(&from, d);
        snprintf(since, sizeof(since), "%sT00:00:00Z", d);
    }
    rc = mm_store_prepare(mm_eval_store(ctx),
                          "SELECT a.id, a.name, coalesce(i.file, ''), coalesce(a.source_line, 0), "
                          "(SELECT max(l.last_event) FROM log_source l WHERE lower(l.host) IN "
                          "(lower(a.name), lower(a.host), lower(a.ip))) FROM asset a "
                          "LEFT JOIN import i ON i.id = a.import_id "
                          "WHERE a.kind = 'server' AND a.retired_on IS NULL ORDER BY a.name",
                          &s, err);
    while (rc == MM_OK && (rcs = sqlite3_step(s)) == SQLITE_ROW) {
        const char *last = (const char *)sqlite3_column_text(s, 4);
        servers++;
        if (!last || strcmp(last, since) < 0) {
            char *refs = one_ref(s, "asset", 0, 1, 2, 3);
            char subject[300];
            snprintf(subject, sizeof(subject), "asset:%s", mm_col_text(s, 1));
            if (last)
                mm_eval_emit(ctx, subject, MM_VERDICT_FAIL, refs,
                             "サーバ %s から直近 %d 日のログがありません（最後: %s）",
                             "server %s sent no logs in the last %d days (last: %s)",
                             mm_col_text(s, 1), conf.recent_days, last);
            else
                mm_eval_emit(ctx, subject, MM_VERDICT_FAIL, refs,
                             "サーバ %s からログが一度も届いていません（直近 %d 日が必要）",
                             "server %s has never sent logs (needed within %d days)",
                             mm_col_text(s, 1), conf.recent_days);
            free(refs);
            silent++;
        }
    }
    sqlite3_finalize(s);
    if (rc != MM_OK)
        return rc;
    if (servers == 0) {
        mm_eval_emit(ctx, "servers", MM_VERDICT_UNKNOWN, NULL,
                     "機器台帳にサーバがないため、ログの送信元を確かめられません",
                     "the ledger lists no servers, so log sources cannot be checked");
    } else if (silent == 0 && fails == 0) {
        mm_eval_emit(ctx, "*", MM_VERDICT_PASS, NULL,
                     "台帳のサーバ %ld 台すべてから直近 %d 日のログがあり、ログ保管庫は改ざんなく"
                     "検証され、重大な検知は期限内に確認されています",
                     "all %ld servers in the ledger sent logs in the last %d days and the log "
                     "store verifies, with serious alerts reviewed in time",
                     servers, conf.recent_days);
    }
    return MM_OK;
}

const mm_evaluator mm_evaluators[] = {
    {"2-1", "ledger-complete", eval_ledger_complete, "機器台帳の網羅性と必須項目",
     "ledger completeness and required fields"},
    {"2-2", "remote-maintenance", eval_remote_maintenance, "事業者機器のリモート保守の確認",
     "remote maintenance confirmed per vendor device"},
    {"2-3", "mds-sds", eval_mds_sds, "MDS/SDS の受領", "MDS/SDS received per vendor system"},
    {"2-4", "roles-admins", eval_roles, "権限表と管理者の特定",
     "access matrix and named administrators"},
    {"2-5", "accounts", eval_accounts, "退職者・未使用アカウント", "leavers' and unused accounts"},
    {"2-6", "advisories", eval_patches, "導入版数と脆弱性情報の照合",
     "installed versions against the advisory feed"},
    {"2-7", "password-policy", eval_password_policy, "パスワードの強度と定期変更",
     "password strength and change"},
    {"2-8", "reuse-shared", eval_reuse, "再使用禁止と共用・初期アカウント",
     "reuse, shared and default accounts"},
    {"2-9", "media-control", eval_media, "外部記録媒体の接続制限", "external media restriction"},
    {"2-10", "mfa", eval_mfa, "二要素認証の適用と期限", "two-factor coverage and deadline"},
    {"2-11", "access-logs", eval_access_logs, "アクセスログの保管・改ざん防止・送信元",
     "access logs kept, sealed and received from every server"},
    {"2-12", "services", eval_services, "不要サービスの停止とサービス一覧の変化",
     "unneeded services and changes between snapshots"},
    {"2-13", "allowlists", eval_allowlists, "リモートアクセス機器の接続元制限",
     "source restriction on remote-access devices"},
};

const size_t mm_evaluators_len = MM_ARRAY_LEN(mm_evaluators);

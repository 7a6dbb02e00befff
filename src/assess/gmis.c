/*
 * Deriving the G-MIS survey answers. The rules are a table: a question follows either from
 * the facility record, from the use of the checklist itself, from the latest answer to one
 * checklist item (with a caveat where the item is broader or narrower than the question), from
 * the evidence (the systems and asset ledgers, the record of the monthly VPN access audit), or
 * from nothing yet (backups: no evidence kind for them yet).
 */
#include <jansson.h>

#include "facility.h"
#include "fs.h"
#include "gmis.h"
#include "logs.h"

typedef enum {
    RULE_RESPONDENT,  /* Q1: from the facility record */
    RULE_ITEM,        /* from the latest answer to `item` */
    RULE_ITEM_VPN,    /* the same, overruled by open findings of `item` on a VPN device */
    RULE_CHECKLIST,   /* Q3: the checklist is in use when items have been answered */
    RULE_ITEMS_ALL,   /* はい only when every item in `item` and `item2` is はい */
    RULE_EMR,         /* Q5: an EMR in the systems ledger */
    RULE_VPN_DEVICES, /* Q10: remote-access devices in the asset ledger */
    RULE_VPN_LIST,    /* Q11: those devices listed */
    RULE_VPN_AUDIT,   /* Q14: the record of the monthly VPN access audit */
    RULE_NEEDS,       /* no data in the store can answer it yet */
} rule_kind;

static const struct {
    int no;
    rule_kind kind;
    const char *item, *item2;
    const char *caveat_ja, *caveat_en; /* for RULE_NEEDS: what is needed */
} rules[] = {
    {1, RULE_RESPONDENT, NULL, NULL, "", ""},
    {2, RULE_ITEM, "1-1", NULL, "", ""},
    {3, RULE_CHECKLIST, NULL, NULL, "", ""},
    {4, RULE_ITEMS_ALL, "3-1", "3-3",
     "連絡体制図とBCPの有無から判断。定期的な訓練の実施記録は別途確認が必要",
     "judged from the contact chart and the BCP; records of regular drills still need checking"},
    {5, RULE_EMR, NULL, NULL, "情報システム台帳に電子カルテシステムの登録が必要",
     "needs the electronic medical record system in the systems ledger"},
    {6, RULE_ITEM, "3-2", NULL, "3-② のバックアップと復旧手順の確認から判断",
     "from 3-②: backups taken and the restore procedure checked"},
    {7, RULE_NEEDS, NULL, NULL, "バックアップの世代管理の記録が必要",
     "needs backup records showing generations"},
    {8, RULE_NEEDS, NULL, NULL, "オフライン・遠隔地保管の記録が必要",
     "needs records of offline or off-site copies"},
    {9, RULE_NEEDS, NULL, NULL, "バックアップの暗号化の記録が必要",
     "needs records of backup encryption"},
    {10, RULE_VPN_DEVICES, NULL, NULL, "機器台帳にVPN装置（リモートアクセス機器）の登録が必要",
     "needs the VPN devices in the asset ledger"},
    {11, RULE_VPN_LIST, NULL, NULL, "機器台帳のVPN装置のメーカー・型番・台数が必要",
     "needs maker, model and count of VPN devices from the asset ledger"},
    {12, RULE_ITEM_VPN, "2-6", NULL, "2-⑥ のセキュリティパッチ適用から判断（VPN装置を含むこと）",
     "from 2-⑥ security patches (which must include the VPN devices)"},
    {13, RULE_ITEM_VPN, "2-13", NULL, "2-⑬ の接続元制限から判断",
     "from 2-⑬ connection-source restriction"},
    {14, RULE_VPN_AUDIT, NULL, NULL,
     "VPN装置のアクセスログを定期的に検査した記録が必要（2-⑪ はサーバのログ）",
     "needs records of regular reviews of the VPN access logs (2-⑪ covers server logs)"},
};

const char *mm_gmis_value_label(mm_gmis_value v)
{
    static const char *const l[] = {"はい", "いいえ", "記述", "回答不要", "不明"};
    return (unsigned)v < MM_ARRAY_LEN(l) ? l[v] : "?";
}

const char *mm_gmis_value_name(mm_gmis_value v)
{
    static const char *const l[] = {"yes", "no", "text", "skip", "unknown"};
    return (unsigned)v < MM_ARRAY_LEN(l) ? l[v] : "?";
}

/* The latest answer to an item over its scopes: いいえ if any scope says いいえ, はい if all
 * answered scopes say はい. Returns 0 when unanswered. OUT: *value, *checked. */
static int item_answer(const mm_answer_list *l, const char *item, mm_answer_value *value,
                       mm_date *checked)
{
    int found = 0, any_no = 0, all_na = 1;

    for (int scope = 0; scope < MM_SCOPE_COUNT; scope++) {
        const mm_answer *a = mm_answer_find(l, "", item, 2, (mm_scope)scope);
        if (!a)
            a = mm_answer_find(l, "", item, 1, (mm_scope)scope);
        if (!a)
            continue;
        if (!found || mm_date_cmp(&a->checked, checked) > 0)
            *checked = a->checked;
        found = 1;
        if (a->value == MM_ANS_NO)
            any_no = 1;
        if (a->value != MM_ANS_NA)
            all_na = 0;
    }
    if (!found)
        return 0;
    *value = any_no ? MM_ANS_NO : all_na ? MM_ANS_NA : MM_ANS_YES;
    return 1;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *fmt(const char *f, ...)
{
    mm_buf b;
    va_list ap;

    mm_buf_init(&b, 0);
    va_start(ap, f);
    mm_buf_vaddf(&b, f, ap);
    va_end(ap);
    return mm_buf_detach(&b, NULL);
}

static void from_item(mm_gmis_answer *q, const mm_sheet *sh, const mm_answer_list *l,
                      const char *item, const char *caveat_ja, const char *caveat_en)
{
    const mm_item *it = sh ? mm_sheet_item(sh, item) : NULL;
    mm_answer_value v;
    mm_date d;
    char ds[11];

    if (!it || !item_answer(l, item, &v, &d)) {
        q->value = MM_GMIS_UNKNOWN;
        q->basis_ja = fmt("チェックリスト %s が未回答", it ? it->label : item);
        q->basis_en = fmt("checklist item %s is not answered yet", item);
        return;
    }
    mm_date_slash(&d, ds);
    q->value = v == MM_ANS_YES ? MM_GMIS_YES : v == MM_ANS_NO ? MM_GMIS_NO : MM_GMIS_UNKNOWN;
    q->basis_ja = fmt("チェックリスト %s「%s」(確認日 %s)%s%s", it->label, mm_answer_value_label(v),
                      ds, caveat_ja[0] ? "。" : "", caveat_ja);
    q->basis_en = fmt("checklist item %s answered %s on %s%s%s", item, mm_answer_value_name(v), ds,
                      caveat_en[0] ? "; " : "", caveat_en);
}

/* Runs a one-row query: OUT *n = column 0, *text = column 1 (malloc'd, may be NULL). */
static mm_rc query_count(mm_store *st, const char *sql, long *n, char **text, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(st, sql, &s, err);

    *n = 0;
    if (text)
        *text = NULL;
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *n = sqlite3_column_int(s, 0);
        if (text && sqlite3_column_type(s, 1) != SQLITE_NULL)
            *text = mm_xstrdup(mm_col_text(s, 1));
    } else {
        rc = mm_store_error(st, err, "G-MIS");
    }
    sqlite3_finalize(s);
    return rc;
}

/* Q12, Q13: an answer はい to 2-⑥ or 2-⑬ does not stand when the evidence has open failures of
 * that item on a VPN device (a vulnerable firmware, an any-source rule): the survey answer
 * becomes いいえ with the findings as its basis. */
static mm_rc vpn_evidence(mm_store *st, mm_gmis_answer *q, const char *item, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(
        st,
        "SELECT count(*), group_concat(reason_ja, ' / '), group_concat(reason_en, ' / ') FROM "
        "(SELECT reason_ja, reason_en FROM finding f WHERE f.item_id = ?1 AND f.verdict = "
        "'fail' AND f.resolved_at IS NULL AND EXISTS (SELECT 1 FROM asset a WHERE "
        "a.remote_access = 1 AND a.retired_on IS NULL AND (f.subject LIKE '%:' || a.name || "
        "':%' OR f.subject LIKE '%:' || a.name)) ORDER BY f.subject LIMIT 5)",
        &s, err);

    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, item);
    if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_int(s, 0) > 0) {
        char *ja = q->basis_ja, *en = q->basis_en;
        q->value = MM_GMIS_NO;
        q->basis_ja = fmt("VPN装置に証拠と矛盾する指摘があります: %s（%s）", mm_col_text(s, 1), ja);
        q->basis_en =
            fmt("the evidence contradicts it on a VPN device: %s (%s)", mm_col_text(s, 2), en);
        free(ja);
        free(en);
    }
    sqlite3_finalize(s);
    return MM_OK;
}

/* Q5: a system whose name or category says it is an electronic medical record system. */
static mm_rc from_emr(mm_store *st, mm_gmis_answer *q, mm_error *err)
{
    long systems, emr;
    char *names = NULL;
    mm_rc rc = query_count(st, "SELECT count(*) FROM system", &systems, NULL, err);

    if (rc == MM_OK)
        rc = query_count(st,
                         "SELECT count(*), group_concat(name, '、') FROM system WHERE category "
                         "LIKE '%電子カルテ%' OR name LIKE '%電子カルテ%' OR lower(category) IN "
                         "('emr', 'ehr') OR category LIKE '%electronic medical record%'",
                         &emr, &names, err);
    if (rc != MM_OK)
        return rc;
    if (emr > 0) {
        q->value = MM_GMIS_YES;
        q->basis_ja = fmt("情報システム台帳の %s（分類: 電子カルテ）", names);
        q->basis_en =
            fmt("the systems ledger lists %s as an electronic medical record system", names);
    } else if (systems > 0) {
        q->value = MM_GMIS_NO;
        q->basis_ja = fmt("情報システム台帳の %ld 件に電子カルテの分類のものがありません。"
                          "台帳に漏れがないか確認してください",
                          systems);
        q->basis_en = fmt("none of the %ld systems in the ledger is classed as an electronic "
                          "medical record system; check the ledger is complete",
                          systems);
    } else {
        q->value = MM_GMIS_UNKNOWN;
        q->basis_ja = fmt("情報システム台帳が取り込まれていません（mamori import systems）");
        q->basis_en = fmt("no systems ledger imported (mamori import systems)");
    }
    free(names);
    return MM_OK;
}

#define VPN_WHERE "remote_access = 1 AND retired_on IS NULL"

/* Q10 and Q11: devices marked as remote-access (VPN) devices in the asset ledger. */
static mm_rc from_vpn_devices(mm_store *st, mm_gmis_answer *q, int list, int q10_no, mm_error *err)
{
    long assets, vpn;
    char *names = NULL;
    mm_rc rc =
        query_count(st, "SELECT count(*) FROM asset WHERE retired_on IS NULL", &assets, NULL, err);

    if (rc == MM_OK)
        rc = query_count(st,
                         "SELECT count(*), group_concat(name || CASE WHEN os <> '' THEN '（' || "
                         "os || CASE WHEN os_version <> '' THEN ' ' || os_version ELSE '' END || "
                         "'）' ELSE '' END, '、') FROM (SELECT * FROM asset WHERE " VPN_WHERE
                         " ORDER BY name)",
                         &vpn, &names, err);
    if (rc != MM_OK)
        return rc;
    if (assets == 0) {
        q->value = MM_GMIS_UNKNOWN;
        q->basis_ja = fmt("機器台帳が取り込まれていません（mamori import assets）");
        q->basis_en = fmt("no asset ledger imported (mamori import assets)");
    } else if (!list) {
        q->value = vpn > 0 ? MM_GMIS_YES : MM_GMIS_NO;
        if (vpn > 0) {
            q->basis_ja = fmt("機器台帳で VPN機器「あり」の %ld 台: %s", vpn, names);
            q->basis_en =
                fmt("%ld devices marked as VPN devices in the asset ledger: %s", vpn, names);
        } else {
            q->basis_ja = fmt("機器台帳の %ld 台に VPN機器「あり」のものがありません", assets);
            q->basis_en = fmt("none of the %ld ledger entries is marked as a VPN device", assets);
        }
    } else if (vpn == 0) {
        q->value = q10_no ? MM_GMIS_SKIP : MM_GMIS_UNKNOWN;
        q->basis_ja = fmt("VPN装置が台帳にないため記載不要");
        q->basis_en = fmt("no VPN devices in the ledger, nothing to list");
    } else {
        q->value = MM_GMIS_TEXT;
        q->text = fmt("%s（計 %ld 台）", names, vpn);
        q->basis_ja = fmt("機器台帳の VPN機器「あり」の機器と OS/ファームウェア。型番は台帳に列が"
                          "ないため、機器の銘板・管理画面で確かめて追記してください");
        q->basis_en = fmt("the ledger's VPN devices with their OS/firmware; the ledger has no "
                          "model column, so add the model from the device itself");
    }
    free(names);
    return MM_OK;
}

/* Q14: the newest VPN access audit recorded by `mamori logs report vpn`. Regular means the
 * last one is at most two months old (the audit is monthly). */
static mm_rc from_vpn_audit(mm_store *st, mm_gmis_answer *q, const char *caveat_ja,
                            const char *caveat_en, mm_error *err)
{
    mm_logs_vpn_audit a;
    mm_rc rc = mm_logs_vpn_audit_last(st, &a, err);
    long days;
    mm_date d;
    char ds[11];

    if (rc == MM_ERR_NOTFOUND) {
        mm_error_clear(err);
        q->value = MM_GMIS_UNKNOWN;
        q->basis_ja = fmt("%s。`mamori logs report vpn --month YYYY-MM` で月次監査を作成すると"
                          "記録されます",
                          caveat_ja);
        q->basis_en = fmt("%s; `mamori logs report vpn --month YYYY-MM` records each monthly "
                          "audit",
                          caveat_en);
        return MM_OK;
    }
    if (rc != MM_OK)
        return rc;
    days = (long)((mm_logs_now_ms() - a.at_ms) / 86400000);
    d = mm_date_from_days((long)((a.at_ms + 9 * 3600000LL) / 86400000)); /* the day in JST */
    mm_date_slash(&d, ds);
    q->value = days <= 62 ? MM_GMIS_YES : MM_GMIS_NO;
    q->basis_ja = fmt("VPN アクセスログ監査（%s 分）を %s に %s が作成（%ld 日前）%s", a.month, ds,
                      a.actor, days, days <= 62 ? "" : "。2か月以上監査されていません");
    q->basis_en = fmt("VPN access audit for %s made on %s by %s (%ld days ago)%s", a.month, ds,
                      a.actor, days, days <= 62 ? "" : "; not audited for over two months");
    return MM_OK;
}

mm_rc mm_gmis_derive(mm_store *st, const mm_catalog *cat, int version, mm_gmis_result *out,
                     mm_error *err)
{
    char path[4096];
    json_t *root = NULL, *qs;
    json_error_t jerr;
    mm_answer_list l = {0};
    mm_facility f;
    const mm_sheet *sh = mm_catalog_sheet(cat, version, MM_SHEET_HOSPITAL);
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    if (mm_path_join(path, sizeof(path), mm_data_dir(), "gmis/questions.json") != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "path too long");
    root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return mm_error_set(err, MM_ERR_PARSE, path, jerr.line, jerr.column,
                            "G-MIS 設問ファイルを読めません (cannot read: %s)", jerr.text);
    qs = json_object_get(root, "questions");
    if (!json_is_array(qs) || json_array_size(qs) != MM_ARRAY_LEN(rules)) {
        rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                          "設問は14問必要です (expected 14 questions)");
        goto out;
    }
    if ((rc = mm_facility_get(st, &f, err)) != MM_OK ||
        (rc = mm_answers_current(st, version, MM_SHEET_HOSPITAL, NULL, &l, err)) != MM_OK)
        goto out;
    out->title = mm_xstrdup(json_string_value(json_object_get(root, "title"))
                                ? json_string_value(json_object_get(root, "title"))
                                : "G-MIS");
    for (size_t i = 0; i < MM_ARRAY_LEN(rules); i++) {
        json_t *jq = json_array_get(qs, i);
        const char *text = json_string_value(json_object_get(jq, "text"));
        const char *en = json_string_value(json_object_get(jq, "en"));
        mm_gmis_answer *q = &out->q[out->n++];

        q->no = rules[i].no;
        q->question = mm_xstrdup(text ? text : "");
        q->question_en = mm_xstrdup(en ? en : "");
        switch (rules[i].kind) {
        case RULE_RESPONDENT:
            if (f.manager[0]) {
                q->value = MM_GMIS_TEXT;
                q->text = fmt("%s（%s）", f.manager, f.name);
                q->basis_ja = fmt("施設情報の医療情報システム安全管理責任者");
                q->basis_en = fmt("the facility's named security manager");
            } else {
                q->value = MM_GMIS_UNKNOWN;
                q->basis_ja = fmt("mamori facility set --manager で責任者を登録してください");
                q->basis_en = fmt("name the manager with `mamori facility set --manager`");
            }
            break;
        case RULE_ITEM:
            from_item(q, sh, &l, rules[i].item, rules[i].caveat_ja, rules[i].caveat_en);
            break;
        case RULE_ITEM_VPN:
            from_item(q, sh, &l, rules[i].item, rules[i].caveat_ja, rules[i].caveat_en);
            rc = vpn_evidence(st, q, rules[i].item, err);
            break;
        case RULE_CHECKLIST:
            if (l.n > 0) {
                q->value = MM_GMIS_YES;
                q->basis_ja = fmt("%d年度版チェックリストに %zu 件の回答を記録", version, l.n);
                q->basis_en = fmt("%zu answers recorded on the %d checklist", l.n, version);
            } else {
                q->value = MM_GMIS_UNKNOWN;
                q->basis_ja = fmt("チェックリストの回答がまだありません");
                q->basis_en = fmt("no checklist answers recorded yet");
            }
            break;
        case RULE_ITEMS_ALL: {
            mm_answer_value v1, v2;
            mm_date d1, d2;
            int h1 = item_answer(&l, rules[i].item, &v1, &d1);
            int h2 = item_answer(&l, rules[i].item2, &v2, &d2);
            if ((h1 && v1 == MM_ANS_NO) || (h2 && v2 == MM_ANS_NO))
                q->value = MM_GMIS_NO;
            else if (h1 && h2 && v1 == MM_ANS_YES && v2 == MM_ANS_YES)
                q->value = MM_GMIS_YES;
            else
                q->value = MM_GMIS_UNKNOWN;
            q->basis_ja = fmt("3-① %s・3-③ %s。%s", h1 ? mm_answer_value_label(v1) : "未回答",
                              h2 ? mm_answer_value_label(v2) : "未回答", rules[i].caveat_ja);
            q->basis_en = fmt("3-1 %s, 3-3 %s; %s", h1 ? mm_answer_value_name(v1) : "unanswered",
                              h2 ? mm_answer_value_name(v2) : "unanswered", rules[i].caveat_en);
            break;
        }
        case RULE_EMR: rc = from_emr(st, q, err); break;
        case RULE_VPN_DEVICES:
        case RULE_VPN_LIST:
            rc = from_vpn_devices(st, q, rules[i].kind == RULE_VPN_LIST,
                                  out->n > 10 && out->q[9].value == MM_GMIS_NO, err);
            break;
        case RULE_VPN_AUDIT:
            rc = from_vpn_audit(st, q, rules[i].caveat_ja, rules[i].caveat_en, err);
            break;
        case RULE_NEEDS:
            q->value = MM_GMIS_UNKNOWN;
            q->basis_ja = fmt("%s", rules[i].caveat_ja);
            q->basis_en = fmt("%s", rules[i].caveat_en);
            break;
        }
    }
out:
    mm_answer_list_release(&l);
    json_decref(root);
    if (rc != MM_OK)
        mm_gmis_result_release(out);
    return rc;
}

void mm_gmis_result_release(mm_gmis_result *r)
{
    for (int i = 0; i < r->n; i++) {
        free(r->q[i].question);
        free(r->q[i].question_en);
        free(r->q[i].text);
        free(r->q[i].basis_ja);
        free(r->q[i].basis_en);
    }
    free(r->title);
    memset(r, 0, sizeof(*r));
}

/*
 * `mamori demo`: a 200-bed demo hospital with a realistic set of answers (some いいえ with
 * target dates, one of them overdue), two vendors with their 事業者確認用 sheets, and every
 * report format written. Dates are placed relative to today, inside the current fiscal year,
 * so the demo tells the same story whenever it runs. The answers go in through the real CSV
 * importer, as a hospital's would.
 */
#include <dirent.h>
#include <getopt.h>
#include <sodium.h>
#include <unistd.h>

#include "answers_io.h"
#include "audit.h"
#include "buf.h"
#include "cli.h"
#include "evaluate.h"
#include "evidence.h"
#include "importer.h"
#include "logs.h"
#include "services.h"
#include "facility.h"
#include "fs.h"
#include "report.h"
#include "web.h"

/* One demo answer. Days are counted back from today (checked) and forward (target). */
typedef struct demo_answer {
    const char *vendor; /* NULL: the hospital sheet */
    const char *item;
    int round;
    const char *scope;
    const char *value;
    int checked_ago;  /* days before today */
    int target_ahead; /* days after today; negative = overdue; 0 = none */
    const char *note;
} demo_answer;

#define OVERDUE (-1000) /* marker: the one overdue target, placed just before today */

static const char *const demo_vendors[] = {
    "東和メディカルシステム株式会社",
    "北星ネットワークサービス株式会社",
};

static const demo_answer demo_answers[] = {
    {NULL, "1-1", 1, "all", "yes", 120, 0, "情報システム室長を安全管理責任者に任命（院長決裁）"},
    {NULL, "2-1", 1, "all", "yes", 110, 0, "機器台帳（サーバ42台・端末PC380台・NW機器65台）"},
    {NULL, "2-2", 1, "all", "yes", 110, 0, "保守用VPN 2系統を事業者2社に確認"},
    {NULL, "2-3", 1, "all", "no", 105, 60, "部門システム1社からSDS未受領。督促中"},
    {NULL, "2-4", 1, "all", "yes", 100, 0, "職種別アクセス権限表を情報委員会で承認"},
    {NULL, "2-5", 1, "all", "no", 100, OVERDUE,
     "退職者アカウント棚卸しが未完了（人事データ連携待ち）"},
    {NULL, "2-6", 1, "all", "yes", 95, 0, "VPN装置のファームウェアを更新"},
    {NULL, "2-7", 1, "all", "yes", 95, 0, ""},
    {NULL, "2-8", 1, "all", "no", 90, 45, "病棟の共用IDが残っている。個人ID化を計画"},
    {NULL, "2-9", 1, "all", "no", 90, 75, "USB制御は外来端末のみ。病棟端末は未対応"},
    {NULL, "2-10", 1, "all", "yes", 90, 0, "次期電子カルテ更新（令和9年度）で二要素認証を導入予定"},
    {NULL, "2-11", 1, "all", "yes", 80, 0, "ログサーバへ転送、5年保存"},
    {NULL, "2-12", 1, "server", "yes", 80, 0, "サービス一覧を更新前後で比較"},
    {NULL, "2-12", 1, "pc", "no", 80, 90, "端末PCのサービス一覧の取得が未実施"},
    {NULL, "2-13", 1, "network", "yes", 75, 0, "VPN接続元を保守事業者の固定IPに限定"},
    {NULL, "3-1", 1, "all", "yes", 70, 0, "連絡体制図を院内ポータルに掲示"},
    {NULL, "3-2", 1, "all", "yes", 70, 0, "オフラインバックアップからの復旧手順を確認"},
    {NULL, "3-3", 1, "all", "no", 65, 100, "BCPにサイバー攻撃を想定した章を追加中"},
    {NULL, "4-1", 1, "all", "no", 60, 110, "運用管理規程の改訂案を作成中"},
    /* Second round: items checked again later in the year. */
    {NULL, "1-1", 2, "all", "yes", 10, 0, "任命を再確認"},
    {NULL, "2-6", 2, "all", "yes", 8, 0, "緊急パッチ適用を確認"},
    {NULL, "2-3", 2, "all", "no", 7, 60, "残り1社のSDSは受領予定日確定"},
    /* The vendors' own sheets. */
    {"東和メディカルシステム株式会社", "1-1", 1, "all", "yes", 50, 0, "保守責任者を指名済み"},
    {"東和メディカルシステム株式会社", "2-2", 1, "all", "yes", 50, 0,
     "リモート保守機器の一覧を提出"},
    {"東和メディカルシステム株式会社", "2-3", 1, "all", "yes", 50, 0, "MDS/SDS 提出済み"},
    {"東和メディカルシステム株式会社", "2-6", 1, "all", "yes", 50, 0, ""},
    {"東和メディカルシステム株式会社", "2-10", 1, "all", "no", 50, 120, "次期更新で対応予定"},
    {"東和メディカルシステム株式会社", "5-1", 1, "all", "yes", 50, 0, ""},
    {"北星ネットワークサービス株式会社", "1-1", 1, "all", "yes", 40, 0, ""},
    {"北星ネットワークサービス株式会社", "2-6", 1, "all", "yes", 40, 0, "FortiOS を修正版へ更新"},
    {"北星ネットワークサービス株式会社", "2-13", 1, "network", "yes", 40, 0, "接続元IP制限を設定"},
};

/* Days between today and the start of the fiscal year, and to its end. */
static void fy_room(mm_date today, long *since_start, long *to_end)
{
    int fy = mm_date_fiscal_year(&today);
    mm_date s = mm_fy_start(fy), e = mm_fy_end(fy);
    *since_start = mm_date_to_days(&today) - mm_date_to_days(&s);
    *to_end = mm_date_to_days(&e) - mm_date_to_days(&today);
}

/* Squeezes a demo's offsets into the current fiscal year (early April leaves little room). */
static mm_date clamp_days(long today, long offset, long lo, long hi)
{
    long d = today + offset;
    if (d < lo)
        d = lo;
    if (d > hi)
        d = hi;
    return mm_date_from_days(d);
}

static mm_rc write_demo_csv(const char *path, mm_error *err)
{
    mm_date today = mm_date_today();
    long t = mm_date_to_days(&today), since, to_end, lo, hi;
    mm_buf b;
    mm_rc rc;

    fy_room(today, &since, &to_end);
    lo = t - since;
    hi = t + to_end;
    mm_buf_init(&b, 0);
    mm_buf_adds(
        &b, "\xEF\xBB\xBFsheet,vendor,item,round,scope,answer,checked,target,answerer,note\r\n");
    for (size_t i = 0; i < MM_ARRAY_LEN(demo_answers); i++) {
        const demo_answer *a = &demo_answers[i];
        /* Checked dates: spread over the part of the year that has passed. */
        long ago = since > 0 ? (a->checked_ago * since) / 130 : 0;
        mm_date checked = clamp_days(t, -(ago > since ? since : ago), lo, t);
        long ct = mm_date_to_days(&checked);
        char cs[11], ts[11] = "";

        if (a->target_ahead == OVERDUE) {
            /* The one overdue: a target after the check but already passed. */
            if (t > ct) {
                mm_date target = mm_date_from_days(t - 1 > ct ? t - 1 : ct);
                mm_date_iso(&target, ts);
            } else {
                mm_date_iso(&today, ts); /* 1 April: nothing can be overdue yet */
            }
        } else if (a->target_ahead > 0) {
            long ahead = to_end > 0 ? (a->target_ahead * to_end) / 130 + 1 : 0;
            mm_date target = clamp_days(t, ahead, ct, hi);
            mm_date_iso(&target, ts);
        }
        mm_date_iso(&checked, cs);
        mm_buf_addf(&b, "%s,", a->vendor ? "vendor" : "hospital");
        mm_buf_add_csv(&b, a->vendor ? a->vendor : "");
        mm_buf_addf(&b, ",%s,%d,%s,%s,%s,%s,", a->item, a->round, a->scope, a->value, cs, ts);
        mm_buf_add_csv(&b, a->vendor ? "事業者担当" : "山田 太郎");
        mm_buf_addc(&b, ',');
        mm_buf_add_csv(&b, a->note);
        mm_buf_adds(&b, "\r\n");
    }
    rc = mm_file_write_atomic(path, mm_buf_str(&b), b.len, 0644, err);
    mm_buf_release(&b);
    return rc;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Replaces every {{today-N}} in text with the date N days before today. Caller frees. */
static char *expand_dates(const char *text)
{
    mm_date today = mm_date_today();
    long t = mm_date_to_days(&today);
    mm_buf b;

    mm_buf_init(&b, 0);
    while (*text) {
        const char *open = strstr(text, "{{today-");
        const char *close = open ? strstr(open, "}}") : NULL;
        char num[16], iso[11];
        long n;
        size_t len;
        if (!open || !close) {
            mm_buf_adds(&b, text);
            break;
        }
        mm_buf_add(&b, text, (size_t)(open - text));
        len = (size_t)(close - open) - 8;
        if (len == 0 || len >= sizeof(num)) {
            mm_buf_add(&b, open, (size_t)(close - open) + 2);
        } else {
            memcpy(num, open + 8, len);
            num[len] = '\0';
            if (mm_parse_long(num, 0, 36500, &n) == MM_OK) {
                mm_date d = mm_date_from_days(t - n);
                mm_date_iso(&d, iso);
                mm_buf_adds(&b, iso);
            } else {
                mm_buf_add(&b, open, (size_t)(close - open) + 2);
            }
        }
        text = close + 2;
    }
    return mm_buf_detach(&b, NULL);
}

/* Copies the demo data file in to out with its {{today-N}} dates placed. */
static mm_rc copy_dated(const char *in, const char *out, size_t max, mm_error *err)
{
    char *raw = NULL, *text;
    size_t len = 0;
    mm_rc rc = mm_file_read(in, max, &raw, &len, err);

    if (rc != MM_OK)
        return rc;
    text = expand_dates(raw);
    rc = mm_file_write_atomic(out, text, strlen(text), 0644, err);
    free(raw);
    free(text);
    return rc;
}

/*
 * Copies the demo evidence ($MAMORI_DATA/demo/evidence/NN-KIND.csv, in name order) into
 * DIR/evidence with its dates placed relative to today, and imports each file as KIND with
 * the importer a hospital uses. OUT: *files, *rows imported.
 */
static mm_rc import_demo_evidence(mm_ws *ws, const char *dir, const char *actor, size_t *files,
                                  size_t *rows, mm_error *err)
{
    char src[4096], dst[4096];
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    DIR *d = NULL;
    mm_rc rc = MM_OK;

    *files = *rows = 0;
    if (mm_path_join(src, sizeof(src), mm_data_dir(), "demo/evidence") != MM_OK ||
        mm_path_join(dst, sizeof(dst), dir, "evidence") != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, dir, 0, 0, "path too long");
    d = opendir(src);
    if (!d)
        return mm_error_set(err, MM_ERR_NOTFOUND, src, 0, 0,
                            "デモの証拠データがありません (demo evidence directory missing)");
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 8 || de->d_name[2] != '-' || strcmp(de->d_name + len - 4, ".csv") != 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = mm_xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = mm_xstrdup(de->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof(char *), name_cmp);
    if ((rc = mm_mkdir_p(dst, 0755, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        char in[4096], outp[4096], kind[64];
        size_t count = 0, klen = strlen(names[i]) - 3 - 4;
        if (klen >= sizeof(kind) || mm_path_join(in, sizeof(in), src, names[i]) != MM_OK ||
            mm_path_join(outp, sizeof(outp), dst, names[i]) != MM_OK) {
            rc = mm_error_set(err, MM_ERR_INVALID, names[i], 0, 0, "name too long");
            break;
        }
        memcpy(kind, names[i] + 3, klen);
        kind[klen] = '\0';
        rc = copy_dated(in, outp, MM_EVIDENCE_MAX_BYTES, err);
        if (rc == MM_OK)
            rc = mm_import_file(ws->st, kind, outp, actor, 0, &count, err);
        if (rc == MM_OK) {
            (*files)++;
            *rows += count;
        }
    }
    /* The advisory feed shipped with Mamori, as a hospital would import it. */
    if (rc == MM_OK) {
        char feed[4096];
        size_t count = 0;
        if (mm_path_join(feed, sizeof(feed), mm_data_dir(), "advisories/feed.json") != MM_OK)
            rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "path too long");
        else
            rc = mm_import_file(ws->st, "advisories", feed, actor, 0, &count, err);
        if (rc == MM_OK) {
            (*files)++;
            *rows += count;
        }
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

/*
 * Imports the demo's service snapshots: $MAMORI_DATA/demo/services/HOST/N.csv, each taken N
 * days before today, oldest first (2-⑫). OUT: *snapshots.
 */
static mm_rc import_demo_services(mm_ws *ws, const char *actor, size_t *snapshots, mm_error *err)
{
    char root[4096];
    DIR *hosts = NULL;
    struct dirent *h;
    mm_date today = mm_date_today();
    mm_rc rc = MM_OK;

    *snapshots = 0;
    if (mm_path_join(root, sizeof(root), mm_data_dir(), "demo/services") != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "path too long");
    hosts = opendir(root);
    if (!hosts)
        return MM_OK; /* no demo snapshots shipped */
    while (rc == MM_OK && (h = readdir(hosts))) {
        char dir[4096];
        DIR *files;
        struct dirent *f;
        long days[16];
        size_t n = 0;
        if (h->d_name[0] == '.' || mm_path_join(dir, sizeof(dir), root, h->d_name) != MM_OK ||
            !(files = opendir(dir)))
            continue;
        while ((f = readdir(files)) && n < MM_ARRAY_LEN(days)) {
            char num[16];
            size_t len = strlen(f->d_name);
            if (len < 5 || len - 4 >= sizeof(num) || strcmp(f->d_name + len - 4, ".csv") != 0)
                continue;
            memcpy(num, f->d_name, len - 4);
            num[len - 4] = '\0';
            if (mm_parse_long(num, 0, 3650, &days[n]) == MM_OK)
                n++;
        }
        closedir(files);
        /* Oldest first: the largest number of days ago. */
        for (size_t i = 0; i < n; i++)
            for (size_t j = i + 1; j < n; j++)
                if (days[j] > days[i]) {
                    long t = days[i];
                    days[i] = days[j];
                    days[j] = t;
                }
        for (size_t i = 0; i < n && rc == MM_OK; i++) {
            char file[32], path[4096];
            const char *paths[1] = {path};
            mm_date taken = mm_date_from_days(mm_date_to_days(&today) - days[i]);
            mm_services_import_result res;
            snprintf(file, sizeof(file), "%ld.csv", days[i]);
            if (mm_path_join(path, sizeof(path), dir, file) != MM_OK)
                continue;
            rc = mm_services_import(ws->st, h->d_name, &taken, paths, 1, actor, 0, &res, err);
            if (rc == MM_OK)
                (*snapshots)++;
        }
    }
    closedir(hosts);
    return rc;
}

/* What the demo's logs produced, for the summary. */
typedef struct demo_logs {
    unsigned long long events, alerts;
    int verified;
    char vpn_report[4096];
} demo_logs;

/*
 * Two weeks of the demo hospital's access logs ($MAMORI_DATA/demo/logs: FortiGate SSL-VPN,
 * sshd on the log server, Windows Security events of the EMR servers, the EMR's record-access
 * CSV), dated relative to today, go through the same pipeline as `mamori logs import`: parse,
 * rules, sealed store. The story: a password-guessing run on the VPN followed by a success, a
 * vendor connecting from outside its allow-list at night, a leaver's VPN account and EMR login
 * still working, a new local administrator; PACS-01 and FILE-01 send no logs (2-⑪). The store
 * is then verified and the month's VPN access audit written, as a hospital would each month.
 */
static mm_rc import_demo_logs(mm_ws *ws, const char *dir, const char *reports, const char *facility,
                              demo_logs *out, mm_error *err)
{
    static const struct {
        const char *file, *format, *device;
    } files[] = {
        {"01-fortigate.log", "fortigate", NULL},
        {"02-syslog.log", "syslog", NULL},
        {"03-windows-json.jsonl", "windows-json", NULL},
        {"04-emr-csv.csv", "emr-csv", "電子カルテ"},
    };
    char src[4096], dst[4096], logs_dir[4096];
    uint8_t sk[64], pk[32];
    mm_logsess *s = NULL;
    mm_buf notices, rep;
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    mm_buf_init(&notices, 0);
    mm_buf_init(&rep, 0);
    if (mm_path_join(src, sizeof(src), mm_data_dir(), "demo/logs") != MM_OK ||
        mm_path_join(dst, sizeof(dst), dir, "demo-logs") != MM_OK ||
        mm_path_join(logs_dir, sizeof(logs_dir), dir, MM_LOGS_DIR) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, dir, 0, 0, "path too long");
    if (!mm_dir_exists(src))
        return MM_OK; /* no demo logs shipped */
    if ((rc = mm_mkdir_p(dst, 0755, err)) != MM_OK ||
        (rc = mm_logsess_open(ws->dir, ws->st, &notices, &s, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < MM_ARRAY_LEN(files) && rc == MM_OK; i++) {
        char in[4096], outp[4096];
        int pidx = 0;
        const mm_log_parser *p = mm_log_parser_find(files[i].format, &pidx);
        if (!p || mm_path_join(in, sizeof(in), src, files[i].file) != MM_OK ||
            mm_path_join(outp, sizeof(outp), dst, files[i].file) != MM_OK) {
            rc = mm_error_set(err, MM_ERR_INVALID, files[i].file, 0, 0, "demo log set broken");
            break;
        }
        rc = copy_dated(in, outp, 16 * 1024 * 1024, err);
        if (rc == MM_OK)
            rc = mm_logsess_file(s, outp, p, pidx, files[i].device, err);
    }
    if (rc == MM_OK)
        rc = mm_logsess_commit(s, err);
    if (rc != MM_OK)
        goto out;
    out->events = mm_logsess_counts(s)->stored;
    out->alerts = mm_logsess_counts(s)->alerts;
    mm_logsess_free(&s);
    /* verify, and record the result for the 2-⑪ evaluator */
    {
        mm_logv_report r;
        mm_error rec;
        mm_error_clear(&rec);
        mm_logv_report_init(&r);
        rc = mm_logkey_load(logs_dir, 0, sk, pk, NULL, err);
        sodium_memzero(sk, sizeof(sk));
        if (rc == MM_OK)
            rc = mm_logs_verify_recorded(logs_dir, ws->st, pk, 0, &r, err, &rec);
        if (rc == MM_OK && rec.rc != MM_OK)
            rc = mm_error_set(err, rec.rc, rec.file, rec.line, rec.col, "%s", rec.msg);
        out->verified = rc == MM_OK;
        mm_logv_report_release(&r);
        if (rc != MM_OK)
            goto out;
    }
    /* the VPN access audit of the month the attack happened in (three days ago) */
    {
        mm_date today = mm_date_today();
        mm_date d = mm_date_from_days(mm_date_to_days(&today) - 3);
        mm_date next = {d.m == 12 ? d.y + 1 : d.y, d.m == 12 ? 1 : d.m + 1, 1};
        mm_date first = {d.y, d.m, 1};
        mm_logs_conf conf;
        char month[8], title[512], name[64];
        int64_t tz = 0, since, until;
        snprintf(month, sizeof(month), "%04d-%02d", d.y, d.m);
        if ((rc = mm_logs_conf_load(ws->dir, &conf, err)) != MM_OK)
            goto out;
        tz = (int64_t)conf.tz_offset_min * 60000;
        since = (int64_t)mm_date_to_days(&first) * 86400000 - tz;
        until = (int64_t)mm_date_to_days(&next) * 86400000 - tz;
        snprintf(title, sizeof(title), "%s VPN アクセスログ監査 %d年%d月 (VPN access audit %s)",
                 facility, d.y, d.m, month);
        snprintf(name, sizeof(name), "vpn-audit-%s.html", month);
        if (mm_path_join(out->vpn_report, sizeof(out->vpn_report), reports, name) != MM_OK) {
            rc = mm_error_set(err, MM_ERR_INVALID, reports, 0, 0, "path too long");
            goto out;
        }
        if ((rc = mm_logs_vpn_report(logs_dir, ws->st, &conf, since, until, title, 1, &rep, NULL,
                                     err)) != MM_OK ||
            (rc = mm_file_write_atomic(out->vpn_report, rep.data ? rep.data : "", rep.len, 0644,
                                       err)) != MM_OK ||
            (rc = mm_logs_vpn_audit_record(ws->st, month, mm_logs_now_ms(), ws->actor, err)) !=
                MM_OK)
            goto out;
    }
out:
    mm_logsess_free(&s);
    mm_buf_release(&notices);
    mm_buf_release(&rep);
    return rc;
}

/* Removes a previous demo workspace (only one marked as a demo). */
static mm_rc clear_previous(const char *dir, mm_error *err)
{
    static const char *const files[] = {MM_WS_DB, MM_WS_DB "-wal", MM_WS_DB "-shm", MM_WS_CONF};
    char db[4096], *marker = NULL;
    mm_store *st = NULL;
    mm_rc rc;

    if (mm_path_join(db, sizeof(db), dir, MM_WS_DB) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, dir, 0, 0, "path too long");
    if (!mm_file_exists(db))
        return MM_OK;
    if ((rc = mm_store_open(db, 0, &st, err)) != MM_OK)
        return rc;
    rc = mm_store_meta_get(st, "demo", &marker, err);
    mm_store_close(&st);
    free(marker);
    if (rc == MM_ERR_NOTFOUND)
        return mm_error_set(err, MM_ERR_EXISTS, dir, 0, 0,
                            "デモではないワークスペースがあります。別の --dir を指定してください "
                            "(a workspace that is not a demo exists here; choose another --dir)");
    if (rc != MM_OK)
        return rc;
    for (size_t i = 0; i < MM_ARRAY_LEN(files); i++) {
        char p[4096];
        if (mm_path_join(p, sizeof(p), dir, files[i]) == MM_OK)
            unlink(p);
    }
    return MM_OK;
}

int mm_cmd_demo(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"dir", required_argument, NULL, 'd'},
                                         {"no-serve", no_argument, NULL, 'n'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"listen", required_argument, NULL, 'l'},
                                         {0}};
    static const struct {
        mm_report_format format;
        mm_encoding enc;
        const char *file;
    } outputs[] = {
        {MM_REPORT_XLSX, MM_ENC_UTF8, "checklist.xlsx"},
        {MM_REPORT_PDF, MM_ENC_UTF8, "checklist.pdf"},
        {MM_REPORT_HTML, MM_ENC_UTF8, "checklist.html"},
        {MM_REPORT_CSV, MM_ENC_UTF8, "checklist.csv"},
        {MM_REPORT_CSV, MM_ENC_CP932, "checklist-cp932.csv"},
    };
    const char *dir = g->dir ? g->dir : "./demo-data";
    char csv[4096], reports[4096], actor[] = "demo";
    mm_globals g2 = *g;
    mm_report_set *set = NULL;
    mm_facility f;
    mm_error err;
    mm_ws ws;
    size_t count = 0, efiles = 0, erows = 0, snapshots = 0;
    mm_eval_summary esum;
    demo_logs dl;
    int c, code = MM_EXIT_OK, opened = 0, serve = 1;
    const char *listen = NULL;
    char *admin_pw = NULL, *vendor_pw = NULL;
    long id;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'd': dir = optarg; break;
        case 'n': serve = 0; break;
        case 'l': listen = optarg; break;
        case 'f': break; /* a demo workspace is always rebuilt */
        default: return mm_cli_usage("demo", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("demo", "unexpected argument '%s'", argv[optind]);
    if (mm_path_join(csv, sizeof(csv), dir, "answers-demo.csv") != MM_OK ||
        mm_path_join(reports, sizeof(reports), dir, "reports") != MM_OK)
        return mm_cli_usage("demo", "--dir is too long");
    if (mm_dir_exists(dir) && clear_previous(dir, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_ws_create(dir, actor, &err) != MM_OK)
        return mm_cli_fail(&err);
    g2.dir = dir;
    g2.as = actor;
    if (mm_ws_open(&g2, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    opened = 1;
    if (mm_store_meta_set(ws.st, "demo", "1", &err) != MM_OK)
        goto fail;
    memset(&f, 0, sizeof(f));
    mm_strlcpy(f.name, "みどり台総合病院（デモ）", sizeof(f.name));
    mm_strlcpy(f.kind, "hospital", sizeof(f.kind));
    f.beds = 200;
    mm_strlcpy(f.prefecture, "静岡県", sizeof(f.prefecture));
    mm_strlcpy(f.manager, "山田 太郎", sizeof(f.manager));
    if (mm_facility_set(ws.st, &f, actor, &err) != MM_OK)
        goto fail;
    for (size_t i = 0; i < MM_ARRAY_LEN(demo_vendors); i++)
        if (mm_vendor_add(ws.st, demo_vendors[i], actor, &id, &err) != MM_OK)
            goto fail;
    if (write_demo_csv(csv, &err) != MM_OK ||
        mm_answers_import_file(ws.st, ws.cat, csv, actor, 0, &count, &err) != MM_OK)
        goto fail;
    if (import_demo_evidence(&ws, dir, actor, &efiles, &erows, &err) != MM_OK ||
        import_demo_services(&ws, actor, &snapshots, &err) != MM_OK ||
        mm_mkdir_p(reports, 0755, &err) != MM_OK ||
        import_demo_logs(&ws, dir, reports, f.name, &dl, &err) != MM_OK)
        goto fail;
    {
        mm_eval_settings es = {ws.unused_account_days, ws.dir};
        if (mm_evaluate_all(ws.st, &es, &esum, &err) != MM_OK)
            goto fail;
    }
    /* Web users: the admin enrols TOTP at first login; a vendor user sees only its sheet. */
    if (mm_web_user_add(ws.st, "admin", MM_ROLE_ADMIN, NULL, actor, &admin_pw, &err) != MM_OK ||
        mm_web_user_add(ws.st, "towa", MM_ROLE_VENDOR, demo_vendors[0], actor, &vendor_pw, &err) !=
            MM_OK)
        goto fail;
    if (mm_mkdir_p(reports, 0755, &err) != MM_OK ||
        mm_report_set_build(ws.st, ws.cat, ws.default_version, NULL, &set, &err) != MM_OK)
        goto fail;
    for (size_t i = 0; i < MM_ARRAY_LEN(outputs); i++) {
        char path[4096];
        mm_report_opts ro = {outputs[i].format, outputs[i].enc};
        if (mm_path_join(path, sizeof(path), reports, outputs[i].file) != MM_OK ||
            mm_report_write(set, &ro, path, &err) != MM_OK)
            goto fail;
    }
    {
        const mm_report_summary *s = &set->reports[0].summary;
        mm_audit_report ar;
        mm_audit_report_init(&ar);
        if (mm_audit_verify(ws.st, &ar, &err) != MM_OK) {
            mm_audit_report_release(&ar);
            goto fail;
        }
        printf("デモ病院を作成しました (demo hospital ready): %s — %ld床, %s\n", f.name, f.beds,
               f.prefecture);
        printf("  ワークスペース (workspace): %s\n", dir);
        printf("  チェックリスト: %s（%s）\n", set->reports[0].title, set->fy_label);
        printf("  回答 (answers imported): %zu 件 / 事業者 %zu 社\n", count, set->nreports - 1);
        printf("  証拠 (evidence): %zu ファイル %zu 行、サービス一覧 %zu 件を取込、評価で指摘 %d 件"
               "（不適合 %d）\n",
               efiles, erows, snapshots, esum.findings, esum.failures);
        printf("  医療機関確認用: 回答済み %d/%d  はい %d  いいえ %d  該当なし %d  "
               "対応目標日超過 %d  証拠との矛盾 %d\n",
               s->answered, s->rows, s->yes, s->no, s->na, s->overdue, s->conflicts);
        for (size_t i = 0; i < set->reports[0].nrows; i++) {
            const mm_report_row *row = &set->reports[0].rows[i];
            if (row->conflict)
                printf("    ⚠ %s %s\n", row->item->label, row->conflict_text);
        }
        for (int i = 0; i < s->ndeadlines; i++) {
            char ds[11];
            mm_date_slash(&s->deadlines[i].date, ds);
            printf("  期限: %s %s まで 残り%ld日 — %s\n", s->deadlines[i].item->label, ds,
                   s->deadlines[i].days_left, s->deadlines[i].met ? "達成" : "未達成");
        }
        if (dl.events)
            printf("  アクセスログ (access logs): %llu 件を封印保管、検知 %llu 件、改ざん検証%s\n"
                   "    VPN アクセスログ監査: %s\n",
                   dl.events, dl.alerts, dl.verified ? "OK" : "NG", dl.vpn_report);
        printf("  監査記録 (audit trail): %ld 件、検証OK (verified)\n", ar.entries);
        printf("  報告書 (reports):\n");
        for (size_t i = 0; i < MM_ARRAY_LEN(outputs); i++)
            printf("    %s/%s\n", reports, outputs[i].file);
        printf("\n次に試す (try next):\n"
               "  build/mamori --dir %s checklist show\n"
               "  build/mamori --dir %s findings\n"
               "  build/mamori --dir %s gmis\n"
               "  build/mamori --dir %s audit verify\n"
               "  build/mamori --dir %s alerts\n"
               "  build/mamori --dir %s logs verify\n",
               dir, dir, dir, dir, dir, dir);
        printf("\nウェブ画面のログイン (web UI logins; passwords shown only once):\n"
               "  admin / %s  （管理者。初回ログインで二要素認証を登録 / enrol TOTP at first "
               "login）\n"
               "  towa  / %s  （事業者: %s）\n",
               admin_pw, vendor_pw, demo_vendors[0]);
        mm_audit_report_release(&ar);
    }
    if (serve) {
        mm_report_set_free(&set);
        printf("\nウェブ画面を起動します。止めるには Ctrl-C (starting the web UI; Ctrl-C stops "
               "it)\n");
        fflush(stdout);
        code = mm_cli_serve(&ws, listen, NULL, NULL, 0);
    }
    goto out;
fail:
    code = mm_cli_fail(&err);
out:
    free(admin_pw);
    free(vendor_pw);
    mm_report_set_free(&set);
    if (opened)
        mm_ws_close(&ws);
    return code;
}

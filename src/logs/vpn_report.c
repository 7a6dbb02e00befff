/*
 * The monthly VPN access audit (G-MIS asks whether VPN access logs are audited): who connected,
 * how often, from where, from where outside the allow-list, and how many failed logins, per
 * user, from the sealed store. Written as CSV (UTF-8 with BOM, what Japanese Excel opens) or as
 * one HTML page to print and file.
 */
#include "logs_int.h"

#define MAX_USERS 100000
#define MAX_SOURCES_SHOWN 5

typedef struct vuser {
    char *user;
    long sessions, failures, outside;
    int64_t first, last;
    char *sources[MAX_SOURCES_SHOWN];
    int nsources;
    long more_sources;
} vuser;

typedef struct vrep {
    vuser *u;
    size_t n, cap;
    char **devices; /* VPN gateways seen (devices with vpn-up/down) */
    size_t ndev;
    mm_rules *rules;
    int pass; /* 0: VPN sessions, 1: failures on the gateways */
    long users_dropped;
} vrep;

static vuser *get_user(vrep *r, mm_sv u)
{
    for (size_t i = 0; i < r->n; i++)
        if (strlen(r->u[i].user) == u.n && memcmp(r->u[i].user, u.p, u.n) == 0)
            return &r->u[i];
    if (r->n >= MAX_USERS) {
        r->users_dropped++;
        return NULL;
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->u = mm_xrealloc(r->u, r->cap * sizeof(*r->u));
    }
    memset(&r->u[r->n], 0, sizeof(vuser));
    r->u[r->n].user = mm_xmalloc(u.n + 1);
    memcpy(r->u[r->n].user, u.p, u.n);
    r->u[r->n].user[u.n] = '\0';
    return &r->u[r->n++];
}

static int is_gateway(const vrep *r, mm_sv d)
{
    for (size_t i = 0; i < r->ndev; i++)
        if (mm_sv_eq(d, r->devices[i]))
            return 1;
    return 0;
}

static int on_event(void *arg, const mm_event *ev)
{
    vrep *r = arg;
    vuser *u;
    mm_sv dev = ev->f[MM_EVF_DEVICE], src = ev->f[MM_EVF_SRC];

    if (r->pass == 0) {
        if (ev->kind != MM_EVK_VPN_UP && ev->kind != MM_EVK_VPN_DOWN)
            return 0;
        if (!is_gateway(r, dev)) {
            r->devices = mm_xrealloc(r->devices, (r->ndev + 1) * sizeof(char *));
            r->devices[r->ndev] = mm_xmalloc(dev.n + 1);
            memcpy(r->devices[r->ndev], dev.p, dev.n);
            r->devices[r->ndev++][dev.n] = '\0';
        }
        if (ev->kind != MM_EVK_VPN_UP || !(u = get_user(r, ev->f[MM_EVF_USER])))
            return 0;
        u->sessions++;
        if (!u->first || ev->time_ms < u->first)
            u->first = ev->time_ms;
        if (ev->time_ms > u->last)
            u->last = ev->time_ms;
        if (r->rules && mm_rules_source_allowed(r->rules, dev, src) == 0)
            u->outside++;
        {
            int seen = 0;
            for (int i = 0; i < u->nsources; i++)
                if (mm_sv_eq(src, u->sources[i]))
                    seen = 1;
            if (!seen && u->nsources < MAX_SOURCES_SHOWN) {
                u->sources[u->nsources] = mm_xmalloc(src.n + 1);
                memcpy(u->sources[u->nsources], src.p, src.n);
                u->sources[u->nsources++][src.n] = '\0';
            } else if (!seen) {
                u->more_sources++;
            }
        }
        return 0;
    }
    /* VPN login failures on a gateway; administrator console logins (they name the UI in
     * target) are not VPN access */
    if (ev->kind == MM_EVK_LOGON_FAILURE && is_gateway(r, dev) && ev->f[MM_EVF_TARGET].n == 0 &&
        (u = get_user(r, ev->f[MM_EVF_USER])) != NULL)
        u->failures++;
    return 0;
}

/* "2025-11-20 09:03" in the configured zone: what a printed audit shows. */
static void short_time(int64_t ms, int tz, char *out, size_t outsz)
{
    char iso[40];
    mm_time_format(ms, tz, iso, sizeof(iso));
    if (strlen(iso) >= 16 && iso[10] == 'T') {
        iso[10] = ' ';
        iso[16] = '\0';
    }
    mm_strlcpy(out, iso, outsz);
}

/* The alerts of the period that concern the VPN gateways (or VPN sessions), with whether and
 * by whom each was reviewed: what the auditor looks at first. */
static mm_rc add_alerts(mm_buf *out, mm_store *st, int64_t since_ms, int64_t until_ms,
                        const mm_logs_conf *conf, char **devices, size_t ndev, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char a[24], b[24];
    int n = 0, rcs;
    mm_rc rc;

    mm_time_format_utc(since_ms, a, sizeof(a));
    mm_time_format_utc(until_ms, b, sizeof(b));
    rc = mm_store_prepare(st,
                          "SELECT id, severity, first_at, title_ja, detail_ja, reviewed_at, "
                          "reviewed_by, review_note, events FROM alert WHERE first_at >= ?1 AND "
                          "first_at < ?2 ORDER BY first_at, id",
                          &s, err);
    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, a);
    mm_bind_text(s, 2, b);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        const char *detail = mm_col_text(s, 4), *events = mm_col_text(s, 8);
        int vpn = strstr(detail, "VPN") != NULL;
        char t[40];
        for (size_t i = 0; i < ndev && !vpn; i++)
            vpn = strstr(detail, devices[i]) != NULL || strstr(events, devices[i]) != NULL;
        if (!vpn)
            continue;
        if (n++ == 0)
            mm_buf_adds(out, "<h2>この期間の VPN に関する検知 (alerts about VPN access)</h2>\n"
                             "<table>\n<tr><th>#</th><th>重大度 severity</th><th>日時 at</th>"
                             "<th>内容 alert</th><th>確認 review</th></tr>\n");
        {
            int64_t ms = 0;
            const char *first = mm_col_text(s, 2);
            t[0] = '\0';
            if (mm_time_parse_iso(first, strlen(first), 0, &ms) == MM_OK)
                short_time(ms, conf->tz_offset_min, t, sizeof(t));
        }
        mm_buf_addf(out, "<tr><td class=n>%lld</td><td class=\"%s\">",
                    (long long)sqlite3_column_int64(s, 0),
                    strcmp(mm_col_text(s, 1), "critical") == 0 ||
                            strcmp(mm_col_text(s, 1), "high") == 0
                        ? "bad"
                        : "");
        mm_buf_add_html(out, mm_col_text(s, 1));
        mm_buf_addf(out, "</td><td>%s</td><td>", t);
        mm_buf_add_html(out, mm_col_text(s, 3));
        mm_buf_adds(out, "<br>");
        mm_buf_add_html(out, detail);
        mm_buf_adds(out, "</td><td>");
        if (sqlite3_column_type(s, 5) != SQLITE_NULL) {
            mm_buf_adds(out, "確認済み ");
            mm_buf_add_html(out, mm_col_text(s, 5));
            mm_buf_adds(out, " ");
            mm_buf_add_html(out, mm_col_text(s, 6));
            mm_buf_adds(out, "<br>");
            mm_buf_add_html(out, mm_col_text(s, 7));
        } else {
            mm_buf_adds(out, "<span class=\"bad\">未確認 (not reviewed)</span>");
        }
        mm_buf_adds(out, "</td></tr>\n");
    }
    sqlite3_finalize(s);
    if (rcs != SQLITE_DONE)
        return mm_store_error(st, err, "reading alerts");
    if (n)
        mm_buf_adds(out, "</table>\n");
    else
        mm_buf_adds(out, "<h2>この期間の VPN に関する検知 (alerts about VPN access)</h2>\n"
                         "<p>ありません (none)</p>\n");
    return MM_OK;
}

static int cmp_user(const void *a, const void *b)
{
    return strcmp(((const vuser *)a)->user, ((const vuser *)b)->user);
}

mm_rc mm_logs_vpn_report(const char *logs_dir, mm_store *st, const mm_logs_conf *conf,
                         int64_t since_ms, int64_t until_ms, const char *title, int html,
                         mm_buf *out, mm_logq_stats *qstats, mm_error *err)
{
    vrep r;
    mm_logq q = {since_ms, until_ms, NULL, NULL, NULL, -1, 0};
    mm_logq_stats qs, damage;
    char rules_dir[4200];
    const char *data = getenv("MAMORI_DATA");
    long total_s = 0, total_f = 0, total_o = 0;
    mm_rc rc;

    memset(&r, 0, sizeof(r));
    snprintf(rules_dir, sizeof(rules_dir), "%s/rules", data && *data ? data : MM_DATA_DIR);
    if ((rc = mm_rules_load(rules_dir, st, conf, &r.rules, err)) != MM_OK)
        return rc;
    q.kind = -1;
    rc = mm_logs_query(logs_dir, &q, on_event, &r, &qs, err);
    damage = qs; /* the first pass reads every block of the period */
    r.pass = 1;
    q.kind = MM_EVK_LOGON_FAILURE;
    if (rc == MM_OK && r.ndev)
        rc = mm_logs_query(logs_dir, &q, on_event, &r, &qs, err);
    if (qstats)
        *qstats = damage;
    if (rc != MM_OK)
        goto out;
    if (r.n)
        qsort(r.u, r.n, sizeof(vuser), cmp_user);
    for (size_t i = 0; i < r.n; i++) {
        total_s += r.u[i].sessions;
        total_f += r.u[i].failures;
        total_o += r.u[i].outside;
    }
    if (html) {
        mm_buf_adds(out,
                    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>");
        mm_buf_add_html(out, title);
        mm_buf_adds(out, "</title><style>body{font-family:sans-serif}table{border-collapse:"
                         "collapse}td,th{border:1px solid #888;padding:2px 6px}"
                         "td.n{text-align:right}.bad{color:#b00;font-weight:bold}"
                         "table.sign td{min-width:12em;height:2.2em}td.memo{height:6em}"
                         ".note{font-size:90%}@media print{.note{color:#444}}</style>"
                         "</head><body>\n<h1>");
        mm_buf_add_html(out, title);
        mm_buf_addf(out,
                    "</h1>\n<p>VPN 装置: %zu 台、利用者 %zu 人、接続 %ld 回、許可リスト外の"
                    "接続元からの接続 %ld 回、ログイン失敗 %ld 回 (VPN gateways %zu, users "
                    "%zu, sessions %ld, outside the allow-list %ld, failed logins %ld)</p>\n",
                    r.ndev, r.n, total_s, total_o, total_f, r.ndev, r.n, total_s, total_o, total_f);
        if (damage.blocks_damaged || damage.segments_damaged) {
            mm_buf_addf(out,
                        "<p class=\"bad\">この期間のログのうち読めない部分（区画 %llu、ブロック "
                        "%llu、最初: ",
                        (unsigned long long)damage.segments_damaged,
                        (unsigned long long)damage.blocks_damaged);
            mm_buf_add_html(out, damage.first_damaged);
            mm_buf_adds(out,
                        "）があり、この監査に含まれていません。<code>mamori logs verify</code> "
                        "で確認してください (damaged parts of the store are not in this "
                        "audit; run mamori logs verify)</p>\n");
        }
        mm_buf_adds(out, "<table>\n<tr><th>利用者 user</th><th>接続 sessions</th><th>初回 first"
                         "</th><th>最終 last</th><th>接続元 sources</th><th>許可リスト外 "
                         "outside allow-list</th><th>失敗 failures</th></tr>\n");
    } else {
        mm_buf_adds(out, "\xEF\xBB\xBF利用者,接続回数,初回,最終,接続元,許可リスト外の接続回数,"
                         "ログイン失敗回数\r\n");
    }
    for (size_t i = 0; i < r.n; i++) {
        vuser *u = &r.u[i];
        char t1[40] = "", t2[40] = "";
        mm_buf srcs;
        mm_buf_init(&srcs, 0);
        for (int k = 0; k < u->nsources; k++)
            mm_buf_addf(&srcs, "%s%s", k ? " " : "", u->sources[k]);
        if (u->more_sources)
            mm_buf_addf(&srcs, " (+%ld)", u->more_sources);
        if (u->first)
            (html ? short_time : mm_time_format)(u->first, conf->tz_offset_min, t1, sizeof(t1));
        if (u->last)
            (html ? short_time : mm_time_format)(u->last, conf->tz_offset_min, t2, sizeof(t2));
        if (html) {
            mm_buf_adds(out, "<tr><td>");
            mm_buf_add_html(out, u->user);
            mm_buf_addf(out, "</td><td class=n>%ld</td><td>%s</td><td>%s</td><td>", u->sessions, t1,
                        t2);
            mm_buf_add_html(out, mm_buf_str(&srcs));
            mm_buf_addf(out, "</td><td class=\"n%s\">%ld</td><td class=\"n%s\">%ld</td></tr>\n",
                        u->outside ? " bad" : "", u->outside, u->failures >= 5 ? " bad" : "",
                        u->failures);
        } else {
            mm_buf_add_csv(out, u->user);
            mm_buf_addf(out, ",%ld,%s,%s,", u->sessions, t1, t2);
            mm_buf_add_csv(out, mm_buf_str(&srcs));
            mm_buf_addf(out, ",%ld,%ld\r\n", u->outside, u->failures);
        }
        mm_buf_release(&srcs);
    }
    if (html) {
        mm_buf_adds(out, "</table>\n");
        rc = add_alerts(out, st, since_ms, until_ms, conf, r.devices, r.ndev, err);
        mm_buf_adds(out,
                    "<h2>確認 (review)</h2>\n<table class=\"sign\"><tr><th>確認者 reviewed by</th>"
                    "<td></td><th>確認日 date</th><td></td></tr>\n<tr><th>所見・対応 findings "
                    "and actions</th><td colspan=\"3\" class=\"memo\"></td></tr></table>\n"
                    "<p class=\"note\">この監査を作成したことは Mamori の監査記録に残り、G-MIS の"
                    "設問14（VPN装置へのアクセス記録の定期的な検査）の根拠になります。検知の確認は "
                    "<code>mamori alerts review 番号 --note 内容</code> で記録できます。"
                    "(Making this audit is recorded in Mamori's audit trail and answers G-MIS "
                    "question 14; record alert reviews with mamori alerts review.)</p>\n"
                    "</body></html>\n");
    }
out:
    for (size_t i = 0; i < r.n; i++) {
        free(r.u[i].user);
        for (int k = 0; k < r.u[i].nsources; k++)
            free(r.u[i].sources[k]);
    }
    free(r.u);
    for (size_t i = 0; i < r.ndev; i++)
        free(r.devices[i]);
    free(r.devices);
    mm_rules_free(&r.rules);
    return rc;
}

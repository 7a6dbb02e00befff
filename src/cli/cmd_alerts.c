/*
 * `mamori alerts`: what the detection rules raised, newest first, and `mamori alerts review`:
 * someone looked at an alert and wrote down what they found. Checklist 2-⑪ asks that access
 * logs are reviewed regularly; the review record (who, when, the note) is that evidence, and
 * the 2-⑪ evaluator fails high and critical alerts nobody reviewed in time.
 */
#include <getopt.h>

#include "audit.h"
#include "cli.h"
#include "logs.h"

static const char *const severities[] = {"low", "medium", "high", "critical"};

static int alerts_list(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},           {"rule", required_argument, NULL, 'r'},
        {"severity", required_argument, NULL, 's'}, {"open", no_argument, NULL, 'o'},
        {"limit", required_argument, NULL, 'l'},    {0}};
    int c, json = 0, open_only = 0, code = MM_EXIT_OK, first = 1, min_sev = 0;
    long limit = 1000;
    const char *rule = NULL;
    mm_ws ws;
    mm_error err;
    sqlite3_stmt *q = NULL;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            json = 1;
        } else if (c == 'r') {
            rule = optarg;
        } else if (c == 'o') {
            open_only = 1;
        } else if (c == 's') {
            min_sev = -1;
            for (int i = 0; i < (int)MM_ARRAY_LEN(severities); i++)
                if (strcmp(optarg, severities[i]) == 0)
                    min_sev = i;
            if (min_sev < 0)
                return mm_cli_usage("alerts", "--severity is low, medium, high or critical");
        } else if (c == 'l') {
            if (mm_parse_long(optarg, 1, 10000000, &limit) != MM_OK)
                return mm_cli_usage("alerts", "--limit is a positive number");
        } else {
            return mm_cli_usage("alerts", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("alerts", "unexpected argument '%s'", argv[optind]);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_store_prepare(ws.st,
                         "SELECT id, rule, severity, subject, first_at, last_at, count, title_ja, "
                         "title_en, detail_ja, detail_en, events, reviewed_at, reviewed_by, "
                         "review_note FROM alert WHERE (?1 IS NULL OR rule = ?1) AND (?3 = 0 OR "
                         "reviewed_at IS NULL) AND CASE severity WHEN 'critical' THEN 3 WHEN "
                         "'high' THEN 2 WHEN 'medium' THEN 1 ELSE 0 END >= ?4 "
                         "ORDER BY first_at DESC, id DESC LIMIT ?2",
                         &q, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    mm_bind_text(q, 1, rule);
    sqlite3_bind_int64(q, 2, limit);
    sqlite3_bind_int(q, 3, open_only);
    sqlite3_bind_int(q, 4, min_sev);
    if (json)
        fputs("[", stdout);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int reviewed = sqlite3_column_type(q, 12) != SQLITE_NULL;
        if (json) {
            static const char *const keys[] = {"rule", "severity", "subject", "first_at",
                                               "last_at"};
            static const char *const tail[] = {"title_ja", "title_en", "detail_ja", "detail_en"};
            mm_buf b;
            mm_buf_init(&b, 0);
            mm_buf_addf(&b, "%s{\"id\":%lld", first ? "" : ",\n",
                        (long long)sqlite3_column_int64(q, 0));
            for (int k = 0; k < 5; k++) {
                mm_buf_addf(&b, ",\"%s\":", keys[k]);
                mm_buf_add_json_str(&b, mm_col_text(q, k + 1));
            }
            mm_buf_addf(&b, ",\"count\":%lld", (long long)sqlite3_column_int64(q, 6));
            for (int k = 0; k < 4; k++) {
                mm_buf_addf(&b, ",\"%s\":", tail[k]);
                mm_buf_add_json_str(&b, mm_col_text(q, k + 7));
            }
            mm_buf_addf(&b, ",\"events\":%s,\"reviewed\":", mm_col_text(q, 11));
            if (reviewed) {
                mm_buf_adds(&b, "{\"at\":");
                mm_buf_add_json_str(&b, mm_col_text(q, 12));
                mm_buf_adds(&b, ",\"by\":");
                mm_buf_add_json_str(&b, mm_col_text(q, 13));
                mm_buf_adds(&b, ",\"note\":");
                mm_buf_add_json_str(&b, mm_col_text(q, 14));
                mm_buf_adds(&b, "}}");
            } else {
                mm_buf_adds(&b, "null}");
            }
            fwrite(b.data, 1, b.len, stdout);
            mm_buf_release(&b);
        } else {
            printf("#%lld [%s] %s  %s〜%s  %s\n    %s\n    %s\n",
                   (long long)sqlite3_column_int64(q, 0), mm_col_text(q, 2), mm_col_text(q, 1),
                   mm_col_text(q, 4), mm_col_text(q, 5), mm_col_text(q, 3), mm_col_text(q, 7),
                   mm_col_text(q, 9));
            if (reviewed)
                printf("    確認済み (reviewed) %s %s: %s\n", mm_col_text(q, 12),
                       mm_col_text(q, 13), mm_col_text(q, 14));
            else
                printf("    未確認 (not reviewed): mamori alerts review %lld --note \"…\"\n",
                       (long long)sqlite3_column_int64(q, 0));
        }
        first = 0;
    }
    if (json)
        fputs("]\n", stdout);
    else if (first)
        printf("%s\n", open_only ? "未確認の検知はありません (no open alerts)"
                                 : "検知はありません (no alerts)");
out:
    sqlite3_finalize(q);
    mm_ws_close(&ws);
    return code;
}

/* `alerts review ID… --note TEXT`: all or nothing, one audit entry per alert. */
static int alerts_review(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {0}};
    const char *note = NULL;
    int c, code = MM_EXIT_OK;
    long reviewed = 0;
    mm_ws ws;
    mm_error err;
    sqlite3_stmt *get = NULL, *set = NULL;
    char now[24];
    mm_rc rc;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            note = optarg;
        else
            return mm_cli_usage("alerts", "unknown option");
    }
    if (!note || !*note)
        return mm_cli_usage("alerts", "review needs --note: what was checked and found "
                                      "(確認した内容を --note に書いてください)");
    if (strlen(note) > 2000)
        return mm_cli_usage("alerts", "--note is at most 2000 bytes");
    if (optind >= argc)
        return mm_cli_usage("alerts", "review needs at least one alert ID");
    for (int i = optind; i < argc; i++) {
        long id;
        const char *s = argv[i][0] == '#' ? argv[i] + 1 : argv[i];
        if (mm_parse_long(s, 1, 1L << 62, &id) != MM_OK)
            return mm_cli_usage("alerts", "'%s' is not an alert ID", argv[i]);
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_time_format_utc(mm_logs_now_ms(), now, sizeof(now));
    if ((rc = mm_store_begin(ws.st, &err)) != MM_OK)
        goto fail;
    if ((rc = mm_store_prepare(ws.st,
                               "SELECT rule, subject, severity, reviewed_at, review_note FROM "
                               "alert WHERE id = ?",
                               &get, &err)) != MM_OK ||
        (rc = mm_store_prepare(ws.st,
                               "UPDATE alert SET reviewed_at = ?, reviewed_by = ?, review_note "
                               "= ? WHERE id = ?",
                               &set, &err)) != MM_OK)
        goto rollback;
    for (int i = optind; i < argc && rc == MM_OK; i++) {
        long id;
        mm_buf before, after;
        mm_parse_long(argv[i][0] == '#' ? argv[i] + 1 : argv[i], 1, 1L << 62, &id);
        sqlite3_reset(get);
        sqlite3_bind_int64(get, 1, id);
        if (sqlite3_step(get) != SQLITE_ROW) {
            rc = mm_error_set(&err, MM_ERR_NOTFOUND, NULL, 0, 0,
                              "検知 #%ld はありません (no alert #%ld); 何も記録していません "
                              "(nothing was recorded)",
                              id, id);
            break;
        }
        mm_buf_init(&before, 0);
        mm_buf_init(&after, 0);
        mm_buf_addf(&before, "{\"alert\":%ld,\"rule\":", id);
        mm_buf_add_json_str(&before, mm_col_text(get, 0));
        mm_buf_adds(&before, ",\"subject\":");
        mm_buf_add_json_str(&before, mm_col_text(get, 1));
        mm_buf_adds(&before, ",\"review_note\":");
        mm_buf_add_json_str(&before, mm_col_text(get, 4));
        mm_buf_adds(&before, "}");
        mm_buf_addf(&after, "{\"alert\":%ld,\"reviewed_at\":\"%s\",\"review_note\":", id, now);
        mm_buf_add_json_str(&after, note);
        mm_buf_adds(&after, "}");
        sqlite3_reset(set);
        mm_bind_text(set, 1, now);
        mm_bind_text(set, 2, ws.actor);
        mm_bind_text(set, 3, note);
        sqlite3_bind_int64(set, 4, id);
        if (sqlite3_step(set) != SQLITE_DONE)
            rc = mm_store_error(ws.st, &err, "recording the review");
        else
            rc = mm_audit_append(ws.st, ws.actor, "alert.review", "alert", mm_buf_str(&before),
                                 mm_buf_str(&after), NULL, &err);
        mm_buf_release(&before);
        mm_buf_release(&after);
        reviewed++;
    }
    if (rc != MM_OK)
        goto rollback;
    sqlite3_finalize(get);
    sqlite3_finalize(set);
    get = set = NULL;
    if ((rc = mm_store_commit(ws.st, &err)) != MM_OK)
        goto fail;
    printf("検知 %ld 件を確認済みにしました (marked %ld alerts as reviewed)\n", reviewed, reviewed);
    goto out;
rollback:
    sqlite3_finalize(get);
    sqlite3_finalize(set);
    get = set = NULL;
    mm_store_rollback(ws.st);
fail:
    code = mm_cli_fail(&err);
out:
    mm_ws_close(&ws);
    return code;
}

int mm_cmd_alerts(const mm_globals *g, int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "review") == 0)
        return alerts_review(g, argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return alerts_list(g, argc - 1, argv + 1);
    return alerts_list(g, argc, argv);
}

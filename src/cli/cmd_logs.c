/*
 * `mamori logs …` (import, stats, query, verify, keygen, prune, report): the
 * command-line face of the access-log store (checklist 2-⑪). Subcommands are a table, like
 * the commands themselves.
 */
#include <getopt.h>
#include <time.h>

#include "audit.h"
#include "facility.h"
#include "cli.h"
#include "fs.h"
#include "logs.h"

static void logs_dir_of(const mm_ws *ws, char *out, size_t outsz)
{
    snprintf(out, outsz, "%s/%s", ws->dir, MM_LOGS_DIR);
}

static double seconds_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "2025-11-20" (start of that day in the configured zone) or an ISO timestamp. */
static int parse_when(const char *s, int tz, int64_t *ms)
{
    char buf[64];
    if (strlen(s) == 10) {
        snprintf(buf, sizeof(buf), "%sT00:00:00", s);
        s = buf;
    }
    return mm_time_parse_iso(s, strlen(s), tz, ms) == MM_OK;
}

static void audit_note(mm_ws *ws, const char *action, const char *after)
{
    mm_error err;
    mm_error_clear(&err);
    if (mm_store_begin(ws->st, &err) != MM_OK)
        return;
    if (mm_audit_append(ws->st, ws->actor, action, "logs", NULL, after, NULL, &err) == MM_OK)
        mm_store_commit(ws->st, &err);
    else
        mm_store_rollback(ws->st);
}

/* ---- import ---------------------------------------------------------------------------- */

/* Says on stderr that a query went past damaged parts of the store; 1 when it did. */
static int damage_warning(const mm_logq_stats *st)
{
    if (!st->blocks_damaged && !st->segments_damaged)
        return 0;
    fprintf(stderr,
            "mamori: 警告: 読めない部分を飛ばしました（区画 %llu、ブロック %llu、最初: %s）。結果は"
            "不完全です。`mamori logs verify` で確認してください (warning: skipped damaged parts: "
            "%llu segments, %llu blocks, first %s; the result is incomplete; run `mamori logs "
            "verify`)\n",
            (unsigned long long)st->segments_damaged, (unsigned long long)st->blocks_damaged,
            st->first_damaged, (unsigned long long)st->segments_damaged,
            (unsigned long long)st->blocks_damaged, st->first_damaged);
    return 1;
}

static int logs_import(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *format = NULL, *device = NULL;
    const mm_log_parser *p;
    int pidx = 0, c, json = 0, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;
    mm_logsess *s = NULL;
    mm_buf notices;
    double t0;
    const mm_logs_counts *n;

    mm_error_clear(&err);
    mm_buf_init(&notices, 0);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'f')
            format = optarg;
        else if (c == 'd')
            device = optarg;
        else if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (!format)
        return mm_cli_usage("logs", "import needs --format (one of: syslog, rfc5424, rfc3164, "
                                    "sshd, fortigate, windows-json, emr-csv, auto, ivanti, evtx)");
    if (!(p = mm_log_parser_find(format, &pidx)))
        return mm_cli_usage("logs", "unknown format '%s'", format);
    if (optind >= argc)
        return mm_cli_usage("logs", "import needs at least one FILE (or - for stdin)");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_logsess_open(ws.dir, ws.st, &notices, &s, &err) != MM_OK) {
        fputs(mm_buf_str(&notices), stderr);
        code = mm_cli_fail(&err);
        goto out;
    }
    fputs(mm_buf_str(&notices), stderr);
    t0 = seconds_now();
    for (int i = optind; i < argc; i++) {
        mm_evtx_counts en;
        mm_rc frc = strcmp(p->name, "evtx") == 0 /* a binary file, read by record */
                        ? mm_logsess_evtx(s, argv[i], device, &en, &err)
                        : mm_logsess_file(s, argv[i], p, pidx, device, &err);
        if (frc != MM_OK) {
            /* what was read so far is kept: seal and record it, then report */
            mm_error e2;
            mm_error_clear(&e2);
            mm_logsess_commit(s, &e2);
            code = mm_cli_fail(&err);
            goto out;
        }
    }
    if (mm_logsess_commit(s, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    n = mm_logsess_counts(s);
    {
        double dt = seconds_now() - t0;
        double rate = dt > 0 ? (double)n->stored / dt : 0;
        char after[512];
        snprintf(after, sizeof(after),
                 "{\"format\":\"%s\",\"files\":%d,\"stored\":%llu,\"unparsed\":%llu,"
                 "\"alerts\":%llu}",
                 format, argc - optind, (unsigned long long)n->stored,
                 (unsigned long long)n->unparsed, (unsigned long long)n->alerts);
        audit_note(&ws, "logs.import", after);
        if (json)
            printf("{\"received\":%llu,\"stored\":%llu,\"unparsed\":%llu,\"truncated\":%llu,"
                   "\"skipped\":%llu,\"dropped\":%llu,\"alerts\":%llu,\"seconds\":%.3f,"
                   "\"events_per_second\":%.0f}\n",
                   (unsigned long long)n->received, (unsigned long long)n->stored,
                   (unsigned long long)n->unparsed, (unsigned long long)n->truncated,
                   (unsigned long long)n->skipped, (unsigned long long)n->dropped,
                   (unsigned long long)n->alerts, dt, rate);
        else
            printf("取り込みました: 保存 %llu 件（未解析 %llu、切り詰め %llu）、見出し行 %llu、"
                   "欠落 %llu、検知 %llu 件 (imported %llu events: %llu unparsed, %llu "
                   "truncated, %llu dropped, %llu alerts; %.2f s, %.0f events/s)\n",
                   (unsigned long long)n->stored, (unsigned long long)n->unparsed,
                   (unsigned long long)n->truncated, (unsigned long long)n->skipped,
                   (unsigned long long)n->dropped, (unsigned long long)n->alerts,
                   (unsigned long long)n->stored, (unsigned long long)n->unparsed,
                   (unsigned long long)n->truncated, (unsigned long long)n->dropped,
                   (unsigned long long)n->alerts, dt, rate);
    }
out:
    mm_logsess_free(&s);
    mm_buf_release(&notices);
    mm_ws_close(&ws);
    return code;
}

/* ---- stats ----------------------------------------------------------------------------- */

static int logs_stats(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
    int c, json = 0, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;
    mm_logs_counts n;
    mm_logs_capacity cap;
    mm_logs_conf conf;
    char dir[4200], t1[40] = "", t2[40] = "";
    sqlite3_stmt *q = NULL;
    int alarm;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    logs_dir_of(&ws, dir, sizeof(dir));
    if (mm_logs_conf_load(ws.dir, &conf, &err) != MM_OK ||
        mm_logs_counts_get(ws.st, &n, &err) != MM_OK ||
        mm_logs_capacity_get(dir, &cap, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    if (cap.oldest_ms)
        mm_time_format(cap.oldest_ms, conf.tz_offset_min, t1, sizeof(t1));
    if (cap.newest_ms)
        mm_time_format(cap.newest_ms, conf.tz_offset_min, t2, sizeof(t2));
    alarm = cap.days_left >= 0 && cap.days_left < conf.capacity_alarm_days;
    if (json) {
        printf("{\"received\":%llu,\"stored\":%llu,\"unparsed\":%llu,\"truncated\":%llu,"
               "\"skipped\":%llu,\"dropped\":%llu,\"alerts\":%llu,\"bytes\":%llu,"
               "\"segments\":%llu,\"free_bytes\":%llu,\"growth_bytes_per_day\":%.0f,"
               "\"days_left\":%.1f,\"capacity_alarm\":%s,\"disk_full\":%llu,"
               "\"retention_years\":%d,\"oldest\":\"%s\",\"newest\":\"%s\",\"replayed\":%llu,"
               "\"journal_torn\":%llu,\"rejected\":%llu,\"sources\":[",
               (unsigned long long)n.received, (unsigned long long)n.stored,
               (unsigned long long)n.unparsed, (unsigned long long)n.truncated,
               (unsigned long long)n.skipped, (unsigned long long)n.dropped,
               (unsigned long long)n.alerts, (unsigned long long)cap.bytes,
               (unsigned long long)cap.segments, (unsigned long long)cap.free_bytes,
               cap.growth_per_day, cap.days_left, alarm ? "true" : "false",
               (unsigned long long)n.disk_full, conf.retention_years, t1, t2,
               (unsigned long long)n.replayed, (unsigned long long)n.journal_torn,
               (unsigned long long)n.rejected);
    } else {
        printf("受信 %llu 件 / 保存 %llu 件 / 未解析 %llu 件 / 切り詰め %llu 件 / 欠落 %llu 件 / "
               "検知 %llu 件\n"
               "(received %llu, stored %llu, unparsed %llu, truncated %llu, dropped %llu, "
               "alerts %llu)\n",
               (unsigned long long)n.received, (unsigned long long)n.stored,
               (unsigned long long)n.unparsed, (unsigned long long)n.truncated,
               (unsigned long long)n.dropped, (unsigned long long)n.alerts,
               (unsigned long long)n.received, (unsigned long long)n.stored,
               (unsigned long long)n.unparsed, (unsigned long long)n.truncated,
               (unsigned long long)n.dropped, (unsigned long long)n.alerts);
        if (n.replayed || n.journal_torn || n.rejected)
            printf("ジャーナル再生 %llu 件 / 壊れた末尾 %llu 件 / 拒否した接続 %llu 件 (journal "
                   "replayed %llu, torn records %llu, rejected connections %llu)\n",
                   (unsigned long long)n.replayed, (unsigned long long)n.journal_torn,
                   (unsigned long long)n.rejected, (unsigned long long)n.replayed,
                   (unsigned long long)n.journal_torn, (unsigned long long)n.rejected);
        printf("保管: %llu 区画 %.1f MB、期間 %s 〜 %s、保存年限 %d 年\n"
               "空き %.1f GB、増加 %.1f MB/日、残り %s%.0f 日%s\n",
               (unsigned long long)cap.segments, (double)cap.bytes / 1e6, t1[0] ? t1 : "-",
               t2[0] ? t2 : "-", conf.retention_years, (double)cap.free_bytes / 1e9,
               cap.growth_per_day / 1e6, cap.days_left < 0 ? "∞ " : "",
               cap.days_left < 0 ? 0 : cap.days_left,
               alarm ? "  ⚠ 容量警告: 空きが少なくなっています (capacity alarm: the disk fills "
                       "within [logs] capacity_alarm_days)"
                     : "");
        if (n.disk_full)
            printf("⚠ ディスクが満杯で保存を拒否した回数: %llu (capacity alarm: writes refused "
                   "because the disk was full: %llu)\n",
                   (unsigned long long)n.disk_full, (unsigned long long)n.disk_full);
        printf("\n%-28s %10s %8s  %-20s %-20s\n", "送信元 (source)", "events", "unparsed", "first",
               "last");
    }
    if (mm_store_prepare(ws.st,
                         "SELECT host, events, unparsed, coalesce(first_event,''), "
                         "coalesce(last_event,'') FROM log_source ORDER BY host",
                         &q, &err) == MM_OK) {
        int first = 1;
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (json) {
                mm_buf b;
                mm_buf_init(&b, 0);
                mm_buf_add_json_str(&b, mm_col_text(q, 0));
                printf("%s{\"host\":%s,\"events\":%lld,\"unparsed\":%lld,\"first\":\"%s\","
                       "\"last\":\"%s\"}",
                       first ? "" : ",", mm_buf_str(&b), (long long)sqlite3_column_int64(q, 1),
                       (long long)sqlite3_column_int64(q, 2), mm_col_text(q, 3), mm_col_text(q, 4));
                mm_buf_release(&b);
            } else {
                printf("%-28s %10lld %8lld  %-20s %-20s\n", mm_col_text(q, 0),
                       (long long)sqlite3_column_int64(q, 1), (long long)sqlite3_column_int64(q, 2),
                       mm_col_text(q, 3), mm_col_text(q, 4));
            }
            first = 0;
        }
    }
    sqlite3_finalize(q);
    if (json)
        printf("]}\n");
out:
    mm_ws_close(&ws);
    return code;
}

/* ---- query ------------------------------------------------------------------------------ */

typedef struct qout {
    int json, tz, n;
} qout;

static void put_field(mm_buf *b, mm_sv v)
{
    for (uint32_t i = 0; i < v.n; i++) {
        char ch = v.p[i];
        mm_buf_addc(b, ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : ch);
    }
}

static int print_event(void *arg, const mm_event *ev)
{
    qout *o = arg;
    char t[40];
    mm_buf b;
    static const char *const names[MM_EVF__COUNT] = {"host",   "device", "user", "source",
                                                     "target", "action", "raw"};

    mm_buf_init(&b, 0);
    mm_time_format(ev->time_ms, o->tz, t, sizeof(t));
    if (o->json) {
        mm_buf_addf(&b, "%s{\"seq\":%llu,\"time\":\"%s\",\"kind\":\"%s\",\"outcome\":\"%s\"",
                    o->n ? ",\n" : "", (unsigned long long)ev->seq, t, mm_event_kind_name(ev->kind),
                    mm_outcome_name(ev->outcome));
        for (int f = 0; f < MM_EVF__COUNT; f++) {
            char *tmp = mm_xmalloc(ev->f[f].n + 1);
            memcpy(tmp, ev->f[f].p, ev->f[f].n);
            tmp[ev->f[f].n] = '\0';
            mm_buf_addf(&b, ",\"%s\":", names[f]);
            mm_buf_add_json_str(&b, tmp);
            free(tmp);
        }
        mm_buf_addc(&b, '}');
    } else {
        mm_buf_addf(&b, "%s\t%s\t%s\t", t, mm_event_kind_name(ev->kind),
                    mm_outcome_name(ev->outcome));
        put_field(&b, ev->f[MM_EVF_DEVICE]);
        mm_buf_addc(&b, '\t');
        put_field(&b, ev->f[MM_EVF_USER]);
        mm_buf_addc(&b, '\t');
        put_field(&b, ev->f[MM_EVF_SRC]);
        mm_buf_addc(&b, '\t');
        put_field(&b, ev->f[MM_EVF_TARGET]);
        mm_buf_addc(&b, '\t');
        put_field(&b, ev->f[MM_EVF_RAW]);
        mm_buf_addc(&b, '\n');
    }
    fwrite(b.data, 1, b.len, stdout);
    mm_buf_release(&b);
    o->n++;
    return 0;
}

static int logs_query(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},  {"source", required_argument, NULL, 's'},
        {"kind", required_argument, NULL, 'k'},  {"device", required_argument, NULL, 'd'},
        {"since", required_argument, NULL, 'S'}, {"until", required_argument, NULL, 'U'},
        {"limit", required_argument, NULL, 'l'}, {"json", no_argument, NULL, 'j'},
        {"stats", no_argument, NULL, 't'},       {0}};
    mm_logq q = {0, 0, NULL, NULL, NULL, -1, 0};
    const char *since = NULL, *until = NULL;
    int c, code = MM_EXIT_OK, want_stats = 0;
    qout o = {0, 540, 0};
    mm_ws ws;
    mm_error err;
    mm_logs_conf conf;
    mm_logq_stats st;
    char dir[4200];

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'u': q.user = optarg; break;
        case 's': q.src = optarg; break;
        case 'd': q.device = optarg; break;
        case 'k':
            if (mm_event_kind_parse(optarg, &q.kind) != MM_OK)
                return mm_cli_usage("logs",
                                    "unknown kind '%s' (logon, logon-failure, logoff, "
                                    "vpn-up, vpn-down, account-created, …, unparsed)",
                                    optarg);
            break;
        case 'S': since = optarg; break;
        case 'U': until = optarg; break;
        case 'l':
            if (mm_parse_long(optarg, 1, 100000000, &q.limit) != MM_OK)
                return mm_cli_usage("logs", "--limit is a positive number");
            break;
        case 'j': o.json = 1; break;
        case 't': want_stats = 1; break;
        default: return mm_cli_usage("logs", "unknown option");
        }
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_logs_conf_load(ws.dir, &conf, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    o.tz = conf.tz_offset_min;
    if ((since && !parse_when(since, o.tz, &q.since_ms)) ||
        (until && !parse_when(until, o.tz, &q.until_ms))) {
        code =
            mm_cli_usage("logs", "--since/--until take YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][zone]");
        goto out;
    }
    logs_dir_of(&ws, dir, sizeof(dir));
    if (o.json)
        fputs("[", stdout);
    if (mm_logs_query(dir, &q, print_event, &o, &st, &err) != MM_OK) {
        if (o.json)
            fputs("]\n", stdout);
        code = mm_cli_fail(&err);
        goto out;
    }
    if (o.json)
        fputs("]\n", stdout);
    if (want_stats || !o.json)
        fprintf(stderr,
                "# %llu 件 (matched %llu; segments %llu, skipped %llu; blocks %llu, skipped "
                "%llu; events scanned %llu)\n",
                (unsigned long long)st.matched, (unsigned long long)st.matched,
                (unsigned long long)st.segments, (unsigned long long)st.segments_skipped,
                (unsigned long long)st.blocks, (unsigned long long)st.blocks_skipped,
                (unsigned long long)st.events_scanned);
    if (damage_warning(&st))
        code = MM_EXIT_TAMPER;
out:
    mm_ws_close(&ws);
    return code;
}

/* ---- verify ----------------------------------------------------------------------------- */

static int logs_verify(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'}, {"json", no_argument, NULL, 'j'}, {0}};
    const char *keyfile = NULL;
    int c, json = 0, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;
    uint8_t pk[32], sk[64];
    mm_error e2;
    mm_logv_report r;
    char dir[4200];
    double dt;
    mm_rc rc;

    mm_error_clear(&err);
    mm_logv_report_init(&r);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k')
            keyfile = optarg;
        else if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    logs_dir_of(&ws, dir, sizeof(dir));
    if (keyfile) {
        rc = mm_logkey_read_public(keyfile, pk, &err);
    } else {
        rc = mm_logkey_load(dir, 0, sk, pk, NULL, &err);
        sodium_memzero(sk, sizeof(sk));
        if (rc == MM_OK && !json)
            fprintf(stderr,
                    "注意: 検証鍵を指定していないため、このPCの署名鍵から求めた鍵で検証します。"
                    "署名鍵ごと差し替えられた場合は見抜けません。--key で別に保管した検証鍵を"
                    "指定してください (note: no --key given; verifying with the key derived "
                    "from this host's signing key)\n");
    }
    if (rc == MM_ERR_NOTFOUND && !keyfile && !mm_dir_exists(dir)) {
        printf("ログはまだありません (no logs stored yet)\n");
        goto out;
    }
    if (rc != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    mm_error_clear(&e2);
    rc = mm_logs_verify_recorded(dir, ws.st, pk, keyfile != NULL, &r, &err, &e2);
    dt = r.seconds; /* the checking, without the few ms of recording the result */
    if (rc != MM_OK && rc != MM_ERR_TAMPER) {
        code = mm_cli_fail(&err);
        goto out;
    }
    if (e2.rc != MM_OK)
        fprintf(stderr, "mamori: %s\n", e2.msg);
    if (json) {
        mm_buf b;
        mm_buf_init(&b, 0);
        mm_buf_add_json_str(&b, mm_buf_str(&r.text));
        printf("{\"ok\":%s,\"segments\":%llu,\"blocks\":%llu,\"events\":%llu,\"bytes\":%llu,"
               "\"seconds\":%.3f,\"problems\":%llu,\"text\":%s}\n",
               rc == MM_OK ? "true" : "false", (unsigned long long)r.segments,
               (unsigned long long)r.blocks, (unsigned long long)r.events,
               (unsigned long long)r.bytes, dt, (unsigned long long)r.problems, mm_buf_str(&b));
        mm_buf_release(&b);
    } else if (rc == MM_OK) {
        printf(
            "検証しました: 改ざん・削除・並べ替え・切り詰めはありません。%llu 区画、%llu ブロック、"
            "%llu 件、%.1f MB (verified: %llu segments, %llu blocks, %llu events, %.1f MB "
            "intact; %.0f MB/s)\n",
            (unsigned long long)r.segments, (unsigned long long)r.blocks,
            (unsigned long long)r.events, (double)r.bytes / 1e6, (unsigned long long)r.segments,
            (unsigned long long)r.blocks, (unsigned long long)r.events, (double)r.bytes / 1e6,
            dt > 0 ? (double)r.bytes / 1e6 / dt : 0);
    } else {
        printf("改ざんを検出しました (%llu 件の問題) / the log store was tampered with (%llu "
               "problems):\n%s",
               (unsigned long long)r.problems, (unsigned long long)r.problems, mm_buf_str(&r.text));
    }
    if (rc == MM_ERR_TAMPER)
        code = MM_EXIT_TAMPER;
out:
    mm_logv_report_release(&r);
    mm_ws_close(&ws);
    return code;
}

/* ---- keygen ----------------------------------------------------------------------------- */

static int logs_keygen(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'}, {0}};
    const char *outp = NULL;
    int c, created = 0, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;
    uint8_t sk[64], pk[32];
    char dir[4200];

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'o')
            outp = optarg;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    logs_dir_of(&ws, dir, sizeof(dir));
    if (mm_logkey_load(dir, 1, sk, pk, &created, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    sodium_memzero(sk, sizeof(sk));
    if (outp && strcmp(outp, "-") != 0) {
        if (mm_logkey_write_public(outp, pk, &err) != MM_OK) {
            code = mm_cli_fail(&err);
            goto out;
        }
        printf(
            "%s検証鍵を %s に書き出しました。USB メモリ以外の安全な方法でこのPCの外に保管し、"
            "`mamori logs verify --key %s` で使ってください (%swrote the verification key to %s; "
            "keep it off this host)\n",
            created ? "署名鍵を作り、" : "", outp, outp, created ? "created the signing key; " : "",
            outp);
        audit_note(&ws, "logs.keygen", created ? "{\"created\":true}" : "{\"created\":false}");
    } else {
        char hex[65];
        sodium_bin2hex(hex, sizeof(hex), pk, 32);
        printf("mamori-logs-ed25519 %s\n", hex);
    }
out:
    mm_ws_close(&ws);
    return code;
}

/* ---- prune ------------------------------------------------------------------------------ */

static int logs_prune(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'}, {0}};
    int c, dry = 0, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;
    mm_logs_conf conf;
    long pruned = 0;
    char dir[4200];

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            dry = 1;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    logs_dir_of(&ws, dir, sizeof(dir));
    if (mm_logs_conf_load(ws.dir, &conf, &err) != MM_OK ||
        mm_logs_prune(dir, ws.st, conf.retention_years, mm_logs_now_ms(), dry, &pruned, &err) !=
            MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    printf("%s保存年限 %d 年を過ぎた区画 %ld 個%s (%ld segments older than %d years %s)\n",
           dry ? "[dry-run] " : "", conf.retention_years, pruned,
           dry ? "が対象です" : "を削除しました", pruned, conf.retention_years,
           dry ? "would be pruned" : "pruned");
    if (!dry && pruned) {
        char after[64];
        snprintf(after, sizeof(after), "{\"pruned\":%ld}", pruned);
        audit_note(&ws, "logs.prune", after);
    }
out:
    mm_ws_close(&ws);
    return code;
}

/* ---- the monthly VPN access audit --------------------------------------------------------- */

static int logs_report(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"month", required_argument, NULL, 'm'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"output", required_argument, NULL, 'o'},
                                         {0}};
    const char *month = NULL, *format = "html", *outp = NULL;
    int c, code = MM_EXIT_OK, y = 0, m = 0;
    mm_ws ws;
    mm_error err;
    mm_logs_conf conf;
    mm_buf out;
    char dir[4200], title[512], a[40], b[40];
    int64_t since, until;
    mm_logq_stats vq;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        if (c == 'm')
            month = optarg;
        else if (c == 'f')
            format = optarg;
        else if (c == 'o')
            outp = optarg;
        else
            return mm_cli_usage("logs", "unknown option");
    }
    if (optind >= argc || strcmp(argv[optind], "vpn") != 0)
        return mm_cli_usage("logs", "report needs a kind: vpn");
    if (!month || strlen(month) != 7 || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
        return mm_cli_usage("logs", "--month YYYY-MM is required");
    if (strcmp(format, "html") != 0 && strcmp(format, "csv") != 0)
        return mm_cli_usage("logs", "--format is html or csv");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_buf_init(&out, 0);
    if (mm_logs_conf_load(ws.dir, &conf, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    snprintf(a, sizeof(a), "%04d-%02d-01", y, m);
    snprintf(b, sizeof(b), "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    parse_when(a, conf.tz_offset_min, &since);
    parse_when(b, conf.tz_offset_min, &until);
    {
        mm_facility f;
        mm_error e2;
        mm_error_clear(&e2);
        if (mm_facility_get(ws.st, &f, &e2) != MM_OK)
            f.name[0] = '\0';
        snprintf(title, sizeof(title), "%s%sVPN アクセスログ監査 %d年%d月 (VPN access audit %s)",
                 f.name, f.name[0] ? " " : "", y, m, month);
    }
    logs_dir_of(&ws, dir, sizeof(dir));
    if (mm_logs_vpn_report(dir, ws.st, &conf, since, until, title, strcmp(format, "html") == 0,
                           &out, &vq, &err) != MM_OK ||
        mm_cli_output(outp, out.data ? out.data : "", out.len, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    { /* the record G-MIS question 14 (VPN access logs inspected regularly) is answered from */
        char after[128];
        mm_error e2;
        mm_error_clear(&e2);
        snprintf(after, sizeof(after), "{\"month\":\"%s\",\"format\":\"%s\"}", month, format);
        if (mm_store_begin(ws.st, &e2) == MM_OK) {
            if (mm_logs_vpn_audit_record(ws.st, month, mm_logs_now_ms(), ws.actor, &e2) == MM_OK &&
                mm_audit_append(ws.st, ws.actor, "logs.report.vpn", "logs", NULL, after, NULL,
                                &e2) == MM_OK)
                mm_store_commit(ws.st, &e2);
            else
                mm_store_rollback(ws.st);
        }
        if (e2.rc != MM_OK)
            fprintf(stderr, "mamori: 監査の記録に失敗しました (could not record the audit): %s\n",
                    e2.msg);
    }
    if (outp && strcmp(outp, "-") != 0)
        fprintf(stderr, "VPN アクセスログ監査を %s に書き出しました (wrote the VPN access audit)\n",
                outp);
    if (damage_warning(&vq))
        code = MM_EXIT_TAMPER;
out:
    mm_buf_release(&out);
    mm_ws_close(&ws);
    return code;
}

static const struct {
    const char *name;
    int (*run)(const mm_globals *g, int argc, char **argv);
} logs_subcommands[] = {
    {"import", logs_import}, {"stats", logs_stats},   {"query", logs_query},
    {"verify", logs_verify}, {"keygen", logs_keygen}, {"prune", logs_prune},
    {"report", logs_report},
};

int mm_cmd_logs(const mm_globals *g, int argc, char **argv)
{
    if (argc < 2)
        return mm_cli_usage("logs", "needs a subcommand: import, stats, query, verify, keygen, "
                                    "prune, report");
    for (size_t i = 0; i < MM_ARRAY_LEN(logs_subcommands); i++)
        if (strcmp(argv[1], logs_subcommands[i].name) == 0)
            return logs_subcommands[i].run(g, argc - 1, argv + 1);
    return mm_cli_usage("logs", "unknown subcommand '%s'", argv[1]);
}

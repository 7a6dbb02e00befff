/*
 * Service snapshots on the command line: `mamori import services` (reached through the
 * `import` command, or directly as mm_cmd_import_services) and `mamori services diff | list |
 * hosts | unneeded`.
 */
#include <getopt.h>

#include "buf.h"
#include "cli.h"
#include "services.h"

#define IMPORT_HELP                                                                                                               \
    "usage: mamori import services [--host NAME] [--taken YYYY-MM-DD] FILE... [--dry-run]\n"                                      \
    "\n"                                                                                                                          \
    "サービス一覧を1つのスナップショット（ホスト×日付）として取り込みます。読める形式:\n" \
    "  - Get-Service | Select-Object Name, DisplayName, Status, StartType | Export-Csv の CSV\n"                                 \
    "    （#TYPE 行あり/なし、UTF-8/BOM/CP932/UTF-16LE。マニュアルの3列版は表示名がキー）\n"              \
    "  - systemctl list-units --type=service --all / systemctl list-unit-files --type=service\n"                                  \
    "    （両方を渡すと状態と自動起動設定を1つにまとめます）\n"                                          \
    "  - collectors/ の収集スクリプトの JSON（ホスト名と日時を含むので --host は省略可）\n"            \
    "同じホスト・同じ日付をもう一度取り込むと、そのスナップショットを置き換えます。\n"     \
    "Imports one snapshot (host x day). --taken defaults to the collector's time, else today.\n"                                  \
    "Re-importing the same host and day replaces that snapshot. All or nothing.\n"

static int parse_date(const char *cmd, const char *opt, const char *s, mm_date *d)
{
    mm_error err;
    if (mm_date_parse(s, d, &err) != MM_OK) {
        fprintf(stderr, "mamori %s: %s: %s\n", cmd, opt, err.msg);
        return MM_EXIT_INVALID;
    }
    return MM_EXIT_OK;
}

int mm_cmd_import_services(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"taken", required_argument, NULL, 't'},
                                         {"dry-run", no_argument, NULL, 'n'},
                                         {"help", no_argument, NULL, 'h'},
                                         {0}};
    const char *host = NULL;
    const char *paths[MM_SERVICES_MAX_FILES];
    mm_date taken;
    int have_taken = 0, dry = 0, c, code;
    size_t npaths = 0;
    mm_services_import_result res;
    mm_error err;
    mm_ws ws;
    char day[11];

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'H': host = optarg; break;
        case 't':
            if ((code = parse_date("import services", "--taken", optarg, &taken)) != MM_EXIT_OK)
                return code;
            have_taken = 1;
            break;
        case 'n': dry = 1; break;
        case 'h': fputs(IMPORT_HELP, stdout); return MM_EXIT_OK;
        default: return mm_cli_usage("import services", "unknown option");
        }
    }
    if (optind >= argc)
        return mm_cli_usage("import services", "ファイルを指定してください (expected FILE...)");
    if (argc - optind > MM_SERVICES_MAX_FILES)
        return mm_cli_usage("import services", "ファイルは %d 個までです (at most %d files)",
                            MM_SERVICES_MAX_FILES, MM_SERVICES_MAX_FILES);
    for (int i = optind; i < argc; i++)
        paths[npaths++] = argv[i];
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_services_import(ws.st, host, have_taken ? &taken : NULL, paths, npaths, ws.actor, dry,
                           &res, &err) != MM_OK) {
        code = err.rc == MM_ERR_USAGE ? mm_cli_usage("import services", "%s", err.msg)
                                      : mm_cli_fail(&err);
        mm_ws_close(&ws);
        return code;
    }
    mm_ws_close(&ws);
    mm_date_iso(&res.taken, day);
    for (size_t k = 0; k < res.nfiles; k++)
        printf("  %s: %s, %s\n", paths[k], mm_svc_format_name(res.formats[k]), res.encodings[k]);
    if (dry)
        printf("確認のみ: %s の %s のサービス %ld 件は取り込めます (dry run: %ld services of %s on "
               "%s would be imported; nothing was stored)\n",
               res.host, day, res.rows, res.rows, res.host, day);
    else
        printf("%s の %s のサービス一覧 %ld 件を取り込みました (imported %ld services of %s "
               "taken on %s, snapshot #%ld)\n",
               res.host, day, res.rows, res.rows, res.host, day, res.snapshot_id);
    if (res.replaced)
        printf("同じホスト・日付の以前のスナップショット（%ld 件）を置き換えました (replaced the "
               "earlier snapshot of the same host and day, %ld services)\n",
               res.replaced_rows, res.replaced_rows);
    if (res.keyed_by_display)
        printf(
            "注意: Name 列がないため表示名で照合します。Select-Object に Name を加えると確実です "
            "(note: no Name column; services are keyed by display name — add Name to "
            "Select-Object)\n");
    if (res.questionmarks)
        printf("注意: %ld 件の表示名に「?」があります。Export-Csv の既定 (ASCII) で日本語が失われた"
               "可能性があります。-Encoding UTF8 を付けてください (note: %ld display names "
               "contain '?': Export-Csv's default ASCII encoding may have lost Japanese text; use "
               "-Encoding UTF8)\n",
               res.questionmarks, res.questionmarks);
    return MM_EXIT_OK;
}

static int need_host(const char *sub, const char *host)
{
    if (!host)
        return mm_cli_usage(sub, "--host NAME が必要です (--host is required; see `mamori "
                                 "services hosts`)");
    return MM_EXIT_OK;
}

static int services_diff(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"from", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, 't'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *host = NULL;
    mm_date from, to;
    int have_from = 0, have_to = 0, json = 0, c, code;
    mm_service_snapshot a, b;
    mm_services_diff d;
    mm_error err;
    mm_buf out;

    mm_error_clear(&err);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'H': host = optarg; break;
        case 'f':
            if ((code = parse_date("services diff", "--from", optarg, &from)) != MM_EXIT_OK)
                return code;
            have_from = 1;
            break;
        case 't':
            if ((code = parse_date("services diff", "--to", optarg, &to)) != MM_EXIT_OK)
                return code;
            have_to = 1;
            break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("services diff", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("services diff", "unexpected argument '%s'", argv[optind]);
    if ((code = need_host("services diff", host)) != MM_EXIT_OK)
        return code;
    /* to: the given day, else the newest; from: the given day, else the one before `to`. */
    if (mm_services_load(ws->st, host, have_to ? &to : NULL, 0, &b, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (have_from) {
        if (mm_services_load(ws->st, host, &from, 0, &a, &err) != MM_OK) {
            code = mm_cli_fail(&err);
            goto out;
        }
    } else {
        int skip = 1;
        /* the newest snapshot older than `to` */
        for (;; skip++) {
            mm_service_snapshot_release(&a);
            if (mm_services_load(ws->st, host, NULL, have_to ? skip - 1 : skip, &a, &err) !=
                MM_OK) {
                mm_error_set(&err, MM_ERR_NOTFOUND, NULL, 0, 0,
                             "%s には比較できる以前のスナップショットがありません (host %s has no "
                             "earlier snapshot to compare with; import another one, or give "
                             "--from)",
                             host, host);
                code = mm_cli_fail(&err);
                goto out;
            }
            if (mm_date_cmp(&a.taken, &b.taken) < 0)
                break;
        }
    }
    mm_services_diff_compute(&a, &b, &d);
    mm_buf_init(&out, 0);
    if (json)
        mm_services_diff_json(&a, &b, &d, &out);
    else
        mm_services_diff_text(&a, &b, &d, &out);
    fwrite(mm_buf_str(&out), 1, out.len, stdout);
    mm_buf_release(&out);
    mm_services_diff_release(&d);
    code = MM_EXIT_OK;
out:
    mm_service_snapshot_release(&a);
    mm_service_snapshot_release(&b);
    return code;
}

static void print_service_json(mm_buf *o, const mm_service *s)
{
    mm_buf_adds(o, "{\"name\":");
    mm_buf_add_json_str(o, s->name);
    mm_buf_adds(o, ",\"display_name\":");
    mm_buf_add_json_str(o, s->display_name);
    mm_buf_adds(o, ",\"status\":");
    mm_buf_add_json_str(o, s->status);
    mm_buf_adds(o, ",\"start_type\":");
    mm_buf_add_json_str(o, s->start_type);
    mm_buf_addc(o, '}');
}

static int services_list(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"date", required_argument, NULL, 'd'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *host = NULL;
    mm_date date;
    int have_date = 0, json = 0, c, code;
    mm_service_snapshot snap;
    mm_error err;
    mm_buf o;
    char day[11];

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'H': host = optarg; break;
        case 'd':
            if ((code = parse_date("services list", "--date", optarg, &date)) != MM_EXIT_OK)
                return code;
            have_date = 1;
            break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("services list", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("services list", "unexpected argument '%s'", argv[optind]);
    if ((code = need_host("services list", host)) != MM_EXIT_OK)
        return code;
    if (mm_services_load(ws->st, host, have_date ? &date : NULL, 0, &snap, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_date_iso(&snap.taken, day);
    mm_buf_init(&o, 0);
    if (json) {
        mm_buf_adds(&o, "{\"host\":");
        mm_buf_add_json_str(&o, snap.host);
        mm_buf_addf(&o, ",\"date\":\"%s\",\"source\":", day);
        mm_buf_add_json_str(&o, snap.source);
        mm_buf_adds(&o, ",\"services\":[");
        for (size_t i = 0; i < snap.services.n; i++) {
            if (i)
                mm_buf_addc(&o, ',');
            print_service_json(&o, &snap.services.v[i]);
        }
        mm_buf_adds(&o, "]}\n");
    } else {
        mm_buf_addf(&o, "ホスト %s  %s  %s  %zu 件 (services)\n", snap.host, day, snap.source,
                    snap.services.n);
        mm_buf_adds(&o,
                    "#名前 name\t表示名 display name\t状態 status\tスタートアップ start type\n");
        for (size_t i = 0; i < snap.services.n; i++) {
            const mm_service *s = &snap.services.v[i];
            mm_buf_addf(&o, "%s\t%s\t%s\t%s\n", s->name, s->display_name[0] ? s->display_name : "-",
                        s->status, s->start_type[0] ? s->start_type : "-");
        }
    }
    fwrite(mm_buf_str(&o), 1, o.len, stdout);
    mm_buf_release(&o);
    mm_service_snapshot_release(&snap);
    return MM_EXIT_OK;
}

static int services_hosts(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
    mm_services_host *h = NULL;
    size_t n = 0;
    int json = 0, c;
    mm_error err;
    mm_buf o;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("services hosts", "unknown option");
    }
    if (mm_services_hosts(ws->st, &h, &n, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_buf_init(&o, 0);
    if (json) {
        mm_buf_addc(&o, '[');
        for (size_t i = 0; i < n; i++) {
            mm_buf_adds(&o, i ? ",{\"host\":" : "{\"host\":");
            mm_buf_add_json_str(&o, h[i].host);
            mm_buf_addf(&o, ",\"snapshots\":%ld,\"first\":\"%s\",\"last\":\"%s\",\"services\":%ld}",
                        h[i].snapshots, h[i].first, h[i].last, h[i].services);
        }
        mm_buf_adds(&o, "]\n");
    } else if (n == 0) {
        mm_buf_adds(&o, "サービス一覧はまだありません (no service snapshots yet; see `mamori "
                        "import services --help`)\n");
    } else {
        mm_buf_adds(&o, "#ホスト host\t件数 snapshots\t最初 first\t最新 last\t最新のサービス数 "
                        "services\n");
        for (size_t i = 0; i < n; i++)
            mm_buf_addf(&o, "%s\t%ld\t%s\t%s\t%ld\n", h[i].host, h[i].snapshots, h[i].first,
                        h[i].last, h[i].services);
    }
    fwrite(mm_buf_str(&o), 1, o.len, stdout);
    mm_buf_release(&o);
    free(h);
    return MM_EXIT_OK;
}

static int services_unneeded(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"host", required_argument, NULL, 'H'},
                                         {"date", required_argument, NULL, 'd'},
                                         {"role", required_argument, NULL, 'r'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *host = NULL;
    mm_date date;
    mm_host_role role = MM_ROLE_ANY;
    int have_date = 0, json = 0, c, code;
    mm_service_snapshot snap;
    mm_unneeded_list *list = NULL;
    mm_unneeded_hits hits;
    mm_error err;
    mm_buf o;
    char day[11];

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'H': host = optarg; break;
        case 'd':
            if ((code = parse_date("services unneeded", "--date", optarg, &date)) != MM_EXIT_OK)
                return code;
            have_date = 1;
            break;
        case 'r':
            if (strcmp(optarg, "server") == 0)
                role = MM_ROLE_SERVER;
            else if (strcmp(optarg, "pc") == 0)
                role = MM_ROLE_PC;
            else
                return mm_cli_usage("services unneeded", "--role は server か pc です");
            break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("services unneeded", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("services unneeded", "unexpected argument '%s'", argv[optind]);
    if ((code = need_host("services unneeded", host)) != MM_EXIT_OK)
        return code;
    if (mm_unneeded_load(ws->dir, &list, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_services_load(ws->st, host, have_date ? &date : NULL, 0, &snap, &err) != MM_OK) {
        mm_unneeded_free(&list);
        return mm_cli_fail(&err);
    }
    mm_services_unneeded_running(list, &snap, role, &hits);
    mm_date_iso(&snap.taken, day);
    mm_buf_init(&o, 0);
    if (json) {
        mm_buf_adds(&o, "{\"host\":");
        mm_buf_add_json_str(&o, snap.host);
        mm_buf_addf(&o, ",\"date\":\"%s\",\"running_unneeded\":[", day);
        for (size_t i = 0; i < hits.n; i++) {
            const mm_unneeded_entry *e = hits.v[i].entry;
            if (i)
                mm_buf_addc(&o, ',');
            mm_buf_adds(&o, "{\"service\":");
            print_service_json(&o, hits.v[i].service);
            mm_buf_adds(&o, ",\"id\":");
            mm_buf_add_json_str(&o, e->id);
            mm_buf_addf(&o, ",\"kind\":\"%s\",\"reason_ja\":",
                        e->kind == MM_ROLE_SERVER ? "server"
                        : e->kind == MM_ROLE_PC   ? "pc"
                                                  : "both");
            mm_buf_add_json_str(&o, e->reason_ja);
            mm_buf_adds(&o, ",\"reason_en\":");
            mm_buf_add_json_str(&o, e->reason_en);
            mm_buf_addc(&o, '}');
        }
        mm_buf_adds(&o, "]}\n");
    } else {
        mm_buf_addf(&o,
                    "ホスト %s  %s: 不要な可能性のある稼働中サービス %zu 件 (%zu running "
                    "services that are usually unneeded)\n",
                    snap.host, day, hits.n, hits.n);
        for (size_t i = 0; i < hits.n; i++) {
            const mm_service *s = hits.v[i].service;
            const mm_unneeded_entry *e = hits.v[i].entry;
            mm_buf_addf(&o, "  ! %s%s%s%s [%s]\n    %s\n    %s\n", s->name,
                        s->display_name[0] && strcmp(s->display_name, s->name) ? " (" : "",
                        s->display_name[0] && strcmp(s->display_name, s->name) ? s->display_name
                                                                               : "",
                        s->display_name[0] && strcmp(s->display_name, s->name) ? ")" : "",
                        e->kind == MM_ROLE_SERVER ? "サーバ server"
                        : e->kind == MM_ROLE_PC   ? "端末 pc"
                                                  : "サーバ・端末 both",
                        e->reason_ja, e->reason_en);
        }
    }
    fwrite(mm_buf_str(&o), 1, o.len, stdout);
    mm_buf_release(&o);
    mm_unneeded_hits_release(&hits);
    mm_service_snapshot_release(&snap);
    mm_unneeded_free(&list);
    return MM_EXIT_OK;
}

int mm_cmd_services(const mm_globals *g, int argc, char **argv)
{
    static const mm_subcommand subs[] = {
        {"diff", services_diff},
        {"list", services_list},
        {"hosts", services_hosts},
        {"unneeded", services_unneeded},
    };

    if (argc >= 2 && strcmp(argv[1], "import") == 0)
        return mm_cmd_import_services(g, argc - 1, argv + 1);
    return mm_cli_subcommand(g, "services", argc, argv, subs, MM_ARRAY_LEN(subs),
                             "diff, list, hosts, unneeded のいずれかを指定してください "
                             "(expected diff, list, hosts or unneeded)");
}

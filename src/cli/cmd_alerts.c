/*
 * `mamori alerts`: what the detection rules raised, newest first, and `mamori alerts review`:
 * someone looked at an alert and wrote down what they found. Checklist 2-⑪ asks that access
 * logs are reviewed regularly; the review record (who, when, the note) is that evidence, and
 * the 2-⑪ evaluator fails high and critical alerts nobody reviewed in time. The rows and the
 * review live in src/logs/alerts.c, shared with the web API.
 */
#include <getopt.h>

#include "cli.h"
#include "logs.h"

typedef struct list_state {
    int json, n;
} list_state;

static int print_alert(void *arg, const mm_alert_row *a)
{
    list_state *ls = arg;

    if (ls->json) {
        mm_buf b;
        mm_buf_init(&b, 0);
        if (ls->n)
            mm_buf_adds(&b, ",\n");
        mm_alert_row_json(&b, a);
        fwrite(b.data, 1, b.len, stdout);
        mm_buf_release(&b);
    } else {
        printf("#%lld [%s] %s  %s〜%s  %s\n    %s\n    %s\n", a->id, a->severity, a->rule,
               a->first_at, a->last_at, a->subject, a->title_ja, a->detail_ja);
        if (a->reviewed)
            printf("    確認済み (reviewed) %s %s: %s\n", a->reviewed_at, a->reviewed_by,
                   a->review_note);
        else
            printf("    未確認 (not reviewed): mamori alerts review %lld --note \"…\"\n", a->id);
    }
    ls->n++;
    return 0;
}

static int alerts_list(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},           {"rule", required_argument, NULL, 'r'},
        {"severity", required_argument, NULL, 's'}, {"open", no_argument, NULL, 'o'},
        {"limit", required_argument, NULL, 'l'},    {0}};
    mm_alert_filter f = {0};
    list_state ls = {0};
    int c, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;

    mm_error_clear(&err);
    f.limit = 1000;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j') {
            ls.json = 1;
        } else if (c == 'r') {
            f.rule = optarg;
        } else if (c == 'o') {
            f.open_only = 1;
        } else if (c == 's') {
            if ((f.min_severity = mm_alert_severity_parse(optarg)) < 0)
                return mm_cli_usage("alerts", "--severity is low, medium, high or critical");
        } else if (c == 'l') {
            if (mm_parse_long(optarg, 1, 10000000, &f.limit) != MM_OK)
                return mm_cli_usage("alerts", "--limit is a positive number");
        } else {
            return mm_cli_usage("alerts", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("alerts", "unexpected argument '%s'", argv[optind]);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (ls.json)
        fputs("[", stdout);
    if (mm_alerts_each(ws.st, &f, print_alert, &ls, &err) != MM_OK)
        code = mm_cli_fail(&err);
    if (ls.json)
        fputs("]\n", stdout);
    else if (code == MM_EXIT_OK && ls.n == 0)
        printf("%s\n", f.open_only ? "未確認の検知はありません (no open alerts)"
                                   : "検知はありません (no alerts)");
    mm_ws_close(&ws);
    return code;
}

/* `alerts review ID… --note TEXT`: all or nothing, one audit entry per alert. */
static int alerts_review(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"note", required_argument, NULL, 'n'}, {0}};
    const char *note = NULL;
    long long ids[256];
    size_t n = 0;
    int c, code = MM_EXIT_OK;
    mm_ws ws;
    mm_error err;

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
    if (strlen(note) > MM_ALERT_NOTE_MAX)
        return mm_cli_usage("alerts", "--note is at most %d bytes", MM_ALERT_NOTE_MAX);
    if (optind >= argc)
        return mm_cli_usage("alerts", "review needs at least one alert ID");
    for (int i = optind; i < argc; i++) {
        long id;
        const char *s = argv[i][0] == '#' ? argv[i] + 1 : argv[i];
        if (mm_parse_long(s, 1, 1L << 62, &id) != MM_OK)
            return mm_cli_usage("alerts", "'%s' is not an alert ID", argv[i]);
        if (n == MM_ARRAY_LEN(ids))
            return mm_cli_usage("alerts", "at most %zu alerts at once", MM_ARRAY_LEN(ids));
        ids[n++] = id;
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_alerts_review(ws.st, ids, n, note, ws.actor, &err) != MM_OK)
        code = mm_cli_fail(&err);
    else
        printf("検知 %zu 件を確認済みにしました (marked %zu alerts as reviewed)\n", n, n);
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

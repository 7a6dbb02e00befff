/*
 * Answer commands: `answer` records one answer; `answers` imports, exports and shows history.
 */
#include <getopt.h>

#include "answers_io.h"
#include "buf.h"
#include "cli.h"

static int parse_version(const char *cmd, const char *s, int *out)
{
    long v;
    if (mm_parse_long(s, 2023, 2099, &v) != MM_OK)
        return mm_cli_usage(cmd, "--version は 2025 のような年度です (expected a year, got \"%s\")",
                            s);
    *out = (int)v;
    return MM_EXIT_OK;
}

static int parse_date_opt(const char *cmd, const char *opt, const char *s, mm_date *out)
{
    mm_error err;
    if (mm_date_parse(s, out, &err) != MM_OK) {
        fprintf(stderr, "mamori %s: %s: %s\n", cmd, opt, err.msg);
        return MM_EXIT_INVALID;
    }
    return MM_EXIT_OK;
}

int mm_cmd_answer(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"date", required_argument, NULL, 'd'},     {"target-date", required_argument, NULL, 't'},
        {"round", required_argument, NULL, 'r'},    {"scope", required_argument, NULL, 's'},
        {"note", required_argument, NULL, 'n'},     {"version", required_argument, NULL, 'v'},
        {"sheet", required_argument, NULL, 'S'},    {"vendor", required_argument, NULL, 'V'},
        {"answerer", required_argument, NULL, 'a'}, {0}};
    mm_answer a;
    mm_error err;
    mm_ws ws;
    const char *version = NULL;
    int c, code, have_date = 0;
    long n;

    memset(&a, 0, sizeof(a));
    mm_error_clear(&err);
    a.round = 1;
    a.scope = MM_SCOPE_ALL;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        code = MM_EXIT_OK;
        switch (c) {
        case 'd':
            code = parse_date_opt("answer", "--date", optarg, &a.checked);
            have_date = 1;
            break;
        case 't':
            code = parse_date_opt("answer", "--target-date", optarg, &a.target);
            a.has_target = 1;
            break;
        case 'r':
            if (mm_parse_long(optarg, 1, 2, &n) != MM_OK)
                code = mm_cli_usage("answer", "--round は 1 か 2 です (expected 1 or 2)");
            a.round = (int)n;
            break;
        case 's':
            if (mm_scope_parse(optarg, &a.scope) != MM_OK)
                code = mm_cli_usage("answer", "--scope は all, server, pc, network です");
            break;
        case 'n':
            free(a.note);
            a.note = mm_xstrdup(optarg);
            break;
        case 'v': version = optarg; break;
        case 'S':
            if (mm_sheet_parse(optarg, &a.sheet) != MM_OK)
                code = mm_cli_usage("answer", "--sheet は hospital か vendor です");
            break;
        case 'V': mm_strlcpy(a.vendor, optarg, sizeof(a.vendor)); break;
        case 'a': mm_strlcpy(a.answerer, optarg, sizeof(a.answerer)); break;
        default: code = mm_cli_usage("answer", "unknown option");
        }
        if (code != MM_EXIT_OK)
            goto fail;
    }
    if (optind + 2 != argc) {
        code = mm_cli_usage("answer", "項番と回答を指定してください (expected ITEM and yes|no|na)");
        goto fail;
    }
    if (strlen(argv[optind]) >= sizeof(a.item_id)) {
        code = mm_cli_usage("answer", "項番が長すぎます (item id too long)");
        goto fail;
    }
    mm_strlcpy(a.item_id, argv[optind], sizeof(a.item_id));
    if (mm_answer_value_parse(argv[optind + 1], &a.value) != MM_OK) {
        code = mm_cli_usage("answer",
                            "回答は yes (はい), no (いいえ), na (該当なし) です (got \"%s\")",
                            argv[optind + 1]);
        goto fail;
    }
    if (!have_date) {
        code = mm_cli_usage("answer", "確認日 --date YYYY-MM-DD が必要です (--date is required)");
        goto fail;
    }
    if (version && (code = parse_version("answer", version, &a.version)) != MM_EXIT_OK)
        goto fail;
    if (mm_ws_open(g, &ws, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto fail;
    }
    if (!version)
        a.version = ws.default_version;
    if (mm_answer_record(ws.st, ws.cat, &a, ws.actor, &err) != MM_OK) {
        code = mm_cli_fail(&err);
    } else {
        const mm_sheet *sh = mm_catalog_sheet(ws.cat, a.version, a.sheet);
        const mm_item *it = sh ? mm_sheet_item(sh, a.item_id) : NULL;
        char d[11], t[11] = "";
        mm_date_slash(&a.checked, d);
        if (a.has_target)
            mm_date_slash(&a.target, t);
        printf("記録しました: %s [%s] %d回目 %s 確認日 %s%s%s (answer #%ld)\n",
               it ? it->label : a.item_id, mm_scope_label(a.scope), a.round,
               mm_answer_value_label(a.value), d, a.has_target ? " 対応目標日 " : "", t, a.id);
        code = MM_EXIT_OK;
    }
    mm_ws_close(&ws);
fail:
    mm_answer_release(&a);
    return code;
}

static int answers_import(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'}, {0}};
    int dry = 0, c;
    size_t count = 0;
    mm_error err;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            dry = 1;
        else
            return mm_cli_usage("answers import", "unknown option");
    }
    if (optind + 1 != argc)
        return mm_cli_usage("answers import", "ファイルを1つ指定してください (expected one FILE)");
    if (mm_answers_import_file(ws->st, ws->cat, argv[optind], ws->actor, dry, &count, &err) !=
        MM_OK)
        return mm_cli_fail(&err);
    if (dry)
        printf("確認のみ: %zu 件の回答は取り込めます (dry run: %zu answers would be imported; "
               "nothing was stored)\n",
               count, count);
    else
        printf("%zu 件の回答を取り込みました (imported %zu answers)\n", count, count);
    return MM_EXIT_OK;
}

static int answers_export(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"history", no_argument, NULL, 'H'},
                                         {"version", required_argument, NULL, 'v'},
                                         {"output", required_argument, NULL, 'o'},
                                         {0}};
    mm_export_format fmt = MM_EXPORT_CSV;
    const char *out = NULL;
    int history = 0, version = ws->default_version, c, code = MM_EXIT_OK;
    mm_error err;
    mm_buf b;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (strcmp(optarg, "csv") == 0)
                fmt = MM_EXPORT_CSV;
            else if (strcmp(optarg, "json") == 0)
                fmt = MM_EXPORT_JSON;
            else
                return mm_cli_usage("answers export", "--format は csv か json です");
            break;
        case 'H': history = 1; break;
        case 'v':
            if ((code = parse_version("answers export", optarg, &version)) != MM_EXIT_OK)
                return code;
            break;
        case 'o': out = optarg; break;
        default: return mm_cli_usage("answers export", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("answers export", "unexpected argument '%s'", argv[optind]);
    mm_buf_init(&b, 0);
    if (mm_answers_export(ws->st, version, fmt, history, &b, &err) != MM_OK ||
        mm_cli_output(out, mm_buf_str(&b), b.len, &err) != MM_OK)
        code = mm_cli_fail(&err);
    mm_buf_release(&b);
    return code;
}

static int answers_history(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"version", required_argument, NULL, 'v'},
                                         {"sheet", required_argument, NULL, 'S'},
                                         {"vendor", required_argument, NULL, 'V'},
                                         {0}};
    int version = ws->default_version, c, code;
    mm_sheet_kind sheet = MM_SHEET_HOSPITAL;
    const char *vendor = NULL, *item = NULL;
    const mm_sheet *sh;
    mm_answer_list l = {0};
    mm_error err;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v':
            if ((code = parse_version("answers history", optarg, &version)) != MM_EXIT_OK)
                return code;
            break;
        case 'S':
            if (mm_sheet_parse(optarg, &sheet) != MM_OK)
                return mm_cli_usage("answers history", "--sheet は hospital か vendor です");
            break;
        case 'V': vendor = optarg; break;
        default: return mm_cli_usage("answers history", "unknown option");
        }
    }
    if (optind < argc)
        item = argv[optind];
    sh = mm_catalog_sheet(ws->cat, version, sheet);
    if (item && sh) {
        const mm_item *it = mm_sheet_item(sh, item);
        if (!it) {
            mm_error_set(&err, MM_ERR_NOTFOUND, NULL, 0, 0,
                         "項番 \"%s\" はありません (unknown item)", item);
            return mm_cli_fail(&err);
        }
        item = it->id;
    }
    if (mm_answers_history(ws->st, version, sheet, vendor, item, &l, &err) != MM_OK)
        return mm_cli_fail(&err);
    printf("#id\t記録日時(UTC)\t事業者\t項番\t対象\t回\t回答\t確認日\t対応目標日\t回答者\t備考\n");
    for (size_t i = 0; i < l.n; i++) {
        const mm_answer *a = &l.v[i];
        char d[11], t[11] = "";
        mm_date_slash(&a->checked, d);
        if (a->has_target)
            mm_date_slash(&a->target, t);
        printf("#%ld\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", a->id, a->recorded_at,
               a->vendor[0] ? a->vendor : "-", a->item_id, mm_scope_label(a->scope), a->round,
               mm_answer_value_label(a->value), d, t[0] ? t : "-", a->answerer,
               a->note ? a->note : "");
    }
    mm_answer_list_release(&l);
    return MM_EXIT_OK;
}

int mm_cmd_answers(const mm_globals *g, int argc, char **argv)
{
    static const mm_subcommand subs[] = {
        {"import", answers_import},
        {"export", answers_export},
        {"history", answers_history},
    };

    return mm_cli_subcommand(g, "answers", argc, argv, subs, MM_ARRAY_LEN(subs),
                             "import, export, history のいずれかを指定してください");
}

/*
 * Evidence commands: `import KIND FILE [--dry-run]` brings a CSV or JSON evidence file into the
 * store through the importer engine, and `evidence list KIND [--json]` shows what is stored
 * with the file and line each row came from.
 */
#include <getopt.h>

#include "buf.h"
#include "cli.h"
#include "importer.h"

static void print_kinds(FILE *f)
{
    fprintf(f, "証拠の種類 (kinds):\n");
    for (size_t i = 0; i < mm_import_kinds_len; i++)
        fprintf(f, "  %-18s %s\n", mm_import_kinds[i]->name, mm_import_kinds[i]->label);
}

static const mm_import_kind *kind_arg(const char *cmd, const char *name)
{
    const mm_import_kind *k = mm_import_kind_find(name);

    if (!k) {
        fprintf(stderr, "mamori %s: 証拠の種類 \"%s\" はありません (unknown evidence kind)\n", cmd,
                name);
        print_kinds(stderr);
    }
    return k;
}

int mm_cmd_import(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"dry-run", no_argument, NULL, 'n'}, {0}};
    const mm_import_kind *k;
    int dry = 0, c, code;
    size_t count = 0;
    mm_error err;
    mm_ws ws;

    if (argc > 1 && strcmp(argv[1], "services") == 0) /* service snapshots: cmd_services.c */
        return mm_cmd_import_services(g, argc - 1, argv + 1);
    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            dry = 1;
        else
            return mm_cli_usage("import", "unknown option");
    }
    if (optind + 2 != argc)
        return mm_cli_usage("import", "種類とファイルを指定してください (expected KIND FILE)");
    if (!(k = kind_arg("import", argv[optind])))
        return MM_EXIT_USAGE;
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_import_file(ws.st, k->name, argv[optind + 1], ws.actor, dry, &count, &err) != MM_OK) {
        code = mm_cli_fail(&err);
    } else {
        if (dry)
            printf("確認のみ: %s %zu 件は取り込めます (dry run: %zu %s rows would be imported; "
                   "nothing was stored)\n",
                   k->name, count, count, k->name);
        else
            printf("%s を %zu 件取り込みました (imported %zu %s rows)\n", k->name, count, count,
                   k->name);
        code = MM_EXIT_OK;
    }
    mm_ws_close(&ws);
    return code;
}

static int evidence_list(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
    const mm_import_kind *k;
    int json = 0, c, code = MM_EXIT_OK;
    mm_error err;
    mm_buf b;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("evidence list", "unknown option");
    }
    if (optind + 1 != argc)
        return mm_cli_usage("evidence list", "種類を1つ指定してください (expected one KIND)");
    if (!(k = kind_arg("evidence list", argv[optind])))
        return MM_EXIT_USAGE;
    mm_buf_init(&b, 0);
    if (mm_evidence_list(ws->st, k, json, &b, &err) != MM_OK ||
        mm_cli_output(NULL, mm_buf_str(&b), b.len, &err) != MM_OK)
        code = mm_cli_fail(&err);
    mm_buf_release(&b);
    return code;
}

int mm_cmd_evidence(const mm_globals *g, int argc, char **argv)
{
    static const mm_subcommand subs[] = {
        {"list", evidence_list},
    };

    return mm_cli_subcommand(g, "evidence", argc, argv, subs, MM_ARRAY_LEN(subs),
                             "list を指定してください (expected a subcommand: list)");
}

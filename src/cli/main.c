/*
 * mamori: the entry point and the command table. Global options come before the command
 * (`mamori --dir DIR answer 2-10 no …`); each command parses its own options and answers
 * --help. To add a command: write mm_cmd_<name> in src/cli/cmd_<name>.c, declare it in cli.h,
 * and add a row to mm_commands below.
 */
#include <getopt.h>

#include "cli.h"

const mm_command mm_commands[] = {
    {"init", mm_cmd_init, "施設ワークスペースを作る / create a facility workspace",
     "usage: mamori init DIR [--name NAME]\n"
     "\n"
     "DIR に施設のワークスペース（SQLite データベース mamori.db と設定 mamori.conf）を作ります。\n"
     "Creates a facility workspace in DIR: the store (mamori.db, mode 0600) and mamori.conf.\n"
     "  --name NAME   facility name (施設名)\n"},
    {"facility", mm_cmd_facility, "施設情報の表示と設定 / show or set the facility",
     "usage: mamori facility show [--json]\n"
     "       mamori facility set [--name NAME] [--kind hospital|clinic|pharmacy] [--beds N]\n"
     "                           [--prefecture 都道府県] [--manager NAME]\n"
     "\n"
     "施設名・種別・病床数・都道府県・医療情報システム安全管理責任者を設定します。\n"
     "Options left out keep their current value. --prefecture takes the full name (東京都).\n"},
    {"vendor", mm_cmd_vendor, "事業者の登録と一覧 / add or list vendors",
     "usage: mamori vendor add NAME\n"
     "       mamori vendor list\n"
     "\n"
     "事業者確認用チェックリストを記入する事業者を登録します。\n"
     "Vendors (事業者) each get their own 事業者確認用 sheet.\n"},
    {"checklist", mm_cmd_checklist, "チェックリストと現在の回答 / the checklist with answers",
     "usage: mamori checklist show [--version 2025] [--sheet hospital|vendor] [--vendor NAME]\n"
     "                             [--guidance] [--lang ja|en] [--json]\n"
     "\n"
     "チェックリストの項目と現在の回答を表示します。--guidance で対応のポイントも表示します。\n"
     "Shows the items of a checklist sheet with their current answers.\n"},
    {"answer", mm_cmd_answer, "項目に回答する / answer an item",
     "usage: mamori answer ITEM yes|no|na --date YYYY-MM-DD [--target-date YYYY-MM-DD]\n"
     "                     [--round 1|2] [--scope all|server|pc|network] [--note TEXT]\n"
     "                     [--version 2025] [--sheet hospital|vendor] [--vendor NAME]\n"
     "                     [--answerer NAME]\n"
     "\n"
     "ITEM は 2-10 または 2-⑩ の形式。yes=はい, no=いいえ, na=該当なし。\n"
     "--date は確認日。「いいえ」には同じ年度内（4月〜3月）の対応目標日 --target-date が必要です。\n"
     "2-⑫ のように対象が複数ある項目は --scope server か --scope pc を指定します。\n"
     "Answers are never overwritten: each is a new entry in the history and the audit trail.\n"},
    {"answers", mm_cmd_answers, "回答の取込・書出・履歴 / import, export, history",
     "usage: mamori answers import FILE.csv|FILE.json [--dry-run]\n"
     "       mamori answers export [--format csv|json] [--history] [--version 2025] [-o FILE]\n"
     "       mamori answers history [ITEM] [--version 2025] [--sheet hospital|vendor]\n"
     "\n"
     "CSV は UTF-8（BOM 有無とも）と CP932 (Shift_JIS) を読みます。取込は全件か0件です。\n"
     "CSV columns: version,sheet,vendor,item,round,scope,answer,checked,target,answerer,note\n"
     "(Japanese headers 版,シート,事業者,項番,回,対象,回答,確認日,対応目標日,回答者,備考 too).\n"
     "An import is one transaction: any error leaves the store unchanged.\n"},
    {"report", mm_cmd_report, "報告書を書き出す / write the checklist report",
     "usage: mamori report checklist --format xlsx|pdf|html|csv -o FILE\n"
     "                               [--encoding utf8|cp932] [--version 2025] [--vendor NAME]\n"
     "\n"
     "チェックリストを公式様式のレイアウトで書き出します（医療機関確認用と事業者ごとの事業者確認用）。\n"
     "CSV は既定で BOM 付き UTF-8、--encoding cp932 で Shift_JIS。\n"},
    {"gmis", mm_cmd_gmis, "G-MIS 調査の回答案 / G-MIS survey answers from the data",
     "usage: mamori gmis [--version 2025] [--json]\n"
     "\n"
     "G-MIS 調査（14問）への回答を、記録されているデータから導きます。根拠のない設問は「不明」と\n"
     "し、何が必要かを示します。\n"},
    {"audit", mm_cmd_audit, "監査記録の検証と表示 / verify or list the audit trail",
     "usage: mamori audit verify\n"
     "       mamori audit log [--limit N]\n"
     "\n"
     "verify はハッシュチェーンをたどり、改ざん・削除・並べ替えされた記録を特定します。\n"
     "Exit code 5 when the trail or the answers were changed outside Mamori.\n"},
    {"demo", mm_cmd_demo, "デモ病院を作る / build the demo hospital",
     "usage: mamori demo [--dir DIR] [--no-serve] [--force]\n"
     "\n"
     "200床のデモ病院を DIR（既定 ./demo-data）に作り、回答を入れ、全形式の報告書を書き出します。\n"
     "--force replaces an existing demo workspace. --no-serve: do not start the web UI.\n"},
    {"version", mm_cmd_version, "版を表示 / print the version", "usage: mamori version\n"},
};

const size_t mm_commands_len = MM_ARRAY_LEN(mm_commands);

const mm_command *mm_cli_find(const char *name)
{
    for (size_t i = 0; i < mm_commands_len; i++)
        if (strcmp(mm_commands[i].name, name) == 0)
            return &mm_commands[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "Mamori (守り) %s — 医療機関のサイバーセキュリティ対策チェックリストを証拠で満たす\n\n"
               "usage: mamori [--dir DIR] [--as NAME] COMMAND [ARGS]\n\n"
               "commands:\n",
            MM_VERSION);
    for (size_t i = 0; i < mm_commands_len; i++)
        fprintf(f, "  %-10s %s\n", mm_commands[i].name, mm_commands[i].summary);
    fprintf(f, "\nglobal options:\n"
               "  --dir DIR   workspace directory (else $MAMORI_DIR, else the current directory)\n"
               "  --as NAME   who is acting, for the audit trail (else $MAMORI_USER, else the\n"
               "              workspace's answerer, else $USER)\n"
               "\n`mamori COMMAND --help` shows a command's options.\n"
               "\nexit codes: 0 ok, 1 failure, 2 usage error, 3 not found, 4 invalid input,\n"
               "            5 integrity check failed (audit verify)\n");
}

int main(int argc, char **argv)
{
    mm_globals g = {NULL, NULL};
    const mm_command *cmd;
    int i = 1;

    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return MM_EXIT_OK;
        } else if (strcmp(argv[i], "--version") == 0) {
            return mm_cmd_version(&g, 0, NULL);
        } else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
            g.dir = argv[i + 1];
            i += 2;
        } else if (strncmp(argv[i], "--dir=", 6) == 0) {
            g.dir = argv[i] + 6;
            i++;
        } else if (strcmp(argv[i], "--as") == 0 && i + 1 < argc) {
            g.as = argv[i + 1];
            i += 2;
        } else {
            fprintf(stderr, "mamori: unknown global option '%s'\n\n", argv[i]);
            usage(stderr);
            return MM_EXIT_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return MM_EXIT_USAGE;
    }
    cmd = mm_cli_find(argv[i]);
    if (!cmd) {
        fprintf(stderr, "mamori: '%s' はコマンドではありません (unknown command; see mamori --help)\n",
                argv[i]);
        return MM_EXIT_USAGE;
    }
    if (mm_cli_want_help(cmd->name, argc - i, argv + i))
        return MM_EXIT_OK;
    optind = 1;
    return cmd->run(&g, argc - i, argv + i);
}

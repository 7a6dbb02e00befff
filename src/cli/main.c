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
     "--date は確認日。「いいえ」には同じ年度内（4月〜3月）の対応目標日 --target-date "
     "が必要です。\n"
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
     "チェックリストを公式様式のレイアウトで書き出します（医療機関確認用と事業者ごとの事業者確認用"
     "）。\n"
     "CSV は既定で BOM 付き UTF-8、--encoding cp932 で Shift_JIS。\n"},
    {"gmis", mm_cmd_gmis, "G-MIS 調査の回答案 / G-MIS survey answers from the data",
     "usage: mamori gmis [--version 2025] [--json]\n"
     "\n"
     "G-MIS 調査（14問）への回答を、記録されているデータから導きます。根拠のない設問は「不明」と\n"
     "し、何が必要かを示します。\n"},
    {"audit", mm_cmd_audit, "監査記録の検証と表示 / verify or list the audit trail",
     "usage: mamori audit verify [--anchor SEQ:HASH ...]\n"
     "       mamori audit log [--limit N]\n"
     "       mamori audit head [--json]\n"
     "\n"
     "verify はハッシュチェーンをたどり、改ざん・削除・並べ替えされた記録を特定します。\n"
     "head は末尾の記録の番号とハッシュ（控え）を表示します。控えをこのPCの外（紙・報告書・\n"
     "検査員の記録）に残しておけば、verify --anchor でその記録までが書き換えられていないことを\n"
     "確かめられます。チェーンごと作り直す改ざんも、控えとは一致しません。\n"
     "head prints the newest entry's number and hash; kept outside this PC it anchors the trail,\n"
     "and verify --anchor proves that entry and everything before it are unchanged.\n"
     "Exit code 5 when the trail or the answers were changed outside Mamori.\n"},
    {"evaluate", mm_cmd_evaluate, "証拠で回答を検証する / check the answers against evidence",
     "usage: mamori evaluate [--json]\n"
     "\n"
     "取り込んだ証拠（機器台帳、アカウント、職員名簿、ポリシー、許可リスト等）で各項目を評価し、\n"
     "指摘（findings）を記録します。前回あって今回ない指摘は「解消」になります。\n"
     "Runs every evaluator and stores the findings (first seen, last seen, resolved).\n"
     "Settings: mamori.conf [evaluate] unused_account_days (default 90).\n"},
    {"findings", mm_cmd_findings, "指摘の一覧 / list findings",
     "usage: mamori findings [--item ITEM] [--all] [--json]\n"
     "\n"
     "未解消の指摘を項目ごとに表示します。--all で解消済みも表示します。\n"
     "Each finding shows its verdict, reason and the evidence rows (file:line) behind it.\n"},
    {"import", mm_cmd_import, "証拠データを取り込む / import evidence (CSV, JSON)",
     "usage: mamori import KIND FILE [--dry-run]\n"
     "\n"
     "KIND: assets (機器台帳), vendors (事業者), systems (医療情報システム), staff (職員名簿),\n"
     "      accounts (利用者アカウント), roles (役割と情報区分の権限), password-policies\n"
     "      (パスワード設定), software (ソフトウェア・ファームウェアの版), allowlists (接続元の\n"
     "      制限), media (外部記録媒体の制御), advisories (脆弱性情報)\n"
     "\n"
     "CSV（1行目は列名。UTF-8 の BOM 有無、CP932 とも可。日本語の見出しも可）か JSON（行の配列、\n"
     "{\"rows\": [...]}、収集スクリプトの形式）を読みます。取込は全件か0件です。誤りはファイル名:\n"
     "行:列で示します。同じキー（機器名など）の行は置き換え、それ以外の行は残します。\n"
     "--dry-run は検証して件数を表示するだけで、何も保存しません。列の一覧: docs/evidence.md\n"
     "\n"
     "Reads CSV (header row of column names; UTF-8 with or without BOM, or CP932) or JSON (an\n"
     "array of rows, {\"rows\": [...]}, or a collector envelope). All or nothing: any error names\n"
     "file:line:column and stores nothing. Rows with the same natural key are replaced, others\n"
     "kept. --dry-run validates and counts only. Columns per kind: docs/evidence.md\n"},
    {"evidence", mm_cmd_evidence, "取り込んだ証拠の表示 / show stored evidence",
     "usage: mamori evidence list KIND [--json]\n"
     "\n"
     "保存されている証拠を、取込元のファイル名と行番号つきで表示します。\n"
     "Shows the stored rows of KIND with the file and line each came from (source).\n"},
    {"services", mm_cmd_services, "サービス一覧の差分と不要サービス / service snapshots (2-⑫)",
     "usage: mamori services diff --host NAME [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--json]\n"
     "       mamori services list --host NAME [--date YYYY-MM-DD] [--json]\n"
     "       mamori services hosts [--json]\n"
     "       mamori services unneeded --host NAME [--date YYYY-MM-DD] [--role server|pc] [--json]\n"
     "       mamori import services [--host NAME] [--taken YYYY-MM-DD] FILE... [--dry-run]\n"
     "\n"
     "2-⑫: "
     "更新の前後でサービス一覧を比べ、追加・削除・変更（状態・スタートアップの種類）を示します。\n"
     "既定では最新の2つのスナップショットを比べます。unneeded は稼働中の不要なサービス候補を\n"
     "data/services/unneeded.json（ワークスペースの unneeded-services.json "
     "で追加・置換）から示します。\n"
     "diff compares two snapshots of a host (default: the two newest): added, removed, changed.\n"
     "Snapshots come from Get-Service CSV, systemctl output or the collectors "
     "(collectors/README.md).\n"},
    {"demo", mm_cmd_demo, "デモ病院を作る / build the demo hospital",
     "usage: mamori demo [--dir DIR] [--no-serve] [--listen ADDR:PORT] [--force]\n"
     "\n"
     "200床のデモ病院を DIR（既定 ./demo-data）に作り、回答を入れ、全形式の報告書を書き出し、\n"
     "ウェブ画面を起動して URL とログインを表示します（Ctrl-C で停止）。\n"
     "--force replaces an existing demo workspace. --no-serve: build the data and reports only.\n"
     "--listen: where the web UI listens (default 127.0.0.1:8080 or mamori.conf [serve]).\n"},
    {"serve", mm_cmd_serve, "ウェブ画面と API を起動 / serve the web UI and API",
     "usage: mamori serve [--listen ADDR:PORT] [--cert FILE --key FILE] [--threads N]\n"
     "       mamori serve --list-routes [--json]\n"
     "\n"
     "ブラウザ用の画面と JSON API（/api/v1、docs/api.md）を起動します。既定は 127.0.0.1:8080\n"
     "（mamori.conf の [serve] listen でも指定可）。--cert と --key で HTTPS。Ctrl-C で停止。\n"
     "Serves the web UI and the JSON API over the workspace's store until Ctrl-C. Port 0 picks a\n"
     "free port; the first line printed is \"mamori: serving URL\". Session timeouts:\n"
     "MAMORI_SESSION_IDLE (seconds, default 1800), MAMORI_SESSION_MAX (default 43200).\n"},
    {"user", mm_cmd_user, "ウェブ画面の利用者 / web UI users",
     "usage: mamori user add NAME --role admin|assessor|vendor|viewer [--vendor NAME]\n"
     "       mamori user passwd NAME [--stdin]\n"
     "       mamori user disable|enable NAME\n"
     "       mamori user list [--json]\n"
     "       mamori user totp NAME [--reset] [--no-qr]\n"
     "\n"
     "add は初期パスワードを一度だけ表示します。passwd は新しいパスワードを生成して表示します\n"
     "（--stdin で標準入力から設定、12文字以上）。totp は二要素認証を登録し QR を表示します。\n"
     "Passwords are stored as argon2id hashes. Admins must use TOTP. vendor users see only their\n"
     "own vendor's sheet, systems and assets.\n"},
    {"logs", mm_cmd_logs, "アクセスログの取込・検索・検証 / access logs (2-⑪)",
     "usage: mamori logs import --format F [--device NAME] [--json] FILE...\n"
     "       mamori logs query [--user U] [--source ADDR] [--kind K] [--device NAME]\n"
     "                         [--since T] [--until T] [--limit N] [--json]\n"
     "       mamori logs verify [--key FILE] [--json]\n"
     "       mamori logs keygen [-o FILE]\n"
     "       mamori logs stats [--json]\n"
     "       mamori logs prune [--dry-run]\n"
     "       mamori logs report vpn --month YYYY-MM [--format html|csv] [-o FILE]\n"
     "\n"
     "2-⑪: アクセスログを改ざんできない形で保管し（zstd 圧縮、BLAKE2b のハッシュ連鎖、Ed25519 "
     "署名）、\n"
     "検索・検証します。解析できない行も原文のまま保存して数えます（捨てません）。\n"
     "F: syslog, rfc5424, rfc3164, sshd, fortigate, windows-json, emr-csv, auto, ivanti,\n"
     "evtx（Windows .evtx ファイル）. FILE - は標準入力。\n"
     "取込のたびに検知ルール（data/rules/*.json）を適用し、`mamori alerts` で一覧します。\n"
     "keygen は検証鍵（公開鍵）を FILE に書き出します。このPCの外に保管し verify --key "
     "で使います。\n"
     "report vpn は月ごとの VPN "
     "アクセスログ監査（利用者ごとの接続回数・接続元・許可リスト外・失敗）。\n"
     "T: YYYY-MM-DD（その日の 0 時、JST）または ISO-8601。--kind: logon, logon-failure, logoff,\n"
     "vpn-up, vpn-down, account-created, account-disabled, account-locked, group-member-added,\n"
     "admin-created, record-access, other, unparsed …\n"
     "Settings: mamori.conf [logs] retention_years (5), zstd_level (3), block_events (4096),\n"
     "segment_events (1048576), tz_offset_minutes (540), capacity_alarm_days (90), recent_days "
     "(7),\n"
     "review_days (31), alert_review_days (7).\n"
     "verify exits 5 and names the segment and block when anything was changed or removed.\n"},
    {"alerts", mm_cmd_alerts, "ログの検知結果 / alerts raised by the log rules",
     "usage: mamori alerts [list] [--open] [--severity S] [--rule RULE] [--limit N] [--json]\n"
     "       mamori alerts review ID... --note TEXT\n"
     "\n"
     "総当たり・失敗後の成功・許可リスト外の接続元・無効アカウントや退職者のログオン・業務時間外の"
     "\n"
     "リモートアクセス・管理者の追加を、原因となったログ（事象番号と原文）とともに新しい順に表示し"
     "ます。\n"
     "--open は未確認のものだけ、--severity S はその重大度以上（low, medium, high, critical）。\n"
     "review "
     "は検知を確認したことを、確認した人・日時・内容（--note）とともに記録します（監査記録にも\n"
     "残ります）。チェックリスト 2-⑪ の「定期的な確認」の証拠になり、評価では high・critical の\n"
     "検知が [logs] alert_review_days（7日）を過ぎても未確認だと不適合になります。\n"
     "Lists alerts newest first with the log lines behind them; `review` records who looked at an\n"
     "alert, when, and what they found (also in the audit trail). Unreviewed high and critical\n"
     "alerts older than [logs] alert_review_days fail 2-11.\n"},
    {"collect", mm_cmd_collect, "syslog を受信して保管 / run the syslog collector",
     "usage: mamori collect [--udp ADDR:PORT] [--tcp ADDR:PORT] [--tls ADDR:PORT --cert FILE\n"
     "                      --key FILE] [--relp ADDR:PORT] [--follow FILE ...] [--format F]\n"
     "                      [--device NAME] [--max-seconds N] [--max-events N]\n"
     "                      [--commit-seconds N]\n"
     "\n"
     "syslog を UDP・TCP（改行区切り・RFC 6587 のオクテット数え）・TLS（RFC "
     "5425）・RELP（受領確認\n"
     "付き）で受け、--follow のファイルは追記を読み続け（ローテーションと切り詰めに追従）、取込と\n"
     "同じ流れで保管・検知します（前面で動作、Ctrl-C で停止）。受けたものはまずジャーナル\n"
     "（logs/journal）に書き、RELP "
     "の受領確認はその後に返します。強制終了しても次の起動で再生します。\n"
     "TCP は受け切れないとき読みを止めて送信側を待たせ、UDP の取りこぼしは `logs stats` "
     "の欠落に出ます。\n"
     "Runs in the foreground until Ctrl-C (or --max-seconds / --max-events). Every message is\n"
     "written to the journal before it is processed or acknowledged; a killed collector replays\n"
     "it at the next start. Sealed every --commit-seconds (default 60). `mamori serve` runs the\n"
     "same collector from [collect] of mamori.conf.\n"},
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
    fprintf(f,
            "Mamori (守り) %s — 医療機関のサイバーセキュリティ対策チェックリストを証拠で満たす\n\n"
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
        fprintf(stderr,
                "mamori: '%s' はコマンドではありません (unknown command; see mamori --help)\n",
                argv[i]);
        return MM_EXIT_USAGE;
    }
    if (mm_cli_want_help(cmd->name, argc - i, argv + i))
        return MM_EXIT_OK;
    optind = 1;
    return cmd->run(&g, argc - i, argv + i);
}

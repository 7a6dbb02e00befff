/*
 * Workspace commands: init, facility, vendor, version.
 */
#include <getopt.h>

#include "answer.h"
#include "cli.h"
#include "web.h"
#include "facility.h"

int mm_cmd_version(const mm_globals *g, int argc, char **argv)
{
    printf("mamori %s\n", MM_VERSION);
    return MM_EXIT_OK;
}

int mm_cmd_init(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'}, {0}};
    const char *name = NULL, *dir;
    char actor[256];
    mm_error err;
    int c;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'n')
            name = optarg;
        else
            return mm_cli_usage("init", "unknown option");
    }
    if (optind + 1 != argc)
        return mm_cli_usage("init", "ディレクトリを1つ指定してください (expected one DIR)");
    dir = argv[optind];
    mm_actor_default(g, actor, sizeof(actor));
    if (mm_ws_create(dir, actor, &err) != MM_OK)
        return mm_cli_fail(&err);
    {
        mm_globals g2 = *g;
        mm_ws ws;
        mm_facility f;
        char *pw = NULL;
        g2.dir = dir;
        if (mm_ws_open(&g2, &ws, &err) != MM_OK)
            return mm_cli_fail(&err);
        if (name && mm_facility_get(ws.st, &f, &err) == MM_OK) {
            mm_strlcpy(f.name, name, sizeof(f.name));
            mm_facility_set(ws.st, &f, ws.actor, &err);
        }
        /* The first web admin; its password is printed once, below. */
        if (!err.rc)
            mm_web_user_add(ws.st, "admin", MM_ROLE_ADMIN, NULL, ws.actor, &pw, &err);
        mm_ws_close(&ws);
        if (err.rc) {
            free(pw);
            return mm_cli_fail(&err);
        }
        printf("ワークスペースを作成しました: %s (workspace created)\n", dir);
        mm_cli_print_new_user("admin", MM_ROLE_ADMIN, pw);
        free(pw);
    }
    printf("次に: mamori --dir %s facility set --name 施設名 --kind hospital --beds 200 "
           "--prefecture 東京都\n"
           "      mamori --dir %s serve   （ウェブ画面 / web UI）\n",
           dir, dir);
    return MM_EXIT_OK;
}

static void facility_print(const mm_facility *f, int json)
{
    if (json) {
        char *s = mm_facility_to_json(f);
        printf("%s\n", s);
        free(s);
        return;
    }
    printf("施設名 (name):       %s\n", f->name[0] ? f->name : "(未設定)");
    printf("種別 (kind):         %s %s\n", f->kind, mm_facility_kind_label(f->kind));
    if (f->beds >= 0)
        printf("病床数 (beds):       %ld\n", f->beds);
    else
        printf("病床数 (beds):       (未設定)\n");
    printf("都道府県 (prefecture): %s\n", f->prefecture[0] ? f->prefecture : "(未設定)");
    printf("安全管理責任者 (manager): %s\n", f->manager[0] ? f->manager : "(未設定)");
}

int mm_cmd_facility(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"kind", required_argument, NULL, 'k'},
                                         {"beds", required_argument, NULL, 'b'},
                                         {"prefecture", required_argument, NULL, 'p'},
                                         {"manager", required_argument, NULL, 'm'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *name = NULL, *kind = NULL, *beds = NULL, *pref = NULL, *manager = NULL;
    int json = 0, c, code = MM_EXIT_OK;
    mm_error err;
    mm_facility f;
    mm_ws ws;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': name = optarg; break;
        case 'k': kind = optarg; break;
        case 'b': beds = optarg; break;
        case 'p': pref = optarg; break;
        case 'm': manager = optarg; break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("facility", "unknown option");
        }
    }
    if (optind + 1 != argc || (strcmp(argv[optind], "show") && strcmp(argv[optind], "set")))
        return mm_cli_usage("facility", "show か set を指定してください (expected show or set)");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (mm_facility_get(ws.st, &f, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    if (strcmp(argv[optind], "set") == 0) {
        long n;
        if (!name && !kind && !beds && !pref && !manager) {
            code = mm_cli_usage("facility", "設定する項目がありません (nothing to set)");
            goto out;
        }
        if (beds && mm_parse_long(beds, 0, 10000, &n) != MM_OK) {
            code = mm_cli_usage("facility",
                                "--beds は 0 以上の整数です (--beds expects a number of beds, "
                                "got \"%s\")",
                                beds);
            goto out;
        }
        if (name)
            mm_strlcpy(f.name, name, sizeof(f.name));
        if (kind)
            mm_strlcpy(f.kind, kind, sizeof(f.kind));
        if (beds)
            f.beds = n;
        if (pref)
            mm_strlcpy(f.prefecture, pref, sizeof(f.prefecture));
        if (manager)
            mm_strlcpy(f.manager, manager, sizeof(f.manager));
        if (mm_facility_set(ws.st, &f, ws.actor, &err) != MM_OK) {
            code = mm_cli_fail(&err);
            goto out;
        }
        mm_facility_get(ws.st, &f, &err);
    }
    facility_print(&f, json);
out:
    mm_ws_close(&ws);
    return code;
}

int mm_cmd_vendor(const mm_globals *g, int argc, char **argv)
{
    mm_error err;
    mm_ws ws;
    int code = MM_EXIT_OK;

    mm_error_clear(&err);
    if (argc < 2 || (strcmp(argv[1], "add") == 0 && argc != 3) ||
        (strcmp(argv[1], "list") == 0 && argc != 2) ||
        (strcmp(argv[1], "add") && strcmp(argv[1], "list")))
        return mm_cli_usage("vendor", "expected `vendor add NAME` or `vendor list`");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (strcmp(argv[1], "add") == 0) {
        long id;
        if (mm_vendor_add(ws.st, argv[2], ws.actor, &id, &err) != MM_OK)
            code = mm_cli_fail(&err);
        else
            printf("事業者を登録しました: %s (vendor #%ld)\n", argv[2], id);
    } else {
        char **names = NULL;
        size_t n = 0;
        if (mm_vendor_list(ws.st, &names, &n, &err) != MM_OK)
            code = mm_cli_fail(&err);
        for (size_t i = 0; i < n; i++) {
            printf("%s\n", names[i]);
            free(names[i]);
        }
        free(names);
    }
    mm_ws_close(&ws);
    return code;
}

/*
 * `mamori user`: the web UI's users — add (prints a one-time initial password), passwd,
 * disable/enable, list, totp (enrol and show the QR code, or --reset). Runs on the store
 * directly, so it works while `mamori serve` runs; every change is in the audit trail.
 */
#include <getopt.h>
#include <unistd.h>

#include "cli.h"
#include "web.h"

int mm_cli_print_new_user(const char *name, int role, const char *password)
{
    printf("利用者 %s（%s）を作成しました (user created)\n"
           "  初期パスワード (initial password): %s\n"
           "  この表示は一度だけです。安全に伝えてください (shown only once)\n",
           name, mm_role_label((mm_role)role), password);
    if (role == MM_ROLE_ADMIN)
        printf("  管理者は初回ログイン時に二要素認証（TOTP）を登録します "
               "(admins enrol TOTP at first login)\n");
    return MM_EXIT_OK;
}

static int user_add(mm_ws *ws, int argc, char **argv)
{
    static const struct option opts[] = {
        {"role", required_argument, NULL, 'r'}, {"vendor", required_argument, NULL, 'V'}, {0}};
    const char *role_s = NULL, *vendor = NULL;
    char *pw = NULL;
    mm_role role;
    mm_error err;
    int c;

    mm_error_clear(&err);
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'r')
            role_s = optarg;
        else if (c == 'V')
            vendor = optarg;
        else
            return mm_cli_usage("user", "unknown option");
    }
    if (optind + 1 != argc)
        return mm_cli_usage("user", "user add NAME --role ROLE [--vendor NAME]");
    if (!role_s || mm_role_parse(role_s, &role) != MM_OK)
        return mm_cli_usage("user", "--role は admin, assessor, vendor, viewer のどれかです");
    if (mm_web_user_add(ws->st, argv[optind], role, vendor, ws->actor, &pw, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_cli_print_new_user(argv[optind], role, pw);
    free(pw);
    return MM_EXIT_OK;
}

/* Reads one line from stdin without the newline. */
static int read_line(char *buf, size_t n)
{
    size_t len;

    if (!fgets(buf, (int)n, stdin))
        return 0;
    len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        buf[--len] = '\0';
    return 1;
}

static int user_passwd(mm_ws *ws, int argc, char **argv)
{
    char line[512], *pw = NULL;
    int from_stdin = 0;
    mm_error err;

    mm_error_clear(&err);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--stdin") == 0)
            from_stdin = 1;
        else
            return mm_cli_usage("user", "unknown option '%s'", argv[i]);
    }
    if (argc < 2)
        return mm_cli_usage("user", "user passwd NAME [--stdin]");
    if (from_stdin) {
        if (!read_line(line, sizeof(line)))
            return mm_cli_usage("user",
                                "標準入力からパスワードを読めません (no password on stdin)");
        if (mm_web_user_passwd(ws->st, argv[1], line, ws->actor, NULL, &err) != MM_OK)
            return mm_cli_fail(&err);
        printf("利用者 %s のパスワードを変更しました (password changed)\n", argv[1]);
        return MM_EXIT_OK;
    }
    if (mm_web_user_passwd(ws->st, argv[1], NULL, ws->actor, &pw, &err) != MM_OK)
        return mm_cli_fail(&err);
    printf("利用者 %s の新しいパスワード (new password): %s\n"
           "  この表示は一度だけです (shown only once)\n",
           argv[1], pw);
    free(pw);
    return MM_EXIT_OK;
}

static int user_list(mm_ws *ws, int json)
{
    mm_web_user *u = NULL;
    size_t n = 0;
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_user_list(ws->st, &u, &n, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (json)
        fputs("[", stdout);
    else
        printf("%-20s %-10s %-5s %-8s %s\n", "name", "role", "totp", "state", "vendor");
    for (size_t i = 0; i < n; i++) {
        if (json) {
            mm_buf b;
            mm_buf_init(&b, 0);
            mm_buf_adds(&b, "{\"name\":");
            mm_buf_add_json_str(&b, u[i].name);
            mm_buf_addf(&b, ",\"role\":\"%s\",\"vendor\":", mm_role_name(u[i].role));
            mm_buf_add_json_str(&b, u[i].vendor);
            mm_buf_addf(&b, ",\"totp\":%s,\"disabled\":%s}", u[i].totp ? "true" : "false",
                        u[i].disabled ? "true" : "false");
            printf("%s%s", i ? ",\n " : "\n ", mm_buf_str(&b));
            mm_buf_release(&b);
        } else {
            printf("%-20s %-10s %-5s %-8s %s\n", u[i].name, mm_role_name(u[i].role),
                   u[i].totp ? "yes" : "no", u[i].disabled ? "disabled" : "active", u[i].vendor);
        }
    }
    if (json)
        fputs(n ? "\n]\n" : "]\n", stdout);
    free(u);
    return MM_EXIT_OK;
}

static int user_totp(mm_ws *ws, int argc, char **argv)
{
    char *b32 = NULL, *uri = NULL, *qr = NULL;
    int reset = 0, show_qr = 1;
    mm_error err;

    mm_error_clear(&err);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--reset") == 0)
            reset = 1;
        else if (strcmp(argv[i], "--no-qr") == 0)
            show_qr = 0;
        else
            return mm_cli_usage("user", "unknown option '%s'", argv[i]);
    }
    if (argc < 2)
        return mm_cli_usage("user", "user totp NAME [--reset] [--no-qr]");
    if (reset) {
        if (mm_web_totp_reset(ws->st, argv[1], ws->actor, &err) != MM_OK)
            return mm_cli_fail(&err);
        printf("利用者 %s の二要素認証を解除しました (TOTP removed)\n", argv[1]);
        return MM_EXIT_OK;
    }
    if (mm_web_totp_enrol_now(ws->st, argv[1], ws->actor, &b32, &uri, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (show_qr && (qr = mm_web_qr_text(uri)) != NULL)
        fputs(qr, stdout);
    printf("secret: %s\nuri: %s\n"
           "認証アプリ（Google Authenticator 等）で QR を読むか secret を入力してください\n"
           "(scan the QR code or type the secret into an authenticator app)\n",
           b32, uri);
    free(qr);
    free(b32);
    free(uri);
    return MM_EXIT_OK;
}

int mm_cmd_user(const mm_globals *g, int argc, char **argv)
{
    mm_error err;
    mm_ws ws;
    int code;

    mm_error_clear(&err);
    if (argc < 2)
        return mm_cli_usage("user", "user add|passwd|disable|enable|list|totp");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    /* Seal secrets left in clear by older versions. A missing or wrong key is reported but does
     * not stop the command: `user totp NAME --reset` is how one recovers from a lost key. */
    if (mm_web_totp_migrate(ws.st, NULL, &err) != MM_OK) {
        fprintf(stderr, "mamori user: 警告 (warning): %s%s%s\n", err.file[0] ? err.file : "",
                err.file[0] ? ": " : "", err.msg);
        mm_error_clear(&err);
    }
    if (strcmp(argv[1], "add") == 0) {
        code = user_add(&ws, argc - 1, argv + 1);
    } else if (strcmp(argv[1], "passwd") == 0) {
        code = user_passwd(&ws, argc - 1, argv + 1);
    } else if (strcmp(argv[1], "disable") == 0 || strcmp(argv[1], "enable") == 0) {
        if (argc != 3) {
            code = mm_cli_usage("user", "user %s NAME", argv[1]);
        } else if (mm_web_user_set_disabled(ws.st, argv[2], strcmp(argv[1], "disable") == 0,
                                            ws.actor, &err) != MM_OK) {
            code = mm_cli_fail(&err);
        } else {
            printf("利用者 %s を%sにしました (user %sd)\n", argv[2],
                   strcmp(argv[1], "disable") == 0 ? "無効" : "有効", argv[1]);
            code = MM_EXIT_OK;
        }
    } else if (strcmp(argv[1], "list") == 0) {
        code = user_list(&ws, argc > 2 && strcmp(argv[2], "--json") == 0);
    } else if (strcmp(argv[1], "totp") == 0) {
        code = user_totp(&ws, argc - 1, argv + 1);
    } else {
        code = mm_cli_usage("user", "'%s' は user のサブコマンドではありません", argv[1]);
    }
    mm_ws_close(&ws);
    return code;
}

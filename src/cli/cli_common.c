/*
 * What every command shares: finding and opening the workspace, who is acting, printing
 * errors with their position, and writing output files atomically.
 */
#include <ini.h>
#include <pwd.h>
#include <unistd.h>

#include "audit.h"
#include "cli.h"
#include "facility.h"
#include "fs.h"

int mm_exit_code(mm_rc rc)
{
    switch (rc) {
    case MM_OK: return MM_EXIT_OK;
    case MM_ERR_USAGE: return MM_EXIT_USAGE;
    case MM_ERR_NOTFOUND: return MM_EXIT_NOTFOUND;
    case MM_ERR_PARSE:
    case MM_ERR_INVALID:
    case MM_ERR_EXISTS: return MM_EXIT_INVALID;
    case MM_ERR_TAMPER: return MM_EXIT_TAMPER;
    default: return MM_EXIT_FAIL;
    }
}

int mm_cli_fail(const mm_error *err)
{
    char msg[2048];

    mm_error_format(err, msg, sizeof(msg));
    fprintf(stderr, "mamori: %s\n", msg);
    return mm_exit_code(err->rc ? err->rc : MM_ERR_IO);
}

int mm_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "mamori %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `mamori %s --help`)\n", cmd);
    return MM_EXIT_USAGE;
}

int mm_cli_want_help(const char *cmd, int argc, char **argv)
{
    const mm_command *c = mm_cli_find(cmd);

    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            break;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(c ? c->help : "", stdout);
            return 1;
        }
    }
    return 0;
}

int mm_cli_subcommand(const mm_globals *g, const char *cmd, int argc, char **argv,
                      const mm_subcommand *subs, size_t nsubs, const char *missing)
{
    mm_error err;
    mm_ws ws;
    int code;

    mm_error_clear(&err);
    if (argc < 2)
        return mm_cli_usage(cmd, "%s", missing);
    for (size_t i = 0; i < nsubs; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        if (mm_ws_open(g, &ws, &err) != MM_OK)
            return mm_cli_fail(&err);
        code = subs[i].run(&ws, argc - 1, argv + 1);
        mm_ws_close(&ws);
        return code;
    }
    return mm_cli_usage(cmd, "unknown subcommand '%s'", argv[1]);
}

mm_rc mm_cli_output(const char *path, const void *data, size_t len, mm_error *err)
{
    if (!path || strcmp(path, "-") == 0) {
        if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
            return mm_error_set(err, MM_ERR_IO, "stdout", 0, 0, "write error");
        return MM_OK;
    }
    return mm_file_write_atomic(path, data, len, 0644, err);
}

void mm_actor_default(const mm_globals *g, char *out, size_t outsz)
{
    const char *env;
    struct passwd *pw;

    if (g->as && *g->as) {
        mm_strlcpy(out, g->as, outsz);
        return;
    }
    env = getenv("MAMORI_USER");
    if (env && *env) {
        mm_strlcpy(out, env, outsz);
        return;
    }
    env = getenv("USER");
    if (env && *env) {
        mm_strlcpy(out, env, outsz);
        return;
    }
    pw = getpwuid(getuid());
    mm_strlcpy(out, pw && pw->pw_name ? pw->pw_name : "unknown", outsz);
}

static const char *ws_dir(const mm_globals *g)
{
    const char *env = getenv("MAMORI_DIR");
    if (g->dir && *g->dir)
        return g->dir;
    if (env && *env)
        return env;
    return ".";
}

typedef struct conf {
    char answerer[256];
    int version;
    int unused_days;
} conf;

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
    conf *c = user;
    long v;

    if (!value[0])
        return 1; /* an empty value keeps the default */
    if (strcmp(section, "workspace") == 0 && strcmp(name, "answerer") == 0) {
        mm_strlcpy(c->answerer, value, sizeof(c->answerer));
    } else if (strcmp(section, "workspace") == 0 && strcmp(name, "checklist_version") == 0) {
        if (mm_parse_long(value, 2023, 2099, &v) != MM_OK)
            return 0;
        c->version = (int)v;
    } else if (strcmp(section, "evaluate") == 0 && strcmp(name, "unused_account_days") == 0) {
        if (mm_parse_long(value, 1, 3650, &v) != MM_OK)
            return 0;
        c->unused_days = (int)v;
    }
    /* Unknown keys are kept for later versions (serve, logs) and ignored here. */
    return 1;
}

mm_rc mm_ws_open(const mm_globals *g, mm_ws *ws, mm_error *err)
{
    conf c = {"", 0, 90};
    const char *dir = ws_dir(g);
    int r;
    mm_rc rc;

    memset(ws, 0, sizeof(*ws));
    mm_strlcpy(ws->dir, dir, sizeof(ws->dir));
    if (mm_path_join(ws->db_path, sizeof(ws->db_path), dir, MM_WS_DB) != MM_OK ||
        mm_path_join(ws->conf_path, sizeof(ws->conf_path), dir, MM_WS_CONF) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, dir, 0, 0, "path too long");
    if (!mm_file_exists(ws->db_path))
        return mm_error_set(
            err, MM_ERR_NOTFOUND, dir, 0, 0,
            "ワークスペースがありません: %s がありません。`mamori init DIR` で作るか、"
            "--dir か MAMORI_DIR で指定してください (no Mamori workspace here: "
            "%s is missing; create one with `mamori init DIR`, or point --dir or "
            "MAMORI_DIR at it)",
            MM_WS_DB, MM_WS_DB);
    if (mm_file_exists(ws->conf_path)) {
        r = ini_parse(ws->conf_path, conf_handler, &c);
        if (r != 0)
            return mm_error_set(err, MM_ERR_PARSE, ws->conf_path, r > 0 ? r : 0, 0,
                                "設定ファイルの誤り (configuration error: expected `key = "
                                "value` lines; [workspace] checklist_version is a year such as "
                                "2025, [evaluate] unused_account_days is 1 to 3650)");
    }
    if ((rc = mm_catalog_load_default(&ws->cat, err)) != MM_OK)
        return rc;
    if ((rc = mm_store_open(ws->db_path, 0, &ws->st, err)) != MM_OK) {
        mm_catalog_free(&ws->cat);
        return rc;
    }
    if (g->as && *g->as)
        mm_strlcpy(ws->actor, g->as, sizeof(ws->actor));
    else if (getenv("MAMORI_USER") && *getenv("MAMORI_USER"))
        mm_strlcpy(ws->actor, getenv("MAMORI_USER"), sizeof(ws->actor));
    else if (c.answerer[0])
        mm_strlcpy(ws->actor, c.answerer, sizeof(ws->actor));
    else
        mm_actor_default(g, ws->actor, sizeof(ws->actor));
    ws->unused_account_days = c.unused_days;
    ws->default_version = c.version ? c.version : mm_catalog_latest(ws->cat, MM_SHEET_HOSPITAL);
    return MM_OK;
}

void mm_ws_close(mm_ws *ws)
{
    mm_store_close(&ws->st);
    mm_catalog_free(&ws->cat);
}

static const char conf_template[] =
    "# Mamori workspace configuration (INI). 設定ファイル\n"
    "[workspace]\n"
    "# Who answers by default (shown in reports and the audit trail). 既定の回答者\n"
    "answerer =\n"
    "# Checklist version used when --version is not given (the newest when empty).\n"
    "checklist_version =\n"
    "\n"
    "[evaluate]\n"
    "# 2-5: an enabled account unused for this many days is reported. 未使用とみなす日数\n"
    "unused_account_days = 90\n"
    "\n"
    "[serve]\n"
    "# Where the web UI listens (from a later release). 127.0.0.1 only unless you change it.\n"
    "listen = 127.0.0.1:8080\n";

mm_rc mm_ws_create(const char *dir, const char *actor, mm_error *err)
{
    char db[4096], cf[4096];
    mm_store *st = NULL;
    mm_facility f;
    char *after = NULL;
    mm_rc rc;

    if ((rc = mm_mkdir_p(dir, 0700, err)) != MM_OK)
        return rc;
    if (mm_path_join(db, sizeof(db), dir, MM_WS_DB) != MM_OK ||
        mm_path_join(cf, sizeof(cf), dir, MM_WS_CONF) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, dir, 0, 0, "path too long");
    if (mm_file_exists(db))
        return mm_error_set(err, MM_ERR_EXISTS, db, 0, 0,
                            "ワークスペースは既にあります (a workspace already exists here)");
    if (!mm_file_exists(cf) &&
        (rc = mm_file_write_atomic(cf, conf_template, sizeof(conf_template) - 1, 0600, err)) !=
            MM_OK)
        return rc;
    if ((rc = mm_store_open(db, MM_STORE_CREATE, &st, err)) != MM_OK)
        return rc;
    /* The first entries: the workspace itself and the facility as created. */
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto out;
    rc = mm_audit_append(st, actor, "workspace.init", "workspace", NULL, "{\"schema\":1}", NULL,
                         err);
    if (rc == MM_OK)
        rc = mm_facility_get(st, &f, err);
    if (rc == MM_OK) {
        after = mm_facility_to_json(&f);
        rc = mm_audit_append(st, actor, "facility.create", "facility", NULL, after, NULL, err);
    }
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
out:
    free(after);
    mm_store_close(&st);
    return rc;
}

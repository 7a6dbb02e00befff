/*
 * The command-line front end: the command table (main.c), the workspace a command runs on,
 * option parsing shared by all commands, and the exit codes every command uses.
 *
 * Exit codes (documented in `mamori --help` and README.md):
 *   0 success; 1 failure (I/O, store); 2 usage error; 3 not found (workspace, item, file);
 *   4 invalid input (parse or validation error); 5 integrity check failed (audit verify).
 */
#ifndef MM_CLI_H
#define MM_CLI_H

#include "base.h"
#include "catalog.h"
#include "store.h"

enum {
    MM_EXIT_OK = 0,
    MM_EXIT_FAIL = 1,
    MM_EXIT_USAGE = 2,
    MM_EXIT_NOTFOUND = 3,
    MM_EXIT_INVALID = 4,
    MM_EXIT_TAMPER = 5,
};

/* Global options, parsed before the command name. */
typedef struct mm_globals {
    const char *dir; /* --dir, else MAMORI_DIR, else "." */
    const char *as;  /* --as: who is acting (audit); else MAMORI_USER, config, $USER */
} mm_globals;

/* A command: name, handler, one-line summary and the --help text. */
typedef struct mm_command {
    const char *name;
    int (*run)(const mm_globals *g, int argc, char **argv);
    const char *summary;
    const char *help;
} mm_command;

/* An open workspace: directory, store, catalog, who is acting. */
typedef struct mm_ws {
    char dir[4096];
    char db_path[4096];
    char conf_path[4096];
    char actor[256];
    int default_version;     /* from config, else the newest in the catalog */
    int unused_account_days; /* [evaluate] unused_account_days, default 90 */
    mm_store *st;
    mm_catalog *cat;
} mm_ws;

#define MM_WS_DB "mamori.db"
#define MM_WS_CONF "mamori.conf"

/* Finds and opens the workspace (--dir, MAMORI_DIR, current directory). */
mm_rc mm_ws_open(const mm_globals *g, mm_ws *ws, mm_error *err);
void mm_ws_close(mm_ws *ws);
/* Creates a workspace in dir: directory, config, store, first audit entry. */
mm_rc mm_ws_create(const char *dir, const char *actor, mm_error *err);
/* Who is acting when there is no workspace config yet. */
void mm_actor_default(const mm_globals *g, char *out, size_t outsz);

/* Prints an error as "mamori: file:line:col: message" and returns the matching exit code. */
int mm_cli_fail(const mm_error *err);
int mm_exit_code(mm_rc rc);
/* Prints a usage error and returns MM_EXIT_USAGE. */
int mm_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* 1 when argv has -h/--help; prints the command's help. */
int mm_cli_want_help(const char *cmd, int argc, char **argv);
const mm_command *mm_cli_find(const char *name);
extern const mm_command mm_commands[];
extern const size_t mm_commands_len;

/* A subcommand that runs on the open workspace (`mamori answers import …`). */
typedef struct mm_subcommand {
    const char *name;
    int (*run)(mm_ws *ws, int argc, char **argv); /* argv[0] is the subcommand's name */
} mm_subcommand;

/* Finds argv[1] in subs, opens the workspace, runs it and closes the workspace. A missing
 * subcommand prints `missing` (what was expected) as a usage error. */
int mm_cli_subcommand(const mm_globals *g, const char *cmd, int argc, char **argv,
                      const mm_subcommand *subs, size_t nsubs, const char *missing);

/* Writes data to path atomically, or to stdout when path is NULL or "-". */
mm_rc mm_cli_output(const char *path, const void *data, size_t len, mm_error *err);

/* The commands. */
int mm_cmd_init(const mm_globals *g, int argc, char **argv);
int mm_cmd_facility(const mm_globals *g, int argc, char **argv);
int mm_cmd_vendor(const mm_globals *g, int argc, char **argv);
int mm_cmd_checklist(const mm_globals *g, int argc, char **argv);
int mm_cmd_answer(const mm_globals *g, int argc, char **argv);
int mm_cmd_answers(const mm_globals *g, int argc, char **argv);
int mm_cmd_report(const mm_globals *g, int argc, char **argv);
int mm_cmd_gmis(const mm_globals *g, int argc, char **argv);
int mm_cmd_audit(const mm_globals *g, int argc, char **argv);
int mm_cmd_evaluate(const mm_globals *g, int argc, char **argv);
int mm_cmd_findings(const mm_globals *g, int argc, char **argv);
int mm_cmd_import(const mm_globals *g, int argc, char **argv);
int mm_cmd_evidence(const mm_globals *g, int argc, char **argv);
int mm_cmd_services(const mm_globals *g, int argc, char **argv);
/* `mamori import services …`: argv[0] is "services" (the kind), options and files follow, so
 * the import command calls mm_cmd_import_services(g, argc - 1, argv + 1). */
int mm_cmd_import_services(const mm_globals *g, int argc, char **argv);
int mm_cmd_demo(const mm_globals *g, int argc, char **argv);
int mm_cmd_version(const mm_globals *g, int argc, char **argv);
/* Access logs (cmd_logs.c, cmd_alerts.c, cmd_collect.c): `logs …`, `alerts`, `collect`. */
int mm_cmd_logs(const mm_globals *g, int argc, char **argv);
int mm_cmd_alerts(const mm_globals *g, int argc, char **argv);
int mm_cmd_collect(const mm_globals *g, int argc, char **argv);
int mm_cmd_serve(const mm_globals *g, int argc, char **argv);
int mm_cmd_user(const mm_globals *g, int argc, char **argv);
/* Serves the workspace's web UI until Ctrl-C (cmd_serve.c); NULL arguments take the config. */
int mm_cli_serve(mm_ws *ws, const char *listen, const char *cert, const char *key, int threads);
/* Prints a new web user's one-time initial password (cmd_user.c). role is an mm_role. */
int mm_cli_print_new_user(const char *name, int role, const char *password);

#endif

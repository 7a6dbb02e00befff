/*
 * `mamori audit verify` and `mamori audit log`.
 */
#include <getopt.h>

#include "audit.h"
#include "cli.h"

int mm_cmd_audit(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"limit", required_argument, NULL, 'l'}, {0}};
    mm_error err;
    mm_ws ws;
    long limit = 0;
    int c, code = MM_EXIT_OK;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l' && mm_parse_long(optarg, 1, 1000000000, &limit) == MM_OK)
            continue;
        return mm_cli_usage("audit", "--limit は正の整数です (expected a positive number)");
    }
    if (optind + 1 != argc || (strcmp(argv[optind], "verify") && strcmp(argv[optind], "log")))
        return mm_cli_usage("audit", "verify か log を指定してください (expected verify or log)");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (strcmp(argv[optind], "verify") == 0) {
        mm_audit_report r;
        mm_rc rc;
        mm_audit_report_init(&r);
        rc = mm_audit_verify(ws.st, &r, &err);
        if (rc == MM_OK) {
            printf("監査記録は完全です: %ld 件を検証しました (audit trail intact: %ld entries "
                   "verified; answers and facility match)\n",
                   r.entries, r.entries);
        } else if (rc == MM_ERR_TAMPER) {
            fprintf(stderr, "%s", mm_buf_str(&r.text));
            fprintf(stderr,
                    "mamori: 監査記録の検証に失敗しました: %ld 件の問題 (audit verification "
                    "FAILED: %ld problem(s) in %ld entries)\n",
                    r.problems, r.problems, r.entries);
            code = MM_EXIT_TAMPER;
        } else {
            code = mm_cli_fail(&err);
        }
        mm_audit_report_release(&r);
    } else {
        mm_buf b;
        mm_buf_init(&b, 0);
        if (mm_audit_list(ws.st, limit, &b, &err) != MM_OK)
            code = mm_cli_fail(&err);
        else
            fputs(mm_buf_str(&b), stdout);
        mm_buf_release(&b);
    }
    mm_ws_close(&ws);
    return code;
}

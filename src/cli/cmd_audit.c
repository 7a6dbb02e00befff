/*
 * `mamori audit verify [--anchor SEQ:HASH]`, `mamori audit log` and `mamori audit head`.
 */
#include <getopt.h>

#include "audit.h"
#include "cli.h"

#define MAX_ANCHORS 64

int mm_cmd_audit(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"limit", required_argument, NULL, 'l'},
                                         {"anchor", required_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *anchors[MAX_ANCHORS];
    int nanchors = 0, json = 0;
    mm_error err;
    mm_ws ws;
    long limit = 0;
    int c, code = MM_EXIT_OK;
    const char *sub;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l' && mm_parse_long(optarg, 1, 1000000000, &limit) == MM_OK)
            continue;
        if (c == 'a' && nanchors < MAX_ANCHORS) {
            anchors[nanchors++] = optarg;
            continue;
        }
        if (c == 'j') {
            json = 1;
            continue;
        }
        if (c == 'a')
            return mm_cli_usage("audit", "--anchor は %d 個までです (at most %d anchors)",
                                MAX_ANCHORS, MAX_ANCHORS);
        return mm_cli_usage("audit", "--limit は正の整数です (expected a positive number)");
    }
    sub = optind < argc ? argv[optind] : "";
    if (optind + 1 != argc ||
        (strcmp(sub, "verify") != 0 && strcmp(sub, "log") != 0 && strcmp(sub, "head") != 0))
        return mm_cli_usage("audit", "verify, log, head のどれかを指定してください (expected "
                                     "verify, log or head)");
    if (nanchors > 0 && strcmp(sub, "verify") != 0)
        return mm_cli_usage("audit", "--anchor は verify で使います (--anchor goes with verify)");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (strcmp(sub, "head") == 0) {
        long seq;
        char at[21], hash[65];
        if (mm_audit_head(ws.st, &seq, at, hash, &err) != MM_OK)
            code = mm_cli_fail(&err);
        else if (json)
            printf("{\"seq\":%ld,\"at\":\"%s\",\"hash\":\"%s\",\"anchor\":\"%ld:%s\"}\n", seq, at,
                   hash, seq, hash);
        else if (seq == 0)
            printf("監査記録はまだありません (the audit trail is empty)\n");
        else
            printf("%ld:%s\n"
                   "監査記録の末尾 #%ld（%s）。この値を控えておくと、後で `mamori audit verify "
                   "--anchor %ld:%s` で #%ld までが書き換えられていないことを確かめられます "
                   "(the head of the audit trail; keep it outside this PC and check it later with "
                   "verify --anchor)\n",
                   seq, hash, seq, at, seq, hash, seq);
    } else if (strcmp(sub, "verify") == 0) {
        mm_audit_report r;
        mm_rc rc;
        mm_audit_report_init(&r);
        rc = mm_audit_verify(ws.st, &r, &err);
        for (int i = 0; i < nanchors && (rc == MM_OK || rc == MM_ERR_TAMPER); i++) {
            mm_rc ra = mm_audit_check_anchor(ws.st, anchors[i], &r, &err);
            if (ra != MM_OK)
                rc = ra;
            else if (r.problems > 0)
                rc = MM_ERR_TAMPER;
        }
        if (rc == MM_OK) {
            printf("監査記録は完全です: %ld 件を検証しました (audit trail intact: %ld entries "
                   "verified; answers and facility match)\n",
                   r.entries, r.entries);
            if (nanchors > 0)
                printf("控え %d 件と一致しました (%d anchors match)\n", nanchors, nanchors);
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

/*
 * `mamori gmis`: the G-MIS survey answers that follow from the data, with their basis.
 */
#include <getopt.h>

#include "buf.h"
#include "cli.h"
#include "gmis.h"

int mm_cmd_gmis(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'}, {"version", required_argument, NULL, 'v'}, {0}};
    int json = 0, version = 0, c, code = MM_EXIT_OK;
    mm_gmis_result r;
    mm_error err;
    mm_ws ws;
    mm_buf b;
    long v;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else if (c == 'v' && mm_parse_long(optarg, 2023, 2099, &v) == MM_OK)
            version = (int)v;
        else
            return mm_cli_usage("gmis", "unknown option or bad --version");
    }
    if (optind != argc)
        return mm_cli_usage("gmis", "unexpected argument '%s'", argv[optind]);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (!version)
        version = ws.default_version;
    if (mm_gmis_derive(ws.st, ws.cat, version, &r, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    mm_buf_init(&b, 0);
    if (json) {
        mm_buf_adds(&b, "{\"survey\":");
        mm_buf_add_json_str(&b, r.title);
        mm_buf_addf(&b, ",\"version\":%d,\"questions\":[", version);
    } else {
        mm_buf_addf(&b, "G-MIS: %s\n\n", r.title);
    }
    for (int i = 0; i < r.n; i++) {
        const mm_gmis_answer *q = &r.q[i];
        if (json) {
            mm_buf_addf(&b, "%s\n{\"no\":%d,\"question\":", i ? "," : "", q->no);
            mm_buf_add_json_str(&b, q->question);
            mm_buf_addf(&b, ",\"answer\":\"%s\",\"label\":\"%s\",\"text\":",
                        mm_gmis_value_name(q->value), mm_gmis_value_label(q->value));
            mm_buf_add_json_str(&b, q->text ? q->text : "");
            mm_buf_adds(&b, ",\"basis\":{\"ja\":");
            mm_buf_add_json_str(&b, q->basis_ja);
            mm_buf_adds(&b, ",\"en\":");
            mm_buf_add_json_str(&b, q->basis_en);
            mm_buf_adds(&b, "}}");
        } else {
            mm_buf_addf(&b, "Q%-2d %s\n    → %s%s%s\n      根拠: %s\n", q->no, q->question,
                        mm_gmis_value_label(q->value), q->text ? ": " : "", q->text ? q->text : "",
                        q->basis_ja);
        }
    }
    if (json)
        mm_buf_adds(&b, "\n]}\n");
    fputs(mm_buf_str(&b), stdout);
    mm_buf_release(&b);
    mm_gmis_result_release(&r);
out:
    mm_ws_close(&ws);
    return code;
}

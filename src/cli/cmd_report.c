/*
 * `mamori report checklist`: the official-layout checklist report in one of the formats.
 */
#include <getopt.h>

#include "cli.h"
#include "report.h"

int mm_cmd_report(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, 'f'},   {"output", required_argument, NULL, 'o'},
        {"encoding", required_argument, NULL, 'e'}, {"version", required_argument, NULL, 'v'},
        {"vendor", required_argument, NULL, 'V'},   {0}};
    mm_report_opts ro = {MM_REPORT_XLSX, MM_ENC_UTF8};
    const char *out = NULL, *vendor = NULL;
    int have_format = 0, have_enc = 0, version = 0, c, code = MM_EXIT_OK;
    mm_report_set *set = NULL;
    mm_error err;
    mm_ws ws;
    long v;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (c) {
        case 'f':
            if (mm_report_format_parse(optarg, &ro.format) != MM_OK)
                return mm_cli_usage("report", "--format は xlsx, pdf, html, csv です (got \"%s\")",
                                    optarg);
            have_format = 1;
            break;
        case 'o': out = optarg; break;
        case 'e':
            if (strcmp(optarg, "utf8") == 0 || strcmp(optarg, "utf-8") == 0)
                ro.encoding = MM_ENC_UTF8;
            else if (strcmp(optarg, "cp932") == 0 || strcmp(optarg, "sjis") == 0)
                ro.encoding = MM_ENC_CP932;
            else
                return mm_cli_usage("report", "--encoding は utf8 か cp932 です");
            have_enc = 1;
            break;
        case 'v':
            if (mm_parse_long(optarg, 2023, 2099, &v) != MM_OK)
                return mm_cli_usage("report", "--version は 2025 のような年度です");
            version = (int)v;
            break;
        case 'V': vendor = optarg; break;
        default: return mm_cli_usage("report", "unknown option");
        }
    }
    if (optind + 1 != argc || strcmp(argv[optind], "checklist") != 0)
        return mm_cli_usage("report", "report checklist と指定してください (expected `report "
                                      "checklist`)");
    if (!have_format)
        return mm_cli_usage("report", "--format xlsx|pdf|html|csv が必要です");
    if (!out)
        return mm_cli_usage("report", "-o FILE が必要です (where to write the report)");
    if (have_enc && ro.format != MM_REPORT_CSV)
        return mm_cli_usage("report", "--encoding は CSV のときだけ指定できます");
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (!version)
        version = ws.default_version;
    if (mm_report_set_build(ws.st, ws.cat, version, vendor, &set, &err) != MM_OK ||
        mm_report_write(set, &ro, out, &err) != MM_OK) {
        code = mm_cli_fail(&err);
    } else {
        printf("報告書を書き出しました: %s (%s)\n", out, mm_report_format_name(ro.format));
    }
    mm_report_set_free(&set);
    mm_ws_close(&ws);
    return code;
}

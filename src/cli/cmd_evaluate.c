/*
 * `mamori evaluate` runs the evaluators; `mamori findings` lists what they found, with the
 * evidence rows (file and line) behind each finding.
 */
#include <getopt.h>
#include <jansson.h>

#include "buf.h"
#include "cli.h"
#include "evaluate.h"

int mm_cmd_evaluate(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, NULL, 'j'}, {0}};
    mm_eval_settings set = {90, NULL};
    mm_eval_summary sum;
    mm_finding_list open = {0};
    mm_error err;
    mm_ws ws;
    int json = 0, c, code = MM_EXIT_OK;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'j')
            json = 1;
        else
            return mm_cli_usage("evaluate", "unknown option");
    }
    if (optind != argc)
        return mm_cli_usage("evaluate", "unexpected argument '%s'", argv[optind]);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    set.unused_account_days = ws.unused_account_days;
    set.ws_dir = ws.dir;
    if (mm_evaluate_all(ws.st, &set, &sum, &err) != MM_OK ||
        mm_findings_list(ws.st, NULL, 0, &open, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    if (json)
        printf("{\"evaluators\":%d,\"findings\":%d,\"failures\":%d,\"resolved\":%d,\"items\":[",
               sum.evaluators, sum.findings, sum.failures, sum.resolved);
    else
        printf("評価しました: 評価項目 %d、指摘 %d（不適合 %d）、解消 %d (evaluated: %d "
               "evaluators, %d findings, %d failing, %d resolved)\n\n",
               sum.evaluators, sum.findings, sum.failures, sum.resolved, sum.evaluators,
               sum.findings, sum.failures, sum.resolved);
    for (size_t i = 0; i < mm_evaluators_len; i++) {
        const mm_evaluator *ev = &mm_evaluators[i];
        int fails = 0;
        mm_verdict v;
        if (i > 0 && mm_streq(mm_evaluators[i - 1].item, ev->item))
            continue;
        v = mm_item_verdict(&open, ev->item, &fails);
        if (json)
            printf("%s{\"item\":\"%s\",\"verdict\":\"%s\",\"failures\":%d}", i ? "," : "", ev->item,
                   mm_verdict_name(v), fails);
        else
            printf("  %-5s %-8s %s%s\n", ev->item, mm_verdict_label(v), ev->what_ja,
                   fails ? "" : "");
    }
    if (json)
        printf("]}\n");
    else
        printf("\n詳細: mamori findings (details)\n");
out:
    mm_finding_list_release(&open);
    mm_ws_close(&ws);
    return code;
}

/* Prints the evidence references of a finding as "file:line (label)". */
static void print_refs(const char *refs)
{
    json_error_t jerr;
    json_t *arr = json_loads(refs, 0, &jerr), *r;
    size_t i;

    if (!json_is_array(arr)) {
        json_decref(arr);
        return;
    }
    json_array_foreach(arr, i, r)
    {
        const char *file = json_string_value(json_object_get(r, "file"));
        const char *label = json_string_value(json_object_get(r, "label"));
        json_int_t line = json_integer_value(json_object_get(r, "line"));
        if (i >= 5) {
            printf("        … 他 %zu 件\n", json_array_size(arr) - 5);
            break;
        }
        if (file && *file)
            printf("        証拠: %s:%lld (%s)\n", file, (long long)line, label ? label : "");
        else
            printf("        証拠: %s #%lld (%s)\n", json_string_value(json_object_get(r, "table")),
                   (long long)json_integer_value(json_object_get(r, "id")), label ? label : "");
    }
    json_decref(arr);
}

int mm_cmd_findings(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"item", required_argument, NULL, 'i'},
                                         {"all", no_argument, NULL, 'a'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *item = NULL;
    int all = 0, json = 0, c, code = MM_EXIT_OK;
    mm_finding_list l = {0};
    mm_error err;
    mm_ws ws;
    mm_buf b;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'i': item = optarg; break;
        case 'a': all = 1; break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("findings", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("findings", "unexpected argument '%s'", argv[optind]);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    if (item) {
        const mm_sheet *sh = mm_catalog_sheet(ws.cat, ws.default_version, MM_SHEET_HOSPITAL);
        const mm_item *it = sh ? mm_sheet_item(sh, item) : NULL;
        if (!it) {
            mm_error_set(&err, MM_ERR_NOTFOUND, NULL, 0, 0,
                         "項番 \"%s\" はありません (unknown item)", item);
            code = mm_cli_fail(&err);
            goto out;
        }
        item = it->id;
    }
    if (mm_findings_list(ws.st, item, all, &l, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    mm_buf_init(&b, 0);
    if (json)
        mm_buf_adds(&b, "{\"findings\":[");
    for (size_t i = 0; i < l.n; i++) {
        const mm_finding *f = &l.v[i];
        if (json) {
            mm_buf_addf(&b, "%s\n{\"id\":%ld,\"item\":\"%s\",\"rule\":\"%s\",\"subject\":",
                        i ? "," : "", f->id, f->item_id, f->rule);
            mm_buf_add_json_str(&b, f->subject);
            mm_buf_addf(&b, ",\"verdict\":\"%s\",\"reason\":{\"ja\":", mm_verdict_name(f->verdict));
            mm_buf_add_json_str(&b, f->reason_ja);
            mm_buf_adds(&b, ",\"en\":");
            mm_buf_add_json_str(&b, f->reason_en);
            mm_buf_addf(&b, "},\"refs\":%s,\"first_seen\":\"%s\",\"last_seen\":\"%s\"", f->refs,
                        f->first_seen, f->last_seen);
            if (f->resolved_at[0])
                mm_buf_addf(&b, ",\"resolved_at\":\"%s\"", f->resolved_at);
            mm_buf_addc(&b, '}');
        }
    }
    if (json) {
        mm_buf_adds(&b, "\n]}\n");
        fputs(mm_buf_str(&b), stdout);
    } else {
        if (l.n == 0)
            printf("指摘はありません。`mamori evaluate` を実行しましたか? (no findings; did you "
                   "run `mamori evaluate`?)\n");
        for (size_t i = 0; i < l.n; i++) {
            const mm_finding *f = &l.v[i];
            printf("%-5s %-8s %s%s\n", f->item_id, mm_verdict_label(f->verdict), f->reason_ja,
                   f->resolved_at[0] ? "（解消済み）" : "");
            printf("        %s\n", f->reason_en);
            print_refs(f->refs);
            printf("        初回 %s / 最終 %s%s%s\n", f->first_seen, f->last_seen,
                   f->resolved_at[0] ? " / 解消 " : "", f->resolved_at);
        }
    }
    mm_buf_release(&b);
out:
    mm_finding_list_release(&l);
    mm_ws_close(&ws);
    return code;
}

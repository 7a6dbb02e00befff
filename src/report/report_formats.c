/*
 * The registry of report formats and the display helpers every writer shares. A format is a
 * row of `formats[]`: its name on the command line and the function that writes it. The
 * helpers turn a round's check into the text printed in its cells, so the four formats show
 * はい/いいえ/該当なし and YYYY/MM/DD identically.
 *
 * Adding a format:
 *   1. add a value to mm_report_format and a writer prototype in report.h;
 *   2. write src/report/report_<name>.c (atomic write; the columns, cell texts, facility
 *      line, summary lines and appendix rows come from report_int.h);
 *   3. add its row below; `mamori report checklist --format <name>` then works;
 *   4. extend tests/unit/report_test.c and docs/internals/report.md.
 */
#include "report.h"

typedef mm_rc (*report_writer)(const mm_report_set *set, const mm_report_opts *opts,
                               const char *path, mm_error *err);

static mm_rc write_xlsx(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                        mm_error *err)
{
    return mm_report_write_xlsx(set, path, err);
}

static mm_rc write_pdf(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                       mm_error *err)
{
    return mm_report_write_pdf(set, path, err);
}

static mm_rc write_html(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                        mm_error *err)
{
    return mm_report_write_html(set, path, err);
}

static mm_rc write_csv(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                       mm_error *err)
{
    return mm_report_write_csv(set, opts->encoding, path, err);
}

static const struct {
    mm_report_format format;
    const char *name; /* as given to --format */
    report_writer write;
} formats[] = {
    {MM_REPORT_XLSX, "xlsx", write_xlsx},
    {MM_REPORT_PDF, "pdf", write_pdf},
    {MM_REPORT_HTML, "html", write_html},
    {MM_REPORT_CSV, "csv", write_csv},
};

mm_rc mm_report_format_parse(const char *s, mm_report_format *out)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(formats); i++) {
        if (mm_streq(s, formats[i].name)) {
            *out = formats[i].format;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

const char *mm_report_format_name(mm_report_format f)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(formats); i++)
        if (formats[i].format == f)
            return formats[i].name;
    return "?";
}

/*
 * Writes the set in opts->format to path. MM_ERR_INVALID for a format that has no writer;
 * otherwise the writer's result. Nothing is left at path when it fails.
 */
mm_rc mm_report_write(const mm_report_set *set, const mm_report_opts *opts, const char *path,
                      mm_error *err)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(formats); i++)
        if (formats[i].format == opts->format)
            return formats[i].write(set, opts, path, err);
    return mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                        "報告書の形式が不明です (unknown report format %d)", (int)opts->format);
}

const char *mm_report_check_value(const mm_report_check *c)
{
    return c->answered ? mm_answer_value_label(c->value) : "";
}

void mm_report_check_date(const mm_report_check *c, char out[11])
{
    if (c->answered)
        mm_date_slash(&c->checked, out);
    else
        out[0] = '\0';
}

void mm_report_check_target(const mm_report_check *c, char out[11])
{
    if (c->answered && c->value == MM_ANS_NO && c->has_target)
        mm_date_slash(&c->target, out);
    else
        out[0] = '\0';
}

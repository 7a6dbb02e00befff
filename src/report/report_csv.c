/*
 * The checklist report as one CSV for every sheet, for people who load it into Excel or a
 * script: a first column シート naming the sheet, then the XLSX columns (all of them on every
 * record: a vendor sheet's 証拠による判定 and 矛盾 are empty), one record per row, CRLF line ends.
 * UTF-8 with a BOM (what Excel needs to read UTF-8) by default, or CP932; a character CP932 cannot
 * hold is an error naming the sheet and item, and no file is written. The summary is left out so
 * every record has the same shape.
 */
#include "buf.h"
#include "fs.h"
#include "report_int.h"

/* Appends one record (fields already UTF-8) with CRLF. */
static mm_rc add_record(mm_buf *b, const char *const *fields, size_t n)
{
    mm_rc rc = MM_OK;

    for (size_t i = 0; i < n && rc == MM_OK; i++) {
        if (i > 0)
            rc = mm_buf_addc(b, ',');
        if (rc == MM_OK)
            rc = mm_buf_add_csv(b, fields[i]);
    }
    if (rc == MM_OK)
        rc = mm_buf_add(b, "\r\n", 2);
    return rc;
}

/*
 * Free text typed by people (備考, also a vendor's) that Excel would run as a formula gets a
 * leading apostrophe, the usual defence against CSV formula injection (OWASP).
 */
static mm_rc add_free_text(mm_buf *b, const char *s)
{
    mm_rc rc = MM_OK;

    if (s[0] && strchr("=+-@\t\r", s[0]))
        rc = mm_buf_addc(b, '\'');
    return rc == MM_OK ? mm_buf_adds(b, s) : rc;
}

/* Appends the record of one row. */
static mm_rc add_row(mm_buf *b, const mm_report *r, const mm_report_row *row)
{
    const char *fields[1 + MM_RCOL_COUNT];
    mm_report_cells cells;
    mm_buf note, conflict;
    mm_rc rc;

    mm_buf_init(&note, 0);
    mm_buf_init(&conflict, 0);
    mm_report_row_cells(row, &cells);
    rc = add_free_text(&note, cells.v[MM_RCOL_NOTE]);
    if (rc == MM_OK) /* quotes evidence (asset names, …) that came from files */
        rc = add_free_text(&conflict, cells.v[MM_RCOL_CONFLICT]);
    if (rc == MM_OK) {
        fields[0] = r->sheet_label;
        for (size_t c = 0; c < MM_RCOL_COUNT; c++)
            fields[1 + c] = cells.v[c];
        fields[1 + MM_RCOL_NOTE] = mm_buf_str(&note);
        fields[1 + MM_RCOL_CONFLICT] = mm_buf_str(&conflict);
        rc = add_record(b, fields, MM_ARRAY_LEN(fields));
    }
    mm_buf_release(&conflict);
    mm_buf_release(&note);
    return rc;
}

/*
 * Appends rec (UTF-8) to out in enc. For CP932 an unrepresentable character gives
 * MM_ERR_INVALID with a message naming where (what) it is.
 */
static mm_rc add_encoded(mm_buf *out, const mm_buf *rec, mm_encoding enc, const char *path,
                         const char *what, mm_error *err)
{
    char *conv = NULL;
    size_t convlen = 0;
    mm_error cerr;
    mm_rc rc;

    if (enc != MM_ENC_CP932)
        return mm_buf_add(out, rec->data ? rec->data : "", rec->len);
    mm_error_clear(&cerr);
    rc = mm_text_utf8_to_cp932(mm_buf_str(rec), rec->len, &conv, &convlen, &cerr);
    if (rc != MM_OK) {
        rc = mm_error_set(err, rc, path, 0, 0, "%s（%s）", cerr.msg, what);
        goto out;
    }
    rc = mm_buf_add(out, conv, convlen);
out:
    free(conv);
    return rc;
}

mm_rc mm_report_write_csv(const mm_report_set *set, mm_encoding enc, const char *path,
                          mm_error *err)
{
    const char *header[1 + MM_RCOL_COUNT] = {"シート"};
    mm_buf out, rec;
    char what[1024];
    mm_rc rc;

    for (size_t c = 0; c < MM_RCOL_COUNT; c++)
        header[1 + c] = mm_report_columns[c].header;
    mm_buf_init(&out, 0);
    mm_buf_init(&rec, 0);
    if (enc == MM_ENC_UTF8 && (rc = mm_buf_add(&out, "\xEF\xBB\xBF", 3)) != MM_OK)
        goto too_big;
    if ((rc = add_record(&rec, header, MM_ARRAY_LEN(header))) != MM_OK)
        goto too_big;
    if ((rc = add_encoded(&out, &rec, enc, path, "見出し行", err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < set->nreports; i++) {
        const mm_report *r = &set->reports[i];
        for (size_t k = 0; k < r->nrows; k++) {
            mm_buf_reset(&rec);
            if ((rc = add_row(&rec, r, &r->rows[k])) != MM_OK)
                goto too_big;
            snprintf(what, sizeof(what), "%s %s %s の行", r->sheet_label, r->rows[k].item->label,
                     mm_scope_label(r->rows[k].scope));
            if ((rc = add_encoded(&out, &rec, enc, path, what, err)) != MM_OK)
                goto out;
        }
    }
    rc = mm_file_write_atomic(path, mm_buf_str(&out), out.len, 0644, err);
    goto out;
too_big:
    rc = mm_error_set(err, rc, path, 0, 0, "報告書が大きすぎます (report too large)");
out:
    mm_buf_release(&rec);
    mm_buf_release(&out);
    return rc;
}

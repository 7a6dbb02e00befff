/*
 * Unit tests of the report module on a real store and the real catalog: the model (rows,
 * scopes, groups, latest round, summary, overdue as of MAMORI_TODAY, the 2-⑩ deadline, vendor
 * sheets) and the four writers (files exist, CSV bytes, CP932 round trip and refusal, nothing
 * left behind on failure, PDF text extractable when pdftotext is installed); with evidence
 * imported by the real importer and evaluated, the machine verdict, the conflict with the
 * answer and the evidence appendix in every format (the XLSX read back with openpyxl).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "importer.h"
#include "report_int.h"
#include "text.h"

typedef struct fixture {
    char dir[256];
    mm_store *st;
    mm_catalog *cat;
} fixture;

/* Records one answer; target NULL for none; vendor NULL for the hospital sheet. */
static void answer(fixture *fx, const char *vendor, const char *item, int round, mm_scope scope,
                   mm_answer_value v, const char *checked, const char *target, const char *note)
{
    mm_answer a;
    mm_error err;

    memset(&a, 0, sizeof(a));
    mm_error_clear(&err);
    a.version = 2025;
    a.sheet = vendor ? MM_SHEET_VENDOR : MM_SHEET_HOSPITAL;
    mm_strlcpy(a.vendor, vendor ? vendor : "", sizeof(a.vendor));
    mm_strlcpy(a.item_id, item, sizeof(a.item_id));
    a.round = round;
    a.scope = scope;
    a.value = v;
    assert_int_equal(mm_date_parse(checked, &a.checked, &err), MM_OK);
    if (target) {
        a.has_target = 1;
        assert_int_equal(mm_date_parse(target, &a.target, &err), MM_OK);
    }
    mm_strlcpy(a.answerer, "情報システム課 鈴木", sizeof(a.answerer));
    a.note = note ? mm_xstrdup(note) : NULL;
    if (mm_answer_record(fx->st, fx->cat, &a, "test", &err) != MM_OK)
        fail_msg("answer %s round %d: %s", item, round, err.msg);
    mm_answer_release(&a);
}

static int setup(void **state)
{
    fixture *fx = mm_xcalloc(1, sizeof(*fx));
    char path[512];
    mm_facility f;
    mm_error err;
    long id;

    mm_error_clear(&err);
    setenv("MAMORI_TODAY", "2025-11-20", 1);
    mm_strlcpy(fx->dir, "/tmp/mm-report-test-XXXXXX", sizeof(fx->dir));
    assert_non_null(mkdtemp(fx->dir));
    assert_int_equal(mm_path_join(path, sizeof(path), fx->dir, "mamori.db"), MM_OK);
    assert_int_equal(mm_store_open(path, MM_STORE_CREATE, &fx->st, &err), MM_OK);
    if (mm_catalog_load_default(&fx->cat, &err) != MM_OK)
        fail_msg("catalog: %s", err.msg);

    memset(&f, 0, sizeof(f));
    mm_strlcpy(f.name, "テスト記念病院 & <分院>", sizeof(f.name));
    mm_strlcpy(f.kind, "hospital", sizeof(f.kind));
    f.beds = 120;
    mm_strlcpy(f.prefecture, "静岡県", sizeof(f.prefecture));
    if (mm_facility_set(fx->st, &f, "test", &err) != MM_OK)
        fail_msg("facility: %s", err.msg);
    /* Added out of order: the report lists vendors by name. */
    assert_int_equal(mm_vendor_add(fx->st, "B社", "test", &id, &err), MM_OK);
    assert_int_equal(mm_vendor_add(fx->st, "A社", "test", &id, &err), MM_OK);

    answer(fx, NULL, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-05-01", NULL, NULL);
    answer(fx, NULL, "1-1", 2, MM_SCOPE_ALL, MM_ANS_YES, "2025-10-01", NULL, "再確認済み");
    /* いいえ with a 対応目標日 already passed on 2025-11-20: overdue. */
    answer(fx, NULL, "2-5", 1, MM_SCOPE_ALL, MM_ANS_NO, "2025-05-01", "2025-09-30",
           "=退職者アカウントの棚卸し予定");
    /* いいえ with a 対応目標日 still ahead. */
    answer(fx, NULL, "2-6", 1, MM_SCOPE_ALL, MM_ANS_NO, "2025-06-01", "2026-03-31", NULL);
    /* いいえ in round 1, fixed by round 2: the latest is はい, no target, not overdue. */
    answer(fx, NULL, "2-7", 1, MM_SCOPE_ALL, MM_ANS_NO, "2025-05-01", "2025-08-01", NULL);
    answer(fx, NULL, "2-7", 2, MM_SCOPE_ALL, MM_ANS_YES, "2025-10-01", NULL, NULL);
    answer(fx, NULL, "2-10", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-05-01", NULL, NULL);
    answer(fx, NULL, "2-12", 1, MM_SCOPE_SERVER, MM_ANS_YES, "2025-05-01", NULL, NULL);
    answer(fx, NULL, "2-12", 1, MM_SCOPE_PC, MM_ANS_NA, "2025-05-01", NULL, NULL);
    answer(fx, "A社", "5-1", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01", NULL, "A社回答");
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    DIR *d;
    struct dirent *e;
    char path[1024];

    mm_catalog_free(&fx->cat);
    mm_store_close(&fx->st);
    d = opendir(fx->dir);
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") &&
            mm_path_join(path, sizeof(path), fx->dir, e->d_name) == MM_OK)
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static mm_report_set *build(fixture *fx, const char *only_vendor)
{
    mm_report_set *set = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_report_set_build(fx->st, fx->cat, 2025, only_vendor, &set, &err) != MM_OK)
        fail_msg("build: %s", err.msg);
    return set;
}

static const mm_report_row *find_row(const mm_report *r, const char *label, mm_scope scope)
{
    for (size_t i = 0; i < r->nrows; i++)
        if (strcmp(r->rows[i].item->label, label) == 0 && r->rows[i].scope == scope)
            return &r->rows[i];
    fail_msg("no row %s", label);
    return NULL;
}

static void test_rows(void **state)
{
    fixture *fx = *state;
    mm_report_set *set = build(fx, NULL);
    const mm_report *h = &set->reports[0];
    const mm_report_row *row;

    assert_int_equal(set->nreports, 3);
    assert_string_equal(set->fy_label, "令和7年度");
    assert_string_equal(set->generated, "2025/11/20");
    assert_string_equal(set->facility.name, "テスト記念病院 & <分院>");
    assert_string_equal(h->sheet_label, "医療機関確認用");
    assert_string_equal(h->vendor, "");
    assert_string_equal(h->title,
                        "令和7年度版 医療機関におけるサイバーセキュリティ対策チェックリスト");
    assert_int_equal(h->nrows, 19); /* 18 items, 2-⑫ twice */
    assert_string_equal(h->rows[0].item->label, "1-①");
    assert_string_equal(h->rows[0].section_title, "体制構築");
    assert_null(h->rows[0].group);
    /* 2-⑫ gives a サーバ row, then a 端末PC row, in catalog order. */
    assert_string_equal(h->rows[12].item->label, "2-⑫");
    assert_int_equal(h->rows[12].scope, MM_SCOPE_SERVER);
    assert_string_equal(h->rows[12].group, "サーバについて");
    assert_string_equal(h->rows[13].item->label, "2-⑫");
    assert_int_equal(h->rows[13].scope, MM_SCOPE_PC);
    assert_string_equal(h->rows[13].group, "端末PCについて");
    assert_string_equal(h->rows[1].group, "医療情報システム全般について");
    assert_string_equal(h->rows[14].group, "ネットワーク機器について");
    assert_string_equal(h->rows[18].item->label, "4-①");

    row = find_row(h, "1-①", MM_SCOPE_ALL);
    assert_int_equal(row->latest, 1);
    assert_string_equal(mm_report_check_value(&row->round[0]), "はい");
    assert_string_equal(row->note, "再確認済み");
    {
        char d[11];
        mm_report_check_date(&row->round[1], d);
        assert_string_equal(d, "2025/10/01");
    }
    row = find_row(h, "2-⑦", MM_SCOPE_ALL);
    assert_int_equal(row->latest, 1);
    assert_int_equal(row->overdue, 0);
    row = find_row(h, "2-⑧", MM_SCOPE_ALL);
    assert_int_equal(row->latest, -1);
    assert_string_equal(mm_report_check_value(&row->round[0]), "");
    assert_string_equal(row->note, "");

    /* Vendor sheets: by name, labelled with the vendor, the 2023 draft items included. */
    assert_string_equal(set->reports[1].vendor, "A社");
    assert_string_equal(set->reports[1].sheet_label, "事業者確認用（A社）");
    assert_string_equal(set->reports[2].sheet_label, "事業者確認用（B社）");
    assert_int_equal(set->reports[1].sheet->kind, MM_SHEET_VENDOR);
    assert_int_equal(set->reports[1].nrows, 19);
    row = find_row(&set->reports[1], "5-①", MM_SCOPE_ALL);
    assert_true(row->item->draft);
    assert_string_equal(mm_report_check_value(&row->round[0]), "はい");
    assert_int_equal(set->reports[1].summary.answered, 1);
    assert_int_equal(set->reports[2].summary.answered, 0);
    mm_report_set_free(&set);
    assert_null(set);
    mm_report_set_free(&set); /* NULL is fine */
}

static void test_summary_and_overdue(void **state)
{
    fixture *fx = *state;
    mm_report_set *set = build(fx, NULL);
    const mm_report_summary *s = &set->reports[0].summary;
    const mm_report_row *row;
    char t[11];

    assert_int_equal(s->rows, 19);
    assert_int_equal(s->answered, 7);
    assert_int_equal(s->yes, 4);
    assert_int_equal(s->no, 2);
    assert_int_equal(s->na, 1);
    assert_int_equal(s->overdue, 1);
    assert_int_equal(s->targets_open, 1);
    row = find_row(&set->reports[0], "2-⑤", MM_SCOPE_ALL);
    assert_true(row->overdue);
    mm_report_check_target(&row->round[row->latest], t);
    assert_string_equal(t, "2025/09/30");
    assert_false(find_row(&set->reports[0], "2-⑥", MM_SCOPE_ALL)->overdue);
    /* 2-⑩: 令和9年度末, answered はい. */
    assert_int_equal(s->ndeadlines, 1);
    assert_string_equal(s->deadlines[0].item->label, "2-⑩");
    assert_int_equal(s->deadlines[0].date.y, 2028);
    assert_int_equal(s->deadlines[0].days_left, 862); /* 2025-11-20 → 2028-03-31 */
    assert_true(s->deadlines[0].met);
    assert_false(set->reports[1].summary.deadlines[0].met);
    mm_report_set_free(&set);

    /* As of an earlier day the same target is still ahead. */
    setenv("MAMORI_TODAY", "2025-09-01", 1);
    set = build(fx, NULL);
    s = &set->reports[0].summary;
    assert_int_equal(s->overdue, 0);
    assert_int_equal(s->targets_open, 2);
    assert_false(find_row(&set->reports[0], "2-⑤", MM_SCOPE_ALL)->overdue);
    assert_string_equal(set->generated, "2025/09/01");
    mm_report_set_free(&set);
    /* And on the target day itself it is not overdue yet. */
    setenv("MAMORI_TODAY", "2025-09-30", 1);
    set = build(fx, NULL);
    assert_int_equal(set->reports[0].summary.overdue, 0);
    mm_report_set_free(&set);
    setenv("MAMORI_TODAY", "2025-11-20", 1);
}

static void test_only_vendor(void **state)
{
    fixture *fx = *state;
    mm_report_set *set = build(fx, "B社");
    mm_error err;

    assert_int_equal(set->nreports, 2);
    assert_string_equal(set->reports[0].sheet_label, "医療機関確認用");
    assert_string_equal(set->reports[1].vendor, "B社");
    mm_report_set_free(&set);

    mm_error_clear(&err);
    assert_int_equal(mm_report_set_build(fx->st, fx->cat, 2025, "Z社", &set, &err),
                     MM_ERR_NOTFOUND);
    assert_null(set);
    assert_non_null(strstr(err.msg, "Z社"));
    assert_int_equal(mm_report_set_build(fx->st, fx->cat, 2031, NULL, &set, &err), MM_ERR_NOTFOUND);
    assert_null(set);
}

static void test_formats_table(void **state)
{
    static const char *const names[] = {"xlsx", "pdf", "html", "csv"};
    mm_report_format f;

    for (size_t i = 0; i < MM_ARRAY_LEN(names); i++) {
        assert_int_equal(mm_report_format_parse(names[i], &f), MM_OK);
        assert_string_equal(mm_report_format_name(f), names[i]);
    }
    assert_int_equal(mm_report_format_parse("docx", &f), MM_ERR_INVALID);
    assert_int_equal(mm_report_format_parse("XLSX", &f), MM_ERR_INVALID);
}

static char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    mm_error err;

    if (mm_file_read(path, 64u << 20, &data, len, &err) != MM_OK)
        fail_msg("read %s: %s", path, err.msg);
    return data;
}

/* No "<name>.tmp.*" left in the directory. */
static void assert_no_temp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strstr(e->d_name, ".tmp."))
            fail_msg("temporary file left: %s", e->d_name);
    closedir(d);
}

static void write_one(fixture *fx, const mm_report_set *set, mm_report_format f, mm_encoding enc,
                      const char *name, char *path, size_t pathsz)
{
    mm_report_opts o = {f, enc};
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_path_join(path, pathsz, fx->dir, name), MM_OK);
    if (mm_report_write(set, &o, path, &err) != MM_OK)
        fail_msg("write %s: %s", name, err.msg);
    assert_true(mm_file_exists(path));
}

static void test_write_all(void **state)
{
    fixture *fx = *state;
    mm_report_set *set = build(fx, NULL);
    char path[1024], *data, *csv, *back = NULL;
    size_t len, csvlen, backlen, lines = 0;
    mm_error err;

    write_one(fx, set, MM_REPORT_XLSX, MM_ENC_UTF8, "r.xlsx", path, sizeof(path));
    data = slurp(path, &len);
    assert_true(len > 4000 && memcmp(data, "PK\x03\x04", 4) == 0);
    free(data);

    write_one(fx, set, MM_REPORT_PDF, MM_ENC_UTF8, "r.pdf", path, sizeof(path));
    data = slurp(path, &len);
    assert_true(len > 4000 && memcmp(data, "%PDF-", 5) == 0);
    free(data);

    write_one(fx, set, MM_REPORT_HTML, MM_ENC_UTF8, "r.html", path, sizeof(path));
    data = slurp(path, &len);
    assert_non_null(strstr(data, "<html lang=\"ja\">"));
    assert_non_null(strstr(data, "@media print"));
    assert_non_null(strstr(data, "size:A4 landscape"));
    assert_non_null(strstr(data, "テスト記念病院 &amp; &lt;分院&gt;"));
    assert_null(strstr(data, "<分院>"));
    assert_null(strstr(data, "<script"));
    assert_null(strstr(data, "http://"));
    assert_null(strstr(data, "https://"));
    assert_non_null(strstr(data, "事業者確認用（A社）"));
    assert_non_null(strstr(data, "事業者内に、医療情報システムの管理責任者がいる。（案）"));
    assert_non_null(strstr(data, "overdue"));
    free(data);

    /* CSV, UTF-8: BOM, the header, CRLF, one record per row of every sheet. */
    write_one(fx, set, MM_REPORT_CSV, MM_ENC_UTF8, "r.csv", path, sizeof(path));
    csv = slurp(path, &csvlen);
    assert_memory_equal(csv, "\xEF\xBB\xBF", 3);
    /* The official columns first and unchanged, then the two evidence columns. */
    assert_true(strncmp(csv + 3,
                        "シート,項番,大項目,区分,チェック項目,対象,1回目 回答,1回目 確認日,"
                        "2回目 回答,2回目 確認日,対応目標日,備考,証拠による判定,矛盾\r\n",
                        strlen("シート,項番,大項目,区分,チェック項目,対象,1回目 回答,1回目 確認日,"
                               "2回目 回答,2回目 確認日,対応目標日,備考,証拠による判定,"
                               "矛盾\r\n")) == 0);
    for (size_t i = 0; i < csvlen; i++) {
        if (csv[i] == '\n') {
            assert_true(i > 0 && csv[i - 1] == '\r');
            lines++;
        }
    }
    assert_int_equal(lines, 1 + 19 + 19 + 19);
    assert_non_null(strstr(csv, "医療機関確認用,2-⑤,医療情報システムの管理・運用,医療情報システム"
                                "全般について,退職者や使用していないアカウント等、不要なアカウント"
                                "を削除または無効化している。,全般,いいえ,2025/05/01,,,2025/09/30,"
                                "'=退職者アカウントの棚卸し予定,証拠不足,\r\n"));
    assert_non_null(strstr(csv, "医療機関確認用,2-⑫,医療情報システムの管理・運用,端末PCについて,"));

    /* CP932: no BOM, and it decodes to exactly the UTF-8 file. */
    write_one(fx, set, MM_REPORT_CSV, MM_ENC_CP932, "r-cp932.csv", path, sizeof(path));
    data = slurp(path, &len);
    assert_false(len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0);
    mm_error_clear(&err);
    if (mm_text_to_utf8(data, len, MM_ENC_CP932, &back, &backlen, &err) != MM_OK)
        fail_msg("cp932 decode: %s", err.msg);
    assert_int_equal(backlen, csvlen - 3);
    assert_memory_equal(back, csv + 3, backlen);
    free(back);
    free(data);
    free(csv);
    assert_no_temp(fx->dir);
    mm_report_set_free(&set);
}

static void test_cp932_refused(void **state)
{
    fixture *fx = *state;
    mm_report_set *set;
    mm_report_opts o = {MM_REPORT_CSV, MM_ENC_CP932};
    char path[1024];
    mm_error err;

    answer(fx, NULL, "3-1", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-11-01", NULL, "確認済み 😀");
    set = build(fx, NULL);
    assert_int_equal(mm_path_join(path, sizeof(path), fx->dir, "bad-cp932.csv"), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_report_write(set, &o, path, &err), MM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "CP932"));
    assert_non_null(strstr(err.msg, "U+1F600"));
    assert_non_null(strstr(err.msg, "3-①"));
    assert_false(mm_file_exists(path));
    assert_no_temp(fx->dir);
    /* UTF-8 holds it. */
    o.encoding = MM_ENC_UTF8;
    assert_int_equal(mm_report_write(set, &o, path, &err), MM_OK);
    mm_report_set_free(&set);
}

/* A writer that cannot write leaves nothing behind and says which file. */
static void test_write_failure(void **state)
{
    static const mm_report_format formats[] = {MM_REPORT_XLSX, MM_REPORT_PDF, MM_REPORT_HTML,
                                               MM_REPORT_CSV};
    fixture *fx = *state;
    mm_report_set *set = build(fx, NULL);
    char path[1024];
    mm_error err;

    assert_int_equal(mm_path_join(path, sizeof(path), fx->dir, "missing/r.out"), MM_OK);
    for (size_t i = 0; i < MM_ARRAY_LEN(formats); i++) {
        mm_report_opts o = {formats[i], MM_ENC_UTF8};
        mm_error_clear(&err);
        assert_int_not_equal(mm_report_write(set, &o, path, &err), MM_OK);
        assert_true(err.msg[0] != '\0');
        assert_false(mm_file_exists(path));
    }
    assert_no_temp(fx->dir);
    mm_report_set_free(&set);
}

/* Removes all whitespace (pdftotext breaks lines where the cell wraps). */
static void squash(const char *in, mm_buf *out)
{
    for (; *in; in++)
        if (!strchr(" \t\r\n\f", *in))
            mm_buf_addc(out, *in);
}

/* The footers (pdftotext cropped to the bottom margin) number the pages 1/N … N/N in order,
 * with at least one page per sheet. pdftotext drops the narrow spaces of "n / N". */
static int pages_numbered(const char *footers, size_t sheets)
{
    const char *p = strstr(footers, "1/");
    char want[32];
    int total;

    /* Skip the dates (2025/11/20): the page number does not follow a digit or '/'. */
    while (p && p > footers && (p[-1] == '/' || (p[-1] >= '0' && p[-1] <= '9')))
        p = strstr(p + 1, "1/");
    if (!p)
        return 0;
    total = (int)strtol(p + 2, NULL, 10);
    if (total < (int)sheets)
        return 0;
    for (int k = 1; k <= total; k++) {
        snprintf(want, sizeof(want), "%d/%d", k, total);
        if (!(p = strstr(p, want)))
            return 0;
        p += strlen(want);
    }
    return 1;
}

/*
 * Every item's wording comes back out of the PDF whole: in reading order (plain pdftotext), and
 * in visual order (-layout) cropped to the チェック項目 column (x 188..424 pt in report_pdf.c's
 * column table), where each row's wrapped lines follow each other. No look-alike characters
 * (⽤ for 用) either.
 */
static void test_pdf_text(void **state)
{
    static const char *const modes[] = {"", "-layout -x 188 -y 0 -W 236 -H 596", "-layout",
                                        "-x 0 -y 560 -W 842 -H 36"};
    fixture *fx = *state;
    mm_report_set *set;
    char path[1024], cmd[2200], chunk[4096];

    if (access("/usr/bin/pdftotext", X_OK) != 0)
        skip();
    set = build(fx, NULL);
    write_one(fx, set, MM_REPORT_PDF, MM_ENC_UTF8, "text.pdf", path, sizeof(path));
    for (size_t m = 0; m < MM_ARRAY_LEN(modes); m++) {
        mm_buf raw, flat;
        FILE *fp;
        size_t n, off;
        uint32_t cp, std;
        int items = m < 2; /* the uncropped -layout output interleaves wrapped cells */
        int footers = m == 3;

        mm_buf_init(&raw, 0);
        mm_buf_init(&flat, 0);
        snprintf(cmd, sizeof(cmd), "/usr/bin/pdftotext %s -enc UTF-8 '%s' -", modes[m], path);
        fp = popen(cmd, "r");
        assert_non_null(fp);
        while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
            assert_int_equal(mm_buf_add(&raw, chunk, n), MM_OK);
        assert_int_equal(pclose(fp), 0);
        squash(mm_buf_str(&raw), &flat);
        if (mm_text_find_lookalike(mm_buf_str(&raw), &off, &cp, &std))
            fail_msg("pdftotext %s: look-alike U+%04X", modes[m], (unsigned)cp);
        for (size_t r = 0; items && r < set->nreports; r++) {
            const mm_report *rep = &set->reports[r];
            for (size_t k = 0; k < rep->nrows; k++) {
                mm_buf want;
                int found;
                mm_buf_init(&want, 0);
                squash(rep->rows[k].item->text, &want);
                found = strstr(mm_buf_str(&flat), mm_buf_str(&want)) != NULL;
                mm_buf_release(&want);
                if (!found)
                    fail_msg("pdftotext %s lost %s %s", modes[m], rep->sheet_label,
                             rep->rows[k].item->label);
            }
        }
        if (footers) {
            if (!pages_numbered(mm_buf_str(&raw), set->nreports))
                fail_msg("page numbers missing in the footers: %s", mm_buf_str(&flat));
            assert_non_null(strstr(mm_buf_str(&flat), "2025/11/20"));
        } else {
            assert_non_null(strstr(mm_buf_str(&flat), "チェック項目"));
        }
        if (m == 0 || m == 2) {
            assert_non_null(strstr(mm_buf_str(&flat), "医療機関確認用"));
            assert_non_null(strstr(mm_buf_str(&flat), "事業者確認用（B社）"));
            assert_non_null(strstr(mm_buf_str(&flat), "令和7年度"));
            assert_non_null(strstr(mm_buf_str(&flat), "項番"));
            assert_non_null(strstr(mm_buf_str(&flat), "2025/09/30"));
            assert_non_null(strstr(mm_buf_str(&flat), "対応目標日超過"));
        }
        mm_buf_release(&raw);
        mm_buf_release(&flat);
    }
    mm_report_set_free(&set);
}

/* Imports the ledger fixture (FW-01 runs FortiOS 6.0.4 on line 2) and the advisory feed with
 * the real importer, answers 2-⑥ はい in round 2, and runs every evaluator. */
static void import_and_evaluate(fixture *fx)
{
    const char *data = getenv("MM_TEST_DATA"), *src = getenv("MM_SOURCE_DIR");
    char assets[1024], feed[1024];
    mm_eval_settings es = {90, NULL};
    mm_eval_summary sum;
    size_t n = 0;
    mm_error err;

    mm_error_clear(&err);
    snprintf(assets, sizeof(assets), "%s/evidence/assets.csv", data ? data : "tests/data");
    snprintf(feed, sizeof(feed), "%s/data/advisories/feed.json", src ? src : ".");
    if (mm_import_file(fx->st, "assets", assets, "test", 0, &n, &err) != MM_OK)
        fail_msg("import assets: %s", err.msg);
    if (mm_import_file(fx->st, "advisories", feed, "test", 0, &n, &err) != MM_OK)
        fail_msg("import advisories: %s", err.msg);
    answer(fx, NULL, "2-6", 2, MM_SCOPE_ALL, MM_ANS_YES, "2025-10-01", NULL, NULL);
    if (mm_evaluate_all(fx->st, &es, &sum, &err) != MM_OK)
        fail_msg("evaluate: %s", err.msg);
}

/* Runs a command, returns its exit status and (when out is not NULL) its stdout. */
static int run(const char *cmd, mm_buf *out)
{
    char chunk[4096];
    FILE *fp = popen(cmd, "r");
    size_t n;

    assert_non_null(fp);
    while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
        if (out)
            assert_int_equal(mm_buf_add(out, chunk, n), MM_OK);
    return pclose(fp);
}

static void test_evidence_model(void **state)
{
    fixture *fx = *state;
    mm_report_set *set;
    const mm_report_row *row;
    int cve = 0;

    import_and_evaluate(fx);
    set = build(fx, NULL);
    row = find_row(&set->reports[0], "2-⑥", MM_SCOPE_ALL);
    assert_int_equal(row->latest, 1);
    assert_int_equal(row->verdict, MM_VERDICT_FAIL);
    assert_true(row->conflict);
    assert_true(strncmp(row->conflict_text, "はい, しかし証拠と矛盾",
                        strlen("はい, しかし証拠と矛盾")) == 0);
    assert_non_null(strstr(row->conflict_text, "CVE-2018-13379"));
    assert_int_equal(set->reports[0].summary.conflicts, 1);
    /* 2-⑤ is いいえ (overdue) and its evidence is missing: no conflict. */
    row = find_row(&set->reports[0], "2-⑤", MM_SCOPE_ALL);
    assert_int_equal(row->verdict, MM_VERDICT_UNKNOWN);
    assert_false(row->conflict);
    /* An item no evaluator covers, and the vendor sheets: no verdict at all. */
    assert_int_equal(find_row(&set->reports[0], "1-①", MM_SCOPE_ALL)->verdict, MM_VERDICT_NONE);
    assert_int_equal(find_row(&set->reports[1], "2-⑥", MM_SCOPE_ALL)->verdict, MM_VERDICT_NONE);
    assert_int_equal(set->reports[1].summary.conflicts, 0);
    /* The appendix: the item shown by its catalog label, the row of the ledger behind it. */
    for (size_t i = 0; i < set->findings.n; i++) {
        mm_report_fcells c;
        assert_int_equal(mm_report_finding_cells(set, &set->findings.v[i], &c), MM_OK);
        if (strstr(c.v[MM_FCOL_JA], "CVE-2018-13379")) {
            cve++;
            assert_string_equal(c.v[MM_FCOL_ITEM], "2-⑥");
            assert_string_equal(c.v[MM_FCOL_VERDICT], "不適合");
            assert_non_null(strstr(c.v[MM_FCOL_EN], "affected by CVE-2018-13379"));
            assert_non_null(strstr(c.v[MM_FCOL_REFS], "assets.csv:2 (FW-01 FortiOS 6.0.4)"));
        }
        mm_report_fcells_release(&c);
    }
    assert_int_equal(cve, 1);
    mm_report_set_free(&set);
}

/* References: file:line (label), table #id (label) without a file, at most MM_REPORT_MAX_REFS
 * lines; anything that is not a JSON array prints nothing. */
static void test_refs_text(void **state)
{
    mm_buf b, many;

    mm_buf_init(&b, 0);
    assert_int_equal(
        mm_report_refs_text("[{\"table\":\"account\",\"id\":12,\"label\":\"AD/yamada\","
                            "\"file\":\"accounts.csv\",\"line\":7},{\"table\":"
                            "\"staff\",\"id\":3,\"label\":\"山田\"},{\"table\":"
                            "\"asset\",\"id\":4,\"file\":\"a.csv\"}]",
                            &b),
        MM_OK);
    assert_string_equal(mm_buf_str(&b), "accounts.csv:7 (AD/yamada)\nstaff #3 (山田)\na.csv");
    mm_buf_reset(&b);
    assert_int_equal(mm_report_refs_text("{\"file\":\"x\"}", &b), MM_OK);
    assert_int_equal(mm_report_refs_text("[{", &b), MM_OK);
    assert_int_equal(mm_report_refs_text(NULL, &b), MM_OK);
    assert_string_equal(mm_buf_str(&b), "");
    mm_buf_init(&many, 0);
    mm_buf_addc(&many, '[');
    for (int i = 0; i < MM_REPORT_MAX_REFS + 5; i++)
        mm_buf_addf(&many, "%s{\"table\":\"t\",\"id\":%d}", i ? "," : "", i);
    mm_buf_addc(&many, ']');
    assert_int_equal(mm_report_refs_text(mm_buf_str(&many), &b), MM_OK);
    assert_non_null(strstr(mm_buf_str(&b), "t #19\n… 他 5 件"));
    assert_null(strstr(mm_buf_str(&b), "t #20"));
    mm_buf_release(&many);
    mm_buf_release(&b);
}

/* A reason long enough that the conflict sentence is cut: still valid UTF-8 (an XLSX with a
 * broken sequence does not open). */
static void test_conflict_cut_is_utf8(void **state)
{
    fixture *fx = *state;
    mm_report_set *set;
    mm_buf sql;
    mm_error err;
    size_t bad;

    mm_buf_init(&sql, 0);
    mm_buf_adds(&sql, "INSERT INTO finding(item_id, rule, subject, verdict, reason_ja, reason_en, "
                      "first_seen, last_seen) VALUES ('2-6', 'advisories', 'x', 'fail', 'a");
    for (int i = 0; i < 600; i++)
        mm_buf_adds(&sql, "脆");
    mm_buf_adds(&sql, "', 'long', '2025-11-20T00:00:00Z', '2025-11-20T00:00:00Z')");
    mm_error_clear(&err);
    if (mm_store_exec(fx->st, mm_buf_str(&sql), &err) != MM_OK)
        fail_msg("insert: %s", err.msg);
    answer(fx, NULL, "2-6", 2, MM_SCOPE_ALL, MM_ANS_YES, "2025-10-01", NULL, NULL);
    set = build(fx, NULL);
    {
        const mm_report_row *row = find_row(&set->reports[0], "2-⑥", MM_SCOPE_ALL);
        assert_true(row->conflict);
        assert_true(strlen(row->conflict_text) > 1000);
        assert_int_equal(mm_utf8_validate(row->conflict_text, strlen(row->conflict_text), &bad),
                         MM_OK);
    }
    mm_buf_release(&sql);
    mm_report_set_free(&set);
}

/* Reads the XLSX back with openpyxl (skipped without it) and checks the cells an inspector
 * sees: the official 11 columns unchanged, then 証拠による判定 and 矛盾 (orange) on the
 * hospital sheet, the 集計 line, and the appendix sheet. */
static const char xlsx_check_py[] =
    "import sys\n"
    "from openpyxl import load_workbook\n"
    "wb = load_workbook(sys.argv[1])\n"
    "assert wb.sheetnames[-1] == '証拠（評価結果）', wb.sheetnames\n"
    "ws = wb['医療機関確認用']\n"
    "rows = [list(r) for r in ws.iter_rows(values_only=True)]\n"
    "assert rows[4] == ['項番', '大項目', '区分', 'チェック項目', '対象', '1回目 回答', '1回目 "
    "確認日',"
    " '2回目 回答', '2回目 確認日', '対応目標日', '備考', '証拠による判定', '矛盾'], rows[4]\n"
    "r6 = next(i for i, r in enumerate(rows) if r[0] == '2-⑥')\n"
    "assert rows[r6][11] == '不適合', rows[r6]\n"
    "assert rows[r6][12].startswith('はい, しかし証拠と矛盾'), rows[r6]\n"
    "assert ws.cell(row=r6 + 1, column=13).fill.fgColor.rgb == 'FFFFD8A8'\n"
    "r11 = next(r for r in rows if r[0] == '1-①')\n"
    "assert r11[11] is None and r11[12] is None, r11\n"
    "k = next(r for r in rows if r[0] == '証拠との矛盾')\n"
    "assert k[3] == 1, k\n"
    "v = wb[wb.sheetnames[1]]\n"
    "vh = [list(r) for r in v.iter_rows(values_only=True)][4]\n"
    "assert vh[-1] == '備考' and len(vh) == 11, vh\n"
    "a = [list(r) for r in wb['証拠（評価結果）'].iter_rows(values_only=True)]\n"
    "assert a[1][0] == '証拠（評価結果）', a[1]\n"
    "assert a[4] == ['項番', '判定', '内容', 'Reason', '証拠', '初回検出', '最終確認'], a[4]\n"
    "cve = [r for r in a[5:] if 'CVE-2018-13379' in r[2]]\n"
    "assert len(cve) == 1 and cve[0][0] == '2-⑥' and cve[0][1] == '不適合', cve\n"
    "assert 'assets.csv:2 (FW-01' in cve[0][4], cve\n"
    "assert cve[0][5] == '2025/11/20' and cve[0][6] == '2025/11/20', cve\n"
    "fails = [r[0] for r in a[5:] if r[0] == '2-⑥' and r[1] == '不適合']\n"
    "assert len(fails) == 3, fails\n";

static int have_openpyxl(void)
{
    return access("/usr/bin/python3", X_OK) == 0 &&
           run("/usr/bin/python3 -c 'import openpyxl' 2>/dev/null", NULL) == 0;
}

static void test_evidence_writers(void **state)
{
    fixture *fx = *state;
    mm_report_set *set;
    char path[1024], py[1024], cmd[4096], *data;
    size_t len;
    mm_error err;

    setenv("MAMORI_NOW", "2025-11-19T16:30:00Z", 1); /* 01:30 JST on the 20th */
    import_and_evaluate(fx);
    unsetenv("MAMORI_NOW");
    set = build(fx, NULL);

    write_one(fx, set, MM_REPORT_CSV, MM_ENC_UTF8, "e.csv", path, sizeof(path));
    data = slurp(path, &len);
    assert_non_null(strstr(data,
                           "医療機関確認用,2-⑥,医療情報システムの管理・運用,医療情報システム"
                           "全般について,セキュリティパッチ（最新ファームウェアや更新プログラム）"
                           "を適用している。,全般,いいえ,2025/06/01,はい,2025/10/01,,,不適合,"
                           "\"はい, しかし証拠と矛盾"));
    assert_non_null(strstr(data,
                           "医療機関確認用,1-①,体制構築,,医療情報システム安全管理責任者を設置"
                           "している。,全般,はい,2025/05/01,はい,2025/10/01,,再確認済み,,\r\n"));
    /* The vendor sheets carry the two columns, empty. */
    assert_non_null(strstr(data, "事業者確認用（A社）,5-①,"));
    assert_non_null(strstr(data, "A社回答,,\r\n"));
    free(data);

    write_one(fx, set, MM_REPORT_HTML, MM_ENC_UTF8, "e.html", path, sizeof(path));
    data = slurp(path, &len);
    assert_non_null(strstr(data, "<th>証拠による判定</th><th>矛盾</th>"));
    assert_non_null(strstr(data,
                           "<td class=\"center fail\">不適合</td><td class=\"conflict\">はい, "
                           "しかし証拠と矛盾"));
    assert_non_null(strstr(data, "<h2>証拠（評価結果）</h2>"));
    assert_non_null(strstr(data, "<tr><th>証拠との矛盾</th><td>1 件</td></tr>"));
    assert_non_null(strstr(data, "assets.csv:2 (FW-01 FortiOS 6.0.4)"));
    assert_null(strstr(data, MM_REPORT_APPENDIX_EMPTY));
    free(data);

    write_one(fx, set, MM_REPORT_XLSX, MM_ENC_UTF8, "e.xlsx", path, sizeof(path));
    if (have_openpyxl()) {
        assert_int_equal(mm_path_join(py, sizeof(py), fx->dir, "check.py"), MM_OK);
        assert_int_equal(mm_file_write_atomic(py, xlsx_check_py, strlen(xlsx_check_py), 0644, &err),
                         MM_OK);
        snprintf(cmd, sizeof(cmd), "/usr/bin/python3 '%s' '%s' 1>&2", py, path);
        assert_int_equal(run(cmd, NULL), 0);
    }

    if (access("/usr/bin/pdftotext", X_OK) == 0) {
        mm_buf text, flat;
        mm_buf_init(&text, 0);
        mm_buf_init(&flat, 0);
        write_one(fx, set, MM_REPORT_PDF, MM_ENC_UTF8, "e.pdf", path, sizeof(path));
        snprintf(cmd, sizeof(cmd), "/usr/bin/pdftotext -enc UTF-8 '%s' -", path);
        assert_int_equal(run(cmd, &text), 0);
        squash(mm_buf_str(&text), &flat);
        assert_non_null(strstr(mm_buf_str(&flat), "証拠（評価結果）"));
        assert_non_null(strstr(mm_buf_str(&flat), "CVE-2018-13379"));
        assert_non_null(strstr(mm_buf_str(&flat), "⚠矛盾"));
        assert_non_null(strstr(mm_buf_str(&flat), "証拠との矛盾1件"));
        /* Every item's wording is still whole. */
        for (size_t k = 0; k < set->reports[0].nrows; k++) {
            mm_buf want;
            mm_buf_init(&want, 0);
            squash(set->reports[0].rows[k].item->text, &want);
            if (!strstr(mm_buf_str(&flat), mm_buf_str(&want)))
                fail_msg("pdftotext lost %s", set->reports[0].rows[k].item->label);
            mm_buf_release(&want);
        }
        mm_buf_release(&flat);
        mm_buf_release(&text);
    }
    assert_no_temp(fx->dir);
    mm_report_set_free(&set);
}

/* Without an evaluation the appendix says so, in every format that has one. */
static void test_appendix_empty(void **state)
{
    fixture *fx = *state;
    mm_report_set *set = build(fx, NULL);
    char path[1024], cmd[4096], *data;
    size_t len;

    assert_int_equal(set->findings.n, 0);
    write_one(fx, set, MM_REPORT_HTML, MM_ENC_UTF8, "n.html", path, sizeof(path));
    data = slurp(path, &len);
    assert_non_null(strstr(data, "<p>" MM_REPORT_APPENDIX_EMPTY "</p>"));
    free(data);
    write_one(fx, set, MM_REPORT_XLSX, MM_ENC_UTF8, "n.xlsx", path, sizeof(path));
    if (have_openpyxl()) {
        /* No evidence: no conflict either, so only the appendix lines are checked. */
        snprintf(cmd, sizeof(cmd),
                 "/usr/bin/python3 -c \"import sys; from openpyxl import load_workbook; "
                 "a = [list(r) for r in load_workbook(sys.argv[1])['証拠（評価結果）']"
                 ".iter_rows(values_only=True)]; assert a[5][0] == sys.argv[2], a\" '%s' '%s' 1>&2",
                 path, MM_REPORT_APPENDIX_EMPTY);
        assert_int_equal(run(cmd, NULL), 0);
    }
    if (access("/usr/bin/pdftotext", X_OK) == 0) {
        mm_buf text, flat;
        mm_buf_init(&text, 0);
        mm_buf_init(&flat, 0);
        write_one(fx, set, MM_REPORT_PDF, MM_ENC_UTF8, "n.pdf", path, sizeof(path));
        snprintf(cmd, sizeof(cmd), "/usr/bin/pdftotext -enc UTF-8 '%s' -", path);
        assert_int_equal(run(cmd, &text), 0);
        squash(mm_buf_str(&text), &flat);
        assert_non_null(
            strstr(mm_buf_str(&flat), "評価結果はありません。mamorievaluateを実行してください"));
        mm_buf_release(&flat);
        mm_buf_release(&text);
    }
    mm_report_set_free(&set);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_table),
        cmocka_unit_test_setup_teardown(test_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_summary_and_overdue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_vendor, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cp932_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pdf_text, setup, teardown),
        cmocka_unit_test(test_refs_text),
        cmocka_unit_test_setup_teardown(test_evidence_model, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conflict_cut_is_utf8, setup, teardown),
        cmocka_unit_test_setup_teardown(test_evidence_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_appendix_empty, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for src/catalog: the real 2025 checklist data loads with the official wording,
 * and every broken file in tests/data/catalog/bad is refused with the line and column of the
 * offending value (a table: file -> code, line, column, message fragment).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "catalog.h"
#include "fs.h"

static const char *test_data(void)
{
    const char *d = getenv("MM_TEST_DATA");
    return d && *d ? d : "tests/data";
}

static void checklist_path(char *out, size_t outsz, const char *name)
{
    char dir[1024];

    assert_int_equal(mm_path_join(dir, sizeof(dir), mm_data_dir(), "checklists"), MM_OK);
    assert_int_equal(mm_path_join(out, outsz, dir, name), MM_OK);
}

static mm_sheet *load_ok(const char *path)
{
    mm_sheet *sh = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_sheet_load_file(path, &sh, &err) != MM_OK) {
        char msg[2048];
        mm_error_format(&err, msg, sizeof(msg));
        fail_msg("%s", msg);
    }
    return sh;
}

static size_t scope_rows(const mm_sheet *sh)
{
    size_t n = 0;
    for (size_t i = 0; i < sh->nitems; i++)
        n += sh->items[i].nscopes;
    return n;
}

/* ---- the real data -------------------------------------------------------------------- */

static void test_real_hospital_sheet(void **state)
{
    char path[2048];
    mm_sheet *sh;
    const mm_item *it;
    char d[11];

    (void)state;
    checklist_path(path, sizeof(path), "2025-hospital.json");
    sh = load_ok(path);
    assert_int_equal(sh->version, 2025);
    assert_int_equal(sh->kind, MM_SHEET_HOSPITAL);
    assert_string_equal(sh->title,
                        "令和7年度版 医療機関におけるサイバーセキュリティ対策チェックリスト");
    assert_string_equal(sh->sheet_title, "医療機関確認用");
    assert_string_equal(sh->file, path);
    assert_int_equal(sh->nitems, 18);
    assert_int_equal(scope_rows(sh), 19);
    assert_int_equal(sh->nsections, 4);
    assert_int_equal(sh->nchapters, 12);
    assert_string_equal(mm_sheet_section_title(sh, 2), "医療情報システムの管理・運用");
    assert_string_equal(mm_sheet_section_title(sh, 9), "");
    assert_string_equal(mm_sheet_chapter_title(sh, 1), "総則");

    /* Items in the order of the official sheet. */
    assert_string_equal(sh->items[0].id, "1-1");
    assert_string_equal(sh->items[17].id, "4-1");

    it = mm_sheet_item(sh, "1-1");
    assert_non_null(it);
    assert_string_equal(it->label, "1-①");
    assert_string_equal(it->text, "医療情報システム安全管理責任者を設置している。");
    assert_int_equal(it->section, 1);
    assert_int_equal(it->nscopes, 1);
    assert_int_equal(it->scopes[0], MM_SCOPE_ALL);
    assert_false(it->draft);
    assert_false(it->has_deadline);

    it = mm_sheet_item(sh, "2-10");
    assert_non_null(it);
    assert_ptr_equal(it, mm_sheet_item(sh, "2-⑩")); /* by printed label too */
    assert_string_equal(it->text,
                        "二要素認証を実装している。または令和９年度までに実装予定である。");
    assert_true(it->has_deadline);
    mm_date_iso(&it->deadline, d);
    assert_string_equal(d, "2028-03-31");
    assert_string_equal(it->deadline_label, "令和9年度末");
    assert_true(it->guidance_ja.n >= 1);
    assert_int_equal(it->guidance_ja.n, it->guidance_en.n);

    it = mm_sheet_item(sh, "2-12");
    assert_non_null(it);
    assert_int_equal(it->nscopes, 2);
    assert_int_equal(it->scopes[0], MM_SCOPE_SERVER);
    assert_int_equal(it->scopes[1], MM_SCOPE_PC);
    assert_true(mm_item_has_scope(it, MM_SCOPE_PC));
    assert_false(mm_item_has_scope(it, MM_SCOPE_ALL));

    it = mm_sheet_item(sh, "2-13");
    assert_int_equal(it->scopes[0], MM_SCOPE_NETWORK);

    assert_null(mm_sheet_item(sh, "2-14"));
    assert_null(mm_sheet_item(sh, "2-１０"));
    assert_null(mm_sheet_item(sh, ""));
    for (size_t i = 0; i < sh->nitems; i++)
        if (sh->items[i].draft)
            fail_msg("hospital item %s is marked draft", sh->items[i].id);
    mm_sheet_free(&sh);
    assert_null(sh);
    mm_sheet_free(NULL);
}

static void test_real_vendor_sheet(void **state)
{
    char path[2048];
    mm_sheet *sh;
    size_t drafts = 0;

    (void)state;
    checklist_path(path, sizeof(path), "2025-vendor.json");
    sh = load_ok(path);
    assert_int_equal(sh->kind, MM_SHEET_VENDOR);
    assert_string_equal(sh->sheet_title, "事業者確認用");
    assert_int_equal(sh->nitems, 18);
    for (size_t i = 0; i < sh->nitems; i++) {
        const mm_item *it = &sh->items[i];
        /* The 2023 draft items are section 5 and only those. */
        if (it->draft != (it->section == 5))
            fail_msg("vendor item %s: draft %d in section %d", it->id, it->draft, it->section);
        drafts += (size_t)it->draft;
    }
    assert_int_equal(drafts, 4);
    assert_true(mm_sheet_item(sh, "5-1")->draft);
    assert_non_null(mm_sheet_item(sh, "5-1")->draft_ref);
    mm_sheet_free(&sh);
}

static void test_default_catalog(void **state)
{
    mm_catalog *cat = NULL;
    mm_error err;

    (void)state;
    mm_error_clear(&err);
    if (mm_catalog_load_default(&cat, &err) != MM_OK)
        fail_msg("%s: %s", err.file, err.msg);
    assert_int_equal(cat->nsheets, 2);
    assert_int_equal(cat->sheets[0]->kind, MM_SHEET_HOSPITAL);
    assert_int_equal(cat->sheets[1]->kind, MM_SHEET_VENDOR);
    assert_int_equal(mm_catalog_latest(cat, MM_SHEET_HOSPITAL), 2025);
    assert_int_equal(mm_catalog_latest(cat, MM_SHEET_VENDOR), 2025);
    assert_ptr_equal(mm_catalog_sheet(cat, 2025, MM_SHEET_VENDOR), cat->sheets[1]);
    assert_null(mm_catalog_sheet(cat, 2024, MM_SHEET_HOSPITAL));
    mm_catalog_free(&cat);
    assert_null(cat);
    mm_catalog_free(NULL);
}

static void test_names(void **state)
{
    mm_scope s;
    mm_sheet_kind k;

    (void)state;
    assert_string_equal(mm_scope_name(MM_SCOPE_PC), "pc");
    assert_string_equal(mm_scope_label(MM_SCOPE_NETWORK), "ネットワーク機器");
    assert_string_equal(mm_scope_label_en(MM_SCOPE_SERVER), "Servers");
    assert_string_equal(mm_scope_group(MM_SCOPE_SERVER), "サーバについて");
    assert_string_equal(mm_scope_name((mm_scope)99), "?");
    assert_int_equal(mm_scope_parse("サーバ", &s), MM_OK);
    assert_int_equal(s, MM_SCOPE_SERVER);
    assert_int_equal(mm_scope_parse("端末PC", &s), MM_OK);
    assert_int_equal(s, MM_SCOPE_PC);
    assert_int_equal(mm_scope_parse("Server", &s), MM_ERR_INVALID);
    assert_int_equal(mm_scope_parse(NULL, &s), MM_ERR_INVALID);
    assert_int_equal(mm_sheet_parse("事業者確認用", &k), MM_OK);
    assert_int_equal(k, MM_SHEET_VENDOR);
    assert_int_equal(mm_sheet_parse("hospital", &k), MM_OK);
    assert_int_equal(k, MM_SHEET_HOSPITAL);
    assert_int_equal(mm_sheet_parse("clinic", &k), MM_ERR_INVALID);
    assert_string_equal(mm_sheet_label(MM_SHEET_HOSPITAL), "医療機関確認用");
}

/* ---- broken files --------------------------------------------------------------------- */

static void test_minimal_fixture_is_valid(void **state)
{
    char path[2048];
    mm_sheet *sh;

    (void)state;
    /* The bad files are this file with one thing broken each. */
    assert_int_equal(mm_path_join(path, sizeof(path), test_data(), "catalog/minimal.json"), MM_OK);
    sh = load_ok(path);
    assert_int_equal(sh->nitems, 2);
    assert_int_equal(scope_rows(sh), 3);
    mm_sheet_free(&sh);
}

static const struct bad_case {
    const char *file;
    mm_rc rc;
    long line, col;
    const char *fragment;
} bad_cases[] = {
    {"syntax-error.json", MM_ERR_PARSE, 33, 14, "JSON syntax error"},
    /* jansson points at the last character of the unexpected token, in characters. */
    {"syntax-error-japanese.json", MM_ERR_PARSE, 34, 57, "JSON syntax error"},
    {"invalid-utf8.json", MM_ERR_PARSE, 34, 33, "invalid UTF-8"},
    {"duplicate-key.json", MM_ERR_PARSE, 36, 14, "duplicate object key near '\"source\"'"},
    {"missing-field.json", MM_ERR_INVALID, 29, 5, "items[1]: 必須の項目 \"text\""},
    {"wrong-type.json", MM_ERR_INVALID, 32, 18, "items[1].section: 整数が必要です"},
    {"unknown-scope.json", MM_ERR_INVALID, 33, 28, "items[1].scopes[1]: 不明な対象です"},
    {"duplicate-id.json", MM_ERR_INVALID, 30, 13, "duplicate item id"},
    {"section-mismatch.json", MM_ERR_INVALID, 32, 18, "section does not match the id"},
    {"unknown-section.json", MM_ERR_INVALID, 32, 18, "section 3 is not in \"sections\""},
    {"unknown-chapter.json", MM_ERR_INVALID, 38, 23, "chapter 7 is not in \"chapters\""},
    {"lookalike.json", MM_ERR_INVALID, 34, 42,
     "互換文字 ⽤ (U+2F64) は使えません。標準の文字「用」"},
    {"lookalike-after-escape.json", MM_ERR_INVALID, 34, 49, "U+2F64"},
    {"lookalike-escaped.json", MM_ERR_INVALID, 34, 42, "U+2F64"}, /* written as \u2F64 */
    {"lookalike-in-guidance.json", MM_ERR_INVALID, 37, 35, "items[1].guidance.ja[0]: 互換文字 ⽐"},
    {"all-with-server.json", MM_ERR_INVALID, 33, 25, "\"all\" cannot be combined"},
    {"unknown-field.json", MM_ERR_INVALID, 41, 18, "items[1].dedline: 不明な項目"},
    {"gmis-out-of-range.json", MM_ERR_INVALID, 39, 16, "items[1].gmis[0]: 1 から 14 の整数"},
    {"bad-deadline.json", MM_ERR_INVALID, 40, 19, "items[1].deadline: 存在しない日付です"},
    {"wrong-schema.json", MM_ERR_INVALID, 2, 13, "schema: \"mamori.checklist/1\" が必要です"},
    {"version-out-of-range.json", MM_ERR_INVALID, 3, 14, "2023 から 2099 の整数"},
    {"empty-guidance.json", MM_ERR_INVALID, 37, 26, "items[1].guidance.ja: 空でない文字列の配列"},
};

static void test_bad_files_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(bad_cases); i++) {
        const struct bad_case *c = &bad_cases[i];
        char path[2048], rel[256];
        mm_sheet *sh = (mm_sheet *)&sh;
        mm_error err;
        mm_rc rc;

        snprintf(rel, sizeof(rel), "catalog/bad/%s", c->file);
        assert_int_equal(mm_path_join(path, sizeof(path), test_data(), rel), MM_OK);
        mm_error_clear(&err);
        rc = mm_sheet_load_file(path, &sh, &err);
        if (rc != c->rc)
            fail_msg("%s: %s (%s), expected %s", c->file, mm_rc_str(rc), err.msg, mm_rc_str(c->rc));
        if (sh != NULL)
            fail_msg("%s: a sheet was returned on failure", c->file);
        if (strcmp(err.file, path) != 0)
            fail_msg("%s: error names file \"%s\"", c->file, err.file);
        if (err.line != c->line || err.col != c->col)
            fail_msg("%s: error at %ld:%ld, expected %ld:%ld (%s)", c->file, err.line, err.col,
                     c->line, c->col, err.msg);
        if (!strstr(err.msg, c->fragment))
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->file, err.msg, c->fragment);
    }
}

/* Every file in bad/ has a row in the table, so a new fixture cannot go untested. */
static void test_bad_files_all_listed(void **state)
{
    char dir[2048];
    DIR *d;
    struct dirent *de;
    size_t n = 0;

    (void)state;
    assert_int_equal(mm_path_join(dir, sizeof(dir), test_data(), "catalog/bad"), MM_OK);
    d = opendir(dir);
    assert_non_null(d);
    while ((de = readdir(d))) {
        size_t k;
        if (de->d_name[0] == '.')
            continue;
        for (k = 0; k < MM_ARRAY_LEN(bad_cases); k++)
            if (strcmp(bad_cases[k].file, de->d_name) == 0)
                break;
        if (k == MM_ARRAY_LEN(bad_cases))
            fail_msg("%s has no row in bad_cases", de->d_name);
        n++;
    }
    closedir(d);
    assert_int_equal(n, MM_ARRAY_LEN(bad_cases));
}

static void test_buffer_edge_cases(void **state)
{
    static const struct {
        const char *text;
        mm_rc rc;
        const char *fragment;
    } cases[] = {
        {"", MM_ERR_PARSE, "JSON syntax error"},
        {"[]", MM_ERR_INVALID, "expected a JSON object at the top level"},
        {"{}", MM_ERR_INVALID, "missing required string \"schema\""},
        {"{\"schema\": \"mamori.checklist/1\", \"extra\": 1}", MM_ERR_INVALID, "extra: 不明な項目"},
    };

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_sheet *sh = NULL;
        mm_error err;
        mm_rc rc;

        mm_error_clear(&err);
        rc = mm_sheet_load_buffer("buf.json", cases[i].text, strlen(cases[i].text), &sh, &err);
        if (rc != cases[i].rc || !strstr(err.msg, cases[i].fragment))
            fail_msg("\"%s\": %s \"%s\", expected %s \"%s\"", cases[i].text, mm_rc_str(rc), err.msg,
                     mm_rc_str(cases[i].rc), cases[i].fragment);
        assert_null(sh);
        assert_string_equal(err.file, "buf.json");
        assert_true(err.line >= 1);
        assert_true(err.col >= 1);
    }
}

/* ---- directories ---------------------------------------------------------------------- */

typedef struct tmpdir {
    char path[64];
} tmpdir;

static void tmpdir_make(tmpdir *t)
{
    mm_strlcpy(t->path, "/tmp/mm-catalog-test-XXXXXX", sizeof(t->path));
    assert_non_null(mkdtemp(t->path));
}

static void tmpdir_put(tmpdir *t, const char *name, const char *data, size_t len)
{
    char p[512];
    assert_int_equal(mm_path_join(p, sizeof(p), t->path, name), MM_OK);
    assert_int_equal(mm_file_write_atomic(p, data, len, 0644, NULL), MM_OK);
}

static void tmpdir_remove(tmpdir *t)
{
    DIR *d = opendir(t->path);
    struct dirent *de;

    while (d && (de = readdir(d))) {
        char p[512];
        if (de->d_name[0] == '.' && (!de->d_name[1] || strcmp(de->d_name, "..") == 0))
            continue;
        if (mm_path_join(p, sizeof(p), t->path, de->d_name) == MM_OK)
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(t->path);
}

static char *read_checklist(const char *name, size_t *len)
{
    char path[2048], *data = NULL;

    checklist_path(path, sizeof(path), name);
    assert_int_equal(mm_file_read(path, MM_CATALOG_MAX_BYTES, &data, len, NULL), MM_OK);
    return data;
}

static void test_duplicate_sheet_in_dir(void **state)
{
    tmpdir t;
    size_t len;
    char *hosp = read_checklist("2025-hospital.json", &len);
    mm_catalog *cat = (mm_catalog *)&cat;
    mm_error err;
    char second[512];

    (void)state;
    tmpdir_make(&t);
    tmpdir_put(&t, "2025-hospital.json", hosp, len);
    tmpdir_put(&t, "2025-hospital-copy.json", hosp, len);
    mm_error_clear(&err);
    assert_int_equal(mm_catalog_load_dir(t.path, &cat, &err), MM_ERR_INVALID);
    assert_null(cat);
    /* Files load in name order: the second one named is the one refused. */
    assert_int_equal(mm_path_join(second, sizeof(second), t.path, "2025-hospital.json"), MM_OK);
    assert_string_equal(err.file, second);
    assert_non_null(strstr(err.msg, "another file already defines version 2025, sheet hospital"));
    tmpdir_remove(&t);
    free(hosp);
}

static void test_dir_loading(void **state)
{
    tmpdir t;
    size_t hlen, vlen;
    char *hosp = read_checklist("2025-hospital.json", &hlen);
    char *vend = read_checklist("2025-vendor.json", &vlen);
    mm_catalog *cat = NULL;
    mm_error err;

    (void)state;
    tmpdir_make(&t);
    /* Empty directory: nothing to load. */
    mm_error_clear(&err);
    assert_int_equal(mm_catalog_load_dir(t.path, &cat, &err), MM_ERR_NOTFOUND);
    assert_null(cat);
    assert_non_null(strstr(err.msg, "no *.json checklist"));

    /* Other files and hidden files are ignored; sheets come out sorted by version, kind. */
    tmpdir_put(&t, "README.txt", "not json", 8);
    tmpdir_put(&t, ".hidden.json", "{broken", 7);
    tmpdir_put(&t, "a-vendor.json", vend, vlen);
    tmpdir_put(&t, "b-hospital.json", hosp, hlen);
    mm_error_clear(&err);
    if (mm_catalog_load_dir(t.path, &cat, &err) != MM_OK)
        fail_msg("%s: %s", err.file, err.msg);
    assert_int_equal(cat->nsheets, 2);
    assert_int_equal(cat->sheets[0]->kind, MM_SHEET_HOSPITAL);
    assert_int_equal(cat->sheets[1]->kind, MM_SHEET_VENDOR);
    mm_catalog_free(&cat);

    /* One broken file fails the whole load and names that file. */
    tmpdir_put(&t, "c-broken.json", "{\n  \"schema\": 1\n}\n", 18);
    mm_error_clear(&err);
    assert_int_equal(mm_catalog_load_dir(t.path, &cat, &err), MM_ERR_INVALID);
    assert_null(cat);
    assert_non_null(strstr(err.file, "c-broken.json"));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 13);
    tmpdir_remove(&t);

    /* A directory that does not exist. */
    mm_error_clear(&err);
    assert_int_equal(mm_catalog_load_dir(t.path, &cat, &err), MM_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "MAMORI_DATA"));
    free(hosp);
    free(vend);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_hospital_sheet),      cmocka_unit_test(test_real_vendor_sheet),
        cmocka_unit_test(test_default_catalog),          cmocka_unit_test(test_names),
        cmocka_unit_test(test_minimal_fixture_is_valid), cmocka_unit_test(test_bad_files_table),
        cmocka_unit_test(test_bad_files_all_listed),     cmocka_unit_test(test_buffer_edge_cases),
        cmocka_unit_test(test_duplicate_sheet_in_dir),   cmocka_unit_test(test_dir_loading),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for answers (src/assess/answer.c) and their files (src/assess/answers_io.c),
 * against the real 2025 catalog and a store in a mkdtemp directory. "Today" is pinned with
 * MAMORI_TODAY=2025-12-01 so the date rules give the same verdicts on every run.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <iconv.h>
#include <unistd.h>

#include "answer.h"
#include "answers_io.h"
#include "fs.h"
#include "text.h"

#define TODAY "2025-12-01"

static mm_catalog *cat; /* loaded once for the whole group */

typedef struct fixture {
    char dir[64];
    char db[128];
    mm_store *st;
} fixture;

static int group_setup(void **state)
{
    mm_error err;

    (void)state;
    setenv("MAMORI_TODAY", TODAY, 1);
    mm_error_clear(&err);
    if (mm_catalog_load_default(&cat, &err) != MM_OK) {
        fprintf(stderr, "catalog: %s: %s\n", err.file, err.msg);
        return -1;
    }
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    mm_catalog_free(&cat);
    return 0;
}

static int setup(void **state)
{
    fixture *f = mm_xcalloc(1, sizeof(*f));
    mm_error err;

    mm_strlcpy(f->dir, "/tmp/mm-answer-test-XXXXXX", sizeof(f->dir));
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->db, sizeof(f->db), "%s/mamori.db", f->dir);
    mm_error_clear(&err);
    if (mm_store_open(f->db, MM_STORE_CREATE, &f->st, &err) != MM_OK) {
        fprintf(stderr, "store: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d;
    struct dirent *de;

    mm_store_close(&f->st);
    d = opendir(f->dir);
    while (d && (de = readdir(d))) {
        char p[512];
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        if (mm_path_join(p, sizeof(p), f->dir, de->d_name) == MM_OK)
            unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(f->dir);
    free(f);
    return 0;
}

static long count(mm_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long v = -1;

    assert_int_equal(mm_store_prepare(st, sql, &s, NULL), MM_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static mm_date date(const char *s)
{
    mm_date d = {0, 0, 0};
    if (s && mm_date_parse(s, &d, NULL) != MM_OK)
        fail_msg("test date \"%s\" does not parse", s);
    return d;
}

/* A hospital-sheet answer with the defaults an importer would give. */
static mm_answer answer(const char *item, mm_answer_value v, const char *checked,
                        const char *target)
{
    mm_answer a;

    memset(&a, 0, sizeof(a));
    a.version = 2025;
    a.sheet = MM_SHEET_HOSPITAL;
    a.round = 1;
    a.scope = MM_SCOPE_ALL;
    a.value = v;
    mm_strlcpy(a.item_id, item, sizeof(a.item_id));
    if (checked)
        a.checked = date(checked);
    if (target) {
        a.target = date(target);
        a.has_target = 1;
    }
    mm_strlcpy(a.answerer, "山田 花子", sizeof(a.answerer));
    return a;
}

static void record_ok(mm_store *st, mm_answer *a)
{
    mm_error err;

    mm_error_clear(&err);
    if (mm_answer_record(st, cat, a, "tester", &err) != MM_OK)
        fail_msg("record %s: %s", a->item_id, err.msg);
}

static void write_file(fixture *f, const char *name, const void *data, size_t len, char *path,
                       size_t pathsz)
{
    assert_int_equal(mm_path_join(path, pathsz, f->dir, name), MM_OK);
    assert_int_equal(mm_file_write_atomic(path, data, len, 0600, NULL), MM_OK);
}

static char *to_cp932(const char *utf8, size_t *outlen)
{
    iconv_t cd = iconv_open("CP932", "UTF-8");
    size_t ileft = strlen(utf8), cap = ileft * 2 + 8, oleft = cap;
    char *out = mm_xmalloc(cap), *ip = (char *)utf8, *op = out;

    assert_true(cd != (iconv_t)-1);
    if (iconv(cd, &ip, &ileft, &op, &oleft) == (size_t)-1)
        fail_msg("fixture not representable in CP932: %s", utf8);
    iconv_close(cd);
    *outlen = cap - oleft;
    return out;
}

/* ---- validation ----------------------------------------------------------------------- */

static const struct vcase {
    const char *name;
    mm_sheet_kind sheet;
    const char *vendor;
    int version;
    const char *item;
    int round;
    mm_scope scope;
    mm_answer_value value;
    const char *checked, *target;
    mm_rc rc;
    const char *fragment;   /* in err.msg when rc != MM_OK */
    const char *item_after; /* normalised id when rc == MM_OK */
    mm_scope scope_after;
} vcases[] = {
    {"plain yes", MM_SHEET_HOSPITAL, "", 2025, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01",
     NULL, MM_OK, NULL, "1-1", MM_SCOPE_ALL},
    {"round 2 na", MM_SHEET_HOSPITAL, "", 2025, "3-3", 2, MM_SCOPE_ALL, MM_ANS_NA, "2025-06-01",
     NULL, MM_OK, NULL, "3-3", MM_SCOPE_ALL},
    {"label 2-⑩ normalised", MM_SHEET_HOSPITAL, "", 2025, "2-⑩", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-06-01", NULL, MM_OK, NULL, "2-10", MM_SCOPE_ALL},
    {"unknown item", MM_SHEET_HOSPITAL, "", 2025, "9-9", 1, MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01",
     NULL, MM_ERR_NOTFOUND, "unknown item \"9-9\"", NULL, 0},
    {"vendor-only item on the hospital sheet", MM_SHEET_HOSPITAL, "", 2025, "5-1", 1, MM_SCOPE_ALL,
     MM_ANS_YES, "2025-06-01", NULL, MM_ERR_NOTFOUND, "unknown item \"5-1\"", NULL, 0},
    {"no such version", MM_SHEET_HOSPITAL, "", 2024, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-06-01", NULL, MM_ERR_NOTFOUND, "no hospital sheet for checklist version 2024", NULL, 0},
    {"single scope server defaulted", MM_SHEET_HOSPITAL, "", 2025, "2-11", 1, MM_SCOPE_ALL,
     MM_ANS_YES, "2025-06-01", NULL, MM_OK, NULL, "2-11", MM_SCOPE_SERVER},
    {"single scope network defaulted", MM_SHEET_HOSPITAL, "", 2025, "2-13", 1, MM_SCOPE_ALL,
     MM_ANS_YES, "2025-06-01", NULL, MM_OK, NULL, "2-13", MM_SCOPE_NETWORK},
    {"2-12 needs server or pc", MM_SHEET_HOSPITAL, "", 2025, "2-12", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-06-01", NULL, MM_ERR_INVALID, "item 2-12 needs --scope server, pc; got all", NULL, 0},
    {"2-12 server", MM_SHEET_HOSPITAL, "", 2025, "2-12", 1, MM_SCOPE_SERVER, MM_ANS_YES,
     "2025-06-01", NULL, MM_OK, NULL, "2-12", MM_SCOPE_SERVER},
    {"2-12 pc", MM_SHEET_HOSPITAL, "", 2025, "2-12", 1, MM_SCOPE_PC, MM_ANS_YES, "2025-06-01", NULL,
     MM_OK, NULL, "2-12", MM_SCOPE_PC},
    {"2-12 network", MM_SHEET_HOSPITAL, "", 2025, "2-12", 1, MM_SCOPE_NETWORK, MM_ANS_YES,
     "2025-06-01", NULL, MM_ERR_INVALID, "got network", NULL, 0},
    {"1-1 server", MM_SHEET_HOSPITAL, "", 2025, "1-1", 1, MM_SCOPE_SERVER, MM_ANS_YES, "2025-06-01",
     NULL, MM_ERR_INVALID, "item 1-1 needs --scope all", NULL, 0},
    {"round 3", MM_SHEET_HOSPITAL, "", 2025, "1-1", 3, MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01", NULL,
     MM_ERR_INVALID, "round must be 1 or 2", NULL, 0},
    {"いいえ without target", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL, MM_ANS_NO,
     "2025-06-01", NULL, MM_ERR_INVALID, "令和7年度中、2026-03-31 まで", NULL, 0},
    {"target on the last day of the fiscal year", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1,
     MM_SCOPE_ALL, MM_ANS_NO, "2025-06-01", "2026-03-31", MM_OK, NULL, "2-10", MM_SCOPE_ALL},
    {"target one day into the next fiscal year", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1,
     MM_SCOPE_ALL, MM_ANS_NO, "2025-06-01", "2026-04-01", MM_ERR_INVALID,
     "outside fiscal year 2025 of the date checked: 2025-04-01 to 2026-03-31", NULL, 0},
    {"target on the checked day", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL, MM_ANS_NO,
     "2025-06-01", "2025-06-01", MM_OK, NULL, "2-10", MM_SCOPE_ALL},
    {"target before checked", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL, MM_ANS_NO,
     "2025-06-01", "2025-05-31", MM_ERR_INVALID,
     "target date 2025-05-31 is before the date "
     "checked 2025-06-01",
     NULL, 0},
    {"checked in March belongs to the previous fiscal year", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1,
     MM_SCOPE_ALL, MM_ANS_NO, "2025-03-15", "2025-04-01", MM_ERR_INVALID,
     "outside fiscal year 2024", NULL, 0},
    {"checked in March, target by 31 March", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL,
     MM_ANS_NO, "2025-03-15", "2025-03-31", MM_OK, NULL, "2-10", MM_SCOPE_ALL},
    {"target on はい", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-06-01", "2025-09-01", MM_ERR_INVALID, "a target date is only for a \"no\" answer", NULL,
     0},
    {"target on 該当なし", MM_SHEET_HOSPITAL, "", 2025, "2-10", 1, MM_SCOPE_ALL, MM_ANS_NA,
     "2025-06-01", "2025-09-01", MM_ERR_INVALID, "only for a \"no\" answer", NULL, 0},
    {"checked today", MM_SHEET_HOSPITAL, "", 2025, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES, TODAY, NULL,
     MM_OK, NULL, "1-1", MM_SCOPE_ALL},
    {"checked tomorrow", MM_SHEET_HOSPITAL, "", 2025, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-12-02", NULL, MM_ERR_INVALID, "the date checked 2025-12-02 is after today, " TODAY, NULL,
     0},
    {"no checked date", MM_SHEET_HOSPITAL, "", 2025, "1-1", 1, MM_SCOPE_ALL, MM_ANS_YES, NULL, NULL,
     MM_ERR_INVALID, "the date checked, --date, is required", NULL, 0},
    {"vendor sheet without vendor", MM_SHEET_VENDOR, "", 2025, "5-1", 1, MM_SCOPE_ALL, MM_ANS_YES,
     "2025-06-01", NULL, MM_ERR_INVALID, "the vendor sheet needs --vendor NAME", NULL, 0},
    {"vendor sheet with vendor", MM_SHEET_VENDOR, "東和システム株式会社", 2025, "5-1", 1,
     MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01", NULL, MM_OK, NULL, "5-1", MM_SCOPE_ALL},
    {"hospital sheet with vendor", MM_SHEET_HOSPITAL, "東和システム株式会社", 2025, "1-1", 1,
     MM_SCOPE_ALL, MM_ANS_YES, "2025-06-01", NULL, MM_ERR_INVALID,
     "--vendor is only for --sheet vendor", NULL, 0},
};

static void test_validate_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(vcases); i++) {
        const struct vcase *c = &vcases[i];
        mm_answer a = answer(c->item, c->value, c->checked, c->target);
        mm_error err;
        mm_rc rc;

        a.sheet = c->sheet;
        a.version = c->version;
        a.round = c->round;
        a.scope = c->scope;
        mm_strlcpy(a.vendor, c->vendor, sizeof(a.vendor));
        mm_error_clear(&err);
        rc = mm_answer_validate(cat, &a, &err);
        if (rc != c->rc)
            fail_msg("%s: %s (%s), expected %s", c->name, mm_rc_str(rc), err.msg, mm_rc_str(c->rc));
        if (rc != MM_OK && !strstr(err.msg, c->fragment))
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, err.msg, c->fragment);
        if (rc == MM_OK && (strcmp(a.item_id, c->item_after) != 0 || a.scope != c->scope_after))
            fail_msg("%s: item %s scope %s, expected %s %s", c->name, a.item_id,
                     mm_scope_name(a.scope), c->item_after, mm_scope_name(c->scope_after));
    }
}

static void test_value_names(void **state)
{
    mm_answer_value v;

    (void)state;
    assert_int_equal(mm_answer_value_parse("いいえ", &v), MM_OK);
    assert_int_equal(v, MM_ANS_NO);
    assert_int_equal(mm_answer_value_parse("該当なし", &v), MM_OK);
    assert_int_equal(v, MM_ANS_NA);
    assert_int_equal(mm_answer_value_parse("y", &v), MM_OK);
    assert_int_equal(v, MM_ANS_YES);
    assert_int_equal(mm_answer_value_parse("maybe", &v), MM_ERR_INVALID);
    assert_int_equal(mm_answer_value_parse("", &v), MM_ERR_INVALID);
    assert_string_equal(mm_answer_value_label(MM_ANS_NO), "いいえ");
    assert_string_equal(mm_answer_value_name(MM_ANS_NA), "na");
}

/* ---- record, current, history --------------------------------------------------------- */

static void test_record_and_history(void **state)
{
    fixture *f = *state;
    mm_answer a1 = answer("2-10", MM_ANS_NO, "2025-06-01", "2026-03-31");
    mm_answer a2 = answer("2-10", MM_ANS_YES, "2025-11-20", NULL);
    mm_answer other = answer("1-1", MM_ANS_YES, "2025-06-01", NULL);
    mm_answer_list cur = {0}, hist = {0};
    const mm_answer *found;
    sqlite3_stmt *s = NULL;

    setenv("MAMORI_NOW", "2025-06-01T01:00:00Z", 1);
    record_ok(f->st, &a1);
    assert_true(a1.id > 0);
    assert_string_equal(a1.recorded_at, "2025-06-01T01:00:00Z");
    setenv("MAMORI_NOW", "2025-11-20T01:00:00Z", 1);
    record_ok(f->st, &a2);
    record_ok(f->st, &other);
    unsetenv("MAMORI_NOW");
    assert_true(a2.id > a1.id);

    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_HOSPITAL, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 2);
    found = mm_answer_find(&cur, NULL, "2-10", 1, MM_SCOPE_ALL);
    assert_non_null(found);
    assert_int_equal(found->id, a2.id); /* the newest answer is the current one */
    assert_int_equal(found->value, MM_ANS_YES);
    assert_false(found->has_target);
    assert_string_equal(found->answerer, "山田 花子");
    assert_null(mm_answer_find(&cur, NULL, "2-10", 2, MM_SCOPE_ALL));
    assert_null(mm_answer_find(&cur, "某社", "2-10", 1, MM_SCOPE_ALL));

    assert_int_equal(mm_answers_history(f->st, 2025, MM_SHEET_HOSPITAL, NULL, "2-10", &hist, NULL),
                     MM_OK);
    assert_int_equal(hist.n, 2);
    assert_int_equal(hist.v[0].id, a1.id); /* oldest first */
    assert_int_equal(hist.v[0].value, MM_ANS_NO);
    assert_true(hist.v[0].has_target);
    assert_int_equal(mm_date_cmp(&hist.v[0].target, &(mm_date){2026, 3, 31}), 0);
    assert_int_equal(hist.v[1].id, a2.id);
    mm_answer_list_release(&hist);
    assert_int_equal(mm_answers_history(f->st, 2025, MM_SHEET_HOSPITAL, NULL, NULL, &hist, NULL),
                     MM_OK);
    assert_int_equal(hist.n, 3);

    /* Each answer is one audit entry; the second names the first as its "before". */
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit WHERE action = 'answer.record'"), 3);
    assert_int_equal(
        mm_store_prepare(f->st, "SELECT before FROM audit WHERE entity = 'answer:' || ?", &s, NULL),
        MM_OK);
    sqlite3_bind_int64(s, 1, a2.id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    {
        char *first = mm_answer_to_json(&hist.v[0]);
        assert_string_equal(mm_col_text(s, 0), first);
        free(first);
    }
    sqlite3_finalize(s);
    mm_answer_list_release(&cur);
    mm_answer_list_release(&hist);
    assert_null(hist.v);
    assert_int_equal(hist.n, 0);
}

static void test_record_normalises(void **state)
{
    fixture *f = *state;
    mm_answer a = answer("2-⑩", MM_ANS_NO, "2025-06-01", "2026-03-31");
    mm_answer_list cur = {0};

    a.note = mm_xstrdup("運⽤⼿順を⾒直し、⽅針を決める");
    a.answerer[0] = '\0';
    record_ok(f->st, &a);
    assert_string_equal(a.item_id, "2-10");
    assert_string_equal(a.note, "運用手順を見直し、方針を決める");
    assert_string_equal(a.answerer, "tester"); /* defaults to the actor */
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer WHERE item_id = '2-10' AND note = "
                                  "'運用手順を見直し、方針を決める'"),
                     1);
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer WHERE item_id = '2-⑩'"), 0);
    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_HOSPITAL, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 1);
    assert_string_equal(cur.v[0].note, "運用手順を見直し、方針を決める");
    mm_answer_list_release(&cur);
    mm_answer_release(&a);
    assert_null(a.note);
}

static void test_record_invalid_stores_nothing(void **state)
{
    fixture *f = *state;
    mm_answer a = answer("2-10", MM_ANS_NO, "2025-06-01", "2026-04-01");
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_answer_record(f->st, cat, &a, "tester", &err), MM_ERR_INVALID);
    assert_int_equal(a.id, 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer"), 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit"), 0);
}

static void test_vendor_answers(void **state)
{
    fixture *f = *state;
    mm_answer a = answer("5-1", MM_ANS_YES, "2025-06-01", NULL);
    mm_answer b = answer("5-1", MM_ANS_NA, "2025-06-02", NULL);
    mm_answer_list cur = {0};
    mm_error err;
    long id1 = 0, id2 = 0;
    char **names = NULL;
    size_t n = 0;

    a.sheet = b.sheet = MM_SHEET_VENDOR;
    mm_strlcpy(a.vendor, "東和システム", sizeof(a.vendor));
    mm_strlcpy(b.vendor, "北斗メディカル", sizeof(b.vendor));

    /* An unregistered vendor is refused. */
    mm_error_clear(&err);
    assert_int_equal(mm_answer_record(f->st, cat, &a, "tester", &err), MM_ERR_NOTFOUND);
    assert_non_null(strstr(err.msg, "unknown vendor \"東和システム\""));
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer"), 0);

    assert_int_equal(mm_vendor_add(f->st, "東和システム", "tester", &id1, NULL), MM_OK);
    assert_int_equal(mm_vendor_add(f->st, "東和システム", "tester", &id2, NULL), MM_OK);
    assert_int_equal(id1, id2); /* idempotent */
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit WHERE action = 'vendor.add'"), 1);
    assert_int_equal(mm_vendor_add(f->st, "北斗メディカル", "tester", &id2, NULL), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_vendor_add(f->st, "two\nlines", "tester", &id2, &err), MM_ERR_INVALID);
    assert_int_equal(mm_vendor_list(f->st, &names, &n, NULL), MM_OK);
    assert_int_equal(n, 2);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);

    record_ok(f->st, &a);
    record_ok(f->st, &b);
    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_VENDOR, "東和システム", &cur, NULL),
                     MM_OK);
    assert_int_equal(cur.n, 1);
    assert_string_equal(cur.v[0].vendor, "東和システム");
    assert_int_equal(cur.v[0].value, MM_ANS_YES);
    mm_answer_list_release(&cur);
    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_VENDOR, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 2);
    assert_non_null(mm_answer_find(&cur, "北斗メディカル", "5-1", 1, MM_SCOPE_ALL));
    mm_answer_list_release(&cur);
    /* The hospital sheet is separate. */
    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_HOSPITAL, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 0);
    mm_answer_list_release(&cur);
}

/* ---- importing files ------------------------------------------------------------------ */

static size_t import_ok(fixture *f, const char *path, int dry_run)
{
    size_t n = 0;
    mm_error err;

    mm_error_clear(&err);
    if (mm_answers_import_file(f->st, cat, path, "importer", dry_run, &n, &err) != MM_OK) {
        char msg[2048];
        mm_error_format(&err, msg, sizeof(msg));
        fail_msg("import: %s", msg);
    }
    return n;
}

static const char csv_english[] =
    "item,answer,checked,target,note\r\n"
    "1-1,yes,2025-06-01,,責任者は院長\r\n"
    "2-10,no,2025/06/01,2026/3/31,\"二要素認証は来年度の更新で導入, 予算要求済み\"\r\n"
    "2-12,はい,2025-06-01,,\r\n";

static void check_csv_english_imported(fixture *f)
{
    mm_answer_list cur = {0};
    const mm_answer *a;

    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_HOSPITAL, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 3);
    a = mm_answer_find(&cur, NULL, "1-1", 1, MM_SCOPE_ALL);
    assert_non_null(a);
    assert_string_equal(a->note, "責任者は院長");
    assert_string_equal(a->answerer, "importer");
    a = mm_answer_find(&cur, NULL, "2-10", 1, MM_SCOPE_ALL);
    assert_non_null(a);
    assert_int_equal(a->value, MM_ANS_NO);
    assert_int_equal(mm_date_cmp(&a->target, &(mm_date){2026, 3, 31}), 0);
    assert_string_equal(a->note, "二要素認証は来年度の更新で導入, 予算要求済み");
    mm_answer_list_release(&cur);
}

static void test_import_csv_utf8_no_bom(void **state)
{
    fixture *f = *state;
    char path[512];

    write_file(f, "answers.csv", csv_english, strlen(csv_english), path, sizeof(path));
    /* 2-12 has two scopes: the row without one is refused, naming line 4. */
    {
        size_t n = 0;
        mm_error err;
        mm_error_clear(&err);
        assert_int_equal(mm_answers_import_file(f->st, cat, path, "importer", 0, &n, &err),
                         MM_ERR_INVALID);
        assert_int_equal(err.line, 4);
        assert_string_equal(err.file, path);
        assert_non_null(strstr(err.msg, "item 2-12 needs --scope server, pc"));
        assert_int_equal(n, 0);
    }
    {
        static const char fixed[] =
            "item,answer,checked,target,note,scope\r\n"
            "1-1,yes,2025-06-01,,責任者は院長,\r\n"
            "2-10,no,2025/06/01,2026/3/31,\"二要素認証は来年度の更新で導入, 予算要求済み\",\r\n"
            "2-12,はい,2025-06-01,,,サーバ\r\n";
        write_file(f, "answers.csv", fixed, strlen(fixed), path, sizeof(path));
    }
    assert_int_equal(import_ok(f, path, 0), 3);
    check_csv_english_imported(f);
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer WHERE item_id = '2-12' AND scope = "
                                  "'server'"),
                     1);
    /* One audit entry per answer plus one for the import. */
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit"), 4);
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit WHERE action = 'answers.import' AND "
                                  "after = '{\"answers\":3}'"),
                     1);
}

static void test_import_csv_utf8_bom(void **state)
{
    fixture *f = *state;
    char path[512];
    mm_buf b;

    mm_buf_init(&b, 0);
    mm_buf_adds(&b, "\xEF\xBB\xBF");
    mm_buf_adds(&b,
                "item,answer,checked,target,note,scope\n"
                "1-1,yes,2025-06-01,,責任者は院長,\n"
                "2-10,no,2025-06-01,2026-03-31,\"二要素認証は来年度の更新で導入, 予算要求済み\",\n"
                "2-12,yes,2025-06-01,,,pc\n");
    write_file(f, "bom.csv", b.data, b.len, path, sizeof(path));
    assert_int_equal(import_ok(f, path, 0), 3);
    check_csv_english_imported(f);
    mm_buf_release(&b);
}

static void test_import_csv_cp932_japanese_headers(void **state)
{
    fixture *f = *state;
    static const char utf8[] =
        "版,シート,項番,回,対象,回答,確認日,対応目標日,回答者,備考\r\n"
        "2025,医療機関確認用,1-①,1,全般,はい,2025/06/01,,髙橋 一郎,院長を任命（①参照）\r\n"
        "2025,医療機関確認用,2-⑫,1,端末PC,いいえ,2025/06/01,2026/03/31,髙橋 "
        "一郎,不要サービス～停止予定\r\n"
        "2025,医療機関確認用,2-⑫,1,サーバ,該当なし,2025/06/01,,髙橋 一郎,\r\n";
    size_t len;
    char *sj = to_cp932(utf8, &len), path[512];
    mm_answer_list cur = {0};
    const mm_answer *a;

    write_file(f, "sjis.csv", sj, len, path, sizeof(path));
    assert_int_equal(mm_text_detect(sj, len), MM_ENC_CP932);
    assert_int_equal(import_ok(f, path, 0), 3);
    assert_int_equal(mm_answers_current(f->st, 2025, MM_SHEET_HOSPITAL, NULL, &cur, NULL), MM_OK);
    assert_int_equal(cur.n, 3);
    a = mm_answer_find(&cur, NULL, "1-1", 1, MM_SCOPE_ALL);
    assert_non_null(a);
    assert_string_equal(a->answerer, "髙橋 一郎");
    assert_string_equal(a->note, "院長を任命（①参照）");
    a = mm_answer_find(&cur, NULL, "2-12", 1, MM_SCOPE_PC);
    assert_non_null(a);
    assert_int_equal(a->value, MM_ANS_NO);
    assert_string_equal(a->note, "不要サービス～停止予定");
    a = mm_answer_find(&cur, NULL, "2-12", 1, MM_SCOPE_SERVER);
    assert_non_null(a);
    assert_int_equal(a->value, MM_ANS_NA);
    mm_answer_list_release(&cur);
    free(sj);
}

/* Error positions: each bad file names its line and column (in characters). */
static const struct ecase {
    const char *name;
    const char *file; /* file name, decides the format */
    const char *text; /* UTF-8; converted to CP932 first when cp932 is set */
    int cp932;
    const char *raw_tail; /* bytes appended after conversion (a broken CP932 byte) */
    mm_rc rc;
    long line, col;
    const char *fragment;
} ecases[] = {
    {"impossible date", "a.csv", "item,answer,checked\n1-1,yes,2025-02-30\n", 0, NULL,
     MM_ERR_INVALID, 2, 9, "checked: 存在しない日付です"},
    {"date after Japanese fields", "a.csv", "項番,回答,確認日\n1-1,はい,2025-13-01\n", 0, NULL,
     MM_ERR_INVALID, 2, 8, "checked: 存在しない月です"},
    {"malformed date", "a.csv", "item,answer,checked\n1-1,yes,June 1\n", 0, NULL, MM_ERR_PARSE, 2,
     9, "checked: "},
    {"unknown column", "a.csv", "item,answer,checked,colour\n", 0, NULL, MM_ERR_PARSE, 1, 21,
     "unknown column \"colour\""},
    {"unknown Japanese column", "a.csv", "項番,回答,確認日,色\n", 0, NULL, MM_ERR_PARSE, 1, 11,
     "unknown column \"色\""},
    {"duplicate column", "a.csv", "item,answer,checked,回答\n", 0, NULL, MM_ERR_PARSE, 1, 21,
     "duplicate column"},
    {"missing required column", "a.csv", "item,answer\n1-1,yes\n", 0, NULL, MM_ERR_PARSE, 1, 1,
     "missing required column \"checked\""},
    {"empty file", "a.csv", "", 0, NULL, MM_ERR_PARSE, 1, 1, "empty file"},
    {"too few fields", "a.csv", "item,answer,checked\n1-1,yes,2025-06-01\n2-1,yes\n", 0, NULL,
     MM_ERR_PARSE, 3, 5, "expected 3 fields like the header, got 2"},
    {"too many fields", "a.csv", "item,answer,checked\n1-1,yes,2025-06-01,x,y\n", 0, NULL,
     MM_ERR_PARSE, 2, 20, "expected 3 fields like the header, got 5"},
    {"bad answer", "a.csv", "item,answer,checked\n1-1,maybe,2025-06-01\n", 0, NULL, MM_ERR_INVALID,
     2, 5, "answer: 回答は はい/いいえ/該当なし"},
    {"bad round", "a.csv", "item,round,answer,checked\n1-1,3,yes,2025-06-01\n", 0, NULL,
     MM_ERR_INVALID, 2, 5, "round: 回は 1 か 2 です"},
    {"unterminated quote", "a.csv", "item,answer,checked,note\n1-1,yes,2025-06-01,\"open\n", 0,
     NULL, MM_ERR_PARSE, 2, 20, "unterminated quoted field"},
    {"catalog rule on line 3", "a.csv",
     "item,answer,checked\n1-1,yes,2025-06-01\n2-10,no,2025-06-01\n", 0, NULL, MM_ERR_INVALID, 3, 1,
     "a \"no\" answer needs --target-date"},
    {"catalog rule points at the target column", "a.csv",
     "item,answer,checked,target\n2-10,no,2025-06-01,2026-04-01\n", 0, NULL, MM_ERR_INVALID, 2, 20,
     "outside fiscal year 2025"},
    {"unknown item points at the item column", "a.csv", "answer,項番,checked\nyes,9-9,2025-06-01\n",
     0, NULL, MM_ERR_INVALID, 2, 5, "unknown item \"9-9\""},
    {"invalid CP932 byte", "a.csv", "項番,回答,確認日\r\n1-1,はい,2025/06/01\r\n2-1,い", 1,
     "\x85\x40\r\n", MM_ERR_PARSE, 3, 6, "CP932"},
    {"JSON syntax error", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": \"yes\", \"checked\": \"2025-06-01\"}\n"
     "  {\"item\": \"2-1\"}\n]}\n",
     0, NULL, MM_ERR_PARSE, 3, 3, "JSON syntax error"},
    {"JSON bad date on line 4", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": \"yes\", \"checked\": \"2025-06-01\"},\n"
     "  {\"item\": \"2-1\", \"answer\": \"yes\",\n   \"checked\": \"2025-13-01\"}\n]}\n",
     0, NULL, MM_ERR_INVALID, 4, 15, "answers[1].checked: 存在しない月です"},
    {"JSON unknown field", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": \"yes\", \"checked\": \"2025-06-01\",\n"
     "   \"colour\": \"red\"}\n]}\n",
     0, NULL, MM_ERR_PARSE, 3, 14, "answers[0]: 不明な項目 \"colour\""},
    {"JSON missing field", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": \"yes\", \"checked\": \"2025-06-01\"},\n"
     "  {\"item\": \"1-1\", \"answer\": \"yes\"}\n]}\n",
     0, NULL, MM_ERR_PARSE, 3, 3, "missing required field \"checked\""},
    {"JSON wrong type", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": true, \"checked\": \"2025-06-01\"}\n]}\n",
     0, NULL, MM_ERR_PARSE, 2, 29, "answers[0].answer: 文字列が必要です"},
    {"JSON not an answers object", "a.json", "[1, 2]\n", 0, NULL, MM_ERR_PARSE, 1, 1,
     "expected an object with an \"answers\" array"},
    {"JSON catalog rule", "a.json",
     "{\"answers\": [\n  {\"item\": \"1-1\", \"answer\": \"yes\", \"checked\": \"2025-06-01\"},\n"
     "  {\"item\": \"7-7\", \"answer\": \"yes\", \"checked\": \"2025-06-01\"}\n]}\n",
     0, NULL, MM_ERR_INVALID, 3, 12, "unknown item \"7-7\""},
    {"not CSV or JSON", "a.txt", "item,answer,checked\n", 0, NULL, MM_ERR_USAGE, 0, 0,
     "expected a .csv or .json file"},
};

static void test_import_error_positions(void **state)
{
    fixture *f = *state;

    for (size_t i = 0; i < MM_ARRAY_LEN(ecases); i++) {
        const struct ecase *c = &ecases[i];
        char path[512], *data;
        size_t len, n = 99;
        mm_error err;
        mm_rc rc;

        if (c->cp932) {
            char *sj = to_cp932(c->text, &len);
            size_t tail = c->raw_tail ? strlen(c->raw_tail) : 0;
            data = mm_xmalloc(len + tail);
            memcpy(data, sj, len);
            if (tail)
                memcpy(data + len, c->raw_tail, tail);
            len += tail;
            free(sj);
        } else {
            data = mm_xstrdup(c->text);
            len = strlen(c->text);
        }
        write_file(f, c->file, data, len, path, sizeof(path));
        free(data);
        mm_error_clear(&err);
        rc = mm_answers_import_file(f->st, cat, path, "importer", 0, &n, &err);
        if (rc != c->rc)
            fail_msg("%s: %s (%s), expected %s", c->name, mm_rc_str(rc), err.msg, mm_rc_str(c->rc));
        if (strcmp(err.file, path) != 0)
            fail_msg("%s: error names file \"%s\"", c->name, err.file);
        if (err.line != c->line || err.col != c->col)
            fail_msg("%s: error at %ld:%ld, expected %ld:%ld (%s)", c->name, err.line, err.col,
                     c->line, c->col, err.msg);
        if (!strstr(err.msg, c->fragment))
            fail_msg("%s: message \"%s\" lacks \"%s\"", c->name, err.msg, c->fragment);
        if (n != 0)
            fail_msg("%s: count %zu after a failed import", c->name, n);
        unlink(path);
    }
    /* Nothing of any of them reached the store. */
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer"), 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit"), 0);
}

static void test_import_missing_file(void **state)
{
    fixture *f = *state;
    char path[512];
    size_t n;
    mm_error err;

    assert_int_equal(mm_path_join(path, sizeof(path), f->dir, "nope.csv"), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_answers_import_file(f->st, cat, path, "importer", 0, &n, &err),
                     MM_ERR_NOTFOUND);
    assert_string_equal(err.file, path);
    /* Without an error record the failure is still returned (and nothing dereferenced). */
    {
        static const char bad[] = "item,answer,checked\n1-1,yes,2025-02-30\n";
        write_file(f, "bad.csv", bad, strlen(bad), path, sizeof(path));
        assert_int_equal(mm_answers_import_file(f->st, cat, path, "importer", 0, &n, NULL),
                         MM_ERR_INVALID);
    }
}

static void test_import_all_or_nothing(void **state)
{
    fixture *f = *state;
    static const char *const files[] = {
        /* Row 3 breaks a catalog rule: found before anything is stored. */
        "item,answer,checked,target\n"
        "1-1,yes,2025-06-01,\n"
        "2-1,yes,2025-06-01,\n"
        "2-10,no,2025-06-01,2026-04-01\n"
        "2-2,yes,2025-06-01,\n",
        /* Row 3 names a vendor that is not registered: found while storing, rolled back. */
        "sheet,vendor,item,answer,checked\n"
        "vendor,東和システム,5-1,yes,2025-06-01\n"
        "vendor,東和システム,5-2,yes,2025-06-01\n"
        "vendor,未登録の会社,5-3,yes,2025-06-01\n"
        "vendor,東和システム,5-4,yes,2025-06-01\n",
    };
    long audit_before;

    assert_int_equal(mm_vendor_add(f->st, "東和システム", "tester", &(long){0}, NULL), MM_OK);
    audit_before = count(f->st, "SELECT count(*) FROM audit");
    assert_int_equal(audit_before, 1);
    for (size_t i = 0; i < MM_ARRAY_LEN(files); i++) {
        char path[512];
        size_t n = 99;
        mm_error err;

        write_file(f, "rows.csv", files[i], strlen(files[i]), path, sizeof(path));
        mm_error_clear(&err);
        assert_int_not_equal(mm_answers_import_file(f->st, cat, path, "importer", 0, &n, &err),
                             MM_OK);
        if (err.line != 4)
            fail_msg("file %zu: error on line %ld, expected 4 (%s)", i, err.line, err.msg);
        assert_int_equal(n, 0);
        assert_int_equal(count(f->st, "SELECT count(*) FROM answer"), 0);
        assert_int_equal(count(f->st, "SELECT count(*) FROM audit"), audit_before);
        assert_int_equal(count(f->st, "SELECT count(*) FROM audit WHERE action = "
                                      "'answers.import'"),
                         0);
    }
    /* The store is still usable: a good file goes in afterwards. */
    {
        char path[512];
        static const char good[] = "item,answer,checked\n1-1,yes,2025-06-01\n";
        write_file(f, "good.csv", good, strlen(good), path, sizeof(path));
        assert_int_equal(import_ok(f, path, 0), 1);
    }
}

static void test_import_dry_run(void **state)
{
    fixture *f = *state;
    static const char csv[] = "item,answer,checked\n1-1,yes,2025-06-01\n2-1,no,2025-06-01\n";
    static const char good[] = "item,answer,checked\n1-1,yes,2025-06-01\n2-1,na,2025-06-01\n";
    char path[512];
    size_t n = 99;
    mm_error err;

    /* A dry run checks everything a real import checks... */
    write_file(f, "dry.csv", csv, strlen(csv), path, sizeof(path));
    mm_error_clear(&err);
    assert_int_equal(mm_answers_import_file(f->st, cat, path, "importer", 1, &n, &err),
                     MM_ERR_INVALID);
    assert_int_equal(err.line, 3);
    /* ...and stores nothing when it passes. */
    write_file(f, "dry.csv", good, strlen(good), path, sizeof(path));
    assert_int_equal(import_ok(f, path, 1), 2);
    assert_int_equal(count(f->st, "SELECT count(*) FROM answer"), 0);
    assert_int_equal(count(f->st, "SELECT count(*) FROM audit"), 0);
}

/* ---- export and re-import --------------------------------------------------------------- */

static void fill_store(mm_store *st)
{
    mm_answer a[] = {
        answer("1-1", MM_ANS_YES, "2025-06-01", NULL),
        answer("2-10", MM_ANS_NO, "2025-06-01", "2026-03-31"),
        answer("2-10", MM_ANS_NO, "2025-07-01", "2026-02-28"), /* replaces the one above */
        answer("2-12", MM_ANS_YES, "2025-06-01", NULL),
        answer("2-12", MM_ANS_NA, "2025-06-01", NULL),
        answer("3-2", MM_ANS_YES, "2025-06-01", NULL),
        answer("5-2", MM_ANS_NO, "2025-06-01", "2025-12-31"),
    };

    a[1].note = mm_xstrdup("first plan");
    a[2].note = mm_xstrdup("予算, \"来年度\"\n二行目");
    a[3].scope = MM_SCOPE_SERVER;
    a[4].scope = MM_SCOPE_PC;
    a[4].note = mm_xstrdup(" 先頭に空白");
    a[5].round = 2;
    a[5].note = mm_xstrdup("tab\there \\ backslash");
    a[6].sheet = MM_SHEET_VENDOR;
    mm_strlcpy(a[6].vendor, "東和システム, Inc.", sizeof(a[6].vendor));
    assert_int_equal(mm_vendor_add(st, "東和システム, Inc.", "tester", &(long){0}, NULL), MM_OK);
    for (size_t i = 0; i < MM_ARRAY_LEN(a); i++) {
        record_ok(st, &a[i]);
        mm_answer_release(&a[i]);
    }
}

static void round_trip(fixture *f, mm_export_format fmt, const char *name)
{
    mm_buf out1, out2;
    mm_store *st2 = NULL;
    char db2[512], path[512];

    mm_buf_init(&out1, 0);
    mm_buf_init(&out2, 0);
    fill_store(f->st);
    assert_int_equal(mm_answers_export(f->st, 2025, fmt, 0, &out1, NULL), MM_OK);
    if (fmt == MM_EXPORT_CSV) {
        assert_memory_equal(out1.data,
                            "\xEF\xBB\xBFversion,sheet,vendor,item,round,scope,answer,"
                            "checked,target,answerer,note\r\n",
                            strlen("\xEF\xBB\xBFversion,sheet,vendor,item,round,scope,answer,"
                                   "checked,target,answerer,note\r\n"));
        /* Current answers only: the replaced 2-10 is not exported. */
        assert_null(strstr(out1.data, "first plan"));
    }
    write_file(f, name, out1.data, out1.len, path, sizeof(path));

    assert_int_equal(mm_path_join(db2, sizeof(db2), f->dir, "second.db"), MM_OK);
    assert_int_equal(mm_store_open(db2, MM_STORE_CREATE, &st2, NULL), MM_OK);
    assert_int_equal(mm_vendor_add(st2, "東和システム, Inc.", "tester", &(long){0}, NULL), MM_OK);
    {
        size_t n = 0;
        mm_error err;
        mm_error_clear(&err);
        if (mm_answers_import_file(st2, cat, path, "importer", 0, &n, &err) != MM_OK)
            fail_msg("re-import: %s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
        assert_int_equal(n, 6);
    }
    assert_int_equal(mm_answers_export(st2, 2025, fmt, 0, &out2, NULL), MM_OK);
    if (out1.len != out2.len || memcmp(out1.data, out2.data, out1.len) != 0)
        fail_msg("export differs after the round trip:\n--- first\n%s\n--- second\n%s",
                 mm_buf_str(&out1), mm_buf_str(&out2));
    mm_store_close(&st2);
    mm_buf_release(&out1);
    mm_buf_release(&out2);
}

static void test_export_import_round_trip_csv(void **state)
{
    round_trip(*state, MM_EXPORT_CSV, "export.csv");
}

static void test_export_import_round_trip_json(void **state)
{
    round_trip(*state, MM_EXPORT_JSON, "export.json");
}

static void test_export_history(void **state)
{
    fixture *f = *state;
    mm_buf cur, hist;

    mm_buf_init(&cur, 0);
    mm_buf_init(&hist, 0);
    fill_store(f->st);
    assert_int_equal(mm_answers_export(f->st, 2025, MM_EXPORT_CSV, 0, &cur, NULL), MM_OK);
    assert_int_equal(mm_answers_export(f->st, 2025, MM_EXPORT_CSV, 1, &hist, NULL), MM_OK);
    assert_null(strstr(cur.data, "first plan"));
    assert_non_null(strstr(hist.data, "first plan"));
    mm_buf_release(&cur);
    mm_buf_release(&hist);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_validate_table),
        cmocka_unit_test(test_value_names),
        T(test_record_and_history),
        T(test_record_normalises),
        T(test_record_invalid_stores_nothing),
        T(test_vendor_answers),
        T(test_import_csv_utf8_no_bom),
        T(test_import_csv_utf8_bom),
        T(test_import_csv_cp932_japanese_headers),
        T(test_import_error_positions),
        T(test_import_missing_file),
        T(test_import_all_or_nothing),
        T(test_import_dry_run),
        T(test_export_import_round_trip_csv),
        T(test_export_import_round_trip_json),
        T(test_export_history),
    };
#undef T

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

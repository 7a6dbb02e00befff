/*
 * Unit tests for the hash-chained audit trail (src/assess/audit.c). Each tampering case builds
 * a fresh store through Mamori, then changes it behind Mamori's back through a separate SQLite
 * connection (as the sqlite3 shell would) and checks that mm_audit_verify finds it and names
 * the entry or answer concerned.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <unistd.h>

#include "answer.h"
#include "audit.h"
#include "facility.h"
#include "fs.h"

static mm_catalog *cat;

typedef struct fixture {
    char dir[64];
    char db[128];
    mm_store *st;
} fixture;

static int group_setup(void **state)
{
    mm_error err;

    (void)state;
    setenv("MAMORI_TODAY", "2025-12-01", 1);
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

static fixture *fixture_new(void)
{
    fixture *f = mm_xcalloc(1, sizeof(*f));
    mm_error err;

    mm_strlcpy(f->dir, "/tmp/mm-audit-test-XXXXXX", sizeof(f->dir));
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof(f->db), "%s/mamori.db", f->dir);
    mm_error_clear(&err);
    if (mm_store_open(f->db, MM_STORE_CREATE, &f->st, &err) != MM_OK)
        fail_msg("store: %s", err.msg);
    return f;
}

static void fixture_free(fixture *f)
{
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
}

static int setup(void **state)
{
    *state = fixture_new();
    return 0;
}

static int teardown(void **state)
{
    fixture_free(*state);
    return 0;
}

static void record(mm_store *st, const char *item, mm_answer_value v, const char *target)
{
    mm_answer a;
    mm_error err;

    memset(&a, 0, sizeof(a));
    a.version = 2025;
    a.sheet = MM_SHEET_HOSPITAL;
    a.round = 1;
    a.scope = MM_SCOPE_ALL;
    a.value = v;
    mm_strlcpy(a.item_id, item, sizeof(a.item_id));
    mm_date_parse("2025-06-01", &a.checked, NULL);
    if (target) {
        mm_date_parse(target, &a.target, NULL);
        a.has_target = 1;
    }
    mm_strlcpy(a.answerer, "佐藤", sizeof(a.answerer));
    mm_error_clear(&err);
    if (mm_answer_record(st, cat, &a, "sato", &err) != MM_OK)
        fail_msg("record %s: %s", item, err.msg);
}

/*
 * The trail every tampering case starts from:
 *   #1 vendor.add, #2 answer 1 (1-1), #3 answer 2 (2-10), #4 answer 3 (2-1),
 *   #5 facility.set, #6 answer 4 (3-1)
 */
static void populate(mm_store *st)
{
    mm_facility fac;
    mm_error err;
    long vid = 0;

    assert_int_equal(mm_vendor_add(st, "東和システム", "sato", &vid, NULL), MM_OK);
    record(st, "1-1", MM_ANS_YES, NULL);
    record(st, "2-10", MM_ANS_NO, "2026-03-31");
    record(st, "2-1", MM_ANS_YES, NULL);
    memset(&fac, 0, sizeof(fac));
    mm_strlcpy(fac.name, "守総合病院", sizeof(fac.name));
    mm_strlcpy(fac.kind, "hospital", sizeof(fac.kind));
    fac.beds = 120;
    mm_strlcpy(fac.prefecture, "東京都", sizeof(fac.prefecture));
    mm_error_clear(&err);
    if (mm_facility_set(st, &fac, "sato", &err) != MM_OK)
        fail_msg("facility: %s", err.msg);
    record(st, "3-1", MM_ANS_YES, NULL);
}

/* Runs SQL through a connection of its own, the way someone with the sqlite3 shell would. */
static void tamper(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    char *msg = NULL;

    assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("tampering SQL failed: %s\n%s", msg, sql);
    if (sqlite3_changes(h) == 0 && strncmp(sql, "DELETE FROM meta", 16) != 0)
        fail_msg("tampering SQL changed nothing: %s", sql);
    sqlite3_close(h);
}

static void test_intact_trail(void **state)
{
    fixture *f = *state;
    mm_audit_report r;
    mm_buf list;

    populate(f->st);
    mm_audit_report_init(&r);
    assert_int_equal(mm_audit_verify(f->st, &r, NULL), MM_OK);
    assert_int_equal(r.entries, 6);
    assert_int_equal(r.problems, 0);
    assert_string_equal(mm_buf_str(&r.text), "");
    mm_audit_report_release(&r);

    /* Still intact after a reopen. */
    mm_store_close(&f->st);
    assert_int_equal(mm_store_open(f->db, 0, &f->st, NULL), MM_OK);
    mm_audit_report_init(&r);
    assert_int_equal(mm_audit_verify(f->st, &r, NULL), MM_OK);
    mm_audit_report_release(&r);

    mm_buf_init(&list, 0);
    assert_int_equal(mm_audit_list(f->st, 2, &list, NULL), MM_OK);
    assert_non_null(strstr(list.data, "#5\t"));
    assert_non_null(strstr(list.data, "#6\t"));
    assert_null(strstr(list.data, "#4\t"));
    assert_non_null(strstr(list.data, "facility.set"));
    mm_buf_reset(&list);
    assert_int_equal(mm_audit_list(f->st, 0, &list, NULL), MM_OK);
    assert_non_null(strstr(list.data, "#1\t"));
    assert_non_null(strstr(list.data, "vendor.add"));
    mm_buf_release(&list);
}

static void test_empty_trail(void **state)
{
    fixture *f = *state;
    mm_audit_report r;

    mm_audit_report_init(&r);
    assert_int_equal(mm_audit_verify(f->st, &r, NULL), MM_OK);
    assert_int_equal(r.entries, 0);
    assert_int_equal(r.problems, 0);
    mm_audit_report_release(&r);
}

static void test_append_chains(void **state)
{
    fixture *f = *state;
    long s1 = 0, s2 = 0;
    sqlite3_stmt *s = NULL;

    assert_int_equal(mm_store_begin(f->st, NULL), MM_OK);
    assert_int_equal(mm_audit_append(f->st, "a", "test.one", "x:1", NULL, "{\"v\":1}", &s1, NULL),
                     MM_OK);
    assert_int_equal(
        mm_audit_append(f->st, "a", "test.two", "x:1", "{\"v\":1}", "{\"v\":2}", &s2, NULL), MM_OK);
    assert_int_equal(mm_store_commit(f->st, NULL), MM_OK);
    assert_int_equal(s1, 1);
    assert_int_equal(s2, 2);
    /* Entry 2 names entry 1's hash; entry 1 starts from the all-zero genesis. */
    assert_int_equal(mm_store_prepare(f->st,
                                      "SELECT a.prev_hash, b.prev_hash = a.hash, length(a.hash) "
                                      "FROM audit a, audit b WHERE a.seq = 1 AND b.seq = 2",
                                      &s, NULL),
                     MM_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal(mm_col_text(s, 0),
                        "0000000000000000000000000000000000000000000000000000000000000000");
    assert_int_equal(sqlite3_column_int(s, 1), 1);
    assert_int_equal(sqlite3_column_int(s, 2), 64);
    sqlite3_finalize(s);
    {
        char *head = NULL;
        assert_int_equal(mm_store_meta_get(f->st, "audit_head", &head, NULL), MM_OK);
        assert_true(strncmp(head, "2:", 2) == 0);
        free(head);
    }
}

/* ---- tampering ------------------------------------------------------------------------- */

static const struct tcase {
    const char *name;
    const char *sql;
    const char *expect[3]; /* fragments the report must contain */
    const char *absent;    /* a fragment it must not contain (another entry wrongly blamed) */
} tcases[] = {
    {"entry's actor edited",
     "UPDATE audit SET actor = 'mallory' WHERE seq = 3",
     {"監査記録 #3 が改ざんされています", "audit entry #3 was edited"},
     "entry #2 "},
    {"entry's after value edited",
     "UPDATE audit SET after = replace(after, '\"no\"', '\"yes\"') WHERE seq = 3",
     {"audit entry #3 was edited"},
     "entry #4 "},
    {"middle entry deleted",
     "DELETE FROM audit WHERE seq = 4",
     {"監査記録 #4〜#4 が削除されています", "audit entries #4 to #4 are missing: removed"},
     "was edited"},
    {"two entries' contents swapped",
     "CREATE TEMP TABLE t AS SELECT * FROM audit WHERE seq IN (2, 4);"
     "UPDATE audit SET at = t.at, actor = t.actor, action = t.action, entity = t.entity, "
     "before = t.before, after = t.after, prev_hash = t.prev_hash, hash = t.hash "
     "FROM t WHERE t.seq = 6 - audit.seq AND audit.seq IN (2, 4)",
     {"audit entry #2 was edited", "audit entry #4 was edited",
      "audit entry #3 does not chain to entry #2"},
     "entry #3 was edited"},
    {"last entry deleted",
     "DELETE FROM audit WHERE seq = 6",
     {"監査記録 #6〜#6 が末尾から削除されています", "audit entries #6 to #6 were cut off the end"},
     NULL},
    {"last two entries deleted",
     "DELETE FROM audit WHERE seq >= 5",
     {"audit entries #5 to #6 were cut off the end"},
     NULL},
    {"answer value changed",
     "UPDATE answer SET value = 'na' WHERE id = 1",
     {"回答 #1 (項番 1-1) が監査記録 #2 と一致しません",
      "answer #1 differs from audit entry #2: it was changed outside Mamori"},
     "answer #2 "},
    {"answer target date moved",
     "UPDATE answer SET target_on = '2026-03-30' WHERE id = 2",
     {"answer #2 differs from audit entry #3"},
     NULL},
    {"answer row inserted",
     "INSERT INTO answer(version, sheet, item_id, round, scope, value, checked_on, answerer, "
     "recorded_at) VALUES (2025, 'hospital', '2-5', 1, 'all', 'yes', '2025-06-01', 'x', "
     "'2025-06-01T00:00:00Z')",
     {"回答 #5 (2-5 項番 2-5) は監査記録にありません",
      "answer #5 has no audit entry: it was added outside Mamori"},
     "answer #1 "},
    {"answer row deleted",
     "DELETE FROM answer WHERE id = 3",
     {"answer #3 recorded in audit entry #4 has been deleted"},
     "was edited"},
    {"facility changed",
     "UPDATE facility SET beds = 400 WHERE id = 1",
     {"the facility record differs from audit entry #5"},
     NULL},
    {"audit head removed",
     "DELETE FROM meta WHERE key = 'audit_head'",
     {"the audit head record is missing"},
     NULL},
};

static void test_tampering_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(tcases); i++) {
        const struct tcase *c = &tcases[i];
        fixture *f = fixture_new();
        mm_audit_report r;
        mm_error err;
        mm_rc rc;

        populate(f->st);
        tamper(f->db, c->sql);
        mm_audit_report_init(&r);
        mm_error_clear(&err);
        rc = mm_audit_verify(f->st, &r, &err);
        if (rc != MM_ERR_TAMPER)
            fail_msg("%s: verify returned %s (%s), expected tampering", c->name, mm_rc_str(rc),
                     err.msg);
        if (r.problems < 1)
            fail_msg("%s: no problem counted", c->name);
        for (size_t k = 0; k < MM_ARRAY_LEN(c->expect) && c->expect[k]; k++)
            if (!strstr(mm_buf_str(&r.text), c->expect[k]))
                fail_msg("%s: report lacks \"%s\":\n%s", c->name, c->expect[k],
                         mm_buf_str(&r.text));
        if (c->absent && strstr(mm_buf_str(&r.text), c->absent))
            fail_msg("%s: report wrongly mentions \"%s\":\n%s", c->name, c->absent,
                     mm_buf_str(&r.text));
        mm_audit_report_release(&r);
        fixture_free(f);
    }
}

/* Many problems are counted but the report stays bounded. */
static void test_report_is_bounded(void **state)
{
    fixture *f = *state;
    mm_audit_report r;

    assert_int_equal(mm_store_begin(f->st, NULL), MM_OK);
    for (int i = 0; i < 80; i++)
        assert_int_equal(mm_audit_append(f->st, "a", "test", "x", NULL, NULL, NULL, NULL), MM_OK);
    assert_int_equal(mm_store_commit(f->st, NULL), MM_OK);
    tamper(f->db, "UPDATE audit SET actor = 'b'");
    mm_audit_report_init(&r);
    assert_int_equal(mm_audit_verify(f->st, &r, NULL), MM_ERR_TAMPER);
    assert_int_equal(r.entries, 80);
    assert_int_equal(r.problems, 80);
    assert_non_null(strstr(mm_buf_str(&r.text), "further problems not listed"));
    assert_null(strstr(mm_buf_str(&r.text), "#51 "));
    mm_audit_report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_intact_trail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_trail, setup, teardown),
        cmocka_unit_test_setup_teardown(test_append_chains, setup, teardown),
        cmocka_unit_test(test_tampering_table),
        cmocka_unit_test_setup_teardown(test_report_is_bounded, setup, teardown),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

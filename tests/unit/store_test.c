/*
 * Unit tests for src/store: creating a store (file mode, schema, WAL, foreign keys),
 * reopening without migrating again, transactions, the meta table, and the errors a user
 * sees for a missing file or a file that is not a database. Each test works in its own
 * mkdtemp directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = mm_xcalloc(1, sizeof(*f));

    mm_strlcpy(f->dir, "/tmp/mm-store-test-XXXXXX", sizeof(f->dir));
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/mamori.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    DIR *d = opendir(f->dir);
    struct dirent *de;

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

static mm_store *open_ok(const char *path, int flags)
{
    mm_store *st = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_store_open(path, flags, &st, &err) != MM_OK)
        fail_msg("open %s: %s", path, err.msg);
    return st;
}

/* Runs a query that returns one integer. */
static long query_long(mm_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    long v = -1;

    assert_int_equal(mm_store_prepare(st, sql, &s, NULL), MM_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static char *query_text(mm_store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    char *v = NULL;

    assert_int_equal(mm_store_prepare(st, sql, &s, NULL), MM_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = mm_xstrdup(mm_col_text(s, 0));
    sqlite3_finalize(s);
    return v;
}

static void test_create(void **state)
{
    fixture *f = *state;
    mm_store *st;
    struct stat sb;
    char *mode;

    st = open_ok(f->path, MM_STORE_CREATE);
    assert_non_null(st);
    assert_string_equal(mm_store_path(st), f->path);
    assert_non_null(mm_store_db(st));

    /* Only the owner may read a store: it holds who answered what. */
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);

    assert_true(mm_store_schema_latest() >= 3);
    assert_int_equal(mm_store_schema_version(st), mm_store_schema_latest());
    assert_int_equal(query_long(st, "SELECT count(*) FROM schema_migration"),
                     mm_store_schema_latest());
    assert_int_equal(query_long(st, "SELECT max(version) FROM schema_migration"),
                     mm_store_schema_latest());
    /* The tables the rest of Mamori uses exist. */
    assert_int_equal(query_long(st, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                                    "name IN ('meta','facility','vendor','answer','audit','asset',"
                                    "'service_snapshot')"),
                     7);
    assert_int_equal(query_long(st, "SELECT count(*) FROM facility"), 1);

    mode = query_text(st, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);
    assert_int_equal(query_long(st, "PRAGMA foreign_keys"), 1);

    mm_store_close(&st);
    assert_null(st);
    mm_store_close(&st); /* NULL is fine */
    mm_store_close(NULL);
}

static void test_foreign_keys_enforced(void **state)
{
    fixture *f = *state;
    mm_store *st = open_ok(f->path, MM_STORE_CREATE);
    mm_error err;

    mm_error_clear(&err);
    /* An answer for a vendor that does not exist is refused by the database itself. */
    assert_int_equal(mm_store_exec(st,
                                   "INSERT INTO answer(version, sheet, vendor_id, item_id, round, "
                                   "scope, value, checked_on, answerer, recorded_at) VALUES (2025, "
                                   "'vendor', 999, '1-1', 1, 'all', 'yes', '2025-06-01', 'x', "
                                   "'2025-06-01T00:00:00Z')",
                                   &err),
                     MM_ERR_IO);
    assert_non_null(strstr(err.msg, "FOREIGN KEY"));
    assert_int_equal(query_long(st, "SELECT count(*) FROM answer"), 0);
    mm_store_close(&st);
}

static void test_reopen_does_not_migrate(void **state)
{
    fixture *f = *state;
    mm_store *st;
    char *applied1, *applied2;

    setenv("MAMORI_NOW", "2025-04-01T00:00:00Z", 1);
    st = open_ok(f->path, MM_STORE_CREATE);
    applied1 = query_text(st, "SELECT group_concat(version || '@' || applied_at, ',') FROM "
                              "schema_migration");
    assert_int_equal(mm_store_meta_set(st, "probe", "kept", NULL), MM_OK);
    mm_store_close(&st);

    setenv("MAMORI_NOW", "2030-01-01T00:00:00Z", 1);
    st = open_ok(f->path, 0); /* no CREATE: it exists */
    applied2 = query_text(st, "SELECT group_concat(version || '@' || applied_at, ',') FROM "
                              "schema_migration");
    assert_string_equal(applied1, applied2);
    assert_non_null(strstr(applied2, "2025-04-01T00:00:00Z"));
    assert_null(strstr(applied2, "2030"));
    assert_int_equal(query_long(st, "SELECT count(*) FROM schema_migration"),
                     mm_store_schema_latest());
    assert_int_equal(mm_store_schema_version(st), mm_store_schema_latest());
    {
        char *v = NULL;
        assert_int_equal(mm_store_meta_get(st, "probe", &v, NULL), MM_OK);
        assert_string_equal(v, "kept");
        free(v);
    }
    /* CREATE on an existing store opens it as it is. */
    mm_store_close(&st);
    st = open_ok(f->path, MM_STORE_CREATE);
    assert_int_equal(query_long(st, "SELECT count(*) FROM facility"), 1);
    mm_store_close(&st);
    unsetenv("MAMORI_NOW");
    free(applied1);
    free(applied2);
}

static void test_newer_schema_refused(void **state)
{
    fixture *f = *state;
    mm_store *st = open_ok(f->path, MM_STORE_CREATE);
    mm_error err;
    char pragma[64];

    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", mm_store_schema_latest() + 1);
    assert_int_equal(mm_store_exec(st, pragma, NULL), MM_OK);
    mm_store_close(&st);
    mm_error_clear(&err);
    assert_int_equal(mm_store_open(f->path, 0, &st, &err), MM_ERR_INVALID);
    assert_null(st);
    assert_non_null(strstr(err.msg, "upgrade Mamori"));
}

static void test_transactions(void **state)
{
    fixture *f = *state;
    mm_store *st = open_ok(f->path, MM_STORE_CREATE);
    mm_error err;
    char *v = NULL;

    /* Rollback leaves nothing. */
    assert_int_equal(mm_store_begin(st, NULL), MM_OK);
    assert_int_equal(mm_store_meta_set(st, "k1", "v1", NULL), MM_OK);
    assert_int_equal(
        mm_store_exec(st, "INSERT INTO vendor(name, created_at) VALUES ('A社', 'x')", NULL), MM_OK);
    mm_store_rollback(st);
    assert_int_equal(mm_store_meta_get(st, "k1", &v, NULL), MM_ERR_NOTFOUND);
    assert_null(v);
    assert_int_equal(query_long(st, "SELECT count(*) FROM vendor"), 0);
    mm_store_rollback(st); /* no transaction open: harmless */

    /* Nested begin is refused, the outer transaction stays usable. */
    assert_int_equal(mm_store_begin(st, NULL), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_store_begin(st, &err), MM_ERR_INVALID);
    assert_non_null(strstr(err.msg, "nested"));
    assert_int_equal(mm_store_meta_set(st, "k2", "v2", NULL), MM_OK);
    assert_int_equal(mm_store_commit(st, NULL), MM_OK);

    /* Commit persists across a reopen. */
    mm_store_close(&st);
    st = open_ok(f->path, 0);
    assert_int_equal(mm_store_meta_get(st, "k2", &v, NULL), MM_OK);
    assert_string_equal(v, "v2");
    free(v);
    v = NULL;

    /* Closing with a transaction open rolls it back. */
    assert_int_equal(mm_store_begin(st, NULL), MM_OK);
    assert_int_equal(mm_store_meta_set(st, "k3", "v3", NULL), MM_OK);
    mm_store_close(&st);
    st = open_ok(f->path, 0);
    assert_int_equal(mm_store_meta_get(st, "k3", &v, NULL), MM_ERR_NOTFOUND);
    mm_store_close(&st);
}

static void test_write_lock(void **state)
{
    fixture *f = *state;
    mm_store *a = open_ok(f->path, MM_STORE_CREATE), *b = open_ok(f->path, 0);
    mm_error err;

    /* A second writer waits for the busy timeout and then fails; it does not corrupt. */
    sqlite3_busy_timeout(mm_store_db(b), 50);
    assert_int_equal(mm_store_begin(a, NULL), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_store_begin(b, &err), MM_ERR_IO);
    assert_non_null(strstr(err.msg, "locked"));
    assert_int_equal(mm_store_commit(a, NULL), MM_OK);
    assert_int_equal(mm_store_begin(b, NULL), MM_OK);
    assert_int_equal(mm_store_commit(b, NULL), MM_OK);
    mm_store_close(&a);
    mm_store_close(&b);
}

static void test_meta(void **state)
{
    fixture *f = *state;
    mm_store *st = open_ok(f->path, MM_STORE_CREATE);
    char *v = NULL;

    assert_int_equal(mm_store_meta_get(st, "missing", &v, NULL), MM_ERR_NOTFOUND);
    assert_null(v);
    assert_int_equal(mm_store_meta_set(st, "施設", "守病院", NULL), MM_OK);
    assert_int_equal(mm_store_meta_get(st, "施設", &v, NULL), MM_OK);
    assert_string_equal(v, "守病院");
    free(v);
    /* Set replaces. */
    assert_int_equal(mm_store_meta_set(st, "施設", "", NULL), MM_OK);
    assert_int_equal(mm_store_meta_get(st, "施設", &v, NULL), MM_OK);
    assert_string_equal(v, "");
    free(v);
    assert_int_equal(query_long(st, "SELECT count(*) FROM meta WHERE key = '施設'"), 1);
    mm_store_close(&st);
}

static void test_missing_without_create(void **state)
{
    fixture *f = *state;
    mm_store *st = (mm_store *)&st; /* must be cleared */
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_store_open(f->path, 0, &st, &err), MM_ERR_NOTFOUND);
    assert_null(st);
    assert_string_equal(err.file, f->path);
    assert_non_null(strstr(err.msg, "mamori init"));
    /* Nothing was created. */
    assert_false(mm_file_exists(f->path));
}

static void test_not_a_database(void **state)
{
    static const char *const contents[] = {
        "item,answer,checked\n1-1,yes,2025-06-01\n",
        "This is a text file that happens to be long enough to look like a database header, "
        "but it is not one: SQLite reads the first 100 bytes and must refuse them.\n",
    };
    fixture *f = *state;

    for (size_t i = 0; i < MM_ARRAY_LEN(contents); i++) {
        mm_store *st = NULL;
        mm_error err;
        char *back = NULL;
        size_t len = 0;
        mm_rc rc;

        assert_int_equal(
            mm_file_write_atomic(f->path, contents[i], strlen(contents[i]), 0600, NULL), MM_OK);
        mm_error_clear(&err);
        rc = mm_store_open(f->path, MM_STORE_CREATE, &st, &err);
        if (rc != MM_ERR_INVALID)
            fail_msg("case %zu: %s (%s), expected invalid input", i, mm_rc_str(rc), err.msg);
        assert_null(st);
        assert_string_equal(err.file, f->path);
        if (!strstr(err.msg, "not a SQLite database"))
            fail_msg("case %zu: unclear message \"%s\"", i, err.msg);
        /* The file is left exactly as it was. */
        assert_int_equal(mm_file_read(f->path, 4096, &back, &len, NULL), MM_OK);
        assert_int_equal(len, strlen(contents[i]));
        assert_memory_equal(back, contents[i], len);
        free(back);
    }
}

static void test_directory_missing(void **state)
{
    fixture *f = *state;
    mm_store *st = NULL;
    mm_error err;
    char path[256];

    snprintf(path, sizeof(path), "%s/no/such/dir/mamori.db", f->dir);
    mm_error_clear(&err);
    assert_int_equal(mm_store_open(path, MM_STORE_CREATE, &st, &err), MM_ERR_IO);
    assert_null(st);
    assert_non_null(strstr(err.msg, "cannot create store"));
}

static void test_helpers(void **state)
{
    fixture *f = *state;
    mm_store *st = open_ok(f->path, MM_STORE_CREATE);
    sqlite3_stmt *s = NULL;
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_store_prepare(st, "SELECT nope FROM nowhere", &s, &err), MM_ERR_IO);
    assert_null(s);
    assert_non_null(strstr(err.msg, "no such table"));

    assert_int_equal(mm_store_prepare(st, "SELECT ?, ?", &s, NULL), MM_OK);
    mm_bind_text(s, 1, "値");
    mm_bind_text(s, 2, NULL);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal(mm_col_text(s, 0), "値");
    assert_int_equal(sqlite3_column_type(s, 1), SQLITE_NULL);
    assert_string_equal(mm_col_text(s, 1), "");
    sqlite3_finalize(s);
    mm_store_close(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign_keys_enforced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_does_not_migrate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_transactions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_write_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_without_create, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_a_database, setup, teardown),
        cmocka_unit_test_setup_teardown(test_directory_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_helpers, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}

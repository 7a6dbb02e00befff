/*
 * Unit tests for src/web: the route table (matching, parameters, 405 vs 404, every route has a
 * role), the request-body parser, users (argon2id, the login check, disabling), TOTP (RFC 6238
 * replay refusal) and login throttling, on a fresh store.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <liboath/oath.h>
#include <sodium.h>
#include <time.h>
#include <unistd.h>

#include "answer.h"
#include "audit.h"
#include "web_int.h"

typedef struct fixture {
    char dir[64];
    char db[128];
    mm_store *st;
} fixture;

static int setup(void **state)
{
    fixture *f = mm_xcalloc(1, sizeof(*f));
    mm_error err;

    mm_strlcpy(f->dir, "/tmp/mm-web-test-XXXXXX", sizeof(f->dir));
    assert_non_null(mkdtemp(f->dir));
    assert_int_equal(mm_snprintf(f->db, sizeof(f->db), "%s/mamori.db", f->dir), MM_OK);
    mm_error_clear(&err);
    if (mm_store_open(f->db, MM_STORE_CREATE, &f->st, &err) != MM_OK)
        fail_msg("store: %s", err.msg);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    char path[160];

    mm_store_close(&f->st);
    for (size_t i = 0; i < 3; i++) {
        static const char *const suffix[] = {"", "-wal", "-shm"};
        mm_snprintf(path, sizeof(path), "%s%s", f->db, suffix[i]);
        unlink(path);
    }
    mm_snprintf(path, sizeof(path), "%s/secrets/totp.key", f->dir);
    unlink(path);
    mm_snprintf(path, sizeof(path), "%s/secrets", f->dir);
    rmdir(path);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void test_routes_match(void **state)
{
    char params[MM_WEB_MAX_PARAMS][256];
    const mm_route *r;
    int known;

    (void)state;
    r = mm_route_match("GET", "/api/v1/evidence/assets", params, &known);
    assert_non_null(r);
    assert_string_equal(r->pattern, "/api/v1/evidence/:kind");
    assert_string_equal(params[0], "assets");
    r = mm_route_match("POST", "/api/v1/session", params, &known);
    assert_non_null(r);
    assert_true(r->flags & MM_RF_PUBLIC);
    assert_null(mm_route_match("PUT", "/api/v1/session", params, &known));
    assert_int_equal(known, 1); /* 405, not 404 */
    assert_null(mm_route_match("GET", "/api/v1/sessionx", params, &known));
    assert_int_equal(known, 0);
    assert_null(mm_route_match("GET", "/api/v1/evidence/", params, &known));
    assert_null(mm_route_match("GET", "/api/v1/evidence/a/b", params, &known));
    assert_null(mm_route_match("GET", "/api/v1/session/", params, &known));
    /* Only login is public; every route names at least one role. */
    for (size_t i = 0; i < mm_routes_len; i++) {
        assert_true(mm_routes[i].roles != 0);
        if (mm_routes[i].flags & MM_RF_PUBLIC)
            assert_string_equal(mm_routes[i].pattern, "/api/v1/session");
    }
}

static void test_body_parse(void **state)
{
    static const struct {
        const char *body;
        mm_rc rc;
    } cases[] = {
        {"{\"a\":\"b\"}", MM_OK},
        {"{", MM_ERR_PARSE},
        {"[]", MM_ERR_PARSE},
        {"", MM_ERR_PARSE},
        {"{\"a\":1,\"a\":2}", MM_ERR_PARSE},
        {"\xff{}", MM_ERR_PARSE},
        {"{} x", MM_ERR_PARSE},
        {"\"s\"", MM_ERR_PARSE},
    };
    const char *s;
    json_t *j;
    mm_error err;

    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_error_clear(&err);
        assert_int_equal(mm_web_body_parse(cases[i].body, strlen(cases[i].body), 1024, &j, &err),
                         cases[i].rc);
        json_decref(j);
    }
    assert_int_equal(mm_web_body_parse("{}", 2, 1, &j, &err), MM_ERR_INVALID);
    assert_int_equal(mm_web_body_parse("{\n \"a\": tru}", 13, 100, &j, &err), MM_ERR_PARSE);
    assert_int_equal(err.line, 2);
    s = "{\"a\":\"x\\u0001\",\"b\":2,\"c\":null}";
    assert_int_equal(mm_web_body_parse(s, strlen(s), 100, &j, &err), MM_OK);
    assert_int_equal(mm_web_body_str(j, "a", 1, 10, &s, &err), MM_ERR_INVALID); /* control char */
    assert_int_equal(mm_web_body_str(j, "b", 1, 10, &s, &err), MM_ERR_INVALID); /* not a string */
    assert_int_equal(mm_web_body_str(j, "c", 1, 10, &s, &err), MM_ERR_NOTFOUND);
    assert_int_equal(mm_web_body_str(j, "c", 0, 10, &s, &err), MM_OK);
    assert_null(s);
    json_decref(j);
}

static void test_users_and_login(void **state)
{
    fixture *f = *state;
    char *pw = NULL, *pw2 = NULL;
    mm_web_user u;
    int enrol = 0;
    long vid;
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_web_user_add(f->st, "bad name", MM_ROLE_VIEWER, NULL, "t", &pw, &err),
                     MM_ERR_INVALID);
    assert_int_equal(mm_web_user_add(f->st, "v", MM_ROLE_VENDOR, NULL, "t", &pw, &err),
                     MM_ERR_INVALID);
    assert_int_equal(mm_web_user_add(f->st, "vic", MM_ROLE_VIEWER, NULL, "t", &pw, &err), MM_OK);
    assert_int_equal(strlen(pw), 20);
    assert_int_equal(mm_web_user_add(f->st, "vic", MM_ROLE_VIEWER, NULL, "t", &pw2, &err),
                     MM_ERR_EXISTS);
    assert_int_equal(mm_web_login_verify(f->st, "vic", pw, NULL, &u, &enrol, &err), MM_OK);
    assert_int_equal(u.role, MM_ROLE_VIEWER);
    assert_int_equal(enrol, 0);
    assert_int_equal(mm_web_login_verify(f->st, "vic", "wrong", NULL, &u, &enrol, &err),
                     MM_ERR_DENIED);
    assert_int_equal(mm_web_login_verify(f->st, "nobody", pw, NULL, &u, &enrol, &err),
                     MM_ERR_DENIED);
    assert_int_equal(mm_web_user_set_disabled(f->st, "vic", 1, "t", &err), MM_OK);
    assert_int_equal(mm_web_login_verify(f->st, "vic", pw, NULL, &u, &enrol, &err), MM_ERR_DENIED);
    /* The hash is argon2id, never the password. */
    {
        sqlite3_stmt *s = NULL;
        assert_int_equal(mm_store_prepare(f->st, "SELECT pw_hash FROM web_user", &s, &err), MM_OK);
        assert_int_equal(sqlite3_step(s), SQLITE_ROW);
        assert_memory_equal(mm_col_text(s, 0), "$argon2id$", 10);
        assert_null(strstr(mm_col_text(s, 0), pw));
        sqlite3_finalize(s);
    }
    assert_int_equal(mm_web_user_passwd(f->st, "vic", "short", "t", NULL, &err), MM_ERR_INVALID);
    assert_int_equal(mm_web_user_passwd(f->st, "vic", "a-long-enough-secret", "t", NULL, &err),
                     MM_OK);
    assert_int_equal(mm_vendor_add(f->st, "A社", "t", &vid, &err), MM_OK);
    free(pw);
    pw = NULL;
    assert_int_equal(mm_web_user_add(f->st, "a-sha", MM_ROLE_VENDOR, "A社", "t", &pw, &err), MM_OK);
    assert_int_equal(mm_web_user_get(f->st, "a-sha", &u, &err), MM_OK);
    assert_string_equal(u.vendor, "A社");
    free(pw);
    pw = NULL;
    /* An admin without TOTP logs in only to enrol. */
    assert_int_equal(mm_web_user_add(f->st, "root", MM_ROLE_ADMIN, NULL, "t", &pw, &err), MM_OK);
    assert_int_equal(mm_web_login_verify(f->st, "root", pw, NULL, &u, &enrol, &err), MM_OK);
    assert_int_equal(enrol, 1);
    free(pw);
}

static void test_totp_replay(void **state)
{
    fixture *f = *state;
    char *pw = NULL, *b32 = NULL, *uri = NULL, *raw = NULL, code[7];
    size_t rawlen = 0;
    mm_web_user u;
    int enrol = 0;
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_web_user_add(f->st, "root", MM_ROLE_ADMIN, NULL, "t", &pw, &err), MM_OK);
    assert_int_equal(mm_web_totp_enrol_now(f->st, "root", "t", &b32, &uri, &err), MM_OK);
    assert_non_null(strstr(uri, "otpauth://totp/Mamori:root?secret="));
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &raw, &rawlen), OATH_OK);
    assert_int_equal(oath_totp_generate(raw, rawlen, time(NULL), 30, 0, 6, code), OATH_OK);
    assert_int_equal(mm_web_login_verify(f->st, "root", pw, NULL, &u, &enrol, &err), MM_ERR_DENIED);
    assert_int_equal(mm_web_login_verify(f->st, "root", pw, code, &u, &enrol, &err), MM_OK);
    assert_int_equal(enrol, 0);
    /* The same step again is refused. */
    assert_int_equal(mm_web_login_verify(f->st, "root", pw, code, &u, &enrol, &err), MM_ERR_DENIED);
    {
        char *svg = mm_web_qr_svg(uri);
        assert_non_null(svg);
        assert_memory_equal(svg, "<svg", 4);
        free(svg);
    }
    free(raw);
    free(b32);
    free(uri);
    free(pw);
}

static void test_totp_sealed(void **state)
{
    fixture *f = *state;
    unsigned char key[32], other[32];
    char sealed[256], hex[129], *pw = NULL, *b32 = NULL, *uri = NULL;
    const char *secret = "3132333435363738393031323334353637383930";
    sqlite3_stmt *s = NULL;
    mm_error err;

    mm_error_clear(&err);
    /* No key and nothing sealed: created on first use, then read back the same. */
    assert_int_equal(mm_web_seal_key(f->st, 0, key, &err), MM_ERR_NOTFOUND);
    assert_int_equal(mm_web_seal_key(f->st, 1, key, &err), MM_OK);
    assert_int_equal(mm_web_seal_key(f->st, 0, other, &err), MM_OK);
    assert_memory_equal(key, other, sizeof(key));
    assert_int_equal(mm_web_seal(key, "root", secret, sealed, sizeof(sealed), &err), MM_OK);
    assert_true(mm_web_sealed(sealed));
    assert_null(strstr(sealed, secret));
    assert_int_equal(mm_web_unseal(key, "root", sealed, hex, sizeof(hex), &err), MM_OK);
    assert_string_equal(hex, secret);
    /* Bound to the user name and the key; a damaged value is a parse error. */
    assert_int_equal(mm_web_unseal(key, "mallory", sealed, hex, sizeof(hex), &err), MM_ERR_DENIED);
    other[0] ^= 1;
    assert_int_equal(mm_web_unseal(other, "root", sealed, hex, sizeof(hex), &err), MM_ERR_DENIED);
    sealed[10] = 'q';
    assert_int_equal(mm_web_unseal(key, "root", sealed, hex, sizeof(hex), &err), MM_ERR_PARSE);
    /* Enrolment stores the sealed form; a clear value from before is sealed by migrate. */
    assert_int_equal(mm_web_user_add(f->st, "root", MM_ROLE_ADMIN, NULL, "t", &pw, &err), MM_OK);
    assert_int_equal(mm_web_totp_enrol_now(f->st, "root", "t", &b32, &uri, &err), MM_OK);
    assert_int_equal(mm_store_prepare(f->st, "UPDATE web_user SET totp_secret = ?", &s, &err),
                     MM_OK);
    mm_bind_text(s, 1, secret);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE);
    sqlite3_finalize(s);
    {
        int n = 0;
        assert_int_equal(mm_web_totp_migrate(f->st, &n, &err), MM_OK);
        assert_int_equal(n, 1);
        assert_int_equal(mm_web_totp_migrate(f->st, &n, &err), MM_OK);
        assert_int_equal(n, 0);
    }
    assert_int_equal(mm_store_prepare(f->st, "SELECT totp_secret FROM web_user", &s, &err), MM_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_true(mm_web_sealed(mm_col_text(s, 0)));
    assert_int_equal(mm_web_totp_open(f->st, "root", mm_col_text(s, 0), hex, sizeof(hex), &err),
                     MM_OK);
    assert_string_equal(hex, secret);
    sqlite3_finalize(s);
    free(pw);
    free(b32);
    free(uri);
}

/* Counts audit entries of an action. */
static long audit_count(mm_store *st, const char *action)
{
    sqlite3_stmt *s = NULL;
    long n = -1;
    mm_error err;

    mm_error_clear(&err);
    assert_int_equal(mm_store_prepare(st, "SELECT count(*) FROM audit WHERE action = ?", &s, &err),
                     MM_OK);
    mm_bind_text(s, 1, action);
    if (sqlite3_step(s) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

static void test_login_audit_limits(void **state)
{
    fixture *f = *state;
    mm_web *w = mm_xcalloc(1, sizeof(*w));
    char name[32];

    w->st = f->st;
    /* One entry per (account, address) pair in a window, however many failures. */
    for (int i = 0; i < 50; i++)
        mm_login_audit_fail(w, "root", "10.0.0.1", MM_LOGIN_FAIL_PASSWORD);
    mm_login_audit_fail(w, "root", "10.0.0.2", MM_LOGIN_FAIL_THROTTLED);
    assert_int_equal(audit_count(f->st, "session.login_failed"), 2);
    /* Many names: at most MM_LOGIN_AUDIT_MAX_PER_WINDOW entries at once, the rest counted. */
    for (int i = 0; i < 200; i++) {
        mm_snprintf(name, sizeof(name), "guess%d", i);
        mm_login_audit_fail(w, name, "10.0.0.3", MM_LOGIN_FAIL_UNKNOWN);
    }
    assert_int_equal(audit_count(f->st, "session.login_failed"), MM_LOGIN_AUDIT_MAX_PER_WINDOW);
    /* Not flushed before the window ends; then one summary for root@10.0.0.1 and one overflow. */
    mm_login_audit_flush(w, w->login_audit.window_start + w->login_audit.window - 1, 0);
    assert_int_equal(audit_count(f->st, "session.login_failed"), MM_LOGIN_AUDIT_MAX_PER_WINDOW);
    mm_login_audit_flush(w, w->login_audit.window_start + w->login_audit.window, 0);
    assert_int_equal(audit_count(f->st, "session.login_failed"), MM_LOGIN_AUDIT_MAX_PER_WINDOW + 2);
    assert_int_equal(w->login_audit.window_start, 0);
    {
        mm_audit_report rep;
        mm_error err;
        mm_error_clear(&err);
        mm_audit_report_init(&rep);
        assert_int_equal(mm_audit_verify(f->st, &rep, &err), MM_OK);
        mm_audit_report_release(&rep);
    }
    assert_string_equal(mm_login_fail_name(MM_LOGIN_FAIL_CODE), "wrong_code");
    free(w);
}

static void test_throttle(void **state)
{
    fixture *f = *state;
    long retry = 0;
    mm_error err;

    mm_error_clear(&err);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(mm_throttle_check(f->st, "user:x", &retry, &err), MM_OK);
        assert_int_equal(mm_throttle_fail(f->st, "user:x", 3, &err), MM_OK);
    }
    assert_int_equal(mm_throttle_check(f->st, "user:x", &retry, &err), MM_OK);
    assert_int_equal(mm_throttle_fail(f->st, "user:x", 3, &err), MM_OK);
    assert_int_equal(mm_throttle_check(f->st, "user:x", &retry, &err), MM_ERR_DENIED);
    assert_true(retry > 0 && retry <= MM_THROTTLE_LOCK);
    assert_int_equal(mm_throttle_check(f->st, "user:y", &retry, &err), MM_OK);
    assert_int_equal(mm_throttle_clear(f->st, "user:x", &err), MM_OK);
    assert_int_equal(mm_throttle_check(f->st, "user:x", &retry, &err), MM_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routes_match),
        cmocka_unit_test(test_body_parse),
        cmocka_unit_test_setup_teardown(test_users_and_login, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totp_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(test_totp_sealed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_login_audit_limits, setup, teardown),
        cmocka_unit_test_setup_teardown(test_throttle, setup, teardown),
    };
    setenv("MAMORI_TODAY", "2025-12-01", 1);
    return cmocka_run_group_tests(tests, NULL, NULL);
}

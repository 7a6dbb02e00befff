/*
 * Web users: argon2id password hashes (libsodium's crypto_pwhash_str), random initial
 * passwords, enabling and disabling, and the login check that takes the same time whether or
 * not the account exists. Every change is one transaction with its audit entry.
 */
#include <pthread.h>
#include <sodium.h>

#include "answer.h"
#include "audit.h"
#include "date.h"
#include "web_int.h"

#define USER_COLS                                                                                  \
    "u.id, u.name, u.role, coalesce(v.name, ''), u.totp_secret IS NOT NULL, u.disabled, "          \
    "u.created_at FROM web_user u LEFT JOIN vendor v ON v.id = u.vendor_id"

int mm_web_user_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;

    if (n == 0 || n > 64)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '@' || c == '-'))
            return 0;
    }
    return 1;
}

static void user_row(sqlite3_stmt *s, mm_web_user *u)
{
    mm_role role = MM_ROLE_VIEWER;

    memset(u, 0, sizeof(*u));
    u->id = (long)sqlite3_column_int64(s, 0);
    mm_strlcpy(u->name, mm_col_text(s, 1), sizeof(u->name));
    if (mm_role_parse(mm_col_text(s, 2), &role) != MM_OK)
        role = MM_ROLE_VIEWER; /* the CHECK constraint makes this unreachable */
    u->role = role;
    mm_strlcpy(u->vendor, mm_col_text(s, 3), sizeof(u->vendor));
    u->totp = sqlite3_column_int(s, 4);
    u->disabled = sqlite3_column_int(s, 5);
    mm_strlcpy(u->created_at, mm_col_text(s, 6), sizeof(u->created_at));
}

static mm_rc user_query(mm_store *st, const char *where, const char *name, long id,
                        mm_web_user *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char sql[512];
    mm_rc rc;
    int step;

    if ((rc = mm_snprintf(sql, sizeof(sql), "SELECT " USER_COLS " WHERE %s", where)) != MM_OK)
        return mm_error_set(err, rc, NULL, 0, 0, "internal: query too long");
    if ((rc = mm_store_prepare(st, sql, &s, err)) != MM_OK)
        return rc;
    if (name)
        mm_bind_text(s, 1, name);
    else
        sqlite3_bind_int64(s, 1, id);
    step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        user_row(s, out);
    else if (step == SQLITE_DONE)
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0, "利用者 %s はいません (no such user)",
                          name ? name : "?");
    else
        rc = mm_store_error(st, err, "reading a user");
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_web_user_get(mm_store *st, const char *name, mm_web_user *out, mm_error *err)
{
    return user_query(st, "u.name = ?", name, 0, out, err);
}

mm_rc mm_web_user_by_id(mm_store *st, long id, mm_web_user *out, mm_error *err)
{
    return user_query(st, "u.id = ?", NULL, id, out, err);
}

mm_rc mm_web_user_list(mm_store *st, mm_web_user **users, size_t *n, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_web_user *v = NULL;
    size_t len = 0, cap = 0;
    int step;
    mm_rc rc = mm_store_prepare(st, "SELECT " USER_COLS " ORDER BY u.name", &s, err);

    *users = NULL;
    *n = 0;
    if (rc != MM_OK)
        return rc;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (len == cap) {
            cap = cap ? 2 * cap : 8;
            v = mm_xrealloc(v, cap * sizeof(*v));
        }
        user_row(s, &v[len++]);
    }
    if (step != SQLITE_DONE) {
        rc = mm_store_error(st, err, "listing users");
        free(v);
        v = NULL;
        len = 0;
    }
    sqlite3_finalize(s);
    *users = v;
    *n = len;
    return rc;
}

mm_rc mm_web_user_count(mm_store *st, long *n, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(st, "SELECT count(*) FROM web_user", &s, err);

    *n = 0;
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW)
        *n = (long)sqlite3_column_int64(s, 0);
    else
        rc = mm_store_error(st, err, "counting users");
    sqlite3_finalize(s);
    return rc;
}

/* A random password people can type: 20 characters without look-alikes (0/O, 1/l/I). */
static char *random_password(void)
{
    static const char alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    char *p = mm_xmalloc(21);

    if (sodium_init() < 0)
        abort(); /* no randomness: nothing safe can be done */
    for (int i = 0; i < 20; i++)
        p[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
    p[20] = '\0';
    return p;
}

mm_rc mm_web_password_check(const char *name, const char *password, mm_error *err)
{
    size_t n = password ? strlen(password) : 0;

    if (n < MM_WEB_PW_MIN || n > MM_WEB_PW_MAX)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "パスワードは%d文字以上%d文字以下にしてください "
                            "(a password needs %d to %d characters)",
                            MM_WEB_PW_MIN, MM_WEB_PW_MAX, MM_WEB_PW_MIN, MM_WEB_PW_MAX);
    if (name && strstr(password, name))
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "パスワードに利用者名を含めないでください "
                            "(the password may not contain the user name)");
    return MM_OK;
}

static mm_rc hash_password(const char *pw, char out[crypto_pwhash_STRBYTES], mm_error *err)
{
    if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return mm_error_set(err, MM_ERR_NOMEM, NULL, 0, 0,
                            "パスワードのハッシュ化に失敗しました (argon2id: out of memory)");
    return MM_OK;
}

static void user_audit_json(mm_buf *b, const char *name, mm_role role, const char *vendor,
                            const char *extra)
{
    mm_buf_adds(b, "{\"name\":");
    mm_jstr(b, name);
    mm_buf_addf(b, ",\"role\":\"%s\",\"vendor\":", mm_role_name(role));
    if (vendor && *vendor)
        mm_jstr(b, vendor);
    else
        mm_buf_adds(b, "null");
    if (extra)
        mm_buf_adds(b, extra);
    mm_buf_addc(b, '}');
}

mm_rc mm_web_user_add(mm_store *st, const char *name, mm_role role, const char *vendor,
                      const char *actor, char **password, mm_error *err)
{
    char hash[crypto_pwhash_STRBYTES], now[21], entity[256];
    sqlite3_stmt *s = NULL;
    char *pw = NULL;
    long vendor_id = 0;
    int tx = 0;
    mm_buf after;
    mm_rc rc;

    *password = NULL;
    mm_buf_init(&after, 0);
    if (!mm_web_user_name_valid(name)) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                          "利用者名は英数字と . _ @ - の1〜64文字です (user names are 1-64 of "
                          "A-Z a-z 0-9 . _ @ -)");
        goto out;
    }
    if ((role == MM_ROLE_VENDOR) != (vendor && *vendor)) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                          "事業者の利用者には事業者名が必要で、それ以外には指定できません "
                          "(--vendor is required for, and only for, the vendor role)");
        goto out;
    }
    if (role == MM_ROLE_VENDOR && (rc = mm_vendor_find(st, vendor, &vendor_id, err)) != MM_OK)
        goto out;
    pw = random_password();
    if ((rc = hash_password(pw, hash, err)) != MM_OK)
        goto out;
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto out;
    tx = 1;
    mm_now_iso(now);
    if ((rc = mm_store_prepare(st,
                               "INSERT INTO web_user(name, role, vendor_id, pw_hash, created_at) "
                               "VALUES (?, ?, ?, ?, ?)",
                               &s, err)) != MM_OK)
        goto out;
    mm_bind_text(s, 1, name);
    mm_bind_text(s, 2, mm_role_name(role));
    if (vendor_id)
        sqlite3_bind_int64(s, 3, vendor_id);
    mm_bind_text(s, 4, hash);
    mm_bind_text(s, 5, now);
    if (sqlite3_step(s) != SQLITE_DONE) {
        if (sqlite3_extended_errcode(mm_store_db(st)) == SQLITE_CONSTRAINT_UNIQUE)
            rc = mm_error_set(err, MM_ERR_EXISTS, NULL, 0, 0,
                              "利用者 %s はすでにいます (user exists)", name);
        else
            rc = mm_store_error(st, err, "adding a user");
        goto out;
    }
    user_audit_json(&after, name, role, vendor, NULL);
    mm_snprintf(entity, sizeof(entity), "user:%s", name);
    if ((rc = mm_audit_append(st, actor, "user.add", entity, NULL, mm_buf_str(&after), NULL,
                              err)) != MM_OK)
        goto out;
    if ((rc = mm_store_commit(st, err)) != MM_OK)
        goto out;
    tx = 0;
    *password = pw;
    pw = NULL;
out:
    sqlite3_finalize(s);
    if (tx)
        mm_store_rollback(st);
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    sodium_memzero(hash, sizeof(hash));
    mm_buf_release(&after);
    return rc;
}

/* Runs one UPDATE on a user by name with its audit entry, in one transaction. The statement's
 * last parameter is the name; bind_first binds the others. */
static mm_rc user_update(mm_store *st, const char *name, const char *sql,
                         void (*bind_first)(sqlite3_stmt *, const void *), const void *arg,
                         int nparams, const char *actor, const char *action, const char *after,
                         int end_sessions, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_web_user u;
    char entity[256];
    mm_rc rc;
    int tx = 0;

    if ((rc = mm_web_user_get(st, name, &u, err)) != MM_OK)
        return rc;
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        return rc;
    tx = 1;
    if ((rc = mm_store_prepare(st, sql, &s, err)) != MM_OK)
        goto out;
    if (bind_first)
        bind_first(s, arg);
    mm_bind_text(s, nparams, name);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "updating a user");
        goto out;
    }
    if (end_sessions && (rc = mm_session_delete_user(st, u.id, err)) != MM_OK)
        goto out;
    mm_snprintf(entity, sizeof(entity), "user:%s", name);
    if ((rc = mm_audit_append(st, actor, action, entity, NULL, after, NULL, err)) != MM_OK)
        goto out;
    rc = mm_store_commit(st, err);
    tx = rc != MM_OK;
out:
    sqlite3_finalize(s);
    if (tx)
        mm_store_rollback(st);
    return rc;
}

static void bind_text1(sqlite3_stmt *s, const void *arg)
{
    mm_bind_text(s, 1, arg);
}

static void bind_int1(sqlite3_stmt *s, const void *arg)
{
    sqlite3_bind_int(s, 1, *(const int *)arg);
}

mm_rc mm_web_user_passwd(mm_store *st, const char *name, const char *password, const char *actor,
                         char **generated, mm_error *err)
{
    char hash[crypto_pwhash_STRBYTES];
    char *pw = NULL;
    mm_rc rc;

    if (generated)
        *generated = NULL;
    if (password) {
        if ((rc = mm_web_password_check(name, password, err)) != MM_OK)
            return rc;
    } else {
        pw = random_password();
        password = pw;
    }
    if ((rc = hash_password(password, hash, err)) == MM_OK)
        rc = user_update(st, name, "UPDATE web_user SET pw_hash = ? WHERE name = ?", bind_text1,
                         hash, 2, actor, "user.passwd", "{\"password\":\"changed\"}", 1, err);
    sodium_memzero(hash, sizeof(hash));
    if (rc == MM_OK && pw && generated) {
        *generated = pw;
        pw = NULL;
    }
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    return rc;
}

mm_rc mm_web_user_set_disabled(mm_store *st, const char *name, int disabled, const char *actor,
                               mm_error *err)
{
    int d = disabled ? 1 : 0;

    return user_update(st, name, "UPDATE web_user SET disabled = ? WHERE name = ?", bind_int1, &d,
                       2, actor, d ? "user.disable" : "user.enable",
                       d ? "{\"disabled\":true}" : "{\"disabled\":false}", d, err);
}

/* A hash to verify against when the account does not exist, so both take as long. */
static char g_dummy[crypto_pwhash_STRBYTES];
static void dummy_init(void)
{
    if (crypto_pwhash_str(g_dummy, "mamori-no-such-user", 19, crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        g_dummy[0] = '\0';
}

mm_rc mm_web_login_lookup(mm_store *st, const char *name, mm_web_login *l, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc;

    memset(l, 0, sizeof(*l));
    if ((rc = mm_store_prepare(st,
                               "SELECT id, pw_hash, coalesce(totp_secret, ''), disabled FROM "
                               "web_user WHERE name = ?",
                               &s, err)) != MM_OK)
        return rc;
    mm_bind_text(s, 1, name);
    if (sqlite3_step(s) == SQLITE_ROW) {
        l->found = 1;
        l->id = (long)sqlite3_column_int64(s, 0);
        mm_strlcpy(l->hash, mm_col_text(s, 1), sizeof(l->hash));
        rc = mm_web_totp_open(st, name, mm_col_text(s, 2), l->secret, sizeof(l->secret), err);
        l->disabled = sqlite3_column_int(s, 3);
    }
    sqlite3_finalize(s);
    return rc;
}

int mm_web_login_password_ok(const mm_web_login *l, const char *password)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    int ok;

    pthread_once(&once, dummy_init);
    /* The same argon2id work whether the account exists or not. */
    ok = crypto_pwhash_str_verify(l->found ? l->hash : g_dummy, password, strlen(password)) == 0;
    return ok && l->found && !l->disabled;
}

mm_rc mm_web_login_finish(mm_store *st, mm_web_login *l, const char *code, mm_web_user *u,
                          int *needs_enrol, mm_error *err)
{
    mm_rc rc;

    *needs_enrol = 0;
    if ((rc = mm_web_user_by_id(st, l->id, u, err)) != MM_OK)
        return rc;
    if (l->secret[0]) {
        rc = mm_web_totp_check(st, l->id, l->secret, code ? code : "", err);
        if (rc == MM_ERR_DENIED)
            return mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0, MM_WEB_LOGIN_DENIED);
        return rc;
    }
    if (u->role == MM_ROLE_ADMIN)
        *needs_enrol = 1;
    return MM_OK;
}

void mm_web_login_clear(mm_web_login *l)
{
    sodium_memzero(l, sizeof(*l));
}

mm_rc mm_web_login_verify(mm_store *st, const char *name, const char *password, const char *code,
                          mm_web_user *u, int *needs_enrol, mm_error *err)
{
    mm_web_login l;
    mm_rc rc;

    *needs_enrol = 0;
    if ((rc = mm_web_login_lookup(st, name, &l, err)) != MM_OK)
        return rc;
    if (!mm_web_login_password_ok(&l, password))
        rc = mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0, MM_WEB_LOGIN_DENIED);
    else
        rc = mm_web_login_finish(st, &l, code, u, needs_enrol, err);
    mm_web_login_clear(&l);
    return rc;
}

mm_rc mm_web_password_verify(mm_store *st, long user_id, const char *password, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char hash[crypto_pwhash_STRBYTES] = "";
    mm_rc rc = mm_store_prepare(st, "SELECT pw_hash FROM web_user WHERE id = ?", &s, err);

    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, user_id);
    if (sqlite3_step(s) == SQLITE_ROW)
        mm_strlcpy(hash, mm_col_text(s, 0), sizeof(hash));
    sqlite3_finalize(s);
    if (!hash[0] || crypto_pwhash_str_verify(hash, password, strlen(password)) != 0)
        rc = mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0,
                          "現在のパスワードが違います (the current password is wrong)");
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

/*
 * Opening the SQLite store, applying migrations, transactions and small statement helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "date.h"
#include "store.h"
#include "store_int.h"

struct mm_store {
    sqlite3 *db;
    char *path;
    int in_tx; /* 1 while a transaction begun by mm_store_begin is open */
};

mm_rc mm_store_error(mm_store *st, mm_error *err, const char *what)
{
    return mm_error_set(err, MM_ERR_IO, st ? st->path : NULL, 0, 0,
                        "データベースエラー (store error while %s: %s)", what,
                        st && st->db ? sqlite3_errmsg(st->db) : "no connection");
}

mm_rc mm_store_exec(mm_store *st, const char *sql, mm_error *err)
{
    char *msg = NULL;

    if (sqlite3_exec(st->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        mm_error_set(err, MM_ERR_IO, st->path, 0, 0, "データベースエラー (store error: %s)",
                     msg ? msg : "unknown");
        sqlite3_free(msg);
        return MM_ERR_IO;
    }
    return MM_OK;
}

mm_rc mm_store_prepare(mm_store *st, const char *sql, sqlite3_stmt **stmt, mm_error *err)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return mm_store_error(st, err, "preparing a statement");
    }
    return MM_OK;
}

int mm_bind_text(sqlite3_stmt *stmt, int idx, const char *s)
{
    if (!s)
        return sqlite3_bind_null(stmt, idx);
    return sqlite3_bind_text(stmt, idx, s, -1, SQLITE_TRANSIENT);
}

const char *mm_col_text(sqlite3_stmt *stmt, int idx)
{
    const unsigned char *t = sqlite3_column_text(stmt, idx);
    return t ? (const char *)t : "";
}

static int user_version(mm_store *st)
{
    sqlite3_stmt *s = NULL;
    int v = -1;

    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

int mm_store_schema_version(mm_store *st)
{
    return user_version(st);
}

int mm_store_schema_latest(void)
{
    int v = 0;
    for (int i = 0; i < mm_migrations_len; i++)
        if (mm_migrations[i].version > v)
            v = mm_migrations[i].version;
    return v;
}

/* Whether migration `version` has been applied (it has a row in schema_migration). */
static int applied(mm_store *st, int version)
{
    sqlite3_stmt *s = NULL;
    int yes = 0;

    if (sqlite3_prepare_v2(st->db, "SELECT 1 FROM schema_migration WHERE version = ?", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_int(s, 1, version);
        yes = sqlite3_step(s) == SQLITE_ROW;
    }
    sqlite3_finalize(s);
    return yes;
}

/*
 * Applies every migration that has no row in schema_migration, in table order, each in its own
 * transaction with its row. Keying on the rows rather than only on user_version means a
 * migration merged out of order is still applied. user_version keeps the highest version, so
 * a store written by a newer build is recognised and refused.
 */
static mm_rc migrate(mm_store *st, mm_error *err)
{
    int have = user_version(st);
    mm_rc rc;

    if (have < 0)
        return mm_store_error(st, err, "reading the schema version");
    if (have > mm_store_schema_latest())
        return mm_error_set(err, MM_ERR_INVALID, st->path, 0, 0,
                            "このデータベースは新しい版の Mamori で作られています (schema "
                            "version %d is newer than this build's %d; upgrade Mamori)",
                            have, mm_store_schema_latest());
    rc = mm_store_exec(st,
                       "CREATE TABLE IF NOT EXISTS schema_migration(version INTEGER "
                       "PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
                       err);
    for (int i = 0; rc == MM_OK && i < mm_migrations_len; i++) {
        const struct mm_migration *m = &mm_migrations[i];
        char pragma[64], now[21];
        sqlite3_stmt *s = NULL;

        if (applied(st, m->version))
            continue;
        if ((rc = mm_store_begin(st, err)) != MM_OK)
            break;
        rc = mm_store_exec(st, m->sql, err);
        if (rc == MM_OK) {
            mm_now_iso(now);
            rc = mm_store_prepare(st, "INSERT INTO schema_migration VALUES (?, ?, ?)", &s, err);
            if (rc == MM_OK) {
                sqlite3_bind_int(s, 1, m->version);
                mm_bind_text(s, 2, m->name);
                mm_bind_text(s, 3, now);
                if (sqlite3_step(s) != SQLITE_DONE)
                    rc = mm_store_error(st, err, "recording a migration");
            }
            sqlite3_finalize(s);
        }
        if (rc == MM_OK && m->version > user_version(st)) {
            snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", m->version);
            rc = mm_store_exec(st, pragma, err);
        }
        if (rc == MM_OK)
            rc = mm_store_commit(st, err);
        else
            mm_store_rollback(st);
    }
    return rc;
}

mm_rc mm_store_open(const char *path, int flags, mm_store **out, mm_error *err)
{
    mm_store *st = NULL;
    int oflags, fd;
    mm_rc rc = MM_OK;

    *out = NULL;
    if (access(path, F_OK) != 0) {
        if (!(flags & MM_STORE_CREATE))
            return mm_error_set(err, MM_ERR_NOTFOUND, path, 0, 0,
                                "データベースがありません (store not found; run `mamori init "
                                "DIR` first)");
        /* Create the file with 0600 before SQLite opens it. */
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            return mm_error_set(err, MM_ERR_IO, path, 0, 0,
                                "データベースを作成できません (cannot create store: %s)",
                                strerror(errno));
        close(fd);
    }
    st = mm_xcalloc(1, sizeof(*st));
    st->path = mm_xstrdup(path);
    oflags = (flags & MM_STORE_READONLY) ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (sqlite3_open_v2(path, &st->db, oflags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        rc = mm_store_error(st, err, "opening");
        goto out;
    }
    sqlite3_busy_timeout(st->db, 10000);
    sqlite3_extended_result_codes(st->db, 1);
    /* A file that is not a SQLite database fails here with a clear message (before the
     * pragmas below, which would fail first with SQLite's terse "file is not a database"). */
    if (user_version(st) < 0) {
        rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                          "Mamori のデータベースではありません (not a SQLite database)");
        goto out;
    }
    if (!(flags & MM_STORE_READONLY)) {
        rc = mm_store_exec(st, "PRAGMA journal_mode = WAL", err);
        if (rc != MM_OK)
            goto out;
    }
    rc = mm_store_exec(st, "PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL", err);
    if (rc != MM_OK)
        goto out;
    if (!(flags & MM_STORE_READONLY) && (rc = migrate(st, err)) != MM_OK)
        goto out;
    *out = st;
    st = NULL;
out:
    mm_store_close(&st);
    return rc;
}

void mm_store_close(mm_store **pst)
{
    mm_store *st;

    if (!pst || !*pst)
        return;
    st = *pst;
    if (st->in_tx)
        mm_store_rollback(st);
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
    *pst = NULL;
}

sqlite3 *mm_store_db(mm_store *st)
{
    return st->db;
}

const char *mm_store_path(const mm_store *st)
{
    return st->path;
}

mm_rc mm_store_begin(mm_store *st, mm_error *err)
{
    if (st->in_tx)
        return mm_error_set(err, MM_ERR_INVALID, st->path, 0, 0,
                            "internal error: nested transaction");
    if (mm_store_exec(st, "BEGIN IMMEDIATE", err) != MM_OK)
        return MM_ERR_IO;
    st->in_tx = 1;
    return MM_OK;
}

mm_rc mm_store_commit(mm_store *st, mm_error *err)
{
    mm_rc rc = mm_store_exec(st, "COMMIT", err);
    if (rc != MM_OK) {
        mm_store_rollback(st);
        return rc;
    }
    st->in_tx = 0;
    return MM_OK;
}

void mm_store_rollback(mm_store *st)
{
    if (!st->in_tx)
        return;
    sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
    st->in_tx = 0;
}

mm_rc mm_store_meta_get(mm_store *st, const char *key, char **value, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(st, "SELECT value FROM meta WHERE key = ?", &s, err);
    int r;

    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, key);
    r = sqlite3_step(s);
    if (r == SQLITE_ROW)
        *value = mm_xstrdup(mm_col_text(s, 0));
    else if (r == SQLITE_DONE)
        rc = MM_ERR_NOTFOUND;
    else
        rc = mm_store_error(st, err, "reading meta");
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_store_meta_set(mm_store *st, const char *key, const char *value, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(
        st,
        "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
        "excluded.value",
        &s, err);

    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, key);
    mm_bind_text(s, 2, value);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mm_store_error(st, err, "writing meta");
    sqlite3_finalize(s);
    return rc;
}

/*
 * The embedded store: one SQLite file per facility (WAL, foreign keys on, mode 0600), its
 * numbered migrations, and transactions. One writer at a time (BEGIN IMMEDIATE with a busy
 * timeout), any number of readers.
 *
 * Ownership: mm_store_open hands back a handle the caller frees with mm_store_close, which
 * accepts NULL and clears the caller's pointer. The sqlite3 * from mm_store_db belongs to the
 * store; do not close it.
 */
#ifndef MM_STORE_H
#define MM_STORE_H

#include <sqlite3.h>

#include "base.h"

typedef struct mm_store mm_store;

enum {
    MM_STORE_CREATE = 1 << 0, /* create the file when it does not exist */
    MM_STORE_READONLY = 1 << 1,
};

/* Opens (and migrates) the store at path. MM_ERR_NOTFOUND when it does not exist and
 * MM_STORE_CREATE is not given. OUT: *out. */
mm_rc mm_store_open(const char *path, int flags, mm_store **out, mm_error *err);
void mm_store_close(mm_store **st);

sqlite3 *mm_store_db(mm_store *st);
const char *mm_store_path(const mm_store *st);

/* The schema version the file is at, and the newest this build knows. */
int mm_store_schema_version(mm_store *st);
int mm_store_schema_latest(void);

/* Transactions. begin takes the write lock at once (BEGIN IMMEDIATE). */
mm_rc mm_store_begin(mm_store *st, mm_error *err);
mm_rc mm_store_commit(mm_store *st, mm_error *err);
void mm_store_rollback(mm_store *st);

/* Runs SQL without results. */
mm_rc mm_store_exec(mm_store *st, const char *sql, mm_error *err);

/* Prepares a statement; on failure fills err with SQLite's message. OUT: *stmt. */
mm_rc mm_store_prepare(mm_store *st, const char *sql, sqlite3_stmt **stmt, mm_error *err);

/* Sets err from the connection's last error. Returns MM_ERR_IO. */
mm_rc mm_store_error(mm_store *st, mm_error *err, const char *what);

/* meta key/value table. get: OUT *value malloc'd (caller frees), MM_ERR_NOTFOUND if unset. */
mm_rc mm_store_meta_get(mm_store *st, const char *key, char **value, mm_error *err);
mm_rc mm_store_meta_set(mm_store *st, const char *key, const char *value, mm_error *err);

/* Binds text or NULL when s is NULL. */
int mm_bind_text(sqlite3_stmt *stmt, int idx, const char *s);
/* Column text as "" when NULL. */
const char *mm_col_text(sqlite3_stmt *stmt, int idx);

#endif

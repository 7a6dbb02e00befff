/*
 * Login throttling, per account name and per source address: a key that fails `limit` times
 * within MM_THROTTLE_WINDOW seconds is locked for MM_THROTTLE_LOCK seconds. Names are counted
 * whether or not the account exists, so the lock reveals nothing. Kept in the store so a
 * restart does not reset it.
 */
#include "web_int.h"

mm_rc mm_throttle_check(mm_store *st, const char *key, long *retry_after, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    long now = mm_now_unix(), until = 0;
    mm_rc rc = mm_store_prepare(st, "SELECT locked_until FROM web_throttle WHERE key = ?", &q, err);

    *retry_after = 0;
    if (rc != MM_OK)
        return rc;
    mm_bind_text(q, 1, key);
    if (sqlite3_step(q) == SQLITE_ROW)
        until = (long)sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    if (until > now) {
        *retry_after = until - now;
        return mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0,
                            "ログインの失敗が続いたため、しばらくログインできません。%ld 秒後に"
                            "やり直してください (too many failed logins; retry in %ld s)",
                            until - now, until - now);
    }
    return MM_OK;
}

mm_rc mm_throttle_fail(mm_store *st, const char *key, int limit, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    long now = mm_now_unix();
    /* A new window starts when the old one is over; the lock is set on reaching the limit. */
    mm_rc rc = mm_store_prepare(
        st,
        "INSERT INTO web_throttle(key, failures, window_start, locked_until) VALUES (?1, 1, ?2, "
        "CASE WHEN ?3 <= 1 THEN ?2 + ?5 ELSE 0 END) "
        "ON CONFLICT(key) DO UPDATE SET "
        "failures = CASE WHEN window_start < ?2 - ?4 THEN 1 ELSE failures + 1 END, "
        "window_start = CASE WHEN window_start < ?2 - ?4 THEN ?2 ELSE window_start END, "
        "locked_until = CASE WHEN (CASE WHEN window_start < ?2 - ?4 THEN 1 ELSE failures + 1 END) "
        ">= ?3 THEN ?2 + ?5 ELSE locked_until END",
        &q, err);

    if (rc != MM_OK)
        return rc;
    mm_bind_text(q, 1, key);
    sqlite3_bind_int64(q, 2, now);
    sqlite3_bind_int(q, 3, limit);
    sqlite3_bind_int(q, 4, MM_THROTTLE_WINDOW);
    sqlite3_bind_int(q, 5, MM_THROTTLE_LOCK);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(st, err, "counting a failed login");
    sqlite3_finalize(q);
    q = NULL;
    /* Forget keys whose window and lock are both over, so guessed names do not pile up. */
    if (rc == MM_OK && mm_store_prepare(st,
                                        "DELETE FROM web_throttle WHERE locked_until < ?1 "
                                        "AND window_start < ?1 - ?2",
                                        &q, NULL) == MM_OK) {
        sqlite3_bind_int64(q, 1, now);
        sqlite3_bind_int(q, 2, MM_THROTTLE_WINDOW);
        sqlite3_step(q);
        sqlite3_finalize(q);
    }
    return rc;
}

mm_rc mm_throttle_clear(mm_store *st, const char *key, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(st, "DELETE FROM web_throttle WHERE key = ?", &q, err);

    if (rc != MM_OK)
        return rc;
    mm_bind_text(q, 1, key);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(st, err, "clearing a throttle");
    sqlite3_finalize(q);
    return rc;
}

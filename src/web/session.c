/*
 * Sessions: a random 256-bit ID in the cookie, only its BLAKE2b hash in the store (a copy of
 * the database does not hand out sessions), a CSRF token per session, an idle and an absolute
 * timeout. last_seen is written at most every few seconds so reads stay reads.
 */
#include "web_int.h"

mm_rc mm_session_create(mm_web *w, const mm_web_user *u, int enrol_only, const char *addr,
                        char id_out[65], mm_session *s, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    long now = mm_now_unix();
    mm_rc rc;

    memset(s, 0, sizeof(*s));
    mm_random_hex(id_out, 32);
    mm_hash_hex(id_out, s->id_hash);
    mm_random_hex(s->csrf, 32);
    s->created = s->last_seen = now;
    s->enrol_only = enrol_only;
    /* Sessions that timed out are swept here, at login, rather than by a timer. */
    if ((rc = mm_store_prepare(w->st, "DELETE FROM web_session WHERE last_seen < ? OR created < ?",
                               &q, err)) != MM_OK)
        return rc;
    sqlite3_bind_int64(q, 1, now - w->cfg.session_idle);
    sqlite3_bind_int64(q, 2, now - w->cfg.session_max);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(w->st, err, "sweeping sessions");
    sqlite3_finalize(q);
    q = NULL;
    if (rc != MM_OK)
        return rc;
    if ((rc = mm_store_prepare(w->st,
                               "INSERT INTO web_session(id_hash, user_id, csrf, created, "
                               "last_seen, addr, enrol_only) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               &q, err)) != MM_OK)
        return rc;
    mm_bind_text(q, 1, s->id_hash);
    sqlite3_bind_int64(q, 2, u->id);
    mm_bind_text(q, 3, s->csrf);
    sqlite3_bind_int64(q, 4, now);
    sqlite3_bind_int64(q, 5, now);
    mm_bind_text(q, 6, addr);
    sqlite3_bind_int(q, 7, enrol_only);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(w->st, err, "creating a session");
    sqlite3_finalize(q);
    return rc;
}

mm_rc mm_session_lookup(mm_web *w, const char *id, mm_session *s, mm_web_user *u, mm_error *err)
{
    sqlite3_stmt *q;
    long now = mm_now_unix();
    int found = 0, disabled = 0;
    mm_rc rc;

    memset(s, 0, sizeof(*s));
    memset(u, 0, sizeof(*u));
    if (!id || strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)
        return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0, "no session");
    mm_hash_hex(id, s->id_hash);
    /* The session and its user in one statement, prepared once: this runs on every request. */
    if (!w->q_session &&
        (rc = mm_store_prepare(w->st,
                               "SELECT s.user_id, s.csrf, s.created, s.last_seen, s.enrol_only, "
                               "u.disabled, u.name, u.role, coalesce(v.name, ''), "
                               "u.totp_secret IS NOT NULL, u.created_at FROM web_session s "
                               "JOIN web_user u ON u.id = s.user_id LEFT JOIN vendor v ON "
                               "v.id = u.vendor_id WHERE s.id_hash = ?",
                               &w->q_session, err)) != MM_OK)
        return rc;
    q = w->q_session;
    mm_bind_text(q, 1, s->id_hash);
    if (sqlite3_step(q) == SQLITE_ROW) {
        mm_role role = MM_ROLE_VIEWER;
        found = 1;
        u->id = (long)sqlite3_column_int64(q, 0);
        mm_strlcpy(s->csrf, mm_col_text(q, 1), sizeof(s->csrf));
        s->created = (long)sqlite3_column_int64(q, 2);
        s->last_seen = (long)sqlite3_column_int64(q, 3);
        s->enrol_only = sqlite3_column_int(q, 4);
        disabled = sqlite3_column_int(q, 5);
        mm_strlcpy(u->name, mm_col_text(q, 6), sizeof(u->name));
        if (mm_role_parse(mm_col_text(q, 7), &role) == MM_OK)
            u->role = role;
        else
            found = 0; /* the CHECK constraint makes this unreachable */
        mm_strlcpy(u->vendor, mm_col_text(q, 8), sizeof(u->vendor));
        u->totp = sqlite3_column_int(q, 9);
        mm_strlcpy(u->created_at, mm_col_text(q, 10), sizeof(u->created_at));
        u->disabled = disabled;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (!found)
        return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0, "no session");
    if (disabled || now - s->last_seen > w->cfg.session_idle ||
        now - s->created > w->cfg.session_max) {
        mm_session_delete(w, s->id_hash, NULL);
        return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0, "session expired");
    }
    /* Touch at most every idle/30 seconds (at least every second). */
    if (now - s->last_seen >= (w->cfg.session_idle >= 60 ? w->cfg.session_idle / 30 : 1)) {
        sqlite3_stmt *t = NULL;
        if (mm_store_prepare(w->st, "UPDATE web_session SET last_seen = ? WHERE id_hash = ?", &t,
                             err) == MM_OK) {
            sqlite3_bind_int64(t, 1, now);
            mm_bind_text(t, 2, s->id_hash);
            sqlite3_step(t);
            sqlite3_finalize(t);
        }
        s->last_seen = now;
    }
    return MM_OK;
}

mm_rc mm_session_delete(mm_web *w, const char *id_hash, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(w->st, "DELETE FROM web_session WHERE id_hash = ?", &q, err);

    if (rc != MM_OK)
        return rc;
    mm_bind_text(q, 1, id_hash);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(w->st, err, "ending a session");
    sqlite3_finalize(q);
    return rc;
}

mm_rc mm_session_delete_user(mm_store *st, long user_id, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(st, "DELETE FROM web_session WHERE user_id = ?", &q, err);

    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(q, 1, user_id);
    if (sqlite3_step(q) != SQLITE_DONE)
        rc = mm_store_error(st, err, "ending sessions");
    sqlite3_finalize(q);
    return rc;
}

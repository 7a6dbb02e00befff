/*
 * The bookkeeping every evidence import shares: the `import` row and its audit entry.
 */
#include <sodium.h>

#include "audit.h"
#include "buf.h"
#include "date.h"
#include "evidence.h"

mm_rc mm_evidence_import_begin(mm_store *st, const char *kind, const char *file, const void *data,
                               size_t len, const char *actor, long *import_id, mm_error *err)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[crypto_hash_sha256_BYTES * 2 + 1], now[21], entity[64];
    sqlite3_stmt *s = NULL;
    mm_buf after;
    mm_rc rc;

    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "libsodium failed to initialise");
    crypto_hash_sha256(digest, data, len);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    mm_now_iso(now);
    rc = mm_store_prepare(st,
                          "INSERT INTO import(kind, file, sha256, rows, at, actor) VALUES (?, ?, "
                          "?, 0, ?, ?)",
                          &s, err);
    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, kind);
    mm_bind_text(s, 2, file);
    mm_bind_text(s, 3, hex);
    mm_bind_text(s, 4, now);
    mm_bind_text(s, 5, actor);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mm_store_error(st, err, "recording the import");
    sqlite3_finalize(s);
    if (rc != MM_OK)
        return rc;
    *import_id = (long)sqlite3_last_insert_rowid(mm_store_db(st));
    mm_buf_init(&after, 0);
    mm_buf_addf(&after, "{\"kind\":");
    mm_buf_add_json_str(&after, kind);
    mm_buf_adds(&after, ",\"file\":");
    mm_buf_add_json_str(&after, file);
    mm_buf_addf(&after, ",\"sha256\":\"%s\"}", hex);
    snprintf(entity, sizeof(entity), "import:%ld", *import_id);
    rc = mm_audit_append(st, actor, "evidence.import", entity, NULL, mm_buf_str(&after), NULL, err);
    mm_buf_release(&after);
    return rc;
}

mm_rc mm_evidence_import_finish(mm_store *st, long import_id, long rows, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(st, "UPDATE import SET rows = ? WHERE id = ?", &s, err);

    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, rows);
    sqlite3_bind_int64(s, 2, import_id);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mm_store_error(st, err, "recording the import");
    sqlite3_finalize(s);
    return rc;
}

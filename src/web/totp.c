/*
 * TOTP second factor (RFC 6238: HMAC-SHA-1, 6 digits, 30-second steps) through liboath, with
 * replay protection (a code's time step must be newer than the last one accepted), enrolment
 * in two steps for the web (a pending secret becomes active once a code for it is shown) and
 * at once for the CLI, and the enrolment QR code drawn with libqrencode as SVG or text.
 */
#include <liboath/oath.h>
#include <pthread.h>
#include <qrencode.h>
#include <sodium.h>
#include <time.h>

#include "audit.h"
#include "web_int.h"

#define TOTP_SECRET_BYTES 20
#define TOTP_STEP 30
#define TOTP_WINDOW 1 /* one step either side, for clocks that drift */

static void oath_once(void)
{
    oath_init();
}

static void totp_init(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, oath_once);
}

/* Builds base32 and the otpauth:// URI of a raw secret. */
static mm_rc secret_strings(const char *name, const unsigned char *raw, size_t n, char **base32,
                            char **uri, mm_error *err)
{
    char *b32 = NULL;
    size_t b32len = 0;
    mm_buf u;

    totp_init();
    if (oath_base32_encode((const char *)raw, n, &b32, &b32len) != OATH_OK)
        return mm_error_set(err, MM_ERR_NOMEM, NULL, 0, 0, "base32 encoding failed");
    mm_buf_init(&u, 4096);
    mm_buf_addf(&u, "otpauth://totp/Mamori:%s?secret=", name); /* names are URL-safe */
    for (size_t i = 0; i < b32len; i++)
        if (b32[i] != '=')
            mm_buf_addc(&u, b32[i]);
    mm_buf_adds(&u, "&issuer=Mamori&algorithm=SHA1&digits=6&period=30");
    *base32 = b32;
    if (uri)
        *uri = mm_buf_detach(&u, NULL);
    mm_buf_release(&u);
    return MM_OK;
}

static mm_rc set_column(mm_store *st, const char *name, const char *sql, const char *value,
                        const char *actor, const char *action, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char entity[256];
    mm_rc rc;
    int tx = 0;

    if ((rc = mm_store_begin(st, err)) != MM_OK)
        return rc;
    tx = 1;
    if ((rc = mm_store_prepare(st, sql, &s, err)) != MM_OK)
        goto out;
    mm_bind_text(s, 1, value);
    mm_bind_text(s, 2, name);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "storing TOTP");
        goto out;
    }
    if (sqlite3_changes(mm_store_db(st)) != 1) {
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0, "利用者 %s はいません (no such user)",
                          name);
        goto out;
    }
    if (action) {
        mm_snprintf(entity, sizeof(entity), "user:%s", name);
        if ((rc = mm_audit_append(st, actor, action, entity, NULL, "{\"totp\":true}", NULL, err)) !=
            MM_OK)
            goto out;
    }
    rc = mm_store_commit(st, err);
    tx = rc != MM_OK;
out:
    sqlite3_finalize(s);
    if (tx)
        mm_store_rollback(st);
    return rc;
}

static mm_rc new_secret(mm_store *st, const char *name, const char *sql, const char *actor,
                        const char *action, char **base32, char **uri, mm_error *err)
{
    unsigned char raw[TOTP_SECRET_BYTES];
    char hex[2 * TOTP_SECRET_BYTES + 1], sealed[256];
    unsigned char key[32];
    mm_rc rc;

    *base32 = NULL;
    if (uri)
        *uri = NULL;
    if (sodium_init() < 0)
        abort();
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(hex, sizeof(hex), raw, sizeof(raw));
    /* Only the sealed form is stored. */
    if ((rc = mm_web_seal_key(st, 1, key, err)) == MM_OK &&
        (rc = mm_web_seal(key, name, hex, sealed, sizeof(sealed), err)) == MM_OK)
        rc = set_column(st, name, sql, sealed, actor, action, err);
    if (rc == MM_OK)
        rc = secret_strings(name, raw, sizeof(raw), base32, uri, err);
    sodium_memzero(raw, sizeof(raw));
    sodium_memzero(hex, sizeof(hex));
    sodium_memzero(key, sizeof(key));
    return rc;
}

mm_rc mm_web_totp_enrol_begin(mm_store *st, const char *name, char **base32, char **uri,
                              mm_error *err)
{
    return new_secret(st, name, "UPDATE web_user SET totp_pending = ? WHERE name = ?", NULL, NULL,
                      base32, uri, err);
}

mm_rc mm_web_totp_enrol_now(mm_store *st, const char *name, const char *actor, char **base32,
                            char **uri, mm_error *err)
{
    return new_secret(st, name,
                      "UPDATE web_user SET totp_secret = ?, totp_pending = NULL, totp_last = 0 "
                      "WHERE name = ?",
                      actor, "user.totp", base32, uri, err);
}

mm_rc mm_web_totp_reset(mm_store *st, const char *name, const char *actor, mm_error *err)
{
    return set_column(st, name,
                      "UPDATE web_user SET totp_secret = ?, totp_pending = NULL, totp_last = 0 "
                      "WHERE name = ?",
                      NULL, actor, "user.totp_reset", err);
}

/* Validates code against a hex secret. OUT: *counter, the time step it belongs to. */
static mm_rc totp_validate(const char *secret_hex, const char *code, uint64_t *counter)
{
    unsigned char raw[64];
    size_t n = 0;
    int pos = 0, r;

    totp_init();
    if (strlen(code) != 6 || strspn(code, "0123456789") != 6)
        return MM_ERR_DENIED;
    if (sodium_hex2bin(raw, sizeof(raw), secret_hex, strlen(secret_hex), NULL, &n, NULL) != 0)
        return MM_ERR_DENIED;
    r = oath_totp_validate4((const char *)raw, n, time(NULL), TOTP_STEP, 0, TOTP_WINDOW, &pos,
                            counter, 0, code);
    sodium_memzero(raw, sizeof(raw));
    return r >= 0 ? MM_OK : MM_ERR_DENIED;
}

/* Accepts code when valid and newer than the last accepted one, and records its step. */
mm_rc mm_web_totp_check(mm_store *st, long user_id, const char *secret_hex, const char *code,
                        mm_error *err)
{
    sqlite3_stmt *s = NULL;
    uint64_t counter = 0;
    mm_rc rc;

    if (totp_validate(secret_hex, code, &counter) != MM_OK)
        return mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0, "確認コードが違います (wrong code)");
    /* One statement: only a step newer than the last accepted one is taken (no replay). */
    if ((rc = mm_store_prepare(st,
                               "UPDATE web_user SET totp_last = ? WHERE id = ? AND "
                               "totp_last < ?",
                               &s, err)) != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, (sqlite3_int64)counter);
    sqlite3_bind_int64(s, 2, user_id);
    sqlite3_bind_int64(s, 3, (sqlite3_int64)counter);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mm_store_error(st, err, "recording a TOTP step");
    else if (sqlite3_changes(mm_store_db(st)) != 1)
        rc = mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0,
                          "この確認コードは使用済みです (code already used)");
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_web_totp_enrol_confirm(mm_store *st, const char *name, const char *code, const char *actor,
                                mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char stored[256] = "", pending[256] = "";
    uint64_t counter = 0;
    long id = 0;
    mm_rc rc;

    if ((rc = mm_store_prepare(st,
                               "SELECT id, coalesce(totp_pending, '') FROM web_user WHERE "
                               "name = ?",
                               &s, err)) != MM_OK)
        return rc;
    mm_bind_text(s, 1, name);
    if (sqlite3_step(s) == SQLITE_ROW) {
        id = (long)sqlite3_column_int64(s, 0);
        mm_strlcpy(stored, mm_col_text(s, 1), sizeof(stored));
    }
    sqlite3_finalize(s);
    s = NULL;
    if ((rc = mm_web_totp_open(st, name, stored, pending, sizeof(pending), err)) != MM_OK)
        return rc;
    if (!pending[0])
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "登録中の確認コードがありません。最初からやり直してください "
                            "(no enrolment in progress)");
    if (totp_validate(pending, code ? code : "", &counter) != MM_OK) {
        sodium_memzero(pending, sizeof(pending));
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "確認コードが違います。認証アプリの6桁を入力してください "
                            "(wrong code: enter the 6 digits from the app)");
    }
    {
        char step[32];
        /* The confirming code's step is recorded: it may not be used again to log in. */
        mm_snprintf(step, sizeof(step), "%llu", (unsigned long long)counter);
        rc = set_column(st, name,
                        "UPDATE web_user SET totp_secret = totp_pending, totp_pending = NULL, "
                        "totp_last = CAST(? AS INTEGER) WHERE name = ?",
                        step, actor, "user.totp", err);
    }
    (void)id;
    sodium_memzero(pending, sizeof(pending));
    return rc;
}

char *mm_web_qr_svg(const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int quiet = 4, w;
    mm_buf b;

    if (!q)
        return NULL;
    w = q->width;
    mm_buf_init(&b, 0);
    mm_buf_addf(&b,
                "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" "
                "fill=\"#fff\"/><path fill=\"#000\" d=\"",
                w + 2 * quiet, w + 2 * quiet, w + 2 * quiet, w + 2 * quiet);
    for (int y = 0; y < w; y++)
        for (int x = 0; x < w; x++)
            if (q->data[y * w + x] & 1)
                mm_buf_addf(&b, "M%d %dh1v1h-1z", x + quiet, y + quiet);
    mm_buf_adds(&b, "\"/></svg>");
    QRcode_free(q);
    return mm_buf_detach(&b, NULL);
}

char *mm_web_qr_text(const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    int quiet = 2, w;
    mm_buf b;

    if (!q)
        return NULL;
    w = q->width;
    mm_buf_init(&b, 0);
    /* Two rows per line: upper half block, lower half block, full block, space; dark modules
     * are drawn as spaces on a light terminal background inverted, so draw light as blocks. */
    for (int y = -quiet; y < w + quiet; y += 2) {
        for (int x = -quiet; x < w + quiet; x++) {
            int top = y >= 0 && y < w && x >= 0 && x < w && (q->data[y * w + x] & 1);
            int bot = y + 1 >= 0 && y + 1 < w && x >= 0 && x < w && (q->data[(y + 1) * w + x] & 1);
            mm_buf_adds(&b, top && bot ? " " : top ? "▄" : bot ? "▀" : "█");
        }
        mm_buf_addc(&b, '\n');
    }
    QRcode_free(q);
    return mm_buf_detach(&b, NULL);
}

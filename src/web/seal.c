/*
 * TOTP secrets sealed at rest: the store keeps only XChaCha20-Poly1305 ciphertexts (libsodium
 * AEAD, the user name as associated data, so a sealed secret copied onto another user does not
 * open), under a 256-bit key kept outside the database in WORKSPACE/secrets/totp.key (mode
 * 0600, created on first use). A copy of the database alone therefore does not give away the
 * second factor. Secrets stored in clear by older versions are sealed by mm_web_totp_migrate.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "web_int.h"

#define KEY_BYTES crypto_aead_xchacha20poly1305_ietf_KEYBYTES
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define SECRET_MAX 64 /* raw secret bytes */

/* The key file next to the database: DIR/secrets/totp.key. OUT: dir_out, path_out. */
static mm_rc key_paths(mm_store *st, char *dir_out, size_t dlen, char *path_out, size_t plen,
                       mm_error *err)
{
    char db[4096], *ws;

    mm_strlcpy(db, mm_store_path(st), sizeof(db));
    ws = dirname(db);
    if (mm_path_join(dir_out, dlen, ws, "secrets") != MM_OK ||
        mm_path_join(path_out, plen, dir_out, "totp.key") != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "workspace path too long");
    return MM_OK;
}

/* 1 when some TOTP secret in the store is already sealed. */
static int any_sealed(mm_store *st)
{
    sqlite3_stmt *s = NULL;
    int found = 0;

    if (mm_store_prepare(st,
                         "SELECT 1 FROM web_user WHERE totp_secret LIKE 'x1:%' OR "
                         "totp_pending LIKE 'x1:%' LIMIT 1",
                         &s, NULL) != MM_OK)
        return 1; /* cannot tell: do not create a key that might not match */
    found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

static mm_rc key_create(const char *dir, const char *path, unsigned char key[KEY_BYTES],
                        mm_error *err)
{
    char hex[2 * KEY_BYTES + 2];
    int fd;
    ssize_t n;
    mm_rc rc = MM_OK;

    if ((rc = mm_mkdir_p(dir, 0700, err)) != MM_OK)
        return rc;
    randombytes_buf(key, KEY_BYTES);
    sodium_bin2hex(hex, sizeof(hex), key, KEY_BYTES);
    hex[2 * KEY_BYTES] = '\n';
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return mm_error_set(err, MM_ERR_IO, path, 0, 0,
                            "TOTP の鍵を作れません (cannot create the TOTP key): %s",
                            strerror(errno));
    n = write(fd, hex, 2 * KEY_BYTES + 1);
    if (n != (ssize_t)(2 * KEY_BYTES + 1) || fsync(fd) != 0)
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0,
                          "TOTP の鍵を書けません (cannot write the TOTP key): %s", strerror(errno));
    if (close(fd) != 0 && rc == MM_OK)
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "TOTP の鍵を書けません: %s", strerror(errno));
    if (rc != MM_OK)
        unlink(path);
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

mm_rc mm_web_seal_key(mm_store *st, int create, unsigned char key[32], mm_error *err)
{
    char dir[4096], path[4096], *data = NULL;
    size_t len = 0, bin = 0;
    struct stat sb;
    mm_rc rc;

    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "libsodium could not start");
    if ((rc = key_paths(st, dir, sizeof(dir), path, sizeof(path), err)) != MM_OK)
        return rc;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT)
            return mm_error_set(err, MM_ERR_IO, path, 0, 0, "TOTP の鍵を読めません: %s",
                                strerror(errno));
        if (!create || any_sealed(st))
            return mm_error_set(err, MM_ERR_NOTFOUND, path, 0, 0,
                                "TOTP の鍵がありません。バックアップから secrets/totp.key を戻す"
                                "か、全員の二要素認証を登録し直してください (the TOTP key is "
                                "missing: restore secrets/totp.key from the backup, or reset and "
                                "re-enrol everyone's TOTP)");
        return key_create(dir, path, key, err);
    }
    if (!S_ISREG(sb.st_mode) || (sb.st_mode & 077))
        return mm_error_set(err, MM_ERR_DENIED, path, 0, 0,
                            "TOTP の鍵は所有者だけが読めるファイル（0600）にしてください "
                            "(the TOTP key must be a regular file of mode 0600)");
    if ((rc = mm_file_read(path, 1024, &data, &len, err)) != MM_OK)
        return rc;
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    if (len != 2 * KEY_BYTES || sodium_hex2bin(key, KEY_BYTES, data, len, NULL, &bin, NULL) != 0 ||
        bin != KEY_BYTES)
        rc = mm_error_set(err, MM_ERR_PARSE, path, 1, 1,
                          "TOTP の鍵は16進64文字の1行です (expected one line of 64 hex "
                          "digits)");
    sodium_memzero(data, len);
    free(data);
    return rc;
}

int mm_web_sealed(const char *stored)
{
    return stored && strncmp(stored, "x1:", 3) == 0;
}

mm_rc mm_web_seal(const unsigned char key[32], const char *name, const char *secret_hex, char *out,
                  size_t outsz, mm_error *err)
{
    unsigned char raw[SECRET_MAX], box[NONCE_BYTES + SECRET_MAX + TAG_BYTES];
    unsigned long long clen = 0;
    size_t n = 0;

    if (sodium_hex2bin(raw, sizeof(raw), secret_hex, strlen(secret_hex), NULL, &n, NULL) != 0 ||
        n == 0)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "TOTP secret is not hex");
    if (outsz < 3 + 2 * (NONCE_BYTES + n + TAG_BYTES) + 1) {
        sodium_memzero(raw, sizeof(raw));
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "internal: seal buffer too small");
    }
    randombytes_buf(box, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box + NONCE_BYTES, &clen, raw, n,
                                               (const unsigned char *)name, strlen(name), NULL, box,
                                               key);
    sodium_memzero(raw, sizeof(raw));
    memcpy(out, "x1:", 3);
    sodium_bin2hex(out + 3, outsz - 3, box, NONCE_BYTES + (size_t)clen);
    return MM_OK;
}

mm_rc mm_web_unseal(const unsigned char key[32], const char *name, const char *stored,
                    char *hex_out, size_t outsz, mm_error *err)
{
    unsigned char box[NONCE_BYTES + SECRET_MAX + TAG_BYTES], raw[SECRET_MAX];
    unsigned long long mlen = 0;
    size_t n = 0;
    mm_rc rc = MM_OK;

    if (!mm_web_sealed(stored) ||
        sodium_hex2bin(box, sizeof(box), stored + 3, strlen(stored + 3), NULL, &n, NULL) != 0 ||
        n <= NONCE_BYTES + TAG_BYTES)
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, 0,
                            "利用者 %s の TOTP の値が壊れています (user %s: malformed sealed TOTP "
                            "secret)",
                            name, name);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(raw, &mlen, NULL, box + NONCE_BYTES,
                                                   n - NONCE_BYTES, (const unsigned char *)name,
                                                   strlen(name), box, key) != 0)
        return mm_error_set(err, MM_ERR_DENIED, NULL, 0, 0,
                            "利用者 %s の TOTP を secrets/totp.key で開けません。鍵がこの"
                            "データベースのものではありません (the TOTP key does not open user "
                            "%s's secret: wrong secrets/totp.key for this database)",
                            name, name);
    if (outsz < 2 * mlen + 1)
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "internal: unseal buffer too small");
    else
        sodium_bin2hex(hex_out, outsz, raw, (size_t)mlen);
    sodium_memzero(raw, sizeof(raw));
    return rc;
}

mm_rc mm_web_totp_open(mm_store *st, const char *name, const char *stored, char *hex_out,
                       size_t outsz, mm_error *err)
{
    unsigned char key[KEY_BYTES];
    mm_rc rc;

    if (!stored[0] || !mm_web_sealed(stored)) { /* not enrolled, or clear from before sealing */
        if (strlen(stored) >= outsz)
            return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "TOTP secret too long");
        mm_strlcpy(hex_out, stored, outsz);
        return MM_OK;
    }
    if ((rc = mm_web_seal_key(st, 0, key, err)) == MM_OK)
        rc = mm_web_unseal(key, name, stored, hex_out, outsz, err);
    sodium_memzero(key, sizeof(key));
    return rc;
}

mm_rc mm_web_totp_migrate(mm_store *st, int *sealed_out, mm_error *err)
{
    static const char *const cols[] = {"totp_secret", "totp_pending"};
    unsigned char key[KEY_BYTES];
    sqlite3_stmt *s = NULL, *u = NULL;
    char sql[256], hex[2 * SECRET_MAX + 1], box[512];
    int tx = 0, have_key = 0, sealed = 0, step;
    mm_rc rc;

    if (sealed_out)
        *sealed_out = 0;
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        return rc;
    tx = 1;
    for (size_t c = 0; c < MM_ARRAY_LEN(cols); c++) {
        mm_snprintf(sql, sizeof(sql), "SELECT name, %s FROM web_user WHERE %s IS NOT NULL", cols[c],
                    cols[c]);
        if ((rc = mm_store_prepare(st, sql, &s, err)) != MM_OK)
            goto out;
        mm_snprintf(sql, sizeof(sql), "UPDATE web_user SET %s = ? WHERE name = ?", cols[c]);
        if ((rc = mm_store_prepare(st, sql, &u, err)) != MM_OK)
            goto out;
        while ((step = sqlite3_step(s)) == SQLITE_ROW) {
            const char *name = mm_col_text(s, 0), *v = mm_col_text(s, 1);
            if (!have_key) {
                if ((rc = mm_web_seal_key(st, !mm_web_sealed(v), key, err)) != MM_OK)
                    goto out;
                have_key = 1;
            }
            if (mm_web_sealed(v)) {
                /* Already sealed: check that the key opens it, so a wrong key is found now. */
                if ((rc = mm_web_unseal(key, name, v, hex, sizeof(hex), err)) != MM_OK)
                    goto out;
                continue;
            }
            if ((rc = mm_web_seal(key, name, v, box, sizeof(box), err)) != MM_OK)
                goto out;
            sqlite3_reset(u);
            mm_bind_text(u, 1, box);
            mm_bind_text(u, 2, name);
            if (sqlite3_step(u) != SQLITE_DONE) {
                rc = mm_store_error(st, err, "sealing a TOTP secret");
                goto out;
            }
            sealed++;
        }
        if (step != SQLITE_DONE) {
            rc = mm_store_error(st, err, "reading TOTP secrets");
            goto out;
        }
        sqlite3_finalize(s);
        sqlite3_finalize(u);
        s = u = NULL;
    }
    rc = mm_store_commit(st, err);
    tx = rc != MM_OK;
    if (rc == MM_OK && sealed_out)
        *sealed_out = sealed;
out:
    sqlite3_finalize(s);
    sqlite3_finalize(u);
    if (tx)
        mm_store_rollback(st);
    sodium_memzero(key, sizeof(key));
    sodium_memzero(hex, sizeof(hex));
    return rc;
}

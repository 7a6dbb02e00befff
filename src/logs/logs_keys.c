/*
 * The sealing key (Ed25519, libsodium) and the public key file a hospital keeps off the host,
 * the anchor in mamori.db that remembers the newest sealed segment, and the [logs] settings
 * of mamori.conf.
 */
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "logs_int.h"

#define KEY_FILE "signing.key"
#define PUB_TAG "mamori-logs-ed25519"

uint64_t mm_logkey_id(const uint8_t pk[32])
{
    uint8_t h[32];
    crypto_generichash(h, 32, pk, 32, NULL, 0);
    return mm_get_u64(h);
}

mm_rc mm_logkey_load(const char *logs_dir, int create, uint8_t sk[64], uint8_t pk[32], int *created,
                     mm_error *err)
{
    char path[4096];
    char *data = NULL;
    size_t len;
    mm_rc rc;

    if (created)
        *created = 0;
    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, "", 0, 0, "libsodium could not start");
    if (mm_path_join(path, sizeof(path), logs_dir, KEY_FILE) != MM_OK)
        return mm_error_set(err, MM_ERR_INVALID, logs_dir, 0, 0, "path too long");
    if (!mm_file_exists(path)) {
        char hex[129];
        char line[200];
        if (!create)
            return mm_error_set(err, MM_ERR_NOTFOUND, path, 0, 0,
                                "署名鍵がありません。`mamori logs keygen` で作ってください "
                                "(no signing key; run `mamori logs keygen`)");
        if ((rc = mm_mkdir_p(logs_dir, 0700, err)) != MM_OK)
            return rc;
        crypto_sign_keypair(pk, sk);
        mm_hex(sk, 64, hex);
        snprintf(line, sizeof(line), "mamori-logs-ed25519-secret %s\n", hex);
        sodium_memzero(hex, sizeof(hex));
        rc = mm_file_write_atomic(path, line, strlen(line), 0600, err);
        sodium_memzero(line, sizeof(line));
        if (rc == MM_OK && created)
            *created = 1;
        return rc;
    }
    if ((rc = mm_file_read(path, 4096, &data, &len, err)) != MM_OK)
        return rc;
    {
        const char *tag = "mamori-logs-ed25519-secret ";
        size_t tl = strlen(tag);
        if (len < tl + 128 || strncmp(data, tag, tl) != 0 || !mm_unhex(data + tl, sk, 64)) {
            rc = mm_error_set(err, MM_ERR_PARSE, path, 1, 1,
                              "署名鍵ファイルの形式が違います (not a Mamori log signing key)");
        } else {
            crypto_sign_ed25519_sk_to_pk(pk, sk);
        }
    }
    sodium_memzero(data, len);
    free(data);
    return rc;
}

mm_rc mm_logkey_write_public(const char *path, const uint8_t pk[32], mm_error *err)
{
    char hex[65], line[128];
    mm_hex(pk, 32, hex);
    snprintf(line, sizeof(line), "%s %s\n", PUB_TAG, hex);
    return mm_file_write_atomic(path, line, strlen(line), 0644, err);
}

mm_rc mm_logkey_read_public(const char *path, uint8_t pk[32], mm_error *err)
{
    char *data = NULL;
    size_t len, tl = strlen(PUB_TAG);
    mm_rc rc = mm_file_read(path, 4096, &data, &len, err);
    if (rc != MM_OK)
        return rc;
    if (len < tl + 1 + 64 || strncmp(data, PUB_TAG, tl) != 0 || data[tl] != ' ' ||
        !mm_unhex(data + tl + 1, pk, 32))
        rc =
            mm_error_set(err, MM_ERR_PARSE, path, 1, 1,
                         "検証鍵ファイルの形式が違います（`mamori logs keygen -o FILE` で書き出した"
                         "ファイルを指定してください） (not a Mamori log verification key)");
    free(data);
    return rc;
}

/* ---- anchor ----------------------------------------------------------------------------- */

mm_rc mm_logs_anchor_get(mm_store *st, mm_logs_anchor *a, mm_error *err)
{
    char *v = NULL;
    mm_rc rc;
    char seal[65] = "", pseal[65] = "";
    unsigned long long segno = 0, events = 0, pruned = 0;

    memset(a, 0, sizeof(*a));
    rc = mm_store_meta_get(st, "logs.head", &v, err);
    if (rc == MM_ERR_NOTFOUND) {
        mm_error_clear(err);
        return MM_OK;
    }
    if (rc != MM_OK)
        return rc;
    if (sscanf(v, "%llu %64s %llu %llu %64s", &segno, seal, &events, &pruned, pseal) != 5 ||
        !mm_unhex(seal, a->seal, 32) || !mm_unhex(pseal, a->pruned_seal, 32)) {
        free(v);
        return mm_error_set(err, MM_ERR_TAMPER, "mamori.db", 0, 0,
                            "ログ保管庫の記録 (meta logs.head) が壊れています "
                            "(the log store anchor in mamori.db is damaged)");
    }
    a->segno = segno;
    a->events = events;
    a->pruned_through = pruned;
    free(v);
    return MM_OK;
}

mm_rc mm_logs_anchor_set(mm_store *st, const mm_logs_anchor *a, mm_error *err)
{
    char seal[65], pseal[65], v[256];
    mm_hex(a->seal, 32, seal);
    mm_hex(a->pruned_seal, 32, pseal);
    snprintf(v, sizeof(v), "%llu %s %llu %llu %s", (unsigned long long)a->segno, seal,
             (unsigned long long)a->events, (unsigned long long)a->pruned_through, pseal);
    return mm_store_meta_set(st, "logs.head", v, err);
}

mm_rc mm_logs_verified_get(mm_store *st, mm_logs_verified *v, mm_error *err)
{
    char *s = NULL;
    long long at = 0;
    int ok = 0, key = 0;
    unsigned long long segs = 0, evs = 0, probs = 0;
    mm_rc rc;

    memset(v, 0, sizeof(*v));
    rc = mm_store_meta_get(st, "logs.verified", &s, err);
    if (rc == MM_ERR_NOTFOUND) {
        mm_error_clear(err);
        return MM_OK;
    }
    if (rc != MM_OK)
        return rc;
    if (sscanf(s, "%lld %d %d %llu %llu %llu", &at, &ok, &key, &segs, &evs, &probs) == 6) {
        v->at_ms = at;
        v->ok = ok;
        v->with_key = key;
        v->segments = segs;
        v->events = evs;
        v->problems = probs;
    }
    free(s);
    return MM_OK;
}

mm_rc mm_logs_verified_set(mm_store *st, const mm_logs_verified *v, mm_error *err)
{
    char s[160];
    snprintf(s, sizeof(s), "%lld %d %d %llu %llu %llu", (long long)v->at_ms, v->ok, v->with_key,
             (unsigned long long)v->segments, (unsigned long long)v->events,
             (unsigned long long)v->problems);
    return mm_store_meta_set(st, "logs.verified", s, err);
}

/* ---- [logs] settings -------------------------------------------------------------------- */

typedef struct conf_key {
    const char *name;
    long min, max;
    size_t offset; /* of an int field, or of segment_events (long) when is_long */
    int is_long;
} conf_key;

static const conf_key conf_keys[] = {
    {"retention_years", 1, 100, offsetof(mm_logs_conf, retention_years), 0},
    {"block_events", 16, 1 << 20, offsetof(mm_logs_conf, block_events), 0},
    {"segment_events", 16, 1L << 30, offsetof(mm_logs_conf, segment_events), 1},
    {"run_events", 16, 1 << 24, offsetof(mm_logs_conf, run_events), 0},
    {"zstd_level", 1, 19, offsetof(mm_logs_conf, zstd_level), 0},
    {"tz_offset_minutes", -720, 840, offsetof(mm_logs_conf, tz_offset_min), 0},
    {"capacity_alarm_days", 1, 3650, offsetof(mm_logs_conf, capacity_alarm_days), 0},
    {"recent_days", 1, 365, offsetof(mm_logs_conf, recent_days), 0},
    {"review_days", 1, 366, offsetof(mm_logs_conf, review_days), 0},
    {"alert_review_days", 1, 366, offsetof(mm_logs_conf, alert_review_days), 0},
};

typedef struct conf_state {
    mm_logs_conf *c;
    const char *bad;
} conf_state;

static int conf_handler(void *user, const char *section, const char *name, const char *value)
{
    conf_state *s = user;
    long v;
    if (strcmp(section, "logs") != 0 || !value[0])
        return 1;
    if (strcmp(name, "journal_sync") == 0) {
        if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
            s->c->journal_sync = 1;
        else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
            s->c->journal_sync = 0;
        else {
            s->bad = "journal_sync (true / false)";
            return 0;
        }
        return 1;
    }
    for (size_t i = 0; i < MM_ARRAY_LEN(conf_keys); i++) {
        const conf_key *k = &conf_keys[i];
        if (strcmp(k->name, name) != 0)
            continue;
        if (mm_parse_long(value, k->min, k->max, &v) != MM_OK) {
            s->bad = k->name;
            return 0;
        }
        if (k->is_long)
            *(long *)((char *)s->c + k->offset) = v;
        else
            *(int *)((char *)s->c + k->offset) = (int)v;
    }
    return 1;
}

mm_rc mm_logs_conf_load(const char *ws_dir, mm_logs_conf *c, mm_error *err)
{
    char path[4096];
    conf_state s = {c, NULL};
    int r;

    c->retention_years = 5;
    c->block_events = 4096;
    c->segment_events = 1048576;
    c->run_events = MM_LOGS_RUN_EVENTS;
    c->zstd_level = 3;
    c->tz_offset_min = 540;
    c->capacity_alarm_days = 90;
    c->recent_days = 7;
    c->review_days = 31;
    c->alert_review_days = 7;
    c->journal_sync = 0;
    if (!ws_dir || mm_path_join(path, sizeof(path), ws_dir, "mamori.conf") != MM_OK ||
        !mm_file_exists(path))
        return MM_OK;
    r = ini_parse(path, conf_handler, &s);
    if (r != 0)
        return mm_error_set(
            err, MM_ERR_PARSE, path, r > 0 ? r : 0, 0,
            "[logs] の設定が範囲外です: %s (a [logs] setting is out of range: "
            "retention_years 1-100, block_events 16-1048576, run_events 16-16777216, "
            "zstd_level 1-19, "
            "tz_offset_minutes -720..840)",
            s.bad ? s.bad : "?");
    return MM_OK;
}

mm_rc mm_logs_verify_recorded(const char *logs_dir, mm_store *st, const uint8_t pk[32],
                              int with_key, mm_logv_report *r, mm_error *err, mm_error *rec_err)
{
    mm_logs_anchor a;
    mm_rc rc = mm_logs_anchor_get(st, &a, err);

    if (rc != MM_OK)
        return rc;
    {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        rc = mm_logs_verify(logs_dir, pk, &a, r, err);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        r->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    }
    if (rc == MM_OK || rc == MM_ERR_TAMPER) {
        /* the evaluator reads this instead of re-reading years of logs */
        mm_logs_verified v = {mm_logs_now_ms(), rc == MM_OK, with_key,
                              r->segments,      r->events,   r->problems};
        mm_logs_verified_set(st, &v, rec_err);
    }
    return rc;
}

/*
 * The hash-chained audit trail. Each entry's hash is BLAKE2b-256 over the previous entry's
 * hash and the entry's own fields, each prefixed by its length so no two different entries
 * can serialise the same way. Verification walks the chain from the first entry, compares
 * the head kept in `meta`, and checks that every stored answer and the facility row match the
 * last audited value, so a change made behind Mamori's back (sqlite3 shell) is found.
 */
#include <limits.h>
#include <sodium.h>

#include "answer.h"
#include "audit.h"
#include "facility.h"

#define HASH_BYTES 32
#define HASH_HEX (HASH_BYTES * 2 + 1)
#define GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define MAX_REPORTED 50

static void feed(crypto_generichash_state *h, const char *s)
{
    unsigned char len[8];
    uint64_t n = s ? strlen(s) : UINT64_MAX; /* NULL differs from "" */

    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(h, len, sizeof(len));
    if (s)
        crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
}

static void entry_hash(long seq, const char *at, const char *actor, const char *action,
                       const char *entity, const char *before, const char *after, const char *prev,
                       char out[HASH_HEX])
{
    crypto_generichash_state h;
    unsigned char digest[HASH_BYTES];
    char seqs[32];

    snprintf(seqs, sizeof(seqs), "%ld", seq);
    crypto_generichash_init(&h, (const unsigned char *)"mamori.audit/1", 14, sizeof(digest));
    feed(&h, seqs);
    feed(&h, at);
    feed(&h, actor);
    feed(&h, action);
    feed(&h, entity);
    feed(&h, before);
    feed(&h, after);
    feed(&h, prev);
    crypto_generichash_final(&h, digest, sizeof(digest));
    sodium_bin2hex(out, HASH_HEX, digest, sizeof(digest));
}

mm_rc mm_audit_append(mm_store *st, const char *actor, const char *action, const char *entity,
                      const char *before, const char *after, long *seq_out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[HASH_HEX] = GENESIS, hash[HASH_HEX], now[21], head[96];
    long seq = 1;
    mm_rc rc;

    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "libsodium failed to initialise");
    rc = mm_store_prepare(st, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", &s, err);
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        seq = sqlite3_column_int64(s, 0) + 1;
        mm_strlcpy(prev, mm_col_text(s, 1), sizeof(prev));
    }
    sqlite3_finalize(s);
    s = NULL;
    mm_now_iso(now);
    entry_hash(seq, now, actor, action, entity, before, after, prev, hash);
    rc = mm_store_prepare(st,
                          "INSERT INTO audit(seq, at, actor, action, entity, before, after, "
                          "prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          &s, err);
    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, seq);
    mm_bind_text(s, 2, now);
    mm_bind_text(s, 3, actor);
    mm_bind_text(s, 4, action);
    mm_bind_text(s, 5, entity);
    mm_bind_text(s, 6, before);
    mm_bind_text(s, 7, after);
    mm_bind_text(s, 8, prev);
    mm_bind_text(s, 9, hash);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = mm_store_error(st, err, "writing the audit trail");
    sqlite3_finalize(s);
    if (rc == MM_OK) {
        snprintf(head, sizeof(head), "%ld:%s", seq, hash);
        rc = mm_store_meta_set(st, "audit_head", head, err);
    }
    if (rc == MM_OK && seq_out)
        *seq_out = seq;
    return rc;
}

void mm_audit_report_init(mm_audit_report *r)
{
    r->entries = 0;
    r->problems = 0;
    mm_buf_init(&r->text, 0);
}

void mm_audit_report_release(mm_audit_report *r)
{
    mm_buf_release(&r->text);
}

static void problem(mm_audit_report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(mm_audit_report *r, const char *fmt, ...)
{
    va_list ap;

    r->problems++;
    if (r->problems > MAX_REPORTED) {
        if (r->problems == MAX_REPORTED + 1)
            mm_buf_adds(&r->text, "…(以降の問題は省略 / further problems not listed)\n");
        return;
    }
    va_start(ap, fmt);
    mm_buf_vaddf(&r->text, fmt, ap);
    va_end(ap);
    mm_buf_addc(&r->text, '\n');
}

/* The audited value of an entity: the `after` of its newest entry. */
typedef struct last_after {
    char *entity;
    char *after;
    long seq;
} last_after;

static mm_rc walk_chain(mm_store *st, mm_audit_report *r, last_after **lasts, size_t *nlasts,
                        long *last_seq, char last_hash[HASH_HEX], mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char prev[HASH_HEX] = GENESIS, hash[HASH_HEX];
    long expect = 1;
    size_t cap = 0;
    int rcs;
    mm_rc rc = mm_store_prepare(st,
                                "SELECT seq, at, actor, action, entity, before, after, "
                                "prev_hash, hash FROM audit ORDER BY seq",
                                &s, err);

    if (rc != MM_OK)
        return rc;
    *last_seq = 0;
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        long seq = sqlite3_column_int64(s, 0);
        const char *at = mm_col_text(s, 1), *actor = mm_col_text(s, 2);
        const char *action = mm_col_text(s, 3), *entity = mm_col_text(s, 4);
        const char *before = (const char *)sqlite3_column_text(s, 5);
        const char *after = (const char *)sqlite3_column_text(s, 6);
        const char *stored_prev = mm_col_text(s, 7), *stored = mm_col_text(s, 8);

        r->entries++;
        if (seq != expect) {
            if (seq > expect)
                problem(r,
                        "監査記録 #%ld〜#%ld が削除されています (audit entries #%ld to #%ld are "
                        "missing: removed)",
                        expect, seq - 1, expect, seq - 1);
            else
                problem(r, "監査記録 #%ld の番号が不正です (entry #%ld out of sequence)", seq, seq);
        }
        entry_hash(seq, at, actor, action, entity, before, after, stored_prev, hash);
        if (strcmp(hash, stored) != 0)
            problem(r,
                    "監査記録 #%ld が改ざんされています (%s %s %s): 内容がハッシュと一致しません "
                    "(audit entry #%ld was edited: its contents do not match its hash)",
                    seq, at, action, entity, seq);
        else if (strcmp(stored_prev, prev) != 0 && seq == expect)
            problem(r,
                    "監査記録 #%ld の前のハッシュが一致しません: 記録の並べ替え・削除・改ざん "
                    "(audit entry #%ld does not chain to entry #%ld: entries were reordered, "
                    "removed or edited)",
                    seq, seq, seq - 1);
        mm_strlcpy(prev, stored, sizeof(prev));
        expect = seq + 1;
        *last_seq = seq;

        /* Remember the newest audited value of each entity. */
        {
            size_t i;
            for (i = 0; i < *nlasts; i++)
                if (strcmp((*lasts)[i].entity, entity) == 0)
                    break;
            if (i == *nlasts) {
                if (*nlasts == cap) {
                    cap = cap ? cap * 2 : 64;
                    *lasts = mm_xrealloc(*lasts, cap * sizeof(last_after));
                }
                (*lasts)[i].entity = mm_xstrdup(entity);
                (*lasts)[i].after = NULL;
                (*nlasts)++;
            }
            free((*lasts)[i].after);
            (*lasts)[i].after = after ? mm_xstrdup(after) : NULL;
            (*lasts)[i].seq = seq;
        }
    }
    if (rcs != SQLITE_DONE)
        rc = mm_store_error(st, err, "reading the audit trail");
    sqlite3_finalize(s);
    mm_strlcpy(last_hash, prev, HASH_HEX);
    return rc;
}

static const last_after *find_last(const last_after *l, size_t n, const char *entity)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i].entity, entity) == 0)
            return &l[i];
    return NULL;
}

static mm_rc check_answers(mm_store *st, mm_audit_report *r, const last_after *l, size_t n,
                           mm_error *err)
{
    sqlite3_stmt *s = NULL;
    int rcs;
    mm_rc rc = mm_store_prepare(
        st,
        "SELECT a.id, a.version, a.sheet, coalesce(v.name, ''), a.item_id, a.round, a.scope, "
        "a.value, a.checked_on, a.target_on, a.answerer, a.note, a.recorded_at "
        "FROM answer a LEFT JOIN vendor v ON v.id = a.vendor_id ORDER BY a.id",
        &s, err);

    if (rc != MM_OK)
        return rc;
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW) {
        mm_answer a;
        char entity[64], *json;
        const last_after *la;
        const char *target = (const char *)sqlite3_column_text(s, 9);

        memset(&a, 0, sizeof(a));
        a.id = sqlite3_column_int64(s, 0);
        a.version = sqlite3_column_int(s, 1);
        mm_sheet_parse(mm_col_text(s, 2), &a.sheet);
        mm_strlcpy(a.vendor, mm_col_text(s, 3), sizeof(a.vendor));
        mm_strlcpy(a.item_id, mm_col_text(s, 4), sizeof(a.item_id));
        a.round = sqlite3_column_int(s, 5);
        mm_scope_parse(mm_col_text(s, 6), &a.scope);
        mm_answer_value_parse(mm_col_text(s, 7), &a.value);
        mm_date_parse(mm_col_text(s, 8), &a.checked, NULL);
        if (target) {
            a.has_target = 1;
            mm_date_parse(target, &a.target, NULL);
        }
        mm_strlcpy(a.answerer, mm_col_text(s, 10), sizeof(a.answerer));
        a.note = (char *)mm_col_text(s, 11);
        mm_strlcpy(a.recorded_at, mm_col_text(s, 12), sizeof(a.recorded_at));
        snprintf(entity, sizeof(entity), "answer:%ld", a.id);
        la = find_last(l, n, entity);
        json = mm_answer_to_json(&a);
        if (!la)
            problem(
                r,
                "回答 #%ld (%s 項番 %s) は監査記録にありません: Mamori を通さずに追加されました "
                "(answer #%ld has no audit entry: it was added outside Mamori)",
                a.id, a.item_id, a.item_id, a.id);
        else if (!la->after || strcmp(la->after, json) != 0)
            problem(r,
                    "回答 #%ld (項番 %s) が監査記録 #%ld と一致しません: Mamori "
                    "を通さずに変更されました "
                    "(answer #%ld differs from audit entry #%ld: it was changed outside Mamori)",
                    a.id, a.item_id, la->seq, a.id, la->seq);
        free(json);
    }
    if (rcs != SQLITE_DONE)
        rc = mm_store_error(st, err, "reading answers");
    sqlite3_finalize(s);
    /* An audited answer whose row is gone was deleted behind Mamori's back. */
    for (size_t i = 0; rc == MM_OK && i < n; i++) {
        long id;
        sqlite3_stmt *q = NULL;
        if (strncmp(l[i].entity, "answer:", 7) != 0 ||
            mm_parse_long(l[i].entity + 7, 1, LONG_MAX, &id) != MM_OK)
            continue;
        rc = mm_store_prepare(st, "SELECT 1 FROM answer WHERE id = ?", &q, err);
        if (rc != MM_OK)
            break;
        sqlite3_bind_int64(q, 1, id);
        if (sqlite3_step(q) != SQLITE_ROW)
            problem(r,
                    "回答 #%ld が削除されています (監査記録 #%ld) (answer #%ld recorded in audit "
                    "entry #%ld has been deleted)",
                    id, l[i].seq, id, l[i].seq);
        sqlite3_finalize(q);
    }
    return rc;
}

mm_rc mm_audit_verify(mm_store *st, mm_audit_report *r, mm_error *err)
{
    last_after *lasts = NULL;
    size_t nlasts = 0;
    long last_seq = 0;
    char last_hash[HASH_HEX], *head = NULL;
    mm_rc rc;

    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "libsodium failed to initialise");
    rc = walk_chain(st, r, &lasts, &nlasts, &last_seq, last_hash, err);
    if (rc != MM_OK)
        goto out;
    rc = mm_store_meta_get(st, "audit_head", &head, err);
    if (rc == MM_ERR_NOTFOUND) {
        rc = MM_OK;
        if (last_seq > 0)
            problem(r, "監査記録の先頭情報がありません (the audit head record is missing)");
    } else if (rc == MM_OK) {
        char expect[96];
        long head_seq = 0;
        char *colon = strchr(head, ':');
        if (colon) {
            *colon = '\0';
            mm_parse_long(head, 0, LONG_MAX, &head_seq);
            *colon = ':';
        }
        snprintf(expect, sizeof(expect), "%ld:%s", last_seq, last_hash);
        if (strcmp(head, expect) != 0) {
            if (head_seq > last_seq)
                problem(r,
                        "監査記録 #%ld〜#%ld が末尾から削除されています (audit entries #%ld to "
                        "#%ld were cut off the end)",
                        last_seq + 1, head_seq, last_seq + 1, head_seq);
            else
                problem(r,
                        "最新の監査記録 #%ld が記録された先頭と一致しません (the newest entry #%ld "
                        "does not match the recorded head #%ld)",
                        last_seq, last_seq, head_seq);
        }
    } else {
        goto out;
    }
    rc = check_answers(st, r, lasts, nlasts, err);
    if (rc == MM_OK) {
        /* The facility row against its newest audited value. */
        const last_after *la = find_last(lasts, nlasts, "facility");
        mm_facility f;
        if ((rc = mm_facility_get(st, &f, err)) == MM_OK && la) {
            char *json = mm_facility_to_json(&f);
            if (!la->after || strcmp(la->after, json) != 0)
                problem(r,
                        "施設情報が監査記録 #%ld と一致しません (the facility record differs from "
                        "audit entry #%ld: changed outside Mamori)",
                        la->seq, la->seq);
            free(json);
        }
    }
    if (rc == MM_OK && r->problems > 0)
        rc = MM_ERR_TAMPER;
out:
    for (size_t i = 0; i < nlasts; i++) {
        free(lasts[i].entity);
        free(lasts[i].after);
    }
    free(lasts);
    free(head);
    return rc;
}

mm_rc mm_audit_list(mm_store *st, long limit, mm_buf *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    int rcs;
    mm_rc rc = mm_store_prepare(
        st,
        "SELECT seq, at, actor, action, entity, coalesce(after, before, '') FROM (SELECT * FROM "
        "audit ORDER BY seq DESC LIMIT ?) ORDER BY seq",
        &s, err);

    if (rc != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
    while ((rcs = sqlite3_step(s)) == SQLITE_ROW)
        mm_buf_addf(out, "#%lld\t%s\t%s\t%s\t%s\t%s\n", (long long)sqlite3_column_int64(s, 0),
                    mm_col_text(s, 1), mm_col_text(s, 2), mm_col_text(s, 3), mm_col_text(s, 4),
                    mm_col_text(s, 5));
    if (rcs != SQLITE_DONE)
        rc = mm_store_error(st, err, "reading the audit trail");
    sqlite3_finalize(s);
    return rc;
}

mm_rc mm_audit_head(mm_store *st, long *seq, char at[21], char hash[65], mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc =
        mm_store_prepare(st, "SELECT seq, at, hash FROM audit ORDER BY seq DESC LIMIT 1", &s, err);

    *seq = 0;
    at[0] = hash[0] = '\0';
    if (rc != MM_OK)
        return rc;
    if (sqlite3_step(s) == SQLITE_ROW) {
        *seq = (long)sqlite3_column_int64(s, 0);
        mm_strlcpy(at, mm_col_text(s, 1), 21);
        mm_strlcpy(hash, mm_col_text(s, 2), 65);
    }
    sqlite3_finalize(s);
    return MM_OK;
}

mm_rc mm_audit_check_anchor(mm_store *st, const char *anchor, mm_audit_report *r, mm_error *err)
{
    const char *colon = strchr(anchor, ':');
    char num[24], want[HASH_HEX];
    long seq;
    sqlite3_stmt *s = NULL;
    mm_rc rc;
    size_t hl;

    if (!colon || (size_t)(colon - anchor) >= sizeof(num))
        return mm_error_set(err, MM_ERR_USAGE, anchor, 0, 0,
                            "控えは 番号:ハッシュ の形です (an anchor is SEQ:HASH, as `mamori "
                            "audit head` prints it)");
    memcpy(num, anchor, (size_t)(colon - anchor));
    num[colon - anchor] = '\0';
    hl = strlen(colon + 1);
    if (mm_parse_long(num, 1, LONG_MAX, &seq) != MM_OK || hl != HASH_HEX - 1 ||
        strspn(colon + 1, "0123456789abcdef") != hl)
        return mm_error_set(err, MM_ERR_USAGE, anchor, 0, (long)(colon - anchor) + 2,
                            "控えは 番号:64桁の16進ハッシュ です (expected SEQ:64 hex digits)");
    memcpy(want, colon + 1, HASH_HEX);
    if ((rc = mm_store_prepare(st, "SELECT hash FROM audit WHERE seq = ?", &s, err)) != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, seq);
    if (sqlite3_step(s) != SQLITE_ROW)
        problem(r,
                "控えの監査記録 #%ld がありません（削除されています） (anchored audit entry #%ld "
                "is gone: removed)",
                seq, seq);
    else if (strcmp(mm_col_text(s, 0), want) != 0)
        problem(r,
                "監査記録 #%ld のハッシュが控えと違います: #%ld 以前が書き換えられています "
                "(audit entry #%ld no longer has the anchored hash: the trail up to #%ld was "
                "rewritten)",
                seq, seq, seq, seq);
    sqlite3_finalize(s);
    return MM_OK;
}

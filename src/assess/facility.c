/*
 * The facility record of a workspace and its validation. Prefectures are checked against the
 * 47 official names so reports and surveys aggregate cleanly.
 */
#include "audit.h"
#include "buf.h"
#include "date.h"
#include "facility.h"
#include "text.h"

static const char *const prefectures[47] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
};

static const struct {
    const char *kind, *label;
} kinds[] = {
    {"hospital", "病院"},
    {"clinic", "診療所"},
    {"pharmacy", "薬局"},
};

const char *mm_facility_kind_label(const char *kind)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(kinds); i++)
        if (mm_streq(kind, kinds[i].kind))
            return kinds[i].label;
    return "";
}

int mm_prefecture_valid(const char *p)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(prefectures); i++)
        if (mm_streq(p, prefectures[i]))
            return 1;
    return 0;
}

mm_rc mm_facility_get(mm_store *st, mm_facility *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc = mm_store_prepare(
        st, "SELECT name, kind, beds, prefecture, manager FROM facility WHERE id = 1", &s, err);

    if (rc != MM_OK)
        return rc;
    memset(out, 0, sizeof(*out));
    out->beds = -1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        mm_strlcpy(out->name, mm_col_text(s, 0), sizeof(out->name));
        mm_strlcpy(out->kind, mm_col_text(s, 1), sizeof(out->kind));
        if (sqlite3_column_type(s, 2) != SQLITE_NULL)
            out->beds = sqlite3_column_int64(s, 2);
        mm_strlcpy(out->prefecture, mm_col_text(s, 3), sizeof(out->prefecture));
        mm_strlcpy(out->manager, mm_col_text(s, 4), sizeof(out->manager));
    } else {
        rc = mm_store_error(st, err, "reading the facility");
    }
    sqlite3_finalize(s);
    return rc;
}

char *mm_facility_to_json(const mm_facility *f)
{
    mm_buf b;

    mm_buf_init(&b, 0);
    mm_buf_adds(&b, "{\"name\":");
    mm_buf_add_json_str(&b, f->name);
    mm_buf_adds(&b, ",\"kind\":");
    mm_buf_add_json_str(&b, f->kind);
    if (f->beds >= 0)
        mm_buf_addf(&b, ",\"beds\":%ld", f->beds);
    else
        mm_buf_adds(&b, ",\"beds\":null");
    mm_buf_adds(&b, ",\"prefecture\":");
    mm_buf_add_json_str(&b, f->prefecture);
    mm_buf_adds(&b, ",\"manager\":");
    mm_buf_add_json_str(&b, f->manager);
    mm_buf_addc(&b, '}');
    return mm_buf_detach(&b, NULL);
}

mm_rc mm_facility_set(mm_store *st, const mm_facility *in, const char *actor, mm_error *err)
{
    mm_facility old, f = *in;
    sqlite3_stmt *s = NULL;
    char *before = NULL, *after = NULL, *norm;
    char now[21];
    mm_rc rc;

    if (!mm_facility_kind_label(f.kind)[0])
        return mm_error_set(
            err, MM_ERR_INVALID, NULL, 0, 0,
            "種別は hospital (病院), clinic (診療所), pharmacy (薬局) のいずれかです "
            "(--kind must be hospital, clinic or pharmacy, got \"%s\")",
            f.kind);
    if (f.prefecture[0] && !mm_prefecture_valid(f.prefecture))
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "都道府県名が不正です: \"%s\" (--prefecture must be one of the 47 "
                            "prefectures written in full, e.g. 東京都, 大阪府, 北海道)",
                            f.prefecture);
    if (f.beds > 10000)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "病床数が大きすぎます (--beds %ld is not plausible)", f.beds);
    norm = mm_text_normalize(f.name);
    mm_strlcpy(f.name, norm, sizeof(f.name));
    free(norm);
    norm = mm_text_normalize(f.manager);
    mm_strlcpy(f.manager, norm, sizeof(f.manager));
    free(norm);

    if ((rc = mm_store_begin(st, err)) != MM_OK)
        return rc;
    if ((rc = mm_facility_get(st, &old, err)) != MM_OK)
        goto out;
    rc = mm_store_prepare(st,
                          "UPDATE facility SET name = ?, kind = ?, beds = ?, prefecture = ?, "
                          "manager = ?, updated_at = ? WHERE id = 1",
                          &s, err);
    if (rc != MM_OK)
        goto out;
    mm_now_iso(now);
    mm_bind_text(s, 1, f.name);
    mm_bind_text(s, 2, f.kind);
    if (f.beds >= 0)
        sqlite3_bind_int64(s, 3, f.beds);
    else
        sqlite3_bind_null(s, 3);
    mm_bind_text(s, 4, f.prefecture);
    mm_bind_text(s, 5, f.manager);
    mm_bind_text(s, 6, now);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "updating the facility");
        goto out;
    }
    before = mm_facility_to_json(&old);
    after = mm_facility_to_json(&f);
    rc = mm_audit_append(st, actor, "facility.set", "facility", before, after, NULL, err);
out:
    sqlite3_finalize(s);
    free(before);
    free(after);
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
    return rc;
}

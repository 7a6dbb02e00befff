/*
 * An electronic medical record (EMR) access log exported as CSV: time, user, patient id,
 * action, terminal. The first row may be a header in English or Japanese (日時, 利用者, 患者ID,
 * 操作, 端末) in any order; without one the columns are taken in that order. Quoted fields
 * ("" inside) are decoded into the scratch buffer.
 */
#include "logs_int.h"

enum { C_TIME, C_USER, C_PATIENT, C_ACTION, C_TERMINAL, C__COUNT };

static const struct {
    const char *name;
    int col;
} headers[] = {
    {"time", C_TIME},          {"timestamp", C_TIME},  {"日時", C_TIME},
    {"時刻", C_TIME},          {"user", C_USER},       {"user_id", C_USER},
    {"利用者", C_USER},        {"ユーザー", C_USER},   {"利用者ID", C_USER},
    {"patient_id", C_PATIENT}, {"patient", C_PATIENT}, {"患者ID", C_PATIENT},
    {"患者番号", C_PATIENT},   {"action", C_ACTION},   {"操作", C_ACTION},
    {"terminal", C_TERMINAL},  {"端末", C_TERMINAL},   {"端末名", C_TERMINAL},
};

/* Words in the action column that mean the access was refused. */
static const char *const denied_words[] = {"denied", "deny", "拒否", "failed", "失敗"};

#define MAX_FIELDS 16

/* Splits one CSV line; quoted fields are decoded into scratch. Returns the field count or -1. */
static int split(mm_parse_ctx *c, const char *line, size_t len, mm_sv *f)
{
    size_t i = 0;
    int n = 0;
    if (len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    for (;;) {
        if (n == MAX_FIELDS)
            return -1;
        if (i < len && line[i] == '"') {
            size_t start = c->scratch_used;
            i++;
            for (;;) {
                if (i >= len)
                    return -1;
                if (line[i] == '"') {
                    if (i + 1 < len && line[i + 1] == '"') {
                        mm_scratch_put(c, "\"", 1);
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                {
                    size_t s = i;
                    while (i < len && line[i] != '"')
                        i++;
                    if (mm_scratch_put(c, line + s, i - s).n != i - s)
                        return -1;
                }
            }
            f[n++] = mm_sv_make(c->scratch + start, c->scratch_used - start);
            if (i < len && line[i] != ',')
                return -1;
        } else {
            size_t s = i;
            while (i < len && line[i] != ',')
                i++;
            f[n++] = mm_sv_make(line + s, i - s);
        }
        if (i >= len)
            return n;
        i++; /* ',' */
    }
}

static int header_col(mm_sv v)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(headers); i++)
        if (mm_sv_eq(v, headers[i].name))
            return headers[i].col;
    return -1;
}

mm_rc mm_parse_emr_csv(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    mm_sv f[MAX_FIELDS];
    int n = split(c, line, len, f);
    int64_t ms;

    if (n < 0)
        return MM_ERR_PARSE;
    if (!c->csv_header_seen) {
        int cols[C__COUNT], found = 0;
        c->csv_header_seen = 1;
        for (int k = 0; k < C__COUNT; k++)
            c->csv_cols[k] = k;
        for (int k = 0; k < C__COUNT; k++)
            cols[k] = -1;
        for (int i = 0; i < n; i++) {
            int col = header_col(f[i]);
            if (col >= 0 && cols[col] < 0) {
                cols[col] = i;
                found++;
            }
        }
        if (found >= 2) {
            for (int k = 0; k < C__COUNT; k++)
                c->csv_cols[k] = cols[k];
            c->headers++;
            return MM_AGAIN;
        }
    }
    if (n == 1 && f[0].n == 0)
        return MM_AGAIN; /* an empty line */
#define COL(k) (c->csv_cols[k] >= 0 && c->csv_cols[k] < n ? f[c->csv_cols[k]] : (mm_sv){"", 0})
    {
        mm_sv t = COL(C_TIME);
        if (t.n == 0 || mm_time_parse_iso(t.p, t.n, c->tz_off_min, &ms) != MM_OK)
            return MM_ERR_PARSE;
    }
    ev->time_ms = ms;
    ev->kind = MM_EVK_RECORD_ACCESS;
    ev->outcome = MM_OUT_SUCCESS;
    ev->f[MM_EVF_USER] = COL(C_USER);
    ev->f[MM_EVF_TARGET] = COL(C_PATIENT);
    ev->f[MM_EVF_ACTION] = COL(C_ACTION);
    ev->f[MM_EVF_SRC] = COL(C_TERMINAL);
    ev->f[MM_EVF_HOST] = MM_SV_LIT("emr");
#undef COL
    for (size_t i = 0; i < MM_ARRAY_LEN(denied_words); i++)
        if (mm_sv_eq(ev->f[MM_EVF_ACTION], denied_words[i]))
            ev->outcome = MM_OUT_FAILURE;
    if (ev->f[MM_EVF_USER].n == 0)
        return MM_ERR_PARSE;
    return MM_OK;
}

/*
 * Human answers to checklist items: はい / いいえ / 該当なし with 確認日, for いいえ a 対応目標日
 * in the same fiscal year, per sheet (hospital or one vendor's), item, round (1回目/2回目) and
 * scope. Answers are never changed in place: each change is a new row, the newest row per key
 * is the current answer, and each is written to the hash-chained audit trail in the same
 * transaction.
 *
 * Ownership: mm_answer_list owns its answers and their notes; release with
 * mm_answer_list_release. mm_answer structs filled by the caller own nothing but `note`,
 * which the caller sets and frees (mm_answer_release).
 */
#ifndef MM_ANSWER_H
#define MM_ANSWER_H

#include "base.h"
#include "catalog.h"
#include "date.h"
#include "store.h"

typedef enum {
    MM_ANS_YES = 0, /* はい */
    MM_ANS_NO,      /* いいえ */
    MM_ANS_NA,      /* 該当なし */
} mm_answer_value;

const char *mm_answer_value_name(mm_answer_value v);  /* "yes", "no", "na" */
const char *mm_answer_value_label(mm_answer_value v); /* "はい", "いいえ", "該当なし" */
/* Accepts yes/no/na, はい/いいえ/該当なし, y/n. */
mm_rc mm_answer_value_parse(const char *s, mm_answer_value *out);

/* The fields of an answer, for pointing at the one that is wrong. */
typedef enum {
    MM_AF_NONE = 0,
    MM_AF_VERSION,
    MM_AF_SHEET,
    MM_AF_VENDOR,
    MM_AF_ITEM,
    MM_AF_ROUND,
    MM_AF_SCOPE,
    MM_AF_VALUE,
    MM_AF_CHECKED,
    MM_AF_TARGET,
    MM_AF_COUNT
} mm_answer_field;

typedef struct mm_answer {
    long id;     /* row id once stored, 0 before */
    int version; /* checklist version (fiscal year of the sheet) */
    mm_sheet_kind sheet;
    char vendor[256]; /* vendor name for the vendor sheet, "" for the hospital sheet */
    char item_id[32]; /* ASCII id "2-10" */
    int round;        /* 1 or 2 */
    mm_scope scope;
    mm_answer_value value;
    mm_date checked; /* 確認日 */
    int has_target;
    mm_date target; /* 対応目標日, only for いいえ */
    char answerer[256];
    char *note;                /* may be NULL; owned by the struct's owner */
    char recorded_at[21];      /* ISO-8601 UTC, set when stored */
    long src_line;             /* line in the imported file it came from, 0 otherwise */
    long src_col[MM_AF_COUNT]; /* column of each field in that file, 0 when unknown */
    mm_answer_field bad_field; /* OUT of mm_answer_validate: the field that was wrong */
} mm_answer;

void mm_answer_release(mm_answer *a);

typedef struct mm_answer_list {
    mm_answer *v;
    size_t n;
} mm_answer_list;

void mm_answer_list_release(mm_answer_list *l);

/*
 * Checks an answer against the catalog and the rules, and fills what can be defaulted: the
 * item id is normalised to its ASCII form ("2-⑩" -> "2-10"); an item with a single scope gets
 * it when scope was left as MM_SCOPE_ALL. Rules: the sheet and item exist; the scope is one of
 * the item's; a vendor is named exactly when the sheet is the vendor sheet; 確認日 is not in the
 * future; いいえ needs a 対応目標日 on or after 確認日 within 確認日's fiscal year; はい and
 * 該当なし take none. Errors name the field (err->col is left 0; importers add line and column).
 */
mm_rc mm_answer_validate(const mm_catalog *cat, mm_answer *a, mm_error *err);

/* Validates and stores one answer, with its audit entry, in its own transaction. The note
 * is normalised (look-alike characters replaced). OUT: a->id, a->recorded_at. */
mm_rc mm_answer_record(mm_store *st, const mm_catalog *cat, mm_answer *a, const char *actor,
                       mm_error *err);

/* The same inside a transaction the caller opened (importers). */
mm_rc mm_answer_record_in_tx(mm_store *st, const mm_catalog *cat, mm_answer *a, const char *actor,
                             mm_error *err);

/* Current answers (newest per key) of a sheet, ordered by item order as stored, round, scope.
 * vendor: NULL for all vendors (vendor sheet) / ignored for the hospital sheet. OUT: *out. */
mm_rc mm_answers_current(mm_store *st, int version, mm_sheet_kind sheet, const char *vendor,
                         mm_answer_list *out, mm_error *err);

/* Every stored answer, oldest first; item_id NULL for all items. OUT: *out. */
mm_rc mm_answers_history(mm_store *st, int version, mm_sheet_kind sheet, const char *vendor,
                         const char *item_id, mm_answer_list *out, mm_error *err);

/* Finds the answer for item/round/scope in a list of current answers, or NULL. */
const mm_answer *mm_answer_find(const mm_answer_list *l, const char *vendor, const char *item_id,
                                int round, mm_scope scope);

/* Canonical JSON of a stored answer, as written to the audit trail. Caller frees. */
char *mm_answer_to_json(const mm_answer *a);

/* Vendors: names are unique; add is idempotent and audited. */
mm_rc mm_vendor_add(mm_store *st, const char *name, const char *actor, long *id, mm_error *err);
mm_rc mm_vendor_find(mm_store *st, const char *name, long *id, mm_error *err);
/* The same inside a transaction the caller opened (importers); name must already be
 * normalised. via, when not NULL, is recorded in the audit entry ("import"). */
mm_rc mm_vendor_add_in_tx(mm_store *st, const char *name, const char *actor, const char *via,
                          long *id, mm_error *err);
/* OUT: *names (array of malloc'd strings), *n; free each and the array. Sorted by name. */
mm_rc mm_vendor_list(mm_store *st, char ***names, size_t *n, mm_error *err);

#endif

/*
 * The facility a workspace describes: name, kind (hospital / clinic / pharmacy), beds,
 * prefecture and the 医療情報システム安全管理責任者. One per workspace; changes are audited.
 */
#ifndef MM_FACILITY_H
#define MM_FACILITY_H

#include "base.h"
#include "store.h"

typedef struct mm_facility {
    char name[256];
    char kind[16]; /* "hospital", "clinic", "pharmacy" */
    long beds;     /* -1 when unknown */
    char prefecture[64];
    char manager[256]; /* 医療情報システム安全管理責任者, "" when not named */
} mm_facility;

const char *mm_facility_kind_label(const char *kind); /* "病院", "診療所", "薬局" */

mm_rc mm_facility_get(mm_store *st, mm_facility *out, mm_error *err);
/* Validates (kind, beds >= 0, prefecture one of the 47) and stores with an audit entry. */
mm_rc mm_facility_set(mm_store *st, const mm_facility *f, const char *actor, mm_error *err);
/* Canonical JSON of the facility, as written to the audit trail. Caller frees. */
char *mm_facility_to_json(const mm_facility *f);
/* 1 when p is one of the 47 prefectures ("東京都", "北海道", …). */
int mm_prefecture_valid(const char *p);

#endif

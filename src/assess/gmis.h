/*
 * The G-MIS survey (病院における医療情報システムのバックアップデータ及びリモートゲートウェイ装置に
 * 係る調査, 14 questions, data/gmis/questions.json) answered from what the store holds. Each
 * question has a rule in one table (gmis.c): which checklist answers or facility data it
 * follows from. Where the data cannot answer, the result is "unknown" with what is needed.
 *
 * Ownership: mm_gmis_result owns its strings; release with mm_gmis_result_release.
 */
#ifndef MM_GMIS_H
#define MM_GMIS_H

#include "answer.h"
#include "buf.h"
#include "catalog.h"
#include "store.h"

typedef enum {
    MM_GMIS_YES,     /* はい */
    MM_GMIS_NO,      /* いいえ */
    MM_GMIS_TEXT,    /* a written answer (Q1, Q11) */
    MM_GMIS_SKIP,    /* 回答不要: an earlier answer makes it unnecessary */
    MM_GMIS_UNKNOWN, /* 不明: not enough data */
} mm_gmis_value;

typedef struct mm_gmis_answer {
    int no;
    char *question; /* official wording */
    char *question_en;
    mm_gmis_value value;
    char *text;     /* the written answer for MM_GMIS_TEXT */
    char *basis_ja; /* why: which data it follows from, or what is missing */
    char *basis_en;
} mm_gmis_answer;

typedef struct mm_gmis_result {
    char *title;
    mm_gmis_answer q[14];
    int n;
} mm_gmis_result;

const char *mm_gmis_value_label(mm_gmis_value v); /* "はい", "いいえ", "記述", "回答不要", "不明" */
const char *mm_gmis_value_name(mm_gmis_value v); /* "yes", "no", "text", "skip", "unknown" */

/* Loads the questions ($MAMORI_DATA/gmis/questions.json) and derives the answers for
 * checklist version `version`. OUT: *out. */
mm_rc mm_gmis_derive(mm_store *st, const mm_catalog *cat, int version, mm_gmis_result *out,
                     mm_error *err);
void mm_gmis_result_release(mm_gmis_result *r);

#endif

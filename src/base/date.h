/*
 * Calendar dates as Japanese officials use them: ISO-8601 in storage, YYYY/MM/DD on paper,
 * the Japanese fiscal year (年度, April to March) and the era calendar (和暦: 令和, 平成, 昭和).
 * Dates are plain civil dates with no time zone; "today" is today in Japan (JST, UTC+9).
 */
#ifndef MM_DATE_H
#define MM_DATE_H

#include <time.h>

#include "base.h"

typedef struct mm_date {
    int y; /* 1873..9999 (the Gregorian calendar in Japan) */
    int m; /* 1..12 */
    int d; /* 1..31 */
} mm_date;

int mm_date_is_leap(int y);
int mm_date_days_in_month(int y, int m);
int mm_date_valid(const mm_date *d);

/*
 * Parses "YYYY-MM-DD" (also "YYYY/MM/DD", and a one-digit month or day as Japanese Excel
 * writes it: "2025/4/1"; the two separators must match). MM_ERR_PARSE when the shape is wrong,
 * MM_ERR_INVALID for an impossible date (2025-02-30); err->col points at the bad part
 * (1-based, relative to s) and err->msg says what was expected. OUT: *out.
 */
mm_rc mm_date_parse(const char *s, mm_date *out, mm_error *err);

/* Negative, 0, positive like strcmp. */
int mm_date_cmp(const mm_date *a, const mm_date *b);

/* Days since 1970-01-01 (may be negative) and back. */
long mm_date_to_days(const mm_date *d);
mm_date mm_date_from_days(long days);

/* The fiscal year (年度) a date falls in: 2025-04-01..2026-03-31 is 2025. */
int mm_date_fiscal_year(const mm_date *d);
/* First and last day of fiscal year fy. */
mm_date mm_fy_start(int fy);
mm_date mm_fy_end(int fy);

/* Formats; out must hold at least 11 bytes. */
void mm_date_iso(const mm_date *d, char out[11]);   /* 2025-04-01 */
void mm_date_slash(const mm_date *d, char out[11]); /* 2025/04/01 */

/*
 * 和暦. mm_date_wareki writes "令和7年4月1日"-style text (元年 for the first year) and returns
 * MM_ERR_INVALID before 明治6年 (1873). mm_fy_wareki writes "令和7年度": a fiscal year takes the
 * era in force on 31 December of its starting year (so FY2019 is 令和元年度, FY1988 昭和63年度).
 * out must hold at least 32 bytes.
 */
mm_rc mm_date_wareki(const mm_date *d, char *out, size_t outsz);
mm_rc mm_fy_wareki(int fy, char *out, size_t outsz);
/* Era name and year number of a date ("令和", 7). */
mm_rc mm_date_era(const mm_date *d, const char **era, int *year);

/* Today in Japan. MAMORI_TODAY=YYYY-MM-DD overrides it (tests and demos). */
mm_date mm_date_today(void);

/* Now as ISO-8601 UTC "2025-04-01T09:30:00Z"; MAMORI_NOW overrides it. out >= 21 bytes. */
void mm_now_iso(char out[21]);

#endif

/*
 * Software and firmware versions as vendors print them ("7.2.12", "6.4.15 build2000",
 * "v7.0.12,build0523 (GA)", Ivanti's "22.7R2.6", Windows' "23H2") and the version range
 * expressions advisories use, so the 2-⑥ evaluator can ask "is this FortiGate affected?".
 *
 * Versions. Leading white space and a "v"/"V" before a digit are dropped; the version ends at
 * the first white space, ',', '(' or the word "build" (any case): what follows is a build
 * number or a label and is ignored. What is left is split into tokens: runs of digits (numbers)
 * and runs of ASCII letters (words); '.', '-', '_' and '+' only separate. It must start with a
 * digit. Two versions compare token by token: numbers by value, words case-insensitively, a
 * number sorts before a word. When one runs out, the rest of the other decides: only zero
 * numbers left means equal ("7.2" = "7.2.0"), anything else makes the longer one greater
 * ("22.7" < "22.7R1"). So "22.7R2.5" < "22.7R2.6" < "22.8R1" and "9.1R18" < "22.7R1".
 * Pre-release words get no special meaning ("7.2.0beta" > "7.2.0").
 *
 * Ranges. `alt || alt || …`: a version is in the range when it matches any alternative. An
 * alternative is white-space separated conditions that must all hold: `<V`, `<=V`, `>V`,
 * `>=V`, `=V` (also `==V`; a bare `V` means `=V`; the operator may be followed by a space),
 * `A - B` (inclusive: >=A <=B), or `*` (every version).
 * Example: ">=6.0.0 <6.0.5 || >=5.6.3 <5.6.8 || 5.4.6 - 5.4.12".
 *
 * Nothing here allocates or keeps state; all functions are thread-safe.
 */
#ifndef MM_VERSION_H
#define MM_VERSION_H

#include "base.h"

/* Most tokens a version may have; longer ones are invalid. */
#define MM_VERSION_MAX_TOKENS 32

/* 1 when s is a version by the rule above, else 0. */
int mm_version_valid(const char *s);

/* Compares two versions. OUT: *cmp negative, 0 or positive. MM_ERR_PARSE when either is not a
 * version. */
mm_rc mm_version_compare(const char *a, const char *b, int *cmp);

/* Checks a range expression's syntax. On error err->col is the 1-based character column of
 * the problem within range and err->msg says what was expected (ja then en). */
mm_rc mm_version_range_check(const char *range, mm_error *err);

/* 1 when version is in range, 0 when not, -1 when the version or the range is invalid. */
int mm_version_in_range(const char *version, const char *range);

#endif

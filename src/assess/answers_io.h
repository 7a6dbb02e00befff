/*
 * Answers in and out as files: CSV (UTF-8 with or without BOM, or CP932 as Japanese Excel
 * writes it) and JSON. An import is all or nothing: every row is parsed and validated first,
 * then all are stored in one transaction; any error names file, line, column and field, and
 * leaves the store unchanged.
 *
 * CSV columns (header required, any order; Japanese headers accepted):
 *   version(版), sheet(シート), vendor(事業者), item(項番), round(回), scope(対象),
 *   answer(回答), checked(確認日), target(対応目標日), answerer(回答者), note(備考)
 * JSON: {"answers": [{"version": 2025, "sheet": "hospital", "item": "2-10", "round": 1,
 *        "scope": "all", "answer": "no", "checked": "2025-06-01", "target": "2026-03-31",
 *        "answerer": "…", "note": "…", "vendor": "…"}]}
 * version defaults to the newest catalog version, sheet to hospital, round to 1, scope to the
 * item's only scope.
 *
 * Ownership: parse functions fill a list the caller releases with mm_answer_list_release.
 */
#ifndef MM_ANSWERS_IO_H
#define MM_ANSWERS_IO_H

#include "answer.h"
#include "buf.h"

#define MM_ANSWERS_MAX_BYTES (16u * 1024 * 1024)
#define MM_ANSWERS_MAX_ROWS 100000

/* Parse UTF-8 text (no BOM) into answers. Syntax and per-field errors only; catalog rules are
 * checked by mm_answers_validate_all. default_version fills a missing version. OUT: *out. */
mm_rc mm_answers_parse_csv(const char *name, const char *text, size_t len, int default_version,
                           mm_answer_list *out, mm_error *err);
mm_rc mm_answers_parse_json(const char *name, const char *text, size_t len, int default_version,
                            mm_answer_list *out, mm_error *err);

/* Validates every answer against the catalog; errors carry name and the answer's line. */
mm_rc mm_answers_validate_all(const mm_catalog *cat, const char *name, mm_answer_list *l,
                              mm_error *err);

/* Reads a file (.csv or .json by extension; CSV encoding detected), validates, and unless
 * dry_run stores every answer in one transaction. OUT: *count, answers imported (or that
 * would be). */
mm_rc mm_answers_import_file(mm_store *st, const mm_catalog *cat, const char *path,
                             const char *actor, int dry_run, size_t *count, mm_error *err);

typedef enum { MM_EXPORT_CSV, MM_EXPORT_JSON } mm_export_format;

/* Writes current answers (or the whole history) of version in the import format, so an
 * export imports back unchanged. CSV is UTF-8 with a BOM. */
mm_rc mm_answers_export(mm_store *st, int version, mm_export_format fmt, int history, mm_buf *out,
                        mm_error *err);

#endif

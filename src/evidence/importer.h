/*
 * The evidence importer engine. Every kind of evidence (assets, accounts, advisories, …) is
 * one `static const` table of fields in import_kinds.c; this engine reads CSV or JSON for any
 * of them, checks every value against its field's type, and stores the rows in one
 * transaction with their import record, so adding a kind is writing a table, not a parser.
 *
 * Input. CSV: a header row of column names (the English `name` or one of the Japanese `ja`
 * aliases), any order, UTF-8 with or without BOM or CP932 (detected). JSON (UTF-8): an array
 * of row objects, {"rows": [...]}, the kind's feed key ({"advisories": [...]}), or a collector
 * envelope {"mamori_collector": NAME, "version": 1, "host": H, "taken": T, "rows": [...]} in
 * which a row without "host" / "taken" takes the envelope's (for kinds with those columns).
 * The format is sniffed: JSON when the first non-blank character is '[' or '{'.
 *
 * Rules. Parse and validate everything first; any error names file:line:col, the field and
 * what was expected, and nothing is stored. Two rows with the same natural key (the fields
 * flagged MM_F_KEY) in one file are an error. Storing is an UPSERT on the natural key: a row
 * with a key already stored replaces it entirely (columns the file leaves out are reset to
 * empty or their default) and rows the file does not mention stay.
 *
 * Adding a kind, step by step:
 *   1. If the table does not exist, add a migration at the end of src/store/migrations.c
 *      with `import_id INTEGER REFERENCES import(id)`, `source_line INTEGER` and a UNIQUE
 *      constraint (or PRIMARY KEY) on the natural key.
 *   2. In import_kinds.c write the field table (one mm_import_field per column) and a
 *      mm_import_kind row naming the table and the conflict target; add it to mm_import_kinds.
 *   3. Add a fixture and a row to the tables in tests/unit/importer_test.c, and the columns
 *      to docs/evidence.md.
 *
 * Ownership: mm_import_set owns its rows and values (mm_import_set_release). Kinds are static.
 */
#ifndef MM_IMPORTER_H
#define MM_IMPORTER_H

#include "base.h"
#include "buf.h"
#include "store.h"

/* Most rows one file may hold. */
#define MM_IMPORT_MAX_ROWS 500000
/* Longest text value, in bytes, unless a field says otherwise. */
#define MM_IMPORT_MAX_TEXT 1024

typedef enum {
    MM_FT_TEXT, /* one line of text (no control characters), look-alikes normalised */
    MM_FT_INT,  /* decimal integer within [min, max] */
    MM_FT_BOOL, /* yes/no, はい/いいえ, true/false, 1/0, 有/無, あり/なし, ○/× -> 1/0 */
    MM_FT_DATE,     /* YYYY-MM-DD or YYYY/MM/DD (also Excel's 2025/4/1) -> YYYY-MM-DD */
    MM_FT_DATETIME, /* ISO-8601 -> YYYY-MM-DDTHH:MM:SSZ (no offset = JST); a bare date stays */
    MM_FT_ENUM,     /* one of `values` (or an alias) -> the canonical value */
    MM_FT_IP,       /* IPv4 or IPv6 address -> canonical text */
    MM_FT_CIDR,     /* IPv4/IPv6 prefix, no host bits; a bare address is /32 or /128 */
    MM_FT_CVE,      /* CVE-YYYY-NNNN+ (upper-cased) */
    MM_FT_RANGE,    /* a version range expression (version.h) */
    MM_FT_VENDOR,   /* a vendor name; stored as vendor_id, the vendor added when missing */
} mm_field_type;

enum {
    MM_F_REQUIRED = 1 << 0, /* the column must be present and non-empty */
    MM_F_KEY = 1 << 1,      /* part of the natural key (and of the ON CONFLICT target) */
};

typedef struct mm_import_field {
    const char *name; /* English column name, also the JSON key */
    const char *ja;   /* Japanese header aliases, '|'-separated ("機器名|名称") */
    mm_field_type type;
    unsigned flags;            /* MM_F_* */
    const char *sql;           /* target column */
    const char *dflt;          /* used when the value is empty; NULL = NULL ("" for text) */
    long min, max;             /* MM_FT_INT bounds, inclusive */
    const char *const *values; /* MM_FT_ENUM: NULL-terminated, each "canonical|alias|…" */
    const char *not_before;    /* MM_FT_DATE: name of a field this date may not precede */
    size_t maxlen;             /* text limit in bytes; 0 = MM_IMPORT_MAX_TEXT */
    const char *what;          /* what the column means, for --help and errors (ja) */
} mm_import_field;

typedef struct mm_import_row mm_import_row;
typedef struct mm_import_kind mm_import_kind;

struct mm_import_kind {
    const char *name;  /* CLI name: "assets", "password-policies" */
    const char *label; /* "機器台帳 / asset ledger" */
    const char *table; /* SQL table */
    const mm_import_field *fields;
    size_t nfields;
    const char *feed_key;   /* extra JSON wrapper key ("advisories"), or NULL */
    const char *extra_cols; /* columns only set on insert (", created_at"), or "" */
    const char *extra_vals; /* their values; may use :now (", :now"), or "" */
    /* Called for each row before its UPSERT, inside the transaction; may be NULL. */
    mm_rc (*before_row)(mm_store *st, const mm_import_kind *k, const mm_import_row *row,
                        const char *actor, mm_error *err);
};

/* A value read from the file: canonical text, or NULL when empty; where it was. */
typedef struct mm_import_value {
    char *s;
    long line, col;
} mm_import_value;

struct mm_import_row {
    long line;          /* where the row starts (CSV record / JSON object) */
    mm_import_value *v; /* one per field of the kind, in the kind's field order */
};

typedef struct mm_import_set {
    const mm_import_kind *kind;
    char *name; /* file name used in errors and the import record */
    mm_import_row *rows;
    size_t n, cap;
} mm_import_set;

/* All kinds, and lookup by CLI name (NULL when unknown). */
extern const mm_import_kind *const mm_import_kinds[];
extern const size_t mm_import_kinds_len;
const mm_import_kind *mm_import_kind_find(const char *name);
/* Index of a field by English name, or -1. */
int mm_import_field_index(const mm_import_kind *k, const char *name);

void mm_import_set_release(mm_import_set *s);

/*
 * Parses and validates raw file bytes (any supported format and encoding) as kind k. name is
 * the file name used in errors. Needs no store. OUT: *out (release it even on failure).
 */
mm_rc mm_import_parse(const mm_import_kind *k, const char *name, const char *data, size_t len,
                      mm_import_set *out, mm_error *err);

/*
 * Stores a parsed set in one transaction: import record (kind, file, SHA-256 of data), audit
 * entry, vendors added where needed (each audited), every row UPSERTed with its import_id and
 * source line. On any error the transaction is rolled back and the store is unchanged.
 * OUT: *import_id when not NULL.
 */
mm_rc mm_import_store(mm_store *st, const mm_import_set *s, const void *data, size_t len,
                      const char *actor, long *import_id, mm_error *err);

/* Reads path, parses, validates and (unless dry_run) stores. OUT: *count, the rows imported
 * (or that would be). */
mm_rc mm_import_file(mm_store *st, const char *kind, const char *path, const char *actor,
                     int dry_run, size_t *count, mm_error *err);

/* Writes what is stored for kind k: tab-separated text with a header row, or a JSON array;
 * each row carries the file and line it came from ("source"). */
mm_rc mm_evidence_list(mm_store *st, const mm_import_kind *k, int json, mm_buf *out, mm_error *err);

#endif

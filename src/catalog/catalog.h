/*
 * The checklist catalog: every version and sheet of the MHLW checklist, loaded from
 * data/checklists/NNNN-SHEET.json (format: docs/catalog-format.md) and validated on load. A new
 * fiscal year's checklist is a new file; no C changes.
 *
 * Ownership: a loaded mm_catalog owns all its sheets, items and strings; callers borrow
 * pointers into it for as long as the catalog lives. mm_catalog_free accepts NULL and clears
 * the caller's pointer.
 */
#ifndef MM_CATALOG_H
#define MM_CATALOG_H

#include "base.h"
#include "date.h"

/* What an answer is about: the whole facility, or one kind of machine. */
typedef enum {
    MM_SCOPE_ALL = 0, /* 全般 */
    MM_SCOPE_SERVER,  /* サーバ */
    MM_SCOPE_PC,      /* 端末PC */
    MM_SCOPE_NETWORK, /* ネットワーク機器 */
    MM_SCOPE_COUNT
} mm_scope;

typedef enum {
    MM_SHEET_HOSPITAL = 0, /* 医療機関確認用 */
    MM_SHEET_VENDOR,       /* 事業者確認用 */
} mm_sheet_kind;

const char *mm_scope_name(mm_scope s); /* "all", "server", "pc", "network" */
const char *mm_scope_label(mm_scope s); /* "全般", "サーバ", "端末PC", "ネットワーク機器" */
const char *mm_scope_label_en(mm_scope s); /* "General", "Servers", "PCs", "Network devices" */
/* Heading of the group an item sits under on the official sheet ("サーバについて"). */
const char *mm_scope_group(mm_scope s);
mm_rc mm_scope_parse(const char *s, mm_scope *out);

const char *mm_sheet_name(mm_sheet_kind k);  /* "hospital", "vendor" */
const char *mm_sheet_label(mm_sheet_kind k); /* "医療機関確認用", "事業者確認用" */
mm_rc mm_sheet_parse(const char *s, mm_sheet_kind *out);

typedef struct mm_strlist {
    char **v;
    size_t n;
} mm_strlist;

typedef struct mm_intlist {
    int *v;
    size_t n;
} mm_intlist;

typedef struct mm_item {
    char *id;    /* ASCII "2-10", used on the command line and in the store */
    char *label; /* as printed: "2-⑩" */
    int section; /* sections[].no */
    mm_scope scopes[MM_SCOPE_COUNT];
    size_t nscopes; /* >= 1; MM_SCOPE_ALL stands alone */
    char *text;     /* official wording */
    char *source;
    int draft; /* 1 when from the 2023 draft (printed with 「案」) */
    char *draft_ref;
    mm_strlist guidance_ja;
    mm_strlist guidance_en;
    mm_intlist chapters; /* 運用管理規程 chapter numbers */
    mm_intlist gmis;     /* G-MIS question numbers */
    int has_deadline;
    mm_date deadline;
    char *deadline_label;
    int uncertain;
} mm_item;

typedef struct mm_titled {
    int no;
    char *title;
} mm_titled;

typedef struct mm_sheet {
    char *file; /* the file it was loaded from */
    int version;
    mm_sheet_kind kind;
    char *title;
    char *sheet_title;
    char *source;
    char *note_ja, *note_en;
    mm_titled *sections;
    size_t nsections;
    mm_titled *chapters;
    size_t nchapters;
    mm_item *items;
    size_t nitems;
} mm_sheet;

typedef struct mm_catalog {
    mm_sheet **sheets; /* sorted by version, then kind */
    size_t nsheets;
} mm_catalog;

/* Largest catalog file accepted. */
#define MM_CATALOG_MAX_BYTES (4u * 1024 * 1024)

/* Parses and validates one sheet from text; name is used in error messages. OUT: *out. */
mm_rc mm_sheet_load_buffer(const char *name, const char *text, size_t len, mm_sheet **out,
                           mm_error *err);
mm_rc mm_sheet_load_file(const char *path, mm_sheet **out, mm_error *err);
void mm_sheet_free(mm_sheet **sheet);

/* Loads every *.json in dir. Two files for the same version and sheet is an error. */
mm_rc mm_catalog_load_dir(const char *dir, mm_catalog **out, mm_error *err);
/* Loads from $MAMORI_DATA/checklists, else the built-in data directory. */
mm_rc mm_catalog_load_default(mm_catalog **out, mm_error *err);
void mm_catalog_free(mm_catalog **cat);

/* The data directory: $MAMORI_DATA, else the one compiled in. */
const char *mm_data_dir(void);

const mm_sheet *mm_catalog_sheet(const mm_catalog *cat, int version, mm_sheet_kind kind);
/* Newest version that has a sheet of this kind, or 0. */
int mm_catalog_latest(const mm_catalog *cat, mm_sheet_kind kind);

/* Finds an item by ASCII id ("2-10") or printed label ("2-⑩"); NULL if none. */
const mm_item *mm_sheet_item(const mm_sheet *sheet, const char *id);
const char *mm_sheet_section_title(const mm_sheet *sheet, int no);
const char *mm_sheet_chapter_title(const mm_sheet *sheet, int no);
int mm_item_has_scope(const mm_item *item, mm_scope s);

#endif

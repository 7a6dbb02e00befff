/*
 * Service snapshots for checklist item 2-⑫ ("unneeded services are stopped; export the service
 * list and compare it after every update"): parsers for the lists hospitals actually have
 * (Windows `Get-Service | Export-Csv`, `systemctl list-units` / `list-unit-files`, and the
 * Mamori collectors' JSON), the store side (one snapshot per host and day, diffs between two
 * snapshots) and the list of services a hospital's machines usually should not run.
 *
 * Vocabulary: every parser normalises to the same words, so Windows and Linux snapshots diff
 * and evaluate alike (see docs/internals/services.md):
 *   status      Running, Stopped, StartPending, StopPending, ContinuePending, PausePending,
 *               Paused, Exited (systemd oneshot finished), Failed (systemd), Unknown
 *   start_type  Automatic, AutomaticDelayedStart, Manual, Disabled, Boot, System,
 *               Static (systemd: only started as a dependency), "" (not known)
 *
 * Ownership: lists and snapshots are the caller's structs; *_release frees what they hold.
 * mm_unneeded_list is opaque (mm_unneeded_load / mm_unneeded_free). Hits point into the
 * snapshot and the list they were computed from and live no longer than those.
 */
#ifndef MM_SERVICES_H
#define MM_SERVICES_H

#include "base.h"
#include "buf.h"
#include "date.h"
#include "store.h"

#define MM_SERVICES_MAX_BYTES (16u * 1024 * 1024) /* one service list file */
#define MM_SERVICES_MAX_ROWS 20000                /* services in one snapshot */
#define MM_SERVICES_MAX_LINE 8192                 /* bytes in one line of text output */
#define MM_SERVICES_MAX_FILES 8                   /* files merged into one snapshot */

typedef struct mm_service {
    char name[512];          /* the key: service/unit name, or the display name when the list
                                has no Name column (the MHLW manual's export) */
    char display_name[1024]; /* "" when not known */
    char status[24];         /* canonical status word (above) */
    char start_type[24];     /* canonical start type word (above), "" when not known */
    long line;               /* line in the source file, 0 when not known */
} mm_service;

typedef struct mm_service_list {
    mm_service *v;
    size_t n, cap;
} mm_service_list;

void mm_service_list_release(mm_service_list *l);
/* Appends a copy of *s (bounded by MM_SERVICES_MAX_ROWS: MM_ERR_INVALID past it). */
mm_rc mm_service_list_push(mm_service_list *l, const mm_service *s);
/* Sorts by name (byte order). */
void mm_service_list_sort(mm_service_list *l);

/* What one parsed file was. */
typedef enum {
    MM_SVC_FMT_CSV = 1,      /* Get-Service | Select-Object … | Export-Csv (any encoding) */
    MM_SVC_FMT_UNITS,        /* systemctl list-units --type=service [--all] [--plain] */
    MM_SVC_FMT_UNIT_FILES,   /* systemctl list-unit-files --type=service */
    MM_SVC_FMT_SYSTEMD_JSON, /* the same two with --output=json */
    MM_SVC_FMT_COLLECTOR,    /* the Mamori collectors' JSON envelope */
} mm_svc_format;

typedef struct mm_services_parsed {
    mm_service_list list;
    mm_svc_format format;
    const char *source;   /* "windows", "systemd" or "collector" (service_snapshot.source) */
    const char *encoding; /* "UTF-8", "UTF-8 (BOM)", "CP932", "UTF-16LE" */
    int keyed_by_display; /* no Name column: display names are the keys */
    long questionmarks;   /* display names with '?': an ASCII export lost Japanese text */
    char host[256];       /* the collector envelope's host, "" otherwise */
    char taken[32];       /* the collector envelope's ISO-8601 UTC time, "" otherwise */
} mm_services_parsed;

void mm_services_parsed_release(mm_services_parsed *p);
/* A short English name of the format ("Get-Service CSV"). */
const char *mm_svc_format_name(mm_svc_format f);

/*
 * Parses one service list in any of the formats above; the format and encoding are detected
 * from the bytes. `name` is the file name used in errors. Errors carry file, line and column
 * and say what was expected. OUT: *out (release with mm_services_parsed_release, also after
 * an error).
 */
mm_rc mm_services_parse(const char *name, const char *data, size_t len, mm_services_parsed *out,
                        mm_error *err);

/* Canonical status / start type for a word any supported source writes (English enum names,
 * WMI's "Auto"/"Start Pending", Japanese 実行中/停止/自動/手動/無効, numeric enum values).
 * NULL when unknown. */
const char *mm_service_status_norm(const char *s);
const char *mm_service_start_norm(const char *s);
/* Japanese label of a canonical word ("実行中"); the word itself when there is none. */
const char *mm_service_word_ja(const char *word);
/* Running in the sense of 2-⑫: Running, StartPending, ContinuePending, PausePending, Paused. */
int mm_service_is_running(const mm_service *s);

/* ---- store ---------------------------------------------------------------------------- */

typedef struct mm_service_snapshot {
    long id;
    char host[256];
    mm_date taken;
    char source[16];
    mm_service_list services; /* sorted by name */
} mm_service_snapshot;

void mm_service_snapshot_release(mm_service_snapshot *s);

typedef struct mm_services_import_result {
    long snapshot_id; /* 0 on a dry run */
    long rows;
    int replaced;       /* an earlier snapshot of the same host and day was replaced */
    long replaced_rows; /* how many services it had */
    char host[256];
    mm_date taken;
    const char *source;
    mm_svc_format formats[MM_SERVICES_MAX_FILES];
    const char *encodings[MM_SERVICES_MAX_FILES];
    size_t nfiles;
    int keyed_by_display;
    long questionmarks;
} mm_services_import_result;

/*
 * Imports one snapshot from 1..MM_SERVICES_MAX_FILES files (merged by service name: e.g. the
 * output of `systemctl list-units --all` and of `list-unit-files`). host may be NULL when
 * every file is collector JSON (its envelope names the host); taken may be NULL (the
 * envelope's date in Japan, else today). All files must come from one source kind.
 * One transaction: the import rows (mm_evidence_import_begin, one per file), the snapshot and
 * its services; an existing snapshot of the same host (case-insensitive) and day is replaced.
 * dry_run parses and checks everything and stores nothing. OUT: *res.
 */
mm_rc mm_services_import(mm_store *st, const char *host, const mm_date *taken,
                         const char *const *paths, size_t npaths, const char *actor, int dry_run,
                         mm_services_import_result *res, mm_error *err);

/* Loads the snapshot of host on *date, or the newest when date is NULL; with skip > 0, the
 * skip-th older one (skip 1 = the one before the newest). MM_ERR_NOTFOUND when none. OUT: *out */
mm_rc mm_services_load(mm_store *st, const char *host, const mm_date *date, int skip,
                       mm_service_snapshot *out, mm_error *err);

typedef struct mm_services_host {
    char host[256];
    long snapshots;
    char first[11], last[11]; /* ISO dates */
    long services;            /* in the newest snapshot */
} mm_services_host;

/* Every host with snapshots, sorted by name. OUT: *hosts (caller frees), *n. */
mm_rc mm_services_hosts(mm_store *st, mm_services_host **hosts, size_t *n, mm_error *err);

/* ---- diff ----------------------------------------------------------------------------- */

typedef struct mm_service_change {
    const mm_service *from; /* NULL for an added service */
    const mm_service *to;   /* NULL for a removed service */
    int status_changed, start_changed;
} mm_service_change;

typedef struct mm_services_diff {
    mm_service_change *v; /* added, removed and changed, sorted by name */
    size_t n;
    size_t added, removed, changed;
} mm_services_diff;

/*
 * Compares two snapshots. Services match by name, then (for the rest) by display name, so a
 * list keyed by display name (the MHLW three-column export) still matches one with names. A
 * start type that one side does not know ("") is not a change. OUT: *d, pointing into a and b.
 */
void mm_services_diff_compute(const mm_service_snapshot *a, const mm_service_snapshot *b,
                              mm_services_diff *d);
void mm_services_diff_release(mm_services_diff *d);
/* Writes the diff as text (Japanese first, English alongside) or JSON. */
void mm_services_diff_text(const mm_service_snapshot *a, const mm_service_snapshot *b,
                           const mm_services_diff *d, mm_buf *out);
void mm_services_diff_json(const mm_service_snapshot *a, const mm_service_snapshot *b,
                           const mm_services_diff *d, mm_buf *out);

/* ---- unneeded services ---------------------------------------------------------------- */

typedef enum { MM_ROLE_ANY = 0, MM_ROLE_SERVER, MM_ROLE_PC } mm_host_role;

typedef struct mm_unneeded_entry {
    char id[64];       /* stable id ("telnet", "print-spooler") */
    char platform[16]; /* "windows" or "linux" */
    mm_host_role kind; /* MM_ROLE_ANY = both */
    char **names;      /* service / unit names (unit names without ".service" match too) */
    size_t nnames;
    char **display_names; /* English and Japanese display names */
    size_t ndisplay;
    char *reason_ja, *reason_en;
} mm_unneeded_entry;

typedef struct mm_unneeded_list mm_unneeded_list;

/*
 * Loads the default list ($MAMORI_DATA/services/unneeded.json) and, when ws_dir is not NULL and
 * ws_dir/unneeded-services.json exists, the workspace's own file, which either extends
 * ("mode": "extend", the default) or replaces ("mode": "replace") the default and may list
 * "allow" exceptions ({"host": "PRINT-01", "name": "Spooler"}; host optional). Errors name the
 * file, line and column. OUT: *out (mm_unneeded_free).
 */
mm_rc mm_unneeded_load(const char *ws_dir, mm_unneeded_list **out, mm_error *err);
/* Parses one list file's text (the default or a workspace file); base is NULL for the
 * default, else the list it extends. OUT: *out. */
mm_rc mm_unneeded_parse(const char *name, const char *text, size_t len,
                        const mm_unneeded_list *base, mm_unneeded_list **out, mm_error *err);
void mm_unneeded_free(mm_unneeded_list **l);
size_t mm_unneeded_count(const mm_unneeded_list *l);
const mm_unneeded_entry *mm_unneeded_at(const mm_unneeded_list *l, size_t i);

typedef struct mm_unneeded_hit {
    const mm_service *service;
    const mm_unneeded_entry *entry;
} mm_unneeded_hit;

typedef struct mm_unneeded_hits {
    mm_unneeded_hit *v;
    size_t n;
} mm_unneeded_hits;

/*
 * The services of snap that are running (mm_service_is_running) and on the list, for a host
 * of the given role (MM_ROLE_ANY: the role is not known, every entry applies; the entry's
 * kind says whether it is meant for servers or PCs). Allow exceptions for snap->host are
 * honoured. This is what the 2-⑫ evaluator calls. OUT: *out (mm_unneeded_hits_release).
 */
void mm_services_unneeded_running(const mm_unneeded_list *list, const mm_service_snapshot *snap,
                                  mm_host_role role, mm_unneeded_hits *out);
void mm_unneeded_hits_release(mm_unneeded_hits *h);

#endif

/*
 * The ingest journal (WS/logs/journal): every message the collector receives is appended here
 * with write(2) before it is acknowledged or processed, so a crash of the process (kill -9)
 * loses nothing whose write returned. After each commit the journal is cut to nothing (all it
 * held is sealed); at the next session open a journal left behind is replayed.
 *
 * File: a 16-byte header ("MMJRNL01", u64 LE sequence of the first record), then records
 * "u32 body length, u32 check, body" (little endian). The check is the low 32 bits of
 * mm_hash64(body). The body: u8 flags (1 truncated, 2 file position), u8 parser index,
 * u16 device length, u32 path length, i64 receive time (ms), then with a file position u64 dev,
 * u64 inode, u64 offset after the message, then path, device and message bytes.
 *
 * Ownership: mm_journal_open hands back a handle freed by mm_journal_free(&j). Views in an
 * mm_jrec passed to a replay callback are valid during the call only. Not thread-safe.
 */
#ifndef MM_JOURNAL_H
#define MM_JOURNAL_H

#include <stdio.h>

#include "logs.h"

#define MM_JOURNAL_FILE "journal"
#define MM_JOURNAL_MAGIC "MMJRNL01"
#define MM_JOURNAL_HEADER_LEN 16
#define MM_JOURNAL_REC_HEAD 8
#define MM_JOURNAL_BODY_FIXED 16
#define MM_JOURNAL_MAX_BODY (2u * 1024 * 1024) /* longer is read as a torn record */

enum { MM_JREC_TRUNCATED = 1, MM_JREC_POS = 2 };

/* One journal record: a received message and, for file inputs, where the file stands after it. */
typedef struct mm_jrec {
    int flags;       /* MM_JREC_* */
    int pidx;        /* parser (index in mm_log_parsers) */
    int64_t recv_ms; /* receive time */
    mm_sv device;    /* --device of the input, may be empty (at most 255 bytes) */
    mm_sv path;      /* file inputs: the followed path (MM_JREC_POS) */
    uint64_t dev, ino, off;
    mm_sv msg;
} mm_jrec;

typedef struct mm_journal mm_journal;

/* Starts an empty journal at logs_dir/journal whose first record will be number base (an old
 * file is replaced atomically). sync: fdatasync after every flush. OUT: *out. */
mm_rc mm_journal_open(const char *logs_dir, uint64_t base, int sync, mm_journal **out,
                      mm_error *err);
/* Encodes r at the end of out, for a batch written with mm_journal_write. OUT: *msg_off (where
 * the message bytes start in out; may be NULL). MM_ERR_NOMEM when out would pass its maximum or
 * the record is longer than MM_JOURNAL_MAX_BODY (out is left as it was). */
mm_rc mm_journal_encode(mm_buf *out, const mm_jrec *r, size_t *msg_off);
/* Writes n records made by mm_journal_encode with one write(2) (and fdatasync when sync); they
 * get the next n numbers. On failure nothing of them may be acknowledged. */
mm_rc mm_journal_write(mm_journal *j, const void *data, size_t len, uint64_t n, mm_error *err);
/* Encodes a record into the pending batch. OUT: *seq (its number; may be NULL). MM_ERR_NOMEM
 * when the batch would pass its bound (flush first). */
mm_rc mm_journal_add(mm_journal *j, const mm_jrec *r, uint64_t *seq, mm_error *err);
/* Writes the pending batch with one write(2) (and fdatasync when sync). On failure the batch
 * is discarded and nothing of it may be acknowledged. */
mm_rc mm_journal_flush(mm_journal *j, mm_error *err);
/* The number the next record will get. */
uint64_t mm_journal_next(const mm_journal *j);
/* 1 when the last write failed for want of space (ENOSPC, EDQUOT). */
int mm_journal_disk_full(const mm_journal *j);
/* Records written since the last cut. */
uint64_t mm_journal_count(const mm_journal *j);
/* Bytes in the file (header included). */
uint64_t mm_journal_bytes(const mm_journal *j);
/* Replaces the file by an empty journal starting at mm_journal_next (call after a commit). */
mm_rc mm_journal_cut(mm_journal *j, mm_error *err);
void mm_journal_free(mm_journal **j);

/* What a replay found. */
typedef struct mm_journal_scan {
    uint64_t base;        /* number of the first record */
    uint64_t records;     /* whole records read */
    uint64_t torn;        /* 1 when the tail was torn (ignored) */
    uint64_t torn_offset; /* where the torn record starts */
    uint64_t torn_bytes;  /* bytes ignored from there */
} mm_journal_scan;

/* Reads the journal at path and calls fn for each whole record, in order, with its number.
 * fn returns MM_OK to go on. MM_ERR_NOTFOUND when there is no journal; MM_ERR_PARSE when the
 * header is not a journal's (a file from elsewhere). OUT: *scan. */
mm_rc mm_journal_replay(const char *path, mm_rc (*fn)(void *arg, uint64_t seq, const mm_jrec *r),
                        void *arg, mm_journal_scan *scan, mm_error *err);
/* The same over an open stream (name is used in messages; the fuzz target reads memory). */
mm_rc mm_journal_replay_stream(FILE *f, const char *name,
                               mm_rc (*fn)(void *arg, uint64_t seq, const mm_jrec *r), void *arg,
                               mm_journal_scan *scan, mm_error *err);

/* Replays logs_dir/journal into the session (called by mm_logsess_open): records already
 * sealed (number below the committed mark) only restore file positions; events of the others
 * that a recovered segment already holds are counted but not stored twice. notices receives a
 * line about what was replayed. OUT: *next (number after the last record, or mark). */
mm_rc mm_journal_recover(mm_logsess *s, const char *logs_dir, uint64_t mark, uint64_t skip,
                         mm_buf *notices, uint64_t *next, mm_error *err);

#endif

/* Private to the collector (collect*.c): the shared state, message batches, and the inputs
 * that live in their own files (RELP in collect_relp.c, followed files in collect_follow.c). */
#ifndef MM_COLLECT_INT_H
#define MM_COLLECT_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "collect.h"
#include "journal.h"
#include "logs_int.h"

#define MM_BATCH_FLUSH (4u * 1024 * 1024) /* a batch is written once it holds this much */

/* Where a followed file stands after a message. */
typedef struct mm_batch_pos {
    const char *path;
    uint64_t dev, ino, end;
} mm_batch_pos;

/* One message of a batch; its bytes are in the batch's encoded journal records. */
typedef struct mm_batch_item {
    size_t off; /* of the message bytes in bytes */
    uint32_t len;
    uint8_t trunc;    /* cut to the maximum size */
    uint8_t has_pos;  /* from a followed file */
    mm_parse_ctx *pc; /* the input's parse context */
    mm_batch_pos pos;
} mm_batch_item;

/* Messages received together, already encoded as journal records: written with one write,
 * then processed from the same bytes. */
typedef struct mm_batch {
    mm_buf bytes; /* journal records (journal.h) */
    mm_batch_item *it;
    size_t n, cap;
    int pidx;      /* parser of every message */
    mm_sv device;  /* --device, or empty */
    uint64_t lost; /* messages that did not fit (counted as dropped at ingest) */
} mm_batch;

void mm_batch_init(mm_batch *b, const mm_collect_opts *o);
void mm_batch_release(mm_batch *b);
/* Encodes one message (receive time pc->now_ms; pos for followed files, else NULL). */
void mm_batch_add(mm_batch *b, mm_parse_ctx *pc, const char *msg, size_t len, int trunc,
                  const mm_batch_pos *pos);

/* The collector's state shared by its inputs. The lock guards the session and the journal:
 * the RELP thread and the poll loop both ingest. */
typedef struct mm_coll {
    mm_logsess *s;
    const mm_collect_opts *o;
    mm_journal *j;
    pthread_mutex_t lock;
    atomic_uint_fast64_t events; /* messages taken (written under the lock, read anywhere) */
    mm_rc failed;                /* the first error an input thread met (the loop stops on it) */
    mm_error ferr;
    int store_failed;     /* a journal write, an append or a commit failed: stop as after a crash */
    uint64_t unjournaled; /* messages lost before the journal (its write failed, bad frames) */
} mm_coll;

/* Journals the batch with one write, then runs its messages through the session; empties it.
 * Takes the lock. On a journal error nothing of the batch was taken (counted as dropped). */
mm_rc mm_coll_ingest(mm_coll *c, mm_batch *b, mm_error *err);

/* ---- RELP (collect_relp.c) ---- */
typedef struct mm_relp mm_relp;
/* Starts a RELP listener on addr ("ADDR:PORT") in its own thread. OUT: *out. */
mm_rc mm_relp_start(mm_coll *c, const char *addr, mm_relp **out, mm_error *err);
/* Stops the listener and joins its thread; accepts NULL. */
void mm_relp_stop(mm_relp **r);

/* ---- followed files (collect_follow.c) ---- */
typedef struct mm_follow mm_follow;
mm_follow *mm_follow_new(mm_coll *c, const char *path);
/* Reads what was appended since the last call, handles rotation and truncation, ingests. */
mm_rc mm_follow_poll(mm_coll *c, mm_follow *f, mm_error *err);
void mm_follow_free(mm_follow **f);

#endif

/* Private to src/logs: helpers shared by the parsers and the segment store. */
#ifndef MM_LOGS_INT_H
#define MM_LOGS_INT_H

#include "logs.h"

/* Copies n bytes into the context's scratch and returns a view of them (empty when full). */
mm_sv mm_scratch_put(mm_parse_ctx *c, const char *p, size_t n);

static inline mm_sv mm_sv_make(const char *p, size_t n)
{
    mm_sv v = {p, (uint32_t)n};
    return v;
}

/* Case-sensitive prefix test on a (p, n) span. */
static inline int mm_has_prefix(const char *p, size_t n, const char *pre, size_t pn)
{
    return n >= pn && memcmp(p, pre, pn) == 0;
}
#define MM_PREFIX(p, n, lit) mm_has_prefix((p), (n), (lit), sizeof(lit) - 1)

/* Finds lit in [p, p+n); NULL when absent. */
const char *mm_memmem(const char *p, size_t n, const char *lit, size_t ln);

/* 64-bit hash of bytes (FNV-1a then a final mix); seed separates uses. */
uint64_t mm_hash64(const void *p, size_t n, uint64_t seed);

/* Parses "a.b.c.d" or an IPv6 address into 16 bytes (v4 mapped); 0 on failure. */
int mm_ip_parse(const char *p, size_t n, uint8_t out[16], int *is_v4);
/* Parses "a.b.c.d/len", "v6/len" or a bare address (full length). 0 on failure. */
int mm_cidr_parse(const char *s, uint8_t net[16], int *bits);
int mm_cidr_match(const uint8_t net[16], int bits, const uint8_t ip[16]);

/* The OpenSSH message parser (the text after the syslog header). */
mm_rc mm_parse_sshd_msg(mm_parse_ctx *c, const char *msg, size_t len, mm_event *ev);
/* Windows Security events (win_events.c): looks up a data field of the event by name and
 * returns its text (NUL-terminated, valid until the mapping returns) or NULL when absent. */
typedef const char *(*mm_win_get)(void *ud, const char *name);
/* Sets action (the id), kind, outcome, user, source and target of ev from event id and its data
 * fields, copying text into c's scratch. Ids not in the table are OTHER. Time and host are the
 * caller's. Shared by parse_winjson.c and evtx.c so both map alike. */
void mm_win_map(mm_parse_ctx *c, long id, mm_win_get get, void *ud, mm_event *ev);

/*
 * The next key=value pair of a FortiGate or WELF line from *pos: values bare (to a space) or
 * in double quotes; words without '=' are skipped. escapes: a backslash in quotes escapes the
 * next byte. 1 with key and val set, 0 at the end, -1 when a quote is not closed (val then
 * runs to the end of the line).
 */
static inline int mm_kv_next(const char *line, size_t len, size_t *pos, int escapes, mm_sv *key,
                             mm_sv *val)
{
    size_t i = *pos, ks, ke, vs;
    int closed = 1;
    for (;;) {
        while (i < len && line[i] == ' ')
            i++;
        if (i >= len) {
            *pos = i;
            return 0;
        }
        ks = i;
        while (i < len && line[i] != '=' && line[i] != ' ')
            i++;
        if (i < len && line[i] == '=')
            break;
        while (i < len && line[i] != ' ') /* a word without '=' */
            i++;
    }
    ke = i++;
    if (i < len && line[i] == '"') {
        vs = ++i;
        while (i < len && line[i] != '"') {
            if (escapes && line[i] == '\\' && i + 1 < len)
                i++;
            i++;
        }
        *val = mm_sv_make(line + vs, (i < len ? i : len) - vs);
        if (i < len)
            i++;
        else
            closed = 0;
    } else {
        vs = i;
        while (i < len && line[i] != ' ')
            i++;
        *val = mm_sv_make(line + vs, i - vs);
    }
    *key = mm_sv_make(line + ks, ke - ks);
    *pos = i;
    return closed ? 1 : -1;
}

/* The Pulse / Ivanti Connect Secure message parser (WELF or plain text, after any header). */
mm_rc mm_parse_ivanti_msg(mm_parse_ctx *c, const char *msg, size_t len, mm_event *ev);

/* ---- segment format (docs/internals/logs.md) ---- */
#define MM_SEG_MAGIC "MMLOGSG1"
#define MM_SEG_VERSION 3 /* 1: raw lines as is; 2: arrival order, no runs (neither read) */
#define MM_SEG_HEADER_LEN 64
#define MM_BLK_MAGIC "MMBK"
#define MM_BLK_HEADER_LEN 72
#define MM_BLK_HASHED_LEN 40       /* header bytes covered by the block hash */
#define MM_BLK_RUN_END 0x80000000u /* in the header's event count: the last block of a run */
#define MM_BLK_COUNT_MASK 0x7fffffffu
#define MM_FTR_IDX_RUN_END 1u /* in a block index entry's flags (offset 12) */
#define MM_FTR_MAGIC "MMLOGFT2"
#define MM_FTR_FIXED_LEN 112
#define MM_FTR_INDEX_ENTRY 32
#define MM_FTR_KEY_ENTRY 16           /* key u64, postings offset u32, block count u32 */
#define MM_FTR_KEY_BITMAP 0x80000000u /* in the offset: the blocks are a bitmap, not a list */
#define MM_TRAILER_MAGIC "MMSEGEND"
#define MM_TRAILER_LEN 16
#define MM_SIG_LEN 64
#define MM_SEG_MAX_BLOCK (64u * 1024 * 1024) /* largest compressed or raw block accepted */
#define MM_SEG_MAX_FOOTER (256u * 1024 * 1024)

static inline void mm_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void mm_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline uint32_t mm_get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}
static inline uint64_t mm_get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

/* Varints (LEB128) on an mm_buf / a bounded reader. */
mm_rc mm_buf_add_varint(mm_buf *b, uint64_t v);
/* Reads a varint at *pos; 0 on overrun. */
int mm_get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v);

/* A growable vector of u32 or u64 (bounded by the block's events). */
typedef struct mm_vec32 {
    uint32_t *v;
    size_t n, cap;
} mm_vec32;
typedef struct mm_vec64 {
    uint64_t *v;
    size_t n, cap;
} mm_vec64;

/* A block-local dictionary of byte strings (templates or field shapes): id = order added. */
typedef struct mm_strdict {
    mm_buf text;      /* the strings back to back */
    mm_vec32 off;     /* per id: offset in text */
    mm_vec32 len;     /* per id: length */
    mm_vec32 nums;    /* per id: number placeholders in it */
    uint32_t *slots;  /* open addressing: id + 1, 0 = empty */
    uint64_t *hashes; /* per slot: the string's hash */
    size_t cap;       /* slots (power of two) */
} mm_strdict;

/*
 * Builds the uncompressed payload of one block (format 2, docs/internals/logs.md): each raw
 * line becomes a template id (kind, outcome, format, flags and the line with its numbers and
 * parsed fields cut out), codes for the fields that are not cut out, shape ids for those that
 * are (slots; a shape is the value with its numbers cut out), and numbers, stored column by
 * column (per template and placeholder, per shape and placeholder), each column as plain
 * values or zigzag deltas, whichever is smaller. The raw line is rebuilt byte for byte.
 */
typedef struct mm_blockb {
    mm_buf times, tpls, fields;
    mm_buf sids[MM_EVF_RAW]; /* per field: shape ids of its slots, event after event */
    mm_buf line;             /* scratch: the template being built */
    mm_buf shape;
    mm_strdict tdict, sdict;
    mm_vec32 ev_tpl;    /* per event: template id */
    mm_vec64 tvals;     /* template numbers, event after event */
    mm_vec32 occ_shape; /* per slot occurrence (event order, then field order): shape id */
    mm_vec64 svals;     /* shape numbers, occurrence after occurrence */
    mm_vec64 tms;       /* per event: its time (ms), encoded by mm_blockb_finish */
    /* the last id interned, + 1 (0 = none), tried before the dictionaries' hash tables: per
     * field for shapes, per kind and parser for templates (lines come in runs of alike) */
    uint32_t last_shape[MM_EVF_RAW];
    uint32_t last_tpl[64];
    uint64_t total_raw;
    uint32_t n;
    int64_t prev_t, tmin, tmax;
} mm_blockb;

void mm_blockb_init(mm_blockb *b);
void mm_blockb_release(mm_blockb *b);
void mm_blockb_reset(mm_blockb *b);
/* MM_ERR_INVALID when the block would exceed MM_SEG_MAX_BLOCK. */
mm_rc mm_blockb_add(mm_blockb *b, const mm_event *ev);
/* Writes the payload into out (reset first). */
mm_rc mm_blockb_finish(mm_blockb *b, mm_buf *out);

/* Decodes a payload into events. The raw lines are rebuilt into the same allocation as the
 * events (one free(*out) releases both); literal fields point into payload, which must
 * outlive the events. OUT: *out (caller frees), *n. MM_ERR_PARSE when the payload is
 * malformed. first_seq numbers the events. */
mm_rc mm_block_decode(const uint8_t *payload, size_t len, uint64_t first_seq, mm_event **out,
                      size_t *n);
/* The same for a query: returns only the events that may match q (time, kind, and user,
 * source or device when the field can be compared before the raw line is rebuilt); the
 * others are not rebuilt. The caller still applies q to what is returned. */
mm_rc mm_block_decode_match(const uint8_t *payload, size_t len, uint64_t first_seq,
                            const mm_logq *q, mm_event **out, size_t *n);

/*
 * A run (seg_run.c): events held by the writer until they are laid out in blocks grouped by
 * account (the user's key, else the source's, else none; keys ascending, arrival order within
 * a group). mm_logrun_add copies the event; mm_logrun_order computes pos[] (arrival index →
 * stored position) and soff[] (stored position → record); mm_logrun_event gives back event i
 * (arrival index) as views into the run. A query holds its matches in a run too, and
 * mm_logrun_order_by_time puts order[] (place → arrival index) by time.
 */
typedef struct mm_logrun {
    char *arena;
    size_t used, cap;
    size_t *recoff; /* per event (arrival order): its record in the arena */
    uint32_t *grp;  /* per event: its group */
    uint32_t n;
    size_t capn, capord;
    uint32_t *gtable; /* open addressing: group + 1 */
    uint64_t *gkey;   /* per group: its key */
    uint32_t *gcount; /* per group: its events */
    size_t ngroups, gcap;
    uint32_t *order, *pos;
    size_t *soff; /* per stored position: the record (what the writer reads, in that order) */
} mm_logrun;

void mm_logrun_init(mm_logrun *r);
void mm_logrun_reset(mm_logrun *r);
void mm_logrun_release(mm_logrun *r);
void mm_logrun_add(mm_logrun *r, const mm_event *ev, const uint64_t keys[2]);
void mm_logrun_order(mm_logrun *r);
/* Fetches into the cache what the writer reads soon after stored position at (it reads the
 * run out of arrival order). */
void mm_logrun_prefetch(const mm_logrun *r, uint32_t at);
/* order[] by (time, seq) instead: how a query hands out the matches of one run. */
void mm_logrun_order_by_time(mm_logrun *r);
/* OUT: *ev (views valid until the run is reset), keys (may be NULL): the user and source keys. */
void mm_logrun_event(const mm_logrun *r, uint32_t i, mm_event *ev, uint64_t keys[2]);
/* The same for the event at stored position at (after mm_logrun_order). */
void mm_logrun_event_at(const mm_logrun *r, uint32_t at, mm_event *ev, uint64_t keys[2]);

/* The block hash: BLAKE2b-256(prev || header[0..40) || BLAKE2b-256(compressed)). The inner
 * hash of each block is independent of the chain, so verify computes them in parallel. */
void mm_block_hash_inner(const uint8_t *comp, size_t clen, uint8_t out[32]);
void mm_block_hash_outer(const uint8_t prev[32], const uint8_t *hdr, const uint8_t inner[32],
                         uint8_t out[32]);
void mm_block_hash(const uint8_t prev[32], const uint8_t *hdr, const uint8_t *comp, size_t clen,
                   uint8_t out[32]);
/* The first block's "previous hash": BLAKE2b-256 of the segment header. */
void mm_seg_header_hash(const uint8_t hdr[MM_SEG_HEADER_LEN], uint8_t out[32]);

/* Bloom filter of a segment's users (lower-cased) and sources. */
#define MM_BLOOM_K 6
uint64_t mm_bloom_key(char field, const char *p, size_t n);
void mm_bloom_add(uint8_t *bits, uint32_t mbits, uint64_t key);
int mm_bloom_test(const uint8_t *bits, uint32_t mbits, uint64_t key);

/* A parsed footer (views into the footer bytes). */
typedef struct mm_footer {
    uint32_t len, nblocks;
    uint64_t segno, first_seq, events;
    int64_t tmin, tmax;
    const uint8_t *last_hash; /* 32 */
    uint64_t key_id;
    uint32_t bloom_bits;
    const uint8_t *index; /* nblocks × 32 */
    const uint8_t *bloom; /* bloom_bits / 8 */
    uint32_t nkeys;       /* account index entries */
    uint32_t postings_len;
    const uint8_t *keys;     /* nkeys × 16, ascending by key */
    const uint8_t *postings; /* postings_len bytes of varint block-number deltas */
    const uint8_t *sig;      /* 64, over bytes [0, sig - start) */
    const uint8_t *start;
} mm_footer;

/* Parses a footer of flen bytes (trailer included). MM_ERR_PARSE when malformed. */
mm_rc mm_footer_parse(const uint8_t *p, size_t flen, mm_footer *f);
/* The blocks of the segment that hold key (mm_bloom_key), from the account index, ascending.
 * OUT: *blocks (caller frees; NULL when none), *n. MM_ERR_PARSE when the index is damaged. */
mm_rc mm_footer_key_blocks(const mm_footer *f, uint64_t key, uint32_t **blocks, size_t *n);

/* The format version of a segment from its header bytes (at least 12); 0 when the magic is
 * not a segment's. */
uint32_t mm_seg_version(const uint8_t *hdr, size_t n);

/* Reads the footer of a sealed segment file (fd), OUT: *buf (caller frees), *f. */
mm_rc mm_footer_read(int fd, uint64_t file_size, uint8_t **buf, mm_footer *f);

/* "seg-00000001.mms" for segment n. */
void mm_seg_name(uint64_t n, char *out, size_t outsz);
/* Segment number from a file name; 0 when it is not a segment name. */
uint64_t mm_seg_number(const char *name);

/* Whole-read/write helpers that retry on EINTR and short transfers. */
mm_rc mm_read_full(int fd, void *buf, size_t n, uint64_t off);
mm_rc mm_write_full(int fd, const void *buf, size_t n);

/* The counters of mm_logs_counts by their name in the log_counter table (logs_stats.c): one
 * table for recording them (logs_session.c) and reading them back. */
typedef struct mm_log_counter {
    const char *name;
    size_t off; /* of a uint64_t in mm_logs_counts */
} mm_log_counter;
extern const mm_log_counter mm_log_counters[];
extern const size_t mm_log_counters_len;

void mm_hex(const uint8_t *p, size_t n, char *out);  /* out: 2n+1 */
int mm_unhex(const char *s, uint8_t *out, size_t n); /* 1 on success */

#endif

/*
 * A run: the events the writer holds before it lays them out in blocks, so that one account's
 * events sit together (docs/internals/logs.md, "Runs"). Each event is copied into an arena
 * (its raw line, then the field values that are not views into the line); at the end of the
 * run the events are ordered by group — the account key of the user, else of the source, else
 * none — ascending by key, and by arrival within a group. Ordering is a counting sort over the
 * groups: linear in the events, with the (few) distinct keys sorted.
 */
#include "logs_int.h"

/* One event in the arena; its bytes (raw line first) follow the record. */
typedef struct run_rec {
    int64_t time_ms;
    uint64_t seq;     /* kept for queries, which hold their matches in a run too */
    uint64_t keys[2]; /* user and source keys (mm_bloom_key; 0 when empty) */
    uint8_t kind, outcome, format, flags;
    uint32_t bytes;              /* bytes after the record */
    uint32_t off[MM_EVF__COUNT]; /* of each field in those bytes */
    uint32_t len[MM_EVF__COUNT]; /* 0 = empty */
} run_rec;

#define REC_ALIGN 8

static size_t rec_size(uint32_t bytes)
{
    return (sizeof(run_rec) + bytes + REC_ALIGN - 1) & ~(size_t)(REC_ALIGN - 1);
}

void mm_logrun_init(mm_logrun *r)
{
    memset(r, 0, sizeof(*r));
}

void mm_logrun_reset(mm_logrun *r)
{
    r->used = 0;
    r->n = 0;
    r->ngroups = 0;
    if (r->gtable)
        memset(r->gtable, 0, r->gcap * sizeof(*r->gtable));
}

void mm_logrun_release(mm_logrun *r)
{
    free(r->arena);
    free(r->recoff);
    free(r->grp);
    free(r->gtable);
    free(r->gkey);
    free(r->gcount);
    free(r->order);
    free(r->pos);
    free(r->soff);
    memset(r, 0, sizeof(*r));
}

static uint32_t group_of(mm_logrun *r, uint64_t key)
{
    size_t i;
    if (2 * (r->ngroups + 1) > r->gcap) { /* grow and rehash */
        size_t ncap = r->gcap ? r->gcap * 2 : 256;
        uint32_t *nt = mm_xcalloc(ncap, sizeof(*nt));
        for (size_t j = 0; j < r->gcap; j++) {
            uint32_t g = r->gtable[j];
            if (!g)
                continue;
            i = (size_t)((r->gkey[g - 1] * 0x9E3779B97F4A7C15ULL) >> 17) & (ncap - 1);
            while (nt[i])
                i = (i + 1) & (ncap - 1);
            nt[i] = g;
        }
        free(r->gtable);
        r->gtable = nt;
        r->gcap = ncap;
        r->gkey = mm_xrealloc(r->gkey, ncap / 2 * sizeof(*r->gkey));
        r->gcount = mm_xrealloc(r->gcount, ncap / 2 * sizeof(*r->gcount));
    }
    i = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> 17) & (r->gcap - 1);
    while (r->gtable[i]) {
        uint32_t g = r->gtable[i] - 1;
        if (r->gkey[g] == key)
            return g;
        i = (i + 1) & (r->gcap - 1);
    }
    r->gkey[r->ngroups] = key;
    r->gcount[r->ngroups] = 0;
    r->gtable[i] = (uint32_t)r->ngroups + 1;
    return (uint32_t)r->ngroups++;
}

void mm_logrun_add(mm_logrun *r, const mm_event *ev, const uint64_t keys[2])
{
    const mm_sv raw = ev->f[MM_EVF_RAW];
    uintptr_t r0 = (uintptr_t)raw.p, r1 = r0 + raw.n;
    uint32_t bytes = raw.n;
    size_t need;
    run_rec *rec;
    char *p;
    uint32_t g;

    for (int i = 0; i < MM_EVF_RAW; i++) { /* values outside the line are copied after it */
        uintptr_t a = (uintptr_t)ev->f[i].p;
        if (ev->f[i].n && !(a >= r0 && a + ev->f[i].n <= r1))
            bytes += ev->f[i].n;
    }
    need = rec_size(bytes);
    if (r->used + need > r->cap) {
        size_t ncap = r->cap ? r->cap : 1u << 20;
        while (ncap < r->used + need)
            ncap *= 2;
        r->arena = mm_xrealloc(r->arena, ncap);
        r->cap = ncap;
    }
    if (r->n == r->capn) {
        r->capn = r->capn ? r->capn * 2 : 4096;
        r->recoff = mm_xrealloc(r->recoff, r->capn * sizeof(*r->recoff));
        r->grp = mm_xrealloc(r->grp, r->capn * sizeof(*r->grp));
    }
    rec = (run_rec *)(void *)(r->arena + r->used);
    p = (char *)(rec + 1);
    rec->time_ms = ev->time_ms;
    rec->seq = ev->seq;
    rec->keys[0] = keys[0];
    rec->keys[1] = keys[1];
    rec->kind = ev->kind;
    rec->outcome = ev->outcome;
    rec->format = ev->format;
    rec->flags = ev->flags;
    rec->bytes = bytes;
    if (raw.n)
        memcpy(p, raw.p, raw.n);
    rec->off[MM_EVF_RAW] = 0;
    rec->len[MM_EVF_RAW] = raw.n;
    bytes = raw.n;
    for (int i = 0; i < MM_EVF_RAW; i++) {
        uintptr_t a = (uintptr_t)ev->f[i].p;
        rec->len[i] = ev->f[i].n;
        if (!ev->f[i].n) {
            rec->off[i] = 0;
        } else if (a >= r0 && a + ev->f[i].n <= r1) {
            rec->off[i] = (uint32_t)(a - r0);
        } else {
            memcpy(p + bytes, ev->f[i].p, ev->f[i].n);
            rec->off[i] = bytes;
            bytes += ev->f[i].n;
        }
    }
    g = group_of(r, keys[0] ? keys[0] : keys[1]);
    r->gcount[g]++;
    r->recoff[r->n] = r->used;
    r->grp[r->n] = g;
    r->n++;
    r->used += need;
}

/* Room in order[], pos[] and soff[] for every event of the run. */
static void order_room(mm_logrun *r)
{
    if (r->n > r->capord) {
        r->capord = r->capn;
        r->order = mm_xrealloc(r->order, r->capord * sizeof(*r->order));
        r->pos = mm_xrealloc(r->pos, r->capord * sizeof(*r->pos));
        r->soff = mm_xrealloc(r->soff, r->capord * sizeof(*r->soff));
    }
}

typedef struct gkey {
    uint64_t key;
    uint32_t g;
} gkey;

static int gkey_cmp(const void *a, const void *b)
{
    const gkey *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

void mm_logrun_order(mm_logrun *r)
{
    gkey *gs;
    uint32_t *start;
    uint32_t acc = 0;
    order_room(r);
    gs = mm_xmalloc((r->ngroups ? r->ngroups : 1) * sizeof(*gs));
    start = mm_xmalloc((r->ngroups ? r->ngroups : 1) * sizeof(*start));
    for (size_t g = 0; g < r->ngroups; g++)
        gs[g] = (gkey){r->gkey[g], (uint32_t)g};
    qsort(gs, r->ngroups, sizeof(*gs), gkey_cmp); /* keys are distinct */
    for (size_t k = 0; k < r->ngroups; k++) {
        start[gs[k].g] = acc;
        acc += r->gcount[gs[k].g];
    }
    for (uint32_t i = 0; i < r->n; i++) { /* arrival order within a group */
        uint32_t at = start[r->grp[i]]++;
        r->pos[i] = at;
        r->soff[at] = r->recoff[i];
    }
    free(gs);
    free(start);
}

typedef struct tkey {
    int64_t t;
    uint64_t seq;
    uint32_t i;
} tkey;

static int tkey_cmp(const void *a, const void *b)
{
    const tkey *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void mm_logrun_order_by_time(mm_logrun *r)
{
    tkey *k;
    int sorted = 1;
    order_room(r);
    k = mm_xmalloc((r->n ? r->n : 1) * sizeof(*k));
    for (uint32_t i = 0; i < r->n; i++) {
        const run_rec *rec = (const run_rec *)(const void *)(r->arena + r->recoff[i]);
        k[i] = (tkey){rec->time_ms, rec->seq, i};
        if (i && sorted && tkey_cmp(&k[i - 1], &k[i]) > 0)
            sorted = 0;
    }
    if (!sorted)
        qsort(k, r->n, sizeof(*k), tkey_cmp);
    for (uint32_t i = 0; i < r->n; i++)
        r->order[i] = k[i].i;
    free(k);
}

void mm_logrun_prefetch(const mm_logrun *r, uint32_t at)
{
    const char *p;
    if (at + 8 >= r->n)
        return;
    p = r->arena + r->soff[at + 8];
    __builtin_prefetch(p);
    __builtin_prefetch(p + 64);
    __builtin_prefetch(p + 128);
    __builtin_prefetch(p + 192);
}

/* Event i's record (views into it) into ev; keys when not NULL. */
static void rec_event(const run_rec *rec, mm_event *ev, uint64_t keys[2])
{
    const char *p = (const char *)(rec + 1);
    ev->time_ms = rec->time_ms;
    ev->kind = rec->kind;
    ev->outcome = rec->outcome;
    ev->format = rec->format;
    ev->flags = rec->flags;
    ev->seq = rec->seq;
    for (int f = 0; f < MM_EVF__COUNT; f++)
        ev->f[f] = (mm_sv){p + rec->off[f], rec->len[f]}; /* never NULL, even when empty */
    if (keys) {
        keys[0] = rec->keys[0];
        keys[1] = rec->keys[1];
    }
}

void mm_logrun_event_at(const mm_logrun *r, uint32_t at, mm_event *ev, uint64_t keys[2])
{
    rec_event((const run_rec *)(const void *)(r->arena + r->soff[at]), ev, keys);
}

void mm_logrun_event(const mm_logrun *r, uint32_t i, mm_event *ev, uint64_t keys[2])
{
    rec_event((const run_rec *)(const void *)(r->arena + r->recoff[i]), ev, keys);
}

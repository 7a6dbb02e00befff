/*
 * The block payload codec (segment format 2): raw lines are split into a template (the
 * constant text), the parsed fields cut out of the line (slots, whose values are stored as
 * shapes from a block dictionary) and the numbers (digit runs), and the block is written column
 * by column so zstd sees long runs of alike bytes. Decoding rebuilds every raw line byte for
 * byte; the layout is in docs/internals/logs.md.
 */
#include <strings.h>

#include "logs_int.h"

#define BLOCK_BUF_MAX ((size_t)MM_SEG_MAX_BLOCK)

/* Template and shape markers; any other byte is itself. */
#define MK_NUM 0x01   /* a number without leading zeros */
#define MK_PAD 0x02   /* then a width byte (2..19): a zero-padded number */
#define MK_FIELD 0x03 /* then a field index (0..5): a slot (templates only) */
#define MK_ESC 0x04   /* then one literal byte (0x01..0x04 in the text) */
#define MAX_DIGITS 19 /* 10^19 - 1 fits in 64 bits */
#define TPL_PREFIX 4  /* a template starts with kind, outcome, format, flags */

/* How a number column is stored: a mode byte, then the values. */
#define COL_PLAIN 0 /* the values */
#define COL_DELTA 1 /* zigzag(value - previous), from 0 */
#define COL_TIME                                                                                   \
    2 /* byte f, varint zigzag(offset minutes): no values, each is field f of the                  \
         event's time plus the offset (a timestamp written in the line) */

/* The fields of an event's time a COL_TIME column can be. */
enum { TF_SEC, TF_MIN, TF_HOUR, TF_MDAY, TF_MON, TF_YEAR, TF_EPOCH, TF__COUNT };

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* The last date computed: lines come in runs of one day, so the Gregorian date is worked
 * out once per day and column, not per value. */
typedef struct tmemo {
    int64_t days;    /* INT64_MIN: none yet */
    uint64_t ymd[3]; /* by TF_MDAY, TF_MON, TF_YEAR */
} tmemo;

#define TMEMO_INIT                                                                                 \
    {                                                                                              \
        INT64_MIN,                                                                                 \
        {                                                                                          \
            0, 0, 0                                                                                \
        }                                                                                          \
    }

/* Field f of the time ms (UTC) shifted by off minutes; the Gregorian date from the day count
 * by the usual era arithmetic (400-year eras of 146097 days, years from March). */
static uint64_t time_field(int f, int64_t ms, int64_t off, tmemo *m)
{
    int64_t sec = floor_div(ms, 1000), s = sec + off * 60;
    int64_t days = floor_div(s, 86400), sod = s - days * 86400;
    int64_t z, era, doe, yoe, doy, mp, mo;
    switch (f) {
    case TF_SEC: return (uint64_t)(sod % 60);
    case TF_MIN: return (uint64_t)(sod / 60 % 60);
    case TF_HOUR: return (uint64_t)(sod / 3600);
    case TF_EPOCH: return (uint64_t)sec;
    default: break;
    }
    if (days != m->days) {
        z = days + 719468;
        era = floor_div(z, 146097);
        doe = z - era * 146097;
        yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        mp = (5 * doy + 2) / 153;
        mo = mp < 10 ? mp + 3 : mp - 9;
        m->ymd[0] = (uint64_t)(doy - (153 * mp + 2) / 5 + 1);
        m->ymd[1] = (uint64_t)mo;
        m->ymd[2] = (uint64_t)(yoe + era * 400 + (mo <= 2));
        m->days = days;
    }
    return m->ymd[f - TF_MDAY];
}

/* Whether column c (cnt values, value j from the event idx[j]) is field f of the events'
 * times shifted by off minutes. */
static int col_is_time(const uint64_t *c, uint32_t cnt, const uint32_t *idx, const int64_t *times,
                       int f, int64_t off)
{
    tmemo m = TMEMO_INIT;
    for (uint32_t j = 0; j < cnt; j++)
        if (time_field(f, times[idx[j]], off, &m) != c[j])
            return 0;
    return 1;
}

/* The time field and offset column c follows; 0 when none. Offsets tried: none, *zone (the
 * last one an hour column matched in this block, at first +9 h) and, for an hour column,
 * the whole hours (-12..+14) that its first value implies. Most columns fail on the first
 * value's range. */
static int find_time_col(const uint64_t *c, uint32_t cnt, const uint32_t *idx, const int64_t *times,
                         int64_t *zone, int *f_out, int64_t *off_out)
{
    static const uint64_t lo[TF__COUNT] = {0, 0, 0, 1, 1, 1900, 0};
    static const uint64_t hi[TF__COUNT] = {59, 59, 23, 31, 12, 9999, UINT64_MAX};
    tmemo m0 = TMEMO_INIT;
    for (int f = 0; f < TF__COUNT; f++) {
        int64_t offs[4];
        int n = 0;
        if (c[0] < lo[f] || c[0] > hi[f])
            continue;
        offs[n++] = 0;
        if (f == TF_HOUR || f == TF_MDAY || f == TF_MON || f == TF_YEAR) {
            if (*zone)
                offs[n++] = *zone;
            if (f == TF_HOUR) { /* the zones in which the first value is this hour */
                int64_t h =
                    ((int64_t)c[0] - (int64_t)time_field(TF_HOUR, times[idx[0]], 0, &m0) + 48) % 24;
                if (h <= 14 && h * 60 != *zone && h)
                    offs[n++] = h * 60;
                if (h - 24 >= -12 && (h - 24) * 60 != *zone)
                    offs[n++] = (h - 24) * 60;
            }
        }
        for (int k = 0; k < n; k++)
            if (time_field(f, times[idx[0]], offs[k], &m0) == c[0] &&
                col_is_time(c, cnt, idx, times, f, offs[k])) {
                *f_out = f;
                *off_out = offs[k];
                if (f == TF_HOUR)
                    *zone = offs[k];
                return 1;
            }
    }
    return 0;
}

/* Field codes: the low two bits say which, the rest is a length or a field index. */
#define FC_LIT 0  /* length << 2, then the bytes (0 = empty) */
#define FC_SLOT 1 /* exactly 1, then the shape id */
#define FC_REF 2  /* length << 2 | 2, then the offset in the raw line */
#define FC_SAME 3 /* j << 2 | 3: the same bytes as field j < this one */

static void vec32_push(mm_vec32 *v, uint32_t x)
{
    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 256;
        v->v = mm_xrealloc(v->v, v->cap * sizeof(*v->v));
    }
    v->v[v->n++] = x;
}

static void dict_init(mm_strdict *d)
{
    memset(d, 0, sizeof(*d));
    mm_buf_init(&d->text, BLOCK_BUF_MAX);
}

static void dict_release(mm_strdict *d)
{
    mm_buf_release(&d->text);
    free(d->off.v);
    free(d->len.v);
    free(d->nums.v);
    free(d->slots);
    free(d->hashes);
}

static void dict_reset(mm_strdict *d)
{
    mm_buf_reset(&d->text);
    d->off.n = d->len.n = d->nums.n = 0;
    if (d->slots)
        memset(d->slots, 0, d->cap * sizeof(*d->slots));
}

static void dict_grow(mm_strdict *d)
{
    size_t ncap = d->cap ? d->cap * 2 : 256;
    uint32_t *ns = mm_xcalloc(ncap, sizeof(*ns));
    uint64_t *nh = mm_xcalloc(ncap, sizeof(*nh));
    for (size_t i = 0; i < d->cap; i++)
        if (d->slots[i]) {
            size_t j = (size_t)d->hashes[i] & (ncap - 1);
            while (ns[j])
                j = (j + 1) & (ncap - 1);
            ns[j] = d->slots[i];
            nh[j] = d->hashes[i];
        }
    free(d->slots);
    free(d->hashes);
    d->slots = ns;
    d->hashes = nh;
    d->cap = ncap;
}

/* A quick 64-bit hash for the dictionaries: 16 bytes at a time in two independent lanes (two
 * multiply chains run side by side), then 8, then the tail, then a final mix. */
static uint64_t dict_hash(const char *s, size_t n)
{
    uint64_t h = 0x9E3779B97F4A7C15ULL ^ n, g = 0x2545F4914F6CDD1DULL, w, x;
    while (n >= 16) {
        memcpy(&w, s, 8);
        memcpy(&x, s + 8, 8);
        h = (h ^ (w * 0xFF51AFD7ED558CCDULL)) * 0xC4CEB9FE1A85EC53ULL;
        g = (g ^ (x * 0xC4CEB9FE1A85EC53ULL)) * 0xFF51AFD7ED558CCDULL;
        h ^= h >> 29;
        g ^= g >> 31;
        s += 16;
        n -= 16;
    }
    if (n >= 8) {
        memcpy(&w, s, 8);
        h = (h ^ (w * 0xFF51AFD7ED558CCDULL)) * 0xC4CEB9FE1A85EC53ULL;
        h ^= h >> 29;
        s += 8;
        n -= 8;
    }
    w = 0;
    memcpy(&w, s, n);
    h = (h ^ (w * 0xFF51AFD7ED558CCDULL) ^ (g * 0x9E3779B97F4A7C15ULL)) * 0xC4CEB9FE1A85EC53ULL;
    return h ^ (h >> 32);
}

/* The id of s (added when new). OUT: *id. MM_ERR_INVALID when the dictionary is full. */
static mm_rc dict_intern(mm_strdict *d, const char *s, size_t n, uint32_t nums, uint32_t *id)
{
    uint64_t h = dict_hash(s, n);
    size_t i;
    if (2 * (d->off.n + 1) > d->cap)
        dict_grow(d);
    i = (size_t)h & (d->cap - 1);
    while (d->slots[i]) {
        uint32_t k = d->slots[i] - 1;
        if (d->hashes[i] == h && d->len.v[k] == n &&
            memcmp(d->text.data + d->off.v[k], s, n) == 0) {
            *id = k;
            return MM_OK;
        }
        i = (i + 1) & (d->cap - 1);
    }
    if (mm_buf_add(&d->text, s, n) != MM_OK)
        return MM_ERR_INVALID;
    *id = (uint32_t)d->off.n;
    vec32_push(&d->off, (uint32_t)(d->text.len - n));
    vec32_push(&d->len, (uint32_t)n);
    vec32_push(&d->nums, nums);
    d->slots[i] = *id + 1;
    d->hashes[i] = h;
    return MM_OK;
}

/* dict_intern with a guess: when the entry guess (id + 1, 0 = none) holds exactly s, its id
 * without hashing; else the dictionary's, and *guess becomes it. */
static mm_rc dict_intern_guess(mm_strdict *d, uint32_t *guess, const char *s, size_t n,
                               uint32_t nums, uint32_t *id)
{
    mm_rc rc;
    if (*guess) {
        uint32_t k = *guess - 1;
        if (d->len.v[k] == n && memcmp(d->text.data + d->off.v[k], s, n) == 0) {
            *id = k;
            return MM_OK;
        }
    }
    rc = dict_intern(d, s, n, nums, id);
    if (rc == MM_OK)
        *guess = *id + 1;
    return rc;
}

void mm_blockb_init(mm_blockb *b)
{
    memset(b, 0, sizeof(*b));
    mm_buf_init(&b->times, BLOCK_BUF_MAX);
    for (int f = 0; f < MM_EVF_RAW; f++)
        mm_buf_init(&b->sids[f], BLOCK_BUF_MAX);
    mm_buf_init(&b->tpls, BLOCK_BUF_MAX);
    mm_buf_init(&b->fields, BLOCK_BUF_MAX);
    mm_buf_init(&b->line, BLOCK_BUF_MAX);
    mm_buf_init(&b->shape, BLOCK_BUF_MAX);
    dict_init(&b->tdict);
    dict_init(&b->sdict);
}

void mm_blockb_release(mm_blockb *b)
{
    mm_buf_release(&b->times);
    for (int f = 0; f < MM_EVF_RAW; f++)
        mm_buf_release(&b->sids[f]);
    mm_buf_release(&b->tpls);
    mm_buf_release(&b->fields);
    mm_buf_release(&b->line);
    mm_buf_release(&b->shape);
    dict_release(&b->tdict);
    dict_release(&b->sdict);
    free(b->ev_tpl.v);
    free(b->tvals.v);
    free(b->occ_shape.v);
    free(b->svals.v);
    free(b->tms.v);
}

void mm_blockb_reset(mm_blockb *b)
{
    mm_buf_reset(&b->times);
    for (int f = 0; f < MM_EVF_RAW; f++)
        mm_buf_reset(&b->sids[f]);
    mm_buf_reset(&b->tpls);
    mm_buf_reset(&b->fields);
    dict_reset(&b->tdict);
    dict_reset(&b->sdict);
    b->ev_tpl.n = b->tvals.n = b->occ_shape.n = b->svals.n = b->tms.n = 0;
    memset(b->last_shape, 0, sizeof(b->last_shape)); /* the dictionaries are empty again */
    memset(b->last_tpl, 0, sizeof(b->last_tpl));
    b->total_raw = 0;
    b->n = 0;
    b->prev_t = 0;
    b->tmin = b->tmax = 0;
}

static uint64_t zigzag(int64_t v)
{
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t unzigzag(uint64_t v)
{
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* reserve when the buffer must grow (or cannot). */
static int reserve_grow(mm_buf *b, size_t n)
{
    return mm_buf_reserve(b, n) == MM_OK;
}

/* Makes room for n more bytes (within max); 0 when the buffer would exceed its max. */
static inline int reserve(mm_buf *b, size_t n)
{
    if (b->len + n < b->cap && b->len + n <= b->max) /* the usual case: room already */
        return 1;
    return reserve_grow(b, n);
}

/* Appends a varint; the caller reserved 10 bytes. */
static inline void put_varint(mm_buf *b, uint64_t v)
{
    uint8_t *p = (uint8_t *)b->data + b->len;
    while (v >= 0x80) {
        *p++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *p++ = (uint8_t)v;
    b->len = (size_t)(p - (uint8_t *)b->data);
}

/* Byte classes for tokenize: 0 = copied as is, 1 = a digit, 2 = a marker byte to escape. */
static const uint8_t tok_class[256] = {
    [MK_NUM] = 2, [MK_PAD] = 2, [MK_FIELD] = 2, [MK_ESC] = 2, ['0'] = 1, ['1'] = 1, ['2'] = 1,
    ['3'] = 1,    ['4'] = 1,    ['5'] = 1,      ['6'] = 1,    ['7'] = 1, ['8'] = 1, ['9'] = 1,
};

/* Nonzero when one of the 8 bytes in w is a digit or a marker byte (0x01..0x04). Each byte's
 * low 7 bits y are compared by adding a constant that carries into bit 7 exactly when y
 * reaches the bound (y + c stays below 0x100, so bytes never carry into each other); bytes
 * with bit 7 set (UTF-8) are plain. */
static inline uint64_t tok_special(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL;
    uint64_t y = w & (ones * 0x7F);
    uint64_t digit = (y + ones * (0x80 - '0')) & ~(y + ones * (0x7F - '9'));
    uint64_t mark = (y + ones * (0x80 - MK_NUM)) & ~(y + ones * (0x7F - MK_ESC));
    return (digit | mark) & ~w & (ones * 0x80);
}

/* Makes room for n more values in v. */
static void vec64_reserve(mm_vec64 *v, size_t n)
{
    if (v->cap - v->n < n) {
        size_t cap = v->cap ? v->cap : 256;
        while (cap - v->n < n)
            cap *= 2;
        v->v = mm_xrealloc(v->v, cap * sizeof(*v->v));
        v->cap = cap;
    }
}

/*
 * Appends the markers for the text [p, p+n) to out and its numbers to vals; returns the
 * count of numbers. The caller reserved 2n bytes in out.
 */
static uint32_t tokenize(mm_buf *out, mm_vec64 *vals, const char *p, size_t n)
{
    uint8_t *o = (uint8_t *)out->data + out->len;
    const uint8_t *s = (const uint8_t *)p;
    uint64_t *val;
    uint32_t nums = 0;
    size_t i = 0;
    vec64_reserve(vals, n); /* at most one number per byte */
    val = vals->v + vals->n;
    while (i < n) {
        unsigned cls = tok_class[s[i]];
        if (cls == 0) { /* a run of plain bytes, copied 8 at a time while all 8 are plain */
            *o++ = s[i++];
            for (uint64_t w; i + 8 <= n; i += 8, o += 8) {
                memcpy(&w, s + i, 8);
                if (tok_special(w))
                    break;
                memcpy(o, &w, 8);
            }
            while (i < n && tok_class[s[i]] == 0)
                *o++ = s[i++];
            continue;
        }
        if (cls == 1) {
            size_t j = i, lim = n - i > MAX_DIGITS ? i + MAX_DIGITS : n;
            uint64_t v = 0;
            unsigned dg;
            while (j < lim && (dg = (unsigned)s[j] - '0') < 10) {
                v = v * 10 + dg;
                j++;
            }
            if (s[i] == '0' && j - i > 1) {
                *o++ = MK_PAD;
                *o++ = (uint8_t)(j - i);
            } else {
                *o++ = MK_NUM;
            }
            *val++ = v;
            nums++;
            i = j;
            continue;
        }
        *o++ = MK_ESC;
        *o++ = s[i++];
    }
    vals->n += nums;
    out->len = (size_t)(o - (uint8_t *)out->data);
    return nums;
}

mm_rc mm_blockb_add(mm_blockb *b, const mm_event *ev)
{
    const mm_sv raw = ev->f[MM_EVF_RAW];
    uintptr_t r0 = (uintptr_t)raw.p, r1 = r0 + raw.n;
    int code[MM_EVF_RAW], order[MM_EVF_RAW], nord = 0;
    size_t lit = 0, pos = 0, end = 0;
    uint32_t tnums = 0, id;
    size_t tvals0 = b->tvals.n, svals0 = b->svals.n, occ0 = b->occ_shape.n;
    size_t tpls0 = b->tpls.len, fields0 = b->fields.len, evtpl0 = b->ev_tpl.n;
    size_t sids0[MM_EVF_RAW];

    for (int i = 0; i < MM_EVF_RAW; i++) {
        lit += ev->f[i].n;
        sids0[i] = b->sids[i].len;
    }
    if (b->total_raw + raw.n > BLOCK_BUF_MAX || !reserve(&b->times, 10) || !reserve(&b->tpls, 10) ||
        !reserve(&b->fields, MM_EVF_RAW * 20 + lit) || !reserve(&b->line, 2 * (size_t)raw.n + 20))
        return MM_ERR_INVALID;
    for (int f = 0; f < MM_EVF_RAW; f++)
        if (!reserve(&b->sids[f], 10))
            return MM_ERR_INVALID;
    mm_buf_reset(&b->line);
    b->line.data[0] = (char)ev->kind; /* the template starts with the event's four bytes */
    b->line.data[1] = (char)ev->outcome;
    b->line.data[2] = (char)ev->format;
    b->line.data[3] = (char)ev->flags;
    b->line.len = TPL_PREFIX;

    /* which fields are slots (cut out of the line), references, copies or literals */
    for (int f = 0; f < MM_EVF_RAW; f++) {
        mm_sv v = ev->f[f];
        uintptr_t p = (uintptr_t)v.p;
        code[f] = FC_LIT;
        if (v.n == 0 || !raw.n || p < r0 || p + v.n > r1)
            continue;
        code[f] = FC_REF;
        for (int j = 0; j < f; j++)
            if (code[j] != FC_LIT && ev->f[j].p == v.p && ev->f[j].n == v.n) {
                code[f] = FC_SAME | (j << 2);
                break;
            }
        if (code[f] == FC_REF) {
            int k = nord++;
            while (k > 0 && (uintptr_t)ev->f[order[k - 1]].p > p) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = f;
        }
    }
    for (int k = 0; k < nord; k++) { /* slots: non-overlapping, by offset */
        int f = order[k];
        size_t off = (size_t)((uintptr_t)ev->f[f].p - r0);
        if (off < end)
            continue;
        code[f] = FC_SLOT;
        end = off + ev->f[f].n;
    }
    for (int k = 0; k < nord; k++) {
        int f = order[k];
        size_t off = (size_t)((uintptr_t)ev->f[f].p - r0);
        if (code[f] != FC_SLOT)
            continue;
        tnums += tokenize(&b->line, &b->tvals, raw.p + pos, off - pos);
        b->line.data[b->line.len++] = MK_FIELD;
        b->line.data[b->line.len++] = (char)f;
        pos = off + ev->f[f].n;
    }
    tnums += tokenize(&b->line, &b->tvals, raw.p + pos, raw.n - pos);
    if (dict_intern_guess(
            &b->tdict,
            &b->last_tpl[((unsigned)ev->kind * 31u + ev->format) & (MM_ARRAY_LEN(b->last_tpl) - 1)],
            b->line.data, b->line.len, tnums, &id) != MM_OK)
        goto full;
    put_varint(&b->tpls, id);
    vec32_push(&b->ev_tpl, id);

    for (int f = 0; f < MM_EVF_RAW; f++) {
        mm_sv v = ev->f[f];
        switch (code[f] & 3) {
        case FC_LIT:
            put_varint(&b->fields, (uint64_t)v.n << 2);
            if (v.n)
                memcpy(b->fields.data + b->fields.len, v.p, v.n);
            b->fields.len += v.n;
            break;
        case FC_SLOT: {
            uint32_t snums, sid;
            mm_buf_reset(&b->shape);
            if (!reserve(&b->shape, 2 * (size_t)v.n + 16))
                goto full;
            snums = tokenize(&b->shape, &b->svals, v.p, v.n);
            if (dict_intern_guess(&b->sdict, &b->last_shape[f], b->shape.data, b->shape.len, snums,
                                  &sid) != MM_OK)
                goto full;
            put_varint(&b->sids[f], sid);
            vec32_push(&b->occ_shape, sid);
            break;
        }
        case FC_REF:
            put_varint(&b->fields, ((uint64_t)v.n << 2) | FC_REF);
            put_varint(&b->fields, (uintptr_t)v.p - r0);
            break;
        default: put_varint(&b->fields, (uint64_t)code[f]); break;
        }
    }

    if (b->n == 0 || ev->time_ms < b->tmin)
        b->tmin = ev->time_ms;
    if (b->n == 0 || ev->time_ms > b->tmax)
        b->tmax = ev->time_ms;
    vec64_reserve(&b->tms, 1);
    b->tms.v[b->tms.n++] = (uint64_t)ev->time_ms;
    b->total_raw += raw.n;
    b->n++;
    return MM_OK;
full: /* undo this event's partial columns; the block is still whole without it */
    b->tvals.n = tvals0;
    b->svals.n = svals0;
    b->occ_shape.n = occ0;
    b->tpls.len = tpls0;
    b->fields.len = fields0;
    b->ev_tpl.n = evtpl0;
    for (int f = 0; f < MM_EVF_RAW; f++)
        b->sids[f].len = sids0[f];
    return MM_ERR_INVALID;
}

/* Bytes of a varint by the number of significant bits (1..64): 7 bits a byte. */
static const uint8_t varint_bytes[65] = {
    1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3,  3,
    4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6,  7,
    7, 7, 7, 7, 7, 7, 8, 8, 8, 8, 8, 8, 8, 9, 9, 9, 9, 9, 9, 9, 10,
};

/* Bytes of v as a varint, from the highest set bit (no loop, no division). */
static inline unsigned varint_len(uint64_t v)
{
    return varint_bytes[64 - __builtin_clzll(v | 1)];
}

/* Writes the numbers of one dictionary's entries column by column: for each entry id, for
 * each placeholder k, the k-th number of every user of that id (in order), as zigzag deltas.
 * users[i] is the id of user i, base[i] the index of its first number in vals. */
static mm_rc put_columns(mm_buf *out, const mm_strdict *d, const mm_vec32 *users,
                         const uint64_t *vals, const int64_t *times)
{
    size_t nid = d->off.n, nu = users->n;
    uint32_t *start = mm_xcalloc(nid + 1, sizeof(uint32_t));
    uint32_t *list = mm_xmalloc((nu ? nu : 1) * sizeof(uint32_t));
    uint32_t *base = mm_xmalloc((nu ? nu : 1) * sizeof(uint32_t));
    uint64_t *cols = NULL;
    mm_rc rc = MM_OK;
    uint32_t acc = 0;
    int64_t zone = 9 * 60; /* where hospitals log first; an hour column corrects it */

    for (size_t i = 0; i < nu; i++) {
        base[i] = acc;
        acc += d->nums.v[users->v[i]];
        start[users->v[i] + 1]++;
    }
    for (size_t t = 0; t < nid; t++)
        start[t + 1] += start[t];
    {
        uint32_t *fill = mm_xmalloc((nid ? nid : 1) * sizeof(uint32_t));
        memcpy(fill, start, nid * sizeof(uint32_t));
        for (size_t i = 0; i < nu; i++)
            list[fill[users->v[i]]++] = (uint32_t)i;
        free(fill);
    }
    if (!reserve(out, (size_t)acc * 11 + 10)) {
        rc = MM_ERR_INVALID;
        goto out;
    }
    cols = mm_xmalloc((acc ? acc : 1) * sizeof(uint64_t));
    for (size_t t = 0; t < nid; t++) {
        uint32_t cnt = start[t + 1] - start[t], m = d->nums.v[t];
        if (cnt == 0 || m == 0)
            continue; /* an entry nobody uses (left by an event that did not fit) */
        /* the users' numbers, transposed: column k is cols[k * cnt .. k * cnt + cnt) */
        for (uint32_t j = 0; j < cnt; j++) {
            const uint64_t *src = vals + base[list[start[t] + j]];
            for (uint32_t k = 0; k < m; k++)
                cols[(size_t)k * cnt + j] = src[k];
        }
        for (uint32_t k = 0; k < m; k++) {
            const uint64_t *c = cols + (size_t)k * cnt;
            uint64_t prev = 0, plain = 0, delta = 0;
            int mode, tf;
            int64_t toff;
            if (times && find_time_col(c, cnt, list + start[t], times, &zone, &tf, &toff)) {
                out->data[out->len++] = (char)COL_TIME;
                out->data[out->len++] = (char)tf;
                put_varint(out, zigzag(toff));
                continue;
            }
            for (uint32_t j = 0; j < cnt; j++) { /* which is smaller */
                plain += varint_len(c[j]);
                delta += varint_len(zigzag((int64_t)(c[j] - prev)));
                prev = c[j];
            }
            mode = delta < plain ? COL_DELTA : COL_PLAIN;
            out->data[out->len++] = (char)mode;
            prev = 0;
            for (uint32_t j = 0; j < cnt; j++) {
                put_varint(out, mode == COL_DELTA ? zigzag((int64_t)(c[j] - prev)) : c[j]);
                prev = c[j];
            }
        }
    }
out:
    free(cols);
    free(start);
    free(list);
    free(base);
    return rc;
}

static mm_rc put_dict(mm_buf *out, const mm_strdict *d)
{
    mm_rc rc = mm_buf_add_varint(out, d->off.n);
    for (size_t i = 0; i < d->off.n && rc == MM_OK; i++) {
        rc = mm_buf_add_varint(out, d->len.v[i]);
        if (rc == MM_OK)
            rc = mm_buf_add(out, d->text.data + d->off.v[i], d->len.v[i]);
    }
    return rc;
}

/* The times column: a unit code (0: ms, 1: every time is a whole second, stored in seconds),
 * then per event the zigzag delta from the previous time (the first from 0) in that unit. */
static int put_times(mm_blockb *b)
{
    uint64_t unit = 1000, prev = 0;
    for (size_t i = 0; i < b->tms.n && unit > 1; i++)
        if ((int64_t)b->tms.v[i] % 1000 != 0)
            unit = 1;
    mm_buf_reset(&b->times);
    if (!reserve(&b->times, 1 + 10 * b->tms.n))
        return 0;
    put_varint(&b->times, unit == 1000);
    for (size_t i = 0; i < b->tms.n; i++) {
        uint64_t t = (uint64_t)((int64_t)b->tms.v[i] / (int64_t)unit);
        put_varint(&b->times, zigzag((int64_t)(t - prev)));
        prev = t;
    }
    return 1;
}

mm_rc mm_blockb_finish(mm_blockb *b, mm_buf *out)
{
    mm_rc rc;
    mm_buf_reset(out);
    if (!put_times(b))
        return MM_ERR_INVALID;
    rc = mm_buf_add_varint(out, b->n);
    if (rc == MM_OK)
        rc = mm_buf_add_varint(out, b->total_raw);
    if (rc == MM_OK)
        rc = put_dict(out, &b->tdict);
    if (rc == MM_OK)
        rc = put_dict(out, &b->sdict);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->times.data, b->times.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->tpls.data, b->tpls.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->fields.data, b->fields.len);
    for (int f = 0; f < MM_EVF_RAW && rc == MM_OK; f++)
        rc = mm_buf_add(out, b->sids[f].data, b->sids[f].len);
    if (rc == MM_OK)
        rc = put_columns(out, &b->tdict, &b->ev_tpl, b->tvals.v, (const int64_t *)b->tms.v);
    if (rc == MM_OK)
        rc = put_columns(out, &b->sdict, &b->occ_shape, b->svals.v, NULL);
    return rc;
}

/* ---- decoding ---- */

/* mm_get_varint, inlined for the hot loops of decoding. */
static inline int get_varint(const uint8_t *p, size_t n, size_t *pos, uint64_t *v)
{
    uint64_t r = 0;
    size_t at = *pos;
    for (int shift = 0; shift < 64 && at < n; shift += 7) {
        uint8_t c = p[at++];
        r |= (uint64_t)(c & 0x7f) << shift;
        if (!(c & 0x80)) {
            *v = r;
            *pos = at;
            return 1;
        }
    }
    *pos = at;
    return 0;
}

/* A dictionary as read from a payload: entries point into it. */
typedef struct rdict {
    size_t n;
    const uint8_t **p;
    uint32_t *len, *nums;
    uint8_t *fields; /* templates: bit f set when the template holds slot f */
} rdict;

static void rdict_free(rdict *d)
{
    free(d->p);
    free(d->len);
    free(d->nums);
    free(d->fields);
}

/* Reads and checks a dictionary (markers well formed; for templates: the four event bytes
 * first, slots allowed, each field at most once). 0 when malformed. */
static int read_dict(const uint8_t *p, size_t len, size_t *pos, int templates, rdict *d)
{
    uint64_t n, l;
    memset(d, 0, sizeof(*d));
    if (!get_varint(p, len, pos, &n) || n > len - *pos)
        return 0;
    d->n = (size_t)n;
    d->p = mm_xmalloc((d->n ? d->n : 1) * sizeof(*d->p));
    d->len = mm_xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
    d->nums = mm_xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
    d->fields = mm_xcalloc(d->n ? d->n : 1, 1);
    for (size_t i = 0; i < d->n; i++) {
        const uint8_t *s;
        uint32_t nums = 0;
        if (!get_varint(p, len, pos, &l) || l > len - *pos)
            return 0;
        s = p + *pos;
        *pos += (size_t)l;
        if (templates && l < TPL_PREFIX)
            return 0;
        for (size_t k = templates ? TPL_PREFIX : 0; k < l; k++) {
            if (s[k] == MK_NUM) {
                nums++;
            } else if (s[k] == MK_PAD) {
                if (++k >= l || s[k] < 2 || s[k] > MAX_DIGITS)
                    return 0;
                nums++;
            } else if (s[k] == MK_FIELD) {
                if (!templates || ++k >= l || s[k] >= MM_EVF_RAW || (d->fields[i] >> s[k]) & 1)
                    return 0;
                d->fields[i] |= (uint8_t)(1u << s[k]);
            } else if (s[k] == MK_ESC) {
                if (++k >= l)
                    return 0;
            }
        }
        d->p[i] = s;
        d->len[i] = (uint32_t)l;
        d->nums[i] = nums;
    }
    return 1;
}

/* Reads the number columns of one dictionary (see put_columns). users[i] is the id of user
 * i; OUT: vals (caller frees), base[i] (caller's array of nu). 0 when malformed. */
static int read_columns(const uint8_t *p, size_t len, size_t *pos, const rdict *d,
                        const uint32_t *users, size_t nu, uint32_t *base, uint64_t **vals,
                        const mm_event *ev, uint64_t *digits)
{
    uint64_t acc = 0;
    uint32_t *start = NULL, *list = NULL, *fill = NULL;
    int ok = 0;

    *vals = NULL;
    for (size_t i = 0; i < nu; i++) {
        base[i] = (uint32_t)acc;
        acc += d->nums[users[i]];
        if (acc > *digits) /* every number is at least one digit of the raw lines */
            return 0;
    }
    *digits -= acc;
    *vals = mm_xmalloc((acc ? acc : 1) * sizeof(uint64_t));
    start = mm_xcalloc(d->n + 1, sizeof(uint32_t));
    list = mm_xmalloc((nu ? nu : 1) * sizeof(uint32_t));
    fill = mm_xmalloc((d->n ? d->n : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < nu; i++)
        start[users[i] + 1]++;
    for (size_t t = 0; t < d->n; t++)
        start[t + 1] += start[t];
    memcpy(fill, start, d->n * sizeof(uint32_t));
    for (size_t i = 0; i < nu; i++)
        list[fill[users[i]]++] = (uint32_t)i;
    for (size_t t = 0; t < d->n; t++)
        for (uint32_t k = 0; k < d->nums[t] && start[t] < start[t + 1]; k++) {
            uint64_t prev = 0, v;
            uint8_t mode;
            if (*pos >= len || (mode = p[(*pos)++]) > (ev ? COL_TIME : COL_DELTA))
                goto out;
            if (mode == COL_TIME) { /* from the events' times */
                int64_t off;
                tmemo m = TMEMO_INIT;
                if (*pos >= len || p[*pos] >= TF__COUNT)
                    goto out;
                mode = p[(*pos)++];
                if (!get_varint(p, len, pos, &v))
                    goto out;
                off = unzigzag(v);
                if (off < -24 * 60 || off > 24 * 60)
                    goto out;
                for (uint32_t j = start[t]; j < start[t + 1]; j++)
                    (*vals)[base[list[j]] + k] = time_field(mode, ev[list[j]].time_ms, off, &m);
                continue;
            }
            for (uint32_t j = start[t]; j < start[t + 1]; j++) {
                if (!get_varint(p, len, pos, &v))
                    goto out;
                prev = mode == COL_DELTA ? prev + (uint64_t)unzigzag(v) : v;
                (*vals)[base[list[j]] + k] = prev;
            }
        }
    ok = 1;
out:
    free(start);
    free(list);
    free(fill);
    return ok;
}

/* Writes v in decimal, zero-padded to width w (0: no padding), at o; returns the length or 0
 * when it does not fit in width w or in room. */
static size_t put_dec(char *o, size_t room, uint64_t v, unsigned w)
{
    char tmp[24];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    if (w && n > w)
        return 0;
    while (n < w)
        tmp[n++] = '0';
    if (n > room)
        return 0;
    for (size_t i = 0; i < n; i++)
        o[i] = tmp[n - 1 - i];
    return n;
}

/* Expands a template or shape s (numbers from vals) at text[*at], within cap. For a slot f,
 * calls back through the slot arrays. 0 on overflow. */
typedef struct expand_ctx {
    char *text;
    size_t at, cap;
    const rdict *shapes;
    const uint64_t *svals;
    const uint32_t *sbase;
} expand_ctx;

static int expand(expand_ctx *x, const uint8_t *s, uint32_t l, const uint64_t *vals,
                  const uint32_t *slot_occ, const uint32_t *occ_shape, uint32_t *slot_off,
                  uint32_t *slot_len, size_t line_start)
{
    uint32_t nv = 0;
    for (uint32_t k = 0; k < l; k++) {
        uint8_t c = s[k];
        if (c == MK_NUM || c == MK_PAD) {
            unsigned w = c == MK_PAD ? s[++k] : 0;
            size_t m = put_dec(x->text + x->at, x->cap - x->at, vals[nv++], w);
            if (!m)
                return 0;
            x->at += m;
        } else if (c == MK_FIELD) {
            uint8_t f = s[++k];
            uint32_t occ = slot_occ[f], sid = occ_shape[occ];
            size_t from = x->at;
            if (!expand(x, x->shapes->p[sid], x->shapes->len[sid], x->svals + x->sbase[occ], NULL,
                        NULL, NULL, NULL, 0))
                return 0;
            slot_off[f] = (uint32_t)(from - line_start);
            slot_len[f] = (uint32_t)(x->at - from);
        } else {
            if (c == MK_ESC)
                c = s[++k];
            if (x->at >= x->cap)
                return 0;
            x->text[x->at++] = (char)c;
        }
    }
    return 1;
}

/* A query value prepared for one block: its shape and numbers (tokenized like the stored
 * values), and which of the block's shapes equal its shape. */
typedef struct qfield {
    int f;            /* the field */
    const char *want; /* the value asked for */
    int nocase;       /* users compare case-insensitively */
    mm_vec64 nums;    /* its numbers */
    uint8_t *same;    /* per shape id: 1 when the shape equals the value's shape */
} qfield;

static void qfield_prepare(qfield *qf, const rdict *sd)
{
    mm_buf shape;
    size_t wl = strlen(qf->want);
    mm_buf_init(&shape, 2 * wl + 16);
    qf->nums.n = 0;
    qf->same = mm_xcalloc(sd->n ? sd->n : 1, 1);
    if (reserve(&shape, 2 * wl + 16)) {
        tokenize(&shape, &qf->nums, qf->want, wl);
        for (size_t s = 0; s < sd->n; s++)
            qf->same[s] = sd->len[s] == shape.len && sd->nums[s] == qf->nums.n &&
                          (qf->nocase ? strncasecmp((const char *)sd->p[s], shape.data, shape.len)
                                      : memcmp(sd->p[s], shape.data, shape.len)) == 0;
    }
    mm_buf_release(&shape);
}

/* Field qf->f of event i (after following copies) compared with the value asked for: 1 equal,
 * 0 different, -1 unknown until the raw line is rebuilt. A slot is compared by shape id and
 * numbers (a value and its tokenization determine each other, case aside), never rebuilt. */
static int field_is(const qfield *qf, const uint8_t *fkind, const uint64_t *fa,
                    const uint32_t *focc, const uint32_t *occ_shape, const uint64_t *svals,
                    const uint32_t *sbase, const mm_event *e, size_t i)
{
    int f = qf->f;
    size_t k = i * MM_EVF_RAW + (size_t)f, wl = strlen(qf->want);
    mm_sv v;
    while (fkind[k] == FC_SAME) { /* a copy of an earlier field */
        f = (int)fa[k];
        k = i * MM_EVF_RAW + (size_t)f;
    }
    if (fkind[k] == FC_REF)
        return -1;
    if (fkind[k] == FC_SLOT) {
        uint32_t occ = focc[k];
        if (!qf->same[occ_shape[occ]])
            return 0;
        for (size_t j = 0; j < qf->nums.n; j++)
            if (svals[sbase[occ] + j] != qf->nums.v[j])
                return 0;
        return 1;
    }
    v = e->f[f];
    if (v.n != wl)
        return 0;
    return qf->nocase ? strncasecmp(v.p, qf->want, wl) == 0 : memcmp(v.p, qf->want, wl) == 0;
}

/* 0 when event i cannot match q (checked without rebuilding its raw line). */
static int may_match(const mm_logq *q, const qfield *qf, size_t nqf, const uint8_t *fkind,
                     const uint64_t *fa, const uint32_t *focc, const uint32_t *occ_shape,
                     const uint64_t *svals, const uint32_t *sbase, const mm_event *e, size_t i)
{
    if ((q->since_ms && e->time_ms < q->since_ms) || (q->until_ms && e->time_ms >= q->until_ms) ||
        (q->kind >= 0 && e->kind != q->kind))
        return 0;
    for (size_t j = 0; j < nqf; j++)
        if (!field_is(&qf[j], fkind, fa, focc, occ_shape, svals, sbase, e, i))
            return 0;
    return 1;
}

mm_rc mm_block_decode(const uint8_t *p, size_t len, uint64_t first_seq, mm_event **out,
                      size_t *nout)
{
    return mm_block_decode_match(p, len, first_seq, NULL, out, nout);
}

mm_rc mm_block_decode_match(const uint8_t *p, size_t len, uint64_t first_seq, const mm_logq *q,
                            mm_event **out, size_t *nout)
{
    size_t kept = 0, nqf = 0;
    qfield qf[3];
    size_t pos = 0, n = 0, nocc = 0;
    uint64_t v, total_raw;
    int64_t t = 0;
    uint64_t unit = 1, digits;
    rdict td = {0}, sd = {0};
    const uint8_t *kb;
    uint32_t *tpl = NULL, *tbase = NULL, *occ_shape = NULL, *sbase = NULL;
    uint64_t *fa = NULL, *tvals = NULL, *svals = NULL;
    uint32_t *focc = NULL;
    uint8_t *fkind = NULL;
    mm_event *ev = NULL;
    char *text;
    expand_ctx x;
    mm_rc rc = MM_ERR_PARSE;

    *out = NULL;
    *nout = 0;
    if (!get_varint(p, len, &pos, &v) || v > len)
        goto out;
    n = (size_t)v;
    if (!get_varint(p, len, &pos, &total_raw) || total_raw > BLOCK_BUF_MAX)
        goto out;
    if (!read_dict(p, len, &pos, 1, &td) || !read_dict(p, len, &pos, 0, &sd))
        goto out;
    ev = mm_xcalloc(1, (n ? n : 1) * sizeof(*ev) + (size_t)total_raw + 1);
    text = (char *)(ev + (n ? n : 1));
    if (!get_varint(p, len, &pos, &v) || v > 1)
        goto out;
    unit = v ? 1000 : 1;
    for (size_t i = 0; i < n; i++) {
        if (!get_varint(p, len, &pos, &v))
            goto out;
        t = (int64_t)((uint64_t)t + (uint64_t)unzigzag(v)); /* wraps, never overflows */
        ev[i].time_ms = (int64_t)((uint64_t)t * unit);
        ev[i].seq = first_seq + i;
    }
    tpl = mm_xmalloc((n ? n : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        if (!get_varint(p, len, &pos, &v) || v >= td.n)
            goto out;
        tpl[i] = (uint32_t)v;
        kb = td.p[v];
        ev[i].kind = kb[0];
        ev[i].outcome = kb[1];
        ev[i].format = kb[2];
        ev[i].flags = kb[3];
    }
    /* field codes: fkind per field, fa = length/offset/field, focc = slot occurrence */
    fkind = mm_xmalloc((n ? n : 1) * MM_EVF_RAW);
    fa = mm_xmalloc((n ? n : 1) * MM_EVF_RAW * sizeof(uint64_t));
    focc = mm_xmalloc((n ? n : 1) * MM_EVF_RAW * sizeof(uint32_t));
    occ_shape = mm_xmalloc((n ? n : 1) * MM_EVF_RAW * sizeof(uint32_t));
    for (size_t i = 0; i < n; i++) {
        uint8_t slots = td.fields[tpl[i]];
        for (int f = 0; f < MM_EVF_RAW; f++) {
            size_t k = i * MM_EVF_RAW + (size_t)f;
            if ((slots >> f) & 1) { /* a slot: its shape id comes from the field's column */
                fkind[k] = FC_SLOT;
                focc[k] = (uint32_t)nocc++;
                continue;
            }
            if (!get_varint(p, len, &pos, &v))
                goto out;
            fkind[k] = (uint8_t)(v & 3);
            fa[k] = v >> 2;
            switch (v & 3) {
            case FC_LIT:
                if (fa[k] > len - pos)
                    goto out;
                ev[i].f[f].p = fa[k] ? (const char *)p + pos : "";
                ev[i].f[f].n = (uint32_t)fa[k];
                pos += (size_t)fa[k];
                break;
            case FC_SLOT: /* only the template says which fields are slots */ goto out;
            case FC_REF:
                if (!get_varint(p, len, &pos, &v) || fa[k] > UINT32_MAX || v > UINT32_MAX)
                    goto out;
                focc[k] = (uint32_t)v; /* the offset */
                break;
            default:
                if (fa[k] >= (uint64_t)f)
                    goto out;
                break;
            }
        }
    }
    for (int f = 0; f < MM_EVF_RAW; f++) /* the shape ids, field after field */
        for (size_t i = 0; i < n; i++) {
            size_t k = i * MM_EVF_RAW + (size_t)f;
            if (fkind[k] != FC_SLOT)
                continue;
            if (!get_varint(p, len, &pos, &v) || v >= sd.n)
                goto out;
            occ_shape[focc[k]] = (uint32_t)v;
        }
    tbase = mm_xmalloc((n ? n : 1) * sizeof(uint32_t));
    sbase = mm_xmalloc((nocc ? nocc : 1) * sizeof(uint32_t));
    digits = total_raw;
    if (!read_columns(p, len, &pos, &td, tpl, n, tbase, &tvals, ev, &digits) ||
        !read_columns(p, len, &pos, &sd, occ_shape, nocc, sbase, &svals, NULL, &digits) ||
        pos != len)
        goto out;

    if (q) { /* the fields the query compares, prepared once for this block */
        const char *want[3] = {q->user, q->src, q->device};
        const int fields[3] = {MM_EVF_USER, MM_EVF_SRC, MM_EVF_DEVICE};
        for (int j = 0; j < 3; j++)
            if (want[j]) {
                qf[nqf] = (qfield){fields[j], want[j], j == 0, {NULL, 0, 0}, NULL};
                qfield_prepare(&qf[nqf++], &sd);
            }
    }
    /* rebuild the raw lines */
    x = (expand_ctx){text, 0, (size_t)total_raw, &sd, svals, sbase};
    for (size_t i = 0; i < n; i++) {
        size_t start = x.at;
        uint32_t slot_off[MM_EVF_RAW] = {0}, slot_len[MM_EVF_RAW] = {0};
        uint32_t rawn;
        if (q && !may_match(q, qf, nqf, fkind, fa, focc, occ_shape, svals, sbase, &ev[i], i))
            continue; /* not rebuilt, not returned */
        if (!expand(&x, td.p[tpl[i]] + TPL_PREFIX, td.len[tpl[i]] - TPL_PREFIX, tvals + tbase[i],
                    focc + i * MM_EVF_RAW, occ_shape, slot_off, slot_len, start))
            goto out;
        rawn = (uint32_t)(x.at - start);
        ev[i].f[MM_EVF_RAW].p = text + start;
        ev[i].f[MM_EVF_RAW].n = rawn;
        for (int f = 0; f < MM_EVF_RAW; f++) {
            size_t k = i * MM_EVF_RAW + (size_t)f;
            switch (fkind[k]) {
            case FC_SLOT:
                ev[i].f[f].p = text + start + slot_off[f];
                ev[i].f[f].n = slot_len[f];
                break;
            case FC_REF:
                if (focc[k] > rawn || fa[k] > rawn - focc[k])
                    goto out;
                ev[i].f[f].p = text + start + focc[k];
                ev[i].f[f].n = (uint32_t)fa[k];
                break;
            case FC_SAME: ev[i].f[f] = ev[i].f[fa[k]]; break;
            default: break;
            }
        }
        if (kept != i)
            ev[kept] = ev[i];
        kept++;
    }
    if (!q && x.at != total_raw)
        goto out;
    *out = ev;
    *nout = kept;
    ev = NULL;
    rc = MM_OK;
out:
    for (size_t j = 0; j < nqf; j++) {
        free(qf[j].nums.v);
        free(qf[j].same);
    }
    free(ev);
    rdict_free(&td);
    rdict_free(&sd);
    free(tpl);
    free(tbase);
    free(occ_shape);
    free(sbase);
    free(fa);
    free(tvals);
    free(svals);
    free(focc);
    free(fkind);
    return rc;
}

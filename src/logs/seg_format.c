/*
 * The bytes of the segment store: block payloads (columns of times, kinds, field references
 * and raw lines), the block hash chain, the bloom filter and the footer. The writer, reader
 * and verifier share these so the format lives in one file; docs/internals/logs.md describes
 * it byte by byte.
 */
#include <ctype.h>
#include <sys/stat.h>

#include "logs_int.h"

#define BLOCK_BUF_MAX ((size_t)MM_SEG_MAX_BLOCK)

void mm_blockb_init(mm_blockb *b)
{
    memset(b, 0, sizeof(*b));
    mm_buf_init(&b->times, BLOCK_BUF_MAX);
    mm_buf_init(&b->bytes, BLOCK_BUF_MAX);
    mm_buf_init(&b->rawlens, BLOCK_BUF_MAX);
    mm_buf_init(&b->fields, BLOCK_BUF_MAX);
    mm_buf_init(&b->raw, BLOCK_BUF_MAX);
}

void mm_blockb_release(mm_blockb *b)
{
    mm_buf_release(&b->times);
    mm_buf_release(&b->bytes);
    mm_buf_release(&b->rawlens);
    mm_buf_release(&b->fields);
    mm_buf_release(&b->raw);
}

void mm_blockb_reset(mm_blockb *b)
{
    mm_buf_reset(&b->times);
    mm_buf_reset(&b->bytes);
    mm_buf_reset(&b->rawlens);
    mm_buf_reset(&b->fields);
    mm_buf_reset(&b->raw);
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

/* Makes room for n more bytes (within max); 0 when the buffer would exceed its max. */
static int reserve(mm_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    if (need - 1 > b->max)
        return 0;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < need)
            cap *= 2;
        if (cap > b->max + 1)
            cap = b->max + 1;
        b->data = mm_xrealloc(b->data, cap);
        b->cap = cap;
    }
    return 1;
}

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

mm_rc mm_blockb_add(mm_blockb *b, const mm_event *ev)
{
    const mm_sv raw = ev->f[MM_EVF_RAW];
    uintptr_t r0 = (uintptr_t)raw.p, r1 = r0 + raw.n;
    size_t lit = 0;

    for (int i = 0; i < MM_EVF_RAW; i++)
        lit += ev->f[i].n;
    if (!reserve(&b->times, 10) || !reserve(&b->bytes, 4) || !reserve(&b->rawlens, 10) ||
        !reserve(&b->fields, MM_EVF_RAW * 20 + lit) || !reserve(&b->raw, raw.n))
        return MM_ERR_INVALID;
    if (b->n == 0 || ev->time_ms < b->tmin)
        b->tmin = ev->time_ms;
    if (b->n == 0 || ev->time_ms > b->tmax)
        b->tmax = ev->time_ms;
    put_varint(&b->times, zigzag((int64_t)((uint64_t)ev->time_ms - (uint64_t)b->prev_t)));
    b->prev_t = ev->time_ms;
    b->bytes.data[b->bytes.len++] = (char)ev->kind;
    b->bytes.data[b->bytes.len++] = (char)ev->outcome;
    b->bytes.data[b->bytes.len++] = (char)ev->format;
    b->bytes.data[b->bytes.len++] = (char)ev->flags;
    put_varint(&b->rawlens, raw.n);
    for (int i = 0; i < MM_EVF_RAW; i++) {
        mm_sv f = ev->f[i];
        uintptr_t p = (uintptr_t)f.p;
        if (f.n == 0) {
            put_varint(&b->fields, 0);
        } else if (raw.n && p >= r0 && p + f.n <= r1) { /* a reference into the raw line */
            put_varint(&b->fields, ((uint64_t)f.n << 1) | 1);
            put_varint(&b->fields, p - r0);
        } else {
            put_varint(&b->fields, (uint64_t)f.n << 1);
            memcpy(b->fields.data + b->fields.len, f.p, f.n);
            b->fields.len += f.n;
        }
    }
    memcpy(b->raw.data + b->raw.len, raw.p, raw.n);
    b->raw.len += raw.n;
    b->n++;
    return MM_OK;
}

mm_rc mm_blockb_finish(mm_blockb *b, mm_buf *out)
{
    mm_rc rc;
    mm_buf_reset(out);
    rc = mm_buf_add_varint(out, b->n);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->times.data, b->times.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->bytes.data, b->bytes.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->rawlens.data, b->rawlens.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->fields.data, b->fields.len);
    if (rc == MM_OK)
        rc = mm_buf_add(out, b->raw.data, b->raw.len);
    return rc;
}

mm_rc mm_block_decode(const uint8_t *p, size_t len, uint64_t first_seq, mm_event **out,
                      size_t *nout)
{
    size_t pos = 0, bytes_at, n;
    uint64_t v, total_raw = 0;
    int64_t t = 0;
    mm_event *ev = NULL;
    size_t fields_at, raw_at;

    *out = NULL;
    *nout = 0;
    if (!mm_get_varint(p, len, &pos, &v) || v > len)
        return MM_ERR_PARSE;
    n = (size_t)v;
    ev = mm_xcalloc(n ? n : 1, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        if (!mm_get_varint(p, len, &pos, &v))
            goto bad;
        t = (int64_t)((uint64_t)t + (uint64_t)unzigzag(v)); /* wraps, never overflows */
        ev[i].time_ms = t;
        ev[i].seq = first_seq + i;
    }
    bytes_at = pos;
    if (len - pos < 4 * n)
        goto bad;
    pos += 4 * n;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *kb = p + bytes_at + 4 * i;
        ev[i].kind = kb[0];
        ev[i].outcome = kb[1];
        ev[i].format = kb[2];
        ev[i].flags = kb[3];
        if (!mm_get_varint(p, len, &pos, &v) || v > len)
            goto bad;
        ev[i].f[MM_EVF_RAW].n = (uint32_t)v;
        total_raw += v;
    }
    /* The fields column runs up to the raw bytes, which take the last total_raw bytes. */
    if (total_raw > len - pos)
        goto bad;
    fields_at = pos;
    raw_at = len - (size_t)total_raw;
    {
        size_t roff = raw_at;
        for (size_t i = 0; i < n; i++) {
            ev[i].f[MM_EVF_RAW].p = (const char *)p + roff;
            roff += ev[i].f[MM_EVF_RAW].n;
        }
    }
    pos = fields_at;
    for (size_t i = 0; i < n; i++) {
        for (int f = 0; f < MM_EVF_RAW; f++) {
            uint64_t fl, off;
            if (pos > raw_at || !mm_get_varint(p, raw_at, &pos, &v))
                goto bad;
            if (v == 0) {
                ev[i].f[f].p = "";
                ev[i].f[f].n = 0;
                continue;
            }
            fl = v >> 1;
            if (v & 1) {
                if (!mm_get_varint(p, raw_at, &pos, &off) || off > ev[i].f[MM_EVF_RAW].n ||
                    fl > ev[i].f[MM_EVF_RAW].n - off)
                    goto bad;
                ev[i].f[f].p = ev[i].f[MM_EVF_RAW].p + off;
            } else {
                if (fl > raw_at - pos)
                    goto bad;
                ev[i].f[f].p = (const char *)p + pos;
                pos += fl;
            }
            ev[i].f[f].n = (uint32_t)fl;
        }
    }
    if (pos != raw_at)
        goto bad;
    *out = ev;
    *nout = n;
    return MM_OK;
bad:
    free(ev);
    return MM_ERR_PARSE;
}

void mm_block_hash_inner(const uint8_t *comp, size_t clen, uint8_t out[32])
{
    crypto_generichash(out, 32, comp, clen, NULL, 0);
}

void mm_block_hash_outer(const uint8_t prev[32], const uint8_t *hdr, const uint8_t inner[32],
                         uint8_t out[32])
{
    uint8_t buf[32 + MM_BLK_HASHED_LEN + 32];
    memcpy(buf, prev, 32);
    memcpy(buf + 32, hdr, MM_BLK_HASHED_LEN);
    memcpy(buf + 32 + MM_BLK_HASHED_LEN, inner, 32);
    crypto_generichash(out, 32, buf, sizeof(buf), NULL, 0);
}

void mm_block_hash(const uint8_t prev[32], const uint8_t *hdr, const uint8_t *comp, size_t clen,
                   uint8_t out[32])
{
    uint8_t inner[32];
    mm_block_hash_inner(comp, clen, inner);
    mm_block_hash_outer(prev, hdr, inner, out);
}

void mm_seg_header_hash(const uint8_t hdr[MM_SEG_HEADER_LEN], uint8_t out[32])
{
    crypto_generichash(out, 32, hdr, MM_SEG_HEADER_LEN, NULL, 0);
}

uint64_t mm_bloom_key(char field, const char *p, size_t n)
{
    char low[256];
    uint64_t seed = (uint64_t)(unsigned char)field * 0x9E3779B97F4A7C15ULL;
    if (field == 'u' && n <= sizeof(low)) { /* users compare case-insensitively */
        for (size_t i = 0; i < n; i++)
            low[i] = (char)tolower((unsigned char)p[i]);
        return mm_hash64(low, n, seed);
    }
    return mm_hash64(p, n, seed);
}

void mm_bloom_add(uint8_t *bits, uint32_t mbits, uint64_t key)
{
    uint32_t h1 = (uint32_t)key, h2 = (uint32_t)(key >> 32) | 1;
    for (uint32_t i = 0; i < MM_BLOOM_K; i++) {
        uint32_t b = (h1 + i * h2) % mbits;
        bits[b >> 3] |= (uint8_t)(1u << (b & 7));
    }
}

int mm_bloom_test(const uint8_t *bits, uint32_t mbits, uint64_t key)
{
    uint32_t h1 = (uint32_t)key, h2 = (uint32_t)(key >> 32) | 1;
    if (mbits == 0)
        return 1;
    for (uint32_t i = 0; i < MM_BLOOM_K; i++) {
        uint32_t b = (h1 + i * h2) % mbits;
        if (!(bits[b >> 3] & (1u << (b & 7))))
            return 0;
    }
    return 1;
}

mm_rc mm_footer_parse(const uint8_t *p, size_t flen, mm_footer *f)
{
    size_t need;
    memset(f, 0, sizeof(*f));
    if (flen < MM_FTR_FIXED_LEN + MM_SIG_LEN + MM_TRAILER_LEN || memcmp(p, MM_FTR_MAGIC, 8) != 0)
        return MM_ERR_PARSE;
    f->start = p;
    f->len = mm_get_u32(p + 8);
    f->nblocks = mm_get_u32(p + 12);
    f->segno = mm_get_u64(p + 16);
    f->first_seq = mm_get_u64(p + 24);
    f->events = mm_get_u64(p + 32);
    f->tmin = (int64_t)mm_get_u64(p + 40);
    f->tmax = (int64_t)mm_get_u64(p + 48);
    f->last_hash = p + 56;
    f->key_id = mm_get_u64(p + 88);
    f->bloom_bits = mm_get_u32(p + 96);
    if (f->len != flen || f->bloom_bits % 8 != 0 || mm_get_u32(p + 100) != MM_BLOOM_K ||
        f->nblocks > (flen / MM_FTR_INDEX_ENTRY))
        return MM_ERR_PARSE;
    need = (size_t)MM_FTR_FIXED_LEN + (size_t)f->nblocks * MM_FTR_INDEX_ENTRY + f->bloom_bits / 8 +
           MM_SIG_LEN + MM_TRAILER_LEN;
    if (need != flen)
        return MM_ERR_PARSE;
    f->index = p + MM_FTR_FIXED_LEN;
    f->bloom = f->index + (size_t)f->nblocks * MM_FTR_INDEX_ENTRY;
    f->sig = f->bloom + f->bloom_bits / 8;
    if (memcmp(p + flen - 8, MM_TRAILER_MAGIC, 8) != 0 || mm_get_u32(p + flen - 16) != flen)
        return MM_ERR_PARSE;
    return MM_OK;
}

mm_rc mm_footer_read(int fd, uint64_t size, uint8_t **buf, mm_footer *f)
{
    uint8_t tr[MM_TRAILER_LEN];
    uint32_t flen;
    uint8_t *b;

    *buf = NULL;
    if (size < MM_SEG_HEADER_LEN + MM_TRAILER_LEN ||
        mm_read_full(fd, tr, sizeof(tr), size - MM_TRAILER_LEN) != MM_OK ||
        memcmp(tr + 8, MM_TRAILER_MAGIC, 8) != 0)
        return MM_ERR_PARSE;
    flen = mm_get_u32(tr);
    if (flen > MM_SEG_MAX_FOOTER || flen > size - MM_SEG_HEADER_LEN || flen < MM_TRAILER_LEN)
        return MM_ERR_PARSE;
    b = mm_xmalloc(flen);
    if (mm_read_full(fd, b, flen, size - flen) != MM_OK || mm_footer_parse(b, flen, f) != MM_OK) {
        free(b);
        return MM_ERR_PARSE;
    }
    *buf = b;
    return MM_OK;
}

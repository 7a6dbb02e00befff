/*
 * The bytes of the segment store around the block payloads (those are in seg_block.c): the
 * block hash chain, the bloom filter, the account index and the footer. The writer, reader and
 * verifier share these so the format lives in two files; docs/internals/logs.md describes it
 * byte by byte.
 */
#include <ctype.h>
#include <sys/stat.h>

#include "logs_int.h"

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
    uint64_t prev_key = 0;
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
    f->nkeys = mm_get_u32(p + 104);
    f->postings_len = mm_get_u32(p + 108);
    if (f->len != flen || f->bloom_bits % 8 != 0 || mm_get_u32(p + 100) != MM_BLOOM_K ||
        f->nblocks > (flen / MM_FTR_INDEX_ENTRY) || f->nkeys > flen / MM_FTR_KEY_ENTRY ||
        f->postings_len > flen || f->bloom_bits / 8 > flen)
        return MM_ERR_PARSE;
    need = (size_t)MM_FTR_FIXED_LEN + (size_t)f->nblocks * MM_FTR_INDEX_ENTRY + f->bloom_bits / 8 +
           (size_t)f->nkeys * MM_FTR_KEY_ENTRY + f->postings_len + MM_SIG_LEN + MM_TRAILER_LEN;
    if (need != flen)
        return MM_ERR_PARSE;
    f->index = p + MM_FTR_FIXED_LEN;
    f->bloom = f->index + (size_t)f->nblocks * MM_FTR_INDEX_ENTRY;
    f->keys = f->bloom + f->bloom_bits / 8;
    f->postings = f->keys + (size_t)f->nkeys * MM_FTR_KEY_ENTRY;
    f->sig = f->postings + f->postings_len;
    if (memcmp(p + flen - 8, MM_TRAILER_MAGIC, 8) != 0 || mm_get_u32(p + flen - 16) != flen)
        return MM_ERR_PARSE;
    for (uint32_t i = 0; i < f->nkeys; i++) { /* ascending keys, postings inside */
        const uint8_t *e = f->keys + (size_t)i * MM_FTR_KEY_ENTRY;
        uint64_t k = mm_get_u64(e);
        if ((i > 0 && k <= prev_key) ||
            (mm_get_u32(e + 8) & ~MM_FTR_KEY_BITMAP) > f->postings_len ||
            mm_get_u32(e + 12) > f->nblocks)
            return MM_ERR_PARSE;
        prev_key = k;
    }
    return MM_OK;
}

mm_rc mm_footer_key_blocks(const mm_footer *f, uint64_t key, uint32_t **blocks, size_t *n)
{
    size_t lo = 0, hi = f->nkeys, pos;
    const uint8_t *e;
    uint32_t cnt, b = 0;
    uint64_t v;

    *blocks = NULL;
    *n = 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (mm_get_u64(f->keys + mid * MM_FTR_KEY_ENTRY) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == f->nkeys || mm_get_u64(f->keys + lo * MM_FTR_KEY_ENTRY) != key)
        return MM_OK;
    e = f->keys + lo * MM_FTR_KEY_ENTRY;
    pos = mm_get_u32(e + 8) & ~MM_FTR_KEY_BITMAP;
    cnt = mm_get_u32(e + 12);
    *blocks = mm_xmalloc((cnt ? cnt : 1) * sizeof(uint32_t));
    if (mm_get_u32(e + 8) & MM_FTR_KEY_BITMAP) { /* a bitmap of the blocks */
        size_t bl = ((size_t)f->nblocks + 7) / 8, got = 0;
        if (pos > f->postings_len || bl > f->postings_len - pos)
            goto bad;
        for (uint32_t k = 0; k < f->nblocks; k++)
            if (f->postings[pos + k / 8] & (1u << (k % 8))) {
                if (got == cnt)
                    goto bad;
                (*blocks)[got++] = k;
            }
        if (got != cnt)
            goto bad;
    } else {
        for (uint32_t i = 0; i < cnt; i++) {
            if (!mm_get_varint(f->postings, f->postings_len, &pos, &v) || (i > 0 && v == 0) ||
                (uint64_t)b + v >= f->nblocks)
                goto bad;
            b += (uint32_t)v;
            (*blocks)[i] = b;
        }
    }
    *n = cnt;
    return MM_OK;
bad:
    free(*blocks);
    *blocks = NULL;
    return MM_ERR_PARSE;
}

uint32_t mm_seg_version(const uint8_t *hdr, size_t n)
{
    if (n < 12 || memcmp(hdr, MM_SEG_MAGIC, 8) != 0)
        return 0;
    return mm_get_u32(hdr + 8);
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

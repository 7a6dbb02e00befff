/*
 * Fuzz target for the segment reader's untrusted input: block payload decoding (format 3:
 * templates, shapes, number columns, columns taken from the events' times) and footer parsing
 * (block index, bloom filter, account index) take bytes from a file anyone with disk access could
 * have changed. Whatever the bytes, they must be rejected or decoded within bounds, never crash or
 * read out of range.
 */
#include <stddef.h>
#include <stdint.h>

#include "logs_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when [p, p+n) lies inside [lo, lo+len). */
static int inside(const char *p, size_t n, const char *lo, size_t len)
{
    return p >= lo && p <= lo + len && n <= (size_t)(lo + len - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_event *ev = NULL;
    size_t n = 0;
    mm_footer f;
    volatile unsigned sum = 0;

    if (mm_block_decode(data, size, 0, &ev, &n) == MM_OK) {
        /* raw lines are rebuilt back to back after the events; other fields are views into
         * their raw line or literals in the payload */
        const char *text = (const char *)(ev + (n ? n : 1)), *at = text;
        for (size_t i = 0; i < n; i++) {
            mm_sv raw = ev[i].f[MM_EVF_RAW];
            if (raw.n && raw.p != at)
                abort();
            at += raw.n;
            for (int k = 0; k < MM_EVF_RAW; k++) {
                mm_sv v = ev[i].f[k];
                if (v.n && !inside(v.p, v.n, raw.p, raw.n) &&
                    !inside(v.p, v.n, (const char *)data, size))
                    abort();
                for (uint32_t j = 0; j < v.n; j++)
                    sum += (unsigned char)v.p[j];
            }
            for (uint32_t j = 0; j < raw.n; j++)
                sum += (unsigned char)raw.p[j];
        }
    }
    free(ev);
    ev = NULL;
    { /* the query path: only events that may match are rebuilt */
        mm_logq q = {0, 0, "sato", "10.0.0.1", NULL, -1, 0};
        if (mm_block_decode_match(data, size, 0, &q, &ev, &n) == MM_OK)
            for (size_t i = 0; i < n; i++)
                for (uint32_t j = 0; j < ev[i].f[MM_EVF_RAW].n; j++)
                    sum += (unsigned char)ev[i].f[MM_EVF_RAW].p[j];
        free(ev);
    }
    if (mm_footer_parse(data, size, &f) == MM_OK) {
        uint32_t *blocks = NULL;
        size_t nb = 0;
        if ((const uint8_t *)f.sig + MM_SIG_LEN > data + size)
            abort();
        (void)mm_bloom_test(f.bloom, f.bloom_bits, mm_bloom_key('u', "a", 1));
        for (uint32_t i = 0; i < f.nkeys && i < 64; i++) {
            uint64_t key = mm_get_u64(f.keys + (size_t)i * MM_FTR_KEY_ENTRY);
            if (mm_footer_key_blocks(&f, key, &blocks, &nb) == MM_OK)
                for (size_t j = 0; j < nb; j++)
                    if (blocks[j] >= f.nblocks || (j && blocks[j] <= blocks[j - 1]))
                        abort();
            free(blocks);
            blocks = NULL;
        }
    }
    (void)sum;
    return 0;
}

/*
 * Fuzz target for the segment reader's untrusted input: block payload decoding and footer
 * parsing take bytes from a file anyone with disk access could have changed. Whatever the
 * bytes, they must be rejected or decoded within bounds, never crash or read out of range.
 */
#include <stddef.h>
#include <stdint.h>

#include "logs_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_event *ev = NULL;
    size_t n = 0;
    mm_footer f;

    if (mm_block_decode(data, size, 0, &ev, &n) == MM_OK) {
        for (size_t i = 0; i < n; i++)
            for (int k = 0; k < MM_EVF__COUNT; k++)
                if (ev[i].f[k].n && ((const uint8_t *)ev[i].f[k].p < data ||
                                     (const uint8_t *)ev[i].f[k].p + ev[i].f[k].n > data + size))
                    abort();
    }
    free(ev);
    if (mm_footer_parse(data, size, &f) == MM_OK) {
        if ((const uint8_t *)f.sig + MM_SIG_LEN > data + size)
            abort();
        (void)mm_bloom_test(f.bloom, f.bloom_bits, mm_bloom_key('u', "a", 1));
    }
    return 0;
}

/*
 * Fuzz target for the ingest journal reader: after a crash the journal is read back, and its
 * bytes may be torn or damaged. Whatever they are, replay must hand out records whose views
 * lie inside the record it read, or stop at a torn record, never crash or read out of range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_rc check(void *arg, uint64_t seq, const mm_jrec *r)
{
    (void)arg;
    (void)seq;
    if (r->device.n > 255 || (size_t)r->pidx >= mm_log_parsers_len ||
        (!(r->flags & MM_JREC_POS) && r->path.n) ||
        (size_t)r->msg.n + r->device.n + r->path.n > MM_JOURNAL_MAX_BODY)
        abort();
    /* touch every byte so ASan sees an out-of-range view */
    volatile uint8_t x = 0;
    for (uint32_t i = 0; i < r->msg.n; i++)
        x ^= (uint8_t)r->msg.p[i];
    for (uint32_t i = 0; i < r->path.n; i++)
        x ^= (uint8_t)r->path.p[i];
    (void)x;
    return MM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    FILE *f;
    mm_journal_scan scan;
    mm_error err;
    if (size == 0)
        return 0;
    f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    mm_error_clear(&err);
    (void)mm_journal_replay_stream(f, "fuzz", check, NULL, &scan, &err);
    fclose(f);
    return 0;
}

/*
 * What every log-parser fuzz target does, with the parser named by the target: the input is
 * framed into lines (resumably, in two feeds split at the first byte's value) and each line
 * parsed with the registry's wrapper. Whatever the bytes, every line must end as an event
 * (possibly UNPARSED, its raw view the whole line) or a skipped line, never a crash, leak or
 * overflow.
 */
#ifndef MM_LOGS_FUZZ_COMMON_H
#define MM_LOGS_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "logs.h"

static int mm_fuzz_log_parser(const char *name, const uint8_t *data, size_t size)
{
    static mm_parse_ctx pc;
    mm_framer fr;
    int idx;
    const mm_log_parser *p = mm_log_parser_find(name, &idx);
    size_t cut = size ? data[0] % (size + 1) : 0;
    const char *msg;
    size_t len;
    int trunc;
    mm_event ev;

    if (!p)
        abort();
    mm_parse_ctx_init(&pc, 1763640000000LL, 540, NULL);
    mm_framer_init(&fr, MM_FRAME_LINES, 4096);
    for (int part = 0; part < 2; part++) {
        const char *d = (const char *)data + (part ? cut : 0);
        mm_framer_feed(&fr, d, part ? size - cut : cut);
        while (mm_framer_next(&fr, &msg, &len, &trunc) == MM_OK) {
            if (len > 4096)
                abort();
            if (mm_log_parse(&pc, p, idx, msg, len, &ev) == MM_OK &&
                (ev.f[MM_EVF_RAW].p != msg || ev.f[MM_EVF_RAW].n != len ||
                 ev.kind >= MM_EVK__COUNT))
                abort();
        }
    }
    if (mm_framer_finish(&fr, &msg, &len, &trunc) == MM_OK)
        (void)mm_log_parse(&pc, p, idx, msg, len, &ev);
    mm_framer_release(&fr);
    return 0;
}

#endif

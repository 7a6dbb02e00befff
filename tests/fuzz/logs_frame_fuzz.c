/*
 * Fuzz target for the framer the TCP collector uses on bytes from the network: RFC 6587 octet
 * counting, newline framing and the automatic choice between them, fed in pieces whose sizes
 * come from the input. No message may exceed the maximum, and the framer must never read
 * outside what it was fed.
 */
#include <stddef.h>
#include <stdint.h>

#include "logs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mm_frame_mode modes[] = {MM_FRAME_AUTO, MM_FRAME_OCTET, MM_FRAME_LINES};
    for (size_t m = 0; m < 3; m++) {
        mm_framer fr;
        size_t pos = 0, step = size ? (size_t)(data[0] % 17) + 1 : 1;
        const char *msg;
        size_t len;
        int trunc;

        mm_framer_init(&fr, modes[m], 32);
        while (pos < size) {
            size_t n = size - pos < step ? size - pos : step;
            /* a copy, so ASan sees a read past the fed piece */
            char *piece = malloc(n);
            memcpy(piece, data + pos, n);
            mm_framer_feed(&fr, piece, n);
            while (mm_framer_next(&fr, &msg, &len, &trunc) == MM_OK)
                if (len > 32)
                    abort();
            free(piece);
            pos += n;
        }
        if (mm_framer_finish(&fr, &msg, &len, &trunc) == MM_OK && len > 32)
            abort();
        mm_framer_release(&fr);
    }
    return 0;
}

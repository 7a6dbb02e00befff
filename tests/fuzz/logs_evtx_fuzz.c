/*
 * Fuzz target for the .evtx reader: the input is written to a temporary file and read with
 * mm_evtx_read (libevtx plus our header and checksum scan); every record handed over is parsed
 * with the evtx parser. The same bytes are also fed as lines to the evtx XML parser (see
 * logs_fuzz_common.h). Whatever the bytes: an error or events, never a crash, leak or overflow.
 */
#include <stdio.h>
#include <unistd.h>

#include "logs_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_rc each(void *ud, const char *xml, size_t len, int truncated, mm_error *err)
{
    mm_parse_ctx *pc = ud;
    const mm_log_parser *p;
    int idx;
    mm_event ev;
    (void)truncated;
    (void)err;
    p = mm_log_parser_find("evtx", &idx);
    if (!p || mm_log_parse(pc, p, idx, xml, len, &ev) != MM_OK || ev.f[MM_EVF_RAW].p != xml ||
        ev.kind >= MM_EVK__COUNT)
        abort();
    return MM_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static mm_parse_ctx pc;
    const char *tmp = getenv("TMPDIR");
    char path[4096];
    mm_evtx_counts n;
    mm_error err;
    int fd;

    snprintf(path, sizeof(path), "%s/mm-evtx-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    fd = mkstemp(path);
    if (fd < 0)
        abort();
    if (size && write(fd, data, size) != (ssize_t)size)
        abort();
    close(fd);
    mm_parse_ctx_init(&pc, 1763640000000LL, 540, NULL);
    mm_error_clear(&err);
    (void)mm_evtx_read(path, 65536, each, &pc, &n, &err);
    if (n.read > n.records)
        abort();
    unlink(path);
    return mm_fuzz_log_parser("evtx", data, size);
}

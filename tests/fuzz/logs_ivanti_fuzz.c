/*
 * Fuzz target for the ivanti log parser (see logs_fuzz_common.h for what every line must
 * become).
 */
#include "logs_fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return mm_fuzz_log_parser("ivanti", data, size);
}

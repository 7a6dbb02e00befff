/*
 * Fuzz target for the evidence importer's reading half: CSV (UTF-8, CP932) and JSON in every
 * shape the engine accepts, for every kind, plus the version range parser the advisories use.
 * The first byte picks the kind; the rest is the file. No store is needed: parsing and
 * validation must never crash, leak or read out of bounds, whatever the bytes.
 */
#include <stddef.h>
#include <stdint.h>

#include "importer.h"
#include "version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const mm_import_kind *k;
    mm_import_set set;
    mm_error err;

    if (size < 1)
        return 0;
    k = mm_import_kinds[data[0] % mm_import_kinds_len];
    mm_error_clear(&err);
    if (mm_import_parse(k, "fuzz.csv", (const char *)data + 1, size - 1, &set, &err) == MM_OK) {
        /* Every accepted advisory range must also evaluate. */
        int fi = mm_import_field_index(k, "affected");
        for (size_t i = 0; fi >= 0 && i < set.n; i++)
            if (set.rows[i].v[fi].s && mm_version_in_range("6.0.4", set.rows[i].v[fi].s) < 0)
                __builtin_trap();
    }
    mm_import_set_release(&set);
    return 0;
}

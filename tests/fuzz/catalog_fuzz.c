/*
 * Fuzz target for the checklist catalog loader: any bytes through mm_sheet_load_buffer (UTF-8
 * check, jansson, validation, and the JSON path locator that places every error). A sheet that
 * loads is looked up once by id and label so the loaded structure is walked too.
 */
#include <stdint.h>

#include "catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_sheet *sheet = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_sheet_load_buffer("fuzz.json", (const char *)data, size, &sheet, &err) == MM_OK) {
        for (size_t i = 0; i < sheet->nitems; i++) {
            const mm_item *it = &sheet->items[i];
            if (mm_sheet_item(sheet, it->id) == NULL || mm_sheet_item(sheet, it->label) == NULL)
                abort(); /* an item that loaded must be found by its own id and label */
        }
    } else if (err.rc == MM_OK || !err.msg[0]) {
        abort(); /* every refusal says why */
    }
    mm_sheet_free(&sheet);
    return 0;
}

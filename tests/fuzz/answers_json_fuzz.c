/*
 * Fuzz target for the answers JSON importer, on the path `mamori answer import x.json` takes:
 * UTF-8 check (a BOM is dropped), jansson, the per-field parser with its JSON path positions,
 * and validation of every answer against the real catalog (loaded once).
 */
#include <stdint.h>

#include "answers_io.h"
#include "text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static mm_catalog *catalog(void)
{
    static mm_catalog *cat;
    mm_error err;

    if (!cat) {
        mm_error_clear(&err);
        if (mm_catalog_load_default(&cat, &err) != MM_OK) {
            fprintf(stderr,
                    "answers_json_fuzz: cannot load the catalog: %s: %s (set MAMORI_DATA)\n",
                    err.file, err.msg);
            abort();
        }
        setenv("MAMORI_TODAY", "2025-12-01", 1);
    }
    return cat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mm_catalog *cat = catalog();
    mm_answer_list list = {0};
    char *text = NULL;
    size_t len = 0;
    mm_error err;

    mm_error_clear(&err);
    if (mm_text_to_utf8((const char *)data, size, MM_ENC_UTF8, &text, &len, &err) != MM_OK)
        goto out;
    if (mm_answers_parse_json("fuzz.json", text, len, 2025, &list, &err) != MM_OK) {
        if (list.n != 0 || list.v != NULL)
            abort();
        goto out;
    }
    mm_answers_validate_all(cat, "fuzz.json", &list, &err);
out:
    mm_answer_list_release(&list);
    free(text);
    return 0;
}

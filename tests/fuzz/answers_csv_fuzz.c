/*
 * Fuzz target for the answers CSV importer, on the path `mamori answer import` takes: detect
 * the encoding, convert to UTF-8 (CP932 through iconv), parse the CSV and validate every row
 * against the real catalog (loaded once from $MAMORI_DATA or the built-in data directory).
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
            fprintf(stderr, "answers_csv_fuzz: cannot load the catalog: %s: %s (set MAMORI_DATA)\n",
                    err.file, err.msg);
            abort();
        }
        setenv("MAMORI_TODAY", "2025-12-01", 1); /* the same verdicts on every run */
    }
    return cat;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *in = (const char *)data;
    mm_catalog *cat = catalog();
    mm_answer_list list = {0};
    char *text = NULL;
    size_t len = 0;
    mm_error err;

    mm_error_clear(&err);
    if (mm_text_to_utf8(in, size, mm_text_detect(in, size), &text, &len, &err) != MM_OK)
        goto out;
    if (mm_answers_parse_csv("fuzz.csv", text, len, 2025, &list, &err) != MM_OK) {
        if (list.n != 0 || list.v != NULL)
            abort(); /* a failed parse hands back nothing */
        goto out;
    }
    mm_answers_validate_all(cat, "fuzz.csv", &list, &err);
out:
    mm_answer_list_release(&list);
    free(text);
    return 0;
}

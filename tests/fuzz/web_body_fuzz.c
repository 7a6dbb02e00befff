/*
 * Fuzz target for the web API's request-body parser (src/web/body.c): size limit, UTF-8 check,
 * jansson with duplicate keys refused, the object check, then the string-field reader every
 * handler uses on the fields the answer and login routes read.
 */
#include <stdint.h>

#include "web_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const keys[] = {"user",   "password", "code",  "item",   "answer", "checked",
                                       "target", "note",     "sheet", "vendor", "name",   "role"};
    json_t *j = NULL;
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_body_parse((const char *)data, size, MM_WEB_MAX_BODY, &j, &err) != MM_OK) {
        if (err.rc != MM_ERR_PARSE && err.rc != MM_ERR_INVALID)
            abort(); /* the parser only ever says malformed or too large */
        return 0;
    }
    if (!json_is_object(j))
        abort();
    for (size_t i = 0; i < MM_ARRAY_LEN(keys); i++) {
        const char *s = NULL;
        if (mm_web_body_str(j, keys[i], i % 2, 256, &s, &err) == MM_OK && s && strlen(s) > 256)
            abort();
    }
    json_decref(j);
    return 0;
}

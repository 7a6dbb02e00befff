/*
 * The request-body parser: a JSON object in UTF-8, of bounded size, without duplicate keys,
 * read by jansson. Errors carry jansson's line and column so the API can say where the body is
 * wrong. Fuzzed by tests/fuzz/web_body_fuzz.c.
 */
#include "text.h"
#include "web_int.h"

mm_rc mm_web_body_parse(const char *data, size_t len, size_t max, json_t **out, mm_error *err)
{
    json_error_t je;
    json_t *j;
    size_t bad = 0;

    *out = NULL;
    if (len > max)
        return mm_error_set(
            err, MM_ERR_INVALID, "body", 0, 0,
            "本文が大きすぎます（上限 %zu バイト） (body too large: limit %zu bytes)", max, max);
    if (len == 0)
        return mm_error_set(err, MM_ERR_PARSE, "body", 0, 0,
                            "本文が空です。JSON オブジェクトを送ってください (empty body: expected "
                            "a JSON object)");
    if (mm_utf8_validate(data, len, &bad) != MM_OK)
        return mm_error_set(err, MM_ERR_PARSE, "body", 0, (long)bad + 1,
                            "本文が UTF-8 ではありません (body is not UTF-8)");
    j = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!j)
        return mm_error_set(err, MM_ERR_PARSE, "body", je.line > 0 ? je.line : 0,
                            je.column > 0 ? je.column : 0, "JSON の誤り (malformed JSON): %s",
                            je.text);
    if (!json_is_object(j)) {
        json_decref(j);
        return mm_error_set(err, MM_ERR_PARSE, "body", 1, 1,
                            "本文は JSON オブジェクトにしてください (body must be a JSON object)");
    }
    *out = j;
    return MM_OK;
}

mm_rc mm_web_body_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out,
                      mm_error *err)
{
    json_t *v = json_object_get(obj, key);
    const char *s;
    size_t n;

    *out = NULL;
    if (!v || json_is_null(v)) {
        if (required)
            return mm_error_set(err, MM_ERR_NOTFOUND, "body", 0, 0,
                                "\"%s\" がありません (\"%s\" is required)", key, key);
        return MM_OK;
    }
    if (!json_is_string(v))
        return mm_error_set(err, MM_ERR_INVALID, "body", 0, 0,
                            "\"%s\" は文字列にしてください (\"%s\" must be a string)", key, key);
    s = json_string_value(v);
    n = json_string_length(v);
    if (n > maxlen || strlen(s) != n)
        return mm_error_set(err, MM_ERR_INVALID, "body", 0, 0,
                            "\"%s\" が長すぎます (\"%s\" is too long or holds NUL)", key, key);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n' && s[i] != '\t')
            return mm_error_set(err, MM_ERR_INVALID, "body", 0, 0,
                                "\"%s\" に制御文字があります (\"%s\" holds control characters)",
                                key, key);
    *out = s;
    return MM_OK;
}

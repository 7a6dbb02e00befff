/*
 * Windows Security events as one JSON object per line, the shape a collector writes from
 * Get-WinEvent: {"TimeCreated": "...Z" or "/Date(ms)/", "Id": 4625, "MachineName": "...",
 * "Data": {"TargetUserName": ..., "IpAddress": ..., ...}}. Field names are also accepted at
 * the top level and as EventID / Computer / EventData. The id → kind mapping is shared with
 * the .evtx reader (win_events.c).
 */
#include <jansson.h>

#include "logs_int.h"

typedef struct json_ev {
    json_t *root, *data;
} json_ev;

static const char *jstr(json_t *root, json_t *data, const char *name)
{
    json_t *v = data ? json_object_get(data, name) : NULL;
    if (!v)
        v = json_object_get(root, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The lookup mm_win_map uses: Data first, then the top level. */
static const char *json_get(void *ud, const char *name)
{
    json_ev *j = ud;
    return jstr(j->root, j->data, name);
}

#define MAX_MS 253402300799999LL /* 9999-12-31T23:59:59.999Z */

/* "2025-11-20T00:15:02.1234567Z" or "/Date(1763597702123)/". */
static int win_time(mm_parse_ctx *c, json_t *v, int64_t *ms)
{
    const char *s;
    if (json_is_integer(v)) {
        if (json_integer_value(v) < 0 || json_integer_value(v) > MAX_MS)
            return 0;
        *ms = (int64_t)json_integer_value(v);
        return 1;
    }
    if (!json_is_string(v))
        return 0;
    s = json_string_value(v);
    if (strncmp(s, "/Date(", 6) == 0) {
        char *end;
        long long x = strtoll(s + 6, &end, 10);
        if (end == s + 6 || x < 0 || x > MAX_MS)
            return 0;
        *ms = x;
        return 1;
    }
    return mm_time_parse_iso(s, strlen(s), c->tz_off_min, ms) == MM_OK;
}

mm_rc mm_parse_winjson(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    json_t *root, *data, *idv;
    json_error_t jerr;
    json_ev j;
    long id;
    mm_rc rc = MM_ERR_PARSE;

    root = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root))
        goto out;
    data = json_object_get(root, "Data");
    if (!json_is_object(data))
        data = json_object_get(root, "EventData");
    if (!json_is_object(data))
        data = NULL;
    idv = json_object_get(root, "Id");
    if (!idv)
        idv = json_object_get(root, "EventID");
    if (json_is_integer(idv))
        id = (long)json_integer_value(idv);
    else if (json_is_string(idv) && mm_parse_long(json_string_value(idv), 0, 65535, &id) == MM_OK)
        ;
    else
        goto out;
    if (!win_time(c, json_object_get(root, "TimeCreated"), &ev->time_ms))
        win_time(c, json_object_get(root, "TimeGenerated"), &ev->time_ms);
    {
        const char *host = jstr(root, NULL, "MachineName");
        if (!host)
            host = jstr(root, NULL, "Computer");
        if (host && strcmp(host, "-") != 0)
            ev->f[MM_EVF_HOST] = mm_scratch_put(c, host, strlen(host));
    }
    j.root = root;
    j.data = data;
    mm_win_map(c, id, json_get, &j, ev);
    rc = MM_OK;
out:
    json_decref(root);
    return rc;
}

/*
 * Windows Security events as one JSON object per line, the shape a collector writes from
 * Get-WinEvent: {"TimeCreated": "...Z" or "/Date(ms)/", "Id": 4625, "MachineName": "...",
 * "Data": {"TargetUserName": ..., "IpAddress": ..., ...}}. Field names are also accepted at
 * the top level and as EventID / Computer / EventData. The event id table says which kind
 * each id is and which data fields are the user, source and target.
 */
#include <jansson.h>

#include "logs_int.h"

typedef struct win_row {
    int id;
    uint8_t kind, outcome;
    const char *user, *src, *target; /* data field names, NULL = none */
    uint8_t status_decides;          /* Status 0x0 → success kind, else LOGON_FAILURE */
} win_row;

static const win_row win_ids[] = {
    {4624, MM_EVK_LOGON, MM_OUT_SUCCESS, "TargetUserName", "IpAddress", "LogonType", 0},
    {4625, MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, "TargetUserName", "IpAddress", "LogonType", 0},
    {4634, MM_EVK_LOGOFF, MM_OUT_SUCCESS, "TargetUserName", NULL, "LogonType", 0},
    {4648, MM_EVK_EXPLICIT_LOGON, MM_OUT_SUCCESS, "SubjectUserName", "IpAddress", "TargetUserName",
     0},
    {4720, MM_EVK_ACCOUNT_CREATED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4722, MM_EVK_ACCOUNT_ENABLED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4725, MM_EVK_ACCOUNT_DISABLED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4726, MM_EVK_ACCOUNT_DELETED, MM_OUT_SUCCESS, "TargetUserName", NULL, "SubjectUserName", 0},
    {4732, MM_EVK_GROUP_MEMBER_ADDED, MM_OUT_SUCCESS, "MemberName", NULL, "TargetUserName", 0},
    {4740, MM_EVK_ACCOUNT_LOCKED, MM_OUT_FAILURE, "TargetUserName", "TargetDomainName", NULL, 0},
    {4768, MM_EVK_KERBEROS_TGT, MM_OUT_SUCCESS, "TargetUserName", "IpAddress", NULL, 1},
    {4771, MM_EVK_LOGON_FAILURE, MM_OUT_FAILURE, "TargetUserName", "IpAddress", NULL, 0},
    {4776, MM_EVK_OTHER, MM_OUT_SUCCESS, "TargetUserName", "Workstation", NULL, 1},
};

static const char *jstr(json_t *root, json_t *data, const char *name)
{
    json_t *v = data ? json_object_get(data, name) : NULL;
    if (!v)
        v = json_object_get(root, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static mm_sv put(mm_parse_ctx *c, const char *s)
{
    mm_sv none = {"", 0};
    if (!s || strcmp(s, "-") == 0)
        return none;
    if (strncmp(s, "::ffff:", 7) == 0)
        s += 7;
    return mm_scratch_put(c, s, strlen(s));
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
    const win_row *row = NULL;
    long id;
    char idbuf[16];
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
        ev->f[MM_EVF_HOST] = put(c, host);
    }
    snprintf(idbuf, sizeof(idbuf), "%ld", id);
    ev->f[MM_EVF_ACTION] = mm_scratch_put(c, idbuf, strlen(idbuf));
    for (size_t i = 0; i < MM_ARRAY_LEN(win_ids); i++)
        if (win_ids[i].id == id) {
            row = &win_ids[i];
            break;
        }
    rc = MM_OK;
    if (!row) {
        ev->kind = MM_EVK_OTHER;
        goto out;
    }
    ev->kind = row->kind;
    ev->outcome = row->outcome;
    if (row->status_decides) {
        const char *st = jstr(root, data, "Status");
        if (st && strcmp(st, "0x0") != 0 && strcmp(st, "0") != 0) {
            ev->kind = MM_EVK_LOGON_FAILURE;
            ev->outcome = MM_OUT_FAILURE;
        }
    }
    if (row->user) {
        const char *u = jstr(root, data, row->user);
        if (id == 4732 && (!u || strcmp(u, "-") == 0))
            u = jstr(root, data, "MemberSid");
        if (u && strncmp(u, "CN=", 3) == 0) { /* a distinguished name: its common name */
            const char *e = u + 3;
            while (*e && *e != ',') {
                if (*e == '\\' && e[1])
                    e++;
                e++;
            }
            ev->f[MM_EVF_USER] = mm_scratch_put(c, u + 3, (size_t)(e - u - 3));
        } else {
            ev->f[MM_EVF_USER] = put(c, u);
        }
    }
    if (row->src)
        ev->f[MM_EVF_SRC] = put(c, jstr(root, data, row->src));
    if (row->target)
        ev->f[MM_EVF_TARGET] = put(c, jstr(root, data, row->target));
out:
    json_decref(root);
    return rc;
}

/*
 * Alerts from the access logs (checklist 2-⑪): the list, and recording that someone reviewed
 * them. The same rows and review as `mamori alerts` (src/logs/alerts.c); a review from the web
 * is audited under the web user's name. Vendors have no route here: alerts name staff,
 * addresses and other vendors' sessions.
 */
#include "logs.h"
#include "web_int.h"

typedef struct alerts_out {
    mm_buf *out;
    int n;
} alerts_out;

static int add_row(void *arg, const mm_alert_row *a)
{
    alerts_out *o = arg;
    mm_buf_adds(o->out, o->n++ ? ",\n" : "\n");
    mm_alert_row_json(o->out, a);
    return 0;
}

int mm_api_alerts(mm_req *r)
{
    const char *open = mm_req_query(r, "open"), *sev = mm_req_query(r, "severity");
    const char *rule = mm_req_query(r, "rule"), *limit = mm_req_query(r, "limit");
    mm_alert_filter f = {0};
    alerts_out o = {&r->out, 0};
    mm_error err;

    mm_error_clear(&err);
    f.limit = 500;
    if (open && strcmp(open, "1") != 0 && strcmp(open, "0") != 0)
        return mm_req_error(r, 400, "invalid", "open は 0 か 1 です (open: 0 or 1)");
    f.open_only = open && strcmp(open, "1") == 0;
    if (sev && *sev && (f.min_severity = mm_alert_severity_parse(sev)) < 0)
        return mm_req_error(r, 400, "invalid",
                            "severity は low, medium, high, critical のどれかです (bad severity)");
    if (limit && mm_parse_long(limit, 1, 5000, &f.limit) != MM_OK)
        return mm_req_error(r, 400, "invalid", "limit は 1〜5000 です (limit: 1-5000)");
    f.rule = rule;
    mm_buf_adds(&r->out, "{\"alerts\":[");
    if (mm_alerts_each(r->web->st, &f, add_row, &o, &err) != MM_OK) {
        mm_buf_reset(&r->out);
        return mm_req_fail(r, &err);
    }
    mm_buf_adds(&r->out, "]}\n");
    return 200;
}

/* POST {ids: [n, …], note: "…"} */
int mm_api_alerts_review(mm_req *r)
{
    json_t *ids = json_object_get(r->json, "ids"), *note = json_object_get(r->json, "note");
    long long v[256];
    size_t n = 0, i;
    json_t *x;
    mm_error err;

    mm_error_clear(&err);
    if (!json_is_array(ids) || json_array_size(ids) == 0 || json_array_size(ids) > MM_ARRAY_LEN(v))
        return mm_req_error(r, 400, "invalid",
                            "ids は検知番号の配列（1〜256 件）です (ids: 1-256 alert numbers)");
    json_array_foreach(ids, i, x)
    {
        if (!json_is_integer(x) || json_integer_value(x) < 1)
            return mm_req_error(r, 400, "invalid", "ids は正の整数です (ids: positive integers)");
        v[n++] = (long long)json_integer_value(x);
    }
    if (!json_is_string(note) || !*json_string_value(note) ||
        strlen(json_string_value(note)) > MM_ALERT_NOTE_MAX)
        return mm_req_error(
            r, 400, "invalid",
            "note に確認した内容を書いてください（2000 バイトまで） (note: what was "
            "checked and found, up to 2000 bytes)");
    if (mm_alerts_review(r->web->st, v, n, json_string_value(note), r->user.name, &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_buf_addf(&r->out, "{\"ok\":true,\"reviewed\":%zu}\n", n);
    return 200;
}

/*
 * Failed logins in the hash-chained audit trail, rate-limited so that an attack cannot flood
 * the trail: the first failure of an (account name, source address) pair in a window is written
 * at once with its reason class; later failures of the pair in the same window are counted and
 * written as one summary entry when the window is over. Beyond MM_LOGIN_AUDIT_MAX_PER_WINDOW
 * first entries per window, further pairs are only counted into one overflow summary. The
 * trail is read by staff only; the HTTP response never says which reason applied.
 */
#include <time.h>

#include "audit.h"
#include "web_int.h"

/* UTC time as 2025-04-01T09:00:00Z. */
static void unix_iso(long t, char out[21])
{
    struct tm tm;
    time_t tt = (time_t)t;

    gmtime_r(&tt, &tm);
    if (strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

static const char *const reason_names[MM_LOGIN_FAIL_COUNT] = {
    "unknown_user", "disabled", "wrong_password", "wrong_code", "throttled",
};

const char *mm_login_fail_name(mm_login_fail why)
{
    return (unsigned)why < MM_LOGIN_FAIL_COUNT ? reason_names[why] : "?";
}

long mm_login_audit_window(void)
{
    const char *e = getenv("MAMORI_LOGIN_AUDIT_WINDOW");
    long v;

    if (e && mm_parse_long(e, 1, 86400, &v) == MM_OK)
        return v;
    return 60;
}

/* Appends one entry in its own transaction. Failures to write are reported on stderr: a login
 * must not fail because its audit entry could not be written, but the operator must know. */
static void append(mm_store *st, const char *user, const char *after)
{
    char entity[256];
    mm_error err;

    mm_error_clear(&err);
    mm_snprintf(entity, sizeof(entity), "user:%s", user);
    if (mm_store_begin(st, &err) == MM_OK) {
        if (mm_audit_append(st, "-", "session.login_failed", entity, NULL, after, NULL, &err) ==
                MM_OK &&
            mm_store_commit(st, &err) == MM_OK)
            return;
        mm_store_rollback(st);
    }
    fprintf(stderr,
            "mamori serve: 失敗したログインを監査証跡に書けません (cannot audit a failed "
            "login): %s\n",
            err.msg);
}

static void counts_json(mm_buf *b, const int counts[MM_LOGIN_FAIL_COUNT])
{
    int first = 1, total = 0;

    mm_buf_adds(b, "\"by_reason\":{");
    for (int i = 0; i < MM_LOGIN_FAIL_COUNT; i++) {
        if (!counts[i])
            continue;
        mm_buf_addf(b, "%s\"%s\":%d", first ? "" : ",", reason_names[i], counts[i]);
        total += counts[i];
        first = 0;
    }
    mm_buf_addf(b, "},\"failures\":%d", total);
}

static void summary(mm_store *st, const char *user, const char *addr, long start, long window,
                    const int counts[MM_LOGIN_FAIL_COUNT])
{
    char from[21], to[21];
    mm_buf b;

    unix_iso(start, from);
    unix_iso(start + window, to);
    mm_buf_init(&b, 0);
    mm_buf_adds(&b, "{\"user\":");
    mm_jstr(&b, user);
    mm_buf_adds(&b, ",\"addr\":");
    mm_jstr(&b, addr);
    mm_buf_addf(&b, ",\"reason\":\"summary\",\"from\":\"%s\",\"to\":\"%s\",", from, to);
    counts_json(&b, counts);
    mm_buf_addc(&b, '}');
    append(st, user, mm_buf_str(&b));
    mm_buf_release(&b);
}

void mm_login_audit_flush(mm_web *w, long now, int all)
{
    mm_login_audit *la = &w->login_audit;
    long window = la->window;
    int any = 0;

    if (!la->window_start || (!all && now < la->window_start + window))
        return;
    for (size_t i = 0; i < MM_ARRAY_LEN(la->slots); i++) {
        mm_login_audit_slot *s = &la->slots[i];
        if (!s->used)
            continue;
        for (int k = 0; k < MM_LOGIN_FAIL_COUNT; k++)
            any |= s->counts[k];
        if (any)
            summary(w->st, s->user, s->addr, la->window_start, window, s->counts);
        any = 0;
    }
    for (int k = 0; k < MM_LOGIN_FAIL_COUNT; k++)
        any |= la->overflow[k];
    if (any)
        summary(w->st, "*", "*", la->window_start, window, la->overflow);
    memset(la->slots, 0, sizeof(la->slots));
    memset(la->overflow, 0, sizeof(la->overflow));
    la->written = 0;
    la->window_start = 0;
}

void mm_login_audit_fail(mm_web *w, const char *user, const char *addr, mm_login_fail why)
{
    mm_login_audit *la = &w->login_audit;
    mm_login_audit_slot *free_slot = NULL;
    long now = mm_now_unix();
    mm_buf b;

    if (!la->window)
        la->window = mm_login_audit_window();
    mm_login_audit_flush(w, now, 0);
    if (!la->window_start)
        la->window_start = now; /* a window opens with the first failure after a quiet spell */
    for (size_t i = 0; i < MM_ARRAY_LEN(la->slots); i++) {
        mm_login_audit_slot *s = &la->slots[i];
        if (!s->used) {
            if (!free_slot)
                free_slot = s;
            continue;
        }
        if (strcmp(s->user, user) == 0 && strcmp(s->addr, addr) == 0) {
            s->counts[why]++; /* written in the window's summary */
            return;
        }
    }
    if (!free_slot || la->written >= MM_LOGIN_AUDIT_MAX_PER_WINDOW) {
        la->overflow[why]++;
        return;
    }
    free_slot->used = 1;
    mm_strlcpy(free_slot->user, user, sizeof(free_slot->user));
    mm_strlcpy(free_slot->addr, addr, sizeof(free_slot->addr));
    la->written++;
    mm_buf_init(&b, 0);
    mm_buf_adds(&b, "{\"user\":");
    mm_jstr(&b, user);
    mm_buf_adds(&b, ",\"addr\":");
    mm_jstr(&b, addr);
    mm_buf_addf(&b, ",\"reason\":\"%s\"}", reason_names[why]);
    append(w->st, user, mm_buf_str(&b));
    mm_buf_release(&b);
}

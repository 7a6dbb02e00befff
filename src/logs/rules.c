/*
 * Detection rules as data: each JSON file in data/rules/ lists rules, each of a type from the
 * table below (threshold, success-after-failures, allowlist, roster, calendar, new-admin) with
 * its parameters. A rule type is a pair of callbacks (compile its JSON, look at one event). Rules
 * read facts from the store once (allow-lists, accounts, staff, assets) and keep per-key state
 * in bounded maps. Alerts carry the events that raised them (number and raw line).
 *
 * To add a rule type: write compile_x and event_x, add a row to rule_types, document the
 * parameters in docs/logs.md, and add a fixture to tests/data/logs/.
 */
#include <dirent.h>
#include <jansson.h>
#include <strings.h>

#include "logs_int.h"

#define MAX_RING 1000       /* largest count / failures a rule may ask for */
#define MAX_KEYS (1u << 20) /* distinct keys a rule tracks; beyond, new keys are not tracked */
#define MAX_ALERTS 100000   /* alerts held before storing */
#define ALERT_EVENTS 10     /* events kept with an alert */
#define RAW_KEEP 2048       /* bytes of each raw line kept with an alert */

typedef struct ev_ref {
    int64_t t;
    uint64_t seq;
} ev_ref;

typedef struct alert {
    const struct rule *rule;
    char *subject;
    int64_t first, last;
    long count;
    char *detail_ja, *detail_en;
    uint64_t seqs[ALERT_EVENTS];
    char *raws[ALERT_EVENTS];
    int nev;
} alert;

/* Per-key state: a ring of recent events and the time of the last alert. One cache line
 * (64 bytes, the table is aligned to 64): a lookup of a short key reads one line. */
typedef struct kstate {
    uint64_t hash;
    char *key; /* kbuf, or a heap copy of a longer key */
    ev_ref *ring;
    int64_t last_alert;
    uint32_t alert_idx; /* index in mm_rules.alerts of the last alert for this key */
    uint32_t keylen;
    int head, n;
    char kbuf[16]; /* short keys (an IPv4 address, most logins) live here, next to the hash */
} kstate;

_Static_assert(sizeof(kstate) == 64, "kstate is one cache line");

typedef struct kmap {
    kstate *v;
    size_t cap, n;
} kmap;

typedef struct rule {
    const struct rule_type *type;
    char id[64];
    char severity[16];
    char *title_ja, *title_en;
    uint32_t kinds; /* bit per mm_event_kind; 0 = the type's default */
    int by_source;  /* threshold: key is the source address, else the user */
    int count;      /* threshold count / failures before a success */
    int64_t window_ms;
    int64_t cooldown_ms;
    int weekdays; /* calendar: bit 0 = Sunday … bit 6 = Saturday */
    int start_min, end_min;
    int64_t *holidays; /* days since 1970 (local) */
    size_t nholidays;
    char **groups;
    size_t ngroups;
    kmap state;
    uint64_t untracked; /* events whose key did not fit in the state map */
} rule;

typedef struct rule_type {
    const char *name;
    mm_rc (*compile)(rule *r, json_t *j, const char *file, mm_error *err);
    void (*event)(mm_rules *R, rule *r, const mm_event *ev);
    uint32_t default_kinds;
} rule_type;

typedef struct cidr {
    uint8_t net[16];
    int bits;
} cidr;

typedef struct allow {
    char *device; /* lower-case asset name */
    cidr *v;
    size_t n;
} allow;

typedef struct account {
    char *login; /* lower-case */
    int enabled;
    char *left_on; /* "" unless the person has left */
    char *person;
} account;

struct mm_rules {
    rule *rules;
    size_t n;
    int tz_off_min;
    allow *allows;
    size_t nallows;
    char **host_to_asset; /* pairs: lower host, lower asset name */
    size_t nhosts;
    account *accounts;
    size_t naccounts;
    alert *alerts;
    size_t nalerts, capalerts;
    uint64_t alerts_dropped;
};

#define KBIT(k) (1u << (k))

/* ---- small helpers ---------------------------------------------------------------------- */

/* A zeroed table of n states, aligned to a cache line when the allocator can. */
static kstate *kstate_table(size_t n)
{
    kstate *v = aligned_alloc(64, n * sizeof(kstate));
    if (!v)
        return mm_xcalloc(n, sizeof(kstate));
    memset(v, 0, n * sizeof(kstate));
    return v;
}

static kstate *kmap_get(kmap *m, const char *key, size_t kn, int ring, uint64_t *untracked)
{
    uint64_t h = mm_hash64(key, kn, 7);
    size_t i;
    if (2 * (m->n + 1) > m->cap) {
        size_t ncap;
        kstate *nv;
        if (m->n >= MAX_KEYS) {
            (*untracked)++;
            return NULL;
        }
        ncap = m->cap ? m->cap * 2 : 256;
        nv = kstate_table(ncap);
        for (size_t j = 0; j < m->cap; j++)
            if (m->v[j].key) {
                size_t p = (size_t)(m->v[j].hash & (ncap - 1));
                while (nv[p].key)
                    p = (p + 1) & (ncap - 1);
                nv[p] = m->v[j];
                if (m->v[j].key == m->v[j].kbuf) /* moved: point at its own buffer */
                    nv[p].key = nv[p].kbuf;
            }
        free(m->v);
        m->v = nv;
        m->cap = ncap;
    }
    i = (size_t)(h & (m->cap - 1));
    while (m->v[i].key) {
        if (m->v[i].hash == h && m->v[i].keylen == kn && memcmp(m->v[i].key, key, kn) == 0)
            return &m->v[i];
        i = (i + 1) & (m->cap - 1);
    }
    /* keys are given already normalised */
    m->v[i].key = kn < sizeof(m->v[i].kbuf) ? m->v[i].kbuf : mm_xmalloc(kn + 1);
    memcpy(m->v[i].key, key, kn);
    m->v[i].key[kn] = '\0';
    m->v[i].hash = h;
    m->v[i].keylen = (uint32_t)kn;
    m->v[i].ring = mm_xcalloc((size_t)(ring > 0 ? ring : 1), sizeof(ev_ref));
    m->v[i].last_alert = INT64_MIN;
    m->n++;
    return &m->v[i];
}

static void kmap_free(kmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->v[i].key) {
            if (m->v[i].key != m->v[i].kbuf)
                free(m->v[i].key);
            free(m->v[i].ring);
        }
    free(m->v);
    memset(m, 0, sizeof(*m));
}

/* Adds an event to the key's ring. An event older than the newest by more than the window
 * (a clock step back, a replayed older file) starts the ring over, so a window never spans
 * a jump back in time. */
static void ring_push(kstate *s, int cap, int64_t t, uint64_t seq, int64_t window)
{
    if (s->n > 0 && t < s->ring[s->head > 0 ? s->head - 1 : cap - 1].t - window) {
        s->n = 0;
        s->head = 0;
    }
    s->ring[s->head] = (ev_ref){t, seq};
    s->head = s->head + 1 < cap ? s->head + 1 : 0; /* no division on the hot path */
    if (s->n < cap)
        s->n++;
}

/* The oldest of the ring. */
static ev_ref ring_oldest(const kstate *s, int cap)
{
    return s->ring[(s->head - s->n + cap) % cap];
}

/* The earliest and latest time in the ring. Events can arrive out of time order (files
 * imported newest first, a device with a late clock), so the span is over the times, not
 * over the order of arrival. */
static void ring_span(const kstate *s, int cap, int64_t *lo, int64_t *hi)
{
    int at = s->head - s->n < 0 ? s->head - s->n + cap : s->head - s->n; /* the oldest */
    *lo = INT64_MAX;
    *hi = INT64_MIN;
    for (int i = 0; i < s->n; i++, at = at + 1 < cap ? at + 1 : 0) {
        int64_t t = s->ring[at].t;
        if (t < *lo)
            *lo = t;
        if (t > *hi)
            *hi = t;
    }
}

static alert *alert_new(mm_rules *R, const rule *r, const char *subject, int64_t t)
{
    alert *a;
    if (R->nalerts >= MAX_ALERTS) {
        R->alerts_dropped++;
        return NULL;
    }
    if (R->nalerts == R->capalerts) {
        R->capalerts = R->capalerts ? R->capalerts * 2 : 64;
        R->alerts = mm_xrealloc(R->alerts, R->capalerts * sizeof(*R->alerts));
    }
    a = &R->alerts[R->nalerts++];
    memset(a, 0, sizeof(*a));
    a->rule = r;
    a->subject = mm_xstrdup(subject);
    a->first = a->last = t;
    a->count = 1;
    return a;
}

/* The alert this key raised last, while it is still held (not yet stored); NULL otherwise. */
static alert *key_alert(mm_rules *R, const rule *r, const kstate *s)
{
    if (s->alert_idx < R->nalerts && R->alerts[s->alert_idx].rule == r &&
        R->alerts[s->alert_idx].first <= s->last_alert)
        return &R->alerts[s->alert_idx];
    return NULL;
}

static void alert_detail(alert *a, const char *ja, const char *en)
{
    a->detail_ja = mm_xstrdup(ja);
    a->detail_en = mm_xstrdup(en);
}

/* Adds an event (its number; its raw line when it is the triggering event). */
static void alert_event(alert *a, uint64_t seq, const mm_event *ev)
{
    if (a->nev >= ALERT_EVENTS)
        return;
    a->seqs[a->nev] = seq;
    if (ev) {
        size_t n = ev->f[MM_EVF_RAW].n < RAW_KEEP ? ev->f[MM_EVF_RAW].n : RAW_KEEP;
        a->raws[a->nev] = mm_xmalloc(n + 1);
        memcpy(a->raws[a->nev], ev->f[MM_EVF_RAW].p, n);
        a->raws[a->nev][n] = '\0';
    }
    a->nev++;
}

static void ring_to_alert(alert *a, const kstate *s, int cap)
{
    for (int i = 0; i < s->n && a->nev < ALERT_EVENTS; i++) {
        ev_ref e = s->ring[(s->head - s->n + i + cap) % cap];
        alert_event(a, e.seq, NULL);
    }
}

static int json_int(json_t *j, const char *k, long min, long max, long def, long *out)
{
    json_t *v = json_object_get(j, k);
    if (!v) {
        *out = def;
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max)
        return 0;
    *out = (long)json_integer_value(v);
    return 1;
}

static mm_rc bad(mm_error *err, const char *file, const rule *r, const char *what)
{
    return mm_error_set(err, MM_ERR_INVALID, file, 0, 0,
                        "検知ルール %s: %s (detection rule %s: %s)", r->id, what, r->id, what);
}

/* ---- threshold: ≥ count events of the kinds per user (or source) within window ------------ */

static mm_rc compile_threshold(rule *r, json_t *j, const char *file, mm_error *err)
{
    long c, w;
    const char *by = json_string_value(json_object_get(j, "by"));
    if (!json_int(j, "count", 2, MAX_RING, 10, &c) ||
        !json_int(j, "window_seconds", 1, 86400 * 7, 300, &w))
        return bad(err, file, r, "count 2-1000, window_seconds 1-604800");
    if (by && strcmp(by, "user") != 0 && strcmp(by, "source") != 0)
        return bad(err, file, r, "by is \"user\" or \"source\"");
    r->by_source = by && strcmp(by, "source") == 0;
    r->count = (int)c;
    r->window_ms = w * 1000;
    return MM_OK;
}

static void event_threshold(mm_rules *R, rule *r, const mm_event *ev)
{
    mm_sv key = ev->f[r->by_source ? MM_EVF_SRC : MM_EVF_USER];
    char norm[300];
    kstate *s;
    ev_ref o;

    if (key.n == 0 || key.n > 256)
        return;
    for (uint32_t i = 0; i < key.n; i++)
        norm[i] = (!r->by_source && key.p[i] >= 'A' && key.p[i] <= 'Z') ? (char)(key.p[i] + 32)
                                                                        : key.p[i];
    norm[key.n] = '\0';
    if (!(s = kmap_get(&r->state, norm, key.n, r->count, &r->untracked)))
        return;
    ring_push(s, r->count, ev->time_ms, ev->seq, r->window_ms);
    if (s->n < r->count)
        return;
    o = ring_oldest(s, r->count);
    /* the ring holds this event and the oldest: when those two are already further apart
     * than the window, so is the span (saves the scan of the whole ring) */
    if ((ev->time_ms >= o.t ? (uint64_t)ev->time_ms - (uint64_t)o.t
                            : (uint64_t)o.t - (uint64_t)ev->time_ms) > (uint64_t)r->window_ms)
        return;
    {
        int64_t lo, hi;
        ring_span(s, r->count, &lo, &hi);
        if (hi - lo > r->window_ms)
            return;
        o.t = lo;
    }
    if (s->last_alert != INT64_MIN && ev->time_ms - s->last_alert <= r->window_ms) {
        /* the same burst: count it into the last alert for this key */
        alert *prev = key_alert(R, r, s);
        if (prev) {
            prev->count++;
            prev->last = ev->time_ms;
        }
        s->last_alert = ev->time_ms;
        return;
    }
    {
        char subject[320], ja[512], en[512];
        alert *a;
        snprintf(subject, sizeof(subject), "%s:%.*s", r->by_source ? "source" : "user", (int)key.n,
                 norm);
        if (!(a = alert_new(R, r, subject, o.t)))
            return;
        a->last = ev->time_ms;
        a->count = r->count;
        snprintf(ja, sizeof(ja), "%s %.*s: %ld 秒以内に %d 回",
                 r->by_source ? "接続元" : "アカウント", (int)key.n, key.p,
                 (long)(r->window_ms / 1000), r->count);
        snprintf(en, sizeof(en), "%s %.*s: %d times within %ld s",
                 r->by_source ? "source" : "account", (int)key.n, key.p, r->count,
                 (long)(r->window_ms / 1000));
        alert_detail(a, ja, en);
        ring_to_alert(a, s, r->count);
        if (a->nev > 0 && a->nev <= ALERT_EVENTS) { /* keep the triggering line */
            size_t n = ev->f[MM_EVF_RAW].n < RAW_KEEP ? ev->f[MM_EVF_RAW].n : RAW_KEEP;
            int last = a->nev - 1;
            free(a->raws[last]);
            a->raws[last] = mm_xmalloc(n + 1);
            memcpy(a->raws[last], ev->f[MM_EVF_RAW].p, n);
            a->raws[last][n] = '\0';
        }
        s->last_alert = ev->time_ms;
        s->alert_idx = (uint32_t)(R->nalerts - 1);
    }
}

/* ---- success after failures ------------------------------------------------------------- */

static mm_rc compile_saf(rule *r, json_t *j, const char *file, mm_error *err)
{
    long c, w;
    if (!json_int(j, "failures", 1, MAX_RING, 5, &c) ||
        !json_int(j, "window_seconds", 1, 86400 * 7, 600, &w))
        return bad(err, file, r, "failures 1-1000, window_seconds 1-604800");
    r->count = (int)c;
    r->window_ms = w * 1000;
    return MM_OK;
}

static void event_saf(mm_rules *R, rule *r, const mm_event *ev)
{
    mm_sv u = ev->f[MM_EVF_USER];
    char norm[300];
    kstate *s;
    int fail = ev->kind == MM_EVK_LOGON_FAILURE, before = 0, later = 0;
    int64_t first = INT64_MAX;

    if (u.n == 0 || u.n > 256)
        return;
    if (!fail && !(r->kinds & KBIT(ev->kind)))
        return;
    for (uint32_t i = 0; i < u.n; i++)
        norm[i] = (u.p[i] >= 'A' && u.p[i] <= 'Z') ? (char)(u.p[i] + 32) : u.p[i];
    if (!(s = kmap_get(&r->state, norm, u.n, r->count, &r->untracked)))
        return;
    if (fail) {
        ring_push(s, r->count, ev->time_ms, ev->seq, r->window_ms);
        return;
    }
    if (ev->outcome == MM_OUT_FAILURE)
        return;
    /* only failures before this success and within the window count; a success older than
     * the failures (out-of-order input) neither alerts nor clears them */
    for (int i = 0, at = s->head - s->n < 0 ? s->head - s->n + r->count : s->head - s->n; i < s->n;
         i++, at = at + 1 < r->count ? at + 1 : 0) {
        int64_t t = s->ring[at].t;
        if (t > ev->time_ms)
            later++;
        else if (ev->time_ms - t <= r->window_ms) {
            before++;
            if (t < first)
                first = t;
        }
    }
    if (before >= r->count) {
        char subject[320], ja[512], en[512];
        alert *a;
        snprintf(subject, sizeof(subject), "user:%.*s", (int)u.n, norm);
        if ((a = alert_new(R, r, subject, first)) != NULL) {
            a->last = ev->time_ms;
            a->count = s->n + 1;
            snprintf(ja, sizeof(ja), "アカウント %.*s: %d 回の失敗の後に成功（%s）", (int)u.n, u.p,
                     s->n, mm_event_kind_name(ev->kind));
            snprintf(en, sizeof(en), "account %.*s: success (%s) after %d failures", (int)u.n, u.p,
                     mm_event_kind_name(ev->kind), s->n);
            alert_detail(a, ja, en);
            ring_to_alert(a, s, r->count);
            if (a->nev == ALERT_EVENTS)
                a->nev--;
            alert_event(a, ev->seq, ev);
        }
    }
    if (later == 0) { /* the success ends the run of failures */
        s->n = 0;
        s->head = 0;
    }
}

/* ---- allow-list: source outside the device's allowed ranges ----------------------------- */

static mm_rc compile_none(rule *r, json_t *j, const char *file, mm_error *err)
{
    long cd;
    if (!json_int(j, "cooldown_seconds", 0, 86400 * 30, 0, &cd))
        return bad(err, file, r, "cooldown_seconds 0-2592000");
    r->cooldown_ms = cd * 1000;
    return MM_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static const allow *find_allow(const mm_rules *R, mm_sv device)
{
    char d[300];
    const char *key = d;
    char **hit;
    allow *res;
    if (device.n == 0 || device.n >= sizeof(d) || R->nallows == 0)
        return NULL;
    for (uint32_t i = 0; i < device.n; i++)
        d[i] = (device.p[i] >= 'A' && device.p[i] <= 'Z') ? (char)(device.p[i] + 32) : device.p[i];
    d[device.n] = '\0';
    /* host name or address → asset name (pairs sorted by host) */
    hit =
        R->nhosts ? bsearch(&key, R->host_to_asset, R->nhosts, 2 * sizeof(char *), cmp_str) : NULL;
    if (hit)
        key = hit[1];
    res = bsearch(&key, R->allows, R->nallows, sizeof(allow), cmp_str);
    if (!res && hit) { /* the allow-list may name the host rather than the asset */
        key = d;
        res = bsearch(&key, R->allows, R->nallows, sizeof(allow), cmp_str);
    }
    return res;
}

static void event_allowlist(mm_rules *R, rule *r, const mm_event *ev)
{
    const allow *al;
    uint8_t ip[16];
    char subject[400], ja[600], en[600];
    alert *a;
    kstate *s;

    if (ev->outcome == MM_OUT_FAILURE || !(al = find_allow(R, ev->f[MM_EVF_DEVICE])) ||
        !mm_ip_parse(ev->f[MM_EVF_SRC].p, ev->f[MM_EVF_SRC].n, ip, NULL))
        return;
    for (size_t i = 0; i < al->n; i++)
        if (mm_cidr_match(al->v[i].net, al->v[i].bits, ip))
            return;
    snprintf(subject, sizeof(subject), "source:%.*s@%.*s", (int)ev->f[MM_EVF_SRC].n,
             ev->f[MM_EVF_SRC].p, (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p);
    if ((s = kmap_get(&r->state, subject, strlen(subject), 1, &r->untracked)) != NULL) {
        if (s->last_alert != INT64_MIN && ev->time_ms - s->last_alert < r->cooldown_ms)
            return;
        s->last_alert = ev->time_ms;
    }
    if (!(a = alert_new(R, r, subject, ev->time_ms)))
        return;
    snprintf(ja, sizeof(ja), "%.*s への接続元 %.*s（利用者 %.*s）は許可リストにありません",
             (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p, (int)ev->f[MM_EVF_SRC].n,
             ev->f[MM_EVF_SRC].p, (int)ev->f[MM_EVF_USER].n, ev->f[MM_EVF_USER].p);
    snprintf(en, sizeof(en), "source %.*s (user %.*s) is not in the allow-list of %.*s",
             (int)ev->f[MM_EVF_SRC].n, ev->f[MM_EVF_SRC].p, (int)ev->f[MM_EVF_USER].n,
             ev->f[MM_EVF_USER].p, (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p);
    alert_detail(a, ja, en);
    alert_event(a, ev->seq, ev);
}

/* ---- roster: disabled accounts and leavers ---------------------------------------------- */

static void event_roster(mm_rules *R, rule *r, const mm_event *ev)
{
    mm_sv u = ev->f[MM_EVF_USER];
    const account *found = NULL;
    int any_enabled = 0;
    char day[32], subject[320], ja[600], en[600];
    const char *why_ja = NULL, *why_en = NULL;
    alert *a;
    kstate *s;

    if (u.n == 0 || u.n > 256 || ev->outcome == MM_OUT_FAILURE)
        return;
    {
        /* "DOMAIN\\user" and "user@domain" compare by the user part */
        const char *bs = memchr(u.p, '\\', u.n);
        const char *at = memchr(u.p, '@', u.n);
        if (bs) {
            u.n -= (uint32_t)(bs + 1 - u.p);
            u.p = bs + 1;
        } else if (at) {
            u.n = (uint32_t)(at - u.p);
        }
    }
    {
        char lk[300];
        const char *key = lk;
        const account *hit;
        size_t lo;
        for (uint32_t i = 0; i < u.n; i++)
            lk[i] = (u.p[i] >= 'A' && u.p[i] <= 'Z') ? (char)(u.p[i] + 32) : u.p[i];
        lk[u.n] = '\0';
        hit = R->naccounts ? bsearch(&key, R->accounts, R->naccounts, sizeof(account), cmp_str)
                           : NULL;
        if (!hit)
            return;
        lo = (size_t)(hit - R->accounts);
        while (lo > 0 && strcmp(R->accounts[lo - 1].login, lk) == 0)
            lo--;
        for (size_t i = lo; i < R->naccounts && strcmp(R->accounts[i].login, lk) == 0; i++) {
            const account *ac = &R->accounts[i];
            if (!found)
                found = ac;
            if (ac->enabled) {
                any_enabled = 1;
                if (ac->left_on[0])
                    found = ac;
            }
        }
    }
    if (!found)
        return;
    mm_time_format(ev->time_ms, R->tz_off_min, day, sizeof(day));
    day[10] = '\0';
    if (found->left_on[0] && strcmp(found->left_on, day) <= 0) {
        why_ja = "退職者";
        why_en = "a person who has left";
    } else if (!any_enabled) {
        why_ja = "無効化されたアカウント";
        why_en = "a disabled account";
    } else {
        return;
    }
    snprintf(subject, sizeof(subject), "user:%.*s", (int)u.n, u.p);
    for (char *p = subject; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p + 32);
    if ((s = kmap_get(&r->state, subject, strlen(subject), 1, &r->untracked)) != NULL) {
        if (s->last_alert != INT64_MIN && ev->time_ms - s->last_alert < r->cooldown_ms)
            return;
        s->last_alert = ev->time_ms;
    }
    if (!(a = alert_new(R, r, subject, ev->time_ms)))
        return;
    snprintf(ja, sizeof(ja), "%s %.*s による %s（%.*s から）%s%s", why_ja, (int)u.n, u.p,
             mm_event_kind_label(ev->kind), (int)ev->f[MM_EVF_SRC].n, ev->f[MM_EVF_SRC].p,
             found->left_on[0] ? " 退職日 " : "", found->left_on);
    snprintf(en, sizeof(en), "%s by %s %.*s (from %.*s)%s%s", mm_event_kind_name(ev->kind), why_en,
             (int)u.n, u.p, (int)ev->f[MM_EVF_SRC].n, ev->f[MM_EVF_SRC].p,
             found->left_on[0] ? ", left on " : "", found->left_on);
    alert_detail(a, ja, en);
    alert_event(a, ev->seq, ev);
}

/* ---- calendar: remote access outside working hours --------------------------------------- */

static const char *const wdays[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

static int hhmm(const char *s, int *out)
{
    int h, m;
    if (!s || strlen(s) != 5 || s[2] != ':' || sscanf(s, "%2d:%2d", &h, &m) != 2 || h < 0 ||
        h > 24 || m < 0 || m > 59 || (h == 24 && m != 0))
        return 0;
    *out = h * 60 + m;
    return 1;
}

static mm_rc compile_calendar(rule *r, json_t *j, const char *file, mm_error *err)
{
    json_t *wd = json_object_get(j, "weekdays"), *hol = json_object_get(j, "holidays"), *v;
    size_t i;
    mm_rc rc = compile_none(r, j, file, err); /* cooldown_seconds */
    if (rc != MM_OK)
        return rc;
    if (!hhmm(json_string_value(json_object_get(j, "start")), &r->start_min) ||
        !hhmm(json_string_value(json_object_get(j, "end")), &r->end_min) ||
        r->end_min <= r->start_min)
        return bad(err, file, r, "start and end are \"HH:MM\", start before end");
    r->weekdays = 0x3e; /* Monday to Friday */
    if (json_is_array(wd)) {
        r->weekdays = 0;
        json_array_foreach(wd, i, v)
        {
            int ok = 0;
            for (int d = 0; d < 7; d++)
                if (json_is_string(v) && strcmp(json_string_value(v), wdays[d]) == 0) {
                    r->weekdays |= 1 << d;
                    ok = 1;
                }
            if (!ok)
                return bad(err, file, r, "weekdays are \"mon\" … \"sun\"");
        }
    }
    if (json_is_array(hol)) {
        r->holidays = mm_xcalloc(json_array_size(hol) + 1, sizeof(int64_t));
        json_array_foreach(hol, i, v)
        {
            int64_t ms;
            char buf[40];
            if (!json_is_string(v))
                return bad(err, file, r, "holidays are \"YYYY-MM-DD\" dates");
            snprintf(buf, sizeof(buf), "%sT00:00Z", json_string_value(v));
            if (mm_time_parse_iso(buf, strlen(buf), 0, &ms) != MM_OK)
                return bad(err, file, r, "holidays are \"YYYY-MM-DD\" dates");
            r->holidays[r->nholidays++] = ms / 86400000;
        }
    }
    return MM_OK;
}

static void event_calendar(mm_rules *R, rule *r, const mm_event *ev)
{
    int64_t local = ev->time_ms / 1000 + (int64_t)R->tz_off_min * 60;
    int64_t day = local >= 0 ? local / 86400 : (local - 86399) / 86400;
    int minute = (int)((local - day * 86400) / 60);
    int wd = (int)((day % 7 + 11) % 7); /* 1970-01-01 was a Thursday */
    int off = !(r->weekdays & (1 << wd)) || minute < r->start_min || minute >= r->end_min;
    char when[40], subject[400], ja[600], en[600];
    alert *a;

    if (ev->outcome == MM_OUT_FAILURE)
        return;
    for (size_t i = 0; !off && i < r->nholidays; i++)
        if (r->holidays[i] == day)
            off = 1;
    if (!off)
        return;
    if (r->cooldown_ms > 0) { /* one alert per user per cooldown; later ones are counted in */
        kstate *s;
        size_t un =
            ev->f[MM_EVF_USER].n < sizeof(subject) - 1 ? ev->f[MM_EVF_USER].n : sizeof(subject) - 1;
        un = un ? strnlen(ev->f[MM_EVF_USER].p, un) : 0; /* the key stops at a NUL byte */
        memcpy(subject, ev->f[MM_EVF_USER].p, un);
        subject[un] = '\0';
        if ((s = kmap_get(&r->state, subject, un, 1, &r->untracked)) != NULL) {
            if (s->last_alert != INT64_MIN && ev->time_ms - s->last_alert < r->cooldown_ms) {
                alert *prev = key_alert(R, r, s);
                if (prev) { /* later events of the same stretch: their numbers only */
                    prev->count++;
                    prev->last = ev->time_ms;
                    alert_event(prev, ev->seq, NULL);
                }
                return;
            }
            s->last_alert = ev->time_ms;
            s->alert_idx = (uint32_t)R->nalerts; /* the alert made just below */
        }
    }
    /* formatted only for an alert: most events after hours fall into a held one */
    mm_time_format(ev->time_ms, R->tz_off_min, when, sizeof(when));
    snprintf(subject, sizeof(subject), "user:%.*s@%s", (int)ev->f[MM_EVF_USER].n,
             ev->f[MM_EVF_USER].p, when);
    if (!(a = alert_new(R, r, subject, ev->time_ms)))
        return;
    snprintf(ja, sizeof(ja), "%.*s が業務時間外（%s、%s）に %.*s から %s",
             (int)ev->f[MM_EVF_USER].n, ev->f[MM_EVF_USER].p, when, wdays[wd],
             (int)ev->f[MM_EVF_SRC].n, ev->f[MM_EVF_SRC].p, mm_event_kind_label(ev->kind));
    snprintf(en, sizeof(en), "%.*s: %s outside working hours (%s, %s) from %.*s",
             (int)ev->f[MM_EVF_USER].n, ev->f[MM_EVF_USER].p, mm_event_kind_name(ev->kind), when,
             wdays[wd], (int)ev->f[MM_EVF_SRC].n, ev->f[MM_EVF_SRC].p);
    alert_detail(a, ja, en);
    alert_event(a, ev->seq, ev);
}

/* ---- new administrators --------------------------------------------------------------- */

static mm_rc compile_new_admin(rule *r, json_t *j, const char *file, mm_error *err)
{
    json_t *g = json_object_get(j, "groups"), *v;
    size_t i;
    if (!json_is_array(g))
        return bad(err, file, r, "groups is a list of group names");
    r->groups = mm_xcalloc(json_array_size(g) + 1, sizeof(char *));
    json_array_foreach(g, i, v)
    {
        if (!json_is_string(v))
            return bad(err, file, r, "groups is a list of group names");
        r->groups[r->ngroups++] = mm_xstrdup(json_string_value(v));
    }
    return MM_OK;
}

static void event_new_admin(mm_rules *R, rule *r, const mm_event *ev)
{
    char subject[400], ja[600], en[600];
    alert *a;
    mm_sv t = ev->f[MM_EVF_TARGET];

    if (ev->kind == MM_EVK_GROUP_MEMBER_ADDED) {
        int admin = 0;
        for (size_t i = 0; i < r->ngroups && !admin; i++)
            admin = strlen(r->groups[i]) == t.n && strncasecmp(r->groups[i], t.p, t.n) == 0;
        if (!admin)
            return;
        snprintf(ja, sizeof(ja), "%.*s が %.*s グループに追加されました（%.*s）",
                 (int)ev->f[MM_EVF_USER].n, ev->f[MM_EVF_USER].p, (int)t.n, t.p,
                 (int)ev->f[MM_EVF_HOST].n, ev->f[MM_EVF_HOST].p);
        snprintf(en, sizeof(en), "%.*s was added to %.*s on %.*s", (int)ev->f[MM_EVF_USER].n,
                 ev->f[MM_EVF_USER].p, (int)t.n, t.p, (int)ev->f[MM_EVF_HOST].n,
                 ev->f[MM_EVF_HOST].p);
        snprintf(subject, sizeof(subject), "user:%.*s@%.*s", (int)ev->f[MM_EVF_USER].n,
                 ev->f[MM_EVF_USER].p, (int)t.n, t.p);
    } else if (ev->kind == MM_EVK_ADMIN_CREATED) {
        snprintf(ja, sizeof(ja), "%.*s に管理者 %.*s が追加されました（操作者 %.*s）",
                 (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p, (int)t.n, t.p,
                 (int)ev->f[MM_EVF_USER].n, ev->f[MM_EVF_USER].p);
        snprintf(en, sizeof(en), "administrator %.*s was created on %.*s by %.*s", (int)t.n, t.p,
                 (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p, (int)ev->f[MM_EVF_USER].n,
                 ev->f[MM_EVF_USER].p);
        snprintf(subject, sizeof(subject), "admin:%.*s@%.*s", (int)t.n, t.p,
                 (int)ev->f[MM_EVF_DEVICE].n, ev->f[MM_EVF_DEVICE].p);
    } else {
        return;
    }
    if (!(a = alert_new(R, r, subject, ev->time_ms)))
        return;
    alert_detail(a, ja, en);
    alert_event(a, ev->seq, ev);
}

/* ---- the rule types ------------------------------------------------------------------------ */

static const rule_type rule_types[] = {
    {"threshold", compile_threshold, event_threshold, KBIT(MM_EVK_LOGON_FAILURE)},
    {"success-after-failures", compile_saf, event_saf, KBIT(MM_EVK_LOGON) | KBIT(MM_EVK_VPN_UP)},
    {"allowlist", compile_none, event_allowlist, KBIT(MM_EVK_VPN_UP) | KBIT(MM_EVK_LOGON)},
    {"roster", compile_none, event_roster,
     KBIT(MM_EVK_LOGON) | KBIT(MM_EVK_VPN_UP) | KBIT(MM_EVK_RECORD_ACCESS)},
    {"calendar", compile_calendar, event_calendar, KBIT(MM_EVK_VPN_UP)},
    {"new-admin", compile_new_admin, event_new_admin,
     KBIT(MM_EVK_GROUP_MEMBER_ADDED) | KBIT(MM_EVK_ADMIN_CREATED)},
};

static void rule_release(rule *r)
{
    free(r->title_ja);
    free(r->title_en);
    free(r->holidays);
    for (size_t i = 0; i < r->ngroups; i++)
        free(r->groups[i]);
    free(r->groups);
    kmap_free(&r->state);
}

static mm_rc load_file(mm_rules *R, const char *path, mm_error *err)
{
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr), *list, *j;
    size_t i;
    mm_rc rc = MM_OK;

    if (!root)
        return mm_error_set(err, MM_ERR_PARSE, path, jerr.line, jerr.column, "%s", jerr.text);
    list = json_object_get(root, "rules");
    if (!json_is_array(list)) {
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "検知ルールのファイルには \"rules\" の配列が必要です (expected "
                          "{\"rules\": [...]})");
        goto out;
    }
    json_array_foreach(list, i, j)
    {
        rule *r;
        const char *id = json_string_value(json_object_get(j, "id"));
        const char *type = json_string_value(json_object_get(j, "type"));
        const char *sev = json_string_value(json_object_get(j, "severity"));
        json_t *kinds = json_object_get(j, "kinds"), *k;
        size_t ki;
        const rule_type *rt = NULL;

        if (!id || !type) {
            rc = mm_error_set(
                err, MM_ERR_PARSE, path, 0, 0,
                "rules[%zu]: \"id\" と \"type\" が必要です (id and type are required)", i);
            goto out;
        }
        for (size_t t = 0; t < MM_ARRAY_LEN(rule_types); t++)
            if (strcmp(rule_types[t].name, type) == 0)
                rt = &rule_types[t];
        if (!rt) {
            rc = mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                              "rules[%zu] %s: 種類 \"%s\" はありません (unknown rule type; known: "
                              "threshold, success-after-failures, allowlist, roster, calendar, "
                              "new-admin)",
                              i, id, type);
            goto out;
        }
        R->rules = mm_xrealloc(R->rules, (R->n + 1) * sizeof(rule));
        r = &R->rules[R->n++];
        memset(r, 0, sizeof(*r));
        r->type = rt;
        mm_strlcpy(r->id, id, sizeof(r->id));
        mm_strlcpy(r->severity, sev ? sev : "medium", sizeof(r->severity));
        r->title_ja = mm_xstrdup(json_string_value(json_object_get(j, "title_ja"))
                                     ? json_string_value(json_object_get(j, "title_ja"))
                                     : id);
        r->title_en = mm_xstrdup(json_string_value(json_object_get(j, "title_en"))
                                     ? json_string_value(json_object_get(j, "title_en"))
                                     : id);
        r->kinds = rt->default_kinds;
        if (json_is_array(kinds)) {
            r->kinds = 0;
            json_array_foreach(kinds, ki, k)
            {
                int kind;
                if (!json_is_string(k) ||
                    mm_event_kind_parse(json_string_value(k), &kind) != MM_OK) {
                    rc = bad(err, path, r,
                             "kinds lists event kinds (logon, logon-failure, vpn-up …)");
                    goto out;
                }
                r->kinds |= KBIT(kind);
            }
        }
        if ((rc = rt->compile(r, j, path, err)) != MM_OK)
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

/* Facts from the evidence tables (migration 2). */
static mm_rc load_facts(mm_rules *R, mm_store *st, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc;

    rc = mm_store_prepare(st, "SELECT lower(device), cidr FROM allowlist ORDER BY 1", &s, err);
    while (rc == MM_OK && sqlite3_step(s) == SQLITE_ROW) {
        const char *dev = mm_col_text(s, 0);
        cidr c;
        if (!mm_cidr_parse(mm_col_text(s, 1), c.net, &c.bits))
            continue;
        if (!R->nallows || strcmp(R->allows[R->nallows - 1].device, dev) != 0) {
            R->allows = mm_xrealloc(R->allows, (R->nallows + 1) * sizeof(allow));
            R->allows[R->nallows] = (allow){mm_xstrdup(dev), NULL, 0};
            R->nallows++;
        }
        {
            allow *a = &R->allows[R->nallows - 1];
            a->v = mm_xrealloc(a->v, (a->n + 1) * sizeof(cidr));
            a->v[a->n++] = c;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc == MM_OK)
        rc = mm_store_prepare(st,
                              "SELECT lower(host), lower(name) FROM asset WHERE host <> '' "
                              "UNION SELECT lower(ip), lower(name) FROM asset WHERE ip <> ''",
                              &s, err);
    while (rc == MM_OK && sqlite3_step(s) == SQLITE_ROW) {
        R->host_to_asset = mm_xrealloc(R->host_to_asset, (R->nhosts + 1) * 2 * sizeof(char *));
        R->host_to_asset[2 * R->nhosts] = mm_xstrdup(mm_col_text(s, 0));
        R->host_to_asset[2 * R->nhosts + 1] = mm_xstrdup(mm_col_text(s, 1));
        R->nhosts++;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc == MM_OK)
        rc = mm_store_prepare(st,
                              "SELECT lower(a.login), a.enabled, coalesce(s.left_on, ''), "
                              "a.person_id FROM account a LEFT JOIN staff s "
                              "ON s.person_id = a.person_id AND a.person_id <> ''",
                              &s, err);
    while (rc == MM_OK && sqlite3_step(s) == SQLITE_ROW) {
        R->accounts = mm_xrealloc(R->accounts, (R->naccounts + 1) * sizeof(account));
        R->accounts[R->naccounts++] =
            (account){mm_xstrdup(mm_col_text(s, 0)), sqlite3_column_int(s, 1),
                      mm_xstrdup(mm_col_text(s, 2)), mm_xstrdup(mm_col_text(s, 3))};
    }
    sqlite3_finalize(s);
    /* sorted for bsearch: allows by device (the query orders them), hosts and accounts */
    if (R->nhosts)
        qsort(R->host_to_asset, R->nhosts, 2 * sizeof(char *), cmp_str);
    if (R->naccounts)
        qsort(R->accounts, R->naccounts, sizeof(account), cmp_str);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int mm_rules_source_allowed(const mm_rules *R, mm_sv device, mm_sv src)
{
    const allow *al = find_allow(R, device);
    uint8_t ip[16];
    if (!al)
        return -1;
    if (!mm_ip_parse(src.p, src.n, ip, NULL))
        return 0;
    for (size_t i = 0; i < al->n; i++)
        if (mm_cidr_match(al->v[i].net, al->v[i].bits, ip))
            return 1;
    return 0;
}

mm_rc mm_rules_load(const char *rules_dir, mm_store *st, const mm_logs_conf *conf, mm_rules **out,
                    mm_error *err)
{
    mm_rules *R = mm_xcalloc(1, sizeof(*R));
    DIR *d = opendir(rules_dir);
    struct dirent *de;
    char **files = NULL;
    size_t nf = 0;
    mm_rc rc = MM_OK;

    *out = NULL;
    R->tz_off_min = conf ? conf->tz_offset_min : 540;
    while (d && (de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0 && de->d_name[0] != '.') {
            files = mm_xrealloc(files, (nf + 1) * sizeof(char *));
            files[nf++] = mm_xstrdup(de->d_name);
        }
    }
    if (d)
        closedir(d);
    if (nf)
        qsort(files, nf, sizeof(char *), cmp_name);
    for (size_t i = 0; rc == MM_OK && i < nf; i++) {
        char path[4400];
        snprintf(path, sizeof(path), "%s/%s", rules_dir, files[i]);
        rc = load_file(R, path, err);
    }
    for (size_t i = 0; i < nf; i++)
        free(files[i]);
    free(files);
    if (rc == MM_OK && st)
        rc = load_facts(R, st, err);
    if (rc != MM_OK) {
        mm_rules_free(&R);
        return rc;
    }
    *out = R;
    return MM_OK;
}

void mm_rules_event(mm_rules *R, const mm_event *ev)
{
    for (size_t i = 0; i < R->n; i++) {
        rule *r = &R->rules[i];
        if ((r->kinds & KBIT(ev->kind)) ||
            (r->type->event == event_saf && ev->kind == MM_EVK_LOGON_FAILURE))
            r->type->event(R, r, ev);
    }
}

size_t mm_rules_alert_count(const mm_rules *R)
{
    return R->nalerts;
}

mm_rc mm_rules_store_alerts(mm_rules *R, mm_store *st, long *stored, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    mm_rc rc;
    char now[24];

    *stored = 0;
    mm_time_format_utc(mm_logs_now_ms(), now, sizeof(now));
    rc = mm_store_prepare(st,
                          "INSERT OR IGNORE INTO alert(rule, severity, subject, first_at, last_at, "
                          "count, title_ja, title_en, detail_ja, detail_en, events, created_at) "
                          "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                          &s, err);
    for (size_t i = 0; rc == MM_OK && i < R->nalerts; i++) {
        alert *a = &R->alerts[i];
        char t1[24], t2[24];
        mm_buf ev;
        mm_buf_init(&ev, 0);
        mm_buf_addc(&ev, '[');
        for (int k = 0; k < a->nev; k++) {
            mm_buf_addf(&ev, "%s{\"seq\":%llu", k ? "," : "", (unsigned long long)a->seqs[k]);
            if (a->raws[k]) {
                mm_buf_adds(&ev, ",\"raw\":");
                mm_buf_add_json_str(&ev, a->raws[k]);
            }
            mm_buf_addc(&ev, '}');
        }
        mm_buf_addc(&ev, ']');
        mm_time_format_utc(a->first, t1, sizeof(t1));
        mm_time_format_utc(a->last, t2, sizeof(t2));
        sqlite3_reset(s);
        mm_bind_text(s, 1, a->rule->id);
        mm_bind_text(s, 2, a->rule->severity);
        mm_bind_text(s, 3, a->subject);
        mm_bind_text(s, 4, t1);
        mm_bind_text(s, 5, t2);
        sqlite3_bind_int64(s, 6, a->count);
        mm_bind_text(s, 7, a->rule->title_ja);
        mm_bind_text(s, 8, a->rule->title_en);
        mm_bind_text(s, 9, a->detail_ja ? a->detail_ja : "");
        mm_bind_text(s, 10, a->detail_en ? a->detail_en : "");
        mm_bind_text(s, 11, mm_buf_str(&ev));
        mm_bind_text(s, 12, now);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = mm_store_error(st, err, "storing an alert");
        else
            *stored += sqlite3_changes(mm_store_db(st));
        mm_buf_release(&ev);
    }
    sqlite3_finalize(s);
    if (rc == MM_OK) { /* stored: forget them so a second call does not repeat them */
        for (size_t i = 0; i < R->nalerts; i++) {
            alert *a = &R->alerts[i];
            free(a->subject);
            free(a->detail_ja);
            free(a->detail_en);
            for (int k = 0; k < a->nev; k++)
                free(a->raws[k]);
        }
        R->nalerts = 0;
    }
    return rc;
}

void mm_rules_free(mm_rules **p)
{
    mm_rules *R = p ? *p : NULL;
    if (!R)
        return;
    for (size_t i = 0; i < R->n; i++)
        rule_release(&R->rules[i]);
    free(R->rules);
    for (size_t i = 0; i < R->nallows; i++) {
        free(R->allows[i].device);
        free(R->allows[i].v);
    }
    free(R->allows);
    for (size_t i = 0; i < 2 * R->nhosts; i++)
        free(R->host_to_asset[i]);
    free(R->host_to_asset);
    for (size_t i = 0; i < R->naccounts; i++) {
        free(R->accounts[i].login);
        free(R->accounts[i].left_on);
        free(R->accounts[i].person);
    }
    free(R->accounts);
    for (size_t i = 0; i < R->nalerts; i++) {
        alert *a = &R->alerts[i];
        free(a->subject);
        free(a->detail_ja);
        free(a->detail_en);
        for (int k = 0; k < a->nev; k++)
            free(a->raws[k]);
    }
    free(R->alerts);
    free(R);
    *p = NULL;
}

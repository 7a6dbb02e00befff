/*
 * A small response cache for the expensive read routes (checklist, dashboard): the JSON is
 * built from the report model once and served again while nothing in the store changed. An
 * entry is valid for one "stamp": SQLite's data_version (commits by other connections, e.g.
 * the CLI), this connection's total changes (the server's own writes) and today's date
 * (overdue and deadlines move with it). Called with the server lock held.
 */
#include "date.h"
#include "web_int.h"

static void stamp_now(mm_web *w, long long *dv, long long *changes, char day[11])
{
    mm_date today = mm_date_today();

    *dv = -1;
    if (!w->q_data_version)
        mm_store_prepare(w->st, "PRAGMA data_version", &w->q_data_version, NULL);
    if (w->q_data_version && sqlite3_step(w->q_data_version) == SQLITE_ROW)
        *dv = sqlite3_column_int64(w->q_data_version, 0);
    if (w->q_data_version)
        sqlite3_reset(w->q_data_version);
    *changes = (long long)sqlite3_total_changes64(mm_store_db(w->st));
    mm_date_iso(&today, day);
}

int mm_web_cache_get(mm_req *r, const char *key)
{
    mm_web *w = r->web;
    long long dv, changes;
    char day[11];

    stamp_now(w, &dv, &changes, day);
    for (size_t i = 0; i < MM_ARRAY_LEN(w->cache); i++) {
        mm_web_cache_entry *e = &w->cache[i];
        if (!e->body || strcmp(e->key, key) != 0)
            continue;
        if (e->dv != dv || e->changes != changes || strcmp(e->day, day) != 0)
            return 0;
        e->used = ++w->cache_tick;
        mm_buf_reset(&r->out);
        return mm_buf_add(&r->out, e->body, e->len) == MM_OK;
    }
    return 0;
}

void mm_web_cache_put(mm_req *r, const char *key)
{
    mm_web *w = r->web;
    mm_web_cache_entry *e = NULL;

    if (strlen(key) >= sizeof(e->key))
        return;
    for (size_t i = 0; i < MM_ARRAY_LEN(w->cache); i++) {
        mm_web_cache_entry *c = &w->cache[i];
        if (c->body && strcmp(c->key, key) == 0) {
            e = c;
            break;
        }
        if (!e || !c->body || (e->body && c->used < e->used))
            e = c; /* an empty slot, else the least recently used */
    }
    free(e->body);
    e->body = mm_xmalloc(r->out.len + 1);
    memcpy(e->body, r->out.data ? r->out.data : "", r->out.len);
    e->len = r->out.len;
    mm_strlcpy(e->key, key, sizeof(e->key));
    stamp_now(w, &e->dv, &e->changes, e->day);
    e->used = ++w->cache_tick;
}

void mm_web_cache_release(mm_web *w)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(w->cache); i++) {
        free(w->cache[i].body);
        w->cache[i].body = NULL;
    }
}

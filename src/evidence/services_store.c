/*
 * Service snapshots in the store: importing one (all or nothing, replacing the same host and
 * day), loading snapshots back, the list of hosts, and the diff between two snapshots that
 * 2-⑫ asks hospitals to look at after every update.
 */
#include <strings.h>

#include "audit.h"
#include "evidence.h"
#include "fs.h"
#include "services_int.h"

void mm_service_snapshot_release(mm_service_snapshot *s)
{
    mm_service_list_release(&s->services);
}

/* ---- import ------------------------------------------------------------------------------ */

static mm_rc check_host(const char *host, mm_error *err)
{
    size_t n = strlen(host);

    if (n == 0 || n >= 256)
        return mm_error_set(
            err, MM_ERR_USAGE, NULL, 0, 0,
            "ホスト名は 1〜255 バイトです (expected a host name of 1 to 255 bytes)");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)host[i] < 0x20 || host[i] == 0x7f)
            return mm_error_set(
                err, MM_ERR_USAGE, NULL, 0, 0,
                "ホスト名に制御文字があります (control character in the host name)");
    return MM_OK;
}

static mm_service *find_name(mm_service_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

/* Merges src into dst: new services are added, known ones get the fields dst lacks. */
static mm_rc merge(mm_service_list *dst, const mm_service_list *src, const char *path,
                   mm_error *err)
{
    for (size_t i = 0; i < src->n; i++) {
        const mm_service *s = &src->v[i];
        mm_service *d = find_name(dst, s->name);
        if (!d) {
            if (mm_service_list_push(dst, s) != MM_OK)
                return mm_error_set(err, MM_ERR_INVALID, path, s->line, 1,
                                    "サービスが多すぎます (more than %d services)",
                                    MM_SERVICES_MAX_ROWS);
            continue;
        }
        if (strcmp(d->status, "Unknown") == 0)
            mm_strlcpy(d->status, s->status, sizeof(d->status));
        if (!d->start_type[0])
            mm_strlcpy(d->start_type, s->start_type, sizeof(d->start_type));
        if (!d->display_name[0])
            mm_strlcpy(d->display_name, s->display_name, sizeof(d->display_name));
    }
    return MM_OK;
}

/* A systemd listing that knows the state of every unit (list-units, not list-unit-files). */
static int lists_states(const mm_services_parsed *p)
{
    if (strcmp(p->source, "systemd") != 0 || p->list.n == 0)
        return 0;
    for (size_t i = 0; i < p->list.n; i++)
        if (strcmp(p->list.v[i].status, "Unknown") == 0)
            return 0;
    return 1;
}

static mm_rc snapshot_summary(mm_buf *b, const char *host, const char *day, const char *source,
                              long rows)
{
    mm_buf_adds(b, "{\"host\":");
    mm_buf_add_json_str(b, host);
    mm_buf_addf(b, ",\"taken_on\":\"%s\",\"source\":", day);
    mm_buf_add_json_str(b, source);
    return mm_buf_addf(b, ",\"services\":%ld}", rows);
}

static mm_rc store_snapshot(mm_store *st, const char *const *paths, size_t npaths, char **raw,
                            size_t *rawlen, const mm_services_parsed *parsed,
                            const mm_service_list *all, const char *host, const char *day,
                            const char *source, const char *actor, mm_services_import_result *res,
                            mm_error *err)
{
    sqlite3_stmt *s = NULL;
    long import_id = 0, first_import = 0, old_id = 0, old_rows = 0;
    char entity[64];
    mm_buf before, after;
    mm_rc rc;

    mm_buf_init(&before, 0);
    mm_buf_init(&after, 0);
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto done;
    for (size_t k = 0; k < npaths; k++) {
        if ((rc = mm_evidence_import_begin(st, "services", paths[k], raw[k], rawlen[k], actor,
                                           &import_id, err)) != MM_OK ||
            (rc = mm_evidence_import_finish(st, import_id, (long)parsed[k].list.n, err)) != MM_OK)
            goto out;
        if (!first_import)
            first_import = import_id;
    }
    /* A host keeps the spelling of its first snapshot (host names ignore case). */
    if ((rc = mm_store_prepare(st,
                               "SELECT host FROM service_snapshot WHERE host = ? COLLATE NOCASE "
                               "ORDER BY taken_on LIMIT 1",
                               &s, err)) != MM_OK)
        goto out;
    mm_bind_text(s, 1, host);
    if (sqlite3_step(s) == SQLITE_ROW)
        mm_strlcpy(res->host, mm_col_text(s, 0), sizeof(res->host));
    sqlite3_finalize(s);
    s = NULL;
    host = res->host;
    if ((rc = mm_store_prepare(st,
                               "SELECT s.id, s.host, s.source, (SELECT count(*) FROM service v "
                               "WHERE v.snapshot_id = s.id) FROM service_snapshot s "
                               "WHERE s.host = ? COLLATE NOCASE AND s.taken_on = ?",
                               &s, err)) != MM_OK)
        goto out;
    mm_bind_text(s, 1, host);
    mm_bind_text(s, 2, day);
    if (sqlite3_step(s) == SQLITE_ROW) {
        old_id = (long)sqlite3_column_int64(s, 0);
        old_rows = (long)sqlite3_column_int64(s, 3);
        snapshot_summary(&before, mm_col_text(s, 1), day, mm_col_text(s, 2), old_rows);
    }
    sqlite3_finalize(s);
    s = NULL;
    if (old_id) {
        if ((rc = mm_store_prepare(st, "DELETE FROM service WHERE snapshot_id = ?", &s, err)) !=
            MM_OK)
            goto out;
        sqlite3_bind_int64(s, 1, old_id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = mm_store_error(st, err, "replacing the snapshot");
            goto out;
        }
        sqlite3_finalize(s);
        if ((rc = mm_store_prepare(st, "DELETE FROM service_snapshot WHERE id = ?", &s, err)) !=
            MM_OK)
            goto out;
        sqlite3_bind_int64(s, 1, old_id);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = mm_store_error(st, err, "replacing the snapshot");
            goto out;
        }
        sqlite3_finalize(s);
        s = NULL;
        res->replaced = 1;
        res->replaced_rows = old_rows;
    }
    if ((rc = mm_store_prepare(st,
                               "INSERT INTO service_snapshot(host, taken_on, source, import_id) "
                               "VALUES (?, ?, ?, ?)",
                               &s, err)) != MM_OK)
        goto out;
    mm_bind_text(s, 1, host);
    mm_bind_text(s, 2, day);
    mm_bind_text(s, 3, source);
    sqlite3_bind_int64(s, 4, first_import);
    if (sqlite3_step(s) != SQLITE_DONE) {
        rc = mm_store_error(st, err, "storing the snapshot");
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    res->snapshot_id = (long)sqlite3_last_insert_rowid(mm_store_db(st));
    if ((rc = mm_store_prepare(st,
                               "INSERT INTO service(snapshot_id, name, display_name, status, "
                               "start_type, source_line) VALUES (?, ?, ?, ?, ?, ?)",
                               &s, err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < all->n; i++) {
        const mm_service *v = &all->v[i];
        sqlite3_reset(s);
        sqlite3_bind_int64(s, 1, res->snapshot_id);
        mm_bind_text(s, 2, v->name);
        mm_bind_text(s, 3, v->display_name);
        mm_bind_text(s, 4, v->status);
        mm_bind_text(s, 5, v->start_type);
        if (v->line > 0)
            sqlite3_bind_int64(s, 6, v->line);
        else
            sqlite3_bind_null(s, 6);
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = mm_store_error(st, err, "storing a service");
            goto out;
        }
    }
    sqlite3_finalize(s);
    s = NULL;
    snapshot_summary(&after, host, day, source, (long)all->n);
    snprintf(entity, sizeof(entity), "service_snapshot:%ld", res->snapshot_id);
    rc = mm_audit_append(st, actor, old_id ? "services.replace" : "services.snapshot", entity,
                         old_id ? mm_buf_str(&before) : NULL, mm_buf_str(&after), NULL, err);
out:
    sqlite3_finalize(s);
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
    if (rc != MM_OK) {
        res->snapshot_id = 0;
        res->replaced = 0;
    }
done:
    mm_buf_release(&before);
    mm_buf_release(&after);
    return rc;
}

mm_rc mm_services_import(mm_store *st, const char *host, const mm_date *taken,
                         const char *const *paths, size_t npaths, const char *actor, int dry_run,
                         mm_services_import_result *res, mm_error *err)
{
    char *raw[MM_SERVICES_MAX_FILES] = {0};
    size_t rawlen[MM_SERVICES_MAX_FILES] = {0};
    mm_services_parsed parsed[MM_SERVICES_MAX_FILES];
    mm_service_list all = {0};
    const char *source = NULL, *envelope_taken = NULL;
    int any_states = 0;
    char day[11];
    mm_rc rc = MM_OK;

    memset(res, 0, sizeof(*res));
    memset(parsed, 0, sizeof(parsed));
    if (npaths == 0 || npaths > MM_SERVICES_MAX_FILES)
        return mm_error_set(err, MM_ERR_USAGE, NULL, 0, 0,
                            "ファイルを 1〜%d 個指定してください (expected 1 to %d files)",
                            MM_SERVICES_MAX_FILES, MM_SERVICES_MAX_FILES);
    for (size_t k = 0; k < npaths; k++) {
        if ((rc = mm_file_read(paths[k], MM_SERVICES_MAX_BYTES, &raw[k], &rawlen[k], err)) !=
                MM_OK ||
            (rc = mm_services_parse(paths[k], raw[k], rawlen[k], &parsed[k], err)) != MM_OK)
            goto out;
        if (source && strcmp(source, parsed[k].source) != 0) {
            rc = mm_error_set(err, MM_ERR_INVALID, paths[k], 0, 0,
                              "一つのスナップショットに種類の違う一覧は混ぜられません "
                              "(%s and %s lists cannot be merged into one snapshot)",
                              source, parsed[k].source);
            goto out;
        }
        source = parsed[k].source;
        if (!host && parsed[k].host[0])
            host = parsed[k].host;
        if (!envelope_taken && parsed[k].taken[0])
            envelope_taken = parsed[k].taken;
        any_states |= lists_states(&parsed[k]);
        res->formats[k] = parsed[k].format;
        res->encodings[k] = parsed[k].encoding;
        res->keyed_by_display |= parsed[k].keyed_by_display;
        res->questionmarks += parsed[k].questionmarks;
        if ((rc = merge(&all, &parsed[k].list, paths[k], err)) != MM_OK)
            goto out;
    }
    res->nfiles = npaths;
    res->source = source;
    if (!host) {
        rc = mm_error_set(err, MM_ERR_USAGE, NULL, 0, 0,
                          "--host でホスト名を指定してください (--host NAME is required: this "
                          "list does not name its host)");
        goto out;
    }
    if ((rc = check_host(host, err)) != MM_OK)
        goto out;
    if (taken)
        res->taken = *taken;
    else if (!envelope_taken || mm_svc_taken_date(envelope_taken, &res->taken) != MM_OK)
        res->taken = mm_date_today();
    mm_strlcpy(res->host, host, sizeof(res->host));
    /* `list-units --all` shows every loaded unit: a unit file it does not show is stopped. */
    for (size_t i = 0; any_states && i < all.n; i++)
        if (strcmp(all.v[i].status, "Unknown") == 0)
            mm_strlcpy(all.v[i].status, "Stopped", sizeof(all.v[i].status));
    mm_service_list_sort(&all);
    res->rows = (long)all.n;
    if (all.n == 0) {
        rc = mm_error_set(err, MM_ERR_INVALID, paths[0], 0, 0,
                          "サービスが1件もありません (no services in the list; expected at least "
                          "one)");
        goto out;
    }
    if (dry_run)
        goto out;
    mm_date_iso(&res->taken, day);
    rc = store_snapshot(st, paths, npaths, raw, rawlen, parsed, &all, host, day, source, actor, res,
                        err);
out:
    /* host may point into parsed[]; res->host holds the copy. */
    for (size_t k = 0; k < MM_SERVICES_MAX_FILES; k++) {
        free(raw[k]);
        mm_services_parsed_release(&parsed[k]);
    }
    mm_service_list_release(&all);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

mm_rc mm_services_load(mm_store *st, const char *host, const mm_date *date, int skip,
                       mm_service_snapshot *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    char day[11] = "";
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    if (date) {
        mm_date_iso(date, day);
        rc = mm_store_prepare(st,
                              "SELECT id, host, taken_on, source FROM service_snapshot WHERE host "
                              "= ? COLLATE NOCASE AND taken_on = ?",
                              &s, err);
    } else {
        rc = mm_store_prepare(st,
                              "SELECT id, host, taken_on, source FROM service_snapshot WHERE host "
                              "= ? COLLATE NOCASE ORDER BY taken_on DESC LIMIT 1 OFFSET ?",
                              &s, err);
    }
    if (rc != MM_OK)
        return rc;
    mm_bind_text(s, 1, host);
    if (date)
        mm_bind_text(s, 2, day);
    else
        sqlite3_bind_int(s, 2, skip);
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_finalize(s);
        if (date)
            return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                                "%s の %s のサービス一覧はありません (no service snapshot of %s "
                                "taken on %s; see `mamori services hosts`)",
                                host, day, host, day);
        return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                            "%s のサービス一覧が%s ありません (host %s has %s service snapshot; "
                            "import one with `mamori import services --host %s FILE`)",
                            host, skip ? "2件" : "", host, skip ? "fewer than two" : "no", host);
    }
    out->id = (long)sqlite3_column_int64(s, 0);
    mm_strlcpy(out->host, mm_col_text(s, 1), sizeof(out->host));
    if (mm_date_parse(mm_col_text(s, 2), &out->taken, NULL) != MM_OK)
        memset(&out->taken, 0, sizeof(out->taken));
    mm_strlcpy(out->source, mm_col_text(s, 3), sizeof(out->source));
    sqlite3_finalize(s);
    s = NULL;
    if ((rc = mm_store_prepare(st,
                               "SELECT name, display_name, status, start_type, source_line FROM "
                               "service WHERE snapshot_id = ? ORDER BY name",
                               &s, err)) != MM_OK)
        return rc;
    sqlite3_bind_int64(s, 1, out->id);
    while (sqlite3_step(s) == SQLITE_ROW) {
        mm_service v;
        memset(&v, 0, sizeof(v));
        mm_strlcpy(v.name, mm_col_text(s, 0), sizeof(v.name));
        mm_strlcpy(v.display_name, mm_col_text(s, 1), sizeof(v.display_name));
        mm_strlcpy(v.status, mm_col_text(s, 2), sizeof(v.status));
        mm_strlcpy(v.start_type, mm_col_text(s, 3), sizeof(v.start_type));
        v.line = (long)sqlite3_column_int64(s, 4);
        if (mm_service_list_push(&out->services, &v) != MM_OK)
            break;
    }
    sqlite3_finalize(s);
    /* SQLite's BINARY collation is memcmp order, as mm_service_list_sort; sort anyway in case
     * a file was edited by hand. */
    mm_service_list_sort(&out->services);
    return MM_OK;
}

mm_rc mm_services_hosts(mm_store *st, mm_services_host **hosts, size_t *n, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t cap = 0;
    mm_rc rc;

    *hosts = NULL;
    *n = 0;
    rc = mm_store_prepare(
        st,
        "SELECT s.host, count(*), min(s.taken_on), max(s.taken_on), (SELECT count(*) FROM "
        "service v WHERE v.snapshot_id = (SELECT id FROM service_snapshot t WHERE t.host = "
        "s.host COLLATE NOCASE ORDER BY t.taken_on DESC LIMIT 1)) FROM service_snapshot s "
        "GROUP BY s.host COLLATE NOCASE ORDER BY s.host COLLATE NOCASE",
        &s, err);
    if (rc != MM_OK)
        return rc;
    while (sqlite3_step(s) == SQLITE_ROW) {
        mm_services_host *h;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            *hosts = mm_xrealloc(*hosts, cap * sizeof(**hosts));
        }
        h = &(*hosts)[(*n)++];
        memset(h, 0, sizeof(*h));
        mm_strlcpy(h->host, mm_col_text(s, 0), sizeof(h->host));
        h->snapshots = (long)sqlite3_column_int64(s, 1);
        mm_strlcpy(h->first, mm_col_text(s, 2), sizeof(h->first));
        mm_strlcpy(h->last, mm_col_text(s, 3), sizeof(h->last));
        h->services = (long)sqlite3_column_int64(s, 4);
    }
    sqlite3_finalize(s);
    return MM_OK;
}

/* ---- diff ---------------------------------------------------------------------------------- */

static int known(const char *w)
{
    return w[0] && strcmp(w, "Unknown") != 0;
}

static void push_change(mm_services_diff *d, size_t *cap, const mm_service *from,
                        const mm_service *to)
{
    mm_service_change *c;

    if (d->n == *cap) {
        *cap = *cap ? *cap * 2 : 32;
        d->v = mm_xrealloc(d->v, *cap * sizeof(*d->v));
    }
    c = &d->v[d->n++];
    c->from = from;
    c->to = to;
    c->status_changed = from && to && known(from->status) && known(to->status) &&
                        strcmp(from->status, to->status) != 0;
    c->start_changed = from && to && known(from->start_type) && known(to->start_type) &&
                       strcmp(from->start_type, to->start_type) != 0;
}

static const char *change_key(const mm_service_change *c)
{
    return c->to ? c->to->name : c->from->name;
}

static int change_cmp(const void *a, const void *b)
{
    return strcmp(change_key(a), change_key(b));
}

void mm_services_diff_compute(const mm_service_snapshot *a, const mm_service_snapshot *b,
                              mm_services_diff *d)
{
    const mm_service_list *la = &a->services, *lb = &b->services;
    unsigned char *ma = mm_xcalloc(la->n + 1, 1), *mb = mm_xcalloc(lb->n + 1, 1);
    size_t i = 0, j = 0, cap = 0;

    memset(d, 0, sizeof(*d));
    /* 1: by name (both lists are sorted) */
    while (i < la->n && j < lb->n) {
        int c = strcmp(la->v[i].name, lb->v[j].name);
        if (c == 0) {
            ma[i] = mb[j] = 1;
            push_change(d, &cap, &la->v[i], &lb->v[j]);
            i++;
            j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    /* 2: the rest by display name (a list keyed by display name against one with names) */
    for (i = 0; i < la->n; i++) {
        if (ma[i] || !la->v[i].display_name[0])
            continue;
        for (j = 0; j < lb->n; j++) {
            if (!mb[j] && strcmp(la->v[i].display_name, lb->v[j].display_name) == 0) {
                ma[i] = mb[j] = 1;
                push_change(d, &cap, &la->v[i], &lb->v[j]);
                break;
            }
        }
    }
    /* keep only real changes among the matched pairs */
    j = 0;
    for (i = 0; i < d->n; i++)
        if (d->v[i].status_changed || d->v[i].start_changed)
            d->v[j++] = d->v[i];
    d->n = j;
    d->changed = j;
    for (i = 0; i < la->n; i++)
        if (!ma[i]) {
            push_change(d, &cap, &la->v[i], NULL);
            d->removed++;
        }
    for (j = 0; j < lb->n; j++)
        if (!mb[j]) {
            push_change(d, &cap, NULL, &lb->v[j]);
            d->added++;
        }
    if (d->n > 1)
        qsort(d->v, d->n, sizeof(*d->v), change_cmp);
    free(ma);
    free(mb);
}

void mm_services_diff_release(mm_services_diff *d)
{
    free(d->v);
    memset(d, 0, sizeof(*d));
}

static void add_label(mm_buf *out, const mm_service *s)
{
    mm_buf_adds(out, s->name);
    if (s->display_name[0] && strcmp(s->display_name, s->name) != 0)
        mm_buf_addf(out, " (%s)", s->display_name);
}

static void add_state(mm_buf *out, const char *w)
{
    if (!w[0])
        mm_buf_adds(out, "-");
    else if (strcmp(mm_service_word_ja(w), w) == 0)
        mm_buf_adds(out, w);
    else
        mm_buf_addf(out, "%s %s", mm_service_word_ja(w), w);
}

static void snap_head(mm_buf *out, const char *label, const mm_service_snapshot *s)
{
    char day[11];
    mm_date_iso(&s->taken, day);
    mm_buf_addf(out, "  %s %s  %s  %zu 件 (services)\n", label, day, s->source, s->services.n);
}

void mm_services_diff_text(const mm_service_snapshot *a, const mm_service_snapshot *b,
                           const mm_services_diff *d, mm_buf *out)
{
    static const struct {
        int kind; /* 0 added, 1 removed, 2 changed */
        const char *head;
        char mark;
    } groups[] = {{0, "追加 (added)", '+'}, {1, "削除 (removed)", '-'}, {2, "変更 (changed)", '~'}};

    mm_buf_addf(out, "ホスト %s のサービスの差分 (service changes on %s)\n", b->host, b->host);
    snap_head(out, "比較元 from:", a);
    snap_head(out, "比較先 to:  ", b);
    if (d->n == 0) {
        mm_buf_adds(out, "差分はありません (no differences)\n");
        return;
    }
    mm_buf_addf(out,
                "追加 %zu 件、削除 %zu 件、変更 %zu 件 (%zu added, %zu removed, %zu changed)\n",
                d->added, d->removed, d->changed, d->added, d->removed, d->changed);
    for (size_t g = 0; g < MM_ARRAY_LEN(groups); g++) {
        size_t count = groups[g].kind == 0   ? d->added
                       : groups[g].kind == 1 ? d->removed
                                             : d->changed;
        if (!count)
            continue;
        mm_buf_addf(out, "\n%s: %zu\n", groups[g].head, count);
        for (size_t i = 0; i < d->n; i++) {
            const mm_service_change *c = &d->v[i];
            int kind = !c->from ? 0 : !c->to ? 1 : 2;
            const mm_service *s = c->to ? c->to : c->from;
            if (kind != groups[g].kind)
                continue;
            mm_buf_addf(out, "  %c ", groups[g].mark);
            add_label(out, s);
            mm_buf_adds(out, ": ");
            if (kind < 2) {
                add_state(out, s->status);
                mm_buf_adds(out, " / ");
                add_state(out, s->start_type);
            } else {
                if (c->status_changed) {
                    mm_buf_adds(out, "状態 status ");
                    add_state(out, c->from->status);
                    mm_buf_adds(out, " → ");
                    add_state(out, c->to->status);
                }
                if (c->start_changed) {
                    if (c->status_changed)
                        mm_buf_adds(out, "; ");
                    mm_buf_adds(out, "スタートアップ start type ");
                    add_state(out, c->from->start_type);
                    mm_buf_adds(out, " → ");
                    add_state(out, c->to->start_type);
                }
            }
            mm_buf_addc(out, '\n');
        }
    }
}

static void json_service(mm_buf *out, const mm_service *s)
{
    mm_buf_adds(out, "{\"name\":");
    mm_buf_add_json_str(out, s->name);
    mm_buf_adds(out, ",\"display_name\":");
    mm_buf_add_json_str(out, s->display_name);
    mm_buf_adds(out, ",\"status\":");
    mm_buf_add_json_str(out, s->status);
    mm_buf_adds(out, ",\"start_type\":");
    mm_buf_add_json_str(out, s->start_type);
    mm_buf_addc(out, '}');
}

static void json_snap(mm_buf *out, const mm_service_snapshot *s)
{
    char day[11];
    mm_date_iso(&s->taken, day);
    mm_buf_addf(out, "{\"date\":\"%s\",\"source\":", day);
    mm_buf_add_json_str(out, s->source);
    mm_buf_addf(out, ",\"services\":%zu}", s->services.n);
}

void mm_services_diff_json(const mm_service_snapshot *a, const mm_service_snapshot *b,
                           const mm_services_diff *d, mm_buf *out)
{
    static const char *const keys[] = {"added", "removed", "changed"};

    mm_buf_adds(out, "{\"host\":");
    mm_buf_add_json_str(out, b->host);
    mm_buf_adds(out, ",\"from\":");
    json_snap(out, a);
    mm_buf_adds(out, ",\"to\":");
    json_snap(out, b);
    for (int kind = 0; kind < 3; kind++) {
        int first = 1;
        mm_buf_addf(out, ",\"%s\":[", keys[kind]);
        for (size_t i = 0; i < d->n; i++) {
            const mm_service_change *c = &d->v[i];
            int k = !c->from ? 0 : !c->to ? 1 : 2;
            if (k != kind)
                continue;
            if (!first)
                mm_buf_addc(out, ',');
            first = 0;
            if (kind < 2) {
                json_service(out, c->to ? c->to : c->from);
            } else {
                mm_buf_adds(out, "{\"name\":");
                mm_buf_add_json_str(out, c->to->name);
                mm_buf_adds(out, ",\"display_name\":");
                mm_buf_add_json_str(out, c->to->display_name[0] ? c->to->display_name
                                                                : c->from->display_name);
                mm_buf_adds(out, ",\"from\":");
                json_service(out, c->from);
                mm_buf_adds(out, ",\"to\":");
                json_service(out, c->to);
                mm_buf_addf(out, ",\"status_changed\":%s,\"start_type_changed\":%s}",
                            c->status_changed ? "true" : "false",
                            c->start_changed ? "true" : "false");
            }
        }
        mm_buf_addc(out, ']');
    }
    mm_buf_adds(out, "}\n");
}

/*
 * The importer engine's writing half: one transaction per file (import record, audit entry,
 * vendors added where a row names a new one, every row UPSERTed on its natural key), the
 * file-level entry point, and `evidence list`, which reads any kind back with the file and
 * line each row came from. All SQL is built from the kind's field table.
 */
#include "audit.h"
#include "date.h"
#include "evidence.h"
#include "fs.h"
#include "answer.h"
#include "importer_int.h"

mm_rc mm_import_vendor_ensure(mm_store *st, const char *name, const char *actor, long *id,
                              mm_error *err)
{
    return mm_vendor_add_in_tx(st, name, actor, "import", id, err);
}

/* The column a field is stored in, as written in SQL. */
static const char *field_column(const mm_import_field *f)
{
    return f->sql ? f->sql : f->name;
}

/* INSERT … ON CONFLICT(natural key) DO UPDATE SET every column, import_id, source_line. */
static void build_upsert(const mm_import_kind *k, mm_buf *sql)
{
    size_t n = k->nfields, keys = 0;

    mm_buf_addf(sql, "INSERT INTO %s(", k->table);
    for (size_t i = 0; i < n; i++)
        mm_buf_addf(sql, "%s, ", field_column(&k->fields[i]));
    mm_buf_addf(sql, "import_id, source_line%s) VALUES (", k->extra_cols ? k->extra_cols : "");
    for (size_t i = 0; i < n + 2; i++)
        mm_buf_addf(sql, "%s?%zu", i ? ", " : "", i + 1);
    mm_buf_addf(sql, "%s) ON CONFLICT(", k->extra_vals ? k->extra_vals : "");
    for (size_t i = 0; i < n; i++)
        if (k->fields[i].flags & MM_F_KEY)
            mm_buf_addf(sql, "%s%s", keys++ ? ", " : "", field_column(&k->fields[i]));
    mm_buf_adds(sql, ") DO UPDATE SET ");
    for (size_t i = 0; i < n; i++)
        if (!(k->fields[i].flags & MM_F_KEY))
            mm_buf_addf(sql, "%s = excluded.%s, ", field_column(&k->fields[i]),
                        field_column(&k->fields[i]));
    mm_buf_adds(sql, "import_id = excluded.import_id, source_line = excluded.source_line");
}

/* Binds one row's values (parameters 1..n), its import id and source line. */
static mm_rc bind_row(mm_store *st, sqlite3_stmt *s, const mm_import_kind *k,
                      const mm_import_row *r, long import_id, const char *actor, mm_error *err)
{
    mm_rc rc;

    for (size_t i = 0; i < k->nfields; i++) {
        const char *v = r->v[i].s;
        int idx = (int)i + 1;
        long id;
        switch (k->fields[i].type) {
        case MM_FT_INT:
        case MM_FT_BOOL:
            if (v)
                sqlite3_bind_int64(s, idx, strtoll(v, NULL, 10));
            else
                sqlite3_bind_null(s, idx);
            break;
        case MM_FT_DATE:
        case MM_FT_DATETIME: mm_bind_text(s, idx, v); break;
        case MM_FT_VENDOR:
            if (!v) {
                sqlite3_bind_null(s, idx);
                break;
            }
            if ((rc = mm_import_vendor_ensure(st, v, actor, &id, err)) != MM_OK)
                return rc;
            sqlite3_bind_int64(s, idx, id);
            break;
        default: mm_bind_text(s, idx, v ? v : ""); break;
        }
    }
    sqlite3_bind_int64(s, (int)k->nfields + 1, import_id);
    sqlite3_bind_int64(s, (int)k->nfields + 2, r->line);
    return MM_OK;
}

mm_rc mm_import_store(mm_store *st, const mm_import_set *set, const void *data, size_t len,
                      const char *actor, long *import_id, mm_error *err)
{
    const mm_import_kind *k = set->kind;
    sqlite3_stmt *s = NULL;
    char now[21];
    long id = 0;
    int now_idx;
    mm_buf sql;
    mm_rc rc;

    mm_buf_init(&sql, 0);
    build_upsert(k, &sql);
    if ((rc = mm_store_begin(st, err)) != MM_OK)
        goto done;
    rc = mm_evidence_import_begin(st, k->name, set->name, data, len, actor, &id, err);
    if (rc != MM_OK)
        goto out;
    if ((rc = mm_store_prepare(st, mm_buf_str(&sql), &s, err)) != MM_OK)
        goto out;
    mm_now_iso(now);
    now_idx = sqlite3_bind_parameter_index(s, ":now");
    for (size_t i = 0; i < set->n; i++) {
        const mm_import_row *r = &set->rows[i];
        mm_error rerr;
        mm_error_clear(&rerr);
        sqlite3_reset(s);
        rc = k->before_row ? k->before_row(st, k, r, actor, &rerr) : MM_OK;
        if (rc == MM_OK)
            rc = bind_row(st, s, k, r, id, actor, &rerr);
        if (rc == MM_OK && now_idx > 0)
            mm_bind_text(s, now_idx, now);
        if (rc == MM_OK && sqlite3_step(s) != SQLITE_DONE)
            rc = mm_store_error(st, &rerr, "storing the row");
        if (rc != MM_OK) {
            mm_error_set(err, rc, set->name, r->line, 1, "%s", rerr.msg);
            goto out;
        }
    }
    rc = mm_evidence_import_finish(st, id, (long)set->n, err);
out:
    sqlite3_finalize(s);
    if (rc == MM_OK)
        rc = mm_store_commit(st, err);
    else
        mm_store_rollback(st);
    if (rc == MM_OK && import_id)
        *import_id = id;
done:
    mm_buf_release(&sql);
    return rc;
}

mm_rc mm_import_file(mm_store *st, const char *kind, const char *path, const char *actor,
                     int dry_run, size_t *count, mm_error *err)
{
    const mm_import_kind *k = mm_import_kind_find(kind);
    mm_import_set set;
    char *data = NULL;
    size_t len = 0;
    mm_rc rc;

    memset(&set, 0, sizeof(set));
    *count = 0;
    if (!k)
        return mm_error_set(err, MM_ERR_USAGE, NULL, 0, 0,
                            "証拠の種類 \"%s\" はありません (unknown evidence kind)", kind);
    if ((rc = mm_file_read(path, MM_EVIDENCE_MAX_BYTES, &data, &len, err)) != MM_OK)
        goto out;
    if ((rc = mm_import_parse(k, path, data, len, &set, err)) != MM_OK)
        goto out;
    if (!dry_run && (rc = mm_import_store(st, &set, data, len, actor, NULL, err)) != MM_OK)
        goto out;
    *count = set.n;
out:
    mm_import_set_release(&set);
    free(data);
    return rc;
}

/* Appends a stored value for listing: text as is, bool yes/no, NULL empty (or null). */
static void list_value(mm_buf *out, const mm_import_field *f, sqlite3_stmt *s, int col, int json)
{
    int null = sqlite3_column_type(s, col) == SQLITE_NULL;

    if (json) {
        if (null)
            mm_buf_adds(out, "null");
        else if (f->type == MM_FT_BOOL)
            mm_buf_adds(out, sqlite3_column_int(s, col) ? "true" : "false");
        else if (f->type == MM_FT_INT)
            mm_buf_addf(out, "%lld", (long long)sqlite3_column_int64(s, col));
        else
            mm_buf_add_json_str(out, mm_col_text(s, col));
        return;
    }
    if (null)
        return;
    if (f->type == MM_FT_BOOL)
        mm_buf_adds(out, sqlite3_column_int(s, col) ? "yes" : "no");
    else
        mm_buf_adds(out, mm_col_text(s, col));
}

mm_rc mm_evidence_list(mm_store *st, const mm_import_kind *k, int json, mm_buf *out, mm_error *err)
{
    sqlite3_stmt *s = NULL;
    size_t n = k->nfields, keys = 0;
    int first = 1, step;
    mm_buf sql;
    mm_rc rc;

    mm_buf_init(&sql, 0);
    mm_buf_adds(&sql, "SELECT ");
    for (size_t i = 0; i < n; i++) {
        if (k->fields[i].type == MM_FT_VENDOR)
            mm_buf_addf(&sql, "(SELECT name FROM vendor v WHERE v.id = t.%s), ",
                        field_column(&k->fields[i]));
        else
            mm_buf_addf(&sql, "t.%s, ", field_column(&k->fields[i]));
    }
    mm_buf_addf(&sql,
                "i.file, t.source_line FROM %s t LEFT JOIN import i ON i.id = t.import_id "
                "ORDER BY ",
                k->table);
    for (size_t i = 0; i < n; i++)
        if (k->fields[i].flags & MM_F_KEY)
            mm_buf_addf(&sql, "%st.%s", keys++ ? ", " : "", field_column(&k->fields[i]));
    if ((rc = mm_store_prepare(st, mm_buf_str(&sql), &s, err)) != MM_OK)
        goto out;
    if (json) {
        mm_buf_adds(out, "[");
    } else {
        for (size_t i = 0; i < n; i++)
            mm_buf_addf(out, "%s\t", k->fields[i].name);
        mm_buf_adds(out, "source\n");
    }
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        int has_src = sqlite3_column_type(s, (int)n) != SQLITE_NULL;
        if (json) {
            mm_buf_adds(out, first ? "\n {" : ",\n {");
            for (size_t i = 0; i < n; i++) {
                mm_buf_add_json_str(out, k->fields[i].name);
                mm_buf_addc(out, ':');
                list_value(out, &k->fields[i], s, (int)i, 1);
                mm_buf_addc(out, ',');
            }
            mm_buf_adds(out, "\"source\":");
            if (has_src) {
                mm_buf_adds(out, "{\"file\":");
                mm_buf_add_json_str(out, mm_col_text(s, (int)n));
                mm_buf_addf(out, ",\"line\":%lld}", (long long)sqlite3_column_int64(s, (int)n + 1));
            } else {
                mm_buf_adds(out, "null");
            }
            mm_buf_addc(out, '}');
        } else {
            for (size_t i = 0; i < n; i++) {
                list_value(out, &k->fields[i], s, (int)i, 0);
                mm_buf_addc(out, '\t');
            }
            if (has_src)
                mm_buf_addf(out, "%s:%lld\n", mm_col_text(s, (int)n),
                            (long long)sqlite3_column_int64(s, (int)n + 1));
            else
                mm_buf_adds(out, "-\n");
        }
        first = 0;
    }
    if (step != SQLITE_DONE)
        rc = mm_store_error(st, err, "listing evidence");
    if (json)
        mm_buf_adds(out, first ? "]\n" : "\n]\n");
out:
    sqlite3_finalize(s);
    mm_buf_release(&sql);
    return rc;
}

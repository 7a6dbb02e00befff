/*
 * What `mamori logs stats` and `mamori logs prune` need: the counts recorded in mamori.db,
 * the capacity of the store on disk (size, free space, growth per day, days left) and
 * retention (pruning whole sealed segments older than retention_years, recorded in the anchor
 * so verify still proves the rest).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "logs_int.h"

const mm_log_counter mm_log_counters[] = {
    {"received", offsetof(mm_logs_counts, received)},
    {"stored", offsetof(mm_logs_counts, stored)},
    {"unparsed", offsetof(mm_logs_counts, unparsed)},
    {"truncated", offsetof(mm_logs_counts, truncated)},
    {"skipped", offsetof(mm_logs_counts, skipped)},
    {"dropped", offsetof(mm_logs_counts, dropped)},
    {"alerts", offsetof(mm_logs_counts, alerts)},
    {"replayed", offsetof(mm_logs_counts, replayed)},
    {"journal_torn", offsetof(mm_logs_counts, journal_torn)},
    {"rejected", offsetof(mm_logs_counts, rejected)},
    {"disk_full", offsetof(mm_logs_counts, disk_full)},
};
const size_t mm_log_counters_len = MM_ARRAY_LEN(mm_log_counters);

mm_rc mm_logs_counts_get(mm_store *st, mm_logs_counts *c, mm_error *err)
{
    sqlite3_stmt *q = NULL;
    mm_rc rc = mm_store_prepare(st, "SELECT name, value FROM log_counter", &q, err);
    memset(c, 0, sizeof(*c));
    while (rc == MM_OK && sqlite3_step(q) == SQLITE_ROW)
        for (size_t i = 0; i < mm_log_counters_len; i++)
            if (strcmp(mm_col_text(q, 0), mm_log_counters[i].name) == 0)
                *(uint64_t *)((char *)c + mm_log_counters[i].off) =
                    (uint64_t)sqlite3_column_int64(q, 1);
    sqlite3_finalize(q);
    return rc;
}

mm_rc mm_logs_capacity_get(const char *logs_dir, mm_logs_capacity *c, mm_error *err)
{
    char **names = NULL;
    size_t n = 0;
    struct statvfs vfs;
    int64_t now = mm_logs_now_ms() / 1000, oldest_write = now;
    uint64_t recent = 0;
    mm_rc rc;

    memset(c, 0, sizeof(*c));
    c->days_left = -1;
    if ((rc = mm_logs_list_segments(logs_dir, &names, &n, err)) != MM_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        char path[4400];
        struct stat sb;
        int fd;
        snprintf(path, sizeof(path), "%s/%s", logs_dir, names[i]);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0 && fstat(fd, &sb) == 0) {
            uint8_t *fb = NULL;
            mm_footer f;
            c->bytes += (uint64_t)sb.st_size;
            c->segments++;
            if ((int64_t)sb.st_mtime < oldest_write)
                oldest_write = (int64_t)sb.st_mtime;
            if (now - (int64_t)sb.st_mtime <= 7 * 86400)
                recent += (uint64_t)sb.st_size;
            if (mm_footer_read(fd, (uint64_t)sb.st_size, &fb, &f) == MM_OK) {
                if (!c->oldest_ms || f.tmin < c->oldest_ms)
                    c->oldest_ms = f.tmin;
                if (f.tmax > c->newest_ms)
                    c->newest_ms = f.tmax;
            }
            free(fb);
        }
        if (fd >= 0)
            close(fd);
        free(names[i]);
    }
    free(names);
    if (statvfs(logs_dir, &vfs) == 0)
        c->free_bytes = (uint64_t)vfs.f_bavail * (uint64_t)vfs.f_frsize;
    {
        double days = (double)(now - oldest_write) / 86400.0;
        if (days > 7)
            days = 7;
        if (days < 1)
            days = 1;
        c->growth_per_day = (double)recent / days;
        if (c->growth_per_day > 0)
            c->days_left = (double)c->free_bytes / c->growth_per_day;
    }
    return MM_OK;
}

mm_rc mm_logs_prune(const char *logs_dir, mm_store *st, int retention_years, int64_t now_ms,
                    int dry_run, long *pruned, mm_error *err)
{
    char **names = NULL;
    size_t n = 0;
    int64_t cutoff = now_ms - (int64_t)retention_years * 36524LL * 86400LL * 10; /* ms */
    mm_logs_anchor a;
    mm_rc rc;

    *pruned = 0;
    cutoff = now_ms - (int64_t)((double)retention_years * 365.2425 * 86400.0 * 1000.0);
    if ((rc = mm_logs_anchor_get(st, &a, err)) != MM_OK)
        return rc;
    if ((rc = mm_logs_list_segments(logs_dir, &names, &n, err)) != MM_OK)
        return rc;
    /* Oldest first, and never the newest segment (the chain continues from it). */
    for (size_t i = 0; rc == MM_OK && i + 1 < n; i++) {
        char path[4400];
        struct stat sb;
        uint8_t *fb = NULL;
        mm_footer f;
        int fd;
        snprintf(path, sizeof(path), "%s/%s", logs_dir, names[i]);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &sb) != 0 || mm_footer_read(fd, (uint64_t)sb.st_size, &fb, &f)) {
            if (fd >= 0)
                close(fd);
            break; /* a damaged segment is kept for verify to report */
        }
        close(fd);
        if (f.tmax >= cutoff) {
            free(fb);
            break;
        }
        if (!dry_run) {
            a.pruned_through = f.segno;
            crypto_generichash(a.pruned_seal, 32, fb, f.len - MM_TRAILER_LEN, NULL, 0);
            /* record first, then delete: a crash in between leaves a file verify reports as
             * "present although pruned", never an unexplained gap */
            rc = mm_logs_anchor_set(st, &a, err);
            if (rc == MM_OK && unlink(path) != 0)
                rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "cannot delete");
        }
        free(fb);
        if (rc == MM_OK)
            (*pruned)++;
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}

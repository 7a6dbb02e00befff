/*
 * Followed files (`mamori collect --follow FILE`): tail -F by polling. New whole lines are
 * taken as they are appended; when the path names another file (rename rotation) the old file
 * is read to its end, its unterminated last line taken, and the new file read from its start;
 * when the file shrinks (copytruncate) reading starts again at 0; a missing file is waited
 * for. Every journaled line carries the file's (device, inode, offset after it), and the
 * session records the newest with each commit, so a restart resumes where the last journaled
 * line ended: no loss and no duplicates, even across a rotation while the collector was down
 * (the old inode is looked for next to the path).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include "collect_int.h"

#define CHUNK (1024u * 1024)
#define CHUNKS_PER_POLL 64  /* then the other inputs get their turn */
#define DRAIN_ROUNDS 4096   /* reading a rotated file to its end */
#define DIR_SCAN_MAX 100000 /* entries looked at for a rotated file's old inode */

struct mm_follow {
    char *path;
    int fd;            /* the file being read, or -1 */
    uint64_t dev, ino; /* of fd */
    uint64_t off;      /* next byte to read: just after the last line taken */
    int skipping;      /* dropping the rest of a line longer than the maximum */
    int resumed;       /* the recorded position was looked at */
    mm_parse_ctx *pc;
    const mm_log_parser *parser;
    int pidx;
    char *buf;
    mm_batch b;
};

mm_follow *mm_follow_new(mm_coll *c, const char *path)
{
    mm_follow *f = mm_xcalloc(1, sizeof(*f));
    f->path = mm_xstrdup(path);
    f->fd = -1;
    f->pc = mm_xmalloc(sizeof(*f->pc));
    mm_parse_ctx_init(f->pc, mm_logs_now_ms(), mm_logsess_conf(c->s)->tz_offset_min, c->o->device);
    f->buf = mm_xmalloc(CHUNK);
    f->parser = c->o->parser;
    f->pidx = c->o->pidx;
    mm_batch_init(&f->b, c->o);
    return f;
}

void mm_follow_free(mm_follow **p)
{
    mm_follow *f = p ? *p : NULL;
    if (!f)
        return;
    if (f->fd >= 0)
        close(f->fd);
    mm_batch_release(&f->b);
    free(f->buf);
    free(f->pc);
    free(f->path);
    free(f);
    *p = NULL;
}

/* Resuming in the middle of a file: let the parser see its first line, so a CSV header that
 * names the columns in another order is known again (nothing is stored). */
static void prime_header(mm_follow *f)
{
    mm_event ev;
    const char *nl;
    ssize_t n = pread(f->fd, f->buf, MM_LOG_MAX_MSG_DEFAULT, 0);
    if (n <= 0 || !(nl = memchr(f->buf, '\n', (size_t)n)))
        return;
    memset(&ev, 0, sizeof(ev));
    (void)mm_log_parse(f->pc, f->parser, f->pidx, f->buf, (size_t)(nl - f->buf), &ev);
}

static void set_file(mm_follow *f, int fd, const struct stat *sb, uint64_t off)
{
    if (f->fd >= 0)
        close(f->fd);
    f->fd = fd;
    f->dev = (uint64_t)sb->st_dev;
    f->ino = (uint64_t)sb->st_ino;
    f->off = off;
    f->skipping = 0;
    f->pc->csv_header_seen = 0; /* a file starts with its own header (EMR CSV) */
    if (off > 0)
        prime_header(f);
}

static void add_line(mm_follow *f, const char *p, size_t len, int trunc, uint64_t end)
{
    mm_batch_pos pos = {f->path, f->dev, f->ino, end};
    if (len && p[len - 1] == '\r')
        len--;
    mm_batch_add(&f->b, f->pc, p, len, trunc, &pos);
}

/* Takes the whole lines from f->off on, up to rounds chunks. OUT: *progress (bytes taken). */
static mm_rc read_lines(mm_coll *c, mm_follow *f, int rounds, uint64_t *progress, mm_error *err)
{
    mm_rc rc = MM_OK;
    *progress = 0;
    for (int k = 0; k < rounds && rc == MM_OK; k++) {
        ssize_t n = pread(f->fd, f->buf, CHUNK, (off_t)f->off);
        size_t used = 0;
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        while (used < (size_t)n) {
            const char *p = f->buf + used;
            size_t rem = (size_t)n - used;
            const char *nl = memchr(p, '\n', rem);
            if (f->skipping) {
                if (!nl) {
                    used = (size_t)n;
                    break;
                }
                used += (size_t)(nl - p) + 1;
                f->skipping = 0;
                continue;
            }
            if (nl) {
                size_t len = (size_t)(nl - p);
                used += len + 1;
                if (len > MM_LOG_MAX_MSG_DEFAULT)
                    add_line(f, p, MM_LOG_MAX_MSG_DEFAULT, 1, f->off + used);
                else
                    add_line(f, p, len, 0, f->off + used);
                continue;
            }
            if (rem >= MM_LOG_MAX_MSG_DEFAULT) { /* too long and no end in sight: cut it */
                used = (size_t)n;
                add_line(f, p, MM_LOG_MAX_MSG_DEFAULT, 1, f->off + used);
                f->skipping = 1;
            }
            break; /* an unfinished line waits for the rest */
        }
        f->off += used;
        *progress += used;
        f->pc->now_ms = mm_logs_now_ms();
        rc = mm_coll_ingest(c, &f->b, err);
        if (used == 0)
            break;
    }
    return rc;
}

/* The old file of a rotation: read it to its end, take an unterminated last line too. */
static mm_rc finish_old(mm_coll *c, mm_follow *f, mm_error *err)
{
    uint64_t prog = 1;
    mm_rc rc = MM_OK;
    ssize_t n;
    for (int i = 0; i < DRAIN_ROUNDS && prog && rc == MM_OK; i++)
        rc = read_lines(c, f, CHUNKS_PER_POLL, &prog, err);
    if (rc != MM_OK || f->skipping)
        return rc;
    n = pread(f->fd, f->buf, CHUNK, (off_t)f->off);
    if (n > 0) {
        size_t len = (size_t)n > MM_LOG_MAX_MSG_DEFAULT ? MM_LOG_MAX_MSG_DEFAULT : (size_t)n;
        f->off += (uint64_t)n;
        add_line(f, f->buf, len, (size_t)n > len, f->off);
        rc = mm_coll_ingest(c, &f->b, err);
    }
    return rc;
}

/* Finds, next to the path, the file with the recorded inode (renamed while we were down). */
static int find_inode(const char *path, uint64_t dev, uint64_t ino)
{
    char *copy = mm_xstrdup(path), full[4400];
    const char *dir = dirname(copy);
    DIR *d = opendir(dir);
    struct dirent *de;
    int fd = -1;
    for (int i = 0; d && fd < 0 && i < DIR_SCAN_MAX && (de = readdir(d)) != NULL; i++) {
        struct stat sb;
        if ((uint64_t)de->d_ino != ino)
            continue;
        snprintf(full, sizeof(full), "%s/%s", dir, de->d_name);
        if (stat(full, &sb) == 0 && S_ISREG(sb.st_mode) && (uint64_t)sb.st_dev == dev &&
            (uint64_t)sb.st_ino == ino)
            fd = open(full, O_RDONLY | O_CLOEXEC);
    }
    if (d)
        closedir(d);
    free(copy);
    return fd;
}

/* First poll: continue from the position recorded in the workspace. */
static void resume(mm_coll *c, mm_follow *f)
{
    uint64_t dev = 0, ino = 0, off = 0;
    int known, fd;
    struct stat sb;

    pthread_mutex_lock(&c->lock);
    known = mm_logsess_file_pos_get(c->s, f->path, &dev, &ino, &off);
    pthread_mutex_unlock(&c->lock);
    if (!known)
        return;
    fd = open(f->path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &sb) == 0 && (uint64_t)sb.st_dev == dev &&
        (uint64_t)sb.st_ino == ino) {
        set_file(f, fd, &sb, (uint64_t)sb.st_size < off ? 0 : off);
        return;
    }
    if (fd >= 0)
        close(fd);
    /* rotated while we were down: finish the old file first when it is still there */
    fd = find_inode(f->path, dev, ino);
    if (fd >= 0 && fstat(fd, &sb) == 0) {
        set_file(f, fd, &sb, (uint64_t)sb.st_size < off ? 0 : off);
        return;
    }
    if (fd >= 0)
        close(fd);
}

mm_rc mm_follow_poll(mm_coll *c, mm_follow *f, mm_error *err)
{
    struct stat sb;
    uint64_t prog;
    mm_rc rc;
    int fd;

    if (!f->resumed) {
        resume(c, f);
        f->resumed = 1;
    }
    if (f->fd < 0) { /* not there yet (or missing for a while): open it when it appears */
        fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            return MM_OK;
        if (fstat(fd, &sb) != 0) {
            close(fd);
            return MM_OK;
        }
        set_file(f, fd, &sb, 0);
    }
    if ((rc = read_lines(c, f, CHUNKS_PER_POLL, &prog, err)) != MM_OK)
        return rc;
    if (stat(f->path, &sb) != 0) /* renamed away and not yet recreated: keep the old one */
        return MM_OK;
    if ((uint64_t)sb.st_dev != f->dev || (uint64_t)sb.st_ino != f->ino) { /* rotated */
        if ((rc = finish_old(c, f, err)) != MM_OK)
            return rc;
        fd = open(f->path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fstat(fd, &sb) != 0) {
            if (fd >= 0)
                close(fd);
            close(f->fd);
            f->fd = -1;
            return MM_OK;
        }
        set_file(f, fd, &sb, 0);
        return read_lines(c, f, CHUNKS_PER_POLL, &prog, err);
    }
    if ((uint64_t)sb.st_size < f->off) { /* copytruncate: start again at the beginning */
        f->off = 0;
        f->skipping = 0;
        f->pc->csv_header_seen = 0;
        return read_lines(c, f, CHUNKS_PER_POLL, &prog, err);
    }
    return MM_OK;
}

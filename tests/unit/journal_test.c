/*
 * Unit tests for the ingest journal (src/logs/journal.c): records round-trip with their
 * numbers, flags, device and file positions; a torn last record (short or with a bad check)
 * is ignored and reported with its offset; a cut leaves an empty journal that continues the
 * numbering; a file that is not a journal is refused, a missing one is "not found".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "journal.h"

typedef struct got {
    uint64_t seq[16];
    char msg[16][64];
    int flags[16], pidx[16];
    char dev[16][16], path[16][64];
    uint64_t ino[16], off[16];
    int64_t t[16];
    int n;
} got;

static mm_rc collect_rec(void *arg, uint64_t seq, const mm_jrec *r)
{
    got *g = arg;
    if (g->n >= 16)
        return MM_ERR_INVALID;
    g->seq[g->n] = seq;
    snprintf(g->msg[g->n], sizeof(g->msg[0]), "%.*s", (int)r->msg.n, r->msg.p);
    snprintf(g->dev[g->n], sizeof(g->dev[0]), "%.*s", (int)r->device.n, r->device.p);
    snprintf(g->path[g->n], sizeof(g->path[0]), "%.*s", (int)r->path.n, r->path.p);
    g->flags[g->n] = r->flags;
    g->pidx[g->n] = r->pidx;
    g->ino[g->n] = r->ino;
    g->off[g->n] = r->off;
    g->t[g->n] = r->recv_ms;
    g->n++;
    return MM_OK;
}

static void tmpdir(char *dir, size_t n)
{
    mm_strlcpy(dir, "/tmp/mm-journal-test-XXXXXX", n);
    assert_non_null(mkdtemp(dir));
}

static void cleanup(const char *dir)
{
    char p[256];
    snprintf(p, sizeof(p), "%s/journal", dir);
    unlink(p);
    rmdir(dir);
}

static mm_jrec rec(const char *msg, const char *device)
{
    mm_jrec r;
    memset(&r, 0, sizeof(r));
    r.msg = (mm_sv){msg, (uint32_t)strlen(msg)};
    r.device = (mm_sv){device, (uint32_t)strlen(device)};
    r.recv_ms = 1763596800123LL;
    return r;
}

static void write_three(const char *dir, mm_journal **out)
{
    mm_journal *j = NULL;
    mm_error err;
    mm_jrec r;
    uint64_t seq = 0;

    assert_int_equal(mm_journal_open(dir, 5, 0, &j, &err), MM_OK);
    r = rec("<13>Nov 20 10:00:00 h1 sshd[1]: first", "");
    assert_int_equal(mm_journal_add(j, &r, &seq, &err), MM_OK);
    assert_int_equal(seq, 5);
    r = rec("second", "fw1");
    r.flags = MM_JREC_TRUNCATED;
    r.pidx = 2;
    assert_int_equal(mm_journal_add(j, &r, &seq, &err), MM_OK);
    r = rec("third", "");
    r.flags = MM_JREC_POS;
    r.path = (mm_sv){"/var/log/auth.log", 17};
    r.dev = 2049;
    r.ino = 777;
    r.off = 4096;
    assert_int_equal(mm_journal_add(j, &r, &seq, &err), MM_OK);
    assert_int_equal(seq, 7);
    assert_int_equal(mm_journal_flush(j, &err), MM_OK);
    assert_int_equal(mm_journal_count(j), 3);
    {
        struct stat sb;
        char path[128];
        snprintf(path, sizeof(path), "%s/journal", dir);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(mm_journal_bytes(j), (uint64_t)sb.st_size);
    }
    *out = j;
}

static void test_round_trip(void **state)
{
    char dir[64], path[128];
    mm_journal *j = NULL;
    mm_journal_scan scan;
    mm_error err;
    got g;
    (void)state;

    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/journal", dir);
    write_three(dir, &j);
    memset(&g, 0, sizeof(g));
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_OK);
    assert_int_equal(scan.base, 5);
    assert_int_equal(scan.records, 3);
    assert_int_equal(scan.torn, 0);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.seq[0], 5);
    assert_int_equal(g.seq[2], 7);
    assert_string_equal(g.msg[0], "<13>Nov 20 10:00:00 h1 sshd[1]: first");
    assert_int_equal(g.t[0], 1763596800123LL);
    assert_string_equal(g.dev[1], "fw1");
    assert_int_equal(g.flags[1], MM_JREC_TRUNCATED);
    assert_int_equal(g.pidx[1], 2);
    assert_int_equal(g.flags[2], MM_JREC_POS);
    assert_string_equal(g.path[2], "/var/log/auth.log");
    assert_int_equal(g.ino[2], 777);
    assert_int_equal(g.off[2], 4096);

    /* a cut keeps the numbering and leaves nothing to replay */
    assert_int_equal(mm_journal_cut(j, &err), MM_OK);
    assert_int_equal(mm_journal_next(j), 8);
    assert_int_equal(mm_journal_bytes(j), MM_JOURNAL_HEADER_LEN);
    memset(&g, 0, sizeof(g));
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_OK);
    assert_int_equal(scan.base, 8);
    assert_int_equal(g.n, 0);
    mm_journal_free(&j);
    assert_null(j);
    cleanup(dir);
}

static void test_torn_tail(void **state)
{
    char dir[64], path[128];
    mm_journal *j = NULL;
    mm_journal_scan scan;
    mm_error err;
    struct stat sb;
    got g;
    int fd;
    (void)state;

    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/journal", dir);
    write_three(dir, &j);
    mm_journal_free(&j);
    assert_int_equal(stat(path, &sb), 0);
    /* cut the last record short: as if the process died inside write(2) */
    assert_int_equal(truncate(path, sb.st_size - 3), 0);
    memset(&g, 0, sizeof(g));
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(scan.torn, 1);
    assert_int_equal(scan.torn_bytes, sb.st_size - 3 - (off_t)scan.torn_offset);
    assert_true(scan.torn_offset > MM_JOURNAL_HEADER_LEN);

    /* a flipped byte in the last record's body fails its check */
    write_three(dir, &j);
    mm_journal_free(&j);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "X", 1, sb.st_size - 1), 1);
    close(fd);
    memset(&g, 0, sizeof(g));
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_OK);
    assert_int_equal(g.n, 2);
    assert_int_equal(scan.torn, 1);
    cleanup(dir);
}

static void test_not_a_journal(void **state)
{
    char dir[64], path[128];
    mm_journal_scan scan;
    mm_error err;
    got g;
    (void)state;

    tmpdir(dir, sizeof(dir));
    snprintf(path, sizeof(path), "%s/journal", dir);
    memset(&g, 0, sizeof(g));
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_ERR_NOTFOUND);
    assert_int_equal(mm_file_write_atomic(path, "MMLOGSG1........", 16, 0600, &err), MM_OK);
    mm_error_clear(&err);
    assert_int_equal(mm_journal_replay(path, collect_rec, &g, &scan, &err), MM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "offset 0"));
    assert_int_equal(g.n, 0);
    cleanup(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_torn_tail),
        cmocka_unit_test(test_not_a_journal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

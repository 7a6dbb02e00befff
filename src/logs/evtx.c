/*
 * Windows event log files (.evtx) through libevtx: each record's XML rendering (on one line)
 * is one message, so the raw text stored is the event as Windows would show it, and the "evtx"
 * parser reads that XML (expat) for EventID, TimeCreated, Computer, EventRecordID and the EventData
 * fields, then maps it with the Security-event table shared with the JSON reader (win_events.c). A
 * file that is cut short or has damaged records yields every record libevtx can still read; the
 * others are counted and the first failure is reported with the file, record and offset.
 */
#include <errno.h>
#include <expat.h>
#include <fcntl.h>
#include <libevtx.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs_int.h"

/* ---- the XML of one event -------------------------------------------------------------- */

#define XEV_POOL 16384 /* text of the fields of one event */
#define XEV_FIELDS 64  /* EventData fields kept per event */

enum { X_NONE, X_EVENTID, X_COMPUTER, X_RECORDID, X_DATA };

typedef struct xev {
    int depth;
    int in_system, in_eventdata; /* depth of <System> / <EventData>, 0 when outside */
    int capture;                 /* X_*: what the current text belongs to */
    int have_id;
    char pool[XEV_POOL];
    size_t used;                                 /* offset of the NUL ending the last string */
    size_t cur;                                  /* pool offset of the text being captured */
    size_t eventid, computer, recordid, systime; /* pool offsets (NUL-terminated), 0 = absent */
    size_t names[XEV_FIELDS], values[XEV_FIELDS];
    int nfields;
    int overflow; /* the pool was too small: later text dropped */
} xev;

/* Appends n bytes (and keeps a NUL after them); 0 when the pool is full. */
static int pool_add(xev *x, const char *p, size_t n)
{
    if (x->used + n + 1 > sizeof(x->pool)) {
        x->overflow = 1;
        return 0;
    }
    memcpy(x->pool + x->used, p, n);
    x->used += n;
    x->pool[x->used] = '\0';
    return 1;
}

/* Starts a new NUL-terminated string in the pool, after the previous one's NUL (byte 0 is
 * never used, so 0 means absent); returns its offset, 0 when full. */
static size_t pool_begin(xev *x)
{
    if (x->used + 2 > sizeof(x->pool)) {
        x->overflow = 1;
        return 0;
    }
    x->used++;
    x->pool[x->used] = '\0';
    return x->used;
}

static const char *pool_str(const xev *x, size_t off)
{
    return off ? x->pool + off : NULL;
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (int i = 0; atts[i]; i += 2)
        if (strcmp(atts[i], name) == 0)
            return atts[i + 1];
    return NULL;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xev *x = ud;
    x->depth++;
    x->capture = X_NONE;
    if (x->depth == 2 && strcmp(name, "System") == 0) {
        x->in_system = x->depth;
    } else if (x->depth == 2 && strcmp(name, "EventData") == 0) {
        x->in_eventdata = x->depth;
    } else if (x->in_system && x->depth == x->in_system + 1) {
        if (strcmp(name, "EventID") == 0)
            x->capture = X_EVENTID;
        else if (strcmp(name, "Computer") == 0)
            x->capture = X_COMPUTER;
        else if (strcmp(name, "EventRecordID") == 0)
            x->capture = X_RECORDID;
        else if (strcmp(name, "TimeCreated") == 0) {
            const char *t = attr(atts, "SystemTime");
            size_t at;
            if (t && (at = pool_begin(x)) && pool_add(x, t, strlen(t)))
                x->systime = at;
        }
    } else if (x->in_eventdata && x->depth == x->in_eventdata + 1 && strcmp(name, "Data") == 0 &&
               x->nfields < XEV_FIELDS) {
        const char *n = attr(atts, "Name");
        size_t at;
        if (n && (at = pool_begin(x)) && pool_add(x, n, strlen(n))) {
            x->names[x->nfields] = at;
            x->capture = X_DATA;
        }
    }
    if (x->capture != X_NONE) {
        x->cur = pool_begin(x);
        if (!x->cur)
            x->capture = X_NONE;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    xev *x = ud;
    (void)name;
    switch (x->capture) {
    case X_EVENTID: x->eventid = x->cur; break;
    case X_COMPUTER: x->computer = x->cur; break;
    case X_RECORDID: x->recordid = x->cur; break;
    case X_DATA: x->values[x->nfields++] = x->cur; break;
    default: break;
    }
    x->capture = X_NONE;
    if (x->in_system == x->depth)
        x->in_system = 0;
    if (x->in_eventdata == x->depth)
        x->in_eventdata = 0;
    x->depth--;
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xev *x = ud;
    if (x->capture != X_NONE && len > 0)
        pool_add(x, s, (size_t)len);
}

static const char *xev_get(void *ud, const char *name)
{
    const xev *x = ud;
    for (int i = 0; i < x->nfields; i++)
        if (strcmp(x->pool + x->names[i], name) == 0)
            return x->pool + x->values[i];
    return NULL;
}

mm_rc mm_parse_evtx_xml(mm_parse_ctx *c, const char *line, size_t len, mm_event *ev)
{
    XML_Parser xp = NULL;
    xev *x = NULL;
    long id;
    mm_rc rc = MM_ERR_PARSE;
    const char *s;

    if (len > INT32_MAX)
        return MM_ERR_PARSE;
    x = mm_xmalloc(sizeof(*x));
    memset(x, 0, sizeof(*x));
    xp = XML_ParserCreate("UTF-8");
    if (!xp)
        goto out;
    XML_SetUserData(xp, x);
    XML_SetElementHandler(xp, on_start, on_end);
    XML_SetCharacterDataHandler(xp, on_text);
    if (XML_Parse(xp, line, (int)len, 1) != XML_STATUS_OK)
        goto out;
    s = pool_str(x, x->eventid);
    if (!s || mm_parse_long(s, 0, 65535, &id) != MM_OK)
        goto out;
    if ((s = pool_str(x, x->systime)) != NULL) {
        int64_t ms;
        if (mm_time_parse_iso(s, strlen(s), 0, &ms) == MM_OK)
            ev->time_ms = ms;
    }
    if ((s = pool_str(x, x->computer)) != NULL && *s)
        ev->f[MM_EVF_HOST] = mm_scratch_put(c, s, strlen(s));
    mm_win_map(c, id, xev_get, x, ev);
    rc = MM_OK;
out:
    if (xp)
        XML_ParserFree(xp);
    free(x);
    return rc;
}

/* ---- the file -------------------------------------------------------------------------- */

/*
 * libevtx pretty-prints the XML over many lines; the stored raw text is one line: whitespace
 * between a '>' and the next '<' that holds a line break (the indentation) is removed, and any
 * other CR or LF (inside a value) becomes the character reference &#13; / &#10;, which XML
 * reads back as the same character. Writes into out (room for 5 * n bytes); returns the length.
 */
static size_t xml_one_line(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '>') {
            size_t j = i + 1;
            int nl = 0;
            while (j < n && (in[j] == ' ' || in[j] == '\t' || in[j] == '\n' || in[j] == '\r')) {
                nl |= in[j] == '\n' || in[j] == '\r';
                j++;
            }
            out[o++] = '>';
            if (nl && (j == n || in[j] == '<')) {
                i = j - 1;
                continue;
            }
        } else if (in[i] == '\n' || in[i] == '\r') {
            memcpy(out + o, in[i] == '\n' ? "&#10;" : "&#13;", 5);
            o += 5;
        } else {
            out[o++] = in[i];
        }
    }
    return o;
}

#define EVTX_HEADER 4096u
#define EVTX_CHUNK 65536u

/* The innermost line of a libevtx error (the most specific cause), into out. */
static void evtx_error_text(libevtx_error_t *le, char *out, size_t outsz)
{
    char buf[2048];
    char *nl;
    size_t n;
    out[0] = '\0';
    if (!le || libevtx_error_backtrace_sprint(le, buf, sizeof(buf)) <= 0)
        return;
    nl = strchr(buf, '\n');
    if (nl)
        *nl = '\0';
    n = strlen(buf);
    if (n >= outsz) /* cut to what fits */
        n = outsz - 1;
    memcpy(out, buf, n);
    out[n] = '\0';
}

/* "offset: 0x00001200" in a libevtx backtrace, when it names one. */
static int evtx_error_offset(libevtx_error_t *le, unsigned long long *off)
{
    char buf[4096];
    const char *p;
    if (!le || libevtx_error_backtrace_sprint(le, buf, sizeof(buf)) <= 0)
        return 0;
    p = strstr(buf, "offset: 0x");
    if (!p)
        return 0;
    *off = strtoull(p + 8, NULL, 16);
    return 1;
}

/* CRC-32 (RFC 1952, the one EVTX uses), bytewise with a table built on first use. */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    crc = ~crc;
    while (n--)
        crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
    return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* What our own look at the file found, before libevtx reads the records. */
typedef struct evtx_scan {
    uint64_t size;      /* file size in bytes */
    uint16_t chunks;    /* chunks the file header announces */
    uint64_t next_id;   /* the header's next record identifier */
    uint64_t first_id;  /* first record identifier of the first chunk, 0 = unknown */
    long bad_chunk;     /* first chunk whose checksum does not match, -1 = none */
    uint64_t bad_off;   /* its offset in the file */
    uint64_t bad_first; /* its record identifiers */
    uint64_t bad_last;
    const char *bad_what; /* which checksum */
    int header_bad;       /* the file header's own CRC32 does not match */
    int dirty;            /* header flag 1: copied while Windows was still writing it */
} evtx_scan;

/* Reads the file header and checks every complete chunk's header and record checksums. A file
 * that does not start with the EVTX signature is an error naming offset 0. OUT: *sc. */
static mm_rc evtx_scan_file(const char *path, evtx_scan *sc, mm_error *err)
{
    uint8_t *buf = NULL;
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    mm_rc rc = MM_OK;

    memset(sc, 0, sizeof(*sc));
    sc->bad_chunk = -1;
    if (fd < 0)
        return mm_error_set(err, errno == ENOENT ? MM_ERR_NOTFOUND : MM_ERR_IO, path, 0, 0,
                            "ファイルを開けません (cannot open): %s", strerror(errno));
    buf = mm_xmalloc(EVTX_CHUNK);
    if (fstat(fd, &st) != 0) {
        rc = mm_error_set(err, MM_ERR_IO, path, 0, 0, "fstat: %s", strerror(errno));
        goto out;
    }
    sc->size = (uint64_t)st.st_size;
    if (sc->size < 128 || mm_read_full(fd, buf, 128, 0) != MM_OK ||
        memcmp(buf, "ElfFile\0", 8) != 0) {
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "オフセット 0: EVTX のファイルヘッダー (\"ElfFile\") がありません "
                          "(offset 0: not an EVTX file header)");
        goto out;
    }
    sc->next_id = le64(buf + 24);
    sc->chunks = (uint16_t)(buf[42] | buf[43] << 8);
    sc->dirty = (le32(buf + 120) & 1) != 0;
    sc->header_bad = crc32_update(0, buf, 120) != le32(buf + 124);
    if (sc->size < EVTX_HEADER) {
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "ファイルヘッダーの途中 (オフセット %llu) で切れています。ヘッダーの "
                          "%u チャンクはすべて欠けています (file cut short at offset %llu inside "
                          "the 4096-byte file header; all %u chunks missing)",
                          (unsigned long long)sc->size, (unsigned)sc->chunks,
                          (unsigned long long)sc->size, (unsigned)sc->chunks);
        goto out;
    }
    for (uint64_t k = 0; k < sc->chunks; k++) {
        uint64_t off = EVTX_HEADER + k * EVTX_CHUNK;
        uint32_t free_off;
        if (off + 512 > sc->size || mm_read_full(fd, buf, 512, off) != MM_OK)
            break;
        if (memcmp(buf, "ElfChnk\0", 8) != 0)
            continue; /* an unused chunk */
        if (k == 0)
            sc->first_id = le64(buf + 24);
        if (off + EVTX_CHUNK > sc->size || sc->bad_chunk >= 0)
            continue;
        free_off = le32(buf + 48);
        if (crc32_update(crc32_update(0, buf, 120), buf + 128, 384) != le32(buf + 124))
            sc->bad_what = "chunk header";
        else if (free_off >= 512 && free_off <= EVTX_CHUNK &&
                 mm_read_full(fd, buf + 512, EVTX_CHUNK - 512, off + 512) == MM_OK &&
                 crc32_update(0, buf + 512, free_off - 512) != le32(buf + 52))
            sc->bad_what = "event records";
        if (sc->bad_what) {
            sc->bad_chunk = (long)k;
            sc->bad_off = off;
            sc->bad_first = le64(buf + 24);
            sc->bad_last = le64(buf + 32);
        }
    }
out:
    free(buf);
    close(fd);
    return rc;
}

mm_rc mm_evtx_read(const char *path, int64_t max_msg, mm_evtx_fn fn, void *ud, mm_evtx_counts *n,
                   mm_error *err)
{
    libevtx_file_t *f = NULL;
    libevtx_error_t *le = NULL;
    libevtx_record_t *rec = NULL;
    uint8_t *xml = NULL;
    char *line = NULL;
    size_t xml_cap = 0;
    int nrec = 0, nrecovered = 0;
    evtx_scan sc;
    uint64_t max_id = 0;
    long first_bad = -1;
    char why[512] = "";
    unsigned long long bad_off = 0;
    int have_off = 0;
    mm_rc rc;

    memset(n, 0, sizeof(*n));
    if ((rc = evtx_scan_file(path, &sc, err)) != MM_OK)
        return rc;
    if (libevtx_file_initialize(&f, &le) != 1 ||
        libevtx_file_open(f, path, libevtx_get_access_flags_read(), &le) != 1) {
        char t[512];
        evtx_error_text(le, t, sizeof(t));
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "EVTX ファイルとして開けません (cannot open as EVTX): %s", t);
        goto out;
    }
    if (libevtx_file_get_number_of_records(f, &nrec, &le) != 1)
        nrec = 0;
    if (libevtx_file_get_number_of_recovered_records(f, &nrecovered, &le) != 1)
        nrecovered = 0;
    libevtx_error_free(&le);
    /* Recovered records are those libevtx found in damaged chunks: read them after the rest. */
    for (int i = 0; i < nrec + nrecovered; i++) {
        size_t xs = 0;
        int ok;
        int recovered = i >= nrec;
        n->records++;
        if (recovered)
            ok = libevtx_file_get_recovered_record_by_index(f, i - nrec, &rec, &le) == 1;
        else
            ok = libevtx_file_get_record_by_index(f, i, &rec, &le) == 1;
        ok = ok && libevtx_record_get_utf8_xml_string_size(rec, &xs, &le) == 1 && xs > 0;
        if (ok && xs > xml_cap) {
            xml_cap = xs;
            free(xml);
            free(line);
            xml = mm_xmalloc(xml_cap);
            line = mm_xmalloc(xml_cap * 5);
        }
        ok = ok && libevtx_record_get_utf8_xml_string(rec, xml, xs, &le) == 1;
        if (!ok) {
            n->failed++;
            if (first_bad < 0) {
                first_bad = i;
                evtx_error_text(le, why, sizeof(why));
                have_off = evtx_error_offset(le, &bad_off);
            }
            libevtx_error_free(&le);
            libevtx_record_free(&rec, NULL);
            continue;
        }
        {
            size_t len = xml_one_line((const char *)xml, strnlen((const char *)xml, xs), line);
            int trunc = 0;
            if (max_msg > 0 && len > (size_t)max_msg) {
                len = (size_t)max_msg;
                trunc = 1;
            }
            uint64_t id = 0;
            if (libevtx_record_get_identifier(rec, &id, NULL) == 1 && id > max_id)
                max_id = id;
            if (recovered)
                n->recovered++;
            n->read++;
            rc = fn(ud, line, len, trunc, err);
        }
        libevtx_record_free(&rec, NULL);
        if (rc != MM_OK)
            goto out;
    }
    if (sc.chunks && sc.size < EVTX_HEADER + (uint64_t)sc.chunks * EVTX_CHUNK) {
        uint64_t have = (sc.size - EVTX_HEADER) / EVTX_CHUNK;
        n->missing_chunks = sc.chunks - have;
        /* The records the header promised and we did not read: from the first chunk's first
         * record identifier to the header's next identifier. */
        if (sc.first_id && sc.next_id > sc.first_id && sc.next_id - sc.first_id > n->read)
            n->failed = sc.next_id - sc.first_id - n->read;
        rc = mm_error_set(
            err, MM_ERR_PARSE, path, 0, 0,
            "ファイルが途中で切れています: オフセット %llu で終わり、ヘッダーの "
            "%u チャンク中 %llu チャンクが欠けています。読めた %llu 件（最後の"
            "レコード番号 %llu）は取り込み、読めないレコード %llu 件を数えました "
            "(file cut short at offset %llu: %llu of %u chunks missing; %llu "
            "records read up to record %llu, %llu unreadable)",
            (unsigned long long)sc.size, (unsigned)sc.chunks, (unsigned long long)n->missing_chunks,
            (unsigned long long)n->read, (unsigned long long)max_id, (unsigned long long)n->failed,
            (unsigned long long)sc.size, (unsigned long long)n->missing_chunks, (unsigned)sc.chunks,
            (unsigned long long)n->read, (unsigned long long)max_id, (unsigned long long)n->failed);
        goto out;
    }
    if (n->failed) {
        char off[64] = "";
        if (have_off)
            snprintf(off, sizeof(off), "offset %llu, ", bad_off);
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "壊れたレコードがあります: %llu 件中 %llu 件を読めません（最初はレコード "
                          "%ld 番目）。読めた %llu 件は取り込みました (%llu of %llu records "
                          "unreadable, first: record %ld, %s%s)",
                          (unsigned long long)n->records, (unsigned long long)n->failed,
                          first_bad + 1, (unsigned long long)n->read, (unsigned long long)n->failed,
                          (unsigned long long)n->records, first_bad + 1, off, why);
        goto out;
    }
    if (sc.header_bad) {
        rc = mm_error_set(
            err, MM_ERR_PARSE, path, 0, 0,
            "オフセット 0: ファイルヘッダーのチェックサムが合いません（壊れているか"
            "改変されています）。読めた %llu 件は取り込みました (offset 0: file header "
            "checksum mismatch, damaged or altered; %llu records read)",
            (unsigned long long)n->read, (unsigned long long)n->read);
        goto out;
    }
    if (sc.bad_chunk >= 0) {
        const char *dirty_ja = sc.dirty
                                   ? "。ファイルは書き込み中の印 (dirty) 付きです: 使用中のログを"
                                     "コピーしたときは wevtutil epl で書き出し直してください"
                                   : "";
        const char *dirty_en = sc.dirty ? "; the file is marked dirty (copied while in use): "
                                          "export it with wevtutil epl instead"
                                        : "";
        rc = mm_error_set(err, MM_ERR_PARSE, path, 0, 0,
                          "チャンク %ld（オフセット %llu）のチェックサム (%s) が合いません。"
                          "レコード %llu〜%llu が壊れているか改変されています。読めた %llu 件は"
                          "取り込みました%s (chunk %ld at offset %llu: %s checksum mismatch; "
                          "records %llu-%llu damaged or altered; %llu records read%s)",
                          sc.bad_chunk, (unsigned long long)sc.bad_off, sc.bad_what,
                          (unsigned long long)sc.bad_first, (unsigned long long)sc.bad_last,
                          (unsigned long long)n->read, dirty_ja, sc.bad_chunk,
                          (unsigned long long)sc.bad_off, sc.bad_what,
                          (unsigned long long)sc.bad_first, (unsigned long long)sc.bad_last,
                          (unsigned long long)n->read, dirty_en);
        goto out;
    }
    rc = MM_OK;
out:
    libevtx_error_free(&le);
    libevtx_record_free(&rec, NULL);
    if (f) {
        libevtx_file_close(f, NULL);
        libevtx_file_free(&f, NULL);
    }
    free(xml);
    free(line);
    return rc;
}

/* ---- import into the store ------------------------------------------------------------- */

typedef struct evtx_import {
    mm_logsess *s;
    mm_parse_ctx *pc;
    const mm_log_parser *p;
    int pidx;
} evtx_import;

static mm_rc import_one(void *ud, const char *xml, size_t len, int truncated, mm_error *err)
{
    evtx_import *im = ud;
    return mm_logsess_message(im->s, im->pc, im->p, im->pidx, xml, len, truncated, err);
}

mm_rc mm_logsess_evtx(mm_logsess *s, const char *path, const char *device, mm_evtx_counts *n,
                      mm_error *err)
{
    evtx_import im;
    mm_rc rc;

    memset(n, 0, sizeof(*n));
    if (strcmp(path, "-") == 0)
        return mm_error_set(err, MM_ERR_INVALID, path, 0, 0,
                            ".evtx は標準入力からは読めません。ファイル名を指定してください (an "
                            ".evtx file cannot be read from standard input; give its path)");
    im.s = s;
    im.p = mm_log_parser_find("evtx", &im.pidx);
    if (!im.p)
        return mm_error_set(err, MM_ERR_INVALID, path, 0, 0, "the evtx parser is not registered");
    im.pc = mm_xmalloc(sizeof(*im.pc));
    mm_parse_ctx_init(im.pc, mm_logs_now_ms(), mm_logsess_conf(s)->tz_offset_min, device);
    rc = mm_evtx_read(path, MM_LOG_MAX_MSG_DEFAULT, import_one, &im, n, err);
    if (n->failed || n->missing_chunks)
        mm_logsess_dropped(s, n->failed);
    free(im.pc);
    return rc;
}

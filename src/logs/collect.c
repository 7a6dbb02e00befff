/*
 * The syslog collector: one poll loop over a UDP socket, TCP and TLS listeners and their
 * connections, and the followed files, plus a RELP thread, all feeding one log session. Every
 * message goes into the ingest journal (one write per batch) before it is processed or
 * acknowledged. TCP and TLS are never dropped: a connection is read only as fast as the
 * pipeline takes it, so a slow store pushes back through the kernel's window. UDP cannot push
 * back; its kernel drops are read from SO_RXQ_OVFL and counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect_int.h"

#define MAX_CONNS 256
#define UDP_MAX 65536
#define UDP_DRAIN 1024
#define TCP_CHUNK (1024 * 1024)
#define HANDSHAKE_SECONDS 30 /* a TLS client that has not finished its handshake by then is cut */
#define NLISTEN 3            /* poll slots before the connections: udp, tcp, tls */
#define JOURNAL_COMMIT_BYTES ((uint64_t)256 * 1024 * 1024) /* commit early past this much */

typedef struct conn {
    int fd;
    int tls;       /* accepted on the TLS port */
    int handshook; /* TLS: handshake done */
    double since;  /* accept time (monotonic) */
    gnutls_session_t sess;
    mm_framer fr;
    mm_parse_ctx *pc;
    char *buf;
} conn;

static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    char host[64];
    const char *colon = strrchr(s, ':');
    long port;
    if (!colon || (size_t)(colon - s) >= sizeof(host))
        return 0;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    if (mm_parse_long(colon + 1, 0, 65535, &port) != MM_OK)
        return 0;
    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host[0] ? host : "127.0.0.1", &sa->sin_addr) == 1;
}

static int open_sock(int type, const char *addr, char *bound, size_t boundsz, mm_error *err)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof(sa);
    int fd, one = 1;
    char ip[INET_ADDRSTRLEN];

    if (!parse_addr(addr, &sa)) {
        mm_error_set(err, MM_ERR_USAGE, addr, 0, 0,
                     "アドレスは ADDR:PORT の形で指定します (expected ADDR:PORT, IPv4)");
        return -1;
    }
    fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        mm_error_set(err, MM_ERR_IO, addr, 0, 0, "socket: %s", strerror(errno));
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (type == SOCK_DGRAM) {
        int rcv = 8 * 1024 * 1024;
        setsockopt(fd, SOL_SOCKET, SO_RXQ_OVFL, &one, sizeof(one));
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
        (type == SOCK_STREAM && listen(fd, 64) != 0) ||
        getsockname(fd, (struct sockaddr *)&sa, &sl) != 0) {
        mm_error_set(err, MM_ERR_IO, addr, 0, 0, "bind/listen: %s", strerror(errno));
        close(fd);
        return -1;
    }
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
    snprintf(bound, boundsz, "%s:%u", ip, (unsigned)ntohs(sa.sin_port));
    return fd;
}

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- batches ---- */

void mm_batch_init(mm_batch *b, const mm_collect_opts *o)
{
    memset(b, 0, sizeof(*b));
    mm_buf_init(&b->bytes, (size_t)128 * 1024 * 1024);
    b->pidx = o->pidx;
    b->device = o->device ? mm_sv_make(o->device, strlen(o->device)) : mm_sv_make("", 0);
}

void mm_batch_release(mm_batch *b)
{
    mm_buf_release(&b->bytes);
    free(b->it);
    memset(b, 0, sizeof(*b));
}

void mm_batch_add(mm_batch *b, mm_parse_ctx *pc, const char *msg, size_t len, int trunc,
                  const mm_batch_pos *pos)
{
    mm_batch_item *it;
    mm_jrec r;
    size_t off;

    r.flags = (trunc ? MM_JREC_TRUNCATED : 0) | (pos ? MM_JREC_POS : 0);
    r.pidx = b->pidx;
    r.recv_ms = pc->now_ms;
    r.device = b->device;
    r.path = pos ? mm_sv_make(pos->path, strlen(pos->path)) : mm_sv_make("", 0);
    r.dev = pos ? pos->dev : 0;
    r.ino = pos ? pos->ino : 0;
    r.off = pos ? pos->end : 0;
    r.msg = mm_sv_make(msg, len);
    /* callers bound a batch (one read, one UDP drain) far below the buffer's maximum */
    if (mm_journal_encode(&b->bytes, &r, &off) != MM_OK) {
        b->lost++;
        return;
    }
    if (b->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->it = mm_xrealloc(b->it, b->cap * sizeof(*b->it));
    }
    it = &b->it[b->n++];
    it->off = off;
    it->len = (uint32_t)len;
    it->trunc = (uint8_t)(trunc != 0);
    it->has_pos = pos != NULL;
    it->pc = pc;
    if (pos)
        it->pos = *pos;
}

mm_rc mm_coll_ingest(mm_coll *c, mm_batch *b, mm_error *err)
{
    const mm_collect_opts *o = c->o;
    mm_rc rc = MM_OK;

    if (b->n == 0 && b->lost == 0)
        return MM_OK;
    pthread_mutex_lock(&c->lock);
    mm_logsess_dropped(c->s, b->lost);
    c->unjournaled += b->lost;
    rc = mm_journal_write(c->j, b->bytes.data, b->bytes.len, b->n, err);
    if (rc != MM_OK) {
        mm_logsess_dropped(c->s, b->n);
        c->unjournaled += b->n;
        c->store_failed = 1;
        goto out;
    }
    for (size_t i = 0; rc == MM_OK && i < b->n; i++) {
        mm_batch_item *it = &b->it[i];
        rc = mm_logsess_message(c->s, it->pc, o->parser, o->pidx, b->bytes.data + it->off, it->len,
                                it->trunc, err);
        if (it->has_pos)
            mm_logsess_file_pos(c->s, it->pos.path, it->pos.dev, it->pos.ino, it->pos.end);
    }
    if (rc != MM_OK) /* refused by the store: it and the rest of the batch are in the journal */
        c->store_failed = 1;
    c->events += b->n;
out:
    pthread_mutex_unlock(&c->lock);
    mm_buf_reset(&b->bytes);
    b->n = 0;
    b->lost = 0;
    return rc;
}

/* ---- connections ---- */

static void conn_close(conn *c)
{
    if (c->sess) {
        if (c->handshook)
            gnutls_bye(c->sess, GNUTLS_SHUT_WR);
        gnutls_deinit(c->sess);
    }
    c->sess = NULL;
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    mm_framer_release(&c->fr);
    free(c->pc);
    free(c->buf);
    c->pc = NULL;
    c->buf = NULL;
}

/* Hands the framed messages of what was fed to the batch. */
static void frame_into(conn *c, mm_batch *b)
{
    const char *msg;
    size_t len;
    int trunc;
    while (mm_framer_next(&c->fr, &msg, &len, &trunc) == MM_OK)
        mm_batch_add(b, c->pc, msg, len, trunc, NULL);
}

/* End of a connection: its unterminated last message, and its bad frames. */
static mm_rc conn_finish(mm_coll *col, conn *c, mm_batch *b, mm_error *err)
{
    const char *msg;
    size_t len;
    int trunc;
    mm_rc rc;
    if (mm_framer_finish(&c->fr, &msg, &len, &trunc) == MM_OK)
        mm_batch_add(b, c->pc, msg, len, trunc, NULL);
    rc = mm_coll_ingest(col, b, err);
    pthread_mutex_lock(&col->lock);
    mm_logsess_dropped(col->s, c->fr.bad_frames);
    pthread_mutex_unlock(&col->lock);
    conn_close(c);
    return rc;
}

static void conn_reject(mm_coll *col, conn *c)
{
    pthread_mutex_lock(&col->lock);
    mm_logsess_rejected(col->s, 1);
    pthread_mutex_unlock(&col->lock);
    conn_close(c);
}

/* Reads what is ready on one connection (a few chunks: the rest waits in the kernel, which is
 * what pushes back on the sender). OUT: *more when TLS holds decrypted bytes still unread. */
static mm_rc conn_read(mm_coll *col, conn *c, mm_batch *b, int *more, mm_error *err)
{
    mm_rc rc = MM_OK;
    *more = 0;
    if (c->tls && !c->handshook) {
        int r = gnutls_handshake(c->sess);
        if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
            return MM_OK;
        if (r < 0) { /* plain text on the TLS port, a bad certificate, a protocol error */
            conn_reject(col, c);
            return MM_OK;
        }
        c->handshook = 1;
    }
    for (int k = 0; k < 8 && rc == MM_OK && c->fd >= 0; k++) {
        ssize_t n;
        if (c->tls) {
            n = gnutls_record_recv(c->sess, c->buf, TCP_CHUNK);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                break;
            if (n < 0 && gnutls_error_is_fatal((int)n) == 0)
                continue;
        } else {
            n = read(c->fd, c->buf, TCP_CHUNK);
            if (n < 0 && (errno == EAGAIN || errno == EINTR))
                break;
        }
        if (n <= 0)
            return conn_finish(col, c, b, err);
        mm_framer_feed(&c->fr, c->buf, (size_t)n);
        frame_into(c, b);
        rc = mm_coll_ingest(col, b, err);
        if (col->o->max_events > 0 && col->events >= col->o->max_events)
            break;
    }
    if (c->fd >= 0 && c->tls && gnutls_record_check_pending(c->sess) > 0)
        *more = 1;
    return rc;
}

typedef struct tls_ctx {
    gnutls_certificate_credentials_t cred;
    gnutls_priority_t prio;
} tls_ctx;

static mm_rc tls_setup(tls_ctx *t, const char *cert, const char *key, mm_error *err)
{
    int r;
    if (!cert || !key)
        return mm_error_set(err, MM_ERR_USAGE, NULL, 0, 0,
                            "TLS には --cert と --key が必要です (TLS needs --cert and --key)");
    if (gnutls_certificate_allocate_credentials(&t->cred) < 0)
        return mm_error_set(err, MM_ERR_NOMEM, NULL, 0, 0, "gnutls credentials");
    r = gnutls_certificate_set_x509_key_file(t->cred, cert, key, GNUTLS_X509_FMT_PEM);
    if (r < 0)
        return mm_error_set(err, MM_ERR_INVALID, cert, 0, 0,
                            "証明書か鍵を読めません (cannot load the certificate or key %s): %s",
                            key, gnutls_strerror(r));
    if (gnutls_priority_init(&t->prio, NULL, NULL) < 0)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "gnutls priority");
    return MM_OK;
}

static void tls_release(tls_ctx *t)
{
    if (t->prio)
        gnutls_priority_deinit(t->prio);
    if (t->cred)
        gnutls_certificate_free_credentials(t->cred);
}

static void accept_all(mm_coll *col, int lfd, int tls, tls_ctx *t, conn *conns)
{
    int cfd;
    const mm_logs_conf *conf = mm_logsess_conf(col->s);
    /* bounded: at most one accept per free slot plus the refused ones the backlog holds */
    for (int guard = 0; guard < MAX_CONNS + 64 && (cfd = accept(lfd, NULL, NULL)) >= 0; guard++) {
        conn *c = NULL;
        fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
        fcntl(cfd, F_SETFD, FD_CLOEXEC);
        for (int i = 0; i < MAX_CONNS; i++)
            if (conns[i].fd < 0) {
                c = &conns[i];
                break;
            }
        if (!c) { /* full: refuse; the sender retries (nothing was accepted) */
            close(cfd);
            continue;
        }
        memset(c, 0, sizeof(*c));
        c->fd = cfd;
        c->tls = tls;
        c->since = mono();
        mm_framer_init(&c->fr, MM_FRAME_AUTO, MM_LOG_MAX_MSG_DEFAULT);
        c->pc = mm_xmalloc(sizeof(mm_parse_ctx));
        mm_parse_ctx_init(c->pc, mm_logs_now_ms(), conf->tz_offset_min, col->o->device);
        c->buf = mm_xmalloc(TCP_CHUNK);
        if (tls) {
            if (gnutls_init(&c->sess, GNUTLS_SERVER | GNUTLS_NONBLOCK) < 0 ||
                gnutls_priority_set(c->sess, t->prio) < 0 ||
                gnutls_credentials_set(c->sess, GNUTLS_CRD_CERTIFICATE, t->cred) < 0) {
                conn_reject(col, c);
                continue;
            }
            gnutls_certificate_server_set_request(c->sess, GNUTLS_CERT_IGNORE);
            gnutls_transport_set_int(c->sess, cfd);
        }
    }
}

/* UDP: one datagram is one message; drains a bounded number, journaled as one batch. */
static mm_rc udp_drain(mm_coll *col, int ufd, char *ubuf, mm_parse_ctx *upc, uint32_t *last_ovfl,
                       mm_batch *b, mm_error *err)
{
    uint64_t dropped = 0;
    mm_rc rc;
    for (int k = 0; k < UDP_DRAIN; k++) {
        char cbuf[CMSG_SPACE(sizeof(uint32_t))];
        struct iovec iov = {ubuf, UDP_MAX};
        struct msghdr mh;
        struct cmsghdr *cm;
        ssize_t n;
        memset(&mh, 0, sizeof(mh));
        mh.msg_iov = &iov;
        mh.msg_iovlen = 1;
        mh.msg_control = cbuf;
        mh.msg_controllen = sizeof(cbuf);
        n = recvmsg(ufd, &mh, 0);
        if (n < 0)
            break;
        for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
            if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SO_RXQ_OVFL) {
                uint32_t ov;
                memcpy(&ov, CMSG_DATA(cm), sizeof(ov));
                if (ov > *last_ovfl)
                    dropped += ov - *last_ovfl;
                *last_ovfl = ov;
            }
        while (n > 0 && (ubuf[n - 1] == '\n' || ubuf[n - 1] == '\r' || ubuf[n - 1] == 0))
            n--;
        mm_batch_add(b, upc, ubuf, (size_t)n, (mh.msg_flags & MSG_TRUNC) != 0, NULL);
    }
    rc = mm_coll_ingest(col, b, err);
    if (dropped) {
        pthread_mutex_lock(&col->lock);
        mm_logsess_dropped(col->s, dropped);
        pthread_mutex_unlock(&col->lock);
    }
    return rc;
}

int mm_collect_has_input(const mm_collect_opts *o)
{
    return o->udp || o->tcp || o->tls || o->relp || o->nfollow > 0;
}

/* Whether the journal has grown past JOURNAL_COMMIT_BYTES: commit early so it stays bounded. */
static int journal_full(mm_coll *col)
{
    int full;
    pthread_mutex_lock(&col->lock);
    full = mm_journal_bytes(col->j) >= JOURNAL_COMMIT_BYTES;
    pthread_mutex_unlock(&col->lock);
    return full;
}

static mm_rc commit_locked(mm_coll *col, mm_error *err)
{
    mm_rc rc;
    pthread_mutex_lock(&col->lock);
    rc = mm_logsess_commit(col->s, err);
    if (rc != MM_OK)
        col->store_failed = 1;
    pthread_mutex_unlock(&col->lock);
    return rc;
}

mm_rc mm_collect_run(mm_logsess *s, const mm_collect_opts *o, mm_error *err)
{
    int ufd = -1, tfd = -1, sfd = -1;
    conn *conns = mm_xcalloc(MAX_CONNS, sizeof(conn));
    struct pollfd pfd[MAX_CONNS + NLISTEN];
    conn *pconn[MAX_CONNS + NLISTEN];
    char *ubuf = mm_xmalloc(UDP_MAX);
    mm_parse_ctx *upc = mm_xmalloc(sizeof(*upc));
    mm_follow *fol[MM_COLLECT_MAX_FOLLOW] = {0};
    uint32_t last_ovfl = 0;
    double start = mono(), last_commit = start, last_follow = 0;
    int follow_ms = o->follow_ms > 0 ? o->follow_ms : 200, more = 0;
    mm_rc rc = MM_OK;
    const mm_logs_conf *conf = mm_logsess_conf(s);
    char bound[64];
    mm_coll col;
    mm_batch b;
    tls_ctx tls;
    mm_relp *relp = NULL;

    memset(&col, 0, sizeof(col));
    atomic_init(&col.events, 0);
    memset(&tls, 0, sizeof(tls));
    col.s = s;
    col.o = o;
    col.j = mm_logsess_journal(s);
    mm_error_clear(&col.ferr);
    pthread_mutex_init(&col.lock, NULL);
    mm_batch_init(&b, o);
    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
    mm_parse_ctx_init(upc, mm_logs_now_ms(), conf->tz_offset_min, o->device);
    if (!col.j) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0, "the log session has no journal");
        goto out;
    }
    if (o->udp) {
        if ((ufd = open_sock(SOCK_DGRAM, o->udp, bound, sizeof(bound), err)) < 0) {
            rc = err->rc;
            goto out;
        }
        if (o->ready)
            o->ready(o->arg, "udp", bound);
    }
    if (o->tcp) {
        if ((tfd = open_sock(SOCK_STREAM, o->tcp, bound, sizeof(bound), err)) < 0) {
            rc = err->rc;
            goto out;
        }
        if (o->ready)
            o->ready(o->arg, "tcp", bound);
    }
    if (o->tls) {
        if ((rc = tls_setup(&tls, o->cert, o->key, err)) != MM_OK)
            goto out;
        if ((sfd = open_sock(SOCK_STREAM, o->tls, bound, sizeof(bound), err)) < 0) {
            rc = err->rc;
            goto out;
        }
        if (o->ready)
            o->ready(o->arg, "tls", bound);
    }
    if (o->relp) {
        if ((rc = mm_relp_start(&col, o->relp, &relp, err)) != MM_OK)
            goto out;
        if (o->ready)
            o->ready(o->arg, "relp", o->relp);
    }
    for (int i = 0; i < o->nfollow && i < MM_COLLECT_MAX_FOLLOW; i++) {
        fol[i] = mm_follow_new(&col, o->follow[i]);
        if (o->ready)
            o->ready(o->arg, "file", o->follow[i]);
    }
    while (!(o->stop && *o->stop)) {
        int np = 0, r;
        double now = mono();
        if (o->max_seconds > 0 && now - start >= (double)o->max_seconds)
            break;
        if (o->max_events > 0 && col.events >= o->max_events)
            break;
        pthread_mutex_lock(&col.lock);
        if (col.failed) { /* the RELP thread met an error it could not answer with */
            rc = col.failed;
            *err = col.ferr;
        }
        pthread_mutex_unlock(&col.lock);
        if (rc != MM_OK)
            break;
        if (now - last_commit >= (double)(o->commit_seconds > 0 ? o->commit_seconds : 60) ||
            journal_full(&col)) {
            if ((rc = commit_locked(&col, err)) != MM_OK)
                break;
            last_commit = now;
        }
        if (o->nfollow > 0 && (now - last_follow) * 1000.0 >= follow_ms) {
            for (int i = 0; rc == MM_OK && i < o->nfollow; i++)
                rc = mm_follow_poll(&col, fol[i], err);
            if (rc != MM_OK)
                break;
            last_follow = now;
        }
        if (ufd >= 0) {
            pconn[np] = NULL;
            pfd[np++] = (struct pollfd){ufd, POLLIN, 0};
        }
        if (tfd >= 0) {
            pconn[np] = NULL;
            pfd[np++] = (struct pollfd){tfd, POLLIN, 0};
        }
        if (sfd >= 0) {
            pconn[np] = NULL;
            pfd[np++] = (struct pollfd){sfd, POLLIN, 0};
        }
        for (int i = 0; i < MAX_CONNS; i++)
            if (conns[i].fd >= 0) {
                conn *c = &conns[i];
                short ev = POLLIN;
                if (c->tls && !c->handshook && gnutls_record_get_direction(c->sess) == 1)
                    ev = POLLOUT;
                if (c->tls && !c->handshook && now - c->since > HANDSHAKE_SECONDS) {
                    conn_reject(&col, c);
                    continue;
                }
                pconn[np] = c;
                pfd[np++] = (struct pollfd){c->fd, ev, 0};
            }
        r = poll(pfd, (nfds_t)np, more ? 0 : (o->nfollow > 0 ? follow_ms : 200));
        more = 0;
        { /* the receive time of lines without one */
            int64_t t = mm_logs_now_ms();
            upc->now_ms = t;
            for (int i = 0; i < MAX_CONNS; i++)
                if (conns[i].fd >= 0)
                    conns[i].pc->now_ms = t;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = mm_error_set(err, MM_ERR_IO, "poll", 0, 0, "%s", strerror(errno));
            break;
        }
        for (int p = 0; p < np && rc == MM_OK; p++) {
            conn *c = pconn[p];
            int m = 0;
            if (!c) {
                if (!(pfd[p].revents & POLLIN))
                    continue;
                if (pfd[p].fd == ufd)
                    rc = udp_drain(&col, ufd, ubuf, upc, &last_ovfl, &b, err);
                else
                    accept_all(&col, pfd[p].fd, pfd[p].fd == sfd, &tls, conns);
                continue;
            }
            if (c->fd < 0 || !(pfd[p].revents & (POLLIN | POLLOUT | POLLHUP | POLLERR)))
                continue;
            rc = conn_read(&col, c, &b, &m, err);
            more |= m;
        }
        /* TLS records already decrypted wait in GnuTLS, not in the kernel: read them now */
        for (int i = 0; more && rc == MM_OK && i < MAX_CONNS; i++)
            if (conns[i].fd >= 0 && conns[i].tls && conns[i].handshook &&
                gnutls_record_check_pending(conns[i].sess) > 0) {
                int m = 0;
                rc = conn_read(&col, &conns[i], &b, &m, err);
            }
        if (rc != MM_OK)
            break;
    }
out:
    mm_relp_stop(&relp); /* joined: from here on this thread alone uses the session */
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd >= 0) {
            mm_error e2;
            mm_error_clear(&e2);
            if (conns[i].tls && !conns[i].handshook) {
                conn_close(&conns[i]);
                continue;
            }
            if (rc == MM_OK)
                rc = conn_finish(&col, &conns[i], &b, err);
            else
                conn_finish(&col, &conns[i], &b, &e2);
        }
    for (int i = 0; i < MM_COLLECT_MAX_FOLLOW; i++)
        mm_follow_free(&fol[i]);
    if (col.j && !col.store_failed) {
        mm_error e2;
        mm_error_clear(&e2);
        if (mm_logsess_commit(s, rc == MM_OK ? err : &e2) != MM_OK) {
            col.store_failed = 1;
            if (rc == MM_OK)
                rc = err->rc ? err->rc : MM_ERR_IO;
        }
    }
    if (col.j && col.store_failed) {
        /* the store could not take more (a full disk): stop as after a crash. What the
         * journal holds is stored and counted by the next start's replay; only what never
         * reached the journal, and the alarm, are recorded now */
        mm_error e2;
        mm_error_clear(&e2);
        mm_logsess_record_lost(s, col.unjournaled, &e2);
    }
    if (ufd >= 0)
        close(ufd);
    if (tfd >= 0)
        close(tfd);
    if (sfd >= 0)
        close(sfd);
    tls_release(&tls);
    mm_batch_release(&b);
    pthread_mutex_destroy(&col.lock);
    free(conns);
    free(ubuf);
    free(upc);
    return rc;
}

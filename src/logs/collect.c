/*
 * The syslog collector: one poll loop over a UDP socket, a TCP listener and its connections,
 * feeding the same session as `logs import`. TCP is never dropped: a connection is read only
 * as fast as the pipeline takes it, so a slow store pushes back through the kernel's window.
 * UDP cannot push back; its kernel drops are read from SO_RXQ_OVFL and counted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "collect.h"
#include "logs_int.h"

#define MAX_CONNS 256
#define UDP_MAX 65536
#define TCP_CHUNK (1024 * 1024)

typedef struct conn {
    int fd;
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

static void conn_close(conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    mm_framer_release(&c->fr);
    free(c->pc);
    free(c->buf);
    c->pc = NULL;
    c->buf = NULL;
}

mm_rc mm_collect_run(mm_logsess *s, const mm_collect_opts *o, mm_error *err)
{
    int ufd = -1, tfd = -1;
    conn conns[MAX_CONNS];
    struct pollfd pfd[MAX_CONNS + 2];
    char *ubuf = mm_xmalloc(UDP_MAX);
    mm_parse_ctx *upc = mm_xmalloc(sizeof(*upc));
    uint32_t last_ovfl = 0;
    double start = mono(), last_commit = start;
    uint64_t events = 0;
    mm_rc rc = MM_OK;
    const mm_logs_conf *conf = mm_logsess_conf(s);
    char bound[64];

    for (int i = 0; i < MAX_CONNS; i++)
        conns[i].fd = -1;
    mm_parse_ctx_init(upc, mm_logs_now_ms(), conf->tz_offset_min, o->device);
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
    while (!(o->stop && *o->stop)) {
        int np = 0, r;
        double now = mono();
        if (o->max_seconds > 0 && now - start >= (double)o->max_seconds)
            break;
        if (o->max_events > 0 && events >= o->max_events)
            break;
        if (now - last_commit >= (double)(o->commit_seconds > 0 ? o->commit_seconds : 60)) {
            if ((rc = mm_logsess_commit(s, err)) != MM_OK)
                break;
            last_commit = now;
        }
        if (ufd >= 0)
            pfd[np++] = (struct pollfd){ufd, POLLIN, 0};
        if (tfd >= 0)
            pfd[np++] = (struct pollfd){tfd, POLLIN, 0};
        for (int i = 0; i < MAX_CONNS; i++)
            if (conns[i].fd >= 0)
                pfd[np++] = (struct pollfd){conns[i].fd, POLLIN, 0};
        r = poll(pfd, (nfds_t)np, 200);
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
        if (r == 0)
            continue;
        /* UDP: one datagram is one message; drain up to a bounded number per round */
        if (ufd >= 0 && (pfd[0].revents & POLLIN)) {
            for (int k = 0; k < 1024 && rc == MM_OK; k++) {
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
                        if (ov > last_ovfl)
                            mm_logsess_dropped(s, ov - last_ovfl);
                        last_ovfl = ov;
                    }
                while (n > 0 && (ubuf[n - 1] == '\n' || ubuf[n - 1] == '\r' || ubuf[n - 1] == 0))
                    n--;
                rc = mm_logsess_message(s, upc, o->parser, o->pidx, ubuf, (size_t)n,
                                        (mh.msg_flags & MSG_TRUNC) != 0, err);
                events++;
            }
        }
        /* TCP: accept */
        if (tfd >= 0 && (pfd[ufd >= 0 ? 1 : 0].revents & POLLIN)) {
            int cfd;
            while ((cfd = accept(tfd, NULL, NULL)) >= 0) {
                int slot = -1;
                fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
                fcntl(cfd, F_SETFD, FD_CLOEXEC);
                for (int i = 0; i < MAX_CONNS; i++)
                    if (conns[i].fd < 0) {
                        slot = i;
                        break;
                    }
                if (slot < 0) { /* full: refuse; the sender retries (nothing was accepted) */
                    close(cfd);
                    continue;
                }
                conns[slot].fd = cfd;
                mm_framer_init(&conns[slot].fr, MM_FRAME_AUTO, MM_LOG_MAX_MSG_DEFAULT);
                conns[slot].pc = mm_xmalloc(sizeof(mm_parse_ctx));
                mm_parse_ctx_init(conns[slot].pc, mm_logs_now_ms(), conf->tz_offset_min, o->device);
                conns[slot].buf = mm_xmalloc(TCP_CHUNK);
            }
        }
        /* TCP: read what is ready, one chunk per connection per round */
        for (int p = (ufd >= 0) + (tfd >= 0); p < np && rc == MM_OK; p++) {
            conn *c = NULL;
            ssize_t n;
            const char *msg;
            size_t len;
            int trunc;
            if (!(pfd[p].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            for (int i = 0; i < MAX_CONNS; i++)
                if (conns[i].fd == pfd[p].fd)
                    c = &conns[i];
            if (!c)
                continue;
            /* a few chunks per round while data is there; the rest waits in the kernel, which
             * is what pushes back on the sender */
            for (int k = 0; k < 8 && rc == MM_OK && c->fd >= 0; k++) {
                n = read(c->fd, c->buf, TCP_CHUNK);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                    break;
                if (n <= 0) {
                    if (mm_framer_finish(&c->fr, &msg, &len, &trunc) == MM_OK)
                        rc = mm_logsess_message(s, c->pc, o->parser, o->pidx, msg, len, trunc, err);
                    mm_logsess_dropped(s, c->fr.bad_frames);
                    conn_close(c);
                    break;
                }
                mm_framer_feed(&c->fr, c->buf, (size_t)n);
                while (rc == MM_OK && mm_framer_next(&c->fr, &msg, &len, &trunc) == MM_OK) {
                    rc = mm_logsess_message(s, c->pc, o->parser, o->pidx, msg, len, trunc, err);
                    events++;
                }
                if (o->max_events > 0 && events >= o->max_events)
                    break;
            }
        }
        if (rc != MM_OK)
            break;
    }
    /* drain nothing more; what was received is committed below */
    for (int i = 0; i < MAX_CONNS; i++)
        if (conns[i].fd >= 0) {
            const char *msg;
            size_t len;
            int trunc;
            if (mm_framer_finish(&conns[i].fr, &msg, &len, &trunc) == MM_OK && rc == MM_OK)
                rc = mm_logsess_message(s, conns[i].pc, o->parser, o->pidx, msg, len, trunc, err);
            mm_logsess_dropped(s, conns[i].fr.bad_frames);
            conn_close(&conns[i]);
        }
    {
        mm_error e2;
        mm_error_clear(&e2);
        if (mm_logsess_commit(s, rc == MM_OK ? err : &e2) != MM_OK && rc == MM_OK)
            rc = err->rc ? err->rc : MM_ERR_IO;
    }
out:
    if (ufd >= 0)
        close(ufd);
    if (tfd >= 0)
        close(tfd);
    free(ubuf);
    free(upc);
    return rc;
}

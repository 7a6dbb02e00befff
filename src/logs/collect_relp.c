/*
 * RELP input (librelp): a listener in its own thread. Each syslog frame is written to the
 * ingest journal and run through the session before the callback returns, and librelp sends
 * the "200 OK" acknowledgement only after that; a message that could not be journaled is
 * answered with an error so the sender keeps it and retries.
 */
#include <errno.h>
#include <stddef.h>

#include <librelp.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "collect_int.h"

struct mm_relp {
    mm_coll *col;
    relpEngine_t *eng;
    pthread_t th;
    int started;
    atomic_int done;   /* the thread left relpEngineRun */
    atomic_int parked; /* the thread is held in the callback after a journal error */
    mm_parse_ctx *pc;
    mm_batch b;
    char host[64], port[16];
};

static void on_wake(int sig)
{
    (void)sig; /* only interrupts epoll_wait in the RELP thread */
}

static void dbg_none(char *fmt, ...)
{
    (void)fmt;
}

static relpRetVal on_syslog(void *usr, unsigned char *host, unsigned char *ip, unsigned char *msg,
                            size_t len)
{
    mm_relp *r = usr;
    mm_error err;
    mm_rc rc;
    (void)host;
    (void)ip;

    mm_error_clear(&err);
    while (len > 0 && (msg[len - 1] == '\n' || msg[len - 1] == '\r'))
        len--;
    r->pc->now_ms = mm_logs_now_ms();
    if (len > MM_LOG_MAX_MSG_DEFAULT)
        mm_batch_add(&r->b, r->pc, (const char *)msg, MM_LOG_MAX_MSG_DEFAULT, 1, NULL);
    else
        mm_batch_add(&r->b, r->pc, (const char *)msg, len, 0, NULL);
    rc = mm_coll_ingest(r->col, &r->b, &err);
    if (rc == MM_OK)
        return RELP_RET_OK;
    pthread_mutex_lock(&r->col->lock);
    if (!r->col->failed) { /* the poll loop stops and reports it */
        r->col->ferr = err;
        r->col->failed = rc;
    }
    pthread_mutex_unlock(&r->col->lock);
    /* librelp answers "200 OK" whatever this returns, and this message is not in the journal:
     * never return. The thread parks; mm_relp_stop leaves it, and the process exit closes the
     * connection unacknowledged, so the sender keeps the message and resends it. */
    r->parked = 1;
    for (int i = 0; i < 36000; i++) { /* bounded: an hour, far beyond the process's exit */
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return RELP_RET_IO_ERR;
}

/* librelp reports a broken or invalid session (garbage on the port, a client that breaks the
 * protocol): counted as a rejected connection. Called in the RELP thread. */
static void on_err(void *usr, char *objinfo, char *errmsg, relpRetVal code)
{
    mm_relp *r = usr;
    (void)objinfo;
    (void)errmsg;
    (void)code;
    if (!r)
        return;
    pthread_mutex_lock(&r->col->lock);
    mm_logsess_rejected(r->col->s, 1);
    pthread_mutex_unlock(&r->col->lock);
}

static void *relp_main(void *arg)
{
    mm_relp *r = arg;
    relpEngineRun(r->eng);
    r->done = 1;
    return NULL;
}

mm_rc mm_relp_start(mm_coll *c, const char *addr, mm_relp **out, mm_error *err)
{
    mm_relp *r = mm_xcalloc(1, sizeof(*r));
    relpSrv_t *srv = NULL;
    const char *colon = strrchr(addr, ':');
    long port;
    struct sigaction sa;
    sigset_t block, old;
    mm_rc rc = MM_OK;

    *out = NULL;
    r->col = c;
    mm_batch_init(&r->b, c->o);
    r->pc = mm_xmalloc(sizeof(*r->pc));
    mm_parse_ctx_init(r->pc, mm_logs_now_ms(), mm_logsess_conf(c->s)->tz_offset_min, c->o->device);
    if (!colon || (size_t)(colon - addr) >= sizeof(r->host) ||
        mm_parse_long(colon + 1, 1, 65535, &port) != MM_OK) {
        rc = mm_error_set(err, MM_ERR_USAGE, addr, 0, 0,
                          "RELP のアドレスは ADDR:PORT (PORT 1-65535) で指定します (expected "
                          "ADDR:PORT with a port from 1 to 65535)");
        goto fail;
    }
    memcpy(r->host, addr, (size_t)(colon - addr));
    r->host[colon - addr] = '\0';
    snprintf(r->port, sizeof(r->port), "%ld", port);
    if (relpEngineConstruct(&r->eng) != RELP_RET_OK ||
        relpEngineSetDbgprint(r->eng, dbg_none) != RELP_RET_OK ||
        relpEngineSetEnableCmd(r->eng, (unsigned char *)"syslog", eRelpCmdState_Required) !=
            RELP_RET_OK ||
        relpEngineSetDnsLookupMode(r->eng, 0) != RELP_RET_OK ||
        relpEngineSetSyslogRcv2(r->eng, on_syslog) != RELP_RET_OK ||
        relpEngineSetOnErr(r->eng, on_err) != RELP_RET_OK ||
        relpEngineListnerConstruct(r->eng, &srv) != RELP_RET_OK ||
        relpSrvSetLstnPort(srv, (unsigned char *)r->port) != RELP_RET_OK ||
        (r->host[0] && relpSrvSetLstnAddr(srv, (unsigned char *)r->host) != RELP_RET_OK) ||
        relpSrvSetUsrPtr(srv, r) != RELP_RET_OK ||
        relpEngineListnerConstructFinalize(r->eng, srv) != RELP_RET_OK) {
        rc = mm_error_set(err, MM_ERR_IO, addr, 0, 0,
                          "RELP で待ち受けできません（使用中か権限がありません） (cannot listen "
                          "for RELP on %s: in use or not permitted)",
                          addr);
        goto fail;
    }
    /* SIGUSR1 wakes the thread out of epoll_wait at stop; only that thread takes it */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_wake;
    sigaction(SIGUSR1, &sa, NULL);
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    if (pthread_create(&r->th, NULL, relp_main, r) != 0) {
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        rc = mm_error_set(err, MM_ERR_IO, addr, 0, 0, "pthread_create: %s", strerror(errno));
        goto fail;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    r->started = 1;
    *out = r;
    return MM_OK;
fail:
    mm_relp_stop(&r);
    return rc;
}

void mm_relp_stop(mm_relp **p)
{
    mm_relp *r = p ? *p : NULL;
    if (!r)
        return;
    if (r->started && r->parked) {
        /* held on purpose (see on_syslog): leave it and its engine to the process exit */
        *p = NULL;
        return;
    }
    if (r->started) {
        relpEngineSetStop(r->eng);
        /* the engine waits in epoll_wait without a timeout: interrupt it until it leaves
         * (bounded: 600 × 50 ms) */
        for (int i = 0; i < 600 && !r->done; i++) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            pthread_kill(r->th, SIGUSR1);
            nanosleep(&ts, NULL);
        }
        pthread_join(r->th, NULL);
    }
    if (r->eng)
        relpEngineDestruct(&r->eng);
    mm_batch_release(&r->b);
    free(r->pc);
    free(r);
    *p = NULL;
}

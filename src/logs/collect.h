/*
 * The foreground syslog collector (`mamori collect`): UDP and TCP (newline or RFC 6587 octet
 * counting) on IPv4, into a log session. TLS, RELP and file follow are not here yet.
 */
#ifndef MM_COLLECT_H
#define MM_COLLECT_H

#include <signal.h>

#include "logs.h"

typedef struct mm_collect_opts {
    const char *udp, *tcp; /* "ADDR:PORT" or NULL; port 0 picks a free one */
    const mm_log_parser *parser;
    int pidx;
    const char *device;          /* --device, or NULL */
    long max_seconds;            /* stop after this long (0 = never) */
    uint64_t max_events;         /* stop after this many messages (0 = never) */
    int commit_seconds;          /* seal and record this often (default 60) */
    volatile sig_atomic_t *stop; /* set by a signal handler */
    /* Called once per input when it listens, with its bound address ("127.0.0.1:5514"). */
    void (*ready)(void *arg, const char *proto, const char *bound);
    void *arg;
} mm_collect_opts;

/* Runs until *stop, max_seconds or max_events; commits at the end. */
mm_rc mm_collect_run(mm_logsess *s, const mm_collect_opts *o, mm_error *err);

#endif

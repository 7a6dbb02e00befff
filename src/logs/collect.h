/*
 * The syslog collector (`mamori collect`, and `mamori serve` from [collect] of mamori.conf):
 * UDP, TCP (newline or RFC 6587 octet counting), TLS (RFC 5425, GnuTLS), RELP (librelp, with
 * acknowledgements) and followed files (tail -F, rotation, positions kept in the workspace),
 * all into one log session. Every message is in the ingest journal (journal.h) before it is
 * acknowledged or processed.
 */
#ifndef MM_COLLECT_H
#define MM_COLLECT_H

#include <signal.h>
#include <stdatomic.h>

#include "logs.h"

#define MM_COLLECT_MAX_FOLLOW 64

typedef struct mm_collect_opts {
    const char *udp, *tcp; /* "ADDR:PORT" or NULL; port 0 picks a free one */
    const char *tls;       /* "ADDR:PORT" or NULL; needs cert and key (PEM files) */
    const char *cert, *key;
    const char *relp;                          /* "ADDR:PORT" or NULL (port must not be 0) */
    const char *follow[MM_COLLECT_MAX_FOLLOW]; /* files to follow */
    int nfollow;
    int follow_ms; /* how often followed files are checked (default 200) */
    const mm_log_parser *parser;
    int pidx;
    const char *device;  /* --device, or NULL */
    long max_seconds;    /* stop after this long (0 = never) */
    uint64_t max_events; /* stop after this many messages (0 = never) */
    int commit_seconds;  /* seal and record this often (default 60) */
    atomic_int *stop;    /* set by a signal handler or another thread (lock-free atomic) */
    /* Called once per input when it listens, with its bound address ("127.0.0.1:5514"). */
    void (*ready)(void *arg, const char *proto, const char *bound);
    void *arg;
} mm_collect_opts;

/* Runs until *stop, max_seconds or max_events; commits at the end. Threads: it starts one for
 * RELP and joins it before returning; s must not be used by anyone else meanwhile. */
mm_rc mm_collect_run(mm_logsess *s, const mm_collect_opts *o, mm_error *err);

/* Whether opts name at least one input. */
int mm_collect_has_input(const mm_collect_opts *o);

/* Reads [collect] of the config file at conf_path into o (udp, tcp, tls, relp, cert, key,
 * follow = one path per key, format, device, commit_seconds); strings are kept in *strings
 * (caller frees with mm_collect_conf_release). MM_ERR_PARSE names the line. */
typedef struct mm_collect_conf {
    char *strs[MM_COLLECT_MAX_FOLLOW + 16];
    int n;
} mm_collect_conf;
mm_rc mm_collect_conf_load(const char *conf_path, mm_collect_opts *o, mm_collect_conf *keep,
                           mm_error *err);
void mm_collect_conf_release(mm_collect_conf *keep);

#endif

/*
 * `mamori serve`: the web UI and JSON API over the workspace's store. The listen address comes
 * from --listen, else mamori.conf [serve] listen, else 127.0.0.1:8080; HTTPS with --cert and
 * --key (or [serve] cert / key). When mamori.conf has a [collect] section naming inputs, the
 * log collector runs in a thread of its own with its own store connection; SIGINT / SIGTERM
 * stop both, and the collector seals what it received.
 */
#include <getopt.h>
#include <ini.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "collect.h"
#include "web.h"

/* The collector thread of `mamori serve`. */
typedef struct serve_collector {
    mm_collect_opts o;
    mm_collect_conf keep;
    mm_store *st; /* its own connection */
    mm_logsess *s;
    pthread_t th;
    atomic_int stop; /* set by the main thread to stop the collector */
    mm_rc rc;
    mm_error err;
} serve_collector;

static void collector_ready(void *arg, const char *proto, const char *bound)
{
    (void)arg;
    printf("mamori: listening %s %s\n", proto, bound);
    fflush(stdout);
}

static void *collector_main(void *arg)
{
    serve_collector *c = arg;
    c->rc = mm_collect_run(c->s, &c->o, &c->err);
    if (c->rc != MM_OK && !atomic_load(&c->stop)) /* a port in use, a disk error: stop the server
                                      too, so nobody believes logs are being collected */
        kill(getpid(), SIGTERM);
    return NULL;
}

/* Starts the collector when [collect] names an input. OUT: *out (NULL when there is none). */
static mm_rc collector_start(mm_ws *ws, serve_collector **out, mm_error *err)
{
    serve_collector *c = mm_xcalloc(1, sizeof(*c));
    mm_buf notices;
    sigset_t set;
    mm_rc rc;

    *out = NULL;
    mm_buf_init(&notices, 0);
    mm_error_clear(&c->err);
    c->o.parser = mm_log_parser_find("syslog", &c->o.pidx);
    if ((rc = mm_collect_conf_load(ws->conf_path, &c->o, &c->keep, err)) != MM_OK)
        goto fail;
    if (!mm_collect_has_input(&c->o))
        goto fail; /* rc == MM_OK: no collector */
    if (c->o.tls && (!c->o.cert || !c->o.key)) {
        rc = mm_error_set(err, MM_ERR_PARSE, ws->conf_path, 0, 0,
                          "[collect] tls には cert と key が必要です (tls needs cert and key)");
        goto fail;
    }
    if ((rc = mm_store_open(ws->db_path, 0, &c->st, err)) != MM_OK ||
        (rc = mm_logsess_open(ws->dir, c->st, &notices, &c->s, err)) != MM_OK)
        goto fail;
    fputs(mm_buf_str(&notices), stderr);
    c->o.stop = &c->stop;
    c->o.ready = collector_ready;
    /* the web server takes SIGINT / SIGTERM with sigwait: no other thread may take them */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    if (pthread_create(&c->th, NULL, collector_main, c) != 0) {
        rc = mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "cannot start the collector thread");
        goto fail;
    }
    mm_buf_release(&notices);
    *out = c;
    return MM_OK;
fail:
    fputs(mm_buf_str(&notices), stderr);
    mm_buf_release(&notices);
    mm_logsess_free(&c->s);
    mm_store_close(&c->st);
    mm_collect_conf_release(&c->keep);
    free(c);
    return rc;
}

/* Stops the collector, waits for its seal, reports its counts. Returns its result. */
static mm_rc collector_stop(serve_collector **p, mm_error *err)
{
    serve_collector *c = *p;
    mm_rc rc;
    const mm_logs_counts *n;
    if (!c)
        return MM_OK;
    atomic_store(&c->stop, 1);
    pthread_join(c->th, NULL);
    rc = c->rc;
    if (rc != MM_OK)
        *err = c->err;
    n = mm_logsess_counts(c->s);
    fprintf(stderr,
            "mamori serve: collector stopped; received %llu, stored %llu, unparsed %llu, dropped "
            "%llu, rejected %llu\n",
            (unsigned long long)n->received, (unsigned long long)n->stored,
            (unsigned long long)n->unparsed, (unsigned long long)n->dropped,
            (unsigned long long)n->rejected);
    mm_logsess_free(&c->s);
    mm_store_close(&c->st);
    mm_collect_conf_release(&c->keep);
    free(c);
    *p = NULL;
    return rc;
}

typedef struct serve_conf {
    char listen[256];
    char cert[4096];
    char key[4096];
} serve_conf;

static int serve_conf_handler(void *user, const char *section, const char *name, const char *value)
{
    serve_conf *c = user;

    if (strcmp(section, "serve") != 0 || !value[0])
        return 1;
    if (strcmp(name, "listen") == 0)
        mm_strlcpy(c->listen, value, sizeof(c->listen));
    else if (strcmp(name, "cert") == 0)
        mm_strlcpy(c->cert, value, sizeof(c->cert));
    else if (strcmp(name, "key") == 0)
        mm_strlcpy(c->key, value, sizeof(c->key));
    return 1;
}

int mm_cli_serve(mm_ws *ws, const char *listen, const char *cert, const char *key, int threads)
{
    serve_conf sc;
    mm_web_config c;
    mm_error err, cerr;
    serve_collector *col = NULL;
    mm_rc rc;

    mm_error_clear(&err);
    mm_error_clear(&cerr);
    memset(&sc, 0, sizeof(sc));
    ini_parse(ws->conf_path, serve_conf_handler, &sc); /* a missing file keeps the defaults */
    mm_web_config_defaults(&c);
    if (listen)
        mm_strlcpy(c.listen, listen, sizeof(c.listen));
    else if (sc.listen[0])
        mm_strlcpy(c.listen, sc.listen, sizeof(c.listen));
    c.cert_path = cert ? cert : sc.cert[0] ? sc.cert : NULL;
    c.key_path = key ? key : sc.key[0] ? sc.key : NULL;
    c.threads = threads;
    c.eval_unused_days = ws->unused_account_days;
    if (collector_start(ws, &col, &err) != MM_OK)
        return mm_cli_fail(&err);
    rc = mm_web_serve(&c, ws->st, ws->cat, ws->default_version, ws->dir, &err);
    if (collector_stop(&col, &cerr) != MM_OK)
        return mm_cli_fail(&cerr);
    if (rc != MM_OK)
        return mm_cli_fail(&err);
    return MM_EXIT_OK;
}

int mm_cmd_serve(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"listen", required_argument, NULL, 'l'},
                                         {"cert", required_argument, NULL, 'c'},
                                         {"key", required_argument, NULL, 'k'},
                                         {"threads", required_argument, NULL, 't'},
                                         {"list-routes", no_argument, NULL, 'R'},
                                         {"json", no_argument, NULL, 'j'},
                                         {0}};
    const char *listen = NULL, *cert = NULL, *key = NULL;
    int c, list = 0, json = 0, code, threads = 0;
    mm_error err;
    mm_ws ws;
    long v;

    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'l': listen = optarg; break;
        case 'c': cert = optarg; break;
        case 'k': key = optarg; break;
        case 't':
            if (mm_parse_long(optarg, 1, 64, &v) != MM_OK)
                return mm_cli_usage("serve", "--threads は 1〜64 です");
            threads = (int)v;
            break;
        case 'R': list = 1; break;
        case 'j': json = 1; break;
        default: return mm_cli_usage("serve", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("serve", "unexpected argument '%s'", argv[optind]);
    if (list) {
        mm_buf b;
        mm_buf_init(&b, 0);
        mm_web_routes_write(&b, json);
        fputs(mm_buf_str(&b), stdout);
        mm_buf_release(&b);
        return MM_EXIT_OK;
    }
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    code = mm_cli_serve(&ws, listen, cert, key, threads);
    mm_ws_close(&ws);
    return code;
}

/*
 * `mamori collect`: the syslog collector in the foreground (UDP, TCP, TLS, RELP, followed
 * files), for a small hospital that wants no other daemon, and for the benchmark against
 * rsyslog. Stops on Ctrl-C or SIGTERM and seals what it received; a crash loses nothing that
 * reached the journal (replayed at the next start).
 */
#include <getopt.h>
#include <signal.h>

#include "cli.h"
#include "collect.h"

static atomic_int stop_flag; /* lock-free, so safe to store from the handler */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free");

static void on_signal(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

static void ready(void *arg, const char *proto, const char *bound)
{
    (void)arg;
    printf("mamori: listening %s %s\n", proto, bound);
    fflush(stdout);
}

int mm_cmd_collect(const mm_globals *g, int argc, char **argv)
{
    static const struct option opts[] = {{"udp", required_argument, NULL, 'u'},
                                         {"tcp", required_argument, NULL, 't'},
                                         {"tls", required_argument, NULL, 'T'},
                                         {"relp", required_argument, NULL, 'r'},
                                         {"cert", required_argument, NULL, 'C'},
                                         {"key", required_argument, NULL, 'K'},
                                         {"follow", required_argument, NULL, 'F'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"device", required_argument, NULL, 'd'},
                                         {"max-seconds", required_argument, NULL, 's'},
                                         {"max-events", required_argument, NULL, 'e'},
                                         {"commit-seconds", required_argument, NULL, 'c'},
                                         {0}};
    mm_collect_opts o;
    const char *format = "syslog";
    int c, code = MM_EXIT_OK;
    long v;
    mm_ws ws;
    mm_error err;
    mm_logsess *s = NULL;
    mm_buf notices;
    mm_collect_conf keep;
    struct sigaction sa;
    const mm_logs_counts *n;

    memset(&o, 0, sizeof(o));
    mm_error_clear(&err);
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'u': o.udp = optarg; break;
        case 't': o.tcp = optarg; break;
        case 'T': o.tls = optarg; break;
        case 'r': o.relp = optarg; break;
        case 'C': o.cert = optarg; break;
        case 'K': o.key = optarg; break;
        case 'F':
            if (o.nfollow >= MM_COLLECT_MAX_FOLLOW)
                return mm_cli_usage("collect", "--follow: at most %d files", MM_COLLECT_MAX_FOLLOW);
            o.follow[o.nfollow++] = optarg;
            break;
        case 'f': format = optarg; break;
        case 'd': o.device = optarg; break;
        case 's':
        case 'e':
        case 'c':
            if (mm_parse_long(optarg, 1, 1000000000L, &v) != MM_OK)
                return mm_cli_usage("collect", "--%s takes a positive number",
                                    c == 's'   ? "max-seconds"
                                    : c == 'e' ? "max-events"
                                               : "commit-seconds");
            if (c == 's')
                o.max_seconds = v;
            else if (c == 'e')
                o.max_events = (uint64_t)v;
            else
                o.commit_seconds = (int)v;
            break;
        default: return mm_cli_usage("collect", "unknown option");
        }
    }
    if (optind != argc)
        return mm_cli_usage("collect", "unexpected argument '%s'", argv[optind]);
    if (!(o.parser = mm_log_parser_find(format, &o.pidx)))
        return mm_cli_usage("collect", "unknown format '%s'", format);
    if (mm_ws_open(g, &ws, &err) != MM_OK)
        return mm_cli_fail(&err);
    mm_buf_init(&notices, 0);
    memset(&keep, 0, sizeof(keep));
    /* no input on the command line: the inputs of [collect] in mamori.conf, as serve runs them */
    if (!mm_collect_has_input(&o) && mm_collect_conf_load(ws.conf_path, &o, &keep, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    if (!mm_collect_has_input(&o)) {
        code = mm_cli_usage("collect", "give at least one of --udp, --tcp, --tls, --relp "
                                       "ADDR:PORT or --follow FILE (or [collect] in mamori.conf)");
        goto out;
    }
    if (o.tls && (!o.cert || !o.key)) {
        code = mm_cli_usage("collect", "--tls needs --cert FILE and --key FILE");
        goto out;
    }
    if (mm_logsess_open(ws.dir, ws.st, &notices, &s, &err) != MM_OK) {
        fputs(mm_buf_str(&notices), stderr);
        code = mm_cli_fail(&err);
        goto out;
    }
    fputs(mm_buf_str(&notices), stderr);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    o.stop = &stop_flag;
    o.ready = ready;
    if (mm_collect_run(s, &o, &err) != MM_OK) {
        code = mm_cli_fail(&err);
        goto out;
    }
    n = mm_logsess_counts(s);
    printf("mamori: stopped; received %llu, stored %llu, unparsed %llu, dropped %llu, alerts "
           "%llu, replayed %llu, rejected %llu\n",
           (unsigned long long)n->received, (unsigned long long)n->stored,
           (unsigned long long)n->unparsed, (unsigned long long)n->dropped,
           (unsigned long long)n->alerts, (unsigned long long)n->replayed,
           (unsigned long long)n->rejected);
out:
    mm_logsess_free(&s);
    mm_collect_conf_release(&keep);
    mm_buf_release(&notices);
    mm_ws_close(&ws);
    return code;
}

/*
 * `mamori serve`: the web UI and JSON API over the workspace's store. The listen address comes
 * from --listen, else mamori.conf [serve] listen, else 127.0.0.1:8080; HTTPS with --cert and
 * --key (or [serve] cert / key).
 */
#include <getopt.h>
#include <ini.h>

#include "cli.h"
#include "web.h"

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
    mm_error err;

    mm_error_clear(&err);
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
    if (mm_web_serve(&c, ws->st, ws->cat, ws->default_version, ws->dir, &err) != MM_OK)
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

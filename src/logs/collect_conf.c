/*
 * [collect] of mamori.conf, for `mamori serve` (and as defaults of `mamori collect`):
 *   udp = ADDR:PORT, tcp = ..., tls = ..., relp = ..., cert = FILE, key = FILE,
 *   follow = FILE (one per line, repeatable), format = NAME, device = NAME,
 *   commit_seconds = N
 * An unknown key or a bad value is an error naming the line.
 */
#include <ini.h>

#include "collect.h"
#include "fs.h"

typedef struct conf_state {
    mm_collect_opts *o;
    mm_collect_conf *keep;
    const char *format;
    char bad[256];
} conf_state;

static const char *keep(conf_state *s, const char *v)
{
    if (s->keep->n >= (int)MM_ARRAY_LEN(s->keep->strs))
        return NULL;
    return s->keep->strs[s->keep->n++] = mm_xstrdup(v);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
    conf_state *s = user;
    mm_collect_opts *o = s->o;
    const char **slot = NULL;
    long v;

    if (strcmp(section, "collect") != 0)
        return 1;
    if (strcmp(name, "udp") == 0)
        slot = &o->udp;
    else if (strcmp(name, "tcp") == 0)
        slot = &o->tcp;
    else if (strcmp(name, "tls") == 0)
        slot = &o->tls;
    else if (strcmp(name, "relp") == 0)
        slot = &o->relp;
    else if (strcmp(name, "cert") == 0)
        slot = &o->cert;
    else if (strcmp(name, "key") == 0)
        slot = &o->key;
    else if (strcmp(name, "device") == 0)
        slot = &o->device;
    else if (strcmp(name, "format") == 0)
        slot = &s->format;
    if (slot) {
        if (!value[0])
            return 1;
        if (!(*slot = keep(s, value))) {
            snprintf(s->bad, sizeof(s->bad), "too many values");
            return 0;
        }
        return 1;
    }
    if (strcmp(name, "follow") == 0) {
        if (o->nfollow >= MM_COLLECT_MAX_FOLLOW || !(o->follow[o->nfollow] = keep(s, value))) {
            snprintf(s->bad, sizeof(s->bad), "follow: at most %d files", MM_COLLECT_MAX_FOLLOW);
            return 0;
        }
        o->nfollow++;
        return 1;
    }
    if (strcmp(name, "commit_seconds") == 0) {
        if (mm_parse_long(value, 1, 86400, &v) != MM_OK) {
            snprintf(s->bad, sizeof(s->bad), "commit_seconds: 1-86400");
            return 0;
        }
        o->commit_seconds = (int)v;
        return 1;
    }
    snprintf(s->bad, sizeof(s->bad), "unknown key '%.100s'", name);
    return 0;
}

mm_rc mm_collect_conf_load(const char *conf_path, mm_collect_opts *o, mm_collect_conf *k,
                           mm_error *err)
{
    conf_state s;
    int r;

    memset(&s, 0, sizeof(s));
    s.o = o;
    s.keep = k;
    if (!mm_file_exists(conf_path))
        return MM_OK;
    r = ini_parse(conf_path, handler, &s);
    if (r != 0)
        return mm_error_set(err, MM_ERR_PARSE, conf_path, r > 0 ? r : 0, 0,
                            "[collect] の設定が不正です: %s (a [collect] setting is invalid; keys: "
                            "udp, tcp, tls, relp, cert, key, follow, format, device, "
                            "commit_seconds)",
                            s.bad[0] ? s.bad : "?");
    if (s.format && !(o->parser = mm_log_parser_find(s.format, &o->pidx)))
        return mm_error_set(err, MM_ERR_PARSE, conf_path, 0, 0,
                            "[collect] format '%s' は未知の形式です (unknown format)", s.format);
    return MM_OK;
}

void mm_collect_conf_release(mm_collect_conf *k)
{
    for (int i = 0; i < k->n; i++)
        free(k->strs[i]);
    k->n = 0;
}

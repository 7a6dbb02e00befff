/*
 * The HTTP server: libmicrohttpd with a pool of threads, HTTPS through GnuTLS when given a
 * certificate, one request context per request (its body, arena and response), the checks the
 * route table asks for (session, role, CSRF, body) before any handler runs, and static files
 * from the web root with anything outside it refused.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "web_int.h"

#define COOKIE "mamori_session"
#ifndef MM_WEB_DIR
#define MM_WEB_DIR "web" /* the build sets the source tree's web/ */
#endif

void mm_web_config_defaults(mm_web_config *c)
{
    const char *e;
    long v;

    memset(c, 0, sizeof(*c));
    mm_strlcpy(c->listen, "127.0.0.1:8080", sizeof(c->listen));
    c->session_idle = 1800;
    c->session_max = 43200;
    e = getenv("MAMORI_SESSION_IDLE");
    if (e && mm_parse_long(e, 1, 86400 * 7, &v) == MM_OK)
        c->session_idle = v;
    e = getenv("MAMORI_SESSION_MAX");
    if (e && mm_parse_long(e, 1, 86400 * 30, &v) == MM_OK)
        c->session_max = v;
}

const char *mm_req_query(mm_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

int mm_req_error(mm_req *r, int status, const char *code, const char *msg)
{
    mm_buf_reset(&r->out);
    mm_buf_adds(&r->out, "{\"error\":");
    mm_jstr(&r->out, code);
    mm_buf_adds(&r->out, ",\"message\":");
    mm_jstr(&r->out, msg);
    mm_buf_adds(&r->out, "}\n");
    r->ctype = "application/json; charset=utf-8";
    r->disposition[0] = '\0';
    return status;
}

int mm_req_fail(mm_req *r, const mm_error *err)
{
    char msg[2048];
    int status;
    const char *code;

    mm_error_format(err, msg, sizeof(msg));
    switch (err->rc) {
    case MM_ERR_PARSE: status = 400, code = "malformed"; break;
    case MM_ERR_INVALID:
    case MM_ERR_USAGE: status = 400, code = "invalid"; break;
    case MM_ERR_NOTFOUND: status = 404, code = "not_found"; break;
    case MM_ERR_DENIED: status = 403, code = "forbidden"; break;
    case MM_ERR_EXISTS: status = 409, code = "exists"; break;
    default: status = 500, code = "internal"; break;
    }
    return mm_req_error(r, status, code, msg);
}

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json; charset=utf-8"},
    {".txt", "text/plain; charset=utf-8"},
};

static const char *mime_of(const char *path)
{
    size_t n = strlen(path);

    for (size_t i = 0; i < MM_ARRAY_LEN(mime_types); i++) {
        size_t k = strlen(mime_types[i].ext);
        if (n >= k && strcmp(path + n - k, mime_types[i].ext) == 0)
            return mime_types[i].type;
    }
    return "application/octet-stream";
}

static void add_security_headers(struct MHD_Response *resp)
{
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                            "script-src 'self'; frame-ancestors 'none'; form-action 'self'");
}

static enum MHD_Result send_buf(mm_req *r, int status)
{
    struct MHD_Response *resp;
    enum MHD_Result ret;
    size_t len = 0;
    char *data = mm_buf_detach(&r->out, &len);

    resp = MHD_create_response_from_buffer(len, data, MHD_RESPMEM_MUST_FREE);
    if (!resp) {
        free(data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type",
                            r->ctype ? r->ctype : "application/json; charset=utf-8");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    add_security_headers(resp);
    if (r->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", r->set_cookie);
    if (r->disposition[0])
        MHD_add_response_header(resp, "Content-Disposition", r->disposition);
    ret = MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* Static files: GET/HEAD only; "/" is index.html; dot segments and anything resolving outside
 * the root are refused with 404, so nothing reveals what exists outside it. */
static enum MHD_Result serve_static(mm_req *r)
{
    char rel[2048], full[4096], real[PATH_MAX];
    struct MHD_Response *resp;
    struct stat sb;
    size_t rootlen = strlen(r->web->web_root);
    int fd = -1;
    enum MHD_Result ret;

    if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0)
        return send_buf(r, mm_req_error(r, 405, "method_not_allowed",
                                        "このメソッドは使えません (method not allowed)"));
    if (mm_snprintf(rel, sizeof(rel), "%s", strcmp(r->path, "/") == 0 ? "/index.html" : r->path) !=
            MM_OK ||
        strstr(rel, "/.") || strchr(rel, '\\') || strstr(rel, "//") ||
        mm_path_join(full, sizeof(full), r->web->web_root, rel + 1) != MM_OK ||
        !realpath(full, real) || strncmp(real, r->web->web_root, rootlen) != 0 ||
        real[rootlen] != '/' || (fd = open(real, O_RDONLY | O_CLOEXEC)) < 0 ||
        fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        if (fd >= 0)
            close(fd);
        return send_buf(r, mm_req_error(r, 404, "not_found", "ページがありません (not found)"));
    }
    resp = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!resp) {
        close(fd);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", mime_of(real));
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    add_security_headers(resp);
    ret = MHD_queue_response(r->conn, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    return ret;
}

static void peer_addr(mm_req *r)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

    mm_strlcpy(r->addr, "?", sizeof(r->addr));
    if (ci && ci->client_addr) {
        socklen_t len = ci->client_addr->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                               : sizeof(struct sockaddr_in);
        getnameinfo(ci->client_addr, len, r->addr, sizeof(r->addr), NULL, 0, NI_NUMERICHOST);
    }
}

/* Runs the checks of the route table, then the handler. Returns the HTTP status. */
static int dispatch_api(mm_req *r)
{
    const mm_route *route;
    const char *cookie, *csrf, *ctype;
    int known = 0, status;
    mm_error err;

    mm_error_clear(&err);
    route = mm_route_match(r->method, r->path, r->params, &known);
    if (!route) {
        if (known)
            return mm_req_error(r, 405, "method_not_allowed",
                                "このメソッドは使えません (method not allowed)");
        return mm_req_error(r, 404, "not_found", "そのAPIはありません (no such API route)");
    }
    if (!(route->flags & MM_RF_PUBLIC)) {
        cookie = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
        pthread_mutex_lock(&r->web->lock);
        r->authed = mm_session_lookup(r->web, cookie, &r->sess, &r->user, &err) == MM_OK;
        pthread_mutex_unlock(&r->web->lock);
        if (!r->authed)
            return mm_req_error(r, 401, "unauthenticated",
                                "ログインしてください。セッションが切れた可能性があります "
                                "(log in: no session or it expired)");
        if (r->sess.enrol_only && !(route->flags & MM_RF_ENROL))
            return mm_req_error(r, 403, "totp_enrolment_required",
                                "管理者は二要素認証（TOTP）の登録が必要です "
                                "(admins must enrol TOTP first)");
        if (!(route->roles & MM_ROLE_BIT(r->user.role)))
            return mm_req_error(r, 403, "forbidden",
                                "この操作の権限がありません (your role may not do this)");
        if (strcmp(r->method, "GET") != 0 && strcmp(r->method, "HEAD") != 0) {
            csrf = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-CSRF-Token");
            if (!csrf || strlen(csrf) != strlen(r->sess.csrf) ||
                sodium_memcmp(csrf, r->sess.csrf, strlen(csrf)) != 0)
                return mm_req_error(r, 403, "csrf",
                                    "CSRF トークンがないか違います。画面を読み込み直してください "
                                    "(missing or wrong CSRF token)");
        }
    }
    if (r->too_big)
        return mm_req_error(r, 413, "too_large", "本文が大きすぎます (request body too large)");
    if (route->flags & MM_RF_BODY) {
        ctype = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "Content-Type");
        if (!ctype || strncmp(ctype, "application/json", 16) != 0)
            return mm_req_error(r, 415, "unsupported_media_type",
                                "本文は application/json で送ってください "
                                "(send the body as application/json)");
        if (mm_web_body_parse(r->body.data ? r->body.data : "", r->body.len, MM_WEB_MAX_BODY,
                              &r->json, &err) != MM_OK)
            return mm_req_fail(r, &err);
    }
    if (route->flags & MM_RF_NOLOCK)
        return route->fn(r);
    pthread_mutex_lock(&r->web->lock);
    mm_login_audit_flush(r->web, mm_now_unix(), 0);
    status = route->fn(r);
    pthread_mutex_unlock(&r->web->lock);
    return status;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    mm_web *w = cls;
    mm_req *r = *con_cls;

    (void)version;
    if (!r) {
        const char *cl;
        long v;
        r = mm_xcalloc(1, sizeof(*r));
        r->web = w;
        r->conn = conn;
        r->method = method;
        r->path = url;
        mm_buf_init(&r->body, MM_WEB_MAX_BODY);
        mm_buf_init(&r->out, MM_BUF_DEFAULT_MAX);
        *con_cls = r;
        cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (cl && (mm_parse_long(cl, 0, (long)MM_WEB_MAX_BODY, &v) != MM_OK))
            r->too_big = 1;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_big && mm_buf_add(&r->body, upload_data, *upload_data_size) != MM_OK)
            r->too_big = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    peer_addr(r);
    if (strncmp(url, "/api/", 5) == 0)
        return send_buf(r, dispatch_api(r));
    return serve_static(r);
}

static void on_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                    enum MHD_RequestTerminationCode toe)
{
    mm_req *r = *con_cls;

    (void)cls, (void)conn, (void)toe;
    if (!r)
        return;
    if (r->json)
        json_decref(r->json);
    mm_buf_release(&r->body);
    mm_buf_release(&r->out);
    mm_arena_release(&r->arena);
    free(r);
    *con_cls = NULL;
}

/* Parses "host:port" or "[v6]:port". OUT: *sa. */
static mm_rc parse_listen(const char *s, struct sockaddr_storage *sa, int *v6, mm_error *err)
{
    char host[256];
    const char *colon;
    long port;

    memset(sa, 0, sizeof(*sa));
    *v6 = 0;
    if (s[0] == '[') {
        const char *end = strchr(s, ']');
        if (!end || end[1] != ':' || (size_t)(end - s - 1) >= sizeof(host))
            goto bad;
        memcpy(host, s + 1, (size_t)(end - s - 1));
        host[end - s - 1] = '\0';
        colon = end + 1;
        *v6 = 1;
    } else {
        colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof(host))
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
    }
    if (mm_parse_long(colon + 1, 0, 65535, &port) != MM_OK)
        goto bad;
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)sa;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
            goto bad;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)sa;
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
            goto bad;
    }
    return MM_OK;
bad:
    return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                        "待ち受けアドレスは 127.0.0.1:8080 や [::1]:8080 の形式です "
                        "(listen address must be ADDR:PORT): %s",
                        s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    fputs("mamori serve: ", stderr);
    vfprintf(stderr, fmt, ap);
}

mm_rc mm_web_serve(const mm_web_config *c, mm_store *st, const mm_catalog *cat, int default_version,
                   const char *ws_dir, mm_error *err)
{
    struct sockaddr_storage sa;
    struct MHD_Daemon *d = NULL;
    const union MHD_DaemonInfo *di;
    char *cert = NULL, *key = NULL;
    size_t len;
    sigset_t set;
    int v6 = 0, sig = 0, threads;
    unsigned flags;
    mm_rc rc;
    mm_web w;

    memset(&w, 0, sizeof(w));
    w.cfg = *c;
    w.st = st;
    w.cat = cat;
    w.version = default_version;
    w.ws_dir = ws_dir;
    if (sodium_init() < 0)
        return mm_error_set(err, MM_ERR_IO, NULL, 0, 0, "libsodium could not start");
    if ((rc = parse_listen(c->listen, &sa, &v6, err)) != MM_OK)
        return rc;
    {
        int sealed = 0;
        /* TOTP secrets: seal any left in clear, and refuse to start with a missing or wrong key
         * rather than fail every admin's login later. */
        if ((rc = mm_web_totp_migrate(st, &sealed, err)) != MM_OK)
            return rc;
        if (sealed)
            fprintf(stderr,
                    "mamori serve: TOTP の秘密 %d 件を暗号化しました (sealed %d TOTP secrets)\n",
                    sealed, sealed);
    }
    {
        const char *root = c->web_root ? c->web_root : getenv("MAMORI_WEB");
        if (!root || !*root)
            root = MM_WEB_DIR;
        if (!realpath(root, w.web_root))
            return mm_error_set(err, MM_ERR_NOTFOUND, root, 0, 0,
                                "画面のファイル（web/）がありません (web UI directory not found)");
    }
    if ((c->cert_path != NULL) != (c->key_path != NULL))
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "HTTPS には証明書と鍵の両方が必要です (give both --cert and --key)");
    if (c->cert_path) {
        if ((rc = mm_file_read(c->cert_path, 1 << 20, &cert, &len, err)) != MM_OK ||
            (rc = mm_file_read(c->key_path, 1 << 20, &key, &len, err)) != MM_OK)
            goto out;
        w.tls = 1;
    }
    pthread_mutex_init(&w.lock, NULL);
    pthread_mutex_init(&w.jobs_lock, NULL);
    pthread_mutex_init(&w.report_lock, NULL);
    threads = c->threads > 0 ? c->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1 || threads > 64)
        threads = 2;
    /* The signals are taken by sigwait below; worker threads inherit the mask. */
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
            (v6 ? MHD_USE_IPv6 : 0) | (w.tls ? MHD_USE_TLS : 0);
    if (w.tls)
        d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &w, MHD_OPTION_EXTERNAL_LOGGER,
                             mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
                             on_done, &w, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                             MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_HTTPS_MEM_CERT, cert,
                             MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
    else
        d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, &w, MHD_OPTION_EXTERNAL_LOGGER,
                             mhd_log, NULL, MHD_OPTION_SOCK_ADDR, &sa, MHD_OPTION_NOTIFY_COMPLETED,
                             on_done, &w, MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads,
                             MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (!d) {
        rc = mm_error_set(err, MM_ERR_IO, NULL, 0, 0,
                          "%s で待ち受けできません（使用中か権限がありません） "
                          "(cannot listen on %s: in use or not permitted)",
                          c->listen, c->listen);
        goto out_mutex;
    }
    di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    {
        char host[256];
        const char *colon = v6 ? strstr(c->listen, "]:") + 1 : strrchr(c->listen, ':');
        size_t n = (size_t)(colon - c->listen);
        memcpy(host, c->listen, n < sizeof(host) ? n : sizeof(host) - 1);
        host[n < sizeof(host) ? n : sizeof(host) - 1] = '\0';
        printf("mamori: serving %s://%s:%u/\n", w.tls ? "https" : "http", host,
               di ? (unsigned)di->port : 0u);
        fflush(stdout);
    }
    for (int guard = 0; guard < 1000000 && sig != SIGINT && sig != SIGTERM; guard++)
        if (sigwait(&set, &sig) != 0)
            break;
    fprintf(stderr, "mamori serve: stopping\n");
    MHD_stop_daemon(d);
    mm_web_jobs_release(&w); /* waits for running jobs: they use the store */
    mm_login_audit_flush(&w, mm_now_unix(), 1);
    mm_web_cache_release(&w);
    sqlite3_finalize(w.q_session);
    sqlite3_finalize(w.q_data_version);
    rc = MM_OK;
out_mutex:
    pthread_mutex_destroy(&w.jobs_lock);
    pthread_mutex_destroy(&w.report_lock);
    pthread_mutex_destroy(&w.lock);
out:
    if (key) {
        sodium_memzero(key, strlen(key));
        free(key);
    }
    free(cert);
    return rc;
}

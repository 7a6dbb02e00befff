/*
 * Private to src/web: the request a handler sees, the route table, the session record and the
 * helpers handlers share (JSON errors, body fields, the per-request arena).
 *
 * Adding an API route, step by step:
 *   1. Write `int mm_api_<name>(mm_req *r)` in the api_*.c file of its area; it reads r->params,
 *      r->query and r->json, writes JSON into r->out and returns the HTTP status (use
 *      mm_req_error for errors). Scope vendor users to r->user.vendor inside the handler.
 *   2. Declare it below and add a row to mm_routes in routes.c: method, pattern (":name"
 *      segments become r->params), the roles allowed, flags.
 *   3. Document it in docs/api.md; tests/integration/test_web.py walks the table by itself.
 */
#ifndef MM_WEB_INT_H
#define MM_WEB_INT_H

#include <jansson.h>
#include <pthread.h>

#include "buf.h"
#include "web.h"

/* Biggest request body accepted (413 beyond). */
#define MM_WEB_MAX_BODY ((size_t)64 * 1024)
#define MM_WEB_MAX_PARAMS 2

/* A per-request arena: blocks freed together when the request ends. */
typedef struct mm_arena_block mm_arena_block;
typedef struct mm_arena {
    mm_arena_block *head;
} mm_arena;
void *mm_arena_alloc(mm_arena *a, size_t n);
char *mm_arena_strdup(mm_arena *a, const char *s);
void mm_arena_release(mm_arena *a);

typedef struct mm_req mm_req;

/* One cached response (cache.c). */
typedef struct mm_web_cache_entry {
    char key[768];         /* route and everything the answer depends on */
    long long dv, changes; /* the store's stamp when it was built */
    char day[11];          /* today when it was built */
    char *body;            /* NULL when the slot is empty */
    size_t len;
    unsigned long long used; /* for least-recently-used replacement */
} mm_web_cache_entry;

/* Failed-login auditing (login_audit.c): why a login failed. Never shown to the client. */
typedef enum {
    MM_LOGIN_FAIL_UNKNOWN = 0, /* no such account */
    MM_LOGIN_FAIL_DISABLED,
    MM_LOGIN_FAIL_PASSWORD,
    MM_LOGIN_FAIL_CODE, /* TOTP code wrong, missing or replayed */
    MM_LOGIN_FAIL_THROTTLED,
    MM_LOGIN_FAIL_COUNT
} mm_login_fail;

#define MM_LOGIN_AUDIT_MAX_PER_WINDOW 32 /* entries written at once per window */
typedef struct mm_login_audit_slot {
    int used;
    char user[65];
    char addr[64];
    int counts[MM_LOGIN_FAIL_COUNT]; /* failures after the first, for the summary */
} mm_login_audit_slot;
typedef struct mm_login_audit {
    long window;       /* seconds; 60 unless MAMORI_LOGIN_AUDIT_WINDOW */
    long window_start; /* unix time, 0 when nothing is pending */
    int written;       /* first entries written in this window */
    mm_login_audit_slot slots[MM_LOGIN_AUDIT_MAX_PER_WINDOW];
    int overflow[MM_LOGIN_FAIL_COUNT]; /* failures of pairs beyond the slots */
} mm_login_audit;

/* A long operation run in a thread of its own (jobs.c). */
typedef enum {
    MM_JOB_FREE = 0,
    MM_JOB_QUEUED,
    MM_JOB_RUNNING,
    MM_JOB_DONE,
    MM_JOB_FAILED
} mm_job_state;
typedef enum { MM_JOB_REPORT = 0, MM_JOB_EVALUATE } mm_job_kind;
#define MM_WEB_JOBS 8
typedef struct mm_web mm_web;
typedef struct mm_job {
    mm_web *web;
    char id[33];  /* random, 128 bits as hex */
    long user_id; /* only its owner may see it */
    char user[128];
    mm_job_kind kind;
    mm_job_state state;
    int step, steps;        /* progress: step of steps done or under way */
    char phase[96];         /* what it is doing, Japanese and English */
    char message[512];      /* the error when failed */
    int file;               /* report: index in the job file table */
    int cp932;              /* report: CSV in CP932 */
    int vendor_only;        /* report: a vendor user's own sheet alone */
    char vendor[256];       /* report: the vendor (only, or the one vendor sheet for staff) */
    long created, finished; /* unix seconds; finished 0 while running */
    char *data;             /* the result (report bytes or evaluation JSON), owned */
    size_t len;
    pthread_t thread;
    int joinable;
} mm_job;

/* The server's shared state. The store is used under `lock` (one connection, any thread). */
struct mm_web {
    mm_web_config cfg;
    mm_store *st;
    const mm_catalog *cat;
    int version; /* default checklist version */
    const char *ws_dir;
    char web_root[4096]; /* realpath of the static root */
    int tls;
    pthread_mutex_t lock;
    mm_web_cache_entry cache[16];
    unsigned long long cache_tick;
    sqlite3_stmt *q_session; /* hot statements, prepared once, used under the lock */
    sqlite3_stmt *q_data_version;
    mm_login_audit login_audit;  /* used under the lock */
    pthread_mutex_t jobs_lock;   /* guards jobs; taken after `lock`, never before it */
    pthread_mutex_t report_lock; /* one report writer at a time (cairo, pango, libxlsxwriter);
                                    taken after `lock` or alone, never before `lock` */
    mm_job jobs[MM_WEB_JOBS];
};
void mm_web_jobs_release(mm_web *w);

/* Records a failed login of user from addr (with the lock held): written to the audit trail
 * at once for the first failure of the pair in a window, counted into a summary otherwise. */
void mm_login_audit_fail(mm_web *w, const char *user, const char *addr, mm_login_fail why);
/* Writes the summaries of a finished window (all: also of the current one, at shutdown). */
void mm_login_audit_flush(mm_web *w, long now, int all);
const char *mm_login_fail_name(mm_login_fail why);
long mm_login_audit_window(void);

/* The response cache (cache.c), used with the lock held. get copies a fresh entry for key
 * into r->out and returns 1; put stores r->out under key. */
int mm_web_cache_get(mm_req *r, const char *key);
void mm_web_cache_put(mm_req *r, const char *key);
void mm_web_cache_release(mm_web *w);

/* A logged-in session. */
typedef struct mm_session {
    char id_hash[65];
    char csrf[65];
    long created, last_seen;
    int enrol_only; /* an admin without TOTP: may only enrol TOTP, read /session, log out */
} mm_session;

enum {
    MM_RF_PUBLIC = 1 << 0, /* no session needed (login) */
    MM_RF_ENROL = 1 << 1,  /* allowed for an enrol_only session */
    MM_RF_BODY = 1 << 2,   /* needs a JSON object body */
    MM_RF_NOLOCK = 1 << 3, /* the handler takes the server lock itself (login: argon2id) */
};

#define MM_ROLES_ALL 0xF
#define MM_ROLE_BIT(r) (1u << (r))
#define MM_ROLES_STAFF                                                                             \
    (MM_ROLE_BIT(MM_ROLE_ADMIN) | MM_ROLE_BIT(MM_ROLE_ASSESSOR) | MM_ROLE_BIT(MM_ROLE_VIEWER))

typedef int (*mm_route_fn)(mm_req *r);

typedef struct mm_route {
    const char *method;
    const char *pattern; /* "/api/v1/evidence/:kind" */
    mm_route_fn fn;
    unsigned roles;   /* MM_ROLE_BIT set of who may call it */
    unsigned flags;   /* MM_RF_* */
    const char *what; /* one line for --list-routes and docs */
} mm_route;

extern const mm_route mm_routes[];
extern const size_t mm_routes_len;

/* Matches method and path. OUT: params (copied into r->params). Returns the route, or NULL;
 * *path_known is set when the path matched some route with another method (405). */
const mm_route *mm_route_match(const char *method, const char *path,
                               char params[MM_WEB_MAX_PARAMS][256], int *path_known);

struct mm_req {
    mm_web *web;
    struct MHD_Connection *conn;
    const char *method;
    const char *path;
    char params[MM_WEB_MAX_PARAMS][256];
    char addr[64]; /* the peer's address */
    mm_buf body;   /* the raw request body */
    int too_big;   /* the body went over MM_WEB_MAX_BODY */
    json_t *json;  /* the parsed body, for MM_RF_BODY routes */
    int authed;
    mm_web_user user;
    mm_session sess;
    /* the response */
    mm_buf out;
    const char *ctype; /* default application/json */
    char set_cookie[256];
    char disposition[256];
    mm_arena arena;
};

/* Query-string value, or NULL. */
const char *mm_req_query(mm_req *r, const char *key);
/* Writes {"error": code, "message": msg} and returns status. */
int mm_req_error(mm_req *r, int status, const char *code, const char *msg);
/* The same with a message from an mm_error; status from its rc. */
int mm_req_fail(mm_req *r, const mm_error *err);

/* Body parsing (body.c): the request-body parser, fuzzed by tests/fuzz/web_body_fuzz.c. Accepts
 * a UTF-8 JSON object of at most max bytes. OUT: *out (json_decref). MM_ERR_INVALID when too
 * big, MM_ERR_PARSE with line and column when malformed. */
mm_rc mm_web_body_parse(const char *data, size_t len, size_t max, json_t **out, mm_error *err);
/* A string member: MM_ERR_NOTFOUND when absent or null (and required), MM_ERR_INVALID when not
 * a string, longer than maxlen bytes or holding control characters. OUT: *out (borrowed). */
mm_rc mm_web_body_str(json_t *obj, const char *key, int required, size_t maxlen, const char **out,
                      mm_error *err);

/* Sessions (session.c). */
mm_rc mm_session_create(mm_web *w, const mm_web_user *u, int enrol_only, const char *addr,
                        char id_out[65], mm_session *s, mm_error *err);
/* Looks the cookie value up, checks both timeouts, touches last_seen. MM_ERR_NOTFOUND when
 * there is no such session or it expired (an expired one is deleted). */
mm_rc mm_session_lookup(mm_web *w, const char *id, mm_session *s, mm_web_user *u, mm_error *err);
mm_rc mm_session_delete(mm_web *w, const char *id_hash, mm_error *err);
mm_rc mm_session_delete_user(mm_store *st, long user_id, mm_error *err);
/* Random bytes as lowercase hex (2*n chars + NUL). */
void mm_random_hex(char *out, size_t n);
/* BLAKE2b-256 of s as hex. */
void mm_hash_hex(const char *s, char out[65]);
long mm_now_unix(void);

/* Throttling (throttle.c): per key ("user:NAME", "addr:IP"). check returns MM_ERR_DENIED while
 * the key is locked out; fail counts a failure; ok clears the user key. */
mm_rc mm_throttle_check(mm_store *st, const char *key, long *retry_after, mm_error *err);
mm_rc mm_throttle_fail(mm_store *st, const char *key, int limit, mm_error *err);
mm_rc mm_throttle_clear(mm_store *st, const char *key, mm_error *err);
#define MM_THROTTLE_USER_LIMIT 5  /* failures per account per window */
#define MM_THROTTLE_ADDR_LIMIT 20 /* failures per source address per window */
#define MM_THROTTLE_WINDOW 900    /* seconds */
#define MM_THROTTLE_LOCK 900      /* seconds locked once over the limit */

/* A login in three steps, so the argon2id work runs without the server lock: lookup (store),
 * password_ok (CPU only; a dummy hash when the account does not exist), finish (store: the
 * user, the TOTP code with replay refusal, whether an admin must enrol). */
typedef struct mm_web_login {
    int found;
    int disabled;
    long id;
    char hash[128];
    char secret[128]; /* TOTP secret (hex), "" when not enrolled */
} mm_web_login;
#define MM_WEB_LOGIN_DENIED                                                                        \
    "利用者名・パスワード・確認コードのいずれかが違います (wrong user name, password or code)"
mm_rc mm_web_login_lookup(mm_store *st, const char *name, mm_web_login *l, mm_error *err);
int mm_web_login_password_ok(const mm_web_login *l, const char *password);
mm_rc mm_web_login_finish(mm_store *st, mm_web_login *l, const char *code, mm_web_user *u,
                          int *needs_enrol, mm_error *err);
void mm_web_login_clear(mm_web_login *l);

/* Users (user.c), internal parts. verify: MM_OK when the password (and, if enrolled, the TOTP
 * code) is right; MM_ERR_DENIED otherwise, taking the same time whether the user exists or not.
 * OUT: *u, *needs_enrol (an admin without TOTP). */
mm_rc mm_web_login_verify(mm_store *st, const char *name, const char *password, const char *code,
                          mm_web_user *u, int *needs_enrol, mm_error *err);
/* TOTP check with replay protection (totp.c): MM_ERR_DENIED when wrong or already used. */
mm_rc mm_web_totp_check(mm_store *st, long user_id, const char *secret_hex, const char *code,
                        mm_error *err);
mm_rc mm_web_password_verify(mm_store *st, long user_id, const char *password, mm_error *err);
mm_rc mm_web_user_by_id(mm_store *st, long id, mm_web_user *u, mm_error *err);
mm_rc mm_web_password_check(const char *name, const char *password, mm_error *err);

/* Sealed TOTP secrets (seal.c). The key lives in WORKSPACE/secrets/totp.key (the directory of
 * the database), 0600; seal_key creates it when create is set and no secret is sealed yet,
 * and fails with a clear message (file named) when it is missing, readable by others or not
 * 64 hex digits. seal/unseal turn a hex secret into "x1:<hex nonce+ciphertext>" and back, bound
 * to the user name; unseal is MM_ERR_DENIED for a wrong key. totp_open returns the hex secret
 * of a stored value (sealed or, from before sealing, clear). migrate seals every clear secret
 * and checks the key opens the sealed ones (OUT: *sealed, how many were sealed now). */
mm_rc mm_web_seal_key(mm_store *st, int create, unsigned char key[32], mm_error *err);
int mm_web_sealed(const char *stored);
mm_rc mm_web_seal(const unsigned char key[32], const char *name, const char *secret_hex, char *out,
                  size_t outsz, mm_error *err);
mm_rc mm_web_unseal(const unsigned char key[32], const char *name, const char *stored,
                    char *hex_out, size_t outsz, mm_error *err);
mm_rc mm_web_totp_open(mm_store *st, const char *name, const char *stored, char *hex_out,
                       size_t outsz, mm_error *err);

/* The id of a vendor by name; a 404 answer naming it when there is none. Returns 0 or the
 * HTTP status written. */
int mm_req_vendor(mm_req *r, const char *name, long *id);

/* Handlers. */
int mm_api_login(mm_req *r);
int mm_api_logout(mm_req *r);
int mm_api_me(mm_req *r);
int mm_api_password(mm_req *r);
int mm_api_totp_begin(mm_req *r);
int mm_api_totp_confirm(mm_req *r);
int mm_api_routes(mm_req *r);
int mm_api_dashboard(mm_req *r);
int mm_api_checklist(mm_req *r);
int mm_api_answer(mm_req *r);
int mm_api_findings(mm_req *r);
int mm_api_history(mm_req *r);
int mm_api_job_start(mm_req *r);
int mm_api_job(mm_req *r);
int mm_api_job_file(mm_req *r);
int mm_api_evidence(mm_req *r);
int mm_api_report(mm_req *r);
int mm_api_users(mm_req *r);
int mm_api_user_add(mm_req *r);
int mm_api_user_update(mm_req *r);
int mm_api_audit(mm_req *r);
int mm_api_facility(mm_req *r);
int mm_api_alerts(mm_req *r);
int mm_api_alerts_review(mm_req *r);

/* Appends a string as JSON. */
#define mm_jstr(b, s) mm_buf_add_json_str((b), (s))
void mm_web_user_json(mm_buf *b, const mm_web_user *u);

#endif

/*
 * The web module: the users who may log in to the web UI (argon2id passwords, TOTP), their
 * sessions, login throttling, and the HTTP server (libmicrohttpd) that serves the static UI
 * from web/ and the JSON API under /api/v1 over the same store the CLI uses.
 *
 * Ownership: functions here fill caller-owned structs; strings handed back through `char **`
 * are malloc'd and freed by the caller with free(). The user functions each run in their own
 * transaction and write the audit trail; they may be called by the CLI while a server runs.
 */
#ifndef MM_WEB_H
#define MM_WEB_H

#include "base.h"
#include "buf.h"
#include "catalog.h"
#include "store.h"

typedef enum {
    MM_ROLE_ADMIN = 0, /* everything, including users; TOTP is mandatory */
    MM_ROLE_ASSESSOR,  /* answers and evidence of the hospital sheet */
    MM_ROLE_VENDOR,    /* only its own vendor's sheet, systems and assets */
    MM_ROLE_VIEWER,    /* read-only: management, inspectors */
    MM_ROLE_COUNT
} mm_role;

const char *mm_role_name(mm_role r);  /* "admin", "assessor", "vendor", "viewer" */
const char *mm_role_label(mm_role r); /* "管理者", "評価担当", "事業者", "閲覧者" */
mm_rc mm_role_parse(const char *s, mm_role *out);

/* A web user as stored (no secrets). */
typedef struct mm_web_user {
    long id;
    char name[128];
    mm_role role;
    char vendor[256]; /* the vendor a vendor user belongs to, "" otherwise */
    int totp;         /* 1 when TOTP is enrolled */
    int disabled;
    char created_at[21];
} mm_web_user;

/* User names: 1–64 bytes of [A-Za-z0-9._@-]. */
int mm_web_user_name_valid(const char *name);
/* Passwords chosen by people: at least 12 bytes, at most 256. */
#define MM_WEB_PW_MIN 12
#define MM_WEB_PW_MAX 256

/* Creates a user with a random initial password. vendor is required exactly for the vendor
 * role (the vendor must exist). OUT: *password (malloc'd; shown once, caller frees).
 * MM_ERR_EXISTS when the name is taken. */
mm_rc mm_web_user_add(mm_store *st, const char *name, mm_role role, const char *vendor,
                      const char *actor, char **password, mm_error *err);
/* Sets a password: the given one (policy-checked) or, when password is NULL, a random one
 * returned in *generated (may be NULL otherwise). Ends the user's sessions. */
mm_rc mm_web_user_passwd(mm_store *st, const char *name, const char *password, const char *actor,
                         char **generated, mm_error *err);
/* Disables (1) or enables (0) a user; disabling ends its sessions. */
mm_rc mm_web_user_set_disabled(mm_store *st, const char *name, int disabled, const char *actor,
                               mm_error *err);
mm_rc mm_web_user_get(mm_store *st, const char *name, mm_web_user *out, mm_error *err);
/* OUT: *users (malloc'd array, caller frees), *n. Ordered by name. */
mm_rc mm_web_user_list(mm_store *st, mm_web_user **users, size_t *n, mm_error *err);
/* Number of users (0 for a fresh workspace). */
mm_rc mm_web_user_count(mm_store *st, long *n, mm_error *err);

/* TOTP (RFC 6238: SHA-1, 6 digits, 30 s). enrol_begin stores a new pending secret and returns
 * it in base32 and as an otpauth:// URI; enrol_confirm makes it active when code is valid for
 * it. enrol_now (CLI) makes a new secret active at once. reset removes TOTP. */
mm_rc mm_web_totp_enrol_begin(mm_store *st, const char *name, char **base32, char **uri,
                              mm_error *err);
mm_rc mm_web_totp_enrol_confirm(mm_store *st, const char *name, const char *code, const char *actor,
                                mm_error *err);
mm_rc mm_web_totp_enrol_now(mm_store *st, const char *name, const char *actor, char **base32,
                            char **uri, mm_error *err);
mm_rc mm_web_totp_reset(mm_store *st, const char *name, const char *actor, mm_error *err);
/* Seals TOTP secrets stored in clear by older versions (key: WORKSPACE/secrets/totp.key,
 * created on first use) and checks that the key opens the sealed ones; run when a workspace
 * is opened for `serve` and `user`. OUT: *sealed (may be NULL), how many were sealed now. */
mm_rc mm_web_totp_migrate(mm_store *st, int *sealed, mm_error *err);
/* The QR code of text as a standalone SVG document (black modules on white). Caller frees. */
char *mm_web_qr_svg(const char *text);
/* The QR code of text as terminal lines of UTF-8 half blocks. Caller frees. */
char *mm_web_qr_text(const char *text);

/* How `mamori serve` runs. */
typedef struct mm_web_config {
    char listen[256];      /* "127.0.0.1:8080", "[::1]:8443"; port 0 picks a free port */
    const char *cert_path; /* PEM certificate and key for HTTPS; both or neither */
    const char *key_path;
    const char *web_root; /* static files; default MAMORI_WEB, else the build's web/ */
    long session_idle;    /* seconds; default 1800 (MAMORI_SESSION_IDLE) */
    long session_max;     /* seconds; default 43200 (MAMORI_SESSION_MAX) */
    int threads;          /* worker threads; 0 = number of CPUs */
    int eval_unused_days; /* evaluations started from the UI: [evaluate] unused_account_days */
} mm_web_config;

void mm_web_config_defaults(mm_web_config *c);

/*
 * Serves until SIGINT or SIGTERM. ws_dir is the workspace (for the audit trail and reports),
 * st and cat stay owned by the caller and must outlive the call. Prints one line
 * "mamori: serving http://ADDR:PORT/" on stdout once it accepts connections.
 */
mm_rc mm_web_serve(const mm_web_config *c, mm_store *st, const mm_catalog *cat, int default_version,
                   const char *ws_dir, mm_error *err);

/* Writes the route table (method, pattern, roles, flags) as text or JSON. */
void mm_web_routes_write(mm_buf *out, int json);

#endif

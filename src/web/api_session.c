/*
 * Session routes: log in (password, then the TOTP code when enrolled), who am I, log out,
 * change one's own password, and TOTP enrolment (mandatory before an admin may do anything
 * else). Failures say the same thing whether or not the account exists.
 */
#include <sodium.h>

#include "audit.h"
#include "web_int.h"

/* Audits a login or logout with the source address. */
static void audit_session(mm_req *r, const char *action)
{
    char entity[256];
    mm_buf after;

    mm_snprintf(entity, sizeof(entity), "user:%s", r->user.name);
    mm_buf_init(&after, 0);
    mm_buf_adds(&after, "{\"addr\":");
    mm_jstr(&after, r->addr);
    mm_buf_addc(&after, '}');
    if (mm_store_begin(r->web->st, NULL) == MM_OK) {
        if (mm_audit_append(r->web->st, r->user.name, action, entity, NULL, mm_buf_str(&after),
                            NULL, NULL) != MM_OK ||
            mm_store_commit(r->web->st, NULL) != MM_OK)
            mm_store_rollback(r->web->st);
    }
    mm_buf_release(&after);
}

static void set_cookie(mm_req *r, const char *value, int clear)
{
    mm_snprintf(r->set_cookie, sizeof(r->set_cookie),
                "mamori_session=%s; Path=/; HttpOnly; SameSite=Strict%s%s", value,
                r->web->tls ? "; Secure" : "", clear ? "; Max-Age=0" : "");
}

static int me_json(mm_req *r, int status)
{
    mm_buf_reset(&r->out);
    mm_buf_adds(&r->out, "{\"user\":");
    mm_web_user_json(&r->out, &r->user);
    mm_buf_addf(&r->out,
                ",\"csrf\":\"%s\",\"totp_enrolment_required\":%s,\"session\":{\"idle\":%ld,"
                "\"max\":%ld,\"created\":%ld}}\n",
                r->sess.csrf, r->sess.enrol_only ? "true" : "false", r->web->cfg.session_idle,
                r->web->cfg.session_max, r->sess.created);
    return status;
}

/* Runs without the server lock held (MM_RF_NOLOCK): the store is used in two short locked
 * sections and the argon2id check runs between them, so a login does not stall other users. */
int mm_api_login(mm_req *r)
{
    const char *name = NULL, *pw = NULL, *code = NULL;
    char ukey[128], akey[96], id[65];
    mm_web *w = r->web;
    mm_web_login l;
    long retry = 0;
    int enrol = 0, status = 200;
    mm_login_fail why = MM_LOGIN_FAIL_PASSWORD;
    mm_error err;

    mm_error_clear(&err);
    memset(&l, 0, sizeof(l));
    if (mm_web_body_str(r->json, "user", 1, 64, &name, &err) != MM_OK ||
        mm_web_body_str(r->json, "password", 1, MM_WEB_PW_MAX, &pw, &err) != MM_OK ||
        mm_web_body_str(r->json, "code", 0, 16, &code, &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_snprintf(ukey, sizeof(ukey), "user:%s", name);
    mm_snprintf(akey, sizeof(akey), "addr:%s", r->addr);
    pthread_mutex_lock(&w->lock);
    if (mm_throttle_check(w->st, ukey, &retry, &err) != MM_OK ||
        mm_throttle_check(w->st, akey, &retry, &err) != MM_OK) {
        if (err.rc == MM_ERR_DENIED)
            mm_login_audit_fail(w, name, r->addr, MM_LOGIN_FAIL_THROTTLED);
        pthread_mutex_unlock(&w->lock);
        if (err.rc != MM_ERR_DENIED)
            return mm_req_fail(r, &err);
        return mm_req_error(r, 429, "throttled", err.msg);
    }
    if (mm_web_login_lookup(w->st, name, &l, &err) != MM_OK) {
        pthread_mutex_unlock(&w->lock);
        return mm_req_fail(r, &err);
    }
    pthread_mutex_unlock(&w->lock);

    if (!mm_web_login_password_ok(&l, pw)) {
        mm_error_set(&err, MM_ERR_DENIED, NULL, 0, 0, MM_WEB_LOGIN_DENIED);
        why = !l.found     ? MM_LOGIN_FAIL_UNKNOWN
              : l.disabled ? MM_LOGIN_FAIL_DISABLED
                           : MM_LOGIN_FAIL_PASSWORD;
    }

    pthread_mutex_lock(&w->lock);
    if (err.rc == MM_OK &&
        mm_web_login_finish(w->st, &l, code, &r->user, &enrol, &err) == MM_ERR_DENIED)
        why = MM_LOGIN_FAIL_CODE;
    if (err.rc == MM_ERR_DENIED) {
        mm_login_audit_fail(w, name, r->addr, why);
        mm_throttle_fail(w->st, ukey, MM_THROTTLE_USER_LIMIT, NULL);
        mm_throttle_fail(w->st, akey, MM_THROTTLE_ADDR_LIMIT, NULL);
        status = mm_req_error(r, 401, "invalid_credentials", MM_WEB_LOGIN_DENIED);
    } else if (err.rc != MM_OK) {
        status = mm_req_fail(r, &err);
    } else {
        mm_throttle_clear(w->st, ukey, NULL);
        if (mm_session_create(w, &r->user, enrol, r->addr, id, &r->sess, &err) != MM_OK) {
            status = mm_req_fail(r, &err);
        } else {
            set_cookie(r, id, 0);
            sodium_memzero(id, sizeof(id));
            audit_session(r, "session.login");
            status = me_json(r, 200);
        }
    }
    pthread_mutex_unlock(&w->lock);
    mm_web_login_clear(&l);
    return status;
}

int mm_api_me(mm_req *r)
{
    return me_json(r, 200);
}

int mm_api_logout(mm_req *r)
{
    mm_error err;

    mm_error_clear(&err);
    if (mm_session_delete(r->web, r->sess.id_hash, &err) != MM_OK)
        return mm_req_fail(r, &err);
    set_cookie(r, "", 1);
    audit_session(r, "session.logout");
    mm_buf_adds(&r->out, "{\"ok\":true}\n");
    return 200;
}

int mm_api_password(mm_req *r)
{
    const char *cur = NULL, *pw = NULL;
    char id[65];
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_body_str(r->json, "current", 1, MM_WEB_PW_MAX, &cur, &err) != MM_OK ||
        mm_web_body_str(r->json, "new", 1, MM_WEB_PW_MAX, &pw, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (mm_web_password_verify(r->web->st, r->user.id, cur, &err) != MM_OK)
        return mm_req_error(r, 403, "forbidden", err.msg);
    if (mm_web_user_passwd(r->web->st, r->user.name, pw, r->user.name, NULL, &err) != MM_OK)
        return mm_req_fail(r, &err);
    /* Every session of the user ended; this one continues under a new ID. */
    if (mm_session_create(r->web, &r->user, r->sess.enrol_only, r->addr, id, &r->sess, &err) !=
        MM_OK)
        return mm_req_fail(r, &err);
    set_cookie(r, id, 0);
    sodium_memzero(id, sizeof(id));
    return me_json(r, 200);
}

int mm_api_totp_begin(mm_req *r)
{
    char *b32 = NULL, *uri = NULL, *svg = NULL;
    mm_error err;
    int status = 200;

    mm_error_clear(&err);
    if (r->user.totp)
        return mm_req_error(r, 409, "exists",
                            "二要素認証は登録済みです。変更は管理者に依頼してください "
                            "(TOTP is already enrolled; ask an admin to reset it)");
    if (mm_web_totp_enrol_begin(r->web->st, r->user.name, &b32, &uri, &err) != MM_OK)
        return mm_req_fail(r, &err);
    svg = mm_web_qr_svg(uri);
    mm_buf_adds(&r->out, "{\"secret\":");
    mm_jstr(&r->out, b32);
    mm_buf_adds(&r->out, ",\"uri\":");
    mm_jstr(&r->out, uri);
    mm_buf_adds(&r->out, ",\"qr_svg\":");
    mm_jstr(&r->out, svg ? svg : "");
    mm_buf_adds(&r->out, "}\n");
    sodium_memzero(b32, strlen(b32));
    free(b32);
    free(uri);
    free(svg);
    return status;
}

int mm_api_totp_confirm(mm_req *r)
{
    const char *code = NULL;
    char old_hash[65], id[65];
    mm_error err;

    mm_error_clear(&err);
    if (mm_web_body_str(r->json, "code", 1, 16, &code, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (r->user.totp)
        return mm_req_error(r, 409, "exists", "二要素認証は登録済みです (TOTP already enrolled)");
    if (mm_web_totp_enrol_confirm(r->web->st, r->user.name, code, r->user.name, &err) != MM_OK)
        return mm_req_fail(r, &err);
    /* More rights now: a new session ID replaces the enrolment-only one. */
    mm_strlcpy(old_hash, r->sess.id_hash, sizeof(old_hash));
    r->user.totp = 1;
    if (mm_session_create(r->web, &r->user, 0, r->addr, id, &r->sess, &err) != MM_OK)
        return mm_req_fail(r, &err);
    mm_session_delete(r->web, old_hash, NULL);
    set_cookie(r, id, 0);
    sodium_memzero(id, sizeof(id));
    return me_json(r, 200);
}

/*
 * The route table of the JSON API. Each row: method, path pattern, handler, the roles that may
 * call it, flags. Authentication, roles, CSRF and bodies are enforced by the server from this
 * table before a handler runs; handlers add the finer scoping (a vendor's own rows). How to add
 * a route: see web_int.h.
 */
#include "web_int.h"

#define ADMIN MM_ROLE_BIT(MM_ROLE_ADMIN)
#define ASSESSOR MM_ROLE_BIT(MM_ROLE_ASSESSOR)
#define VENDOR MM_ROLE_BIT(MM_ROLE_VENDOR)
#define VIEWER MM_ROLE_BIT(MM_ROLE_VIEWER)

const mm_route mm_routes[] = {
    {"POST", "/api/v1/session", mm_api_login, MM_ROLES_ALL,
     MM_RF_PUBLIC | MM_RF_BODY | MM_RF_NOLOCK,
     "log in: {user, password, code} → session cookie and CSRF token"},
    {"GET", "/api/v1/session", mm_api_me, MM_ROLES_ALL, MM_RF_ENROL,
     "who is logged in, the CSRF token"},
    {"DELETE", "/api/v1/session", mm_api_logout, MM_ROLES_ALL, MM_RF_ENROL, "log out"},
    {"POST", "/api/v1/session/password", mm_api_password, MM_ROLES_ALL, MM_RF_BODY,
     "change one's own password: {current, new}"},
    {"POST", "/api/v1/session/totp", mm_api_totp_begin, MM_ROLES_ALL, MM_RF_ENROL,
     "begin TOTP enrolment: a new secret and its QR code"},
    {"POST", "/api/v1/session/totp/confirm", mm_api_totp_confirm, MM_ROLES_ALL,
     MM_RF_ENROL | MM_RF_BODY, "finish TOTP enrolment: {code}"},
    {"GET", "/api/v1/routes", mm_api_routes, ADMIN, 0, "this table"},
    {"GET", "/api/v1/facility", mm_api_facility, MM_ROLES_ALL, 0, "the facility"},
    {"GET", "/api/v1/dashboard", mm_api_dashboard, MM_ROLES_ALL, 0,
     "progress per section, counts, overdue, conflicts, deadlines"},
    {"GET", "/api/v1/checklist", mm_api_checklist, MM_ROLES_ALL, 0,
     "a sheet with answers, verdicts, conflicts, evidence (?sheet=&vendor=&version=)"},
    {"POST", "/api/v1/checklist/answers", mm_api_answer, ADMIN | ASSESSOR | VENDOR, MM_RF_BODY,
     "answer an item: {item, answer, checked, target, round, scope, note, sheet, vendor}"},
    {"GET", "/api/v1/checklist/history/:item", mm_api_history, MM_ROLES_ALL, 0,
     "an item's answer history, oldest first (?sheet=&vendor=&version=; a vendor: its own)"},
    {"GET", "/api/v1/findings", mm_api_findings, ADMIN | ASSESSOR | VIEWER, 0,
     "the evaluators' findings (?all=1&item=)"},
    {"GET", "/api/v1/evidence/:kind", mm_api_evidence, MM_ROLES_ALL, 0,
     "assets, accounts, vendors, systems (a vendor sees only its own; ?q=, column filters, offset, "
     "limit)"},
    {"GET", "/api/v1/reports/:file", mm_api_report, MM_ROLES_ALL, 0,
     "download checklist.xlsx|pdf|html|csv (a vendor: only its own sheet)"},
    {"POST", "/api/v1/jobs", mm_api_job_start, MM_ROLES_ALL, MM_RF_BODY,
     "start a long operation: {kind: report, file, encoding, vendor} or {kind: evaluate} → 202"},
    {"GET", "/api/v1/jobs/:id", mm_api_job, MM_ROLES_ALL, 0,
     "a job's state and progress (its owner only)"},
    {"GET", "/api/v1/jobs/:id/file", mm_api_job_file, MM_ROLES_ALL, 0,
     "the report a finished job wrote"},
    {"GET", "/api/v1/alerts", mm_api_alerts, ADMIN | ASSESSOR | VIEWER, 0,
     "alerts from the access logs, newest first (?open=1&severity=high&rule=&limit=)"},
    {"POST", "/api/v1/alerts/review", mm_api_alerts_review, ADMIN | ASSESSOR, MM_RF_BODY,
     "record a review of alerts: {ids: [n, …], note} (all or nothing, audited)"},
    {"GET", "/api/v1/users", mm_api_users, ADMIN, 0, "list users"},
    {"POST", "/api/v1/users", mm_api_user_add, ADMIN, MM_RF_BODY,
     "add a user: {name, role, vendor} → initial password"},
    {"POST", "/api/v1/users/:name", mm_api_user_update, ADMIN, MM_RF_BODY,
     "change a user: {disabled, reset_password, reset_totp}"},
    {"GET", "/api/v1/audit", mm_api_audit, ADMIN | ASSESSOR | VIEWER, 0,
     "the audit trail, newest first (?limit=)"},
};

const size_t mm_routes_len = MM_ARRAY_LEN(mm_routes);

/* Matches path against pattern segment by segment; ":x" takes one non-empty segment. */
static int pattern_match(const char *pattern, const char *path, char params[MM_WEB_MAX_PARAMS][256])
{
    const char *p = pattern, *q = path;
    int np = 0;

    for (int guard = 0; guard < 64; guard++) {
        if (*p == '\0' || *q == '\0')
            return *p == '\0' && *q == '\0';
        if (*p == ':') {
            size_t n = strcspn(q, "/");
            if (n == 0 || n >= 256 || np >= MM_WEB_MAX_PARAMS)
                return 0;
            memcpy(params[np], q, n);
            params[np++][n] = '\0';
            q += n;
            p += strcspn(p, "/");
            continue;
        }
        {
            size_t n = strcspn(p, ":");
            size_t m = strcspn(p, "/");
            size_t k = 0;
            (void)m;
            while (k < n && p[k] == q[k])
                k++;
            if (k < n)
                return 0;
            p += n;
            q += n;
        }
    }
    return 0;
}

const mm_route *mm_route_match(const char *method, const char *path,
                               char params[MM_WEB_MAX_PARAMS][256], int *path_known)
{
    *path_known = 0;
    for (size_t i = 0; i < mm_routes_len; i++) {
        char tmp[MM_WEB_MAX_PARAMS][256];
        if (!pattern_match(mm_routes[i].pattern, path, tmp))
            continue;
        *path_known = 1;
        if (strcmp(mm_routes[i].method, method) == 0) {
            memcpy(params, tmp, sizeof(tmp));
            return &mm_routes[i];
        }
    }
    return NULL;
}

void mm_web_routes_write(mm_buf *out, int json)
{
    if (json)
        mm_buf_adds(out, "{\"routes\":[");
    for (size_t i = 0; i < mm_routes_len; i++) {
        const mm_route *r = &mm_routes[i];
        if (json) {
            mm_buf_addf(out, "%s{\"method\":\"%s\",\"pattern\":", i ? "," : "", r->method);
            mm_jstr(out, r->pattern);
            mm_buf_adds(out, ",\"roles\":[");
            for (int k = 0, first = 1; k < MM_ROLE_COUNT; k++)
                if (r->roles & MM_ROLE_BIT(k)) {
                    mm_buf_addf(out, "%s\"%s\"", first ? "" : ",", mm_role_name((mm_role)k));
                    first = 0;
                }
            mm_buf_addf(out, "],\"public\":%s,\"body\":%s,\"what\":",
                        r->flags & MM_RF_PUBLIC ? "true" : "false",
                        r->flags & MM_RF_BODY ? "true" : "false");
            mm_jstr(out, r->what);
            mm_buf_addc(out, '}');
        } else {
            mm_buf_addf(out, "%-6s %-34s", r->method, r->pattern);
            for (int k = 0; k < MM_ROLE_COUNT; k++)
                if (r->roles & MM_ROLE_BIT(k))
                    mm_buf_addf(out, " %s", mm_role_name((mm_role)k));
            mm_buf_addf(out, "%s  — %s\n", r->flags & MM_RF_PUBLIC ? " (public)" : "", r->what);
        }
    }
    if (json)
        mm_buf_adds(out, "]}\n");
}

/*
 * The record that the monthly VPN access audit was made (G-MIS question 14 asks whether VPN
 * access logs are inspected regularly). `mamori logs report vpn` writes it after the report;
 * the G-MIS derivation reads it. One row in meta: "MONTH\tAT_MS\tACTOR", the newest audit.
 */
#include <inttypes.h>

#include "logs_int.h"

#define VPN_AUDIT_KEY "logs.vpn_audit"

mm_rc mm_logs_vpn_audit_record(mm_store *st, const char *month, int64_t at_ms, const char *actor,
                               mm_error *err)
{
    char v[256];

    if (!month || strlen(month) != 7 || strchr(actor ? actor : "", '\t'))
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "監査の記録が不正です (invalid VPN audit record)");
    snprintf(v, sizeof(v), "%s\t%" PRId64 "\t%.200s", month, at_ms, actor ? actor : "");
    return mm_store_meta_set(st, VPN_AUDIT_KEY, v, err);
}

mm_rc mm_logs_vpn_audit_last(mm_store *st, mm_logs_vpn_audit *out, mm_error *err)
{
    char *v = NULL, *tab, *tab2;
    mm_rc rc;

    memset(out, 0, sizeof(*out));
    if ((rc = mm_store_meta_get(st, VPN_AUDIT_KEY, &v, err)) != MM_OK)
        return rc; /* MM_ERR_NOTFOUND: never made */
    tab = strchr(v, '\t');
    tab2 = tab ? strchr(tab + 1, '\t') : NULL;
    if (!tab || !tab2 || tab - v != 7) {
        free(v);
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                            "VPN 監査の記録が壊れています (meta %s is malformed)", VPN_AUDIT_KEY);
    }
    memcpy(out->month, v, 7);
    out->month[7] = '\0';
    *tab2 = '\0';
    out->at_ms = strtoll(tab + 1, NULL, 10);
    mm_strlcpy(out->actor, tab2 + 1, sizeof(out->actor));
    free(v);
    return MM_OK;
}

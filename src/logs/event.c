/*
 * The event vocabulary (kind names and labels, one table) and the time helpers every parser
 * shares: civil date to days, an ISO-8601 reader that accepts what Japanese systems write, and
 * formatting in JST or UTC.
 */
#include <strings.h>
#include <time.h>

#include "event.h"
#include "logs.h"

static const struct {
    const char *name, *label;
} kinds[MM_EVK__COUNT] = {
    [MM_EVK_UNPARSED] = {"unparsed", "未解析"},
    [MM_EVK_OTHER] = {"other", "その他"},
    [MM_EVK_LOGON] = {"logon", "ログオン"},
    [MM_EVK_LOGON_FAILURE] = {"logon-failure", "ログオン失敗"},
    [MM_EVK_LOGOFF] = {"logoff", "ログオフ"},
    [MM_EVK_EXPLICIT_LOGON] = {"explicit-logon", "明示的な資格情報でのログオン"},
    [MM_EVK_ACCOUNT_CREATED] = {"account-created", "アカウント作成"},
    [MM_EVK_ACCOUNT_ENABLED] = {"account-enabled", "アカウント有効化"},
    [MM_EVK_ACCOUNT_DISABLED] = {"account-disabled", "アカウント無効化"},
    [MM_EVK_ACCOUNT_DELETED] = {"account-deleted", "アカウント削除"},
    [MM_EVK_GROUP_MEMBER_ADDED] = {"group-member-added", "グループへの追加"},
    [MM_EVK_ACCOUNT_LOCKED] = {"account-locked", "アカウントロック"},
    [MM_EVK_KERBEROS_TGT] = {"kerberos-tgt", "Kerberos 認証"},
    [MM_EVK_VPN_UP] = {"vpn-up", "VPN 接続"},
    [MM_EVK_VPN_DOWN] = {"vpn-down", "VPN 切断"},
    [MM_EVK_ADMIN_CREATED] = {"admin-created", "管理者の追加"},
    [MM_EVK_RECORD_ACCESS] = {"record-access", "記録の参照"},
};

const char *mm_event_kind_name(int kind)
{
    return kind >= 0 && kind < MM_EVK__COUNT ? kinds[kind].name : "?";
}

const char *mm_event_kind_label(int kind)
{
    return kind >= 0 && kind < MM_EVK__COUNT ? kinds[kind].label : "?";
}

mm_rc mm_event_kind_parse(const char *name, int *kind)
{
    for (int i = 0; i < MM_EVK__COUNT; i++)
        if (strcmp(kinds[i].name, name) == 0) {
            *kind = i;
            return MM_OK;
        }
    return MM_ERR_NOTFOUND;
}

const char *mm_outcome_name(int outcome)
{
    return outcome == MM_OUT_SUCCESS ? "success" : outcome == MM_OUT_FAILURE ? "failure" : "";
}

void mm_event_clear(mm_event *ev)
{
    memset(ev, 0, sizeof(*ev));
}

int mm_sv_eq(mm_sv a, const char *s)
{
    size_t n = strlen(s);
    return a.n == n && (n == 0 || memcmp(a.p, s, n) == 0);
}

int mm_sv_caseeq(mm_sv a, mm_sv b)
{
    return a.n == b.n && (a.n == 0 || strncasecmp(a.p, b.p, a.n) == 0);
}

/* Howard Hinnant's days_from_civil. */
int64_t mm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yy + (*m <= 2));
}

/* Reads 1..maxd digits at s[*i]; returns -1 when there is none. */
static long digits(const char *s, size_t n, size_t *i, int mind, int maxd)
{
    long v = 0;
    int k = 0;
    while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
        v = v * 10 + (s[*i] - '0');
        (*i)++;
        k++;
    }
    return k >= mind ? v : -1;
}

static int days_in_month(long y, long m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

mm_rc mm_time_parse_iso(const char *s, size_t n, int default_off_min, int64_t *ms)
{
    size_t i = 0;
    long y, mo, d, h, mi, sec = 0, frac = 0;
    int off = default_off_min;
    char sep;

    if ((y = digits(s, n, &i, 4, 4)) < 0 || i >= n || (s[i] != '-' && s[i] != '/'))
        return MM_ERR_PARSE;
    sep = s[i++];
    if ((mo = digits(s, n, &i, 1, 2)) < 0 || i >= n || s[i] != sep)
        return MM_ERR_PARSE;
    i++;
    if ((d = digits(s, n, &i, 1, 2)) < 0 || i >= n || (s[i] != 'T' && s[i] != ' '))
        return MM_ERR_PARSE;
    i++;
    if ((h = digits(s, n, &i, 1, 2)) < 0 || i >= n || s[i] != ':')
        return MM_ERR_PARSE;
    i++;
    if ((mi = digits(s, n, &i, 2, 2)) < 0)
        return MM_ERR_PARSE;
    if (i < n && s[i] == ':') {
        i++;
        if ((sec = digits(s, n, &i, 2, 2)) < 0)
            return MM_ERR_PARSE;
        if (i < n && (s[i] == '.' || s[i] == ',')) {
            int k = 0;
            i++;
            while (i < n && s[i] >= '0' && s[i] <= '9') {
                if (k < 3)
                    frac = frac * 10 + (s[i] - '0');
                k++;
                i++;
            }
            if (k == 0)
                return MM_ERR_PARSE;
            for (; k < 3; k++)
                frac *= 10;
        }
    }
    if (i < n && s[i] == 'Z') {
        off = 0;
        i++;
    } else if (i < n && (s[i] == '+' || s[i] == '-')) {
        int neg = s[i] == '-';
        long oh, om;
        i++;
        if ((oh = digits(s, n, &i, 2, 2)) < 0)
            return MM_ERR_PARSE;
        if (i < n && s[i] == ':')
            i++;
        if ((om = digits(s, n, &i, 2, 2)) < 0)
            return MM_ERR_PARSE;
        if (oh > 14 || om > 59)
            return MM_ERR_INVALID;
        off = (int)(oh * 60 + om) * (neg ? -1 : 1);
    }
    if (i != n)
        return MM_ERR_PARSE;
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 ||
        sec > 60)
        return MM_ERR_INVALID;
    *ms = ((mm_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec -
            (int64_t)off * 60) *
           1000) +
          frac;
    return MM_OK;
}

void mm_time_format(int64_t ms, int off_min, char *out, size_t outsz)
{
    int64_t t = ms / 1000 + (int64_t)off_min * 60;
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t sod = t - days * 86400;
    int y, m, d;
    int a = off_min < 0 ? -off_min : off_min;

    civil_from_days(days, &y, &m, &d);
    if (off_min == 0)
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(sod / 3600),
                 (int)(sod / 60 % 60), (int)(sod % 60));
    else
        snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(sod / 3600),
                 (int)(sod / 60 % 60), (int)(sod % 60), off_min < 0 ? '-' : '+', a / 60, a % 60);
}

void mm_time_format_utc(int64_t ms, char *out, size_t outsz)
{
    mm_time_format(ms, 0, out, outsz);
}

int64_t mm_logs_now_ms(void)
{
    const char *e = getenv("MAMORI_NOW");
    struct timespec ts;
    int64_t v;

    if (e && *e && mm_time_parse_iso(e, strlen(e), 0, &v) == MM_OK)
        return v;
    e = getenv("MAMORI_TODAY");
    if (e && *e) {
        char buf[40];
        snprintf(buf, sizeof(buf), "%sT12:00:00+09:00", e);
        if (mm_time_parse_iso(buf, strlen(buf), 0, &v) == MM_OK)
            return v;
    }
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Civil date arithmetic, parsing and the Japanese fiscal year and era names. Day counting
 * uses the days-from-civil algorithm so no time zone or libc locale is involved.
 */
#include "date.h"

int mm_date_is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int mm_date_days_in_month(int y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && mm_date_is_leap(y))
        return 29;
    return days[m - 1];
}

int mm_date_valid(const mm_date *d)
{
    return d->y >= 1873 && d->y <= 9999 && d->m >= 1 && d->m <= 12 && d->d >= 1 &&
           d->d <= mm_date_days_in_month(d->y, d->m);
}

static int digits(const char *s, int n, int *out)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 1;
}

/* Reads one or two digits at s[*i] (a month or a day, "4" or "04"); advances *i. Returns 0
 * when there is no digit or more than two. */
static int digits12(const char *s, size_t *i, int *out)
{
    int n = 0, v = 0;

    while (n < 3 && s[*i + (size_t)n] >= '0' && s[*i + (size_t)n] <= '9') {
        v = v * 10 + (s[*i + (size_t)n] - '0');
        n++;
    }
    if (n < 1 || n > 2)
        return 0;
    *i += (size_t)n;
    *out = v;
    return 1;
}

mm_rc mm_date_parse(const char *s, mm_date *out, mm_error *err)
{
    mm_date d;
    size_t i = 5, dstart;
    char sep;

    if (!s || !*s)
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, 1,
                            "日付は YYYY-MM-DD の形式で指定してください (expected a date as "
                            "YYYY-MM-DD, got \"%s\")",
                            s ? s : "");
    if (!digits(s, 4, &d.y))
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, 1,
                            "年は4桁の数字で指定してください (expected a 4-digit year in \"%s\")",
                            s);
    sep = s[4];
    if (sep != '-' && sep != '/')
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, 5,
                            "日付の区切りが不正です (expected YYYY-MM-DD, got \"%s\")", s);
    if (!digits12(s, &i, &d.m))
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, 6,
                            "月は2桁の数字で指定してください (expected a 2-digit month in \"%s\")",
                            s);
    if (s[i] != sep)
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, (long)i + 1,
                            "日付の区切りが不正です (expected YYYY-MM-DD, got \"%s\")", s);
    dstart = ++i;
    if (!digits12(s, &i, &d.d) || s[i] != '\0')
        return mm_error_set(err, MM_ERR_PARSE, NULL, 0, (long)dstart + 1,
                            "日は2桁の数字で指定してください (expected a 2-digit day in \"%s\")",
                            s);
    if (d.m < 1 || d.m > 12)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 6,
                            "存在しない月です: %s (month must be 01-12)", s);
    if (d.y < 1873)
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, 1,
                            "1873年より前の日付は扱えません: %s (year must be 1873 or later)", s);
    if (d.d < 1 || d.d > mm_date_days_in_month(d.y, d.m))
        return mm_error_set(err, MM_ERR_INVALID, NULL, 0, (long)dstart + 1,
                            "存在しない日付です: %s (day must be 01-%02d for %04d-%02d)", s,
                            mm_date_days_in_month(d.y, d.m), d.y, d.m);
    *out = d;
    return MM_OK;
}

int mm_date_cmp(const mm_date *a, const mm_date *b)
{
    if (a->y != b->y)
        return a->y < b->y ? -1 : 1;
    if (a->m != b->m)
        return a->m < b->m ? -1 : 1;
    if (a->d != b->d)
        return a->d < b->d ? -1 : 1;
    return 0;
}

/* Days from civil, proleptic Gregorian (Howard Hinnant's formulation of the arithmetic). */
long mm_date_to_days(const mm_date *dt)
{
    long y = dt->y - (dt->m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (dt->m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + dt->d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

mm_date mm_date_from_days(long z)
{
    mm_date d;
    long era, doe, yoe, doy, mp, y;

    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = z - era * 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d.d = (int)(doy - (153 * mp + 2) / 5 + 1);
    d.m = (int)(mp < 10 ? mp + 3 : mp - 9);
    d.y = (int)(y + (d.m <= 2));
    return d;
}

int mm_date_fiscal_year(const mm_date *d)
{
    return d->m >= 4 ? d->y : d->y - 1;
}

mm_date mm_fy_start(int fy)
{
    mm_date d = {fy, 4, 1};
    return d;
}

mm_date mm_fy_end(int fy)
{
    mm_date d = {fy + 1, 3, 31};
    return d;
}

/* Writes YYYY<sep>MM<sep>DD; out-of-range fields are reduced so the text always fits. */
static void date_fmt(const mm_date *d, char sep, char out[11])
{
    unsigned y = (unsigned)d->y % 10000u, m = (unsigned)d->m % 100u, dd = (unsigned)d->d % 100u;

    out[0] = (char)('0' + y / 1000);
    out[1] = (char)('0' + y / 100 % 10);
    out[2] = (char)('0' + y / 10 % 10);
    out[3] = (char)('0' + y % 10);
    out[4] = sep;
    out[5] = (char)('0' + m / 10);
    out[6] = (char)('0' + m % 10);
    out[7] = sep;
    out[8] = (char)('0' + dd / 10);
    out[9] = (char)('0' + dd % 10);
    out[10] = '\0';
}

void mm_date_iso(const mm_date *d, char out[11])
{
    date_fmt(d, '-', out);
}

void mm_date_slash(const mm_date *d, char out[11])
{
    date_fmt(d, '/', out);
}

/* Era table, newest first: the first day of each era (the day the new name took effect). */
static const struct {
    const char *name;
    mm_date start;
} eras[] = {
    {"令和", {2019, 5, 1}},  {"平成", {1989, 1, 8}}, {"昭和", {1926, 12, 25}},
    {"大正", {1912, 7, 30}}, {"明治", {1873, 1, 1}}, /* Gregorian calendar adopted in 明治6年 */
};

mm_rc mm_date_era(const mm_date *d, const char **era, int *year)
{
    for (size_t i = 0; i < MM_ARRAY_LEN(eras); i++) {
        if (mm_date_cmp(d, &eras[i].start) >= 0) {
            *era = eras[i].name;
            /* 明治 started in 1868; the table starts at the Gregorian switch in 1873. */
            *year = d->y - (i == MM_ARRAY_LEN(eras) - 1 ? 1868 : eras[i].start.y) + 1;
            return MM_OK;
        }
    }
    return MM_ERR_INVALID;
}

static void year_text(int year, char *out, size_t outsz)
{
    if (year == 1)
        snprintf(out, outsz, "元");
    else
        snprintf(out, outsz, "%d", year);
}

mm_rc mm_date_wareki(const mm_date *d, char *out, size_t outsz)
{
    const char *era;
    int year;
    char ys[16];

    if (!mm_date_valid(d) || mm_date_era(d, &era, &year) != MM_OK)
        return MM_ERR_INVALID;
    year_text(year, ys, sizeof(ys));
    return mm_snprintf(out, outsz, "%s%s年%d月%d日", era, ys, d->m, d->d);
}

mm_rc mm_fy_wareki(int fy, char *out, size_t outsz)
{
    mm_date dec31 = {fy, 12, 31};
    const char *era;
    int year;
    char ys[16];

    if (mm_date_era(&dec31, &era, &year) != MM_OK)
        return MM_ERR_INVALID;
    year_text(year, ys, sizeof(ys));
    return mm_snprintf(out, outsz, "%s%s年度", era, ys);
}

mm_date mm_date_today(void)
{
    const char *env = getenv("MAMORI_TODAY");
    mm_date d;
    time_t t;
    struct tm tm;

    if (env && *env && mm_date_parse(env, &d, NULL) == MM_OK)
        return d;
    t = time(NULL) + 9 * 3600; /* JST has no daylight saving time */
    gmtime_r(&t, &tm);
    d.y = tm.tm_year + 1900;
    d.m = tm.tm_mon + 1;
    d.d = tm.tm_mday;
    return d;
}

void mm_now_iso(char out[21])
{
    const char *env = getenv("MAMORI_NOW");
    time_t t;
    struct tm tm;

    if (env && strlen(env) == 20) {
        mm_strlcpy(out, env, 21);
        return;
    }
    t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

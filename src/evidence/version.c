/*
 * Version comparison and range expressions (rules in version.h). A version is tokenised into
 * numbers and words once per comparison; ranges are scanned left to right without allocating.
 */
#include <ctype.h>
#include <strings.h>

#include "version.h"

typedef struct vtok {
    int is_num;
    unsigned long long num; /* when is_num */
    const char *word;       /* when !is_num: points into the version text */
    size_t wlen;
} vtok;

typedef struct vparsed {
    vtok t[MM_VERSION_MAX_TOKENS];
    size_t n;
} vparsed;

/* The length of the significant part of s[0..len): up to white space, ',', '(' or "build". */
static size_t significant_len(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)s[i]) || s[i] == ',' || s[i] == '(')
            return i;
        if (len - i >= 5 && strncasecmp(s + i, "build", 5) == 0)
            return i;
    }
    return len;
}

/* Tokenises s[0..len) (already cut to its significant part). 0 when it is not a version. */
static int tokenize(const char *s, size_t len, vparsed *v)
{
    size_t i = 0;

    v->n = 0;
    if (len > 0 && (s[0] == 'v' || s[0] == 'V') && len > 1 && isdigit((unsigned char)s[1])) {
        s++;
        len--;
    }
    if (len == 0 || !isdigit((unsigned char)s[0]))
        return 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '.' || c == '-' || c == '_' || c == '+') {
            i++;
            continue;
        }
        if (v->n == MM_VERSION_MAX_TOKENS)
            return 0;
        if (isdigit(c)) {
            unsigned long long n = 0;
            size_t start = i;
            while (i < len && isdigit((unsigned char)s[i])) {
                if (i - start >= 18)
                    return 0; /* more digits than any real version has */
                n = n * 10 + (unsigned)(s[i] - '0');
                i++;
            }
            v->t[v->n].is_num = 1;
            v->t[v->n].num = n;
        } else if (isalpha(c)) {
            size_t start = i;
            while (i < len && isalpha((unsigned char)s[i]))
                i++;
            v->t[v->n].is_num = 0;
            v->t[v->n].word = s + start;
            v->t[v->n].wlen = i - start;
        } else {
            return 0;
        }
        v->n++;
    }
    return v->n > 0;
}

static int parse_n(const char *s, size_t len, vparsed *v)
{
    while (len > 0 && isspace((unsigned char)*s)) {
        s++;
        len--;
    }
    return tokenize(s, significant_len(s, len), v);
}

static int word_cmp(const vtok *a, const vtok *b)
{
    size_t n = a->wlen < b->wlen ? a->wlen : b->wlen;
    int c = strncasecmp(a->word, b->word, n);
    if (c != 0)
        return c;
    return (a->wlen > b->wlen) - (a->wlen < b->wlen);
}

static int parsed_cmp(const vparsed *a, const vparsed *b)
{
    size_t i, n = a->n < b->n ? a->n : b->n;
    const vparsed *rest;

    for (i = 0; i < n; i++) {
        const vtok *x = &a->t[i], *y = &b->t[i];
        if (x->is_num && y->is_num) {
            if (x->num != y->num)
                return x->num < y->num ? -1 : 1;
        } else if (x->is_num != y->is_num) {
            return x->is_num ? -1 : 1;
        } else {
            int c = word_cmp(x, y);
            if (c != 0)
                return c < 0 ? -1 : 1;
        }
    }
    rest = a->n > b->n ? a : b;
    for (; i < rest->n; i++)
        if (!rest->t[i].is_num || rest->t[i].num != 0)
            return rest == a ? 1 : -1;
    return 0;
}

int mm_version_valid(const char *s)
{
    vparsed v;
    return s && parse_n(s, strlen(s), &v);
}

mm_rc mm_version_compare(const char *a, const char *b, int *cmp)
{
    vparsed va, vb;

    if (!a || !b || !parse_n(a, strlen(a), &va) || !parse_n(b, strlen(b), &vb))
        return MM_ERR_PARSE;
    *cmp = parsed_cmp(&va, &vb);
    return MM_OK;
}

/* Comparison operators, longest spelling first so "<=" is not read as "<". */
typedef enum { OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ } range_op;

static const struct {
    const char *text;
    range_op op;
} range_ops[] = {
    {"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ}, {"<", OP_LT}, {">", OP_GT}, {"=", OP_EQ},
};

static int op_holds(range_op op, int c)
{
    switch (op) {
    case OP_LT: return c < 0;
    case OP_LE: return c <= 0;
    case OP_GT: return c > 0;
    case OP_GE: return c >= 0;
    case OP_EQ: return c == 0;
    }
    return 0;
}

/* Scanner state over one range expression. */
typedef struct rscan {
    const char *s;
    size_t pos;
    const vparsed *ver; /* NULL: syntax check only */
    mm_error *err;
} rscan;

static long char_col(const char *s, size_t off)
{
    long col = 1;
    for (size_t i = 0; i < off; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            col++;
    return col;
}

static mm_rc rfail(rscan *r, size_t off, const char *ja, const char *en)
{
    return mm_error_set(r->err, MM_ERR_PARSE, NULL, 0, char_col(r->s, off),
                        "版の範囲式の誤り: %s (bad version range: expected %s)", ja, en);
}

static void skip_sp(rscan *r)
{
    while (r->s[r->pos] == ' ' || r->s[r->pos] == '\t')
        r->pos++;
}

/* The end of a word (a version or an operator's operand): up to white space or "||". */
static size_t word_end(const rscan *r, size_t from)
{
    size_t i = from;
    while (r->s[i] && r->s[i] != ' ' && r->s[i] != '\t' && !(r->s[i] == '|'))
        i++;
    return i;
}

/* Reads one version word at r->pos. OUT: *v. */
static mm_rc read_version(rscan *r, vparsed *v)
{
    size_t start = r->pos, end = word_end(r, start);

    if (end == start || !tokenize(r->s + start, end - start, v) ||
        significant_len(r->s + start, end - start) != end - start)
        return rfail(r, start, "6.0.5 や 22.7R2.6 のような版が必要です",
                     "a version such as 6.0.5 or 22.7R2.6");
    r->pos = end;
    return MM_OK;
}

/* One alternative: conditions up to "||" or the end. OUT: *match (all conditions hold). */
static mm_rc scan_alt(rscan *r, int *match)
{
    int any = 0;
    mm_rc rc;

    *match = 1;
    for (;;) {
        range_op op = OP_EQ;
        int have_op = 0, c = 0;
        size_t start;
        vparsed v;

        skip_sp(r);
        if (!r->s[r->pos] || r->s[r->pos] == '|')
            break;
        start = r->pos;
        if (r->s[r->pos] == '*' && word_end(r, r->pos) == r->pos + 1) {
            r->pos++;
            any = 1;
            continue;
        }
        for (size_t i = 0; i < MM_ARRAY_LEN(range_ops); i++) {
            size_t n = strlen(range_ops[i].text);
            if (strncmp(r->s + r->pos, range_ops[i].text, n) == 0) {
                op = range_ops[i].op;
                r->pos += n;
                have_op = 1;
                break;
            }
        }
        if (have_op)
            skip_sp(r);
        if ((rc = read_version(r, &v)) != MM_OK)
            return rc;
        if (!have_op) {
            /* "A - B": an inclusive range. */
            size_t save = r->pos;
            skip_sp(r);
            if (r->s[r->pos] == '-' && (r->s[r->pos + 1] == ' ' || r->s[r->pos + 1] == '\t')) {
                vparsed hi;
                r->pos++;
                skip_sp(r);
                if ((rc = read_version(r, &hi)) != MM_OK)
                    return rc;
                if (parsed_cmp(&v, &hi) > 0)
                    return rfail(r, start, "「低 - 高」の低は高以下です",
                                 "a low - high range with low <= high");
                if (r->ver && !(parsed_cmp(r->ver, &v) >= 0 && parsed_cmp(r->ver, &hi) <= 0))
                    *match = 0;
                any = 1;
                continue;
            }
            r->pos = save;
        }
        if (r->ver) {
            c = parsed_cmp(r->ver, &v);
            if (!op_holds(op, c))
                *match = 0;
        }
        any = 1;
    }
    if (!any)
        return rfail(r, r->pos, ">=6.0.0 <6.0.5 のような条件が必要です",
                     "a condition such as >=6.0.0 <6.0.5");
    return MM_OK;
}

static mm_rc scan_range(const char *range, const vparsed *ver, int *match, mm_error *err)
{
    rscan r = {range, 0, ver, err};
    mm_rc rc;

    *match = 0;
    if (!range)
        return rfail(&r, 0, "範囲式が必要です", "a range");
    for (;;) {
        int m;
        if ((rc = scan_alt(&r, &m)) != MM_OK)
            return rc;
        if (m)
            *match = 1;
        if (!r.s[r.pos])
            break;
        if (strncmp(r.s + r.pos, "||", 2) != 0)
            return rfail(&r, r.pos, "選択肢の間は || です", "|| between alternatives");
        r.pos += 2;
    }
    return MM_OK;
}

mm_rc mm_version_range_check(const char *range, mm_error *err)
{
    int m;
    return scan_range(range, NULL, &m, err);
}

int mm_version_in_range(const char *version, const char *range)
{
    vparsed v;
    mm_error err;
    int m;

    if (!version || !parse_n(version, strlen(version), &v))
        return -1;
    if (scan_range(range, &v, &m, &err) != MM_OK)
        return -1;
    return m;
}

/*
 * A small recursive scanner over JSON text that stops at a requested path. It trusts that
 * the text already parsed (jansson said so) and gives up gracefully when it does not.
 */
#include "jsonpos.h"
#include "text.h"

typedef struct scan {
    const char *s;
    size_t len;
    size_t pos;
    int depth;
} scan;

static void skip_ws(scan *sc)
{
    while (sc->pos < sc->len && (sc->s[sc->pos] == ' ' || sc->s[sc->pos] == '\t' ||
                                 sc->s[sc->pos] == '\n' || sc->s[sc->pos] == '\r'))
        sc->pos++;
}

/* Skips a string starting at '"'; when out is given, copies up to outsz-1 raw bytes. */
static int skip_string(scan *sc, char *out, size_t outsz)
{
    size_t o = 0;

    if (sc->pos >= sc->len || sc->s[sc->pos] != '"')
        return 0;
    sc->pos++;
    while (sc->pos < sc->len && sc->s[sc->pos] != '"') {
        if (sc->s[sc->pos] == '\\')
            sc->pos++;
        else if (out && o + 1 < outsz)
            out[o++] = sc->s[sc->pos];
        sc->pos++;
    }
    if (out && outsz)
        out[o] = '\0';
    if (sc->pos >= sc->len)
        return 0;
    sc->pos++;
    return 1;
}

static int skip_value(scan *sc);

static int skip_container(scan *sc, char open, char close)
{
    if (++sc->depth > 512)
        return 0;
    sc->pos++; /* open */
    skip_ws(sc);
    if (sc->pos < sc->len && sc->s[sc->pos] == close) {
        sc->pos++;
        sc->depth--;
        return 1;
    }
    for (;;) {
        if (open == '{') {
            skip_ws(sc);
            if (!skip_string(sc, NULL, 0))
                return 0;
            skip_ws(sc);
            if (sc->pos >= sc->len || sc->s[sc->pos] != ':')
                return 0;
            sc->pos++;
        }
        if (!skip_value(sc))
            return 0;
        skip_ws(sc);
        if (sc->pos >= sc->len)
            return 0;
        if (sc->s[sc->pos] == ',') {
            sc->pos++;
            continue;
        }
        if (sc->s[sc->pos] == close) {
            sc->pos++;
            sc->depth--;
            return 1;
        }
        return 0;
    }
}

static int skip_value(scan *sc)
{
    skip_ws(sc);
    if (sc->pos >= sc->len)
        return 0;
    switch (sc->s[sc->pos]) {
    case '"': return skip_string(sc, NULL, 0);
    case '{': return skip_container(sc, '{', '}');
    case '[': return skip_container(sc, '[', ']');
    default:
        while (sc->pos < sc->len && !strchr(",]} \t\r\n", sc->s[sc->pos]))
            sc->pos++;
        return 1;
    }
}

int mm_json_locate(const char *text, size_t len, const mm_jpath *path, size_t n, size_t *off)
{
    scan sc = {text, len, 0, 0};

    skip_ws(&sc);
    *off = sc.pos;
    for (size_t k = 0; k < n; k++) {
        int found = 0;
        skip_ws(&sc);
        if (sc.pos >= len)
            return 0;
        if (path[k].key && sc.s[sc.pos] == '{') {
            sc.pos++;
            for (;;) {
                char name[256];
                skip_ws(&sc);
                if (sc.pos < len && sc.s[sc.pos] == '}')
                    break;
                if (!skip_string(&sc, name, sizeof(name)))
                    return 0;
                skip_ws(&sc);
                if (sc.pos >= len || sc.s[sc.pos] != ':')
                    return 0;
                sc.pos++;
                skip_ws(&sc);
                if (strcmp(name, path[k].key) == 0) {
                    found = 1;
                    break;
                }
                if (!skip_value(&sc))
                    return 0;
                skip_ws(&sc);
                if (sc.pos < len && sc.s[sc.pos] == ',')
                    sc.pos++;
                else
                    break;
            }
        } else if (!path[k].key && sc.s[sc.pos] == '[') {
            sc.pos++;
            for (long i = 0;; i++) {
                skip_ws(&sc);
                if (sc.pos >= len || sc.s[sc.pos] == ']')
                    break;
                if (i == path[k].index) {
                    found = 1;
                    break;
                }
                if (!skip_value(&sc))
                    return 0;
                skip_ws(&sc);
                if (sc.pos < len && sc.s[sc.pos] == ',')
                    sc.pos++;
                else
                    break;
            }
        }
        if (!found)
            return 0;
        *off = sc.pos;
    }
    return 1;
}

void mm_json_linecol(const char *text, size_t len, const mm_jpath *path, size_t n, long *line,
                     long *col)
{
    size_t off = 0;

    mm_json_locate(text, len, path, n, &off);
    mm_text_linecol(text, off, line, col);
}

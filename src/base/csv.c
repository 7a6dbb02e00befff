/*
 * The CSV record reader: a small state machine over the text that tracks line and column.
 */
#include "csv.h"

void mm_csv_init(mm_csv *c, const char *name, const char *text, size_t len)
{
    memset(c, 0, sizeof(*c));
    c->name = name;
    c->s = text;
    c->len = len;
    c->line = 1;
    c->col = 1;
    mm_buf_init(&c->store, MM_CSV_MAX_FIELD * 4);
}

void mm_csv_release(mm_csv *c)
{
    mm_buf_release(&c->store);
}

/* Advances one byte, keeping line and column (columns count characters, not bytes). */
static void advance(mm_csv *c)
{
    unsigned char b = (unsigned char)c->s[c->pos++];

    if (b == '\n') {
        c->line++;
        c->col = 1;
        return;
    }
    /* A character is counted once we step past its last byte. */
    if (c->pos >= c->len || ((unsigned char)c->s[c->pos] & 0xC0) != 0x80)
        c->col++;
}

static mm_rc add_byte(mm_csv *c, char ch, size_t field_start, mm_error *err)
{
    if (c->store.len - field_start >= MM_CSV_MAX_FIELD || mm_buf_addc(&c->store, ch) != MM_OK)
        return mm_error_set(err, MM_ERR_PARSE, c->name, c->fields[c->nfields].line,
                            c->fields[c->nfields].col,
                            "項目が長すぎます (field longer than %d bytes)", MM_CSV_MAX_FIELD);
    return MM_OK;
}

mm_rc mm_csv_next(mm_csv *c, mm_error *err)
{
    mm_rc rc;

    /* Skip blank lines. */
    while (c->pos < c->len && (c->s[c->pos] == '\n' || c->s[c->pos] == '\r'))
        advance(c);
    if (c->pos >= c->len)
        return MM_ERR_NOTFOUND;
    mm_buf_reset(&c->store);
    c->nfields = 0;
    c->record_line = c->line;
    for (;;) {
        size_t start = c->store.len;
        if (c->nfields >= MM_CSV_MAX_FIELDS)
            return mm_error_set(err, MM_ERR_PARSE, c->name, c->line, c->col,
                                "列が多すぎます (more than %d fields in a record)",
                                MM_CSV_MAX_FIELDS);
        c->fields[c->nfields].line = c->line;
        c->fields[c->nfields].col = c->col;
        if (c->pos < c->len && c->s[c->pos] == '"') {
            long qline = c->line, qcol = c->col;
            advance(c);
            for (;;) {
                if (c->pos >= c->len)
                    return mm_error_set(err, MM_ERR_PARSE, c->name, qline, qcol,
                                        "引用符が閉じていません (unterminated quoted field)");
                if (c->s[c->pos] == '"') {
                    if (c->pos + 1 < c->len && c->s[c->pos + 1] == '"') {
                        advance(c);
                        advance(c);
                        if ((rc = add_byte(c, '"', start, err)) != MM_OK)
                            return rc;
                        continue;
                    }
                    advance(c);
                    break;
                }
                if ((rc = add_byte(c, c->s[c->pos], start, err)) != MM_OK)
                    return rc;
                advance(c);
            }
            if (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != '\n' &&
                c->s[c->pos] != '\r')
                return mm_error_set(err, MM_ERR_PARSE, c->name, c->line, c->col,
                                    "閉じ引用符の後に文字があります (expected a comma or end of "
                                    "line after the closing quote)");
        } else {
            while (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != '\n' &&
                   c->s[c->pos] != '\r') {
                if (c->s[c->pos] == '"')
                    return mm_error_set(err, MM_ERR_PARSE, c->name, c->line, c->col,
                                        "引用符は項目の先頭にだけ書けます (a quote inside an "
                                        "unquoted field; quote the whole field)");
                if ((rc = add_byte(c, c->s[c->pos], start, err)) != MM_OK)
                    return rc;
                advance(c);
            }
        }
        if (mm_buf_addc(&c->store, '\0') != MM_OK)
            return mm_error_set(err, MM_ERR_PARSE, c->name, c->line, c->col,
                                "行が長すぎます (record too long)");
        c->offs[c->nfields++] = start;
        if (c->pos < c->len && c->s[c->pos] == ',') {
            advance(c);
            continue;
        }
        /* End of record: CRLF, LF, CR or end of text. */
        if (c->pos < c->len && c->s[c->pos] == '\r')
            advance(c);
        if (c->pos < c->len && c->s[c->pos] == '\n')
            advance(c);
        break;
    }
    for (size_t i = 0; i < c->nfields; i++)
        c->fields[i].text = c->store.data + c->offs[i];
    return MM_OK;
}

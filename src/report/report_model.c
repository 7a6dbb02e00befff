/*
 * The report model: everything a checklist report shows, built once from the catalog and the
 * store (facility, current answers, vendors) and then handed unchanged to every format writer,
 * so the XLSX, PDF, HTML and CSV of one run can never disagree. Derived facts (latest round,
 * overdue 対応目標日, the summary and the checklist's own deadlines) are computed here and
 * nowhere else.
 */
#include "audit.h"
#include "report.h"
#include "text.h"

/* Rows a sheet prints: one per item and scope (2-⑫ counts twice). */
static size_t sheet_rows(const mm_sheet *sheet)
{
    size_t n = 0;

    for (size_t i = 0; i < sheet->nitems; i++)
        n += sheet->items[i].nscopes;
    return n;
}

/* Copies a stored answer into a round's cell. */
static void fill_check(mm_report_check *c, const mm_answer *a)
{
    memset(c, 0, sizeof(*c));
    if (!a)
        return;
    c->answered = 1;
    c->value = a->value;
    c->checked = a->checked;
    c->has_target = a->has_target;
    c->target = a->target;
    mm_strlcpy(c->answerer, a->answerer, sizeof(c->answerer));
}

/* Fills one row from the current answers; counts it into the summary. */
static void fill_row(mm_report_row *row, const mm_sheet *sheet, const mm_item *item, mm_scope scope,
                     const mm_answer_list *answers, const char *vendor, const mm_date *today,
                     mm_report_summary *sum)
{
    const mm_answer *latest = NULL;
    const mm_report_check *c;

    row->item = item;
    row->scope = scope;
    row->section_title = mm_sheet_section_title(sheet, item->section);
    row->group = item->section == 2 ? mm_scope_group(scope) : NULL;
    row->latest = -1;
    for (int r = 0; r < 2; r++) {
        const mm_answer *a = mm_answer_find(answers, vendor, item->id, r + 1, scope);
        fill_check(&row->round[r], a);
        if (a) {
            row->latest = r;
            latest = a;
        }
    }
    row->note = mm_xstrdup(latest && latest->note ? latest->note : "");

    sum->rows++;
    if (row->latest < 0)
        return;
    c = &row->round[row->latest];
    sum->answered++;
    switch (c->value) {
    case MM_ANS_YES: sum->yes++; break;
    case MM_ANS_NA: sum->na++; break;
    case MM_ANS_NO:
        sum->no++;
        if (c->has_target && mm_date_cmp(&c->target, today) < 0) {
            row->overdue = 1;
            sum->overdue++;
        } else if (c->has_target) {
            sum->targets_open++;
        }
        break;
    }
}

/* The checklist's own deadlines (2-⑩: 令和9年度末): met when every row of the item has はい
 * as its latest answer. */
static void fill_deadlines(mm_report *r, const mm_date *today)
{
    mm_report_summary *sum = &r->summary;

    for (size_t i = 0; i < r->sheet->nitems; i++) {
        const mm_item *item = &r->sheet->items[i];
        mm_report_deadline *d;
        int met = 1;

        if (!item->has_deadline || sum->ndeadlines >= (int)MM_ARRAY_LEN(sum->deadlines))
            continue;
        for (size_t k = 0; k < r->nrows; k++) {
            const mm_report_row *row = &r->rows[k];
            if (row->item != item)
                continue;
            if (row->latest < 0 || row->round[row->latest].value != MM_ANS_YES)
                met = 0;
        }
        d = &sum->deadlines[sum->ndeadlines++];
        d->item = item;
        d->date = item->deadline;
        d->days_left = mm_date_to_days(&item->deadline) - mm_date_to_days(today);
        d->met = met;
    }
}

/* Cuts a UTF-8 sequence that snprintf left incomplete at the end of s, so every writer gets
 * valid text (an XLSX with a broken sequence does not open). */
static void trim_utf8_tail(char *s)
{
    size_t len = strlen(s), start = len, need;

    while (start > 0 && len - start < 4 && ((unsigned char)s[start - 1] & 0xC0) == 0x80)
        start--;
    if (start == 0 || ((unsigned char)s[start - 1] & 0x80) == 0)
        return;
    start--; /* the lead byte */
    need = ((unsigned char)s[start] & 0xE0) == 0xC0   ? 2
           : ((unsigned char)s[start] & 0xF0) == 0xE0 ? 3
           : ((unsigned char)s[start] & 0xF8) == 0xF0 ? 4
                                                      : 0;
    if (len - start != need)
        s[start] = '\0';
}

/* The machine verdict and conflict of each row, from the open findings (hospital sheet). */
static void fill_verdicts(mm_report *r, const mm_finding_list *findings)
{
    for (size_t i = 0; i < r->nrows; i++) {
        mm_report_row *row = &r->rows[i];
        row->verdict = mm_row_verdict(findings, row->item->id, row->scope, NULL);
        if (row->latest >= 0 &&
            mm_answer_conflict(row->round[row->latest].value, row->verdict, findings, row->item->id,
                               row->scope, row->conflict_text, sizeof(row->conflict_text))) {
            trim_utf8_tail(row->conflict_text);
            row->conflict = 1;
            r->summary.conflicts++;
        }
    }
}

/* Builds one sheet's report. vendor is NULL for the hospital sheet. */
static mm_rc build_report(mm_store *st, const mm_sheet *sheet, const char *vendor,
                          const mm_date *today, mm_report *r, mm_error *err)
{
    mm_answer_list answers = {0};
    size_t k = 0;
    mm_rc rc;

    r->sheet = sheet;
    mm_strlcpy(r->vendor, vendor ? vendor : "", sizeof(r->vendor));
    mm_strlcpy(r->title, sheet->title, sizeof(r->title));
    if (vendor)
        rc = mm_snprintf(r->sheet_label, sizeof(r->sheet_label), "%s（%s）",
                         mm_sheet_label(MM_SHEET_VENDOR), vendor);
    else
        rc = mm_snprintf(r->sheet_label, sizeof(r->sheet_label), "%s", mm_sheet_label(sheet->kind));
    if (rc != MM_OK) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                          "事業者名が長すぎます (vendor name too long: %.40s…)", vendor);
        goto out;
    }
    if ((rc = mm_answers_current(st, sheet->version, sheet->kind, vendor, &answers, err)) != MM_OK)
        goto out;
    r->nrows = sheet_rows(sheet);
    r->rows = mm_xcalloc(r->nrows ? r->nrows : 1, sizeof(*r->rows));
    for (size_t i = 0; i < sheet->nitems; i++) {
        const mm_item *item = &sheet->items[i];
        for (size_t s = 0; s < item->nscopes; s++)
            fill_row(&r->rows[k++], sheet, item, item->scopes[s], &answers, vendor, today,
                     &r->summary);
    }
    for (size_t i = 0; i < r->nrows; i++)
        r->rows[i].verdict = MM_VERDICT_NONE;
    fill_deadlines(r, today);
out:
    mm_answer_list_release(&answers);
    return rc;
}

/* Frees what one report owns (its rows and their notes). */
static void report_release(mm_report *r)
{
    for (size_t i = 0; r->rows && i < r->nrows; i++)
        free(r->rows[i].note);
    free(r->rows);
    r->rows = NULL;
    r->nrows = 0;
}

/*
 * The vendors to print: all of them, or only_vendor (normalised like mm_vendor_add does) when
 * given, which must exist. OUT: *names, *n (caller frees each and the array).
 */
static mm_rc pick_vendors(mm_store *st, const char *only_vendor, char ***names, size_t *n,
                          mm_error *err)
{
    char *want = NULL;
    size_t keep = 0;
    mm_rc rc;

    if ((rc = mm_vendor_list(st, names, n, err)) != MM_OK || !only_vendor)
        goto out;
    want = mm_text_normalize(only_vendor);
    for (size_t i = 0; i < *n; i++) {
        if (mm_streq((*names)[i], want) && keep == 0)
            (*names)[keep++] = (*names)[i];
        else
            free((*names)[i]);
    }
    *n = keep;
    if (keep == 0)
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                          "事業者「%s」は登録されていません (no vendor named \"%s\")", want, want);
out:
    free(want);
    return rc;
}

/* The audit trail's head as an anchor printed in the hospital sheet's summary: whoever keeps
 * the printout can later prove with `mamori audit verify --anchor` that the trail up to it is
 * unchanged. */
static mm_rc set_anchor(mm_store *st, mm_report *r, mm_error *err)
{
    long seq;
    char at[21], hash[65];
    mm_rc rc = mm_audit_head(st, &seq, at, hash, err);

    r->audit_anchor[0] = '\0';
    if (rc == MM_OK && seq > 0)
        snprintf(r->audit_anchor, sizeof(r->audit_anchor), "%ld:%s", seq, hash);
    return rc;
}

/* A new set for checklist version `version` as of today: the date, the fiscal year in 和暦
 * and the facility; the sheets are the caller's. OUT: *out (NULL on failure). */
static mm_rc set_new(mm_store *st, int version, mm_report_set **out, mm_error *err)
{
    mm_report_set *set = mm_xcalloc(1, sizeof(*set));
    mm_rc rc;

    *out = NULL;
    set->version = version;
    set->today = mm_date_today();
    mm_date_slash(&set->today, set->generated);
    if ((rc = mm_fy_wareki(version, set->fy_label, sizeof(set->fy_label))) != MM_OK)
        mm_error_set(err, rc, NULL, 0, 0, "年度を和暦にできません (bad version %d)", version);
    else
        rc = mm_facility_get(st, &set->facility, err);
    if (rc != MM_OK)
        mm_report_set_free(&set);
    *out = set;
    return rc;
}

static mm_rc no_vendor_sheet(int version, mm_error *err)
{
    return mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                        "%d年度版の事業者確認用チェックリストはありません (no vendor sheet for "
                        "version %d)",
                        version, version);
}

static void free_vendors(char **vendors, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(vendors[i]);
    free(vendors);
}

mm_rc mm_report_set_build(mm_store *st, const mm_catalog *cat, int version, const char *only_vendor,
                          mm_report_set **out, mm_error *err)
{
    const mm_sheet *hosp = mm_catalog_sheet(cat, version, MM_SHEET_HOSPITAL);
    const mm_sheet *vend = mm_catalog_sheet(cat, version, MM_SHEET_VENDOR);
    mm_report_set *set = NULL;
    char **vendors = NULL;
    size_t nvendors = 0;
    mm_rc rc = MM_OK;

    *out = NULL;
    if (!hosp) {
        rc = mm_error_set(err, MM_ERR_NOTFOUND, NULL, 0, 0,
                          "%d年度版の医療機関確認用チェックリストはありません (no hospital sheet "
                          "for version %d)",
                          version, version);
        goto out;
    }
    if (only_vendor && !vend) {
        rc = no_vendor_sheet(version, err);
        goto out;
    }
    if ((rc = set_new(st, version, &set, err)) != MM_OK)
        goto out;
    if (vend && (rc = pick_vendors(st, only_vendor, &vendors, &nvendors, err)) != MM_OK)
        goto out;
    set->reports = mm_xcalloc(1 + nvendors, sizeof(*set->reports));
    set->nreports = 1 + nvendors;
    if ((rc = build_report(st, hosp, NULL, &set->today, &set->reports[0], err)) != MM_OK ||
        (rc = mm_findings_list(st, NULL, 0, &set->findings, err)) != MM_OK)
        goto out;
    fill_verdicts(&set->reports[0], &set->findings);
    if ((rc = set_anchor(st, &set->reports[0], err)) != MM_OK)
        goto out;
    for (size_t i = 0; i < nvendors; i++) {
        rc = build_report(st, vend, vendors[i], &set->today, &set->reports[1 + i], err);
        if (rc != MM_OK)
            goto out;
    }
    *out = set;
    set = NULL;
out:
    free_vendors(vendors, nvendors);
    mm_report_set_free(&set);
    return rc;
}

mm_rc mm_report_set_build_vendor(mm_store *st, const mm_catalog *cat, int version,
                                 const char *vendor, mm_report_set **out, mm_error *err)
{
    const mm_sheet *vend = mm_catalog_sheet(cat, version, MM_SHEET_VENDOR);
    mm_report_set *set = NULL;
    char **vendors = NULL;
    size_t nvendors = 0;
    mm_rc rc = MM_OK;

    *out = NULL;
    if (!vend) {
        rc = no_vendor_sheet(version, err);
        goto out;
    }
    if (!vendor || !*vendor) {
        rc = mm_error_set(err, MM_ERR_INVALID, NULL, 0, 0,
                          "事業者名が必要です (a vendor name is required)");
        goto out;
    }
    if ((rc = set_new(st, version, &set, err)) != MM_OK ||
        (rc = pick_vendors(st, vendor, &vendors, &nvendors, err)) != MM_OK)
        goto out;
    set->vendor_only = 1;
    set->reports = mm_xcalloc(1, sizeof(*set->reports));
    set->nreports = 1;
    if ((rc = build_report(st, vend, vendors[0], &set->today, &set->reports[0], err)) != MM_OK)
        goto out;
    *out = set;
    set = NULL;
out:
    free_vendors(vendors, nvendors);
    mm_report_set_free(&set);
    return rc;
}

void mm_report_set_free(mm_report_set **setp)
{
    mm_report_set *set;

    if (!setp || !*setp)
        return;
    set = *setp;
    for (size_t i = 0; i < set->nreports; i++)
        report_release(&set->reports[i]);
    free(set->reports);
    mm_finding_list_release(&set->findings);
    free(set);
    *setp = NULL;
}

/*
 * Long operations started from the UI — writing a report, running the evaluators — as jobs:
 * POST /api/v1/jobs starts one in a thread of its own and answers 202 at once; the UI polls
 * GET /api/v1/jobs/:id for its phase and step (so the page shows progress instead of
 * freezing) and fetches a report with GET /api/v1/jobs/:id/file. A job belongs to the user who
 * started it; the same role and vendor rules as the direct routes apply, taken from the
 * session when the job is created. At most MM_WEB_JOBS jobs are kept; finished ones are
 * dropped after MM_JOB_KEEP seconds or when a slot is needed.
 */
#include <sodium.h>
#include <unistd.h>

#include "audit.h"
#include "evaluate.h"
#include "fs.h"
#include "report.h"
#include "web_int.h"

#define MM_JOB_KEEP 600 /* seconds a finished job and its file are kept */

static const char *const state_names[] = {"free", "queued", "running", "done", "failed"};

static const struct {
    const char *file;
    mm_report_format format;
    const char *ctype;
} job_files[] = {
    {"checklist.xlsx", MM_REPORT_XLSX,
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
    {"checklist.pdf", MM_REPORT_PDF, "application/pdf"},
    {"checklist.html", MM_REPORT_HTML, "text/html; charset=utf-8"},
    {"checklist.csv", MM_REPORT_CSV, "text/csv; charset=utf-8"},
};

/* Sets the phase shown to the user (Japanese and English) and the step reached. */
static void job_phase(mm_web *w, mm_job *j, int step, const char *phase)
{
    pthread_mutex_lock(&w->jobs_lock);
    j->step = step;
    mm_strlcpy(j->phase, phase, sizeof(j->phase));
    if (j->state == MM_JOB_QUEUED)
        j->state = MM_JOB_RUNNING;
    pthread_mutex_unlock(&w->jobs_lock);
}

static void job_finish(mm_web *w, mm_job *j, const mm_error *err, char *data, size_t len)
{
    pthread_mutex_lock(&w->jobs_lock);
    if (err && err->rc != MM_OK) {
        j->state = MM_JOB_FAILED;
        mm_strlcpy(j->message, err->msg, sizeof(j->message));
        free(data);
    } else {
        j->state = MM_JOB_DONE;
        j->step = j->steps;
        j->data = data;
        j->len = len;
    }
    j->finished = mm_now_unix();
    pthread_mutex_unlock(&w->jobs_lock);
}

static void run_report(mm_web *w, mm_job *j)
{
    char dir[] = "/tmp/mamori-job-XXXXXX", path[4096] = "";
    mm_report_opts ro = {job_files[j->file].format, j->cp932 ? MM_ENC_CP932 : MM_ENC_UTF8};
    mm_report_set *set = NULL;
    char *data = NULL;
    size_t len = 0;
    mm_error err;

    mm_error_clear(&err);
    job_phase(w, j, 1, "集計中 (building the report model)");
    pthread_mutex_lock(&w->lock);
    if (j->vendor_only)
        mm_report_set_build_vendor(w->st, w->cat, w->version, j->vendor, &set, &err);
    else
        mm_report_set_build(w->st, w->cat, w->version, j->vendor[0] ? j->vendor : NULL, &set, &err);
    pthread_mutex_unlock(&w->lock);
    if (err.rc != MM_OK)
        goto out;
    /* Writing the file needs no store: other requests go on meanwhile. */
    job_phase(w, j, 2, "書き出し中 (writing the file)");
    if (!mkdtemp(dir)) {
        mm_error_set(&err, MM_ERR_IO, NULL, 0, 0, "一時ディレクトリを作れません (no temp dir)");
        dir[0] = '\0';
        goto out;
    }
    if (mm_path_join(path, sizeof(path), dir, job_files[j->file].file) != MM_OK) {
        mm_error_set(&err, MM_ERR_INVALID, NULL, 0, 0, "temp path too long");
        goto out;
    }
    pthread_mutex_lock(&w->report_lock);
    mm_report_write(set, &ro, path, &err);
    pthread_mutex_unlock(&w->report_lock);
    if (err.rc != MM_OK)
        goto out;
    job_phase(w, j, 3, "仕上げ中 (finishing)");
    mm_file_read(path, (size_t)256 << 20, &data, &len, &err);
out:
    if (path[0])
        unlink(path);
    if (dir[0] && dir[0] == '/')
        rmdir(dir);
    mm_report_set_free(&set);
    job_finish(w, j, &err, err.rc == MM_OK ? data : NULL, len);
    if (err.rc != MM_OK)
        free(data);
}

static void run_evaluate(mm_web *w, mm_job *j)
{
    mm_eval_settings set = {w->cfg.eval_unused_days, w->ws_dir};
    mm_eval_summary sum;
    mm_error err;
    char *text;

    mm_error_clear(&err);
    memset(&sum, 0, sizeof(sum));
    job_phase(w, j, 1, "評価中 (running the evaluators)");
    text = mm_xmalloc(256);
    pthread_mutex_lock(&w->lock);
    if (mm_evaluate_all(w->st, &set, &sum, &err) == MM_OK) {
        mm_snprintf(text, 256,
                    "{\"evaluators\":%d,\"findings\":%d,\"failures\":%d,\"resolved\":%d}",
                    sum.evaluators, sum.findings, sum.failures, sum.resolved);
        /* The evaluators' own entry names "mamori"; this one names who asked for the run. */
        if (mm_store_begin(w->st, &err) == MM_OK) {
            if (mm_audit_append(w->st, j->user, "evaluate.request", "findings", NULL, text, NULL,
                                &err) == MM_OK)
                mm_store_commit(w->st, &err);
            if (err.rc != MM_OK)
                mm_store_rollback(w->st);
        }
    }
    pthread_mutex_unlock(&w->lock);
    if (err.rc != MM_OK) {
        free(text);
        job_finish(w, j, &err, NULL, 0);
        return;
    }
    job_finish(w, j, NULL, text, strlen(text));
}

static void *job_main(void *arg)
{
    mm_job *j = arg;
    mm_web *w = j->web;

    if (j->kind == MM_JOB_REPORT)
        run_report(w, j);
    else
        run_evaluate(w, j);
    return NULL;
}

/* A free slot, reusing the oldest finished job; NULL when every slot is busy. Jobs lock held. */
static mm_job *take_slot(mm_web *w, long now)
{
    mm_job *best = NULL;

    for (size_t i = 0; i < MM_WEB_JOBS; i++) {
        mm_job *j = &w->jobs[i];
        if (j->state == MM_JOB_FREE)
            return j;
        if ((j->state == MM_JOB_DONE || j->state == MM_JOB_FAILED) &&
            (!best || j->finished < best->finished))
            best = j;
    }
    (void)now;
    return best;
}

/* Drops finished jobs older than MM_JOB_KEEP. Jobs lock held. */
static void expire(mm_web *w, long now)
{
    for (size_t i = 0; i < MM_WEB_JOBS; i++) {
        mm_job *j = &w->jobs[i];
        if ((j->state == MM_JOB_DONE || j->state == MM_JOB_FAILED) &&
            j->finished + MM_JOB_KEEP < now) {
            if (j->joinable)
                pthread_join(j->thread, NULL);
            free(j->data);
            memset(j, 0, sizeof(*j));
        }
    }
}

/* Parses and checks a job request against the user's rights. Returns 0 or an HTTP status. */
static int job_request(mm_req *r, mm_job *out)
{
    const char *kind = NULL, *file = NULL, *enc = NULL, *vendor = NULL;
    mm_error err;

    mm_error_clear(&err);
    memset(out, 0, sizeof(*out));
    if (mm_web_body_str(r->json, "kind", 1, 16, &kind, &err) != MM_OK ||
        mm_web_body_str(r->json, "file", 0, 32, &file, &err) != MM_OK ||
        mm_web_body_str(r->json, "encoding", 0, 8, &enc, &err) != MM_OK ||
        mm_web_body_str(r->json, "vendor", 0, 255, &vendor, &err) != MM_OK)
        return mm_req_fail(r, &err);
    if (strcmp(kind, "evaluate") == 0) {
        if (r->user.role != MM_ROLE_ADMIN && r->user.role != MM_ROLE_ASSESSOR)
            return mm_req_error(r, 403, "forbidden",
                                "評価を実行できるのは管理者と評価担当です "
                                "(only admins and assessors run the evaluators)");
        if (file || enc || vendor)
            return mm_req_error(r, 400, "invalid",
                                "evaluate は file, encoding, vendor を取りません "
                                "(evaluate takes no file, encoding or vendor)");
        out->kind = MM_JOB_EVALUATE;
        out->steps = 1;
        return 0;
    }
    if (strcmp(kind, "report") != 0)
        return mm_req_error(r, 400, "invalid",
                            "kind は report か evaluate です (kind: report or evaluate)");
    out->kind = MM_JOB_REPORT;
    out->steps = 3;
    out->file = -1;
    for (size_t i = 0; file && i < MM_ARRAY_LEN(job_files); i++)
        if (strcmp(file, job_files[i].file) == 0)
            out->file = (int)i;
    if (out->file < 0)
        return mm_req_error(r, 400, "invalid",
                            "file は checklist.xlsx, .pdf, .html, .csv です (bad report file)");
    if (enc && strcmp(enc, "cp932") == 0 && job_files[out->file].format == MM_REPORT_CSV)
        out->cp932 = 1;
    else if (enc && strcmp(enc, "utf8") != 0)
        return mm_req_error(r, 400, "invalid", "encoding は utf8 か cp932 です (bad encoding)");
    /* A vendor user: its own sheet only, from the session. */
    if (r->user.role == MM_ROLE_VENDOR) {
        if (vendor && *vendor && strcmp(vendor, r->user.vendor) != 0)
            return mm_req_error(r, 403, "forbidden",
                                "自社の事業者確認用シートだけを出力できます "
                                "(vendors download only their own sheet)");
        out->vendor_only = 1;
        mm_strlcpy(out->vendor, r->user.vendor, sizeof(out->vendor));
    } else if (vendor && *vendor) {
        long id;
        int status;
        if ((status = mm_req_vendor(r, vendor, &id)) != 0)
            return status;
        mm_strlcpy(out->vendor, vendor, sizeof(out->vendor));
    }
    return 0;
}

static void job_json(mm_buf *b, const mm_job *j)
{
    mm_buf_addf(b,
                "{\"id\":\"%s\",\"kind\":\"%s\",\"state\":\"%s\",\"step\":%d,\"steps\":%d,"
                "\"phase\":",
                j->id, j->kind == MM_JOB_REPORT ? "report" : "evaluate", state_names[j->state],
                j->step, j->steps);
    mm_jstr(b, j->phase);
    mm_buf_addf(b, ",\"elapsed\":%ld", (j->finished ? j->finished : mm_now_unix()) - j->created);
    if (j->state == MM_JOB_FAILED) {
        mm_buf_adds(b, ",\"message\":");
        mm_jstr(b, j->message);
    }
    if (j->state == MM_JOB_DONE && j->kind == MM_JOB_REPORT)
        mm_buf_addf(b, ",\"file\":\"%s\",\"size\":%zu,\"url\":\"/api/v1/jobs/%s/file\"",
                    job_files[j->file].file, j->len, j->id);
    if (j->state == MM_JOB_DONE && j->kind == MM_JOB_EVALUATE)
        mm_buf_addf(b, ",\"result\":%.*s", (int)j->len, j->data);
    mm_buf_addc(b, '}');
}

int mm_api_job_start(mm_req *r)
{
    mm_web *w = r->web;
    mm_job req, *j;
    long now = mm_now_unix();
    int status;

    if ((status = job_request(r, &req)) != 0)
        return status;
    pthread_mutex_lock(&w->jobs_lock);
    expire(w, now);
    if (!(j = take_slot(w, now))) {
        pthread_mutex_unlock(&w->jobs_lock);
        return mm_req_error(r, 503, "busy",
                            "実行中の処理が多すぎます。しばらくしてからやり直してください "
                            "(too many jobs running; try again shortly)");
    }
    if (j->joinable)
        pthread_join(j->thread, NULL);
    free(j->data);
    *j = req;
    j->web = w;
    mm_random_hex(j->id, 16);
    j->user_id = r->user.id;
    mm_strlcpy(j->user, r->user.name, sizeof(j->user));
    j->created = now;
    j->state = MM_JOB_QUEUED;
    mm_strlcpy(j->phase, "開始待ち (queued)", sizeof(j->phase));
    if (pthread_create(&j->thread, NULL, job_main, j) != 0) {
        memset(j, 0, sizeof(*j));
        pthread_mutex_unlock(&w->jobs_lock);
        return mm_req_error(r, 503, "busy", "処理を開始できません (cannot start a thread)");
    }
    j->joinable = 1;
    job_json(&r->out, j);
    pthread_mutex_unlock(&w->jobs_lock);
    mm_buf_addc(&r->out, '\n');
    return 202;
}

/* The caller's job named by r->params[0], or NULL. Jobs lock held. */
static mm_job *find_job(mm_req *r)
{
    for (size_t i = 0; i < MM_WEB_JOBS; i++) {
        mm_job *j = &r->web->jobs[i];
        if (j->state != MM_JOB_FREE && j->user_id == r->user.id &&
            strlen(r->params[0]) == strlen(j->id) &&
            sodium_memcmp(j->id, r->params[0], strlen(j->id)) == 0)
            return j;
    }
    return NULL;
}

int mm_api_job(mm_req *r)
{
    mm_job *j;

    pthread_mutex_lock(&r->web->jobs_lock);
    if (!(j = find_job(r))) {
        pthread_mutex_unlock(&r->web->jobs_lock);
        return mm_req_error(r, 404, "not_found",
                            "その処理はありません（期限切れか他の利用者のもの） (no such job)");
    }
    job_json(&r->out, j);
    pthread_mutex_unlock(&r->web->jobs_lock);
    mm_buf_addc(&r->out, '\n');
    return 200;
}

int mm_api_job_file(mm_req *r)
{
    int status = 200;
    mm_job *j;

    pthread_mutex_lock(&r->web->jobs_lock);
    if (!(j = find_job(r))) {
        status = mm_req_error(r, 404, "not_found", "その処理はありません (no such job)");
    } else if (j->kind != MM_JOB_REPORT) {
        status = mm_req_error(r, 404, "not_found", "この処理にファイルはありません (no file)");
    } else if (j->state != MM_JOB_DONE) {
        status = mm_req_error(r, 409, "not_ready",
                              j->state == MM_JOB_FAILED ? "処理は失敗しました (the job failed)"
                                                        : "まだ作成中です (not finished yet)");
    } else {
        r->out.max = j->len + 1;
        if (mm_buf_add(&r->out, j->data, j->len) != MM_OK) {
            status = mm_req_error(r, 500, "internal", "out of memory");
        } else {
            r->ctype = job_files[j->file].ctype;
            mm_snprintf(r->disposition, sizeof(r->disposition), "attachment; filename=\"%s\"",
                        job_files[j->file].file);
        }
    }
    pthread_mutex_unlock(&r->web->jobs_lock);
    return status;
}

void mm_web_jobs_release(mm_web *w)
{
    for (size_t i = 0; i < MM_WEB_JOBS; i++) {
        mm_job *j = &w->jobs[i];
        if (j->joinable)
            pthread_join(j->thread, NULL);
        free(j->data);
        memset(j, 0, sizeof(*j));
    }
}

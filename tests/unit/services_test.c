/*
 * Unit tests for the services module: every service list format on its fixture (what a user
 * would see in the snapshot), errors with their positions, the vocabulary, the diff and the
 * unneeded-services list with its workspace overrides.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fs.h"
#include "services.h"
#include "services_int.h"

static char *fixture(const char *name, size_t *len)
{
    const char *dir = getenv("MM_TEST_DATA");
    char path[4096];
    char *data = NULL;
    mm_error err;

    snprintf(path, sizeof(path), "%s/services/%s", dir ? dir : "../tests/data", name);
    if (mm_file_read(path, MM_SERVICES_MAX_BYTES, &data, len, &err) != MM_OK)
        fail_msg("cannot read %s: %s", path, err.msg);
    return data;
}

static const mm_service *find(const mm_service_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return &l->v[i];
    return NULL;
}

static void parse_fixture(const char *name, mm_services_parsed *p)
{
    size_t len;
    char *data = fixture(name, &len);
    mm_error err;
    mm_error_clear(&err);
    if (mm_services_parse(name, data, len, p, &err) != MM_OK)
        fail_msg("%s: %s:%ld:%ld: %s", name, err.file, err.line, err.col, err.msg);
    free(data);
}

static void expect_service(const mm_service_list *l, const char *name, const char *display,
                           const char *status, const char *start)
{
    const mm_service *s = find(l, name);
    if (!s)
        fail_msg("service %s missing", name);
    assert_string_equal(s->display_name, display);
    assert_string_equal(s->status, status);
    assert_string_equal(s->start_type, start);
}

/* ---- Windows CSV -------------------------------------------------------------------------- */

static void test_csv_with_type_line(void **state)
{
    mm_services_parsed p;
    (void)state;
    parse_fixture("win2019-typed.csv", &p);
    assert_int_equal(p.format, MM_SVC_FMT_CSV);
    assert_string_equal(p.source, "windows");
    assert_string_equal(p.encoding, "UTF-8");
    assert_int_equal(p.list.n, 32);
    assert_int_equal(p.keyed_by_display, 0);
    expect_service(&p.list, "Spooler", "Print Spooler", "Running", "Automatic");
    expect_service(&p.list, "AppVClient", "Microsoft App-V Client", "Stopped", "Disabled");
    assert_int_equal(find(&p.list, "ADWS")->line, 3); /* after #TYPE and the header */
    mm_services_parsed_release(&p);
}

static void test_csv_encodings_agree(void **state)
{
    static const char *const files[] = {"win2019-utf8bom.csv", "win2019-utf16.csv"};
    static const char *const encs[] = {"UTF-8 (BOM)", "UTF-16LE"};
    mm_services_parsed ref, p;
    (void)state;
    parse_fixture("win2019-typed.csv", &ref);
    for (size_t k = 0; k < 2; k++) {
        parse_fixture(files[k], &p);
        assert_string_equal(p.encoding, encs[k]);
        assert_int_equal(p.list.n, ref.list.n);
        for (size_t i = 0; i < p.list.n; i++) {
            assert_string_equal(p.list.v[i].name, ref.list.v[i].name);
            assert_string_equal(p.list.v[i].display_name, ref.list.v[i].display_name);
            assert_string_equal(p.list.v[i].status, ref.list.v[i].status);
        }
        mm_services_parsed_release(&p);
    }
    mm_services_parsed_release(&ref);
}

static void test_csv_mhlw_three_columns(void **state)
{
    mm_services_parsed p;
    (void)state;
    parse_fixture("mhlw-3col.csv", &p);
    assert_int_equal(p.keyed_by_display, 1);
    assert_int_equal(p.list.n, 32);
    expect_service(&p.list, "Print Spooler", "Print Spooler", "Running", "Automatic");
    assert_int_equal(find(&p.list, "Active Directory Web Services")->line, 2);
    mm_services_parsed_release(&p);
}

static void test_csv_japanese(void **state)
{
    mm_services_parsed p;
    (void)state;
    parse_fixture("ja-win10-cp932.csv", &p);
    assert_string_equal(p.encoding, "CP932");
    expect_service(&p.list, "MpsSvc", "Windows Defender ファイアウォール", "Running", "Automatic");
    expect_service(&p.list, "XblAuthManager", "Xbox Live 認証マネージャー", "Running", "Manual");
    assert_int_equal(p.questionmarks, 0);
    mm_services_parsed_release(&p);

    parse_fixture("ja-win10-ascii.csv", &p);
    assert_int_equal(p.questionmarks, 5); /* what the default ASCII export did to Japanese */
    mm_services_parsed_release(&p);

    parse_fixture("ja-localised-words.csv", &p);
    expect_service(&p.list, "RemoteRegistry", "Remote Registry", "Stopped", "Disabled");
    expect_service(&p.list, "Spooler", "Print Spooler", "Running", "Automatic");
    mm_services_parsed_release(&p);
}

/* ---- systemd ------------------------------------------------------------------------------ */

static void test_systemd_units(void **state)
{
    static const char *const files[] = {"debian12-units.txt", "debian12-units-plain.txt",
                                        "debian12-units.json"};
    (void)state;
    for (size_t k = 0; k < 3; k++) {
        mm_services_parsed p;
        parse_fixture(files[k], &p);
        assert_string_equal(p.source, "systemd");
        assert_int_equal(p.list.n, 20); /* 21 rows, auditd is not-found */
        assert_null(find(&p.list, "auditd.service"));
        expect_service(&p.list, "avahi-daemon.service", "Avahi mDNS/DNS-SD Stack", "Running", "");
        expect_service(&p.list, "postgresql@15-main.service", "PostgreSQL Cluster 15-main",
                       "Failed", "");
        expect_service(&p.list, "apparmor.service", "Load AppArmor profiles", "Exited", "");
        expect_service(&p.list, "x11-common.service", "x11-common.service", "Stopped", "Disabled");
        mm_services_parsed_release(&p);
    }
}

static void test_systemd_unit_files(void **state)
{
    mm_services_parsed p, q;
    (void)state;
    parse_fixture("debian12-server-unit-files.txt", &p);
    assert_int_equal(p.format, MM_SVC_FMT_UNIT_FILES);
    assert_null(find(&p.list, "sshd.service"));   /* alias */
    assert_null(find(&p.list, "getty@.service")); /* template */
    expect_service(&p.list, "ssh.service", "", "Unknown", "Automatic");
    expect_service(&p.list, "dbus.service", "", "Unknown", "Static");
    expect_service(&p.list, "vsftpd.service", "", "Unknown", "Manual");
    expect_service(&p.list, "x11-common.service", "", "Unknown", "Disabled");
    mm_services_parsed_release(&p);
    /* The real output of this Debian 12 machine, text and JSON, agree. */
    parse_fixture("debian12-unit-files.txt", &p);
    parse_fixture("debian12-unit-files.json", &q);
    assert_true(p.list.n > 50);
    assert_int_equal(p.list.n, q.list.n);
    for (size_t i = 0; i < p.list.n; i++) {
        assert_string_equal(p.list.v[i].name, q.list.v[i].name);
        assert_string_equal(p.list.v[i].start_type, q.list.v[i].start_type);
    }
    mm_services_parsed_release(&p);
    mm_services_parsed_release(&q);
}

static void test_collector_json(void **state)
{
    mm_services_parsed p;
    (void)state;
    parse_fixture("collector-ws001.json", &p);
    assert_int_equal(p.format, MM_SVC_FMT_COLLECTOR);
    assert_string_equal(p.source, "collector");
    assert_string_equal(p.host, "WS-001");
    assert_string_equal(p.taken, "2025-11-19T23:30:00Z");
    expect_service(&p.list, "BITS", "Background Intelligent Transfer Service", "Running",
                   "AutomaticDelayedStart");
    expect_service(&p.list, "wuauserv", "Windows Update", "StartPending", "Manual");
    mm_services_parsed_release(&p);
}

/* ---- errors --------------------------------------------------------------------------------- */

static void test_errors_have_positions(void **state)
{
    static const struct {
        const char *text;
        long line, col;
        const char *needle;
    } cases[] = {
        {"\"Name\",\"DisplayName\",\"Status\"\r\n\"a\",\"A\",\"Running\"\r\n\"b\",\"B\","
         "\"Runing\"\r\n",
         3, 9, "Status \"Runing\""},
        {"\"Name\",\"Status\",\"StartType\"\n\"a\",\"Running\",\"Sometimes\"\n", 2, 15,
         "StartType"},
        {"\"Name\",\"Status\"\n\"a\",\"Running\"\n\"a\",\"Stopped\"\n", 3, 1, "duplicate"},
        {"\"DisplayName\",\"Status\"\n\"Fax ?\",\"Running\"\n\"Fax ?\",\"Stopped\"\n", 3, 1,
         "Name column"},
        {"\"Foo\",\"Bar\"\n\"a\",\"b\"\n", 1, 1, "Status"},
        {"\"Name\",\"Status\"\n\"a\",\"Running\",\"x\"\n", 2, 1, "expected 2 fields"},
        {"\"Name\",\"Status\"\n\"a\n", 2, 1, "unterminated"},
        {"  UNIT LOAD ACTIVE SUB DESCRIPTION\n  ssh.service loaded active running SSH\n"
         "  cron.service loaded sleeping running Cron\n",
         3, 23, "ACTIVE \"sleeping\""},
        {"ssh.service loaded active running SSH\nnonsense\n", 2, 9, "UNIT LOAD ACTIVE"},
        {"UNIT FILE STATE PRESET\nssh.service enabled enabled\ncron.service sometimes -\n", 3, 14,
         "STATE \"sometimes\""},
        {"hello world\n", 1, 1, "expected a Get-Service CSV"},
        {"{\"mamori_collector\":\"services\",\"version\":1,\"rows\":[\n"
         " {\"name\":\"a\",\"status\":\"Running\"},\n {\"name\":\"b\",\"status\":\"Bogus\"}]}",
         3, 23, "rows[1].status"},
        {"{\"mamori_collector\":\"accounts\",\"version\":1,\"rows\":[]}", 1, 21,
         "mamori import accounts"},
        {"{\"mamori_collector\":\"services\",\"version\":2,\"rows\":[]}", 1, 42, "version"},
        {"{\"mamori_collector\":\"services\",\"version\":1,\"taken\":\"yesterday\",\"rows\":[]}", 1,
         52, "ISO-8601"},
        {"{\"rows\": [", 1, 10, "JSON"},
        {"\"Name\",\"Status\"\n\"a\xff\",\"Running\"\n", 2, 3, "CP932"},
    };
    int bad = 0;
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_services_parsed p;
        mm_error err;
        mm_rc rc;
        mm_error_clear(&err);
        rc = mm_services_parse("t.txt", cases[i].text, strlen(cases[i].text), &p, &err);
        mm_services_parsed_release(&p);
        if (rc == MM_OK)
            fail_msg("case %zu parsed", i);
        if (err.line != cases[i].line || err.col != cases[i].col ||
            !strstr(err.msg, cases[i].needle) || strcmp(err.file, "t.txt") != 0)
            print_error("case %zu: got %s:%ld:%ld: %s\n", i, err.file, err.line, err.col, err.msg),
                bad++;
    }
    assert_int_equal(bad, 0);
}

static void test_utf16_and_nul_errors(void **state)
{
    static const char odd[] = "\xff\xfe\x41\x00\x42";              /* BOM, "A", half a unit */
    static const char lone[] = "\xff\xfe\x41\x00\x0a\x00\x00\xdc"; /* "A\n", lone low surrogate */
    static const char nul[] = "\"Name\",\"Status\"\n\"a\0\",\"Running\"\n";
    mm_services_parsed p;
    mm_error err;
    (void)state;
    assert_int_equal(mm_services_parse("u.csv", odd, sizeof(odd) - 1, &p, &err), MM_ERR_PARSE);
    assert_non_null(strstr(err.msg, "odd"));
    mm_services_parsed_release(&p);
    assert_int_equal(mm_services_parse("u.csv", lone, sizeof(lone) - 1, &p, &err), MM_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
    mm_services_parsed_release(&p);
    assert_int_equal(mm_services_parse("n.csv", nul, sizeof(nul) - 1, &p, &err), MM_ERR_PARSE);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 3);
    mm_services_parsed_release(&p);
}

/* ---- vocabulary and dates ------------------------------------------------------------------ */

static void test_vocabulary(void **state)
{
    (void)state;
    assert_string_equal(mm_service_status_norm("running"), "Running");
    assert_string_equal(mm_service_status_norm("Start Pending"), "StartPending");
    assert_string_equal(mm_service_status_norm("実行中"), "Running");
    assert_string_equal(mm_service_status_norm("停止"), "Stopped");
    assert_string_equal(mm_service_status_norm("4"), "Running");
    assert_null(mm_service_status_norm("Runing"));
    assert_string_equal(mm_service_start_norm("Auto"), "Automatic");
    assert_string_equal(mm_service_start_norm("自動 (遅延開始)"), "AutomaticDelayedStart");
    assert_string_equal(mm_service_start_norm("無効"), "Disabled");
    assert_string_equal(mm_service_start_norm("3"), "Manual");
    assert_null(mm_service_start_norm("Sometimes"));
    assert_string_equal(mm_service_word_ja("Running"), "実行中");
    assert_string_equal(mm_service_word_ja("Whatever"), "Whatever");
}

static void test_taken_date(void **state)
{
    static const struct {
        const char *in;
        const char *day; /* NULL = error */
    } cases[] = {
        {"2025-11-19T23:30:00Z", "2025-11-20"},
        {"2025-11-19T14:59:59Z", "2025-11-19"},
        {"2025-11-19T15:00:00Z", "2025-11-20"},
        {"2025-11-20T00:10:00+09:00", "2025-11-20"},
        {"2025-12-31T20:00:00.123Z", "2026-01-01"},
        {"2025-11-20T01:00:00-05:00", "2025-11-20"},
        {"2025-11-20", "2025-11-20"},
        {"2025-11-20T25:00:00Z", NULL},
        {"2025-11-20T10:00:00", NULL},
        {"yesterday", NULL},
        {"2025-02-30T00:00:00Z", NULL},
    };
    (void)state;
    for (size_t i = 0; i < MM_ARRAY_LEN(cases); i++) {
        mm_date d;
        char out[11];
        mm_rc rc = mm_svc_taken_date(cases[i].in, &d);
        if (!cases[i].day) {
            if (rc == MM_OK)
                fail_msg("%s accepted", cases[i].in);
            continue;
        }
        assert_int_equal(rc, MM_OK);
        mm_date_iso(&d, out);
        if (strcmp(out, cases[i].day) != 0)
            fail_msg("%s: got %s, expected %s", cases[i].in, out, cases[i].day);
    }
}

/* ---- diff ----------------------------------------------------------------------------------- */

static void snap_from(const char *file, const char *host, mm_service_snapshot *s)
{
    mm_services_parsed p;
    parse_fixture(file, &p);
    memset(s, 0, sizeof(*s));
    mm_strlcpy(s->host, host, sizeof(s->host));
    mm_strlcpy(s->source, p.source, sizeof(s->source));
    s->services = p.list; /* takes the list over */
    mm_service_list_sort(&s->services);
}

static void test_diff(void **state)
{
    mm_service_snapshot a, b;
    mm_services_diff d;
    mm_buf out;
    (void)state;
    /* The MHLW export (keyed by display name) before, the full export after an update. */
    snap_from("mhlw-3col.csv", "SRV-01", &a);
    snap_from("win2019-after.csv", "SRV-01", &b);
    mm_services_diff_compute(&a, &b, &d);
    assert_int_equal(d.added, 1);
    assert_int_equal(d.removed, 1);
    assert_int_equal(d.changed, 2);
    mm_buf_init(&out, 0);
    mm_services_diff_text(&a, &b, &d, &out);
    assert_non_null(
        strstr(mm_buf_str(&out), "+ TlntSvr (Telnet): 実行中 Running / 自動 Automatic"));
    assert_non_null(
        strstr(mm_buf_str(&out), "- Microsoft App-V Client: 停止 Stopped / 無効 Disabled"));
    assert_non_null(strstr(mm_buf_str(&out),
                           "~ Spooler (Print Spooler): 状態 status 実行中 Running → 停止 Stopped; "
                           "スタートアップ start type 自動 Automatic → 無効 Disabled"));
    mm_buf_reset(&out);
    mm_services_diff_json(&a, &b, &d, &out);
    assert_non_null(strstr(mm_buf_str(&out), "\"added\":[{\"name\":\"TlntSvr\""));
    mm_buf_release(&out);
    mm_services_diff_release(&d);
    /* Against itself: nothing. */
    mm_services_diff_compute(&b, &b, &d);
    assert_int_equal(d.n, 0);
    mm_services_diff_release(&d);
    mm_service_snapshot_release(&a);
    mm_service_snapshot_release(&b);
}

static void test_diff_unknown_is_not_a_change(void **state)
{
    mm_service_snapshot a, b;
    mm_services_diff d;
    (void)state;
    snap_from("debian12-units.txt", "deb", &a); /* no start types */
    snap_from("debian12-units-plain.txt", "deb", &b);
    mm_strlcpy(b.services.v[0].start_type, "Automatic", sizeof(b.services.v[0].start_type));
    mm_services_diff_compute(&a, &b, &d);
    assert_int_equal(d.n, 0);
    mm_services_diff_release(&d);
    mm_service_snapshot_release(&a);
    mm_service_snapshot_release(&b);
}

/* ---- unneeded ------------------------------------------------------------------------------ */

static mm_unneeded_list *default_list(void)
{
    mm_unneeded_list *l = NULL;
    mm_error err;
    if (mm_unneeded_load(NULL, &l, &err) != MM_OK)
        fail_msg("default list: %s:%ld:%ld: %s", err.file, err.line, err.col, err.msg);
    return l;
}

static int hit(const mm_unneeded_hits *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcmp(h->v[i].service->name, name) == 0)
            return 1;
    return 0;
}

static void test_unneeded_default(void **state)
{
    mm_unneeded_list *l = default_list();
    mm_service_snapshot s;
    mm_unneeded_hits h;
    (void)state;
    assert_true(mm_unneeded_count(l) >= 15);
    snap_from("collector-ws001.json", "WS-001", &s);
    mm_services_unneeded_running(l, &s, MM_ROLE_PC, &h);
    assert_true(hit(&h, "XblAuthManager"));  /* pc: Xbox */
    assert_true(hit(&h, "TermService"));     /* pc: RDP */
    assert_true(hit(&h, "mrxsmb10"));        /* SMB1 */
    assert_false(hit(&h, "Spooler"));        /* server-only entry */
    assert_false(hit(&h, "RemoteRegistry")); /* stopped */
    assert_false(hit(&h, "XblGameSave"));    /* stopped */
    mm_unneeded_hits_release(&h);
    mm_services_unneeded_running(l, &s, MM_ROLE_SERVER, &h);
    assert_true(hit(&h, "Spooler"));
    assert_false(hit(&h, "TermService"));
    mm_unneeded_hits_release(&h);
    mm_service_snapshot_release(&s);
    /* Linux units by unit name, ".service" optional; the MHLW list by display name. */
    snap_from("debian12-units.txt", "deb", &s);
    mm_services_unneeded_running(l, &s, MM_ROLE_ANY, &h);
    assert_int_equal(h.n, 2);
    assert_true(hit(&h, "avahi-daemon.service"));
    assert_true(hit(&h, "cups.service"));
    mm_unneeded_hits_release(&h);
    mm_service_snapshot_release(&s);
    snap_from("mhlw-3col.csv", "SRV-01", &s);
    mm_services_unneeded_running(l, &s, MM_ROLE_SERVER, &h);
    assert_int_equal(h.n, 1);
    assert_true(hit(&h, "Print Spooler"));
    assert_string_equal(h.v[0].entry->id, "print-spooler-server");
    mm_unneeded_hits_release(&h);
    mm_service_snapshot_release(&s);
    mm_unneeded_free(&l);
    assert_null(l);
}

static void test_unneeded_workspace_file(void **state)
{
    static const char extend[] =
        "{\"allow\": [{\"host\": \"WS-001\", \"name\": \"TermService\"}, {\"name\": \"xbox\"}],\n"
        " \"services\": [{\"id\": \"anydesk\", \"platform\": \"windows\", \"kind\": \"both\",\n"
        "   \"names\": [\"AnyDesk\"], \"reason_ja\": \"遠隔操作ソフト\", \"reason_en\": \"remote "
        "control\"}]}";
    static const char replace[] = "{\"mode\": \"replace\", \"services\": []}";
    static const char bad[] = "{\"services\": [{\"id\": \"x\", \"platform\": \"windows\",\n"
                              "  \"kind\": \"laptop\", \"names\": [\"X\"]}]}";
    mm_unneeded_list *def = default_list(), *l = NULL;
    mm_service_snapshot s;
    mm_unneeded_hits h;
    mm_error err;
    (void)state;
    snap_from("collector-ws001.json", "WS-001", &s);
    assert_int_equal(mm_unneeded_parse("ws.json", extend, strlen(extend), def, &l, &err), MM_OK);
    assert_int_equal(mm_unneeded_count(l), mm_unneeded_count(def) + 1);
    mm_services_unneeded_running(l, &s, MM_ROLE_PC, &h);
    assert_false(hit(&h, "TermService"));    /* allowed on this host */
    assert_false(hit(&h, "XblAuthManager")); /* allowed by entry id everywhere */
    assert_true(hit(&h, "mrxsmb10"));
    mm_unneeded_hits_release(&h);
    mm_strlcpy(s.host, "WS-002", sizeof(s.host));
    mm_services_unneeded_running(l, &s, MM_ROLE_PC, &h);
    assert_true(hit(&h, "TermService"));
    mm_unneeded_hits_release(&h);
    mm_unneeded_free(&l);
    assert_int_equal(mm_unneeded_parse("ws.json", replace, strlen(replace), def, &l, &err), MM_OK);
    assert_int_equal(mm_unneeded_count(l), 0);
    mm_unneeded_free(&l);
    assert_int_equal(mm_unneeded_parse("ws.json", bad, strlen(bad), def, &l, &err), MM_ERR_INVALID);
    assert_null(l);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 11);
    assert_non_null(strstr(err.msg, "kind"));
    mm_service_snapshot_release(&s);
    mm_unneeded_free(&def);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv_with_type_line),
        cmocka_unit_test(test_csv_encodings_agree),
        cmocka_unit_test(test_csv_mhlw_three_columns),
        cmocka_unit_test(test_csv_japanese),
        cmocka_unit_test(test_systemd_units),
        cmocka_unit_test(test_systemd_unit_files),
        cmocka_unit_test(test_collector_json),
        cmocka_unit_test(test_errors_have_positions),
        cmocka_unit_test(test_utf16_and_nul_errors),
        cmocka_unit_test(test_vocabulary),
        cmocka_unit_test(test_taken_date),
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_diff_unknown_is_not_a_change),
        cmocka_unit_test(test_unneeded_default),
        cmocka_unit_test(test_unneeded_workspace_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * Unit tests for the detection rules (data/rules/default.json) over events built from real
 * log lines: brute force per account and per source, success after failures, a source outside
 * the device's allow-list, a logon by a disabled account and by a leaver (accounts and staff
 * tables), remote access outside working hours and on a holiday, and a new administrator.
 * Facts come from a fresh store with rows as the evidence importers write them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <unistd.h>

#include "fs.h"
#include "logs.h"

#define NOW_MS 1763640000000LL /* 2025-11-20T12:00:00Z */

typedef struct fx {
    char dir[64];
    mm_store *st;
    mm_rules *rules;
    mm_parse_ctx pc;
    uint64_t seq;
} fx;

static const char *rules_dir(char *buf, size_t n)
{
    const char *d = getenv("MAMORI_DATA");
    snprintf(buf, n, "%s/rules", d ? d : MM_DATA_DIR);
    return buf;
}

static int setup(void **state)
{
    fx *f = mm_xcalloc(1, sizeof(*f));
    char db[128], rd[4096];
    mm_error err;
    mm_strlcpy(f->dir, "/tmp/mm-rules-test-XXXXXX", sizeof(f->dir));
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(db, sizeof(db), "%s/mamori.db", f->dir);
    if (mm_store_open(db, MM_STORE_CREATE, &f->st, &err) != MM_OK ||
        mm_store_exec(f->st,
                      "INSERT INTO asset(kind, name, host, ip) VALUES "
                      "('network', 'FGT60F-HOSP', 'fgt60f-hosp.hosp.local', '192.168.1.99');"
                      "INSERT INTO allowlist(device, cidr) VALUES "
                      "('FGT60F-HOSP', '198.51.100.0/24'), ('FGT60F-HOSP', '192.168.0.0/16');"
                      "INSERT INTO staff(person_id, name, left_on) VALUES "
                      "('S001', '山田', NULL), ('S002', '伊藤', '2025-10-31');"
                      "INSERT INTO account(system, login, person_id, enabled) VALUES "
                      "('AD', 'yamada', 'S001', 1), ('AD', 'ito', 'S002', 1), "
                      "('AD', 'kobayashi', '', 0);",
                      &err) != MM_OK ||
        mm_rules_load(rules_dir(rd, sizeof(rd)), f->st, NULL, &f->rules, &err) != MM_OK) {
        fprintf(stderr, "setup: %s\n", err.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    char cmd[128];
    mm_rules_free(&f->rules);
    mm_store_close(&f->st);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void feed(fx *f, const char *format, const char *line)
{
    int idx;
    const mm_log_parser *p = mm_log_parser_find(format, &idx);
    mm_event ev;
    assert_non_null(p);
    mm_parse_ctx_init(&f->pc, NOW_MS, 540, NULL);
    assert_int_equal(mm_log_parse(&f->pc, p, idx, line, strlen(line), &ev), MM_OK);
    assert_true(ev.kind > MM_EVK_OTHER);
    ev.seq = f->seq++;
    mm_rules_event(f->rules, &ev);
}

/* Stores the alerts and returns "rule subject|rule subject|…" in first_at order. */
static char *alerts(fx *f)
{
    long stored;
    mm_error err;
    sqlite3_stmt *s = NULL;
    mm_buf b;
    assert_int_equal(mm_store_begin(f->st, &err), MM_OK);
    assert_int_equal(mm_rules_store_alerts(f->rules, f->st, &stored, &err), MM_OK);
    assert_int_equal(mm_store_commit(f->st, &err), MM_OK);
    mm_buf_init(&b, 0);
    assert_int_equal(mm_store_prepare(f->st,
                                      "SELECT rule, subject, count, events FROM alert "
                                      "ORDER BY first_at, id",
                                      &s, &err),
                     MM_OK);
    while (sqlite3_step(s) == SQLITE_ROW)
        mm_buf_addf(&b, "%s %s %d|", mm_col_text(s, 0), mm_col_text(s, 1),
                    sqlite3_column_int(s, 2));
    sqlite3_finalize(s);
    return mm_buf_detach(&b, NULL);
}

static void test_brute_force(void **state)
{
    fx *f = *state;
    char line[256], *a;
    /* 12 failures for admin from one source in 33 s: one account alert (count 10, then +2) */
    for (int i = 0; i < 12; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:05:%02d srv sshd[1]: Failed password for invalid user admin from "
                 "203.0.113.50 port 4%04d ssh2",
                 10 + 3 * i, i);
        feed(f, "syslog", line);
    }
    /* spraying: 20 users from one source: a source alert, no account alert */
    for (int i = 0; i < 20; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 10:00:%02d srv sshd[1]: Failed password for user%02d from 198.18.0.7 "
                 "port 5%04d ssh2",
                 i * 2, i, i);
        feed(f, "syslog", line);
    }
    /* 9 failures spread over an hour: nothing */
    for (int i = 0; i < 9; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 11:%02d:00 srv sshd[1]: Failed password for sato from 192.168.10.41 "
                 "port 50300 ssh2",
                 i * 6);
        feed(f, "syslog", line);
    }
    a = alerts(f);
    assert_string_equal(a, "brute-force-account user:admin 12|brute-force-source "
                           "source:198.18.0.7 20|");
    free(a);
}

/* The per-key state across table growth (600 keys per rule), keys too long for the inline
 * buffer, and a full ring whose oldest event is inside the window while its span is not. */
static void test_key_state_growth_and_span(void **state)
{
    fx *f = *state;
    char line[256], *a;
    /* keep: 5 failures, then 600 other accounts from 600 sources, then 5 more: one alert */
    for (int i = 0; i < 5; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:20:%02d srv sshd[1]: Failed password for keep from 192.0.2.%d port 1 "
                 "ssh2",
                 i, i + 1);
        feed(f, "syslog", line);
    }
    for (int i = 0; i < 600; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:20:05 srv sshd[1]: Failed password for user%03d from 10.1.%d.%d port "
                 "1 ssh2",
                 i, i / 200, i % 200 + 1);
        feed(f, "syslog", line);
    }
    for (int i = 0; i < 5; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:20:%02d srv sshd[1]: Failed password for keep from 192.0.2.%d port 1 "
                 "ssh2",
                 6 + i, 6 + i);
        feed(f, "syslog", line);
    }
    /* an account name longer than the inline key buffer: 10 failures in 10 s, one alert */
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:30:%02d srv sshd[1]: Failed password for "
                 "a.very.long.account.name from 192.0.2.%d port 1 ssh2",
                 i, 20 + i);
        feed(f, "syslog", line);
    }
    /* late: one failure at 09:40:00, eight at 09:46:00, then one at 09:42:00 (the oldest is
     * 2 minutes from it, but the ring spans 6 minutes, over the 5-minute window): no alert */
    feed(f, "syslog",
         "Nov 20 09:40:00 srv sshd[1]: Failed password for late from 192.0.2.40 port 1 ssh2");
    for (int i = 0; i < 8; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 09:46:00 srv sshd[1]: Failed password for late from 192.0.2.%d port 1 "
                 "ssh2",
                 41 + i);
        feed(f, "syslog", line);
    }
    feed(f, "syslog",
         "Nov 20 09:42:00 srv sshd[1]: Failed password for late from 192.0.2.49 port 1 ssh2");
    /* spread: 10 failures 40 s apart (6 minutes from the first to the last): no alert */
    for (int i = 0; i < 10; i++) {
        snprintf(line, sizeof(line),
                 "Nov 20 10:%02d:%02d srv sshd[1]: Failed password for spread from 192.0.2.%d "
                 "port 1 ssh2",
                 (i * 40) / 60, (i * 40) % 60, 60 + i);
        feed(f, "syslog", line);
    }
    a = alerts(f);
    assert_string_equal(a, "brute-force-account user:keep 10|"
                           "brute-force-account user:a.very.long.account.name 10|");
    free(a);
}

/* Five 4625 failures of user from 192.168.10.41 at 2025-11-20T01:14:00Z-04Z. */
static void win_failures(fx *f, const char *user)
{
    for (int i = 0; i < 5; i++) {
        char line[200];
        snprintf(line, sizeof(line),
                 "{\"TimeCreated\":\"2025-11-20T01:14:0%dZ\",\"Id\":4625,\"MachineName\":\"DC01\","
                 "\"Data\":{\"TargetUserName\":\"%s\",\"IpAddress\":\"192.168.10.41\"}}",
                 i, user);
        feed(f, "windows-json", line);
    }
}

/* A 4624 network logon of yamada from 192.168.10.41 at the time when (ISO, UTC). */
static void win_logon(fx *f, const char *when)
{
    char line[240];
    snprintf(line, sizeof(line),
             "{\"TimeCreated\":\"%s\",\"Id\":4624,\"MachineName\":\"DC01\",\"Data\":{"
             "\"TargetUserName\":\"yamada\",\"IpAddress\":\"192.168.10.41\",\"LogonType\":"
             "\"3\"}}",
             when);
    feed(f, "windows-json", line);
}

static void test_success_after_failures(void **state)
{
    fx *f = *state;
    char *a;
    win_failures(f, "Yamada");
    win_logon(f, "2025-11-20T01:14:31Z");
    a = alerts(f);
    assert_string_equal(a, "success-after-failures user:yamada 6|");
    free(a);
}

/* Events arrive out of time order when files are imported newest first: a success older than
 * the failures is not "success after failures", and does not clear them either. */
static void test_out_of_order_success(void **state)
{
    fx *f = *state;
    char *a;
    win_failures(f, "yamada");
    /* ten days earlier: no alert */
    win_logon(f, "2025-11-10T01:14:31Z");
    a = alerts(f);
    assert_string_equal(a, "");
    free(a);
    /* the real success after them still alerts */
    win_logon(f, "2025-11-20T01:15:00Z");
    a = alerts(f);
    assert_string_equal(a, "success-after-failures user:yamada 6|");
    free(a);
}

static void test_allowlist_roster_calendar_admin(void **state)
{
    fx *f = *state;
    char *a;
    /* allowed source, working hours: nothing */
    feed(f, "fortigate",
         "date=2025-11-20 time=08:31:05 devname=\"FGT60F-HOSP\" logid=\"0101039424\" "
         "action=\"tunnel-up\" remip=198.51.100.24 user=\"yamada\"");
    /* outside the allow-list, by host name of the device, at 23:12: allow-list and calendar */
    feed(f, "fortigate",
         "date=2025-11-20 time=23:12:44 devname=\"fgt60f-hosp.hosp.local\" "
         "logid=\"0101039424\" action=\"tunnel-up\" remip=45.77.12.9 user=\"yamada\"");
    /* a leaver logs on (left 2025-10-31); a disabled account logs on */
    feed(f, "syslog",
         "Nov 20 10:00:00 srv sshd[1]: Accepted password for ito from 192.168.10.31 "
         "port 1 ssh2");
    feed(f, "windows-json",
         "{\"TimeCreated\":\"2025-11-20T01:01:00Z\",\"Id\":4624,\"MachineName\":"
         "\"DC01\",\"Data\":{\"TargetUserName\":\"HOSP\\\\kobayashi\"}}");
    /* a holiday (2025-11-24, 勤労感謝の日 observed) at noon */
    feed(f, "fortigate",
         "date=2025-11-24 time=12:00:00 devname=\"FGT60F-HOSP\" logid=\"0101039424\" "
         "action=\"tunnel-up\" remip=192.168.5.5 user=\"yamada\"");
    /* new admins */
    feed(f, "windows-json",
         "{\"TimeCreated\":\"2025-11-20T00:17:00Z\",\"Id\":4732,\"MachineName\":"
         "\"DC01\",\"Data\":{\"MemberName\":\"CN=newuser1,OU=Staff\","
         "\"TargetUserName\":\"Administrators\"}}");
    feed(f, "windows-json",
         "{\"TimeCreated\":\"2025-11-20T00:18:00Z\",\"Id\":4732,\"MachineName\":"
         "\"DC01\",\"Data\":{\"MemberName\":\"CN=x\",\"TargetUserName\":"
         "\"Print Operators\"}}");
    feed(f, "fortigate",
         "date=2025-11-20 time=10:05:30 devname=\"FGT60F-HOSP\" logid=\"0100044547\" "
         "user=\"admin\" action=\"Add\" cfgpath=\"system.admin\" cfgobj=\"maint\"");
    a = alerts(f);
    assert_string_equal(a, "new-admin user:newuser1@Administrators 1|"
                           "disabled-or-leaver-logon user:ito 1|"
                           "disabled-or-leaver-logon user:kobayashi 1|"
                           "new-admin admin:maint@FGT60F-HOSP 1|"
                           "source-not-allowed source:45.77.12.9@fgt60f-hosp.hosp.local 1|"
                           "after-hours-remote user:yamada@2025-11-20T23:12:44+09:00 1|"
                           "after-hours-remote user:yamada@2025-11-24T12:00:00+09:00 1|");
    free(a);
}

/* A rules file with an unknown type names the file and the rule. */
static void test_bad_rules_file(void **state)
{
    fx *f = *state;
    char dir[128], path[160];
    mm_rules *r = NULL;
    mm_error err;
    const char *bad = "{\"rules\":[{\"id\":\"x\",\"type\":\"magic\"}]}";
    snprintf(dir, sizeof(dir), "%s/rules", f->dir);
    assert_int_equal(mm_mkdir_p(dir, 0700, &err), MM_OK);
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    assert_int_equal(mm_file_write_atomic(path, bad, strlen(bad), 0644, &err), MM_OK);
    assert_int_equal(mm_rules_load(dir, NULL, NULL, &r, &err), MM_ERR_INVALID);
    assert_null(r);
    assert_non_null(strstr(err.file, "bad.json"));
    assert_non_null(strstr(err.msg, "magic"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_brute_force, setup, teardown),
        cmocka_unit_test_setup_teardown(test_key_state_growth_and_span, setup, teardown),
        cmocka_unit_test_setup_teardown(test_success_after_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_out_of_order_success, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allowlist_roster_calendar_admin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_rules_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

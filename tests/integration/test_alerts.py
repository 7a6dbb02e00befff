"""Reviewing alerts (checklist 2-⑪ asks that access logs are checked regularly): `mamori alerts
review` records who looked, when and what they found, all or nothing and in the audit trail; the
2-⑪ evaluator fails high and critical alerts left unreviewed and logs nobody reviewed for a
month. Drives the real binary on the fixtures in tests/data/logs (dated 2025-11-20)."""
import json
import os
import unittest

from mmtest import DATA, MamoriCase

LOGS = os.path.join(DATA, "logs")


class AlertReviewTest(MamoriCase):
    def setUp(self):
        super().setUp()
        self.ok("import", "assets", self.write(
            "assets.csv", "kind,name,host,ip\nserver,EMR-01,srv-emr01,192.168.10.5\n"))
        for fmt, name in (("syslog", "auth.log"), ("fortigate", "fortigate.log"),
                          ("windows-json", "windows.jsonl")):
            self.ok("logs", "import", "--format", fmt, os.path.join(LOGS, name))
        self.ok("logs", "verify")

    def alerts(self, *args, env=None):
        return json.loads(self.ok("alerts", "--json", *args, env=env).out)

    def failing(self, today, now=None):
        env = {"MAMORI_TODAY": today}
        if now:
            env["MAMORI_NOW"] = now
        self.ok("evaluate", env=env)
        f = json.loads(self.ok("findings", "--json", "--item", "2-11", env=env).out)["findings"]
        return sorted(x["subject"] for x in f if x["verdict"] == "fail")

    def test_review_records_and_filters(self):
        serious = self.alerts("--open", "--severity", "high")
        self.assertTrue(serious)
        self.assertTrue(all(a["severity"] in ("high", "critical") for a in serious))
        self.assertTrue(all(a["reviewed"] is None for a in serious))
        first = serious[0]["id"]
        # an unknown ID among known ones: nothing is recorded
        r = self.mm("alerts", "review", str(first), "999999", "--note", "確認")
        self.assertEqual(r.code, 3, r)
        self.assertIn("999999", r.err)
        self.assertEqual(len(self.alerts("--open", "--severity", "high")), len(serious))
        # a review needs a note
        r = self.mm("alerts", "review", str(first))
        self.assertEqual(r.code, 2, r)
        r = self.mm("alerts", "review", "abc", "--note", "x")
        self.assertEqual(r.code, 2, r)
        self.ok("alerts", "review", "#%d" % first, "--note", "本人に確認済み（在宅勤務）")
        done = [a for a in self.alerts() if a["id"] == first][0]
        self.assertEqual(done["reviewed"]["by"], "tester")
        self.assertEqual(done["reviewed"]["note"], "本人に確認済み（在宅勤務）")
        self.assertNotIn(first, [a["id"] for a in self.alerts("--open")])
        self.assertIn("確認済み", self.ok("alerts").out)
        log = self.ok("audit", "log").out
        self.assertIn("alert.review", log)
        self.ok("audit", "verify")

    def test_alert_events_are_found_by_their_number(self):
        # the store groups a run's events by account, so an event's number is its place in the
        # store: every line an alert cites is there under the number the alert gives
        stored = {e["seq"]: e for e in json.loads(self.ok("logs", "query", "--json").out)}
        self.assertEqual(len(stored), len(json.loads(self.ok("logs", "query", "--json").out)))
        cited = 0
        for a in self.alerts():
            for ev in a["events"]:
                self.assertIn(ev["seq"], stored)
                if "raw" in ev:
                    self.assertEqual(stored[ev["seq"]]["raw"], ev["raw"])
                    cited += 1
        self.assertGreater(cited, 0)

    def test_evaluator_wants_reviews(self):
        # on the day: nothing overdue yet
        self.assertEqual([s for s in self.failing("2025-11-20") if s.startswith("alert:")], [])
        # ten days later the serious alerts are overdue, one finding each
        serious = self.alerts("--open", "--severity", "high")
        late = self.failing("2025-11-30")
        self.assertEqual(sorted(s for s in late if s.startswith("alert:")),
                         sorted("alert:%d" % a["id"] for a in serious))
        f = json.loads(self.ok("findings", "--json", "--item", "2-11",
                               env={"MAMORI_TODAY": "2025-11-30"}).out)["findings"]
        one = [x for x in f if x["subject"].startswith("alert:")][0]
        self.assertIn("mamori alerts review", one["reason"]["ja"])
        self.assertNotRegex(one["reason"]["en"], "[\u3040-\u30ff]")
        ids = [str(a["id"]) for a in serious]
        self.ok("alerts", "review", *ids, "--note", "確認済み",
                env={"MAMORI_NOW": "2025-11-30T01:00:00Z"})
        self.assertEqual([s for s in self.failing("2025-11-30") if s.startswith("alert:")], [])
        # two months on, with no review since: the logs are not reviewed regularly
        self.assertIn("review", self.failing("2026-01-31", now="2026-01-31T00:00:00Z"))
        # the monthly VPN audit is a review
        self.ok("logs", "report", "vpn", "--month", "2026-01", "-o", os.path.join(self.tmp, "v.html"),
                env={"MAMORI_NOW": "2026-01-30T00:00:00Z"})
        self.assertNotIn("review", self.failing("2026-01-31", now="2026-01-31T00:00:00Z"))

    def test_vpn_audit_shows_alerts_and_their_review(self):
        vpn = [a for a in self.alerts() if "VPN" in a["detail_ja"] or "FGT60F" in a["detail_ja"]]
        self.assertTrue(vpn)
        self.ok("alerts", "review", str(vpn[0]["id"]), "--note", "保守事業者に確認済み")
        out = os.path.join(self.tmp, "vpn.html")
        self.ok("logs", "report", "vpn", "--month", "2025-11", "-o", out)
        page = open(out, encoding="utf-8").read()
        self.assertIn("テスト病院 VPN アクセスログ監査 2025年11月", page)
        self.assertIn("この期間の VPN に関する検知", page)
        self.assertIn("保守事業者に確認済み", page)
        self.assertIn("未確認 (not reviewed)", page)
        self.assertIn("確認者 reviewed by", page)  # the sign-off block for the printed audit
        self.assertRegex(page, r"<td>2025-11-20 \d\d:\d\d</td>")
        # a month without alerts says so
        self.ok("logs", "report", "vpn", "--month", "2025-10", "-o", out)
        self.assertIn("ありません (none)", open(out, encoding="utf-8").read())

    def test_settings(self):
        with open(os.path.join(self.ws, "mamori.conf"), "a") as f:
            f.write("\n[logs]\nalert_review_days = 30\n")
        self.assertEqual([s for s in self.failing("2025-11-30") if s.startswith("alert:")], [])
        with open(os.path.join(self.ws, "mamori.conf"), "a") as f:
            f.write("review_days = 0\n")
        r = self.mm("evaluate")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("mamori.conf", r.err)


if __name__ == "__main__":
    unittest.main()

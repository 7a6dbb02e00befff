"""Alerts in the web API over real HTTP on 127.0.0.1: the list for staff (not vendors), review
by admins and assessors (all or nothing, audited under the web user's name), and bad bodies."""
import json
import os
import unittest

from mmtest import DATA
from webtest import WebCase

LOGS = os.path.join(DATA, "logs")


class WebAlerts(WebCase):
    def setUp(self):
        super().setUp()
        for fmt, name in (("syslog", "auth.log"), ("fortigate", "fortigate.log")):
            self.ok("logs", "import", "--format", fmt, os.path.join(LOGS, name))

    def test_list_and_review(self):
        viewer = self.logged_in("vic")
        r = viewer.get("/api/v1/alerts?severity=high")
        self.assertEqual(r.status, 200, r)
        alerts = r.json()["alerts"]
        self.assertTrue(alerts)
        self.assertTrue(all(a["severity"] in ("high", "critical") for a in alerts))
        # vendors see no alerts at all; viewers cannot review
        vendor = self.logged_in("sakura")
        self.assertEqual(vendor.get("/api/v1/alerts").status, 403)
        first = alerts[0]["id"]
        self.assertEqual(viewer.post("/api/v1/alerts/review",
                                     {"ids": [first], "note": "x"}).status, 403)
        asa = self.logged_in("asa")
        # no CSRF token: refused, nothing recorded
        r = asa.post("/api/v1/alerts/review", {"ids": [first], "note": "x"}, csrf=False)
        self.assertEqual(r.status, 403, r)
        for bad in ({}, {"ids": [], "note": "x"}, {"ids": [first]}, {"ids": [first], "note": ""},
                    {"ids": ["1"], "note": "x"}, {"ids": [0], "note": "x"},
                    {"ids": [first], "note": "x" * 2001}, {"ids": first, "note": "x"}):
            r = asa.post("/api/v1/alerts/review", bad)
            self.assertEqual(r.status, 400, (bad, r))
        r = asa.post("/api/v1/alerts/review", {"ids": [first, 99999], "note": "確認"})
        self.assertEqual(r.status, 404, r)
        self.assertEqual(self.sql("SELECT count(*) FROM alert WHERE reviewed_at IS NOT NULL").strip(), "0")
        r = asa.post("/api/v1/alerts/review", {"ids": [first], "note": "保守事業者に電話で確認"})
        self.assertEqual(r.status, 200, r)
        done = [a for a in viewer.get("/api/v1/alerts").json()["alerts"] if a["id"] == first][0]
        self.assertEqual(done["reviewed"]["by"], "asa")
        self.assertEqual(done["reviewed"]["note"], "保守事業者に電話で確認")
        open_ids = [a["id"] for a in viewer.get("/api/v1/alerts?open=1").json()["alerts"]]
        self.assertNotIn(first, open_ids)
        entry = json.loads(self.sql("SELECT json_object('actor', actor, 'after', after) FROM audit "
                                    "WHERE action = 'alert.review'").strip())
        self.assertEqual(entry["actor"], "asa")
        self.ok("audit", "verify")
        # the CLI sees the same review
        cli = json.loads(self.ok("alerts", "--json").out)
        self.assertEqual([a for a in cli if a["id"] == first][0]["reviewed"]["by"], "asa")
        for q in ("open=2", "severity=huge", "limit=0", "limit=x"):
            self.assertEqual(viewer.get("/api/v1/alerts?" + q).status, 400, q)


if __name__ == "__main__":
    unittest.main()

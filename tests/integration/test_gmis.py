"""G-MIS answers that follow from evidence rather than from checklist answers: the EMR in the
systems ledger (Q5), the VPN devices in the asset ledger (Q10, Q11) and the record of the
monthly VPN access audit (Q14). Drives the real binary."""
import json
import os
import unittest

from mmtest import MamoriCase, DATA, SRC

EV = os.path.join(DATA, "evidence")
LOGS = os.path.join(DATA, "logs")


class GmisEvidenceTest(MamoriCase):
    def gmis(self, env=None):
        r = self.mm("gmis", "--json", env=env)
        self.assertEqual(r.code, 0, r)
        return {q["no"]: q for q in json.loads(r.out)["questions"]}

    def test_nothing_imported_is_unknown(self):
        q = self.gmis()
        for no in (5, 10, 11, 14):
            self.assertEqual(q[no]["answer"], "unknown", q[no])

    def test_ledgers_answer_q5_q10_q11(self):
        self.ok("import", "assets", os.path.join(EV, "assets.csv"))
        q = self.gmis()
        self.assertEqual(q[10]["answer"], "yes", q[10])
        self.assertIn("FW-01", q[10]["basis"]["ja"])
        self.assertEqual(q[11]["answer"], "text", q[11])
        self.assertIn("FW-01（FortiOS 6.0.4）", q[11]["text"])
        systems = self.write("s.csv", "システム名,分類\n電子カルテ,電子カルテ\n部門システム,検査\n")
        self.ok("import", "systems", systems)
        q = self.gmis()
        self.assertEqual(q[5]["answer"], "yes", q[5])
        self.assertIn("電子カルテ", q[5]["basis"]["ja"])

    def test_evidence_overrules_yes_on_vpn_devices(self):
        self.ok("import", "assets", os.path.join(EV, "assets.csv"))
        self.ok("import", "advisories", os.path.join(SRC, "data/advisories/feed.json"))
        self.ok("import", "allowlists", self.write("l.csv", "device,cidr\nFW-01,0.0.0.0/0\n"))
        self.ok("answer", "2-6", "yes", "--date", "2025-10-01")
        self.ok("answer", "2-13", "yes", "--date", "2025-10-01")
        q = self.gmis()
        self.assertEqual(q[12]["answer"], "yes", q[12])  # not evaluated yet: the answer stands
        self.ok("evaluate")
        q = self.gmis()
        self.assertEqual(q[12]["answer"], "no", q[12])
        self.assertIn("CVE-2018-13379", q[12]["basis"]["ja"])
        self.assertIn("2-⑥「はい」", q[12]["basis"]["ja"])
        self.assertEqual(q[13]["answer"], "no", q[13])
        self.assertIn("0.0.0.0/0", q[13]["basis"]["en"])

    def test_no_vpn_device(self):
        flat = self.write("a.csv", "kind,name,os,os_version,location,department,remote_access\n"
                                   "server,SV-01,Debian,12,サーバ室,情報システム課,no\n")
        self.ok("import", "assets", flat)
        q = self.gmis()
        self.assertEqual(q[10]["answer"], "no", q[10])
        self.assertEqual(q[11]["answer"], "skip", q[11])

    def test_vpn_audit_record_answers_q14(self):
        self.ok("logs", "import", "--format", "fortigate", os.path.join(LOGS, "fortigate.log"))
        self.assertEqual(self.gmis()[14]["answer"], "unknown")
        out = os.path.join(self.tmp, "vpn.html")
        env = {"MAMORI_NOW": "2025-12-02T00:00:00Z"}
        self.ok("logs", "report", "vpn", "--month", "2025-11", "-o", out, env=env)
        q = self.gmis(env=env)[14]
        self.assertEqual(q["answer"], "yes", q)
        self.assertIn("2025-11", q["basis"]["ja"])
        self.assertIn("tester", q["basis"]["ja"])
        # the audit is in the audit trail and the trail verifies
        self.assertIn("logs.report.vpn", self.ok("audit", "log").out)
        self.ok("audit", "verify")
        # three months later without a new audit: not regular any more
        q = self.gmis(env={"MAMORI_NOW": "2026-03-01T00:00:00Z"})[14]
        self.assertEqual(q["answer"], "no", q)
        self.assertIn("2か月以上", q["basis"]["ja"])


if __name__ == "__main__":
    unittest.main()

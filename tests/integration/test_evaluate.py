"""Evaluators against real imported evidence: the verdict and the rows behind it, conflicts
with the human answer in the checklist view, and findings resolving once the evidence is
fixed. Drives the real binary on the fixtures in tests/data/evidence."""
import json
import os
import unittest

from mmtest import MamoriCase, DATA, SRC

EV = os.path.join(DATA, "evidence")


class EvaluateTest(MamoriCase):
    def imp(self, kind, path):
        self.ok("import", kind, path)

    def findings(self, item=None):
        args = ["findings", "--json"] + (["--item", item] if item else [])
        return json.loads(self.ok(*args).out)["findings"]

    def test_no_evidence_is_unknown_not_pass(self):
        self.ok("evaluate")
        out = json.loads(self.ok("evaluate", "--json").out)
        verdicts = {i["item"]: i["verdict"] for i in out["items"]}
        self.assertTrue(all(v == "unknown" for k, v in verdicts.items() if k != "2-4"), verdicts)
        self.assertEqual(verdicts["2-4"], "fail")  # no role matrix at all is a finding

    def test_vulnerable_firmware_contradicts_yes(self):
        self.imp("assets", os.path.join(EV, "assets.csv"))
        self.imp("advisories", os.path.join(SRC, "data/advisories/feed.json"))
        self.ok("answer", "2-6", "yes", "--date", "2025-10-01")
        self.ok("evaluate")
        f = [x for x in self.findings("2-6") if x["verdict"] == "fail"]
        cves = {x["subject"].split(":")[-1] for x in f}
        self.assertIn("CVE-2018-13379", cves)
        self.assertIn("CVE-2025-22457", cves)
        ref = [x for x in f if "CVE-2018-13379" in x["subject"]][0]["refs"][0]
        self.assertTrue(ref["file"].endswith("assets.csv"))
        self.assertEqual(ref["line"], 2)
        rows = json.loads(self.ok("checklist", "show", "--json").out)["sheets"][0]["rows"]
        r6 = [r for r in rows if r["id"] == "2-6"][0]
        self.assertEqual(r6["verdict"], "fail")
        self.assertIn("はい, しかし", r6["conflict"])
        text = self.ok("checklist", "show").out
        self.assertIn("矛盾", text)
        self.assertIn("CVE-2018-13379", text)
        # The row that proves it is shown under the conflict.
        self.assertRegex(text, r"証拠: \S*assets\.csv:2 \(FW-01")

    def test_fixed_evidence_resolves_the_finding(self):
        self.imp("advisories", os.path.join(SRC, "data/advisories/feed.json"))
        bad = self.write("a.csv", "kind,name,os,os_version,location,department\n"
                                  "network,FW-01,FortiOS,6.0.4,サーバ室,情報システム室\n")
        self.imp("assets", bad)
        self.ok("evaluate")
        self.assertTrue(any(x["verdict"] == "fail" for x in self.findings("2-6")))
        good = self.write("b.csv", "kind,name,os,os_version,location,department\n"
                                   "network,FW-01,FortiOS,7.2.12,サーバ室,情報システム室\n")
        self.imp("assets", good)
        self.ok("evaluate")
        open_ = self.findings("2-6")
        self.assertEqual([x["verdict"] for x in open_], ["pass"])
        everything = json.loads(self.ok("findings", "--all", "--json", "--item", "2-6").out)["findings"]
        self.assertTrue(any(x.get("resolved_at") for x in everything))
        self.ok("audit", "verify")

    def test_accounts_roles_and_policies(self):
        for kind, name in [("staff", "staff.csv"), ("roles", "roles.csv"),
                           ("accounts", "accounts.json"),
                           ("password-policies", "password-policies.json")]:
            self.imp(kind, os.path.join(EV, name))
        self.ok("evaluate")
        f25 = self.findings("2-5")
        self.assertTrue(any("sato" in x["subject"] and x["subject"].startswith("left:") for x in f25), f25)
        f28 = self.findings("2-8")
        self.assertTrue(any(x["subject"].startswith("shared:") for x in f28), f28)
        out = self.ok("findings", "--item", "2-5").out
        self.assertIn("accounts.json:", out)

    def test_english_reasons_say_our_words_in_english(self):
        """Details the evaluators compose themselves (missing fields, why an admin account is
        not personal, leave dates, password rules, shared accounts) are English in the English
        reason and Japanese in the Japanese one; only names from the evidence stay as written."""
        for kind, name in [("staff", "staff.csv"), ("roles", "roles.csv"),
                           ("accounts", "accounts.json"),
                           ("password-policies", "password-policies.json")]:
            self.imp(kind, os.path.join(EV, name))
        self.imp("assets", self.write("a.csv", "kind,name,os,os_version,location,department\n"
                                                "server,SV-01,Windows Server,2019,,\n"))
        self.ok("evaluate")
        ours = ["共用", "退職日", "本人", "職員名簿", "最小", "文字", "管理部門", "設置場所",
                "バージョン", "有効期限"]
        fails = [x for x in self.findings() if x["verdict"] == "fail"]
        self.assertTrue(any(x["item"] == "2-1" for x in fails), fails)
        for x in fails:
            for w in ours:
                self.assertNotIn(w, x["reason"]["en"], x)
        f21 = [x for x in fails if x["item"] == "2-1"][0]
        self.assertIn("location", f21["reason"]["en"])
        self.assertIn("設置場所", f21["reason"]["ja"])

    def test_allowlist_any_source(self):
        self.imp("assets", os.path.join(EV, "assets.csv"))
        p = self.write("l.csv", "device,cidr\nFW-01,0.0.0.0/0\nVPN-VENDOR,203.0.113.0/24\n")
        self.imp("allowlists", p)
        self.ok("evaluate")
        f = self.findings("2-13")
        self.assertTrue(any(x["subject"] == "any-source:FW-01:0.0.0.0/0" for x in f), f)

    def test_unused_days_setting(self):
        self.imp("staff", os.path.join(EV, "staff.csv"))
        self.imp("accounts", os.path.join(EV, "accounts.json"))
        conf = os.path.join(self.ws, "mamori.conf")
        with open(conf, encoding="utf-8") as f:
            text = f.read()
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text.replace("unused_account_days = 90", "unused_account_days = 100000"))
        r = self.mm("evaluate")
        self.assertEqual(r.code, 4, r)
        self.assertIn("mamori.conf", r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

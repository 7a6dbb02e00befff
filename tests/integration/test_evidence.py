"""Evidence imports as a user drives them: every kind from the fixtures, re-imports that
replace by natural key and keep the rest, dry runs that store nothing, broken files that name
file:line:col and leave the store unchanged, and an audit trail that still verifies."""
import json
import os
import re
import unittest

from mmtest import MamoriCase, DATA, SRC

EV = os.path.join(DATA, "evidence")
FEED = os.path.join(os.environ.get("MAMORI_DATA", os.path.join(SRC, "data")), "advisories", "feed.json")

# kind, fixture, rows, table
GOOD = [
    ("vendors", "vendors.csv", 2, "vendor"),
    ("assets", "assets.csv", 4, "asset"),
    ("assets", "assets_cp932.csv", 3, "asset"),
    ("systems", "systems.csv", 2, "system"),
    ("staff", "staff.csv", 3, "staff"),
    ("accounts", "accounts.json", 3, "account"),
    ("roles", "roles.csv", 4, "role_access"),
    ("password-policies", "password-policies.json", 2, "password_policy"),
    ("software", "software_collector.json", 3, "software"),
    ("allowlists", "allowlists.csv", 3, "allowlist"),
    ("media", "media_collector.json", 1, "media_control"),
    ("media", "media.csv", 2, "media_control"),
]


class ImportTest(MamoriCase):
    def count(self, table):
        return int(self.sql(f"SELECT count(*) FROM {table}").strip())

    def import_all(self):
        for kind, name, rows, _ in GOOD:
            r = self.ok("import", kind, os.path.join(EV, name))
            self.assertIn(f"imported {rows} {kind} rows", r.out)
        r = self.ok("import", "advisories", FEED)
        self.assertIn("imported 4 advisories rows", r.out)

    def test_every_kind_and_audit_verify(self):
        self.import_all()
        self.assertEqual(self.count("asset"), 7)
        self.assertEqual(self.count("media_control"), 3)
        self.assertEqual(self.count("advisory"), 4)
        # Vendors named by assets and systems were added (and audited) in the same import.
        self.assertEqual(self.count("vendor"), 3)
        self.assertEqual(self.count("import"), len(GOOD) + 1)
        self.assertEqual(self.sql("SELECT count(*) FROM audit WHERE action = 'evidence.import'").strip(),
                         str(len(GOOD) + 1))
        self.assertEqual(self.sql("SELECT count(*) FROM audit WHERE action = 'vendor.add'").strip(), "3")
        r = self.ok("audit", "verify")
        self.assertIn("intact", r.out)
        # CP932 with Japanese headers arrived as UTF-8 with canonical values.
        self.assertEqual(self.sql("SELECT kind, retired_on FROM asset WHERE name = '受付PC-02'").strip(),
                         "pc|2025-03-31")
        # The collector envelope's host and time went into rows without their own.
        self.assertEqual(self.sql("SELECT taken_on FROM software WHERE host = 'pc001' AND product = 'Windows 11'").strip(),
                         "2025-11-20T00:00:00Z")

    def test_list_shows_source(self):
        self.import_all()
        out = self.ok("evidence", "list", "assets").out.splitlines()
        self.assertTrue(out[0].startswith("kind\tname\thost\tip"))
        fw = [l for l in out if "\tFW-01\t" in l][0]
        self.assertTrue(fw.endswith("assets.csv:2"), fw)
        rows = json.loads(self.ok("evidence", "list", "accounts", "--json").out)
        self.assertEqual(len(rows), 3)
        y = [r for r in rows if r["login"] == "yamada"][0]
        self.assertIs(y["admin"], True)
        self.assertIs(y["mfa"], False)
        self.assertEqual(y["last_logon"], "2025-11-18T23:30:00Z")
        self.assertTrue(y["source"]["file"].endswith("accounts.json"))
        self.assertEqual(y["source"]["line"], 2)
        adv = json.loads(self.ok("evidence", "list", "advisories", "--json").out)
        self.assertEqual({a["cve"] for a in adv}, {"CVE-2018-13379", "CVE-2022-42475", "CVE-2025-22457"})
        r = self.mm("evidence", "list", "gadgets")
        self.assertEqual(r.code, 2, r)
        self.assertIn("password-policies", r.err)

    def test_reimport_replaces_by_key_and_keeps_others(self):
        self.ok("import", "assets", os.path.join(EV, "assets.csv"))
        p = self.write("assets2.csv", "kind,name,os,os_version\nnetwork,FW-01,FortiOS,7.2.12\nserver,NEW-01,Linux,6.1\n")
        self.ok("import", "assets", p)
        self.assertEqual(self.count("asset"), 5)
        # FW-01 replaced as a whole (its IP was not in the new file) and now points at the new file.
        self.assertEqual(self.sql("SELECT os_version, ip, source_line FROM asset WHERE name = 'FW-01'").strip(),
                         "7.2.12||2")
        self.assertEqual(self.sql("SELECT i.file FROM asset a JOIN import i ON i.id = a.import_id "
                                  "WHERE a.name = 'FW-01'").strip(), p)
        self.assertEqual(self.sql("SELECT ip FROM asset WHERE name = 'EMR-DB'").strip(), "192.168.10.5")
        # Accounts are keyed by (system, login).
        self.ok("import", "accounts", os.path.join(EV, "accounts.json"))
        p = self.write("acc.csv", "system,login,enabled\n電子カルテ,sato,no\nオーダリング,sato,yes\n")
        self.ok("import", "accounts", p)
        self.assertEqual(self.count("account"), 4)
        self.assertEqual(self.sql("SELECT enabled FROM account WHERE system = '電子カルテ' AND login = 'sato'").strip(), "0")

    def test_dry_run_stores_nothing(self):
        before = self.count("audit")
        r = self.ok("import", "assets", os.path.join(EV, "assets.csv"), "--dry-run")
        self.assertIn("dry run: 4 assets rows would be imported", r.out)
        self.assertEqual(self.count("asset"), 0)
        self.assertEqual(self.count("import"), 0)
        self.assertEqual(self.count("vendor"), 0)
        self.assertEqual(self.count("audit"), before)

    def test_broken_file_leaves_store_unchanged(self):
        self.import_all()
        counts = {t: self.count(t) for t in ["asset", "vendor", "import", "audit", "account"]}
        bad = self.write("assets.csv", "kind,name,ip,vendor\nserver,OK-01,10.0.0.1,新しい業者\n"
                         "pc,PC-9,10.0.0.300,\n")
        r = self.mm("import", "assets", bad)
        self.assertEqual(r.code, 4, r)
        self.assertIn("assets.csv:3:9: ip:", r.err)
        self.assertIn('expected an IPv4/IPv6 address, got "10.0.0.300"', r.err)
        for name in sorted(os.listdir(os.path.join(EV, "broken"))):
            kind = re.split(r"[_.]", name)[0]
            kind = {"password": "password-policies", "empty": "assets"}.get(kind, kind)
            r = self.mm("import", kind, os.path.join(EV, "broken", name))
            self.assertEqual(r.code, 4, (name, r))
            self.assertRegex(r.err, r"^mamori: .*%s:\d+:\d+: " % name.replace(".", r"\."))
        self.assertEqual({t: self.count(t) for t in counts}, counts)
        self.ok("audit", "verify")

    def test_usage(self):
        self.assertEqual(self.mm("import", "assets").code, 2)
        r = self.mm("import", "gadgets", os.path.join(EV, "assets.csv"))
        self.assertEqual(r.code, 2, r)
        self.assertIn("unknown evidence kind", r.err)
        r = self.mm("import", "assets", os.path.join(self.tmp, "nope.csv"))
        self.assertEqual(r.code, 3, r)
        for cmd in ["import", "evidence"]:
            h = self.ok(cmd, "--help", dir=None)
            self.assertIn("usage: mamori " + cmd, h.out)
        self.assertIn("import", self.ok("--help", dir=None).out)


if __name__ == "__main__":
    unittest.main()

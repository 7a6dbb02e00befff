"""Service snapshots (2-⑫) as a hospital uses them: import the list before and after an update,
see what changed, spot unneeded running services; bad files are refused with file:line:col and
leave the store as it was."""
import json
import os
import unittest

from mmtest import DATA, MamoriCase

SVC = os.path.join(DATA, "services")


def svc(name):
    return os.path.join(SVC, name)


class ServicesTest(MamoriCase):
    def counts(self):
        return self.sql("SELECT (SELECT count(*) FROM service_snapshot), (SELECT count(*) FROM service), "
                        "(SELECT count(*) FROM import), (SELECT count(*) FROM audit)").strip()

    def test_before_and_after_an_update(self):
        r = self.ok("import", "services", "--host", "SRV-01", "--taken", "2025-10-01", svc("mhlw-3col.csv"))
        self.assertIn("32 件を取り込みました", r.out)
        self.assertIn("Name 列がない", r.out)
        r = self.ok("import", "services", "--host", "srv-01", "--taken", "2025-11-20", svc("win2019-after.csv"))
        self.assertIn("snapshot #2", r.out)
        r = self.ok("services", "diff", "--host", "SRV-01")
        self.assertIn("比較元 from: 2025-10-01", r.out)
        self.assertIn("追加 1 件、削除 1 件、変更 2 件", r.out)
        self.assertIn("+ TlntSvr (Telnet): 実行中 Running / 自動 Automatic", r.out)
        self.assertIn("- Microsoft App-V Client: 停止 Stopped / 無効 Disabled", r.out)
        self.assertIn("~ RemoteRegistry (Remote Registry): 状態 status 停止 Stopped → 実行中 Running", r.out)
        d = json.loads(self.ok("services", "diff", "--host", "srv-01", "--json").out)
        self.assertEqual([a["name"] for a in d["added"]], ["TlntSvr"])
        self.assertEqual([a["name"] for a in d["removed"]], ["Microsoft App-V Client"])
        self.assertEqual(sorted(c["name"] for c in d["changed"]), ["RemoteRegistry", "Spooler"])
        spool = [c for c in d["changed"] if c["name"] == "Spooler"][0]
        self.assertEqual(spool["from"]["start_type"], "Automatic")
        self.assertEqual(spool["to"]["start_type"], "Disabled")
        # explicit dates, reversed
        d = json.loads(self.ok("services", "diff", "--host", "SRV-01", "--from", "2025-11-20",
                               "--to", "2025-10-01", "--json").out)
        self.assertEqual([a["name"] for a in d["removed"]], ["TlntSvr"])
        # the running unneeded services after the update, for a server
        r = self.ok("services", "unneeded", "--host", "SRV-01", "--role", "server")
        self.assertIn("TlntSvr (Telnet)", r.out)
        self.assertIn("RemoteRegistry", r.out)
        self.assertNotIn("Spooler", r.out)  # stopped by the update
        h = self.ok("services", "hosts").out
        self.assertIn("SRV-01\t2\t2025-10-01\t2025-11-20\t32", h)

    def test_same_host_and_day_replaces(self):
        self.ok("import", "services", "--host", "SRV-01", "--taken", "2025-11-20", svc("win2019-typed.csv"))
        r = self.ok("import", "services", "--host", "SRV-01", "--taken", "2025-11-20", svc("win2019-after.csv"))
        self.assertIn("置き換えました", r.out)
        self.assertIn("replaced the earlier snapshot", r.out)
        self.assertEqual(self.sql("SELECT count(*) FROM service_snapshot").strip(), "1")
        names = self.sql("SELECT name FROM service WHERE name IN ('TlntSvr','AppVClient')").split()
        self.assertEqual(names, ["TlntSvr"])
        self.assertIn("services.replace", self.ok("audit", "log").out)
        self.ok("audit", "verify")

    def test_bad_file_is_refused_and_store_unchanged(self):
        self.ok("import", "services", "--host", "SRV-01", "--taken", "2025-10-01", svc("win2019-typed.csv"))
        before = self.counts()
        bad = self.write("bad.csv", b'"Name","DisplayName","Status","StartType"\r\n'
                                    b'"Spooler","Print Spooler","Running","Automatic"\r\n'
                                    b'"TlntSvr","Telnet","Runing","Automatic"\r\n')
        r = self.mm("import", "services", "--host", "SRV-01", "--taken", "2025-10-01", bad)
        self.assertEqual(r.code, 4, r)
        self.assertIn("bad.csv:3:20:", r.err)
        self.assertIn("Runing", r.err)
        self.assertEqual(self.counts(), before)
        # a good file and a bad one together: nothing from either
        r = self.mm("import", "services", "--host", "deb", svc("debian12-units.txt"), bad)
        self.assertEqual(r.code, 4, r)
        self.assertEqual(self.counts(), before)
        # the earlier snapshot is intact
        self.assertIn("Spooler\tPrint Spooler\tRunning\tAutomatic",
                      self.ok("services", "list", "--host", "SRV-01").out)

    def test_errors_and_usage(self):
        r = self.mm("import", "services", svc("win2019-typed.csv"))
        self.assertEqual(r.code, 2, r)
        self.assertIn("--host", r.err)
        r = self.mm("import", "services", "--host", "X", os.path.join(self.tmp, "nope.csv"))
        self.assertEqual(r.code, 3, r)
        r = self.mm("import", "services", "--host", "X", os.path.join(DATA, "collectors", "accounts-linux.json"))
        self.assertEqual(r.code, 4, r)
        self.assertIn("mamori import accounts", r.err)
        r = self.mm("services", "diff", "--host", "NOBODY")
        self.assertEqual(r.code, 3, r)
        self.ok("import", "services", "--host", "ONE", svc("win2019-typed.csv"))
        r = self.mm("services", "diff", "--host", "ONE")
        self.assertEqual(r.code, 3, r)
        self.assertIn("earlier snapshot", r.err)
        r = self.mm("services", "diff")
        self.assertEqual(r.code, 2, r)
        self.assertEqual(self.mm("services", "frobnicate").code, 2)
        self.assertIn("usage: mamori services", self.ok("services", "--help").out)

    def test_dry_run_stores_nothing(self):
        before = self.counts()
        r = self.ok("import", "services", "--host", "SRV-01", "--dry-run", svc("win2019-utf16.csv"))
        self.assertIn("UTF-16LE", r.out)
        self.assertIn("nothing was stored", r.out)
        self.assertEqual(self.counts(), before)

    def test_collector_json_names_host_and_day(self):
        r = self.ok("import", "services", svc("collector-ws001.json"))
        # taken 2025-11-19T23:30Z is 2025-11-20 08:30 in Japan
        self.assertIn("WS-001 の 2025-11-20", r.out)
        out = json.loads(self.ok("services", "list", "--host", "ws-001", "--json").out)
        self.assertEqual(out["source"], "collector")
        bits = [s for s in out["services"] if s["name"] == "BITS"][0]
        self.assertEqual(bits["start_type"], "AutomaticDelayedStart")
        mps = [s for s in out["services"] if s["name"] == "MpsSvc"][0]
        self.assertEqual(mps["display_name"], "Windows Defender ファイアウォール")
        u = json.loads(self.ok("services", "unneeded", "--host", "WS-001", "--role", "pc", "--json").out)
        ids = sorted(x["id"] for x in u["running_unneeded"])
        self.assertEqual(ids, ["rdp-on-pc", "smb1", "xbox"])

    def test_workspace_list_extends_and_allows(self):
        self.ok("import", "services", svc("collector-ws001.json"))
        self.write("ws/unneeded-services.json", json.dumps({
            "allow": [{"host": "WS-001", "name": "TermService"}],
            "services": [{"id": "windows-audio", "platform": "windows", "kind": "pc",
                          "names": ["AudioSrv"], "reason_ja": "ナースステーションの端末では音声は使いません",
                          "reason_en": "the ward PCs have no use for audio"}]}, ensure_ascii=False))
        u = json.loads(self.ok("services", "unneeded", "--host", "WS-001", "--role", "pc", "--json").out)
        ids = sorted(x["id"] for x in u["running_unneeded"])
        self.assertEqual(ids, ["smb1", "windows-audio", "xbox"])
        self.write("ws/unneeded-services.json", '{"mode": "replace",\n "services": 3}')
        r = self.mm("services", "unneeded", "--host", "WS-001")
        self.assertEqual(r.code, 4, r)
        self.assertIn("unneeded-services.json:2:14:", r.err)

    def test_systemd_lists_merge_into_one_snapshot(self):
        r = self.ok("import", "services", "--host", "emrdb01", "--taken", "2025-11-01",
                    svc("debian12-units.txt"), svc("debian12-server-unit-files.txt"))
        self.assertIn("systemctl list-units", r.out)
        self.assertIn("systemctl list-unit-files", r.out)
        out = json.loads(self.ok("services", "list", "--host", "emrdb01", "--json").out)
        by = {s["name"]: s for s in out["services"]}
        self.assertEqual(by["ssh.service"]["status"], "Running")
        self.assertEqual(by["ssh.service"]["start_type"], "Automatic")
        # in unit files only: not loaded, so stopped
        self.assertEqual(by["vsftpd.service"]["status"], "Stopped")
        self.assertEqual(by["postgresql@15-main.service"]["status"], "Failed")
        self.assertNotIn("sshd.service", by)
        self.ok("import", "services", "--host", "emrdb01", "--taken", "2025-11-20", svc("collector-emrdb.json"))
        d = json.loads(self.ok("services", "diff", "--host", "emrdb01", "--json").out)
        self.assertIn("cups.service", [x["name"] for x in d["removed"]])
        self.assertEqual(d["added"], [])
        r = self.mm("import", "services", "--host", "mix", svc("debian12-units.txt"), svc("win2019-typed.csv"))
        self.assertEqual(r.code, 4, r)


if __name__ == "__main__":
    unittest.main()

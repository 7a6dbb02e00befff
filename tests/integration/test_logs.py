#!/usr/bin/env python3
"""Access logs (2-11) through the real mamori binary: import every format, query, verify
(and catch tampering by segment and block), keygen, alerts for a brute-force fixture, the
2-11 evaluator, torn-tail recovery at start, and the syslog collector over UDP and TCP on
127.0.0.1."""
import glob
import json
import os
import signal
import socket
import subprocess
import time
import unittest

from mmtest import DATA, MAMORI, MamoriCase

LOGS = os.path.join(DATA, "logs")


class LogsCase(MamoriCase):
    def import_all(self):
        out = []
        for fmt, name in (("syslog", "auth.log"), ("syslog", "rfc5424.log"),
                          ("fortigate", "fortigate.log"), ("windows-json", "windows.jsonl"),
                          ("emr-csv", "emr.csv")):
            r = self.ok("logs", "import", "--format", fmt, "--json", os.path.join(LOGS, name))
            out.append(json.loads(r.out))
        return out

    def segments(self):
        return sorted(glob.glob(os.path.join(self.ws, "logs", "seg-*.mms")))

    def test_import_query_stats_verify(self):
        counts = self.import_all()
        self.assertEqual([c["stored"] for c in counts], [27, 4, 7, 17, 5])
        self.assertEqual([c["unparsed"] for c in counts], [1, 0, 0, 1, 1])
        self.assertEqual(counts[4]["skipped"], 1)  # the EMR header row

        stats = json.loads(self.ok("logs", "stats", "--json").out)
        self.assertEqual(stats["stored"], 60)
        self.assertEqual(stats["unparsed"], 3)
        self.assertEqual(stats["dropped"], 0)
        self.assertEqual(stats["retention_years"], 5)
        self.assertGreater(stats["bytes"], 0)
        self.assertGreater(stats["free_bytes"], 0)
        hosts = {s["host"]: s["events"] for s in stats["sources"]}
        self.assertEqual(hosts["srv-emr01"], 26)
        self.assertEqual(hosts["FGT60F-HOSP"], 7)

        r = self.ok("logs", "query", "--user", "SATO", "--json")
        events = json.loads(r.out)
        self.assertEqual([e["kind"] for e in events],
                         ["logon-failure"] * 5 + ["logon", "record-access"])
        self.assertIn("Accepted password for sato", events[5]["raw"])
        r = self.ok("logs", "query", "--kind", "vpn-up")
        self.assertEqual(len(r.out.splitlines()), 2)
        self.assertIn("2025-11-20T23:12:44+09:00\tvpn-up\tsuccess\tFGT60F-HOSP\ttanaka", r.out)
        r = self.ok("logs", "query", "--source", "203.0.113.50", "--since",
                    "2025-11-20T09:05:30+09:00", "--until", "2025-11-20T09:06:00+09:00")
        self.assertEqual(len(r.out.splitlines()), 6)
        r = self.ok("logs", "query", "--kind", "unparsed", "--json")
        self.assertEqual(sorted(e["raw"] for e in json.loads(r.out)),
                         ["not,a,valid,row", "this line is not syslog at all",
                          '{"broken json'])

        r = self.ok("logs", "verify")
        self.assertIn("verified: 5 segments", r.out)
        key = os.path.join(self.tmp, "verify.pub")
        self.ok("logs", "keygen", "-o", key)
        with open(key) as f:
            self.assertTrue(f.read().startswith("mamori-logs-ed25519 "))
        self.ok("logs", "verify", "--key", key)
        # a key from another workspace does not verify this store
        other = os.path.join(self.tmp, "other")
        self.ok("init", other, dir=None)
        self.ok("logs", "keygen", "-o", os.path.join(self.tmp, "other.pub"), dir=other)
        r = self.mm("logs", "verify", "--key", os.path.join(self.tmp, "other.pub"))
        self.assertEqual(r.code, 5, r)
        self.assertIn("signature does not verify", r.out)

    def test_tamper_is_found_and_located(self):
        self.import_all()
        segs = self.segments()
        # change one byte inside the first block's compressed bytes of segment 3
        with open(segs[2], "r+b") as f:
            f.seek(64 + 72 + 20)
            b = f.read(1)
            f.seek(64 + 72 + 20)
            f.write(bytes([b[0] ^ 0x01]))
        r = self.mm("logs", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("seg-00000003.mms block 0 (events 31-37)", r.out)
        # the evaluator fails 2-11 once a verify found problems
        r = self.ok("evaluate", "--json")
        items = {i["item"]: i["verdict"] for i in json.loads(r.out)["items"]}
        self.assertEqual(items["2-11"], "fail")
        # remove a segment: named as missing
        os.unlink(segs[1])
        r = self.mm("logs", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("segments 2-2 are missing", r.out)
        # remove the newest: the anchor in mamori.db notices
        os.unlink(segs[4])
        r = self.mm("logs", "verify")
        self.assertIn("segments 5-5 are missing: the newest were removed", r.out)

    def test_queries_go_past_a_damaged_block(self):
        """One damaged block does not hide the rest: queries and the VPN audit skip it, say where
        it is and exit 5; the other segments' events are still there."""
        self.import_all()
        everything = json.loads(self.ok("logs", "query", "--json").out)
        segs = self.segments()
        with open(segs[2], "r+b") as f:  # segment 3 holds the FortiGate lines
            f.seek(64 + 72 + 20)
            b = f.read(1)
            f.seek(64 + 72 + 20)
            f.write(bytes([b[0] ^ 0x01]))
        r = self.mm("logs", "query", "--json")
        self.assertEqual(r.code, 5, r)
        self.assertIn("seg-00000003.mms block 0", r.err)
        rest = json.loads(r.out)
        self.assertEqual(len(rest), len(everything) - 7)  # the 7 FortiGate events are skipped
        r = self.mm("logs", "query", "--user", "yamada")
        self.assertIn(r.code, (0, 5), r)
        out = os.path.join(self.tmp, "vpn.html")
        r = self.mm("logs", "report", "vpn", "--month", "2025-11", "-o", out)
        self.assertEqual(r.code, 5, r)
        page = open(out, encoding="utf-8").read()
        self.assertIn("読めない部分", page)
        self.assertIn("seg-00000003.mms block 0", page)

    def test_truncated_segment(self):
        self.import_all()
        seg = self.segments()[0]
        size = os.path.getsize(seg)
        with open(seg, "r+b") as f:
            f.truncate(size - 100)
        r = self.mm("logs", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("seg-00000001.mms", r.out)
        self.assertIn("truncated", r.out)

    def test_alerts_for_brute_force(self):
        self.import_all()
        r = self.ok("alerts", "--json")
        alerts = json.loads(r.out)
        by_rule = {a["rule"]: a for a in alerts}
        bf = by_rule["brute-force-account"]
        self.assertEqual(bf["subject"], "user:admin")
        self.assertEqual(bf["count"], 12)
        self.assertTrue(any("Failed password for invalid user admin" in e.get("raw", "")
                            for e in bf["events"]))
        self.assertEqual(by_rule["success-after-failures"]["subject"], "user:sato")
        self.assertIn("after-hours-remote", by_rule)
        self.assertIn("new-admin", by_rule)
        r = self.ok("alerts")
        self.assertIn("総当たり", r.out)
        # importing the same file again raises no duplicate alerts
        self.ok("logs", "import", "--format", "syslog", os.path.join(LOGS, "auth.log"))
        self.assertEqual(len(json.loads(self.ok("alerts", "--json").out)), len(alerts))

    def test_evaluator_2_11(self):
        r = self.ok("evaluate", "--json")
        items = {i["item"]: i["verdict"] for i in json.loads(r.out)["items"]}
        self.assertEqual(items["2-11"], "unknown")
        assets = self.write("assets.csv",
                            "kind,name,host,ip\nserver,EMR-01,srv-emr01,192.168.10.5\n"
                            "server,PACS-01,pacs01,192.168.10.20\n")
        self.ok("import", "assets", assets)
        self.import_all()
        self.ok("evaluate")
        r = self.ok("findings", "--item", "2-11")
        self.assertIn("PACS-01", r.out)
        self.assertIn("一度も検証していません", r.out)  # never verified: not a pass yet
        self.ok("logs", "verify")
        self.assertNotIn("EMR-01 から", r.out)
        assets = self.write("assets2.csv",
                            "kind,name,host,ip,retired\nserver,PACS-01,pacs01,192.168.10.20,"
                            "2025-10-01\n")
        self.ok("import", "assets", assets)
        r = self.ok("evaluate", "--json")
        items = {i["item"]: i["verdict"] for i in json.loads(r.out)["items"]}
        self.assertEqual(items["2-11"], "pass")

    def test_vpn_audit_report(self):
        allow = self.write("allow.csv", "device,cidr\nFGT60F-HOSP,198.51.100.0/24\n")
        self.ok("import", "allowlists", allow)
        self.import_all()
        csv_path = os.path.join(self.tmp, "vpn.csv")
        self.ok("logs", "report", "vpn", "--month", "2025-11", "--format", "csv", "-o", csv_path)
        with open(csv_path, encoding="utf-8-sig") as f:
            rows = [ln.rstrip("\r\n").split(",") for ln in f]
        self.assertEqual(rows[0][0], "利用者")
        by_user = {r[0]: r for r in rows[1:]}
        self.assertEqual(by_user["tanaka"][1:2] + by_user["tanaka"][4:], ["1", "45.77.12.9", "1", "1"])
        self.assertEqual(by_user["vendor-nk"][5:], ["0", "0"])
        self.assertNotIn("admin", by_user)  # console logins are not VPN access
        html = os.path.join(self.tmp, "vpn.html")
        self.ok("logs", "report", "vpn", "--month", "2025-11", "-o", html)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        self.assertIn("VPN アクセスログ監査 2025年11月", page)
        self.assertIn("許可リスト外の接続元からの接続 1 回", page)
        r = self.ok("logs", "report", "vpn", "--month", "2025-10", "--format", "csv")
        self.assertEqual(len(r.out.splitlines()), 1)

    def test_torn_segment_never_blocks_start(self):
        self.import_all()
        with open(os.path.join(self.ws, "logs", "seg-00000006.mms.open"), "wb") as f:
            f.write(b"MMLOG torn")
        r = self.ok("logs", "import", "--format", "syslog", os.path.join(LOGS, "rfc5424.log"))
        self.assertIn("quarantined seg-00000006.mms.open", r.err)
        self.assertTrue(glob.glob(os.path.join(self.ws, "logs", "quarantine",
                                               "seg-00000006.mms.open.*")))
        self.ok("logs", "verify")

    def test_bad_usage(self):
        r = self.mm("logs", "import", "--format", "nope", "x")
        self.assertEqual(r.code, 2)
        r = self.mm("logs", "import", "--format", "syslog", os.path.join(self.tmp, "missing.log"))
        self.assertEqual(r.code, 3, r)
        self.assertIn("missing.log", r.err)

    def test_collect_udp_and_tcp(self):
        p = subprocess.Popen([MAMORI, "--dir", self.ws, "collect", "--udp", "127.0.0.1:0",
                              "--tcp", "127.0.0.1:0", "--max-seconds", "60"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        try:
            ports = {}
            for _ in range(2):
                line = p.stdout.readline().decode()
                self.assertTrue(line.startswith("mamori: listening"), line)
                proto, addr = line.split()[2:4]
                ports[proto] = int(addr.rsplit(":", 1)[1])
            with open(os.path.join(LOGS, "auth.log"), "rb") as f:
                lines = f.read().splitlines()
            with socket.create_connection(("127.0.0.1", ports["tcp"]), timeout=10) as s:
                for ln in lines[:10]:
                    s.sendall(ln + b"\n")
                for ln in lines[10:20]:  # RFC 6587 octet counting on the same connection
                    s.sendall(str(len(ln)).encode() + b" " + ln)
            u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            for ln in lines[20:]:
                u.sendto(ln, ("127.0.0.1", ports["udp"]))
            u.close()
            time.sleep(1.0)
        finally:
            p.send_signal(signal.SIGTERM)
            out, err = p.communicate(timeout=30)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("received 27, stored 27", out.decode())
        stats = json.loads(self.ok("logs", "stats", "--json").out)
        self.assertEqual(stats["stored"], 27)
        self.assertEqual(stats["dropped"], 0)
        r = self.ok("logs", "query", "--user", "admin", "--kind", "logon-failure")
        self.assertEqual(len(r.out.splitlines()), 12)
        self.ok("logs", "verify")


if __name__ == "__main__":
    unittest.main(verbosity=2)

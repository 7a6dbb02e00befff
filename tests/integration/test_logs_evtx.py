#!/usr/bin/env python3
"""Windows .evtx files and Pulse/Ivanti lines through the real mamori binary: `logs import
--format evtx` stores every record of tests/data/logs/security-sample.evtx mapped like the
JSON reader, and a cut, damaged or foreign file fails with the file, offset and counts while
keeping what was readable (visible in `logs stats` and `logs query`). The committed sample is
checked to be exactly what make_evtx.py writes, so it can be regenerated."""
import json
import os
import struct
import subprocess
import sys
import unittest
import zlib

from mmtest import DATA, MamoriCase

LOGS = os.path.join(DATA, "logs")
SAMPLE = os.path.join(LOGS, "security-sample.evtx")
sys.path.insert(0, LOGS)
import make_evtx  # noqa: E402  (the fixture writer lives with the fixtures)


class EvtxCase(MamoriCase):
    def sample(self):
        with open(SAMPLE, "rb") as f:
            return f.read()

    def stats(self):
        return json.loads(self.ok("logs", "stats", "--json").out)

    def test_sample_is_reproducible(self):
        out = os.path.join(self.tmp, "again.evtx")
        p = subprocess.run([sys.executable, os.path.join(LOGS, "make_evtx.py"), out],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), self.sample())

    def test_import_whole_file(self):
        r = self.ok("logs", "import", "--format", "evtx", "--json", SAMPLE)
        c = json.loads(r.out)
        self.assertEqual((c["stored"], c["unparsed"], c["dropped"]), (16, 0, 0))
        events = json.loads(self.ok("logs", "query", "--json").out)
        self.assertEqual(len(events), 16)
        kinds = [e["kind"] for e in events]
        self.assertEqual(kinds.count("logon-failure"), 4)  # 4625, 4768 failed, 4771, 4776 failed
        self.assertEqual(kinds.count("other"), 1)          # 4688 is not in the table
        first = events[0]
        self.assertEqual((first["kind"], first["user"], first["source"], first["host"]),
                         ("logon", "yamada", "192.168.10.23", "DC01.hosp.local"))
        self.assertIn("<EventRecordID>1001</EventRecordID>", first["raw"])
        self.assertNotIn("\n", first["raw"])
        ito = json.loads(self.ok("logs", "query", "--user", "ito", "--json").out)
        self.assertEqual([e["kind"] for e in ito], ["kerberos-tgt", "logon-failure", "logon-failure"])
        self.assertEqual(ito[0]["source"], "192.168.10.31")  # ::ffff: dropped, as for JSON

    def test_same_mapping_as_windows_json(self):
        """A record and the JSON line the collector would write for it map to the same event."""
        self.ok("logs", "import", "--format", "evtx", SAMPLE)
        line = json.dumps({"TimeCreated": "2025-11-20T00:16:10.000Z", "Id": 4625,
                           "MachineName": "DC01.hosp.local",
                           "Data": {"TargetUserName": "admin", "TargetDomainName": "HOSP",
                                    "Status": "0xc000006d", "SubStatus": "0xc0000064",
                                    "LogonType": "3", "IpAddress": "203.0.113.50"}})
        path = self.write("one.jsonl", line + "\n")
        self.ok("logs", "import", "--format", "windows-json", path)
        got = json.loads(self.ok("logs", "query", "--user", "admin", "--json").out)
        self.assertEqual(len(got), 2)
        keys = ("time", "kind", "outcome", "user", "source", "host", "target")
        self.assertEqual({k: got[0][k] for k in keys}, {k: got[1][k] for k in keys})

    def test_cut_file_keeps_first_chunk(self):
        path = self.write("cut.evtx", self.sample()[:4096 + 65536 + 1500])
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn(path, r.err)
        self.assertIn("offset 71132", r.err)
        self.assertIn("8 records read up to record 1008, 8 unreadable", r.err)
        s = self.stats()
        self.assertEqual((s["stored"], s["dropped"]), (8, 8))
        self.ok("logs", "verify")

    def test_damaged_record_and_checksum(self):
        data = bytearray(self.sample())
        data[4096 + 512 + 24 + 4] = 0xFF           # the first record's template token
        data[4096 + 65536 + 512 + 300] ^= 0x55     # a byte inside the second chunk
        path = self.write("bad.evtx", bytes(data))
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn("1 of 16 records unreadable, first: record 1, offset 4608", r.err)
        s = self.stats()
        self.assertEqual((s["stored"], s["dropped"]), (15, 1))

        data = bytearray(self.sample())
        data[4096 + 65536 + 512 + 300] ^= 0x55
        path = self.write("flip.evtx", bytes(data))
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn("chunk 1 at offset 69632: event records checksum mismatch", r.err)
        self.assertIn("records 1009-1016", r.err)
        self.assertNotIn("dirty", r.err)

        # The same file marked dirty (copied while Windows was writing it), header CRC redone.
        data[120] |= 1
        struct.pack_into("<I", data, 124, zlib.crc32(bytes(data[:120])))
        path = self.write("dirty.evtx", bytes(data))
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn("marked dirty (copied while in use): export it with wevtutil epl", r.err)

        # A changed header without a matching CRC.
        data = bytearray(self.sample())
        data[24] ^= 0x01
        path = self.write("header.evtx", bytes(data))
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn("offset 0: file header checksum mismatch", r.err)

    def test_not_evtx(self):
        path = self.write("auth.evtx", "Nov 20 09:00:00 h sshd[1]: hello\n")
        r = self.mm("logs", "import", "--format", "evtx", path)
        self.assertNotEqual(r.code, 0)
        self.assertIn("offset 0: not an EVTX file header", r.err)
        self.assertEqual(self.stats()["stored"], 0)
        r = self.mm("logs", "import", "--format", "evtx", os.path.join(self.tmp, "missing.evtx"))
        self.assertNotEqual(r.code, 0)
        self.assertIn("missing.evtx", r.err)
        r = self.mm("logs", "import", "--format", "evtx", "-", stdin=self.sample())
        self.assertNotEqual(r.code, 0)
        self.assertIn("cannot be read from standard input", r.err)

    def test_ivanti_import(self):
        lines = [
            'id=firewall time="2025-11-20 09:15:02" pri=6 fw=10.0.0.1 vpn=ive user=yamada '
            'realm="Users" roles="Staff" src=203.0.113.5 msg="AUT31504: Login succeeded for '
            'yamada/Users from 203.0.113.5"',
            '<134>Nov 20 09:20:00 pcs01 PulseSecure: 2025-11-20 09:20:00 - ive - [198.51.100.24] '
            'vendor(Vendors)[Maint] - VPN Tunneling: Session started for user with IP 10.200.0.15',
            'id=firewall time="2025-11-20 09:30:00" pri=6 fw=10.0.0.1 user=System '
            'msg="SYS99999: something else"',
            'id=firewall time="2025-11-20 09:31:00" msg="AUT2',
        ]
        path = self.write("pcs.log", "\n".join(lines) + "\n")
        c = json.loads(self.ok("logs", "import", "--format", "ivanti", "--json", path).out)
        self.assertEqual((c["stored"], c["unparsed"]), (4, 1))
        r = self.ok("logs", "query", "--kind", "vpn-up", "--json")
        ev = json.loads(r.out)
        self.assertEqual([(e["user"], e["source"]) for e in ev], [("vendor", "198.51.100.24")])


if __name__ == "__main__":
    unittest.main()

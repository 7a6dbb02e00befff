#!/usr/bin/env python3
"""The log store on a full disk, through the real mamori binary: the store lives on a small
tmpfs the test mounts (it needs root, as in CI; without the permission the test skips and
says so). A ballast file fills the disk; `logs import` then refuses with an error naming the
store's path and "disk full", `logs stats` counts the capacity alarm and the dropped events,
`logs verify` passes (nothing stored before is damaged, no half-written block is left), every
event counted as stored can be queried, and once the ballast is removed ingest resumes."""
import errno
import json
import os
import random
import subprocess
import unittest

from mmtest import MamoriCase


def corpus(n, seed):
    """n sshd lines with random addresses, ports and hex session ids: they compress poorly,
    so a few thousand fill a small disk."""
    rnd = random.Random(seed)
    lines = []
    for i in range(n):
        lines.append("Nov 20 09:%02d:%02d srv-emr01 sshd[%d]: Accepted publickey for user%d from "
                     "10.%d.%d.%d port %d ssh2: RSA SHA256:%032x\n" % (
                         (i // 60) % 60, i % 60, rnd.randint(1000, 60000), rnd.randint(0, 999),
                         rnd.randint(0, 255), rnd.randint(0, 255), rnd.randint(1, 254),
                         rnd.randint(1024, 65535), rnd.getrandbits(128)))
    return "".join(lines)


class DiskFullCase(MamoriCase):
    def setUp(self):
        super().setUp()
        self.logs = os.path.join(self.ws, "logs")
        os.makedirs(self.logs, exist_ok=True)
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs",
                            self.logs], capture_output=True, timeout=30)
        self.mounted = p.returncode == 0
        if not self.mounted:
            self.skipTest("tmpfs を mount できません（root 権限が必要）/ cannot mount a tmpfs "
                          "(needs root): " + p.stderr.decode("utf-8", "replace").strip())
        with open(os.path.join(self.ws, "mamori.conf"), "a") as f:
            f.write("\n[logs]\nblock_events = 64\n")

    def tearDown(self):
        if getattr(self, "mounted", False):
            subprocess.run(["umount", self.logs], capture_output=True, timeout=30)
        super().tearDown()

    def fill(self, leave):
        """Fills the store's disk with a ballast file, then gives back `leave` bytes."""
        path = os.path.join(self.logs, "ballast")
        chunk = b"\0" * 65536
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            for _ in range(1024):  # 64 MiB at most; the tmpfs is 1 MiB
                try:
                    if os.write(fd, chunk) < len(chunk):
                        break
                except OSError as e:
                    self.assertEqual(e.errno, errno.ENOSPC)
                    break
        finally:
            os.close(fd)
        size = os.path.getsize(path)
        os.truncate(path, max(0, size - leave))
        return path

    def stats(self):
        return json.loads(self.ok("logs", "stats", "--json").out)

    def count(self):
        r = self.ok("logs", "query", "--json")
        return len(json.loads(r.out))

    def test_refuses_when_full_and_resumes(self):
        first = self.write("first.log", corpus(300, 1))
        self.ok("logs", "import", "--format", "syslog", first)
        self.assertEqual(self.stats()["stored"], 300)

        ballast = self.fill(48 * 1024)
        second = self.write("second.log", corpus(6000, 2))
        r = self.mm("logs", "import", "--format", "syslog", second)
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("disk full", r.err)
        self.assertIn("ディスクがいっぱい", r.err)
        self.assertIn(self.logs, r.err)  # names the store's path

        s = self.stats()
        self.assertGreaterEqual(s["disk_full"], 1)
        self.assertGreater(s["dropped"], 0)
        self.assertGreaterEqual(s["stored"], 300)
        self.assertEqual(s["received"], s["stored"] + s["dropped"])
        # nothing stored is corrupted; the whole blocks written before the disk filled stay in
        # the open segment, sealed by the next run (so not yet queried)
        self.ok("logs", "verify")
        stored_while_full = s["stored"]
        self.assertGreaterEqual(self.count(), 300)
        self.assertLessEqual(self.count(), stored_while_full)
        r = self.mm("logs", "stats")
        self.assertIn("ディスクが満杯で保存を拒否", r.out)

        # space returns: ingest resumes and the store still verifies
        os.unlink(ballast)
        r = self.ok("logs", "import", "--format", "syslog", "--json", second)
        self.assertEqual(json.loads(r.out)["stored"], 6000)
        self.assertNotIn("quarantine", r.err)  # no half-written block was left to cut off
        self.ok("logs", "verify")
        s = self.stats()
        self.assertEqual(s["stored"], stored_while_full + 6000)
        self.assertEqual(self.count(), s["stored"])

    def test_full_before_the_first_segment(self):
        """A disk with no room at all: no segment file is left behind, verify passes."""
        self.ok("logs", "keygen", "-o", os.path.join(self.tmp, "verify.pub"))
        ballast = self.fill(0)
        log = self.write("one.log", corpus(200, 3))
        r = self.mm("logs", "import", "--format", "syslog", log)
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("disk full", r.err)
        self.assertEqual([n for n in os.listdir(self.logs) if n.startswith("seg-")], [])
        self.assertEqual(self.stats()["stored"], 0)
        self.ok("logs", "verify")
        os.unlink(ballast)
        self.ok("logs", "import", "--format", "syslog", log)
        self.assertEqual(self.count(), 200)
        self.ok("logs", "verify")


if __name__ == "__main__":
    unittest.main()

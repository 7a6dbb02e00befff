#!/usr/bin/env python3
"""The collector's inputs and crash safety through the real mamori binary on 127.0.0.1: RELP
acknowledgements (our own RELP client, and the real rsyslog with omrelp), kill -9 in the middle
of a RELP stream with every acknowledged message stored exactly once after the restart, a torn
journal tail, TLS syslog (RFC 5425) with Python's ssl module and a rejected plain-text client,
followed files through rename rotation, copytruncate, a missing file and restarts (also after
kill -9), and `mamori serve` running the collector from [collect] of mamori.conf."""
import glob
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from mmtest import MAMORI, MamoriCase
from relpclient import RelpClient, RelpError


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class CollectCase(MamoriCase):
    def setUp(self):
        super().setUp()
        self.procs = []
        self.mounts = []

    def tearDown(self):
        for p in self.procs:  # only what this test started, by its PID
            if p.poll() is None:
                p.kill()
                p.wait(timeout=30)
            for f in (p.stdout, p.stderr):
                if f:
                    f.close()
        for m in self.mounts:
            subprocess.run(["umount", m], capture_output=True, timeout=60)
        super().tearDown()

    def conf(self, text):
        with open(os.path.join(self.ws, "mamori.conf"), "a") as f:
            f.write("\n" + text + "\n")

    def start(self, *args, ready=1):
        p = subprocess.Popen([MAMORI, "--dir", self.ws, "collect", *args],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        self.procs.append(p)
        addrs = {}
        for _ in range(ready):
            line = p.stdout.readline().decode()
            if not line.startswith("mamori: listening"):
                p.kill()
                self.fail("collector did not start: %r %r" % (line, p.stderr.read()))
            proto, addr = line.split()[2:4]
            addrs[proto] = addr
        return p, addrs

    def small_store(self, size):
        """Mounts a tmpfs of size (such as "96k") as the workspace's log store (root only,
        else the test is skipped) and returns its path."""
        logs = os.path.join(self.ws, "logs")
        os.makedirs(logs, exist_ok=True)
        if os.geteuid() != 0 or subprocess.run(
                ["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % size, "tmpfs", logs],
                capture_output=True, timeout=60).returncode != 0:
            self.skipTest("needs root to mount a small tmpfs")
        self.mounts.append(logs)
        return logs

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        return out.decode(), err.decode()

    def crash(self, p):
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)

    def raws(self):
        return [e["raw"] for e in json.loads(self.ok("logs", "query", "--json").out)]

    def stats(self):
        return json.loads(self.ok("logs", "stats", "--json").out)

    def wait_for(self, what, cond, seconds=90):
        deadline = time.monotonic() + seconds
        for _ in range(100000):
            v = cond()
            if v:
                return v
            if time.monotonic() > deadline:
                self.fail("timed out waiting for " + what)
            time.sleep(0.2)

    def journal_records(self):
        """Whether the journal holds anything beyond its 16-byte header."""
        path = os.path.join(self.ws, "logs", "journal")
        return os.path.exists(path) and os.path.getsize(path) > 16

    def journal_bytes(self):
        with open(os.path.join(self.ws, "logs", "journal"), "rb") as f:
            return f.read()

    # ---- RELP ----

    def test_relp_kill9_midstream_every_ack_stored_once(self):
        # small blocks: the killed collector leaves whole blocks in its open segment, which the
        # restart recovers; the journal replay must not store those a second time
        self.conf("[logs]\nblock_events = 16")
        port = free_port()
        n, kill_at = 300, 170
        msgs = [b"<38>Nov 20 10:%02d:%02d srv-emr01 sshd[4242]: Accepted password for u%d "
                b"from 192.0.2.%d port 50000 ssh2 seq=%d" % (i // 60 % 60, i % 60, i, i % 250, i)
                for i in range(n)]
        p, _ = self.start("--relp", "127.0.0.1:%d" % port, "--commit-seconds", "3600")
        c = RelpClient("127.0.0.1", port)
        acked = []
        for m in msgs[:kill_at]:
            self.assertTrue(c.syslog(m))
            acked.append(m)
        self.crash(p)  # nothing was sealed or committed: all of it lives in the journal
        c.sock.close()
        self.assertTrue(self.journal_records())

        p, _ = self.start("--relp", "127.0.0.1:%d" % port, "--commit-seconds", "3600")
        c = RelpClient("127.0.0.1", port)
        for m in msgs[kill_at:]:
            self.assertTrue(c.syslog(m))
            acked.append(m)
        c.close()
        out, err = self.stop(p)
        self.assertIn("replayed %d journal records" % kill_at, err)

        self.ok("logs", "verify")
        raws = self.raws()
        self.assertEqual(len(acked), n)
        for m in acked:
            self.assertEqual(raws.count(m.decode()), 1, m)
        self.assertEqual(len(raws), n)
        st = self.stats()
        self.assertEqual(st["stored"], n)
        self.assertEqual(st["received"], n)
        self.assertEqual(st["replayed"], kill_at)
        self.assertEqual(st["journal_torn"], 0)
        self.assertEqual(st["dropped"], 0)

    def test_relp_no_ack_when_the_journal_cannot_be_written(self):
        # the log store on a 96 kB tmpfs: the journal fills up mid-stream (root only)
        logs = self.small_store("96k")
        port = free_port()
        p = subprocess.Popen([MAMORI, "--dir", self.ws, "collect", "--relp", "127.0.0.1:%d" % port,
                              "--commit-seconds", "3600"], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=self.env)
        self.procs.append(p)
        self.assertTrue(p.stdout.readline().startswith(b"mamori: listening relp"))
        msgs = [b"<13>Nov 20 10:00:00 h1 app: full disk %04d " % i + b"x" * 100 for i in range(1500)]
        c = RelpClient("127.0.0.1", port)
        sent = 0
        try:
            for m in msgs:
                if not c.syslog(m):
                    break
                sent += 1
        except (RelpError, OSError):
            pass  # the collector stopped without acknowledging the message it could not journal
        c.sock.close()
        p.wait(timeout=60)
        err = p.stderr.read().decode()
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("journal", err)
        self.assertLess(sent, len(msgs))
        self.assertGreater(sent, 0)
        # space returns; the sender resends from its first unacknowledged message
        subprocess.run(["mount", "-o", "remount,size=16m", logs], check=True, timeout=60)
        p, _ = self.start("--relp", "127.0.0.1:%d" % port)
        c = RelpClient("127.0.0.1", port)
        for m in msgs[sent:]:
            self.assertTrue(c.syslog(m))
        c.close()
        self.stop(p)
        raws = self.raws()
        for m in msgs:
            self.assertEqual(raws.count(m.decode()), 1, m)
        self.ok("logs", "verify")

    def test_a_full_disk_at_the_seal_keeps_every_acknowledged_message(self):
        # the store's disk fills after messages were acknowledged but before they are sealed:
        # the collector stops without counting them lost, and the next start stores each once
        logs = self.small_store("4m")
        port = free_port()
        p, _ = self.start("--relp", "127.0.0.1:%d" % port, "--commit-seconds", "3600")
        msgs = [b"<13>Nov 20 10:00:%02d h1 sshd[7]: Failed password for u%d from 192.0.2.%d port "
                b"4%04d ssh2" % (i % 60, i % 13, i % 200, i) for i in range(3000)]
        c = RelpClient("127.0.0.1", port)
        for m in msgs:
            self.assertTrue(c.syslog(m))  # acknowledged: in the journal
        c.close()
        filler = os.path.join(logs, "quarantine", "filler")
        with open(filler, "wb", buffering=0) as f:  # fill the disk to the last byte
            try:
                for _ in range(4096):
                    f.write(b"\0" * 4096)
            except OSError:
                pass
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=60)
        self.assertNotEqual(p.returncode, 0)  # it could not seal, and says so
        self.assertIn("disk full", p.stderr.read().decode())
        os.remove(filler)  # space returns; any session replays the journal at its start
        self.ok("logs", "import", "--format", "syslog", "/dev/null")
        raws = self.raws()
        for m in msgs:
            self.assertEqual(raws.count(m.decode()), 1, m)
        self.ok("logs", "verify")
        st = self.stats()
        self.assertEqual(st["stored"], len(msgs))
        self.assertEqual(st["dropped"], 0)
        self.assertGreaterEqual(st["disk_full"], 1)

    def test_tcp_kill9_during_heavy_ingest_keeps_a_prefix_once(self):
        # segments roll over and runs are written while the collector runs, so the crash
        # leaves sealed segments, a torn open segment and a journal that overlap
        import threading
        self.conf("[logs]\nblock_events = 256\nsegment_events = 4096")
        p, addrs = self.start("--tcp", "127.0.0.1:0", "--commit-seconds", "3600")
        port = int(addrs["tcp"].rsplit(":", 1)[1])
        n = 400000
        lines = [b"<38>Nov 20 10:00:00 srv-emr01 sshd[1]: Accepted password for u%d from "
                 b"192.0.2.%d port 5%04d ssh2 n=%d" % (i % 97, i % 250, i % 10000, i)
                 for i in range(n)]
        data = b"\n".join(lines) + b"\n"

        def send():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
                    for k in range(0, len(data), 65536):
                        s.sendall(data[k:k + 65536])
            except OSError:
                pass  # the collector was killed

        t = threading.Thread(target=send)
        t.start()
        self.wait_for("the journal to fill", lambda: os.path.getsize(
            os.path.join(self.ws, "logs", "journal")) > 4 * 1024 * 1024)
        self.crash(p)
        t.join(timeout=120)
        self.assertFalse(t.is_alive())
        self.assertTrue(glob.glob(os.path.join(self.ws, "logs", "seg-*.mms")))
        r = self.ok("logs", "import", "--format", "syslog", "/dev/null")  # replays at open
        self.assertIn("already in a recovered segment", r.err)
        self.ok("logs", "verify")
        raws = [x.encode() for x in self.raws()]
        k = len(raws)
        self.assertGreater(k, 0)
        self.assertLess(k, n)
        # the first k lines, nothing missing, nothing twice (a query gives time order, and
        # these lines share one time: the store's order within it is by account)
        self.assertEqual(sorted(raws), sorted(lines[:k]))
        st = self.stats()
        self.assertEqual(st["stored"], k)
        self.assertEqual(st["received"], k)

    def test_relp_garbage_is_refused_and_counted(self):
        port = free_port()
        p, _ = self.start("--relp", "127.0.0.1:%d" % port)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")  # not RELP
            reply = b""
            for _ in range(100):
                chunk = s.recv(100)
                if not chunk:
                    break
                reply += chunk
        self.assertIn(b"serverclose", reply)  # refused by librelp (not counted: it says nothing)
        for _ in range(2):  # connections that break off without a session: counted
            socket.create_connection(("127.0.0.1", port), timeout=10).close()
        c = RelpClient("127.0.0.1", port)  # the listener keeps serving
        self.assertTrue(c.syslog(b"<13>Nov 20 10:00:00 h1 app: after garbage"))
        c.close()
        out, _ = self.stop(p)
        self.assertIn("received 1, stored 1", out)
        self.assertEqual(self.stats()["rejected"], 2)

    def test_torn_journal_tail_is_ignored_and_counted(self):
        port = free_port()
        p, _ = self.start("--relp", "127.0.0.1:%d" % port, "--commit-seconds", "3600")
        c = RelpClient("127.0.0.1", port)
        for i in range(20):
            self.assertTrue(c.syslog(b"<13>Nov 20 10:00:00 h1 app: torn test %d" % i))
        self.crash(p)
        c.sock.close()
        with open(os.path.join(self.ws, "logs", "journal"), "ab") as f:
            f.write(b"\x40\x00\x00\x00garbage")  # a record header promising more than is there
        r = self.ok("logs", "stats")
        r = self.ok("logs", "import", "--format", "syslog", "/dev/null")
        self.assertIn("ignored a torn last record", r.err)
        self.assertRegex(r.err, r"journal offset \d+: ignored 11 bytes")
        st = self.stats()
        self.assertEqual(st["journal_torn"], 1)
        self.assertEqual(st["stored"], 20)
        self.assertEqual(len(self.raws()), 20)
        self.ok("logs", "verify")

    def test_rsyslog_omrelp_interop(self):
        rsyslogd = shutil.which("rsyslogd") or "/usr/sbin/rsyslogd"
        mods = glob.glob("/usr/lib/*/rsyslog/omrelp.so") + glob.glob("/usr/lib/rsyslog/omrelp.so")
        if not os.path.exists(rsyslogd) or not mods:
            self.skipTest("rsyslog and rsyslog-relp are not installed (scripts/install-deps.sh check)")
        relp, tcp = free_port(), free_port()
        p, _ = self.start("--relp", "127.0.0.1:%d" % relp, "--commit-seconds", "3600")
        rdir = os.path.join(self.tmp, "rsyslog")
        os.mkdir(rdir)
        conf = os.path.join(rdir, "rsyslog.conf")
        with open(conf, "w") as f:
            f.write('global(workDirectory="%s")\n'
                    'module(load="imtcp")\nmodule(load="omrelp")\n'
                    'input(type="imtcp" address="127.0.0.1" port="%d")\n'
                    'action(type="omrelp" target="127.0.0.1" port="%d")\n' % (rdir, tcp, relp))
        rs = subprocess.Popen([rsyslogd, "-n", "-f", conf, "-i", os.path.join(rdir, "pid")],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.procs.append(rs)
        n = 200
        s = None
        deadline = time.monotonic() + 60
        while s is None:
            try:
                s = socket.create_connection(("127.0.0.1", tcp), timeout=10)
            except OSError:
                if time.monotonic() > deadline or rs.poll() is not None:
                    self.fail("rsyslogd did not start: %r" % (rs.stderr.read(),))
                time.sleep(0.2)
        with s:
            for i in range(n):
                s.sendall(b"<86>Nov 20 10:00:%02d srv-emr01 sshd[7]: Failed password for sato "
                          b"from 203.0.113.50 port 4%04d ssh2\n" % (i % 60, i))
        self.wait_for("rsyslog to deliver over RELP",
                      lambda: self.journal_bytes().count(b"Failed password") >= n)
        rs.send_signal(signal.SIGTERM)
        rs.wait(timeout=60)
        out, _ = self.stop(p)
        self.assertIn("received %d, stored %d" % (n, n), out)
        r = self.ok("logs", "query", "--user", "sato", "--kind", "logon-failure")
        self.assertEqual(len(r.out.splitlines()), n)
        self.ok("logs", "verify")

    # ---- TLS ----

    def make_cert(self):
        cert, key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key,
                        "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1",
                        "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True, timeout=120)
        return cert, key

    def test_tls_octet_counting_and_bad_clients(self):
        cert, key = self.make_cert()
        p, addrs = self.start("--tls", "127.0.0.1:0", "--cert", cert, "--key", key,
                              "--commit-seconds", "3600")
        port = int(addrs["tls"].rsplit(":", 1)[1])
        # plain text on the TLS port: refused and counted, the collector keeps running
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"<13>Nov 20 10:00:00 h1 app: not tls at all\n")
            try:
                s.recv(100)
            except OSError:
                pass
        ctx = ssl.create_default_context(cafile=cert)
        n = 120
        with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
            with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
                for i in range(n):  # RFC 5425: octet counting
                    m = b"<38>Nov 20 10:00:00 srv-ad01 sshd[9]: Accepted publickey for tanaka " \
                        b"from 10.0.0.%d port 22 ssh2 tls=%d" % (i % 200, i)
                    s.sendall(str(len(m)).encode() + b" " + m)
                s.unwrap()
        # a TLS handshake record full of garbage: refused and counted too
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"\x16\x03\x01\x00\x40" + b"\xee" * 64)
            try:
                s.recv(100)
            except OSError:
                pass
        self.wait_for("the TLS messages", lambda: self.journal_bytes().count(b"tls=") >= n)
        out, _ = self.stop(p)
        self.assertIn("received %d, stored %d" % (n, n), out)
        self.assertIn("rejected 2", out)
        st = self.stats()
        self.assertEqual(st["rejected"], 2)
        self.assertEqual(st["stored"], n)
        r = self.ok("logs", "query", "--user", "tanaka", "--kind", "logon")
        self.assertEqual(len(r.out.splitlines()), n)
        self.ok("logs", "verify")

    def test_tls_needs_cert_and_key(self):
        r = self.mm("collect", "--tls", "127.0.0.1:0")
        self.assertEqual(r.code, 2, r)
        self.assertIn("--cert", r.err)
        r = self.mm("collect", "--tls", "127.0.0.1:0", "--cert", "/nonexistent.pem", "--key",
                    "/nonexistent.key", "--max-seconds", "5")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("nonexistent", r.err)

    # ---- followed files ----

    def test_follow_rotation_truncation_restart(self):
        log = os.path.join(self.tmp, "app.log")
        expect = []

        def append(path, lines, end=True):
            with open(path, "ab") as f:
                for i, ln in enumerate(lines):
                    last = i == len(lines) - 1
                    f.write(ln.encode() + (b"\n" if (end or not last) else b""))
                    expect.append(ln)

        def lines(tag, n):
            return ["<13>Nov 20 10:00:00 h1 app: %s%d" % (tag, i) for i in range(n)]

        def have(n):
            return lambda: len(self.raws()) >= n

        args = ("--follow", log, "--commit-seconds", "1")
        append(log, lines("A", 10))
        p, _ = self.start(*args)
        self.wait_for("A", have(10))
        # rename rotation: lines written to the old file after the rename, its last line without
        # a newline, the new file missing for a while
        append(log, lines("B", 5))
        os.rename(log, log + ".1")
        append(log + ".1", lines("C", 3), end=False)
        time.sleep(0.6)
        append(log, lines("D", 5))
        self.wait_for("rotation", have(len(expect)))
        # copytruncate
        shutil.copy(log, log + ".2")
        os.truncate(log, 0)
        append(log, lines("E", 3))
        self.wait_for("copytruncate", have(len(expect)))
        self.stop(p)
        # while the collector is down: more lines, then a rotation
        append(log, lines("F", 4))
        os.rename(log, log + ".3")
        append(log + ".3", lines("G", 1))
        append(log, lines("H", 2))
        p, _ = self.start(*args)
        self.wait_for("restart", have(len(expect)))
        # kill -9 once lines are journaled but not committed, then restart
        self.stop(p)
        p, _ = self.start("--follow", log, "--commit-seconds", "3600")
        append(log, lines("K", 6))
        self.wait_for("journal", lambda: b"app: K5" in self.journal_bytes())
        self.crash(p)
        append(log, lines("L", 2))
        p, _ = self.start(*args)
        self.wait_for("after kill -9", have(len(expect)))
        time.sleep(1.0)  # a duplicate would show up within a few polls
        self.stop(p)
        raws = self.raws()
        self.assertEqual(sorted(raws), sorted(expect))
        self.ok("logs", "verify")
        st = self.stats()
        self.assertEqual(st["stored"], len(expect))
        self.assertGreaterEqual(st["replayed"], 6)

    def test_follow_emr_csv_headers_across_restart_and_rotation(self):
        log = os.path.join(self.tmp, "emr.csv")

        def rows(order, start, n):
            out = []
            for i in range(start, start + n):
                v = {"t": "2025-11-20 09:%02d:00" % (i % 60), "u": "user%02d" % i,
                     "p": "P%06d" % i, "a": "参照", "h": "PC%02d" % i}
                out.append(",".join(v[k] for k in order))
            return out

        order1, order2 = "hapu" + "t", "tupah"  # columns in an unusual order, then another
        head = {"t": "日時", "u": "利用者", "p": "患者ID", "a": "操作", "h": "端末"}
        with open(log, "w") as f:
            f.write(",".join(head[k] for k in order1) + "\n")
            f.write("\n".join(rows(order1, 0, 3)) + "\n")
        args = ("--follow", log, "--format", "emr-csv", "--commit-seconds", "1")
        p, _ = self.start(*args)
        self.wait_for("first rows", lambda: len(self.raws()) >= 3)
        self.stop(p)
        with open(log, "a") as f:  # while down: more rows under the same header
            f.write("\n".join(rows(order1, 3, 2)) + "\n")
        p, _ = self.start(*args)
        self.wait_for("rows after restart", lambda: len(self.raws()) >= 5)
        os.rename(log, log + ".1")  # rotation: the new file has its own header
        with open(log, "w") as f:
            f.write(",".join(head[k] for k in order2) + "\n")
            f.write("\n".join(rows(order2, 5, 3)) + "\n")
        self.wait_for("rows after rotation", lambda: len(self.raws()) >= 8)
        self.stop(p)
        events = json.loads(self.ok("logs", "query", "--json").out)
        self.assertEqual([e["user"] for e in events], ["user%02d" % i for i in range(8)])
        self.assertEqual({e["kind"] for e in events}, {"record-access"})
        self.assertEqual(self.stats()["skipped"], 2)  # the two header rows

    # ---- serve ----

    def test_serve_runs_the_collector_from_config(self):
        log = os.path.join(self.tmp, "vpn.log")
        with open(log, "wb") as f:
            f.write(b"<13>Nov 20 10:00:00 h1 app: followed 0\n")
        relp = free_port()
        self.conf("[collect]\ntcp = 127.0.0.1:0\nrelp = 127.0.0.1:%d\nfollow = %s\n"
                  "commit_seconds = 1" % (relp, log))
        p = subprocess.Popen([MAMORI, "--dir", self.ws, "serve", "--listen", "127.0.0.1:0"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env)
        self.procs.append(p)
        seen, web = {}, None
        for _ in range(4):
            line = p.stdout.readline().decode()
            if line.startswith("mamori: listening"):
                proto, addr = line.split()[2:4]
                seen[proto] = addr
            elif line.startswith("mamori: serving"):
                web = line.split()[2]
            else:
                p.kill()
                self.fail("serve did not start: %r %r" % (line, p.stderr.read()))
        self.assertEqual(sorted(seen), ["file", "relp", "tcp"])
        self.assertIsNotNone(web)
        with self.assertRaises(urllib.error.HTTPError) as cm:  # the web UI answers too
            urllib.request.urlopen(web + "api/v1/session", timeout=30)
        self.assertEqual(cm.exception.code, 401)
        cm.exception.close()
        tcp = int(seen["tcp"].rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", tcp), timeout=10) as s:
            for i in range(5):
                s.sendall(b"<13>Nov 20 10:00:00 h1 app: over tcp %d\n" % i)
        c = RelpClient("127.0.0.1", relp)
        for i in range(5):
            self.assertTrue(c.syslog(b"<13>Nov 20 10:00:00 h1 app: over relp %d" % i))
        c.close()
        with open(log, "ab") as f:
            f.write(b"<13>Nov 20 10:00:00 h1 app: followed 1\n")
        self.wait_for("the collector in serve", lambda: len(self.raws()) >= 12)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=60)
        self.assertEqual(p.returncode, 0, err)
        self.assertIn("collector stopped; received 12, stored 12", err.decode())
        self.assertEqual(len(self.raws()), 12)
        self.ok("logs", "verify")

    def test_collect_reads_config_and_rejects_bad_config(self):
        self.conf("[collect]\nudp = 127.0.0.1:0\nflavour = strawberry")
        r = self.mm("collect", "--max-seconds", "5")
        self.assertEqual(r.code, 4, r)
        self.assertIn("mamori.conf", r.err)
        self.assertIn("flavour", r.err)
        self.conf("[logs]\njournal_sync = maybe")
        r = self.mm("collect", "--udp", "127.0.0.1:0", "--max-seconds", "5")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("journal_sync", r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)

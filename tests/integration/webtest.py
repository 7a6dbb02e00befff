"""Helpers for the web tests: start the real `mamori serve` on 127.0.0.1 (port 0, so the
kernel picks a free port), wait for its "serving" line, talk HTTP with a cookie jar and the
CSRF header, compute TOTP codes (RFC 6238) in Python, and stop only the process started."""
import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import select
import signal
import struct
import subprocess
import time

from mmtest import MAMORI, MamoriCase


def totp(secret_b32, counter):
    """RFC 6238 / 4226: HMAC-SHA-1 of the 8-byte counter, dynamic truncation, 6 digits."""
    key = base64.b32decode(secret_b32 + "=" * (-len(secret_b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


class TotpClock:
    """Hands out codes for steps the server has not seen yet (it refuses a replayed step)."""

    def __init__(self, secret):
        self.secret = secret
        self.last = 0

    def code(self):
        for _ in range(4):
            now = int(time.time()) // 30
            for step in (now - 1, now, now + 1):
                if step > self.last:
                    self.last = step
                    return totp(self.secret, step)
            time.sleep(31 - time.time() % 30)
        raise AssertionError("no fresh TOTP step")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return f"<HTTP {self.status} {self.body[:300]!r}>"


class Client:
    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None, csrf=True):
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if raw is not None:
            data = raw
        if self.cookie:
            h["Cookie"] = "mamori_session=" + self.cookie
        if csrf and self.csrf and method not in ("GET", "HEAD"):
            h["X-CSRF-Token"] = self.csrf
        if headers:
            h.update(headers)
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            c.request(method, path, body=data, headers=h)
            r = c.getresponse()
            resp = Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
        finally:
            c.close()
        sc = resp.headers.get("set-cookie")
        if sc:
            m = re.match(r"mamori_session=([^;]*)", sc)
            if m:
                self.cookie = m.group(1) or None
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def login(self, user, password, code=None):
        body = {"user": user, "password": password}
        if code:
            body["code"] = code
        r = self.post("/api/v1/session", body)
        if r.status == 200:
            self.csrf = r.json()["csrf"]
        return r


class WebCase(MamoriCase):
    """A workspace with an admin (TOTP enrolled), an assessor, a viewer and a vendor user of
    さくらメディカルシステム, evidence imported, and a server on a free port."""
    init = False
    server_env = {}

    def setUp(self):
        super().setUp()
        r = self.mm("init", self.ws, "--name", "テスト病院", dir=None)
        self.assertEqual(r.code, 0, r)
        self.passwords = {"admin": self.initial_password(r.out)}
        for f in ("assets.csv", "systems.csv"):
            self.ok("import", f.split(".")[0], os.path.join(self.data_dir(), f))
        for name, role, vendor in (("asa", "assessor", None), ("vic", "viewer", None),
                                   ("sakura", "vendor", "さくらメディカルシステム"),
                                   ("midori", "vendor", "ミドリ通信")):
            args = ["user", "add", name, "--role", role] + (["--vendor", vendor] if vendor else [])
            self.passwords[name] = self.initial_password(self.ok(*args).out)
        out = self.ok("user", "totp", "admin", "--no-qr").out
        self.admin_totp = TotpClock(re.search(r"secret: ([A-Z2-7]+)", out).group(1))
        self.proc = None
        self.start_server(self.server_env)

    def tearDown(self):
        self.stop_server()
        super().tearDown()

    def data_dir(self):
        from mmtest import DATA
        return os.path.join(DATA, "evidence")

    @staticmethod
    def initial_password(out):
        m = re.search(r"initial password\): (\S+)", out)
        assert m, out
        return m.group(1)

    def start_server(self, extra_env=None, listen=True):
        env = dict(self.env)
        env.update(extra_env or {})
        cmd = [MAMORI, "--dir", self.ws, "serve"] + (["--listen", "127.0.0.1:0"] if listen else [])
        self.proc = subprocess.Popen(cmd + list(getattr(self, "serve_args", [])),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        deadline = time.time() + 30
        line = b""
        while time.time() < deadline and not line.endswith(b"\n"):
            ready, _, _ = select.select([self.proc.stdout], [], [], 1)
            if ready:
                ch = os.read(self.proc.stdout.fileno(), 1)
                if not ch:
                    break
                line += ch
        m = re.search(rb"serving https?://127\.0\.0\.1:(\d+)/", line)
        if not m:
            self.stop_server()
            self.fail(f"server did not start: {line!r}")
        self.port = int(m.group(1))

    def stop_server(self):
        """Stops the server this test started (by its PID) and checks it exited cleanly."""
        if not self.proc:
            return
        p, self.proc = self.proc, None
        if p.poll() is None:
            os.kill(p.pid, signal.SIGTERM)
        try:
            _, err = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.kill(p.pid, signal.SIGKILL)
            _, err = p.communicate()
        self.assertEqual(p.returncode, 0, err.decode("utf-8", "replace"))
        self.assertNotIn(b"ERROR: AddressSanitizer", err)
        self.assertNotIn(b"runtime error", err)

    def client(self):
        return Client(self.port)

    def logged_in(self, name):
        c = self.client()
        code = self.admin_totp.code() if name == "admin" else None
        r = c.login(name, self.passwords[name], code)
        self.assertEqual(r.status, 200, r)
        return c

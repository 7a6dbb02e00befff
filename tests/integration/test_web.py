"""The web API over real HTTP on 127.0.0.1: every route but login refuses anonymous requests,
roles are enforced by the server, CSRF, session expiry, login throttling, TOTP, malformed and
oversized bodies, static files, and changes written to the audit trail with the user's name."""
import http.client
import json
import os
import socket
import ssl
import subprocess
import time
import unittest

from webtest import Client, TotpClock, WebCase


def concrete(pattern):
    """A path for a route pattern: its ":name" segments filled with real values."""
    fill = {":kind": "assets", ":file": "checklist.csv", ":name": "vic", ":item": "2-5",
            ":id": "1"}
    return "/".join(fill.get(seg, seg) for seg in pattern.split("/"))


class WebApi(WebCase):
    def answers(self):
        return int(self.sql("SELECT count(*) FROM answer").strip())

    def test_every_route_but_login_refuses_anonymous(self):
        admin = self.logged_in("admin")
        routes = admin.get("/api/v1/routes").json()["routes"]
        listed = json.loads(self.ok("serve", "--list-routes", "--json").out)["routes"]
        self.assertEqual(routes, listed)
        self.assertGreaterEqual(len(routes), 15)
        public = [r for r in routes if r["public"]]
        self.assertEqual([(r["method"], r["pattern"]) for r in public],
                         [("POST", "/api/v1/session")])
        for garbage in (None, "0" * 64, "zz"):
            anon = Client(self.port)
            anon.cookie = garbage
            for r in routes:
                if r["public"]:
                    continue
                resp = anon.request(r["method"], concrete(r["pattern"]),
                                    body={} if r["body"] else None,
                                    headers={"X-CSRF-Token": "x"})
                self.assertEqual(resp.status, 401, (r, resp))
                self.assertEqual(resp.json()["error"], "unauthenticated")
        self.assertEqual(self.answers(), 0)

    def test_unknown_route_and_method(self):
        c = self.client()
        r = c.get("/api/v1/nothing-here")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json()["error"], "not_found")
        r = c.request("PUT", "/api/v1/session")
        self.assertEqual(r.status, 405)

    def test_wrong_password_and_unknown_user_look_the_same(self):
        c = self.client()
        a = c.login("vic", "wrong-password-123")
        b = c.login("nobody", "wrong-password-123")
        self.assertEqual(a.status, 401)
        self.assertEqual(b.status, 401)
        self.assertEqual(a.body, b.body)
        self.assertIsNone(c.cookie)

    def failed_login_entries(self):
        rows = self.sql("SELECT after FROM audit WHERE action = 'session.login_failed' "
                        "ORDER BY seq").splitlines()
        return [json.loads(x) for x in rows]

    def test_failed_logins_are_audited_without_telling_the_client(self):
        self.ok("user", "disable", "midori")
        c = self.client()
        bodies = [c.login("vic", "wrong-password-123"),
                  c.login("nobody", "wrong-password-123"),
                  c.login("midori", self.passwords["midori"]),
                  c.login("admin", self.passwords["admin"], "000000")]
        for r in bodies:
            self.assertEqual((r.status, r.body), (bodies[0].status, bodies[0].body), r)
        self.assertEqual(bodies[0].status, 401)
        reasons = {e["user"]: e["reason"] for e in self.failed_login_entries()}
        self.assertEqual(reasons, {"vic": "wrong_password", "nobody": "unknown_user",
                                   "midori": "disabled", "admin": "wrong_code"})
        for e in self.failed_login_entries():
            self.assertEqual(e["addr"], "127.0.0.1")
        # Successful logins and logouts are audited with the address too.
        v = self.logged_in("vic")
        v.request("DELETE", "/api/v1/session")
        rows = self.sql("SELECT actor || ' ' || action || ' ' || after FROM audit WHERE action "
                        "IN ('session.login', 'session.logout') ORDER BY seq").splitlines()
        self.assertEqual(rows, ['vic session.login {"addr":"127.0.0.1"}',
                                'vic session.logout {"addr":"127.0.0.1"}'])
        self.ok("audit", "verify")

    def test_totp_secrets_are_sealed(self):
        import base64
        secret_hex = base64.b32decode(self.admin_totp.secret + "=" * (-len(self.admin_totp.secret) % 8)).hex()
        stored = self.sql("SELECT totp_secret FROM web_user WHERE name = 'admin'").strip()
        self.assertTrue(stored.startswith("x1:"), stored)
        self.assertNotIn(secret_hex, stored.lower())
        key = os.path.join(self.ws, "secrets", "totp.key")
        self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)
        self.assertEqual(os.stat(os.path.dirname(key)).st_mode & 0o777, 0o700)
        self.logged_in("admin")
        self.stop_server()
        with open(key) as f:
            good = f.read()
        self.assertRegex(good, r"^[0-9a-f]{64}\n$")
        # A missing, malformed, exposed or wrong key stops the server with a clear message.
        os.rename(key, key + ".bak")
        r = self.mm("serve", "--listen", "127.0.0.1:0")
        self.assertNotEqual(r.code, 0)
        self.assertIn("totp.key", r.err)
        self.assertIn("missing", r.err)
        for content, mode, words in (("zz\n", 0o600, "64 hex"), (good, 0o644, "0600"),
                                     ("ab" * 32 + "\n", 0o600, "wrong secrets/totp.key")):
            with open(key, "w") as f:
                f.write(content)
            os.chmod(key, mode)
            r = self.mm("serve", "--listen", "127.0.0.1:0")
            self.assertNotEqual(r.code, 0, r)
            self.assertIn(words, r.err)
            os.unlink(key)
        os.rename(key + ".bak", key)
        # A secret stored in clear by an older version is sealed when the server starts.
        self.sql(f"UPDATE web_user SET totp_secret = '{secret_hex}' WHERE name = 'admin'")
        self.start_server()
        stored = self.sql("SELECT totp_secret FROM web_user WHERE name = 'admin'").strip()
        self.assertTrue(stored.startswith("x1:"), stored)
        self.logged_in("admin")
        # A new enrolment through the web stores only the sealed form too.
        admin = self.logged_in("admin")
        admin.post("/api/v1/users/asa", {"reset_totp": True})
        asa = self.logged_in("asa")
        r = asa.post("/api/v1/session/totp")
        self.assertEqual(r.status, 200, r)
        pending = self.sql("SELECT totp_pending FROM web_user WHERE name = 'asa'").strip()
        self.assertTrue(pending.startswith("x1:"))
        from webtest import totp as totp_code
        import time as _t
        r = asa.post("/api/v1/session/totp/confirm",
                     {"code": totp_code(r.json()["secret"], int(_t.time()) // 30)})
        self.assertEqual(r.status, 200, r)
        self.assertTrue(self.sql("SELECT totp_secret FROM web_user WHERE name = 'asa'")
                        .startswith("x1:"))
        # A lost key: `mamori user` warns but still runs, so TOTP can be reset and enrolled
        # again under a new key; enrolling while other sealed secrets remain is refused.
        self.stop_server()
        os.unlink(key)
        r = self.mm("user", "totp", "admin", "--no-qr")
        self.assertNotEqual(r.code, 0, r)
        self.assertIn("totp.key", r.err)
        self.assertFalse(os.path.exists(key))
        for name in ("admin", "asa"):
            r = self.ok("user", "totp", name, "--reset")
            self.assertIn("totp.key", r.err)  # the warning
        out = self.ok("user", "totp", "admin", "--no-qr").out
        self.assertTrue(os.path.exists(key))
        import re
        self.admin_totp = TotpClock(re.search(r"secret: ([A-Z2-7]+)", out).group(1))
        self.start_server()
        self.logged_in("admin")

    def test_login_sets_strict_httponly_cookie_and_new_id(self):
        c = self.client()
        r = c.login("vic", self.passwords["vic"])
        self.assertEqual(r.status, 200, r)
        cookie = r.headers["set-cookie"]
        self.assertIn("HttpOnly", cookie)
        self.assertIn("SameSite=Strict", cookie)
        self.assertNotIn("Secure", cookie)  # plain HTTP on loopback
        first = c.cookie
        self.assertEqual(len(first), 64)
        c.login("vic", self.passwords["vic"])
        self.assertNotEqual(c.cookie, first)
        # The store keeps only a hash of the ID.
        self.assertEqual(self.sql(f"SELECT count(*) FROM web_session WHERE id_hash = '{first}'")
                         .strip(), "0")

    def test_admin_needs_totp_code(self):
        c = self.client()
        self.assertEqual(c.login("admin", self.passwords["admin"]).status, 401)
        self.assertEqual(c.login("admin", self.passwords["admin"], "000000").status, 401)
        code = self.admin_totp.code()
        self.assertEqual(c.login("admin", self.passwords["admin"], code).status, 200)
        # The same code (its time step) cannot be used twice.
        self.assertEqual(self.client().login("admin", self.passwords["admin"], code).status, 401)

    def test_new_admin_must_enrol_totp_first(self):
        out = self.ok("user", "add", "root2", "--role", "admin").out
        pw = self.initial_password(out)
        c = self.client()
        r = c.login("root2", pw)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json()["totp_enrolment_required"])
        r = c.get("/api/v1/dashboard")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "totp_enrolment_required")
        r = c.post("/api/v1/session/totp")
        self.assertEqual(r.status, 200, r)
        enrol = r.json()
        self.assertTrue(enrol["qr_svg"].startswith("<svg"))
        self.assertIn(enrol["secret"], enrol["uri"])
        clock = TotpClock(enrol["secret"])
        r = c.post("/api/v1/session/totp/confirm", {"code": "123456" if clock.code() != "123456"
                                                    else "654321"})
        self.assertEqual(r.status, 400)
        before = c.cookie
        r = c.post("/api/v1/session/totp/confirm", {"code": clock.code()})
        self.assertEqual(r.status, 200, r)
        self.assertNotEqual(c.cookie, before)  # a new session ID with the new rights
        c.csrf = r.json()["csrf"]
        self.assertEqual(c.get("/api/v1/dashboard").status, 200)
        old = self.client()
        old.cookie = before
        self.assertEqual(old.get("/api/v1/session").status, 401)

    def test_roles_are_enforced_by_the_api(self):
        sakura = self.logged_in("sakura")
        # Own assets only; another vendor's are refused.
        rows = sakura.get("/api/v1/evidence/assets").json()["rows"]
        self.assertEqual(sorted(r["name"] for r in rows), ["EMR-DB", "VPN-VENDOR"])
        r = sakura.get("/api/v1/evidence/assets?vendor=" + "ミドリ通信".encode().hex())
        self.assertIn(r.status, (403, 404))
        from urllib.parse import quote
        r = sakura.get("/api/v1/evidence/assets?vendor=" + quote("ミドリ通信"))
        self.assertEqual(r.status, 403, r)
        vendors = sakura.get("/api/v1/evidence/vendors").json()["rows"]
        self.assertEqual([v["name"] for v in vendors], ["さくらメディカルシステム"])
        systems = sakura.get("/api/v1/evidence/systems").json()["rows"]
        self.assertEqual([s["name"] for s in systems], ["電子カルテ"])
        self.assertEqual(sakura.get("/api/v1/checklist?sheet=hospital").status, 403)
        self.assertEqual(sakura.get("/api/v1/checklist?vendor=" + quote("ミドリ通信")).status, 403)
        sheets = sakura.get("/api/v1/checklist").json()["sheets"]
        self.assertEqual([s["vendor"] for s in sheets], ["さくらメディカルシステム"])
        dash = sakura.get("/api/v1/dashboard").json()
        self.assertEqual([s["vendor"] for s in dash["sheets"]], ["さくらメディカルシステム"])
        self.assertEqual(sakura.get("/api/v1/findings").status, 403)
        self.assertEqual(sakura.get("/api/v1/audit").status, 403)
        # Reports: only its own sheet (test_vendor_report_has_only_its_sheet); another vendor's
        # is refused.
        self.assertEqual(sakura.get("/api/v1/reports/checklist.csv?vendor=" +
                                    quote("ミドリ通信")).status, 403)
        r = sakura.post("/api/v1/checklist/answers",
                        {"item": "2-1", "answer": "yes", "checked": "2025-11-01",
                         "sheet": "hospital"})
        self.assertEqual(r.status, 403, r)
        r = sakura.post("/api/v1/checklist/answers",
                        {"item": "1-1", "answer": "yes", "checked": "2025-11-01",
                         "vendor": "ミドリ通信"})
        self.assertEqual(r.status, 403, r)
        viewer = self.logged_in("vic")
        r = viewer.post("/api/v1/checklist/answers",
                        {"item": "2-1", "answer": "yes", "checked": "2025-11-01"})
        self.assertEqual(r.status, 403)
        self.assertEqual(viewer.get("/api/v1/users").status, 403)
        self.assertEqual(viewer.post("/api/v1/users", {"name": "x", "role": "admin"}).status, 403)
        assessor = self.logged_in("asa")
        self.assertEqual(assessor.get("/api/v1/routes").status, 403)
        r = assessor.post("/api/v1/checklist/answers",
                          {"item": "1-1", "answer": "yes", "checked": "2025-11-01",
                           "vendor": "ミドリ通信"})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.answers(), 0)

    def test_ledger_filters_and_paging(self):
        from urllib.parse import quote
        self.ok("import", "accounts", os.path.join(self.data_dir(), "accounts.json"))
        asa = self.logged_in("asa")

        def names(path, key="name"):
            r = asa.get("/api/v1/evidence/" + path)
            self.assertEqual(r.status, 200, r)
            return [x[key] for x in r.json()["rows"]]

        self.assertEqual(names("assets?kind=network"), ["FW-01", "VPN-VENDOR"])
        self.assertEqual(names("assets?kind=network&vendor=" + quote("ミドリ通信")), ["FW-01"])
        self.assertEqual(names("assets?location=" + quote("外来")), ["PC-001"])
        self.assertEqual(names("assets?owner=" + quote("山田")), ["EMR-DB", "FW-01"])
        self.assertEqual(names("assets?os=windows"), ["EMR-DB", "PC-001"])
        self.assertEqual(names("assets?os=" + quote("Server 2019")), ["EMR-DB"])
        self.assertEqual(names("assets?os=" + quote("%")), [])  # wildcards are literal
        self.assertEqual(names("assets?kind=server&q=emrdb"), ["EMR-DB"])
        self.assertEqual(names("systems?category=PACS"), ["PACS"])
        accounts = asa.get("/api/v1/evidence/accounts?limit=5000").json()["rows"]
        self.assertGreater(len(accounts), 2)
        by = lambda f: sorted(a["login"] for a in accounts if f(a))
        self.assertEqual(names("accounts?admin=1&limit=5000", "login"),
                         by(lambda a: a["is_admin"] == 1))
        self.assertEqual(names("accounts?enabled=0&limit=5000", "login"),
                         by(lambda a: a["enabled"] == 0))
        # MAMORI_TODAY is 2025-11-20: 30 days back is 2025-10-21.
        old = names("accounts?older=30&limit=5000", "login")
        self.assertEqual(old, by(lambda a: not a["last_logon"] or a["last_logon"] < "2025-10-21"))
        self.assertIn("sato", old)
        self.assertNotIn("yamada", old)
        host = names("accounts?host=" + quote("電子カルテ") + "&limit=5000", "login")
        self.assertEqual(host, by(lambda a: a["system"] == "電子カルテ"))
        # Paging: total counts every match, truncated says more follow.
        all_assets = names("assets")
        r = asa.get("/api/v1/evidence/assets?limit=2&offset=1").json()
        self.assertEqual([x["name"] for x in r["rows"]], all_assets[1:3])
        self.assertEqual((r["count"], r["total"], r["offset"], r["limit"], r["truncated"]),
                         (2, len(all_assets), 1, 2, True))
        r = asa.get("/api/v1/evidence/assets?limit=2&offset=3").json()
        self.assertEqual((r["count"], r["truncated"]), (len(all_assets) - 3, False))
        # Malformed filters are refused with a message naming them.
        for q in ("assets?kind=toaster", "accounts?admin=yes", "accounts?older=-1",
                  "accounts?older=abc", "assets?limit=0", "assets?limit=99999",
                  "assets?offset=-1", "assets?color=red", "vendors?kind=server",
                  "assets?owner=" + "x" * 300):
            r = asa.get("/api/v1/evidence/" + q)
            self.assertEqual(r.status, 400, (q, r))
            self.assertEqual(r.json()["error"], "invalid")
        self.assertIn("color", asa.get("/api/v1/evidence/assets?color=red").json()["message"])
        self.assertEqual(asa.get("/api/v1/evidence/assets?vendor=" + quote("無い会社")).status, 404)
        r = asa.get("/api/v1/evidence/assets?%FF%FE%22=1")
        self.assertEqual(r.status, 400)
        self.assertIn("???", r.json()["message"])  # the name is echoed as valid UTF-8
        self.assertEqual(asa.get("/api/v1/evidence/assets?kind=pc&").status, 200)
        # Vendors still see only their own rows, whatever the filters.
        sakura = self.logged_in("sakura")
        r = sakura.get("/api/v1/evidence/assets?kind=network").json()
        self.assertEqual([x["name"] for x in r["rows"]], ["VPN-VENDOR"])
        r = sakura.get("/api/v1/evidence/assets?owner=" + quote("山田")).json()
        self.assertEqual([x["name"] for x in r["rows"]], ["EMR-DB"])
        for a in sakura.get("/api/v1/evidence/accounts?limit=5000").json()["rows"]:
            self.assertEqual(a["system"], "電子カルテ")
        self.assertEqual(sakura.get("/api/v1/evidence/assets?kind=network&vendor=" +
                                    quote("ミドリ通信")).status, 403)

    def test_vendor_answers_its_own_sheet(self):
        sakura = self.logged_in("sakura")
        sheets = sakura.get("/api/v1/checklist").json()["sheets"]
        item = sheets[0]["rows"][0]["id"]
        r = sakura.post("/api/v1/checklist/answers",
                        {"item": item, "answer": "yes", "checked": "2025-11-01"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.sql("SELECT v.name FROM answer a JOIN vendor v ON v.id = a.vendor_id")
                         .strip(), "さくらメディカルシステム")

    def test_vendor_report_has_only_its_sheet(self):
        import subprocess
        import tempfile
        from urllib.parse import quote
        notes = {"sakura": "SAKURA-NOTE", "midori": "MIDORI-NOTE", "asa": "HOSPITAL-NOTE"}
        for who, note in notes.items():
            c = self.logged_in(who)
            item = c.get("/api/v1/checklist").json()["sheets"][0]["rows"][0]["id"]
            r = c.post("/api/v1/checklist/answers",
                       {"item": item, "answer": "yes", "checked": "2025-11-01", "note": note})
            self.assertEqual(r.status, 201, r)
        sakura = self.logged_in("sakura")
        r = sakura.get("/api/v1/reports/checklist.xlsx")
        self.assertEqual(r.status, 200, r)
        self.assertIn("attachment", r.headers["content-disposition"])

        def cells(body):
            with tempfile.NamedTemporaryFile(suffix=".xlsx") as f:
                f.write(body)
                f.flush()
                p = subprocess.run(["/usr/bin/python3", "-c", """
import json, sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1])
print(json.dumps({ws.title: [str(c.value) for row in ws.iter_rows() for c in row
                             if c.value is not None] for ws in wb.worksheets}))
""", f.name], capture_output=True, timeout=120)
                self.assertEqual(p.returncode, 0, p.stderr)
                return json.loads(p.stdout)

        book = cells(r.body)
        self.assertEqual(len(book), 1, list(book))
        text = "\n".join(next(iter(book.values())))
        self.assertIn("SAKURA-NOTE", text)
        self.assertIn("さくらメディカルシステム", text)
        for absent in ("MIDORI-NOTE", "ミドリ通信", "HOSPITAL-NOTE", "医療機関確認用"):
            self.assertNotIn(absent, text)
        self.assertNotIn("証拠", list(book)[0])
        for f, magic in (("csv", b"\xef\xbb\xbf"), ("html", b"<!DOCTYPE"), ("pdf", b"%PDF")):
            r = sakura.get("/api/v1/reports/checklist." + f)
            self.assertEqual(r.status, 200, (f, r))
            self.assertTrue(r.body.startswith(magic), (f, r.body[:20]))
            if f != "pdf":
                body = r.body.decode("utf-8")
                self.assertIn("SAKURA-NOTE", body)
                for absent in ("MIDORI-NOTE", "ミドリ通信", "HOSPITAL-NOTE"):
                    self.assertNotIn(absent, body, f)
        # The vendor comes from the session: naming its own is fine, another is refused.
        own = sakura.get("/api/v1/reports/checklist.xlsx?vendor=" + quote("さくらメディカルシステム"))
        self.assertEqual(len(cells(own.body)), 1)
        r = sakura.get("/api/v1/reports/checklist.xlsx?vendor=" + quote("ミドリ通信"))
        self.assertEqual(r.status, 403, r)
        self.assertEqual(r.json()["error"], "forbidden")
        self.assertEqual(sakura.get("/api/v1/reports/checklist.xlsx?encoding=sjis").status, 400)
        # Staff still get every sheet and the evidence appendix.
        staff = cells(self.logged_in("vic").get("/api/v1/reports/checklist.xlsx").body)
        self.assertGreaterEqual(len(staff), 3)
        text = "\n".join(v for vals in staff.values() for v in vals)
        for present in notes.values():
            self.assertIn(present, text)

    def test_answer_history(self):
        from urllib.parse import quote
        asa = self.logged_in("asa")
        for body in ({"answer": "no", "checked": "2025-10-01", "target": "2026-01-31", "note": "first"},
                     {"answer": "yes", "checked": "2025-11-01", "note": "fixed"}):
            r = asa.post("/api/v1/checklist/answers", dict(body, item="2-5"))
            self.assertEqual(r.status, 201, r)
        vic = self.logged_in("vic")
        h = vic.get("/api/v1/checklist/history/2-5").json()
        self.assertEqual((h["item"], h["sheet"]), ("2-5", "hospital"))
        got = [(e["answer"], e["checked"], e["target"], e["answerer"], e["note"]) for e in h["entries"]]
        self.assertEqual(got, [("no", "2025-10-01", "2026-01-31", "asa", "first"),
                               ("yes", "2025-11-01", None, "asa", "fixed")])
        self.assertTrue(all(e["recorded_at"] for e in h["entries"]))
        # The CLI shows the same history.
        cli = self.ok("answers", "history", "2-5").out
        self.assertIn("first", cli)
        self.assertIn("fixed", cli)
        self.assertEqual(vic.get("/api/v1/checklist/history/2-4").json()["entries"], [])
        # Vendors: only their own sheet.
        sakura, midori = self.logged_in("sakura"), self.logged_in("midori")
        item = sakura.get("/api/v1/checklist").json()["sheets"][0]["rows"][0]["id"]
        for c, note in ((sakura, "S"), (midori, "M")):
            r = c.post("/api/v1/checklist/answers",
                       {"item": item, "answer": "yes", "checked": "2025-11-01", "note": note})
            self.assertEqual(r.status, 201, r)
        h = sakura.get("/api/v1/checklist/history/" + item).json()
        self.assertEqual([(e["vendor"], e["note"]) for e in h["entries"]],
                         [("さくらメディカルシステム", "S")])
        self.assertEqual(sakura.get("/api/v1/checklist/history/2-5?sheet=hospital").status, 403)
        self.assertEqual(sakura.get(f"/api/v1/checklist/history/{item}?vendor=" +
                                    quote("ミドリ通信")).status, 403)
        h = vic.get(f"/api/v1/checklist/history/{item}?vendor=" + quote("ミドリ通信")).json()
        self.assertEqual([e["note"] for e in h["entries"]], ["M"])
        # Malformed input.
        self.assertEqual(vic.get("/api/v1/checklist/history/9-99").status, 404)
        self.assertEqual(vic.get("/api/v1/checklist/history/2-5?version=abc").status, 400)
        self.assertEqual(vic.get("/api/v1/checklist/history/2-5?sheet=x").status, 400)
        self.assertEqual(vic.request("POST", "/api/v1/checklist/history/2-5", body={}).status, 405)

    def wait_job(self, client, job):
        """Polls a job until it is finished (at most 600 polls, 120 s)."""
        deadline = time.time() + 120
        seen = []
        for _ in range(600):
            r = client.get("/api/v1/jobs/" + job["id"])
            self.assertEqual(r.status, 200, r)
            j = r.json()
            seen.append((j["state"], j["step"]))
            if j["state"] in ("done", "failed") or time.time() > deadline:
                return j, seen
            time.sleep(0.05)
        return j, seen

    def test_jobs_report_and_evaluate_with_progress(self):
        from urllib.parse import quote
        asa = self.logged_in("asa")
        r = asa.post("/api/v1/jobs", {"kind": "report", "file": "checklist.xlsx"})
        self.assertEqual(r.status, 202, r)
        job = r.json()
        self.assertRegex(job["id"], r"^[0-9a-f]{32}$")
        self.assertIn(job["state"], ("queued", "running", "done"))
        self.assertEqual((job["kind"], job["steps"]), ("report", 3))
        done, seen = self.wait_job(asa, job)
        self.assertEqual(done["state"], "done", done)
        self.assertEqual((done["step"], done["file"]), (3, "checklist.xlsx"))
        steps = [s for _, s in seen]
        self.assertEqual(steps, sorted(steps))  # progress only moves forward
        f = asa.get(done["url"])
        self.assertEqual(f.status, 200, f)
        self.assertTrue(f.body.startswith(b"PK"))
        self.assertEqual(len(f.body), done["size"])
        self.assertIn("checklist.xlsx", f.headers["content-disposition"])
        # A job is its owner's: another user does not find it.
        vic = self.logged_in("vic")
        self.assertEqual(vic.get("/api/v1/jobs/" + job["id"]).status, 404)
        self.assertEqual(vic.get(done["url"]).status, 404)
        # Evaluation: admins and assessors only; audited with the user's name.
        for who in ("vic", "sakura"):
            r = self.logged_in(who).post("/api/v1/jobs", {"kind": "evaluate"})
            self.assertEqual(r.status, 403, (who, r))
        r = asa.post("/api/v1/jobs", {"kind": "evaluate"})
        self.assertEqual(r.status, 202, r)
        done, _ = self.wait_job(asa, r.json())
        self.assertEqual(done["state"], "done", done)
        self.assertGreater(done["result"]["evaluators"], 5)
        self.assertEqual(asa.get(f"/api/v1/jobs/{done['id']}/file").status, 404)
        self.assertIn("asa evaluate.request", self.sql(
            "SELECT actor || ' ' || action FROM audit ORDER BY seq DESC LIMIT 1"))
        # A vendor's report job holds only its own sheet; another vendor's is refused.
        sakura = self.logged_in("sakura")
        r = sakura.post("/api/v1/jobs", {"kind": "report", "file": "checklist.csv"})
        self.assertEqual(r.status, 202, r)
        done, _ = self.wait_job(sakura, r.json())
        body = sakura.get(done["url"]).body.decode("utf-8")
        self.assertIn("さくらメディカルシステム", body)
        self.assertNotIn("ミドリ通信", body)
        self.assertNotIn("医療機関確認用", body)
        r = sakura.post("/api/v1/jobs", {"kind": "report", "file": "checklist.csv",
                                         "vendor": "ミドリ通信"})
        self.assertEqual(r.status, 403, r)
        # Malformed requests.
        for body in ({}, {"kind": "bake"}, {"kind": "report"}, {"kind": "report", "file": "x.txt"},
                     {"kind": "report", "file": "checklist.csv", "encoding": "ebcdic"},
                     {"kind": "evaluate", "file": "checklist.csv"}, {"kind": 5},
                     {"kind": "report", "file": "checklist.csv", "vendor": "無い会社"}):
            r = asa.post("/api/v1/jobs", body)
            self.assertIn(r.status, (400, 404), (body, r))
        self.assertEqual(asa.post("/api/v1/jobs", raw=b"{", headers={
            "Content-Type": "application/json"}).status, 400)
        self.assertEqual(asa.get("/api/v1/jobs/" + "0" * 32).status, 404)
        self.assertEqual(asa.get("/api/v1/jobs/zz/file").status, 404)
        self.assertEqual(asa.post("/api/v1/jobs", {"kind": "evaluate"}, csrf=False).status, 403)

    def test_csrf_token_required_for_changes(self):
        c = self.logged_in("asa")
        body = {"item": "2-5", "answer": "yes", "checked": "2025-11-01"}
        r = c.post("/api/v1/checklist/answers", body, csrf=False)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json()["error"], "csrf")
        r = c.post("/api/v1/checklist/answers", body, csrf=False,
                   headers={"X-CSRF-Token": "0" * 64})
        self.assertEqual(r.status, 403)
        self.assertEqual(self.answers(), 0)
        r = c.post("/api/v1/checklist/answers", body)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.answers(), 1)

    def test_answer_rules_audit_and_checklist(self):
        c = self.logged_in("asa")
        r = c.post("/api/v1/checklist/answers", {"item": "2-5", "answer": "no",
                                                 "checked": "2025-11-01"})
        self.assertEqual(r.status, 400, r)  # いいえ needs a 対応目標日
        self.assertIn("対応目標日", r.json()["message"])
        r = c.post("/api/v1/checklist/answers",
                   {"item": "2-⑤", "answer": "no", "checked": "2025-11-01",
                    "target": "2026-01-31", "note": "棚卸し中"})
        self.assertEqual(r.status, 201, r)
        rows = c.get("/api/v1/checklist").json()["sheets"][0]["rows"]
        row = next(x for x in rows if x["id"] == "2-5")
        self.assertEqual(row["checks"][0]["answer"], "no")
        self.assertEqual(row["checks"][0]["answerer"], "asa")
        self.assertIn("findings", row)
        audit = self.logged_in("admin").get("/api/v1/audit?limit=5").json()["entries"]
        self.assertEqual([(e["actor"], e["action"]) for e in audit[:3]],
                         [("admin", "session.login"), ("asa", "answer.record"),
                          ("asa", "session.login")])
        self.assertIn("棚卸し中", audit[1]["after"])
        self.ok("audit", "verify")

    def test_session_expiry_and_logout(self):
        c = self.logged_in("vic")
        self.assertEqual(c.get("/api/v1/session").status, 200)
        r = c.request("DELETE", "/api/v1/session")
        self.assertEqual(r.status, 200)
        self.assertEqual(c.get("/api/v1/session").status, 401)

    def test_throttling_per_account(self):
        c = self.client()
        for _ in range(5):
            self.assertEqual(c.login("vic", "wrong-password-123").status, 401)
        r = c.login("vic", self.passwords["vic"])
        self.assertEqual(r.status, 429, r)
        self.assertEqual(r.json()["error"], "throttled")
        # A name that does not exist is throttled the same way.
        for _ in range(5):
            c.login("ghost", "wrong-password-123")
        self.assertEqual(c.login("ghost", "wrong-password-123").status, 429)
        # Other accounts from the same address still work (the address limit is higher).
        self.assertEqual(self.client().login("asa", self.passwords["asa"]).status, 200)

    def test_malformed_and_oversized_bodies(self):
        c = self.logged_in("asa")
        cases = [
            (b"{", 400), (b"[]", 400), (b"", 400), (b"\xff\xfe{}", 400),
            (b'{"item":"2-1","item":"2-2"}', 400), (b'{"item": 5}', 400),
            (b'{"item":"2-1","answer":"yes","checked":"2025-13-01"}', 400),
            (b'{"item":"2-1","answer":"maybe","checked":"2025-11-01"}', 400),
            (b'{"item":"2-1","answer":"yes","checked":"2025-11-01","round":"1"}', 400),
            (b'{"a":' + b"[" * 5000 + b"]" * 5000 + b"}", 400),
            (b'{"note":"' + b"x" * 70000 + b'"}', 413),
        ]
        for raw, status in cases:
            r = c.request("POST", "/api/v1/checklist/answers", raw=raw,
                          headers={"Content-Type": "application/json"})
            self.assertEqual(r.status, status, (raw[:40], r))
            self.assertIn("error", r.json())
        r = c.request("POST", "/api/v1/checklist/answers", raw=b"{}",
                      headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)
        r = Client(self.port).request("POST", "/api/v1/session", raw=b"user=a&password=b",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 415)
        self.assertEqual(self.answers(), 0)

    def test_static_files_and_traversal(self):
        c = self.client()
        r = c.get("/")
        self.assertEqual(r.status, 200)
        self.assertIn("text/html", r.headers["content-type"])
        self.assertIn("default-src 'self'", r.headers["content-security-policy"])
        for path in ("/../../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2fetc/passwd",
                     "/.git/config", "/nope.html"):
            s = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
            s.close()
            self.assertTrue(data.startswith(b"HTTP/1.1 404"), (path, data[:200]))
            self.assertNotIn(b"root:", data)

    def test_change_own_password(self):
        c = self.logged_in("vic")
        other = self.logged_in("vic")
        r = c.post("/api/v1/session/password", {"current": "wrong-password-1", "new": "x" * 12})
        self.assertEqual(r.status, 403)
        r = c.post("/api/v1/session/password", {"current": self.passwords["vic"], "new": "short"})
        self.assertEqual(r.status, 400)
        r = c.post("/api/v1/session/password", {"current": self.passwords["vic"],
                                                "new": "a-new-long-password"})
        self.assertEqual(r.status, 200, r)
        c.csrf = r.json()["csrf"]
        self.assertEqual(c.get("/api/v1/session").status, 200)
        self.assertEqual(other.get("/api/v1/session").status, 401)  # other sessions ended
        self.assertEqual(self.client().login("vic", "a-new-long-password").status, 200)

    def test_report_download(self):
        c = self.logged_in("vic")
        r = c.get("/api/v1/reports/checklist.xlsx")
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.body.startswith(b"PK"))
        self.assertIn("attachment", r.headers["content-disposition"])
        r = c.get("/api/v1/reports/checklist.csv")
        self.assertTrue(r.body.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(c.get("/api/v1/reports/secret.txt").status, 404)

    def test_users_admin(self):
        admin = self.logged_in("admin")
        r = admin.post("/api/v1/users", {"name": "newbie", "role": "viewer"})
        self.assertEqual(r.status, 201, r)
        pw = r.json()["password"]
        self.assertEqual(len(pw), 20)
        self.assertEqual(self.client().login("newbie", pw).status, 200)
        r = admin.post("/api/v1/users", {"name": "newbie", "role": "viewer"})
        self.assertEqual(r.status, 409)
        r = admin.post("/api/v1/users/newbie", {"disabled": True})
        self.assertEqual(r.status, 200)
        self.assertEqual(self.client().login("newbie", pw).status, 401)
        names = [u["name"] for u in admin.get("/api/v1/users").json()["users"]]
        self.assertIn("newbie", names)
        audit = admin.get("/api/v1/audit?limit=3").json()["entries"]
        self.assertEqual((audit[0]["actor"], audit[0]["action"]), ("-", "session.login_failed"))
        self.assertEqual(json.loads(audit[0]["after"])["reason"], "disabled")
        self.assertEqual((audit[1]["actor"], audit[1]["action"]), ("admin", "user.disable"))

    def test_listen_address_from_config(self):
        self.stop_server()
        with open(os.path.join(self.ws, "mamori.conf"), "a") as f:
            f.write("\n[serve]\nlisten = 127.0.0.1:0\n")
        self.start_server(listen=False)
        self.assertNotEqual(self.port, 8080)
        self.assertEqual(self.client().get("/").status, 200)
        r = self.mm("serve", "--listen", "localhost:80:80")
        self.assertEqual(r.code, 4, r)
        self.assertIn("ADDR:PORT", r.err)

    def test_cli_and_server_share_the_store(self):
        c = self.logged_in("asa")
        # The server caches the checklist; a change by the CLI must show at once.
        rows = c.get("/api/v1/checklist").json()["sheets"][0]["rows"]
        self.assertFalse(any(x["checks"][0]["answered"] for x in rows))
        dash = c.get("/api/v1/dashboard").json()
        self.assertEqual(dash["sheets"][0]["summary"]["answered"], 0)
        self.ok("answer", "2-1", "yes", "--date", "2025-11-01")
        dash = c.get("/api/v1/dashboard").json()
        self.assertEqual(dash["sheets"][0]["summary"]["answered"], 1)
        r = c.post("/api/v1/checklist/answers", {"item": "2-2", "answer": "yes",
                                                 "checked": "2025-11-01"})
        self.assertEqual(r.status, 201, r)
        rows = c.get("/api/v1/checklist").json()["sheets"][0]["rows"]
        answered = {x["id"] for x in rows if x["checks"][0]["answered"]}
        self.assertEqual(answered, {"2-1", "2-2"})
        self.ok("audit", "verify")


class WebTls(WebCase):
    """HTTPS through GnuTLS with a self-signed certificate; the cookie gets Secure."""

    def start_server(self, extra_env=None):
        if not hasattr(self, "cert"):
            self.cert = os.path.join(self.tmp, "cert.pem")
            self.key = os.path.join(self.tmp, "key.pem")
            p = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                                "-keyout", self.key, "-out", self.cert, "-days", "2",
                                "-subj", "/CN=127.0.0.1"], capture_output=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stderr)
        self.serve_args = ["--cert", self.cert, "--key", self.key]
        super().start_server(extra_env)

    def test_https_and_secure_cookie(self):
        ctx = ssl.create_default_context(cafile=self.cert)
        ctx.check_hostname = False
        c = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=60)
        body = json.dumps({"user": "vic", "password": self.passwords["vic"]})
        c.request("POST", "/api/v1/session", body=body,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        self.assertEqual(r.status, 200)
        cookie = r.getheader("Set-Cookie")
        self.assertIn("Secure", cookie)
        self.assertIn("HttpOnly", cookie)
        c.close()
        # Plain HTTP on the TLS port gets no answer of ours.
        with self.assertRaises(Exception):
            plain = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            plain.request("GET", "/api/v1/session")
            resp = plain.getresponse()
            if resp.status < 400 or not resp.read().startswith(b"{"):
                raise ConnectionError("no JSON over plain HTTP")


class WebLoginAudit(WebCase):
    # A window longer than the test, so that no summary is written before the server stops.
    server_env = {"MAMORI_LOGIN_AUDIT_WINDOW": "3600"}

    def failed_login_entries(self):
        rows = self.sql("SELECT after FROM audit WHERE action = 'session.login_failed' "
                        "ORDER BY seq").splitlines()
        return [json.loads(x) for x in rows]

    def test_failed_login_flood_is_summarised(self):
        c = self.client()
        for _ in range(30):
            self.assertIn(c.login("asa", "wrong-password-123").status, (401, 429))
        for i in range(60):
            c.login("spray%d" % i, "wrong-password-123")
        entries = self.failed_login_entries()
        # One entry for asa and at most one per window's quota of new names, not 90.
        self.assertEqual([e["user"] for e in entries if e["user"] == "asa"], ["asa"])
        self.assertLessEqual(len(entries), 32)
        self.stop_server()  # the window's summaries are written at the latest on shutdown
        entries = self.failed_login_entries()
        asa = [e for e in entries if e["user"] == "asa" and e["reason"] == "summary"]
        self.assertEqual(len(asa), 1, entries)
        self.assertEqual(asa[0]["failures"], 29)
        self.assertEqual(asa[0]["by_reason"], {"wrong_password": 4, "throttled": 25})
        over = [e for e in entries if e["user"] == "*"]
        total = sum(e["failures"] for e in entries if e["reason"] == "summary")
        firsts = len([e for e in entries if e["reason"] != "summary"])
        self.assertEqual(firsts + total, 90)
        self.assertEqual(len(over), 1)
        self.assertLessEqual(len(entries), 40)
        self.ok("audit", "verify")


class WebExpiry(WebCase):
    server_env = {"MAMORI_SESSION_IDLE": "2"}

    def test_idle_session_expires(self):
        c = self.logged_in("vic")
        self.assertEqual(c.get("/api/v1/session").status, 200)
        time.sleep(3.5)
        r = c.get("/api/v1/session")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json()["error"], "unauthenticated")


if __name__ == "__main__":
    unittest.main()

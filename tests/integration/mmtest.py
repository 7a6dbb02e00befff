"""Helpers shared by the integration tests: run the real mamori binary in a fresh
workspace and check what a user would see (exit code, stdout, stderr, files)."""
import os
import shutil
import subprocess
import tempfile
import unittest

MAMORI = os.environ.get("MAMORI", os.path.join(os.path.dirname(__file__), "../../build/mamori"))
SRC = os.environ.get("MM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
DATA = os.environ.get("MM_TEST_DATA", os.path.join(SRC, "tests/data"))


class Result:
    def __init__(self, p):
        self.code = p.returncode
        self.out = p.stdout.decode("utf-8", "replace")
        self.err = p.stderr.decode("utf-8", "replace")

    def __repr__(self):
        return f"<exit {self.code}\nstdout: {self.out}\nstderr: {self.err}>"


class MamoriCase(unittest.TestCase):
    """Each test gets its own temporary directory and, with init=True, a workspace in it."""
    init = True

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="mamori-it-")
        self.ws = os.path.join(self.tmp, "ws")
        self.env = dict(os.environ)
        self.env["MAMORI_TODAY"] = "2025-11-20"
        self.env["MAMORI_USER"] = "tester"
        self.env.pop("MAMORI_DIR", None)
        if self.init:
            r = self.mm("init", self.ws, "--name", "テスト病院", dir=None)
            self.assertEqual(r.code, 0, r)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def mm(self, *args, dir="default", stdin=None, env=None):
        cmd = [MAMORI]
        if dir == "default":
            dir = self.ws
        if dir:
            cmd += ["--dir", dir]
        cmd += list(args)
        e = dict(self.env)
        if env:
            e.update(env)
        p = subprocess.run(cmd, input=stdin, capture_output=True, env=e, timeout=120)
        return Result(p)

    def ok(self, *args, **kw):
        r = self.mm(*args, **kw)
        self.assertEqual(r.code, 0, r)
        return r

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        mode = "wb" if isinstance(data, bytes) else "w"
        with open(path, mode) as f:
            f.write(data)
        return path

    def sql(self, statement):
        p = subprocess.run(["sqlite3", os.path.join(self.ws, "mamori.db"), statement],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return p.stdout.decode()

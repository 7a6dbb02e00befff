"""The CLI as a user drives it: workspace, facility, answers with their rules, imports that
are all-or-nothing, history, exit codes and error positions."""
import json
import os
import unittest

from mmtest import MamoriCase


class WorkspaceTest(MamoriCase):
    def test_init_creates_private_store_and_config(self):
        st = os.stat(os.path.join(self.ws, "mamori.db"))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertTrue(os.path.exists(os.path.join(self.ws, "mamori.conf")))
        r = self.mm("init", self.ws, dir=None)
        self.assertEqual(r.code, 4, r)
        self.assertIn("既にあります", r.err)

    def test_missing_workspace_is_a_clear_error(self):
        r = self.mm("checklist", "show", dir=os.path.join(self.tmp, "nowhere"))
        self.assertEqual(r.code, 3, r)
        self.assertIn("mamori init", r.err)

    def test_workspace_from_env_and_cwd(self):
        r = self.mm("facility", "show", dir=None, env={"MAMORI_DIR": self.ws})
        self.assertEqual(r.code, 0, r)
        self.assertIn("テスト病院", r.out)

    def test_facility_set_and_validation(self):
        r = self.ok("facility", "set", "--kind", "hospital", "--beds", "200", "--prefecture", "東京都")
        self.assertIn("200", r.out)
        r = self.mm("facility", "set", "--prefecture", "東京")
        self.assertEqual(r.code, 4, r)
        self.assertIn("都道府県", r.err)
        r = self.mm("facility", "set", "--kind", "zoo")
        self.assertEqual(r.code, 4, r)
        r = self.mm("facility", "set", "--beds", "-3")
        self.assertEqual(r.code, 2, r)
        f = json.loads(self.ok("facility", "show", "--json").out)
        self.assertEqual(f["beds"], 200)
        self.assertEqual(f["prefecture"], "東京都")

    def test_help_on_every_command(self):
        r = self.ok("--help", dir=None)
        for cmd in ["init", "facility", "vendor", "checklist", "answer", "answers", "report",
                    "gmis", "audit", "demo", "version"]:
            self.assertIn(cmd, r.out)
            h = self.ok(cmd, "--help", dir=None)
            self.assertIn("usage: mamori", h.out)
        self.assertEqual(self.mm("frobnicate", dir=None).code, 2)


class AnswerTest(MamoriCase):
    def test_answer_and_show(self):
        self.ok("answer", "1-1", "yes", "--date", "2025-06-01")
        self.ok("answer", "2-⑩", "no", "--date", "2025-06-01", "--target-date", "2026-03-31",
                "--note", "計画中")
        out = json.loads(self.ok("checklist", "show", "--json").out)
        rows = out["sheets"][0]["rows"]
        self.assertEqual(len(rows), 19)
        r10 = [r for r in rows if r["id"] == "2-10"][0]
        self.assertEqual(r10["checks"][0]["answer"], "no")
        self.assertEqual(r10["checks"][0]["target"], "2026-03-31")
        self.assertEqual(r10["note"], "計画中")
        text = self.ok("checklist", "show").out
        self.assertIn("二要素認証を実装している。または令和９年度までに実装予定である。", text)
        self.assertIn("いいえ 2025/06/01 (対応目標日 2026/03/31)", text)

    def test_rules(self):
        cases = [
            (["9-9", "yes", "--date", "2025-06-01"], 3, "9-9"),
            (["2-12", "yes", "--date", "2025-06-01"], 4, "--scope"),
            (["2-1", "no", "--date", "2025-06-01"], 4, "対応目標日が必要"),
            (["2-1", "no", "--date", "2025-06-01", "--target-date", "2026-04-01"], 4, "2025-04-01〜2026-03-31"),
            (["2-1", "no", "--date", "2025-06-01", "--target-date", "2025-05-01"], 4, "より前"),
            (["2-1", "yes", "--date", "2025-06-01", "--target-date", "2025-07-01"], 4, "いいえ"),
            (["2-1", "yes", "--date", "2025-02-30"], 4, "存在しない日付"),
            (["2-1", "yes", "--date", "2025-12-01"], 4, "未来"),
            (["2-1", "maybe", "--date", "2025-06-01"], 2, "yes"),
            (["2-1", "yes"], 2, "--date"),
            (["2-1", "yes", "--date", "2025-06-01", "--round", "3"], 2, "1 か 2"),
        ]
        for args, code, fragment in cases:
            with self.subTest(args=args):
                r = self.mm("answer", *args)
                self.assertEqual(r.code, code, r)
                self.assertIn(fragment, r.err)
        self.assertEqual(self.sql("SELECT count(*) FROM answer").strip(), "0")

    def test_scope_and_rounds(self):
        self.ok("answer", "2-12", "yes", "--scope", "server", "--date", "2025-06-01")
        self.ok("answer", "2-12", "no", "--scope", "pc", "--date", "2025-06-01",
                "--target-date", "2025-12-31")
        self.ok("answer", "2-12", "yes", "--scope", "pc", "--round", "2", "--date", "2025-10-01")
        rows = json.loads(self.ok("checklist", "show", "--json").out)["sheets"][0]["rows"]
        pc = [r for r in rows if r["id"] == "2-12" and r["scope"] == "pc"][0]
        self.assertEqual(pc["checks"][0]["answer"], "no")
        self.assertEqual(pc["checks"][1]["answer"], "yes")

    def test_history_keeps_every_change(self):
        self.ok("answer", "2-5", "no", "--date", "2025-06-01", "--target-date", "2025-09-30")
        self.ok("answer", "2-5", "yes", "--date", "2025-09-01")
        h = self.ok("answers", "history", "2-5").out.strip().splitlines()
        self.assertEqual(len(h), 3)  # header + 2
        self.assertIn("いいえ", h[1])
        self.assertIn("はい", h[2])
        self.assertEqual(self.sql("SELECT count(*) FROM answer").strip(), "2")

    def test_vendor_sheet(self):
        r = self.mm("answer", "2-6", "yes", "--date", "2025-06-01", "--sheet", "vendor",
                    "--vendor", "A社")
        self.assertEqual(r.code, 3, r)
        self.ok("vendor", "add", "A社")
        self.ok("vendor", "add", "B社")
        self.ok("answer", "2-6", "yes", "--date", "2025-06-01", "--sheet", "vendor", "--vendor", "A社")
        self.ok("answer", "5-1", "yes", "--date", "2025-06-01", "--sheet", "vendor", "--vendor", "B社")
        out = json.loads(self.ok("checklist", "show", "--sheet", "vendor", "--json").out)
        self.assertEqual([s["vendor"] for s in out["sheets"]], ["A社", "B社"])
        self.assertEqual(self.ok("vendor", "list").out.split(), ["A社", "B社"])
        # The hospital sheet has no 5-1.
        r = self.mm("answer", "5-1", "yes", "--date", "2025-06-01")
        self.assertEqual(r.code, 3, r)


class ImportTest(MamoriCase):
    HEADER = "item,round,scope,answer,checked,target,note\n"

    def count(self):
        return int(self.sql("SELECT count(*) FROM answer").strip())

    def test_csv_utf8_bom_and_cp932(self):
        body = self.HEADER + "1-1,1,all,はい,2025-06-01,,責任者任命\n2-5,1,all,いいえ,2025-06-01,2026-03-31,棚卸し中\n"
        p = self.write("a.csv", b"\xef\xbb\xbf" + body.encode())
        self.assertIn("2 件", self.ok("answers", "import", p).out)
        p = self.write("b.csv", ("項番,回答,確認日,備考\r\n2-7,はい,2025/07/01,８文字以上\r\n").encode("cp932"))
        self.ok("answers", "import", p)
        self.assertEqual(self.count(), 3)
        notes = self.sql("SELECT note FROM answer ORDER BY id")
        self.assertIn("８文字以上", notes)

    def test_bad_rows_change_nothing(self):
        audit_before = self.sql("SELECT count(*) FROM audit")
        cases = [
            (self.HEADER + "1-1,1,all,yes,2025-06-01,,\n2-1,1,all,yes,2025-06-31,,\n", "b.csv:3:", "存在しない日付"),
            (self.HEADER + "1-1,1,all,yes,2025-06-01,,\n9-1,1,all,yes,2025-06-01,,\n", "b.csv:3:", "9-1"),
            (self.HEADER + "1-1,1,all,yes,2025-06-01\n", "b.csv:2:", "列の数"),
            ("item,answer,checked,colour\n", "b.csv:1:21:", "colour"),
            (self.HEADER + '1-1,1,all,yes,2025-06-01,,"unterminated\n', "b.csv:2:", "引用符"),
            (self.HEADER + "2-1,1,all,no,2025-06-01,2026-04-01,\n", "b.csv:2:", "年度"),
        ]
        for body, where, fragment in cases:
            with self.subTest(body=body):
                p = self.write("b.csv", body)
                r = self.mm("answers", "import", p)
                self.assertEqual(r.code, 4, r)
                self.assertIn(where, r.err)
                self.assertIn(fragment, r.err)
                self.assertEqual(self.count(), 0)
        self.assertEqual(self.sql("SELECT count(*) FROM audit"), audit_before)

    def test_invalid_cp932_names_line_and_column(self):
        p = self.write("c.csv", "項番,回答,確認日\r\n1-1,はい,2025-06-01\r\n2-1,".encode("cp932") + b"\x81\x20" + b",2025-06-01\r\n")
        r = self.mm("answers", "import", p)
        self.assertEqual(r.code, 4, r)
        self.assertIn("c.csv:3:5:", r.err)
        self.assertIn("CP932", r.err)
        self.assertEqual(self.count(), 0)

    def test_json_import_and_errors(self):
        good = {"answers": [
            {"item": "1-1", "answer": "yes", "checked": "2025-06-01"},
            {"item": "2-12", "scope": "server", "answer": "no", "checked": "2025-06-01",
             "target": "2025-12-01", "note": "計画"}]}
        p = self.write("a.json", json.dumps(good, ensure_ascii=False, indent=1))
        self.ok("answers", "import", p)
        self.assertEqual(self.count(), 2)
        bad = '{"answers": [\n {"item": "1-1", "answer": "yes", "checked": "2025-06-01"},\n {"item": "2-1", "answer": "yes", "checked": "2025-13-01"}\n]}'
        r = self.mm("answers", "import", self.write("b.json", bad))
        self.assertEqual(r.code, 4, r)
        self.assertIn("b.json:3:", r.err)
        r = self.mm("answers", "import", self.write("c.json", '{"answers": [ {"item": "1-1",, } ]}'))
        self.assertEqual(r.code, 4, r)
        self.assertIn("c.json:1:", r.err)
        self.assertEqual(self.count(), 2)

    def test_dry_run_and_round_trip(self):
        p = self.write("a.csv", self.HEADER + "1-1,1,all,yes,2025-06-01,,\"a, \"\"quoted\"\" note\"\n")
        self.assertIn("確認のみ", self.ok("answers", "import", "--dry-run", p).out)
        self.assertEqual(self.count(), 0)
        self.ok("answers", "import", p)
        exported = self.ok("answers", "export", "--format", "json").out
        data = json.loads(exported)
        self.assertEqual(data["answers"][0]["note"], 'a, "quoted" note')
        out = os.path.join(self.tmp, "export.csv")
        self.ok("answers", "export", "-o", out)
        with open(out, "rb") as f:
            self.assertTrue(f.read().startswith(b"\xef\xbb\xbfversion,sheet,vendor,item"))
        # The export imports back into a fresh workspace unchanged.
        ws2 = os.path.join(self.tmp, "ws2")
        self.ok("init", ws2, dir=None)
        self.ok("answers", "import", out, dir=ws2)
        again = self.ok("answers", "export", "--format", "json", dir=ws2).out
        strip = lambda d: [{k: v for k, v in a.items()} for a in json.loads(d)["answers"]]
        self.assertEqual(strip(exported), strip(again))


class AuditTest(MamoriCase):
    def setUp(self):
        super().setUp()
        self.ok("answer", "1-1", "yes", "--date", "2025-06-01")
        self.ok("answer", "2-1", "no", "--date", "2025-06-01", "--target-date", "2025-12-01")
        self.ok("answer", "2-1", "yes", "--date", "2025-07-01")

    def test_intact(self):
        r = self.ok("audit", "verify")
        self.assertIn("完全", r.out)
        log = self.ok("audit", "log").out
        self.assertIn("answer.record", log)
        self.assertIn("tester", log)

    def test_edited_entry_is_named(self):
        seq = self.sql("SELECT max(seq) FROM audit WHERE action = 'answer.record'").strip()
        self.sql(f"UPDATE audit SET actor = 'mallory' WHERE seq = {seq}")
        r = self.mm("audit", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn(f"#{seq} が改ざん", r.err)

    def test_removed_and_reordered_entries(self):
        self.sql("DELETE FROM audit WHERE seq = 3")
        r = self.mm("audit", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("#3", r.err)
        self.assertIn("削除", r.err)

    def test_answer_changed_behind_mamoris_back(self):
        self.sql("UPDATE answer SET value = 'yes', target_on = NULL WHERE id = 2")
        r = self.mm("audit", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("回答 #2", r.err)

    def test_tail_cut(self):
        self.sql("DELETE FROM audit WHERE seq = (SELECT max(seq) FROM audit)")
        r = self.mm("audit", "verify")
        self.assertEqual(r.code, 5, r)
        self.assertIn("末尾", r.err)

    def rechain(self):
        """What an attacker with the database and this code can do: recompute every hash and
        the head after an edit, so the chain is consistent again."""
        import hashlib
        import sqlite3

        def feed(h, s):
            if s is None:
                h.update((2 ** 64 - 1).to_bytes(8, "little"))
            else:
                b = s.encode()
                h.update(len(b).to_bytes(8, "little"))
                h.update(b)

        db = sqlite3.connect(os.path.join(self.ws, "mamori.db"))
        prev = "0" * 64
        for row in db.execute("SELECT seq, at, actor, action, entity, before, after FROM audit "
                              "ORDER BY seq").fetchall():
            h = hashlib.blake2b(key=b"mamori.audit/1", digest_size=32)
            for f in (str(row[0]),) + row[1:] + (prev,):
                feed(h, f)
            prev = h.hexdigest()
            db.execute("UPDATE audit SET prev_hash = ?, hash = ? WHERE seq = ?",
                       (db.execute("SELECT coalesce((SELECT hash FROM audit WHERE seq = ?), ?)",
                                   (row[0] - 1, "0" * 64)).fetchone()[0], prev, row[0]))
            last = row[0]
        db.execute("UPDATE meta SET value = ? WHERE key = 'audit_head'", ("%d:%s" % (last, prev),))
        db.commit()
        db.close()

    def test_anchor_catches_a_rechained_trail(self):
        head = json.loads(self.ok("audit", "head", "--json").out)
        self.assertRegex(head["anchor"], r"^\d+:[0-9a-f]{64}$")
        self.ok("audit", "verify", "--anchor", head["anchor"])
        self.assertIn(head["anchor"], self.ok("audit", "head").out)
        # rewrite who recorded the first answer, then re-chain consistently
        self.sql("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
        self.rechain()
        self.ok("audit", "verify")  # without the anchor the rewrite is invisible
        r = self.mm("audit", "verify", "--anchor", head["anchor"])
        self.assertEqual(r.code, 5, r)
        self.assertIn("#%d のハッシュが控えと違います" % head["seq"], r.err)
        # an anchor for an entry that was removed
        r = self.mm("audit", "verify", "--anchor", "999:" + "0" * 64)
        self.assertEqual(r.code, 5, r)
        self.assertIn("#999 がありません", r.err)
        # malformed anchors are usage errors, and --anchor only goes with verify
        for bad in ("12", "x:" + "0" * 64, "3:abc", "3:" + "G" * 64):
            r = self.mm("audit", "verify", "--anchor", bad)
            self.assertEqual(r.code, 2, (bad, r))
        self.assertEqual(self.mm("audit", "log", "--anchor", head["anchor"]).code, 2)


if __name__ == "__main__":
    unittest.main(verbosity=2)

"""The report files an inspector receives, checked byte by byte as a user would open them:
the XLSX with openpyxl, the PDF through pdftotext, the CSV in both encodings, the HTML.
Built from `mamori demo`, so the demo itself is exercised end to end."""
import csv
import io
import json
import os
import re
import subprocess
import unittest

from mmtest import MamoriCase, SRC

with open(os.path.join(SRC, "data/checklists/2025-hospital.json"), encoding="utf-8") as f:
    CATALOG = json.load(f)
ITEMS = CATALOG["items"]
HEADER = ["項番", "大項目", "区分", "チェック項目", "対象", "1回目 回答", "1回目 確認日",
          "2回目 回答", "2回目 確認日", "対応目標日", "備考"]
DATE = re.compile(r"^\d{4}/\d{2}/\d{2}$")


def squash(s):
    return re.sub(r"\s+", "", s)


class ReportTest(MamoriCase):
    init = False

    def setUp(self):
        super().setUp()
        r = self.mm("demo", "--dir", self.ws, "--no-serve", dir=None)
        self.assertEqual(r.code, 0, r)
        self.demo_out = r.out
        self.reports = os.path.join(self.ws, "reports")

    def test_demo_summary(self):
        self.assertIn("demo-", self.demo_out.replace(self.ws, "demo-"))
        self.assertIn("対応目標日超過 1", self.demo_out)
        for f in ["checklist.xlsx", "checklist.pdf", "checklist.html", "checklist.csv",
                  "checklist-cp932.csv"]:
            self.assertIn(f, self.demo_out)
            self.assertGreater(os.path.getsize(os.path.join(self.reports, f)), 500)
        self.ok("audit", "verify")
        # Running the demo again rebuilds it.
        self.ok("demo", "--dir", self.ws, "--no-serve", dir=None)

    def test_demo_logs_tell_their_story(self):
        """The demo's two weeks of access logs go through the real pipeline: the attacks in them
        raise their alerts (and nothing else that is wrong), the store verifies, the VPN audit is
        written and recorded for G-MIS, and 2-⑪ names the servers that send no logs."""
        self.assertIn("アクセスログ (access logs):", self.demo_out)
        alerts = json.loads(self.ok("alerts", "--json").out)
        got = {(a["rule"], a["subject"]) for a in alerts}
        for want in [("brute-force-account", "user:tanaka"),
                     ("brute-force-source", "source:45.77.12.9"),
                     ("success-after-failures", "user:tanaka"),
                     ("source-not-allowed", "source:198.51.100.77@VPN-HOSHU"),
                     ("disabled-or-leaver-logon", "user:watanabe"),
                     ("disabled-or-leaver-logon", "user:n-watanabe")]:
            self.assertIn(want, got)
        self.assertTrue(any(r == "new-admin" for r, _ in got), got)
        # yamada's sshd logins are older than the failures in the VPN log imported before them
        self.assertNotIn(("success-after-failures", "user:yamada"), got)
        for a in alerts:
            self.assertLessEqual(a["first_at"], a["last_at"], a)
        self.ok("logs", "verify")
        audits = [f for f in os.listdir(self.reports) if f.startswith("vpn-audit-")]
        self.assertEqual(len(audits), 1, audits)
        html = open(os.path.join(self.reports, audits[0]), encoding="utf-8").read()
        self.assertIn("198.51.100.77", html)
        gmis = json.loads(self.ok("gmis", "--json").out)["questions"]
        q = {x["no"]: x for x in gmis}
        self.assertEqual(q[14]["answer"], "yes", q[14])
        self.assertEqual(q[10]["answer"], "yes", q[10])
        self.assertIn("VPN-HOSHU", q[11]["text"])
        self.assertEqual(q[5]["answer"], "yes", q[5])
        f211 = json.loads(self.ok("findings", "--json", "--item", "2-11").out)["findings"]
        silent = sorted(x["subject"] for x in f211 if x["verdict"] == "fail")
        self.assertEqual(silent, ["asset:FILE-01", "asset:PACS-01"])
        for x in f211:
            self.assertNotIn("なし", x["reason"]["en"])

    def test_reports_carry_the_audit_anchor(self):
        """The hospital sheet's summary prints the audit trail's head; the printout can later
        prove the trail up to it unchanged."""
        page = open(os.path.join(self.reports, "checklist.html"), encoding="utf-8").read()
        m = re.search(r"(\d+:[0-9a-f]{64})", page)
        self.assertTrue(m, "no audit anchor in the HTML report")
        anchor = m.group(1)
        self.assertIn("監査記録の控え", page)
        pdf = subprocess.run(["pdftotext", os.path.join(self.reports, "checklist.pdf"), "-"],
                             capture_output=True, check=True).stdout.decode()
        self.assertIn(anchor, pdf)
        from openpyxl import load_workbook
        wb = load_workbook(os.path.join(self.reports, "checklist.xlsx"))
        cells = [str(c) for r in wb["医療機関確認用"].iter_rows(values_only=True) for c in r if c]
        self.assertIn(anchor, cells)
        self.ok("audit", "verify", "--anchor", anchor)
        self.sql("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
        self.assertEqual(self.mm("audit", "verify", "--anchor", anchor).code, 5)

    def test_xlsx_cells(self):
        from openpyxl import load_workbook
        wb = load_workbook(os.path.join(self.reports, "checklist.xlsx"))
        self.assertEqual(wb.sheetnames[0], "医療機関確認用")
        # The hospital sheet, then one per vendor (the demo has three).
        self.assertEqual(len([n for n in wb.sheetnames if n.startswith("事業者確認用")]), 3, wb.sheetnames)
        ws = wb["医療機関確認用"]
        rows = [[c if c is not None else "" for c in r] for r in ws.iter_rows(values_only=True)]
        hdr = next(i for i, r in enumerate(rows) if r and r[0] == "項番")
        self.assertEqual([str(c) for c in rows[hdr][:len(HEADER)]], HEADER)
        body = [r for r in rows[hdr + 1:hdr + 20]]
        self.assertEqual(len(body), 19)
        col = {h: i for i, h in enumerate(HEADER)}
        texts = [r[col["チェック項目"]] for r in body]
        for it in ITEMS:
            self.assertIn(it["text"], texts, it["label"])
        r12 = [r for r in body if r[col["項番"]] == "2-⑫"]
        self.assertEqual([r[col["対象"]] for r in r12], ["サーバ", "端末PC"])
        r11 = [r for r in body if r[col["項番"]] == "1-①"][0]
        self.assertEqual(r11[col["1回目 回答"]], "はい")
        self.assertRegex(str(r11[col["1回目 確認日"]]), DATE)
        self.assertEqual(r11[col["2回目 回答"]], "はい")
        r25 = [r for r in body if r[col["項番"]] == "2-⑤"][0]
        self.assertEqual(r25[col["1回目 回答"]], "いいえ")
        self.assertRegex(str(r25[col["対応目標日"]]), DATE)
        self.assertIn("棚卸し", r25[col["備考"]])
        everything = "\n".join(str(c) for r in rows for c in r)
        self.assertIn("令和7年度", everything)
        self.assertIn("みどり台総合病院", everything)
        self.assertIn("対応目標日超過", everything)
        vendor = wb[wb.sheetnames[1]]
        vtext = "\n".join(str(c) for r in vendor.iter_rows(values_only=True) for c in r if c)
        self.assertIn("事業者", vtext)
        self.assertIn("（案）", vtext)

    def test_pdf_text(self):
        pdf = os.path.join(self.reports, "checklist.pdf")
        with open(pdf, "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", pdf, "-"], capture_output=True,
                              check=True, timeout=120).stdout.decode("utf-8")
        flat = squash(text)
        for it in ITEMS:
            self.assertIn(squash(it["text"]), flat, it["label"])
        self.assertIn("医療機関確認用", flat)
        self.assertIn("令和7年度", flat)
        self.assertTrue(re.search(r"\d{4}/\d{2}/\d{2}", text))
        # Visual-order extraction keeps the table readable too.
        layout = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", pdf, "-"],
                                capture_output=True, check=True, timeout=120).stdout.decode()
        self.assertIn("項番", layout)

    def read_csv(self, name, encoding):
        with open(os.path.join(self.reports, name), "rb") as f:
            raw = f.read()
        return raw, list(csv.reader(io.StringIO(raw.decode(encoding), newline="")))

    def test_csv_utf8_and_cp932(self):
        raw, rows = self.read_csv("checklist.csv", "utf-8-sig")
        self.assertTrue(raw.startswith(b"\xef\xbb\xbf"))
        self.assertIn(b"\r\n", raw)
        self.assertEqual(rows[0][0], "シート")
        self.assertEqual(rows[0][1:1 + len(HEADER)], HEADER)
        hospital = [r for r in rows[1:] if r and r[0] == "医療機関確認用"]
        self.assertEqual(len(hospital), 19)
        for it in ITEMS:
            self.assertIn(it["text"], [r[4] for r in hospital])
        vendors = {r[0] for r in rows[1:] if r and r[0] != "医療機関確認用"}
        self.assertEqual(len(vendors), 3, vendors)
        raw2, rows2 = self.read_csv("checklist-cp932.csv", "cp932")
        self.assertFalse(raw2.startswith(b"\xef\xbb\xbf"))
        self.assertEqual(rows2, rows)

    def test_html(self):
        with open(os.path.join(self.reports, "checklist.html"), encoding="utf-8") as f:
            html = f.read()
        self.assertIn('lang="ja"', html)
        self.assertIn("@media print", html)
        for it in ITEMS:
            self.assertIn(it["text"], html)
        self.assertNotIn("<script", html)

    def test_report_command_errors(self):
        self.assertEqual(self.mm("report", "checklist", "--format", "docx", "-o", "x").code, 2)
        self.assertEqual(self.mm("report", "checklist", "--format", "csv").code, 2)
        out = os.path.join(self.tmp, "r.csv")
        self.ok("answer", "2-2", "yes", "--date", "2025-11-01", "--note", "確認済み 😀")
        r = self.mm("report", "checklist", "--format", "csv", "--encoding", "cp932", "-o", out)
        self.assertEqual(r.code, 4, r)
        self.assertIn("CP932", r.err)
        self.assertFalse(os.path.exists(out))
        self.ok("report", "checklist", "--format", "csv", "-o", out)
        self.assertTrue(os.path.exists(out))


class EvidenceReportTest(MamoriCase):
    """Issue 3: the machine verdict and the conflict with the answer in every report format,
    and the evidence appendix 証拠（評価結果）, from evidence imported with `mamori import` and
    evaluated with `mamori evaluate`."""

    def setUp(self):
        super().setUp()
        ev = os.path.join(SRC, "tests/data/evidence")
        self.ok("import", "assets", os.path.join(ev, "assets.csv"))
        self.ok("import", "advisories", os.path.join(SRC, "data/advisories/feed.json"))
        self.ok("answer", "2-6", "yes", "--date", "2025-10-01")
        self.ok("evaluate")
        self.out = {}
        for fmt in ["xlsx", "pdf", "html", "csv"]:
            self.out[fmt] = os.path.join(self.tmp, "r." + fmt)
            self.ok("report", "checklist", "--format", fmt, "-o", self.out[fmt])

    def test_xlsx_verdict_conflict_and_appendix(self):
        from openpyxl import load_workbook
        wb = load_workbook(self.out["xlsx"])
        self.assertEqual(wb.sheetnames[0], "医療機関確認用")
        self.assertEqual(wb.sheetnames[-1], "証拠（評価結果）")
        ws = wb["医療機関確認用"]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        hdr = next(i for i, r in enumerate(rows) if r and r[0] == "項番")
        self.assertEqual(rows[hdr], HEADER + ["証拠による判定", "矛盾"])
        col = {h: i for i, h in enumerate(rows[hdr])}
        i6 = next(i for i, r in enumerate(rows) if r[0] == "2-⑥")
        r6 = rows[i6]
        self.assertEqual(r6[col["1回目 回答"]], "はい")
        self.assertEqual(r6[col["証拠による判定"]], "不適合")
        self.assertTrue(r6[col["矛盾"]].startswith("はい, しかし証拠と矛盾"), r6)
        self.assertIn("CVE-2018-13379", r6[col["矛盾"]])
        fill = ws.cell(row=i6 + 1, column=col["矛盾"] + 1).fill
        self.assertEqual(fill.fill_type, "solid")
        self.assertNotEqual(fill.fgColor.rgb, "00000000")
        # An item no evaluator covers has neither cell; the vendor sheets keep 11 columns.
        r11 = next(r for r in rows if r[0] == "1-①")
        self.assertIsNone(r11[col["証拠による判定"]])
        self.assertIsNone(r11[col["矛盾"]])
        key = next(r for r in rows if r[0] == "証拠との矛盾")
        self.assertEqual(key[3], 1)
        vendor = wb[wb.sheetnames[1]]
        vrows = [list(r) for r in vendor.iter_rows(values_only=True)]
        vhdr = next(r for r in vrows if r and r[0] == "項番")
        self.assertEqual(vhdr, HEADER)

        app = [list(r) for r in wb["証拠（評価結果）"].iter_rows(values_only=True)]
        ahdr = next(i for i, r in enumerate(app) if r and r[0] == "項番")
        self.assertEqual(app[ahdr], ["項番", "判定", "内容", "Reason", "証拠", "初回検出", "最終確認"])
        body = app[ahdr + 1:]
        cve = [r for r in body if "CVE-2018-13379" in (r[2] or "")]
        self.assertEqual(len(cve), 1, body)
        self.assertEqual(cve[0][0], "2-⑥")
        self.assertEqual(cve[0][1], "不適合")
        self.assertIn("CVE-2018-13379", cve[0][3])
        self.assertIn("assets.csv:2", cve[0][4])
        self.assertRegex(cve[0][5], DATE)
        self.assertRegex(cve[0][6], DATE)
        # By item in checklist order, failing findings first within an item.
        order = [(r[0], r[1]) for r in body]
        items = [it["label"] for it in ITEMS]
        self.assertEqual([items.index(a) for a, _ in order],
                         sorted(items.index(a) for a, _ in order))
        six = [v for a, v in order if a == "2-⑥"]
        self.assertEqual(six, sorted(six, key=lambda v: v != "不適合"))

    def test_pdf_has_verdicts_and_appendix(self):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", self.out["pdf"], "-"],
                              capture_output=True, check=True, timeout=120).stdout.decode("utf-8")
        flat = squash(text)
        for it in ITEMS:
            self.assertIn(squash(it["text"]), flat, it["label"])
        self.assertIn("証拠（評価結果）", flat)
        self.assertIn("CVE-2018-13379", flat)
        self.assertIn("不適合", flat)
        self.assertIn("⚠矛盾", flat)
        self.assertIn("assets.csv:2", flat)

    def test_html_and_csv(self):
        with open(self.out["html"], encoding="utf-8") as f:
            html = f.read()
        self.assertIn("<th>証拠による判定</th><th>矛盾</th>", html)
        self.assertIn('<td class="conflict">はい, しかし証拠と矛盾', html)
        self.assertIn("<h2>証拠（評価結果）</h2>", html)
        self.assertIn("CVE-2018-13379", html)
        with open(self.out["csv"], "rb") as f:
            rows = list(csv.reader(io.StringIO(f.read().decode("utf-8-sig"), newline="")))
        self.assertEqual(rows[0], ["シート"] + HEADER + ["証拠による判定", "矛盾"])
        self.assertTrue(all(len(r) == len(rows[0]) for r in rows[1:]))
        r6 = next(r for r in rows if r[0] == "医療機関確認用" and r[1] == "2-⑥")
        self.assertEqual(r6[-2], "不適合")
        self.assertTrue(r6[-1].startswith("はい, しかし証拠と矛盾"), r6)
        vendor = [r for r in rows[1:] if r[0] != "医療機関確認用"]
        self.assertTrue(vendor)
        self.assertTrue(all(r[-2:] == ["", ""] for r in vendor))


if __name__ == "__main__":
    unittest.main(verbosity=2)

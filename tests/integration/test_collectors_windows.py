"""The Windows collectors cannot run here (no PowerShell), so check what can be checked from the
text: every script is there, is plain ASCII (Windows PowerShell 5.1 reads a BOM-less script in
the ANSI code page), loads the shared helpers, writes the right envelope kind with the row
fields the importers expect, reads locale-independent sources, and never parses localised
command output. When pwsh is installed, the scripts are also parsed for syntax errors."""
import json
import os
import re
import shutil
import subprocess
import unittest

from mmtest import MamoriCase

SRC = os.environ.get("MM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
WIN = os.path.join(SRC, "collectors", "windows")

SCRIPTS = {
    "services.ps1": ("services", ["name", "display_name", "status", "start_type"],
                     ["Win32_Service", "mrxsmb10", "DelayedAutoStart"]),
    "users.ps1": ("accounts", ["system", "login", "enabled", "last_logon", "admin", "mfa", "shared"],
                  ["S-1-5-32-544", "Get-LocalUser", "Get-ADUser", "LastLogonTimestamp"]),
    "password-policy.ps1": ("password-policies",
                            ["system", "min_length", "classes", "max_age_days", "history",
                             "lockout_threshold", "mfa"],
                            ["secedit.exe /export", "System Access", "MinimumPasswordLength",
                             "PasswordComplexity", "MaximumPasswordAge", "PasswordHistorySize",
                             "LockoutBadCount"]),
    "usb-policy.ps1": ("media", ["host", "state", "devices"],
                       ["Services\\USBSTOR", "Deny_All", "Deny_Read", "Deny_Write",
                        "{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}"]),
    "updates.ps1": ("software", ["host", "kind", "product", "version"],
                    ["Win32_QuickFixEngineering", "CurrentVersion", "UBR", "Uninstall"]),
}

# Output of these is in the UI language (or they parse such output): never use them.
FORBIDDEN = [r"\bnet(\.exe)?\s+(accounts|user|localgroup|start)\b", r"\bwmic\b", r"\bsysteminfo\b",
             r"\bsc(\.exe)?\s+query", r"Get-LocalGroupMember\s+-(Name|Group)\b",
             r"['\"]Administrators['\"]", r"['\"]Administrator['\"]", r"auditpol",
             r"Out-File", r"-Encoding\s+Default", r"ConvertTo-Json"]


def strip_comments(text):
    text = re.sub(r"<#.*?#>", "", text, flags=re.S)
    return "\n".join(re.sub(r"(^|\s)#.*$", "", line) for line in text.splitlines())


class WindowsCollectorsTest(unittest.TestCase):
    def read(self, name):
        with open(os.path.join(WIN, name), "rb") as f:
            data = f.read()
        self.assertTrue(all(b < 0x80 for b in data), f"{name} must be ASCII")
        self.assertNotIn(b"\t", data, f"{name}: use spaces")
        return data.decode("ascii")

    def test_common_helpers(self):
        text = self.read("mamori-common.ps1")
        for fn in ["ConvertTo-MamoriJsonValue", "ConvertTo-MamoriJsonRow", "ConvertTo-MamoriTime",
                   "Get-MamoriRegValue", "Write-MamoriEnvelope"]:
            self.assertRegex(text, r"function " + fn + r"\b")
        self.assertIn("UTF8Encoding($false)", text)   # UTF-8 without BOM
        self.assertIn('"mamori_collector":', text)
        self.assertIn("',\"version\":1,\"host\":'", text)
        self.assertIn("InvariantCulture", text)
        self.assertIn("yyyy-MM-dd'T'HH:mm:ss'Z'", text)

    def test_each_script(self):
        for name, (kind, fields, sources) in SCRIPTS.items():
            with self.subTest(script=name):
                text = self.read(name)
                code = strip_comments(text)
                self.assertIn(". (Join-Path $PSScriptRoot 'mamori-common.ps1')", code)
                self.assertIn("param([string]$OutFile = ''", code)
                self.assertIn("$ErrorActionPreference = 'Stop'", code)
                self.assertRegex(code, r"Write-MamoriEnvelope -Kind '" + re.escape(kind) + r"'")
                for f in fields:
                    self.assertRegex(code, r"\b" + f + r"\s*=", f"{name}: row field {f}")
                for s in sources:
                    self.assertIn(s, text, f"{name}: expected to read {s}")
                for pat in FORBIDDEN:
                    self.assertNotRegex(code, re.compile(pat, re.I), f"{name}: must not use {pat}")
                for o, c in ["()", "{}", "[]"]:
                    self.assertEqual(code.count(o), code.count(c), f"{name}: unbalanced {o}{c}")

    @unittest.skipUnless(shutil.which("pwsh"), "pwsh not installed")
    def test_parse_with_powershell(self):
        for name in list(SCRIPTS) + ["mamori-common.ps1", "security-events.ps1"]:
            path = os.path.join(WIN, name)
            cmd = ("$e=$null; [void][System.Management.Automation.Language.Parser]::ParseFile("
                   f"'{path}', [ref]$null, [ref]$e); if ($e) {{ $e; exit 1 }}")
            p = subprocess.run(["pwsh", "-NoProfile", "-Command", cmd], capture_output=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    def test_readme_documents_every_collector(self):
        with open(os.path.join(SRC, "collectors", "README.md"), encoding="utf-8") as f:
            readme = f.read()
        for name in list(SCRIPTS) + ["security-events.ps1", "services.sh", "users.sh", "password-policy.sh", "usb-policy.sh",
                                     "updates.sh"]:
            self.assertIn(name, readme)


def win_event_ids():
    """The event ids the Security-event mapping knows (src/logs/win_events.c)."""
    with open(os.path.join(SRC, "src", "logs", "win_events.c"), encoding="utf-8") as f:
        return [int(x) for x in re.findall(r"^\s*\{(\d{4}), MM_EVK_", f.read(), re.M)]


def script_line(time, eid, machine, record, data):
    """The JSON line security-events.ps1 writes for one event: keys in its order, compact, UTF-8,
    only '"', '\\' and control characters escaped (ConvertTo-MamoriJsonValue)."""
    head = json.dumps({"TimeCreated": time, "Id": eid, "MachineName": machine, "RecordId": record},
                      ensure_ascii=False, separators=(",", ":"))
    return head[:-1] + ',"Data":' + json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "}"


class SecurityEventsScriptTest(unittest.TestCase):
    """security-events.ps1 writes JSON lines for parse_winjson, not an envelope: checked apart."""

    def setUp(self):
        with open(os.path.join(WIN, "security-events.ps1"), "rb") as f:
            data = f.read()
        self.assertTrue(all(b < 0x80 for b in data), "security-events.ps1 must be ASCII")
        self.assertNotIn(b"\t", data)
        self.text = data.decode("ascii")
        self.code = strip_comments(self.text)

    def test_reads_the_mapped_ids_with_filterhashtable(self):
        m = re.search(r"\$eventIds = @\(([\d, ]+)\)", self.code)
        self.assertIsNotNone(m)
        ids = [int(x) for x in m.group(1).split(",")]
        self.assertEqual(sorted(ids), sorted(win_event_ids()))
        self.assertEqual(len(ids), 13)
        self.assertIn("Get-WinEvent -FilterHashtable $filter -Oldest -MaxEvents $Max", self.code)
        self.assertIn("LogName = 'Security'; Id = $eventIds", self.code)
        self.assertIn("$filter['StartTime']", self.code)
        self.assertIn("NoMatchingEventsFound", self.code)

    def test_remembers_the_last_record(self):
        code = self.code
        self.assertIn("param([string]$OutFile = '', [string]$StateFile = '', [switch]$Evtx", code)
        self.assertIn("'record=' +", code)
        self.assertIn("'^record=(\\d+)$'", code)
        self.assertIn("Move-Item -LiteralPath $tmp -Destination $Path -Force", code)
        self.assertIn("[long]$e.RecordId -le $state.Record", code)
        # The state moves only after the events are written.
        main = code[code.index("$lines = New-Object"):]
        self.assertLess(main.index("WriteAllText($OutFile"), main.index("Write-MamoriState $StateFile"))
        # A cleared log (record numbers restarted) is read again from the start.
        self.assertIn("-lt $state.Record", code)

    def test_writes_what_parse_winjson_reads(self):
        with open(os.path.join(SRC, "src", "logs", "parse_winjson.c"), encoding="utf-8") as f:
            parser = f.read()
        for key in ("TimeCreated", "Id", "MachineName", "Data"):
            self.assertIn('"%s"' % key, parser)
        for key in ("TimeCreated =", "Id          =", "MachineName =", "RecordId    =", "',\"Data\":'"):
            self.assertIn(key, self.code)
        self.assertIn("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", self.code)
        self.assertIn("ToUniversalTime()", self.code)
        self.assertIn("GetElementsByTagName('Data')", self.code)
        self.assertIn("$d.GetAttribute('Name')", self.code)
        self.assertIn("UTF8Encoding($false)", self.code)
        self.assertIn(". (Join-Path $PSScriptRoot 'mamori-common.ps1')", self.code)
        self.assertIn("$ErrorActionPreference = 'Stop'", self.code)

    def test_evtx_export(self):
        self.assertIn("& wevtutil.exe epl Security $OutFile \"/q:$query\" /ow:true", self.code)
        self.assertIn("EventRecordID > {1} and EventRecordID <= {2}", self.code)
        self.assertIn("$LASTEXITCODE -ne 0", self.code)

    def test_no_localised_sources(self):
        for pat in FORBIDDEN:
            self.assertNotRegex(self.code, re.compile(pat, re.I))
        self.assertNotIn("Message", self.code)  # the rendered message text is localised
        for o, c in ["()", "{}", "[]"]:
            self.assertEqual(self.code.count(o), self.code.count(c), f"unbalanced {o}{c}")


class SecurityEventsOutputTest(MamoriCase):
    """The lines a run would write (built as the script builds them) import as the events."""

    def test_sample_run_imports(self):
        t = "2025-11-20T00:%02d:00.1234567Z"
        lines = [
            script_line(t % 1, 4624, "DC01.hosp.local", 5001,
                        {"SubjectUserSid": "S-1-5-18", "TargetUserName": "yamada",
                         "TargetDomainName": "HOSP", "LogonType": "10",
                         "IpAddress": "192.168.10.23", "IpPort": "50122"}),
            script_line(t % 2, 4625, "DC01.hosp.local", 5002,
                        {"TargetUserName": "admin", "Status": "0xc000006d", "LogonType": "3",
                         "IpAddress": "203.0.113.50"}),
            script_line(t % 3, 4740, "DC01.hosp.local", 5003,
                        {"TargetUserName": "tanaka", "TargetDomainName": "WS-NURSE07"}),
            script_line(t % 4, 4732, "DC01.hosp.local", 5004,
                        {"MemberName": "-", "MemberSid": "S-1-5-21-1-2-3-1105",
                         "TargetUserName": "Administrators"}),
            script_line(t % 5, 4776, "DC01.hosp.local", 5005,
                        {"TargetUserName": "\u9234\u6728", "Workstation": "WS-NURSE07",
                         "Status": "0x0"}),
            script_line(t % 6, 4720, "DC01.hosp.local", 5006,
                        {"TargetUserName": "vendor \"new\"\\x", "SubjectUserName": "it-admin"}),
        ]
        path = self.write("mamori-security-DC01-20251120000000.jsonl",
                          ("\n".join(lines) + "\n").encode("utf-8"))
        r = self.ok("logs", "import", "--format", "windows-json", "--json", path)
        c = json.loads(r.out)
        self.assertEqual((c["stored"], c["unparsed"]), (6, 0))
        ev = json.loads(self.ok("logs", "query", "--json").out)
        got = [(e["kind"], e["user"], e["source"], e["host"]) for e in ev]
        self.assertEqual(got, [
            ("logon", "yamada", "192.168.10.23", "DC01.hosp.local"),
            ("logon-failure", "admin", "203.0.113.50", "DC01.hosp.local"),
            ("account-locked", "tanaka", "WS-NURSE07", "DC01.hosp.local"),
            ("group-member-added", "S-1-5-21-1-2-3-1105", "", "DC01.hosp.local"),
            ("other", "\u9234\u6728", "WS-NURSE07", "DC01.hosp.local"),
            ("account-created", 'vendor "new"\\x', "", "DC01.hosp.local"),
        ])
        self.assertEqual(ev[0]["time"][:19], "2025-11-20T09:01:00")


if __name__ == "__main__":
    unittest.main()

"""The Windows collectors cannot run here (no PowerShell), so check what can be checked from the
text: every script is there, is plain ASCII (Windows PowerShell 5.1 reads a BOM-less script in
the ANSI code page), loads the shared helpers, writes the right envelope kind with the row
fields the importers expect, reads locale-independent sources, and never parses localised
command output. When pwsh is installed, the scripts are also parsed for syntax errors."""
import os
import re
import shutil
import subprocess
import unittest

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
        for name in list(SCRIPTS) + ["mamori-common.ps1"]:
            path = os.path.join(WIN, name)
            cmd = ("$e=$null; [void][System.Management.Automation.Language.Parser]::ParseFile("
                   f"'{path}', [ref]$null, [ref]$e); if ($e) {{ $e; exit 1 }}")
            p = subprocess.run(["pwsh", "-NoProfile", "-Command", cmd], capture_output=True, timeout=120)
            self.assertEqual(p.returncode, 0, p.stdout.decode() + p.stderr.decode())

    def test_readme_documents_every_collector(self):
        with open(os.path.join(SRC, "collectors", "README.md"), encoding="utf-8") as f:
            readme = f.read()
        for name in list(SCRIPTS) + ["services.sh", "users.sh", "password-policy.sh", "usb-policy.sh",
                                     "updates.sh"]:
            self.assertIn(name, readme)


if __name__ == "__main__":
    unittest.main()

<#
.SYNOPSIS
  Mamori collector: the password policy in force on this computer, and the domain's default
  policy when the ActiveDirectory module is installed (checklist 2-7, 2-8, 2-10).
.DESCRIPTION
  Exports the security policy with `secedit /export /areas SECURITYPOLICY` to a temporary .inf
  file and reads the [System Access] keys MinimumPasswordLength, PasswordComplexity,
  MaximumPasswordAge, PasswordHistorySize and LockoutBadCount. These key names do not depend on
  the Windows language (the text of other tools does, so they are not used).
  Rows (password-policies): system, min_length, classes (3 when complexity is on: Windows then
  requires three of the four character kinds; 1 when off), max_age_days (0 = never expires),
  history, lockout_threshold (0 = never locks), mfa (null).
  Run as Administrator. Writes mamori-password-policies-COMPUTERNAME.json.
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File password-policy.ps1
#>
[CmdletBinding()]
param([string]$OutFile = '')
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

function Read-SeceditSystemAccess {
    $tmp = Join-Path ([System.IO.Path]::GetTempPath()) ('mamori-secpol-{0}.inf' -f [guid]::NewGuid())
    $values = @{}
    try {
        & secedit.exe /export /cfg $tmp /areas SECURITYPOLICY /quiet | Out-Null
        if ($LASTEXITCODE -ne 0 -or -not (Test-Path -LiteralPath $tmp)) {
            throw ('secedit /export failed with exit code {0}; run as Administrator' -f $LASTEXITCODE)
        }
        $section = ''
        foreach ($line in Get-Content -LiteralPath $tmp -Encoding Unicode) {
            $t = $line.Trim()
            if ($t -match '^\[(.+)\]$') { $section = $Matches[1]; continue }
            if ($section -eq 'System Access' -and $t -match '^([A-Za-z]+)\s*=\s*(-?\d+)$') {
                $values[$Matches[1]] = [int]$Matches[2]
            }
        }
    } finally {
        Remove-Item -LiteralPath $tmp -Force -ErrorAction SilentlyContinue
    }
    return $values
}

function Get-Value {
    param([hashtable]$Table, [string]$Key)
    if ($Table.ContainsKey($Key)) { return $Table[$Key] }
    return $null
}

$rows = New-Object System.Collections.ArrayList
$v = Read-SeceditSystemAccess
$maxAge = Get-Value $v 'MaximumPasswordAge'
if ($null -ne $maxAge -and $maxAge -lt 0) { $maxAge = 0 }   # -1 = never expires
$complexity = Get-Value $v 'PasswordComplexity'
$classes = $null
if ($null -ne $complexity) { if ($complexity -eq 1) { $classes = 3 } else { $classes = 1 } }
[void]$rows.Add([ordered]@{
    system            = 'local:' + $env:COMPUTERNAME
    min_length        = Get-Value $v 'MinimumPasswordLength'
    classes           = $classes
    max_age_days      = $maxAge
    history           = Get-Value $v 'PasswordHistorySize'
    lockout_threshold = Get-Value $v 'LockoutBadCount'
    mfa               = $null
})

if (Get-Module -ListAvailable -Name ActiveDirectory) {
    try {
        Import-Module ActiveDirectory
        $domain = Get-ADDomain
        $p = Get-ADDefaultDomainPasswordPolicy
        $classes = 1
        if ($p.ComplexityEnabled) { $classes = 3 }
        [void]$rows.Add([ordered]@{
            system            = 'ad:' + $domain.DNSRoot
            min_length        = [int]$p.MinPasswordLength
            classes           = $classes
            max_age_days      = [int]$p.MaxPasswordAge.Days
            history           = [int]$p.PasswordHistoryCount
            lockout_threshold = [int]$p.LockoutThreshold
            mfa               = $null
        })
    } catch {
        Write-Warning ('The domain password policy was not read: {0}' -f $_.Exception.Message)
    }
}
Write-MamoriEnvelope -Kind 'password-policies' -Rows $rows -OutFile $OutFile

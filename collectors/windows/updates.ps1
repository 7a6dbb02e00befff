<#
.SYNOPSIS
  Mamori collector: the Windows version, installed updates and installed programs of this
  computer (checklist 2-6; the program list of 2-12).
.DESCRIPTION
  OS: HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion (ProductName, DisplayVersion, build and
  UBR) -> one row kind "os", version "10.0.BUILD.UBR". Updates: Win32_QuickFixEngineering ->
  rows kind "software", product "KBnnnnnnn", version the install date (ISO) or "installed".
  Programs: the Uninstall registry keys (64- and 32-bit) -> rows kind "software".
  Writes mamori-software-COMPUTERNAME.json.
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File updates.ps1
#>
[CmdletBinding()]
param([string]$OutFile = '')
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

$computer = $env:COMPUTERNAME
$cvKey = 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$product = Get-MamoriRegValue $cvKey 'ProductName'
$display = Get-MamoriRegValue $cvKey 'DisplayVersion'
if (-not $display) { $display = Get-MamoriRegValue $cvKey 'ReleaseId' }
$major = Get-MamoriRegValue $cvKey 'CurrentMajorVersionNumber'
$minor = Get-MamoriRegValue $cvKey 'CurrentMinorVersionNumber'
$build = Get-MamoriRegValue $cvKey 'CurrentBuild'
$ubr = Get-MamoriRegValue $cvKey 'UBR'
if ($null -eq $major) { $version = '{0}.{1}' -f (Get-MamoriRegValue $cvKey 'CurrentVersion'), $build }
else { $version = '{0}.{1}.{2}' -f $major, $minor, $build }
if ($null -ne $ubr) { $version = '{0}.{1}' -f $version, $ubr }
# Windows 11 still says "Windows 10" in ProductName; the build number tells them apart.
if ($product -like 'Windows 10*' -and [int]$build -ge 22000) { $product = $product -replace '^Windows 10', 'Windows 11' }
if ($display) { $product = '{0} {1}' -f $product, $display }

$rows = New-Object System.Collections.ArrayList
$seen = @{}
function Add-Row {
    param([string]$Kind, [string]$Product, [string]$Version)
    if (-not $Product -or $seen.ContainsKey($Product)) { return }
    $seen[$Product] = $true
    if (-not $Version) { $Version = 'unknown' }
    [void]$rows.Add([ordered]@{ host = $computer; kind = $Kind; product = $Product; version = $Version })
}

Add-Row 'os' $product $version
foreach ($q in @(Get-CimInstance -ClassName Win32_QuickFixEngineering)) {
    $when = 'installed'
    try { if ($q.InstalledOn) { $when = ([DateTime]$q.InstalledOn).ToString('yyyy-MM-dd', $script:MamoriInvariant) } } catch { }
    Add-Row 'software' ([string]$q.HotFixID) $when
}
foreach ($root in 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall',
                  'HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Uninstall') {
    if (-not (Test-Path -LiteralPath $root)) { continue }
    foreach ($k in @(Get-ChildItem -LiteralPath $root)) {
        $name = $k.GetValue('DisplayName')
        if (-not $name -or $k.GetValue('SystemComponent') -eq 1 -or $k.GetValue('ParentKeyName')) { continue }
        Add-Row 'software' ([string]$name) ([string]$k.GetValue('DisplayVersion'))
    }
}
Write-MamoriEnvelope -Kind 'software' -Rows $rows -OutFile $OutFile

<#
.SYNOPSIS
  Mamori collector: whether USB storage is restricted on this computer (checklist 2-9).
.DESCRIPTION
  Reads the registry only (no localised text):
    HKLM\SYSTEM\CurrentControlSet\Services\USBSTOR  Start = 4 (driver disabled)
    HKLM\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices  Deny_All = 1
    ...\RemovableStorageDevices\{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}  Deny_Read / Deny_Write
    HKLM\SOFTWARE\Policies\Microsoft\Windows\DeviceInstall\Restrictions  DenyUnspecified = 1
      with AllowDeviceIDs / AllowInstanceIDs (an allow-list of devices)
  state: blocked (USBSTOR disabled, Deny_All, or both read and write denied on removable disks),
  allowlisted (device installation limited to listed IDs; devices = those IDs), none.
  Writes mamori-media-COMPUTERNAME.json.
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File usb-policy.ps1
#>
[CmdletBinding()]
param([string]$OutFile = '')
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

$rsd = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\RemovableStorageDevices'
$removableDisks = Join-Path $rsd '{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}'
$restrictions = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows\DeviceInstall\Restrictions'

$usbstor = Get-MamoriRegValue 'HKLM:\SYSTEM\CurrentControlSet\Services\USBSTOR' 'Start'
$denyAll = Get-MamoriRegValue $rsd 'Deny_All'
$denyRead = Get-MamoriRegValue $removableDisks 'Deny_Read'
$denyWrite = Get-MamoriRegValue $removableDisks 'Deny_Write'
$denyUnspecified = Get-MamoriRegValue $restrictions 'DenyUnspecified'

# The allow-list: every value under AllowDeviceIDs and AllowInstanceIDs.
$allowed = New-Object System.Collections.ArrayList
foreach ($sub in 'AllowDeviceIDs', 'AllowInstanceIDs') {
    $key = Join-Path $restrictions $sub
    if (Test-Path -LiteralPath $key) {
        $item = Get-Item -LiteralPath $key
        foreach ($name in $item.GetValueNames()) { [void]$allowed.Add([string]$item.GetValue($name)) }
    }
}

$state = 'none'
$devices = ''
if ($usbstor -eq 4 -or $denyAll -eq 1 -or ($denyRead -eq 1 -and $denyWrite -eq 1)) {
    $state = 'blocked'
} elseif ($denyUnspecified -eq 1 -and $allowed.Count -gt 0) {
    $state = 'allowlisted'
    $devices = $allowed -join ';'
}
$rows = @([ordered]@{ host = $env:COMPUTERNAME; state = $state; devices = $devices })
Write-MamoriEnvelope -Kind 'media' -Rows $rows -OutFile $OutFile

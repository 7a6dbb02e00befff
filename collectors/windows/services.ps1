<#
.SYNOPSIS
  Mamori collector: the services of this computer and their state (checklist 2-12).
.DESCRIPTION
  Reads Win32_Service through CIM (service name, display name, State, StartMode, delayed start)
  and writes mamori-services-COMPUTERNAME.json. State and StartMode are WMI enum names, the same
  on English and Japanese Windows. The SMB 1.0 client driver (mrxsmb10) is added when present,
  because Get-Service does not list drivers. Falls back to Get-Service when CIM is unavailable.
  Import with: mamori import services mamori-services-COMPUTERNAME.json
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File services.ps1 -OutFile \\share\mamori\services.json
#>
[CmdletBinding()]
param([string]$OutFile = '')
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

# Win32_Service.StartMode -> the words Get-Service uses.
$startModes = @{ 'Auto' = 'Automatic'; 'Manual' = 'Manual'; 'Disabled' = 'Disabled'; 'Boot' = 'Boot'; 'System' = 'System' }

function ConvertTo-MamoriServiceRow {
    param($Cim)
    $start = $startModes[[string]$Cim.StartMode]
    if ($null -eq $start) { $start = '' }
    $delayed = $Cim.CimInstanceProperties['DelayedAutoStart']
    if ($start -eq 'Automatic' -and $null -ne $delayed -and $delayed.Value -eq $true) {
        $start = 'AutomaticDelayedStart'
    }
    return [ordered]@{
        name         = [string]$Cim.Name
        display_name = [string]$Cim.DisplayName
        status       = ([string]$Cim.State) -replace ' ', ''   # "Start Pending" -> "StartPending"
        start_type   = $start
    }
}

$rows = New-Object System.Collections.ArrayList
try {
    foreach ($s in @(Get-CimInstance -ClassName Win32_Service)) {
        [void]$rows.Add((ConvertTo-MamoriServiceRow $s))
    }
    foreach ($d in @(Get-CimInstance -ClassName Win32_SystemDriver -Filter "Name='mrxsmb10'")) {
        [void]$rows.Add((ConvertTo-MamoriServiceRow $d))
    }
} catch {
    Write-Warning ('Win32_Service is not available ({0}); using Get-Service' -f $_.Exception.Message)
    $rows.Clear()
    foreach ($s in @(Get-Service)) {
        [void]$rows.Add([ordered]@{
            name         = $s.Name
            display_name = $s.DisplayName
            status       = $s.Status.ToString()      # enum name, not localised
            start_type   = $s.StartType.ToString()
        })
    }
}
Write-MamoriEnvelope -Kind 'services' -Rows $rows -OutFile $OutFile

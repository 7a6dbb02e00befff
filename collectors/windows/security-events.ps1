<#
.SYNOPSIS
  Mamori collector: new Windows Security events (logons, account changes, lockouts) for the
  access-log store (checklist 2-11).
.DESCRIPTION
  Reads the Security log with Get-WinEvent -FilterHashtable for the 13 event ids Mamori maps
  (4624 4625 4634 4648 4720 4722 4725 4726 4732 4740 4768 4771 4776) and writes only the events
  newer than the last run: the last EventRecordID and its time are kept in a state file
  (default %ProgramData%\Mamori\security-events.state). Each event is one JSON line, UTF-8
  without BOM:
    {"TimeCreated":"2025-11-20T00:15:02.1234567Z","Id":4625,"MachineName":"DC01.hosp.local",
     "RecordId":1002,"Data":{"TargetUserName":"admin","IpAddress":"203.0.113.50",...}}
  The field names are those of the event's XML (EventData), not localised message text, so the
  output is the same on English and Japanese Windows.
  Import with: mamori logs import --format windows-json mamori-security-COMPUTERNAME-*.jsonl
  With -Evtx, the same events are exported with wevtutil epl into an .evtx file instead; import
  it with: mamori logs import --format evtx FILE.evtx
  Needs the right to read the Security log (Administrators or Event Log Readers).
.PARAMETER OutFile
  Output file. Default: mamori-security-COMPUTERNAME-yyyyMMddHHmmss.jsonl (.evtx with -Evtx),
  a new name each run so that files not yet sent are never overwritten.
.PARAMETER StateFile
  Where the last EventRecordID is remembered.
.PARAMETER MaxEvents
  At most this many events per run (oldest first); the next run continues after them.
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File security-events.ps1 -OutFile \\share\mamori\dc01.jsonl
#>
[CmdletBinding()]
param([string]$OutFile = '', [string]$StateFile = '', [switch]$Evtx, [int]$MaxEvents = 200000)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

$eventIds = @(4624, 4625, 4634, 4648, 4720, 4722, 4725, 4726, 4732, 4740, 4768, 4771, 4776)
$computer = $env:COMPUTERNAME

if (-not $StateFile) {
    $StateFile = Join-Path $env:ProgramData 'Mamori\security-events.state'
}
$StateFile = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($StateFile)
if (-not $OutFile) {
    $stamp = [DateTime]::UtcNow.ToString('yyyyMMddHHmmss', $script:MamoriInvariant)
    $ext = 'jsonl'
    if ($Evtx) { $ext = 'evtx' }
    $OutFile = 'mamori-security-{0}-{1}.{2}' -f $computer, $stamp, $ext
}
$OutFile = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutFile)

# The state file holds two lines: "record=N" (last EventRecordID sent) and "time=ISO-8601 UTC".
function Read-MamoriState {
    param([string]$Path)
    $state = @{ Record = [long]0; Time = $null }
    if (-not (Test-Path -LiteralPath $Path)) { return $state }
    foreach ($line in [System.IO.File]::ReadAllLines($Path)) {
        if ($line -match '^record=(\d+)$') { $state.Record = [long]$Matches[1] }
        elseif ($line -match '^time=(\S+)$') {
            $state.Time = [DateTime]::Parse($Matches[1], $script:MamoriInvariant,
                [System.Globalization.DateTimeStyles]::AdjustToUniversal)
        }
    }
    return $state
}

# Written to a temporary file and moved into place, so a crash never leaves half a state.
function Write-MamoriState {
    param([string]$Path, [long]$Record, [DateTime]$Time)
    $dir = Split-Path -Parent $Path
    if ($dir -and -not (Test-Path -LiteralPath $dir)) { [void](New-Item -ItemType Directory -Path $dir) }
    $text = 'record=' + $Record.ToString($script:MamoriInvariant) + "`n" +
        'time=' + $Time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", $script:MamoriInvariant) + "`n"
    $tmp = $Path + '.tmp'
    [System.IO.File]::WriteAllText($tmp, $text, (New-Object System.Text.UTF8Encoding($false)))
    Move-Item -LiteralPath $tmp -Destination $Path -Force
}

# Events of our ids since a time, oldest first; none is an empty list, not an error.
function Get-MamoriSecurityEvents {
    param([AllowNull()][object]$Since, [int]$Max)
    $filter = @{ LogName = 'Security'; Id = $eventIds }
    if ($null -ne $Since) { $filter['StartTime'] = ([DateTime]$Since).ToLocalTime() }
    try {
        return @(Get-WinEvent -FilterHashtable $filter -Oldest -MaxEvents $Max)
    } catch {
        if ($_.FullyQualifiedErrorId -like 'NoMatchingEventsFound*') { return @() }
        throw
    }
}

# One event as the JSON line parse_winjson reads: the System fields, then Data with the
# EventData fields by their Name attribute.
function ConvertTo-MamoriEventLine {
    param($Record)
    $xml = [xml]$Record.ToXml()
    $data = New-Object System.Collections.Specialized.OrderedDictionary
    foreach ($d in @($xml.GetElementsByTagName('Data'))) {
        if ($d.ParentNode.LocalName -ne 'EventData') { continue }
        $name = $d.GetAttribute('Name')
        if (-not $name -or $data.Contains($name)) { continue }
        $data[$name] = $d.InnerText
    }
    $row = [ordered]@{
        TimeCreated = $Record.TimeCreated.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", $script:MamoriInvariant)
        Id          = [int]$Record.Id
        MachineName = [string]$Record.MachineName
        RecordId    = [long]$Record.RecordId
    }
    $head = ConvertTo-MamoriJsonRow $row
    $cut = $head.Length - 1   # before the row's closing brace, which ends the line again
    return $head.Substring(0, $cut) + ',"Data":' + (ConvertTo-MamoriJsonRow $data) + $head.Substring($cut)
}

$state = Read-MamoriState $StateFile
$since = $state.Time

# The log was cleared or recreated when its newest record is older than what we sent last:
# start again from its beginning.
try {
    $newestAny = @(Get-WinEvent -LogName Security -MaxEvents 1)
} catch {
    $newestAny = @()
}
if ($newestAny.Count -gt 0 -and [long]$newestAny[0].RecordId -lt $state.Record) {
    Write-Warning ('Security log record numbers restarted (last sent {0}, newest now {1}); reading it from the start' -f $state.Record, $newestAny[0].RecordId)
    $state.Record = [long]0
    $since = $null
}

if ($Evtx) {
    # wevtutil takes XPath; the record number bounds make the export exactly the new events.
    $all = @(Get-MamoriSecurityEvents $since $MaxEvents | Where-Object { [long]$_.RecordId -gt $state.Record })
    if ($all.Count -eq 0) {
        Write-Host ('security-events: no new events since record {0}' -f $state.Record)
        exit 0
    }
    $last = $all[$all.Count - 1]
    $idsXPath = ($eventIds | ForEach-Object { 'EventID=' + $_ }) -join ' or '
    $query = '*[System[({0}) and EventRecordID > {1} and EventRecordID <= {2}]]' -f $idsXPath, $state.Record, $last.RecordId
    & wevtutil.exe epl Security $OutFile "/q:$query" /ow:true
    if ($LASTEXITCODE -ne 0) { throw ('wevtutil epl failed with exit code {0}' -f $LASTEXITCODE) }
    Write-MamoriState $StateFile ([long]$last.RecordId) $last.TimeCreated
    Write-Host ('security-events: {0} events (records {1}-{2}) -> {3}' -f $all.Count, $all[0].RecordId, $last.RecordId, $OutFile)
    exit 0
}

$lines = New-Object System.Collections.ArrayList
$last = $null
foreach ($e in (Get-MamoriSecurityEvents $since $MaxEvents)) {
    if ([long]$e.RecordId -le $state.Record) { continue }   # already sent (same second as last)
    [void]$lines.Add((ConvertTo-MamoriEventLine $e))
    $last = $e
}
if ($null -eq $last) {
    Write-Host ('security-events: no new events since record {0}' -f $state.Record)
    exit 0
}
$utf8 = New-Object System.Text.UTF8Encoding($false)
[System.IO.File]::WriteAllText($OutFile, (($lines -join "`n") + "`n"), $utf8)
# Only once the events are on disk: the next run starts after them.
Write-MamoriState $StateFile ([long]$last.RecordId) $last.TimeCreated
Write-Host ('security-events: {0} events -> {1}' -f $lines.Count, $OutFile)

# Shared by the Mamori Windows collectors (dot-sourced, not run). Windows PowerShell 5.1.
# Every collector writes one UTF-8 JSON file (no BOM) in the envelope
#   {"mamori_collector": KIND, "version": 1, "host": COMPUTERNAME, "taken": ISO-8601 UTC, "rows": [...]}
# Values are enum names, numbers and ISO dates, never text in the UI language, so the same
# script gives the same words on English and Japanese Windows.

Set-StrictMode -Version 2.0

$script:MamoriInvariant = [System.Globalization.CultureInfo]::InvariantCulture

# A JSON value: null, true/false, integers, everything else as an escaped string.
function ConvertTo-MamoriJsonValue {
    param([AllowNull()][object]$Value)
    if ($null -eq $Value) { return 'null' }
    if ($Value -is [bool]) { if ($Value) { return 'true' } else { return 'false' } }
    if ($Value -is [int] -or $Value -is [long] -or $Value -is [uint32] -or $Value -is [int16]) {
        return ([long]$Value).ToString($script:MamoriInvariant)
    }
    $s = [string]$Value
    $sb = New-Object System.Text.StringBuilder
    [void]$sb.Append('"')
    foreach ($ch in $s.ToCharArray()) {
        $c = [int]$ch
        if ($c -eq 34) { [void]$sb.Append('\"') }
        elseif ($c -eq 92) { [void]$sb.Append('\\') }
        elseif ($c -lt 32) { [void]$sb.Append('\u').Append($c.ToString('x4', $script:MamoriInvariant)) }
        else { [void]$sb.Append($ch) }
    }
    [void]$sb.Append('"')
    return $sb.ToString()
}

# One row (an ordered dictionary) as a JSON object.
function ConvertTo-MamoriJsonRow {
    param([System.Collections.IDictionary]$Row)
    $parts = New-Object System.Collections.ArrayList
    foreach ($k in $Row.Keys) {
        [void]$parts.Add((ConvertTo-MamoriJsonValue ([string]$k)) + ':' + (ConvertTo-MamoriJsonValue $Row[$k]))
    }
    return '{' + ($parts -join ',') + '}'
}

# A DateTime as ISO-8601 UTC ("2025-11-20T00:30:00Z"); $null stays $null.
function ConvertTo-MamoriTime {
    param([AllowNull()][object]$When)
    if ($null -eq $When) { return $null }
    return ([DateTime]$When).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $script:MamoriInvariant)
}

# A registry value, or $null when the key or value does not exist.
function Get-MamoriRegValue {
    param([string]$Path, [string]$Name)
    try {
        $item = Get-ItemProperty -LiteralPath $Path -Name $Name -ErrorAction Stop
        return $item.$Name
    } catch {
        return $null
    }
}

# Writes the envelope to OutFile (default .\mamori-KIND-COMPUTERNAME.json) as UTF-8 without BOM.
function Write-MamoriEnvelope {
    param([string]$Kind, [System.Collections.IEnumerable]$Rows, [string]$OutFile)
    $computer = $env:COMPUTERNAME
    if (-not $OutFile) { $OutFile = 'mamori-{0}-{1}.json' -f $Kind, $computer }
    $path = $ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($OutFile)
    $lines = New-Object System.Collections.ArrayList
    foreach ($r in $Rows) { [void]$lines.Add((ConvertTo-MamoriJsonRow $r)) }
    $text = '{"mamori_collector":' + (ConvertTo-MamoriJsonValue $Kind) +
        ',"version":1,"host":' + (ConvertTo-MamoriJsonValue $computer) +
        ',"taken":' + (ConvertTo-MamoriJsonValue (ConvertTo-MamoriTime ([DateTime]::UtcNow))) +
        ',"rows":[' + "`n" + ($lines -join ",`n") + "`n]}`n"
    $utf8 = New-Object System.Text.UTF8Encoding($false)
    [System.IO.File]::WriteAllText($path, $text, $utf8)
    Write-Host ('{0}: {1} rows -> {2}' -f $Kind, $lines.Count, $path)
}

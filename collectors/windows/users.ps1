<#
.SYNOPSIS
  Mamori collector: local user accounts, and Active Directory users when the ActiveDirectory
  module is installed (checklist 2-4, 2-5).
.DESCRIPTION
  Rows (accounts): system ("local:COMPUTERNAME" or "ad:DOMAIN"), login, enabled, last_logon
  (ISO-8601 UTC or null), admin, mfa (null: not known from Windows), shared (null).
  Administrators are found by the well-known SID S-1-5-32-544, never by the group's name, which
  differs by language. Run as Administrator. Writes mamori-accounts-COMPUTERNAME.json.
.EXAMPLE
  powershell -NoProfile -ExecutionPolicy Bypass -File users.ps1
#>
[CmdletBinding()]
param([string]$OutFile = '', [switch]$NoActiveDirectory)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'mamori-common.ps1')

$AdministratorsSid = 'S-1-5-32-544'
$computer = $env:COMPUTERNAME

# SIDs of the direct members of the local Administrators group.
function Get-LocalAdminSids {
    $sids = @{}
    try {
        foreach ($m in @(Get-LocalGroupMember -SID $AdministratorsSid)) { $sids[$m.SID.Value] = $true }
    } catch {
        # Get-LocalGroupMember fails when the group holds an orphaned SID; read it through ADSI,
        # naming the group by translating its SID (so the local-language name is never typed).
        $sid = New-Object System.Security.Principal.SecurityIdentifier($AdministratorsSid)
        $name = $sid.Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
        $group = [ADSI]('WinNT://{0}/{1},group' -f $computer, $name)
        foreach ($m in @($group.Invoke('Members'))) {
            $bytes = $m.GetType().InvokeMember('objectSid', 'GetProperty', $null, $m, $null)
            $sids[(New-Object System.Security.Principal.SecurityIdentifier($bytes, 0)).Value] = $true
        }
    }
    return $sids
}

$rows = New-Object System.Collections.ArrayList
$admins = Get-LocalAdminSids
foreach ($u in @(Get-LocalUser)) {
    [void]$rows.Add([ordered]@{
        system     = 'local:' + $computer
        login      = $u.Name
        enabled    = [bool]$u.Enabled
        last_logon = ConvertTo-MamoriTime $u.LastLogon
        admin      = $admins.ContainsKey($u.SID.Value)
        mfa        = $null
        shared     = $null
    })
}

if (-not $NoActiveDirectory -and (Get-Module -ListAvailable -Name ActiveDirectory)) {
    try {
        Import-Module ActiveDirectory
        $domain = Get-ADDomain
        $adAdmins = @{}
        foreach ($m in @(Get-ADGroupMember -Identity $AdministratorsSid -Recursive)) { $adAdmins[$m.SID.Value] = $true }
        foreach ($u in @(Get-ADUser -Filter * -Properties LastLogonTimestamp)) {
            $last = $null
            if ($u.LastLogonTimestamp) { $last = ConvertTo-MamoriTime ([DateTime]::FromFileTimeUtc([long]$u.LastLogonTimestamp)) }
            [void]$rows.Add([ordered]@{
                system     = 'ad:' + $domain.DNSRoot
                login      = $u.SamAccountName
                enabled    = [bool]$u.Enabled
                last_logon = $last
                admin      = $adAdmins.ContainsKey($u.SID.Value)
                mfa        = $null
                shared     = $null
            })
        }
    } catch {
        Write-Warning ('Active Directory users were not read: {0}' -f $_.Exception.Message)
    }
}
Write-MamoriEnvelope -Kind 'accounts' -Rows $rows -OutFile $OutFile

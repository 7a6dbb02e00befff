#!/usr/bin/env python3
"""Writes a realistic access-log corpus for bench/bench_logs.sh: RFC 3164 sshd lines (accepted,
failed, invalid users, session close), CRON noise and FortiGate SSL-VPN key=value lines, from
a small hospital's worth of users, hosts and addresses, one second apart on average. Staff
accounts are busy (each shows up every few minutes); one vendor maintenance account
(`vendor-maint`, from 198.51.100.20) logs in rarely: about one line in 20,000, the kind of
account an audit asks about. Its lines replace lines of the main stream, which stays the same.
Usage: gen_logs.py COUNT OUT  (COUNT is capped at 20,000,000)."""
import datetime
import random
import sys

n = min(int(sys.argv[1]), 20_000_000)
rnd = random.Random(42)
users = ["yamada", "sato", "suzuki", "takahashi", "tanaka", "ito", "watanabe", "nakamura",
         "kobayashi", "kato", "yoshida", "yamamoto", "sasaki", "yamaguchi", "matsumoto"]
users += ["staff%03d" % i for i in range(400)]
hosts = ["srv-emr01", "srv-emr02", "srv-pacs01", "srv-lab01", "srv-web01", "dc01", "fs01"]
months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
start = datetime.datetime(2025, 1, 1)  # the bench sets MAMORI_NOW after the corpus ends
t = 0
with open(sys.argv[2], "w") as f:
    for i in range(n):
        t += rnd.randint(0, 2)
        d = start + datetime.timedelta(seconds=t)
        ts = "%s %2d %02d:%02d:%02d" % (months[d.month - 1], d.day, d.hour, d.minute, d.second)
        h = rnd.choice(hosts)
        u = rnd.choice(users)
        ip = "192.168.%d.%d" % (rnd.randint(1, 40), rnd.randint(2, 254))
        port = rnd.randint(40000, 65000)
        pid = rnd.randint(1000, 60000)
        r = rnd.random()
        if r < 0.30:
            line = "%s %s sshd[%d]: Accepted password for %s from %s port %d ssh2" % (ts, h, pid, u, ip, port)
        elif r < 0.50:
            line = "%s %s sshd[%d]: Failed password for %s from %s port %d ssh2" % (ts, h, pid, u, ip, port)
        elif r < 0.55:
            line = "%s %s sshd[%d]: Failed password for invalid user %s from 203.0.113.%d port %d ssh2" % (
                ts, h, pid, rnd.choice(["admin", "root", "oracle", "test"]), rnd.randint(1, 254), port)
        elif r < 0.70:
            line = "%s %s sshd[%d]: pam_unix(sshd:session): session closed for user %s" % (ts, h, pid, u)
        elif r < 0.85:
            line = "%s %s CRON[%d]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)" % (ts, h, pid)
        else:
            line = ('<189>date=%04d-%02d-%02d time=%02d:%02d:%02d devname="FGT60F-HOSP" devid="FGT60FTK22090001" '
                    'logid="0101039424" type="event" subtype="vpn" level="information" vd="root" '
                    'action="tunnel-up" remip=198.51.100.%d user="%s" group="vpn-staff"') % (
                d.year, d.month, d.day, d.hour, d.minute, d.second, rnd.randint(1, 254), u)
        if i % 20011 == 10007:  # the rare account (the main stream above is unchanged)
            line = "%s %s sshd[%d]: Accepted password for vendor-maint from 198.51.100.20 port %d ssh2" % (
                ts, "srv-pacs01", pid, port)
        f.write(line + "\n")

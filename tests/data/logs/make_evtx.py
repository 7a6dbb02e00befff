#!/usr/bin/env python3
"""Writes small Windows XML Event Log (.evtx) files for Mamori's tests.

We cannot download real Security.evtx samples here, so this writes the format itself,
following the published description of EVTX (libevtx's "Windows XML Event Log (EVTX)
format" document: file header, 64 KiB chunks with CRC32s, event records holding binary XML
with template definitions shared within a chunk and typed substitution values), the way
Windows lays out Security events:
<Event><System>…</System><EventData><Data Name="…">…</Data>…</EventData>.

Usage: make_evtx.py OUT.evtx [--per-chunk N]   (the built-in sample events)
       or import it and call write_evtx(path, events, per_chunk).
An event is a dict: id, record, time (ISO-8601 UTC "2025-11-20T00:15:02.123Z"), computer,
and data: a list of (name, value) where value is str (string), or ("u32", int) /
("hex32", int) for typed values as Windows writes LogonType and Status.
"""
import struct
import sys
import uuid
import zlib
from datetime import datetime, timezone

CHUNK = 65536
HEADER_BLOCK = 4096

# Value types (binary XML substitutions).
T_NULL, T_STRING, T_UINT8, T_UINT16, T_UINT32, T_UINT64 = 0x00, 0x01, 0x04, 0x06, 0x08, 0x0A
T_FILETIME, T_HEX32 = 0x11, 0x14


def name_hash(s):
    h = 0
    for ch in s:
        h = (h * 65599 + ord(ch)) & 0xFFFFFFFF
    return h & 0xFFFF


class Chunk:
    """Binary XML is written with offsets relative to the chunk start."""

    def __init__(self):
        self.buf = bytearray(512)
        self.templates = {}  # (id, field names, value types) -> offset of its definition

    def pos(self):
        return len(self.buf)


class Writer:
    def __init__(self, chunk, base):
        self.c = chunk
        self.out = bytearray()
        self.base = base  # chunk offset where self.out starts

    def here(self):
        return self.base + len(self.out)

    def u8(self, v):
        self.out += struct.pack("<B", v)

    def u16(self, v):
        self.out += struct.pack("<H", v)

    def u32(self, v):
        self.out += struct.pack("<I", v)

    def name(self, s):
        # name offset pointing just past itself: the name is stored inline
        self.u32(self.here() + 4)
        enc = s.encode("utf-16-le")
        self.u32(0)
        self.u16(name_hash(s))
        self.u16(len(s))
        self.out += enc + b"\0\0"

    def element(self, name, attrs, content):
        """attrs: list of (name, ('text', str) | ('sub', id, type)); content: list of
        ('elem', …) tuples, ('text', str) or ('sub', id, type), or None for an empty element."""
        start = len(self.out)
        self.u8(0x41 if attrs else 0x01)
        self.u16(0xFFFF)  # dependency identifier: not set
        size_at = len(self.out)
        self.u32(0)
        self.name(name)
        if attrs:
            list_at = len(self.out)
            self.u32(0)
            for i, (an, av) in enumerate(attrs):
                self.u8(0x46 if i + 1 < len(attrs) else 0x06)
                self.name(an)
                self.value(av)
            struct.pack_into("<I", self.out, list_at, len(self.out) - list_at - 4)
        if content is None:
            self.u8(0x03)  # close empty element
        else:
            self.u8(0x02)  # close start element
            for item in content:
                if item[0] == "elem":
                    self.element(*item[1:])
                else:
                    self.value(item)
            self.u8(0x04)  # end element
        struct.pack_into("<I", self.out, size_at, len(self.out) - start - 7)

    def value(self, v):
        if v[0] == "text":
            s = v[1]
            self.u8(0x05)
            self.u8(T_STRING)
            self.u16(len(s))
            self.out += s.encode("utf-16-le")
        else:
            _, sid, typ = v
            self.u8(0x0E)  # optional substitution
            self.u16(sid)
            self.u8(typ)


def filetime(iso):
    dt = datetime.strptime(iso.replace("Z", "+0000"), "%Y-%m-%dT%H:%M:%S.%f%z")
    epoch = datetime(1601, 1, 1, tzinfo=timezone.utc)
    delta = dt - epoch
    return (delta.days * 86400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


def typed(v):
    """(type, bytes) of a substitution value."""
    if isinstance(v, tuple):
        kind, n = v
        if kind == "u32":
            return T_UINT32, struct.pack("<I", n)
        if kind == "hex32":
            return T_HEX32, struct.pack("<I", n)
        if kind == "u16":
            return T_UINT16, struct.pack("<H", n)
        if kind == "u64":
            return T_UINT64, struct.pack("<Q", n)
        if kind == "u8":
            return T_UINT8, struct.pack("<B", n)
        if kind == "filetime":
            return T_FILETIME, struct.pack("<Q", n)
        raise ValueError(kind)
    return T_STRING, v.encode("utf-16-le")


def record_xml(chunk, base, ev):
    """Binary XML of one event: fragment header, template instance, then the substitution
    values. The first event of a shape in a chunk carries the template definition inline; later
    ones point back at it, as Windows does."""
    values = [
        ("u16", ev["id"]),
        ("u8", 0),
        ("filetime", filetime(ev["time"])),
        ("u64", ev["record"]),
        ev["computer"],
    ] + [v for _, v in ev["data"]]
    types = [typed(v)[0] for v in values]
    w = Writer(chunk, base)
    w.out += b"\x0f\x01\x01\x00"  # fragment header
    w.u8(0x0C)  # template instance
    w.u8(0x01)
    w.u32(ev["id"])  # template identifier (any number)
    key = (ev["id"], tuple(n for n, _ in ev["data"]), tuple(types))
    if key in chunk.templates:
        w.u32(chunk.templates[key])  # defined earlier in this chunk
        return bytes(w.out) + instance_data(values, types)
    chunk.templates[key] = w.here() + 4
    w.u32(w.here() + 4)  # definition follows inline
    w.u32(0)  # next template definition
    w.out += uuid.uuid5(uuid.NAMESPACE_OID, "mamori-%d-%d" % (ev["id"], len(ev["data"]))).bytes_le
    size_at = len(w.out)
    w.u32(0)
    def_start = len(w.out)
    w.out += b"\x0f\x01\x01\x00"
    system = [
        ("elem", "Provider", [("Name", ("text", "Microsoft-Windows-Security-Auditing"))], None),
        ("elem", "EventID", [], [("sub", 0, types[0])]),
        ("elem", "Level", [], [("sub", 1, types[1])]),
        ("elem", "TimeCreated", [("SystemTime", ("sub", 2, types[2]))], None),
        ("elem", "EventRecordID", [], [("sub", 3, types[3])]),
        ("elem", "Channel", [], [("text", "Security")]),
        ("elem", "Computer", [], [("sub", 4, types[4])]),
    ]
    data = [
        ("elem", "Data", [("Name", ("text", n))], [("sub", 5 + i, types[5 + i])])
        for i, (n, _) in enumerate(ev["data"])
    ]
    w.element(
        "Event",
        [("xmlns", ("text", "http://schemas.microsoft.com/win/2004/08/events/event"))],
        [("elem", "System", [], system), ("elem", "EventData", [], data)],
    )
    w.u8(0x00)  # end of the template's fragment
    struct.pack_into("<I", w.out, size_at, len(w.out) - def_start)
    return bytes(w.out) + instance_data(values, types)


def instance_data(values, types):
    """The template instance's values: count, descriptors (size, type), the values, then the end
    of the record's document."""
    blobs = [typed(v)[1] for v in values]
    out = struct.pack("<I", len(values))
    for t, b in zip(types, blobs):
        out += struct.pack("<HBB", len(b), t, 0)
    return out + b"".join(blobs) + b"\x00"


def write_evtx(path, events, per_chunk=8):
    chunks = []
    for i in range(0, len(events), per_chunk):
        group = events[i : i + per_chunk]
        c = Chunk()
        last_off = 512
        for ev in group:
            off = c.pos()
            xml = record_xml(c, off + 24, ev)
            size = 24 + len(xml) + 4
            rec = struct.pack("<4sIQQ", b"\x2a\x2a\x00\x00", size, ev["record"], filetime(ev["time"]))
            rec += xml + struct.pack("<I", size)
            if off + len(rec) > CHUNK:
                raise ValueError("too many events for one chunk; lower per_chunk")
            c.buf += rec
            last_off = off
        free = c.pos()
        hdr = bytearray(c.buf[:512])
        struct.pack_into(
            "<8sQQQQIII",
            hdr,
            0,
            b"ElfChnk\0",
            group[0]["record"],
            group[-1]["record"],
            group[0]["record"],
            group[-1]["record"],
            128,
            last_off,
            free,
        )
        struct.pack_into("<I", hdr, 52, zlib.crc32(bytes(c.buf[512:free])))
        struct.pack_into("<I", hdr, 124, zlib.crc32(bytes(hdr[:120]) + bytes(hdr[128:512])))
        body = bytes(hdr) + bytes(c.buf[512:])
        chunks.append(body + b"\0" * (CHUNK - len(body)))
    fh = bytearray(HEADER_BLOCK)
    struct.pack_into(
        "<8sQQQIHHHH",
        fh,
        0,
        b"ElfFile\0",
        0,
        len(chunks) - 1,
        events[-1]["record"] + 1,
        128,
        1,
        3,
        HEADER_BLOCK,
        len(chunks),
    )
    struct.pack_into("<I", fh, 124, zlib.crc32(bytes(fh[:120])))
    with open(path, "wb") as f:
        f.write(bytes(fh) + b"".join(chunks))


def sample_events():
    """One event of each id the Security parser maps, and one it does not (4688)."""
    dom = "HOSP"
    rows = [
        (4624, "2025-11-20T00:15:02.123Z", [("SubjectUserName", "DC01$"), ("TargetUserName", "yamada"),
                                            ("TargetDomainName", dom), ("LogonType", ("u32", 10)),
                                            ("IpAddress", "192.168.10.23"), ("IpPort", "50122")]),
        (4625, "2025-11-20T00:16:10.000Z", [("TargetUserName", "admin"), ("TargetDomainName", dom),
                                            ("Status", ("hex32", 0xC000006D)), ("SubStatus", ("hex32", 0xC0000064)),
                                            ("LogonType", ("u32", 3)), ("IpAddress", "203.0.113.50")]),
        (4634, "2025-11-20T02:30:00.000Z", [("TargetUserName", "yamada"), ("TargetDomainName", dom),
                                            ("LogonType", ("u32", 10))]),
        (4648, "2025-11-20T01:00:00.000Z", [("SubjectUserName", "sato"), ("TargetUserName", "Administrator"),
                                            ("TargetServerName", "srv-emr01"), ("IpAddress", "::ffff:192.168.10.41")]),
        (4720, "2025-11-20T03:00:00.000Z", [("TargetUserName", "vendor-new"), ("TargetDomainName", dom),
                                            ("SubjectUserName", "it-admin")]),
        (4722, "2025-11-20T03:00:01.000Z", [("TargetUserName", "vendor-new"), ("SubjectUserName", "it-admin")]),
        (4725, "2025-11-20T03:10:00.000Z", [("TargetUserName", "retired1"), ("SubjectUserName", "it-admin")]),
        (4726, "2025-11-20T03:11:00.000Z", [("TargetUserName", "retired1"), ("SubjectUserName", "it-admin")]),
        (4732, "2025-11-20T03:12:00.000Z", [("MemberName", "CN=Vendor New,OU=Vendors,DC=hosp,DC=local"),
                                            ("MemberSid", "S-1-5-21-1-2-3-1105"), ("TargetUserName", "Administrators"),
                                            ("SubjectUserName", "it-admin")]),
        (4740, "2025-11-20T04:00:00.000Z", [("TargetUserName", "tanaka"), ("TargetDomainName", "WS-NURSE07"),
                                            ("SubjectUserName", "DC01$")]),
        (4768, "2025-11-20T04:10:00.000Z", [("TargetUserName", "ito"), ("Status", ("hex32", 0)),
                                            ("IpAddress", "::ffff:192.168.10.31")]),
        (4768, "2025-11-20T04:11:00.000Z", [("TargetUserName", "ito"), ("Status", ("hex32", 0x18)),
                                            ("IpAddress", "::ffff:192.168.10.31")]),
        (4771, "2025-11-20T04:12:00.000Z", [("TargetUserName", "ito"), ("Status", ("hex32", 0x18)),
                                            ("IpAddress", "::ffff:192.168.10.31")]),
        (4776, "2025-11-20T04:13:00.000Z", [("TargetUserName", "suzuki"), ("Workstation", "WS-NURSE07"),
                                            ("Status", ("hex32", 0xC000006A))]),
        (4688, "2025-11-20T04:14:00.000Z", [("SubjectUserName", "suzuki"), ("NewProcessName", "C:\\Windows\\notepad.exe")]),
        (4624, "2025-11-20T05:00:00.000Z", [("TargetUserName", "鈴木"), ("TargetDomainName", dom),
                                            ("LogonType", ("u32", 2)), ("IpAddress", "-")]),
    ]
    return [
        {"id": i, "record": 1001 + n, "time": t, "computer": "DC01.hosp.local", "data": d}
        for n, (i, t, d) in enumerate(rows)
    ]


def main(argv):
    if len(argv) < 2:
        sys.stderr.write("usage: make_evtx.py OUT.evtx [--per-chunk N]\n")
        return 2
    per = 8
    if "--per-chunk" in argv:
        per = int(argv[argv.index("--per-chunk") + 1])
    write_evtx(argv[1], sample_events(), per)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

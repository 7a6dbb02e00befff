"""A small RELP client written for the tests (the protocol: frames "TXNR SP COMMAND SP DATALEN
[SP DATA] LF"; the client opens a session, sends syslog frames and reads each "rsp" reply).
It records which messages the server acknowledged with "200", so a test can check that every
acknowledged message was stored exactly once."""
import socket


class RelpError(Exception):
    pass


class RelpClient:
    def __init__(self, host, port, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.txnr = 0
        self.acked = []
        t = self._send(b"open", b"relp_version=0\nrelp_software=mamori-test\ncommands=syslog")
        txnr, data = self._read_rsp()
        if txnr != t or not data.startswith(b"200"):
            raise RelpError("open refused: %r" % data)

    def _send(self, cmd, data):
        self.txnr += 1
        frame = b"%d %s %d" % (self.txnr, cmd, len(data))
        if data:
            frame += b" " + data
        self.sock.sendall(frame + b"\n")
        return self.txnr

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise RelpError("connection closed by the server")
        self.buf += chunk

    def _read_frame(self):
        # header: three space-separated fields; DATALEN may be followed by LF when it is 0
        for _ in range(100000):
            parts = self.buf.split(b" ", 2)
            if len(parts) == 3:
                digits = b""
                for ch in parts[2]:
                    if 48 <= ch <= 57:
                        digits += bytes([ch])
                    else:
                        break
                rest = parts[2][len(digits):]
                if digits and rest:
                    n = int(digits)
                    head = len(parts[0]) + len(parts[1]) + 2 + len(digits)
                    need = head + (n + 1 if n else 0) + 1
                    if len(self.buf) >= need:
                        data = self.buf[head + 1:head + 1 + n] if n else b""
                        if self.buf[need - 1:need] != b"\n":
                            raise RelpError("frame without its LF trailer")
                        self.buf = self.buf[need:]
                        return int(parts[0]), parts[1], data
            self._fill()
        raise RelpError("frame too long")

    def _read_rsp(self):
        txnr, cmd, data = self._read_frame()
        if cmd != b"rsp":
            raise RelpError("expected rsp, got %r" % cmd)
        return txnr, data

    def syslog(self, msg):
        """Sends one message and waits for its reply; True when it was acknowledged."""
        t = self._send(b"syslog", msg)
        txnr, data = self._read_rsp()
        if txnr != t:
            raise RelpError("reply for %d, expected %d" % (txnr, t))
        if data.startswith(b"200"):
            self.acked.append(msg)
            return True
        return False

    def close(self):
        try:
            self._send(b"close", b"")
            self._read_rsp()
        except (RelpError, OSError):
            pass
        self.sock.close()

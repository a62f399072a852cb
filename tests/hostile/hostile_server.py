"""A hostile platform: a real HTTP server on 127.0.0.1 that misbehaves in one chosen way.

Every platform client and the LLM client are pointed at it (tests/hostile/); each case must end
within its deadline with a classified error and no traceback (issue 12). The server speaks raw
sockets so it can do what no well-behaved framework would: dribble bytes, never answer, promise
ten gigabytes.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time

JSON = "application/json"
# name -> what the server does after reading a request
CASES = {
    "slowloris": "status line and headers one byte every 0.2 s, forever",
    "slow-body": "headers at once, then a JSON body one byte every 0.2 s, forever",
    "idle": "accepts the connection and never says anything (a browser preconnect, a stuck proxy)",
    "huge-body": "200 JSON with no length, then bytes as fast as the socket takes them",
    "huge-declared": "200 JSON announcing Content-Length: 10 GB, then bytes",
    "html-200": "200 with an HTML page (a captive portal, a login wall)",
    "html-502": "502 with a proxy's HTML error page",
    "truncated-json": "200 JSON whose body stops mid-object (a complete HTTP message)",
    "cut-body": "200 JSON announcing 400 bytes, sending 20, closing the connection",
    "redirect": "302 to another host",
}
# Cases only the LLM client meets (a platform check may not read the fields it would lack).
LLM_CASES = {
    "wrong-shape": "200 JSON that is not a chat completion",
    "empty-choices": "200 chat completion with no choices",
}
HUGE_LIMIT = 256 * 1024 * 1024  # the server gives up after this much, whatever the client does


class HostileServer:
    """`with HostileServer("slowloris") as s: s.url` — one case, one port, one thread per peer."""

    def __init__(self, case: str, *, interval: float = 0.2) -> None:
        if case not in CASES and case not in LLM_CASES:
            raise ValueError(f"unknown case {case!r}")
        self.case = case
        self.interval = interval
        self.requests = 0  # requests read (an idle connection counts as one)
        self._stop = threading.Event()
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._peers: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._acceptor = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> HostileServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._acceptor.join(2)
        with self._lock:
            peers = list(self._peers)
        for peer in peers:
            with contextlib.suppress(OSError):
                peer.shutdown(socket.SHUT_RDWR)
            peer.close()
        for t in self._threads:
            t.join(2)
        self._sock.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                peer, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self._peers.append(peer)
            t = threading.Thread(target=self._serve, args=(peer,), daemon=True)
            self._threads.append(t)
            t.start()

    def _serve(self, peer: socket.socket) -> None:
        peer.settimeout(5)
        with contextlib.suppress(OSError):
            while not self._stop.is_set():
                if self.case == "idle":
                    self.requests += 1
                    self._stop.wait()
                    return
                if not self._read_request(peer):
                    return
                self.requests += 1
                if not self._answer(peer):
                    peer.shutdown(socket.SHUT_WR)  # the answer ends here, cut or not
                    return

    def _read_request(self, peer: socket.socket) -> bool:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = peer.recv(65536)
            if not chunk:
                return False
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        while len(body) < length:
            chunk = peer.recv(65536)
            if not chunk:
                return False
            body += chunk
        return True

    def _answer(self, peer: socket.socket) -> bool:
        """Misbehave; True when the connection may carry another request."""
        case = self.case
        if case == "slowloris":
            self._dribble(peer, b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" * 1000)
            return False
        if case == "slow-body":
            peer.sendall(_head(200, JSON, 100_000))
            self._dribble(peer, b'{"data": {"id": "' + b"1" * 99_000)
            return False
        if case in ("huge-body", "huge-declared"):
            length = 10 * 1024**3 if case == "huge-declared" else None
            peer.sendall(_head(200, JSON, length, close=length is None))
            block = b'{"data": [' + b"0," * 512 * 1024
            sent = 0
            while sent < HUGE_LIMIT and not self._stop.is_set():
                peer.sendall(block)
                sent += len(block)
            return False
        if case == "cut-body":
            peer.sendall(_head(200, JSON, 400) + b'{"data": {"id": "123')
            return False
        body, ctype, status, extra = _SIMPLE[case]
        peer.sendall(_head(status, ctype, len(body), extra=extra) + body)
        return True

    def _dribble(self, peer: socket.socket, data: bytes) -> None:
        for i in range(len(data)):
            if self._stop.wait(self.interval):
                return
            peer.sendall(data[i : i + 1])


_PORTAL = b"<!doctype html><html><head><title>Sign in</title></head><body>Wi-Fi login</body></html>"
_PROXY = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></html>"
_SIMPLE: dict[str, tuple[bytes, str, int, tuple[tuple[str, str], ...]]] = {
    "html-200": (_PORTAL, "text/html; charset=utf-8", 200, ()),
    "html-502": (_PROXY, "text/html", 502, ()),
    "truncated-json": (b'{"data": {"id": "12', JSON, 200, ()),
    "redirect": (b"", "text/plain", 302, (("Location", "http://elsewhere.invalid/steal"),)),
    "wrong-shape": (b'{"hello": ["not", "a", "completion"]}', JSON, 200, ()),
    "empty-choices": (
        b'{"id": "c1", "object": "chat.completion", "created": 1, "model": "m", "choices": []}',
        JSON,
        200,
        (),
    ),
}

_REASONS = {200: "OK", 302: "Found", 502: "Bad Gateway"}


def _head(
    status: int,
    ctype: str,
    length: int | None,
    *,
    close: bool = False,
    extra: tuple[tuple[str, str], ...] = (),
) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}", f"Content-Type: {ctype}"]
    if length is not None:
        lines.append(f"Content-Length: {length}")
    if close:
        lines.append("Connection: close")
    lines.extend(f"{k}: {v}" for k, v in extra)
    lines.append(f"Date: {time.strftime('%a, %d %b %Y %H:%M:%S GMT', time.gmtime())}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()

"""One HTTP server on 127.0.0.1 for every platform, and `Sandbox`, its in-process handle.

Paths: `/<platform>/...` with platform `x` (alias `twitter`), `linkedin`, `hubspot`, `ga`
(alias `google-analytics`) and `sendgrid`, so `MKTD_TWITTER_BASE_URL=http://127.0.0.1:PORT/x`
sends `POST /2/tweets` to `/x/2/tweets`; OAuth at `/oauth/<platform>/authorize|token|revoke`;
the inspection API under `/_sandbox/` (state, requests, reset, faults, clock, env).

Each request is read in full, routed to a route name (`x.create`, `hubspot.upsert`...),
checked against the fault rules, handled by the emulator under its lock, and counted. Faults
that act on the network (hold, reset, close) happen here, outside the lock.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mktdirector.sandbox import env as sbenv
from mktdirector.sandbox import faults as F
from mktdirector.sandbox.base import Request, Response, SandboxError, json_response
from mktdirector.sandbox.emulator import INSPECT, Emulator

LOOPBACK = "127.0.0.1"
MAX_BODY = 64 * 1024 * 1024


def _rst(sock: socket.socket) -> None:
    """Close with a TCP reset (SO_LINGER 0) instead of a clean FIN."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mktd-sandbox"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Request lines go through the emulator's log callback, not stderr."""

    def do_GET(self) -> None:
        # A platform's cap on simultaneous connections (Mailchimp: 10 per key) holds around
        # the whole request, fault delays included; past it the platform's 429 answers.
        emu = self.server.emu
        with emu.connection(self.path, dict(self.headers.items())) as refused:
            if refused is None:
                self._dispatch()
                return
            self.close_connection = True  # the body was not read
            path = urlsplit(self.path).path
            emu.count(
                emu.resolve(self.command, path)[4], "429", time.monotonic(), path, self.command
            )
            self._send(refused)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _host_ok(self) -> bool:
        # A page in a browser must not reach the sandbox by DNS rebinding: the Host header has
        # to name the loopback address itself.
        host = (self.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        return host in ("127.0.0.1", "localhost")

    def _read_body(self) -> bytes | None:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        if length > MAX_BODY:
            return None
        return self.rfile.read(length) if length else b""

    def _send(self, resp: Response) -> None:
        reason = self.responses.get(resp.status, ("",))[0]
        head = f"{self.protocol_version} {resp.status} {reason}\r\n"
        head += "".join(f"{k}: {v}\r\n" for k, v in resp.header_block()) + "\r\n"
        # Head and body in one write: two small segments would meet the client's delayed ACK
        # (Nagle) and cost ~40 ms per request.
        body = resp.body if self.command != "HEAD" else b""
        self.wfile.write(head.encode("latin-1") + body)
        self.wfile.flush()

    def _drop(self, *, reset: bool) -> None:
        """End the connection without an answer (a reset or a clean close)."""
        self.close_connection = True
        try:
            if reset:
                _rst(self.connection)
            else:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.rfile.close()
        self.wfile.close()
        self.connection.close()

    def _dispatch(self) -> None:
        emu = self.server.emu
        started = time.monotonic()
        parts = urlsplit(self.path)
        if not self._host_ok():
            self._send(json_response(421, {"error": "the sandbox answers only 127.0.0.1"}))
            return
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        if body is None:
            self._send(json_response(413, {"error": "request body too large or unreadable"}))
            return
        if parts.path.startswith(f"/{INSPECT}/") or parts.path in ("/", ""):
            req = Request(self.command, parts.path, parts.query, headers, body, self.path)
            self._send(emu.inspect(self.command, parts.path, req))
            return
        mod, route, params, sub, name = emu.resolve(self.command, parts.path)
        req = Request(self.command, sub, parts.query, headers, body, self.path)
        platform = name.partition(".")[0]
        plan = emu.faults.plan(name)
        if plan.delay:
            emu.sleep(plan.delay)
        act = plan.action
        if act is not None and act.kind in ("reset", "close", "timeout"):
            # Counted before the hold, so a test sees it while the client is still waiting.
            emu.count(name, act.kind, started, parts.path, self.command)
            if act.kind == "timeout":
                emu.sleep(act.seconds)
            self._drop(reset=act.kind == "reset")
            return
        if act is not None and not act.after:
            resp = emu.fault_response(mod, act, platform)
        elif route is None:
            resp = emu.not_found(mod, name, self.command, parts.path)
        else:
            resp = emu.call(mod, route, req, params)  # type: ignore[arg-type]
        if plan.delay_after:
            emu.sleep(plan.delay_after)  # the work is done (and committed); the answer waits
        if act is not None and act.kind == "truncate":
            resp = Response(resp.status, resp.body[: len(resp.body) // 2], resp.headers)
        elif act is not None and act.kind == "status-after":
            resp = emu.fault_response(mod, F.Action("status", status=act.status), platform)
        elif act is not None and act.after:  # the work is done; the answer never comes
            kind = {"reset-after": "reset", "close-after": "close"}.get(act.kind, "timeout")
            emu.count(name, f"{kind}-after-{resp.status}", started, parts.path, self.command)
            if act.kind == "timeout-after-create":
                emu.sleep(act.seconds)
            self._drop(reset=act.kind == "reset-after")
            return
        emu.count(name, str(resp.status), started, parts.path, self.command)
        self._send(resp)


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a held (faulted) request must not keep the process alive
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, port: int, emu: Emulator) -> None:
        self.emu = emu
        super().__init__((LOOPBACK, port), _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, kill -9 mid-request) are routine here, not errors.
        pass


class Sandbox:
    """The sandbox in this process: `with Sandbox(port=0, state_dir=d) as sb: sb.url`."""

    def __init__(
        self,
        port: int = 0,
        state_dir: Path | str | None = None,
        faults: str | None = None,
        *,
        host: str = LOOPBACK,
        seed: int = 0,
        limits: Mapping[str, tuple[int, float]] | None = None,
        clock: Callable[[], float] = time.time,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if host not in (LOOPBACK, "localhost"):
            raise SandboxError(
                f"The sandbox listens on {LOOPBACK} only; refusing to bind {host!r} "
                "(it accepts any dev token and has an unauthenticated inspection API)."
            )
        F.parse(faults)  # refuse a bad spec before anything is created
        self._tmp: Any = None
        if state_dir is None:
            import tempfile

            self._tmp = tempfile.TemporaryDirectory(prefix="mktd-sandbox-")
            state_dir = self._tmp.name
        self.state_dir = Path(state_dir).expanduser()
        self.requested_port = port
        self.emu = Emulator(
            self.state_dir, faults=faults, seed=seed, limits=limits, clock=clock, log=log
        )
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise SandboxError("the sandbox is not started")
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> Sandbox:
        try:
            self._server = _Server(self.requested_port, self.emu)
        except OSError as e:
            raise SandboxError(
                f"Cannot listen on {LOOPBACK}:{self.requested_port}: {e.strerror or e}."
            ) from None
        self.emu.base_url = self.url
        sbenv.write_service_account(self.state_dir, f"{self.url}/oauth/ga/token")
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},  # stop() waits at most this long
            name="mktd-sandbox",
            daemon=True,
        )
        self._thread.start()
        (self.state_dir / "server.json").write_text(json.dumps({"url": self.url}))
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self.emu.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        (self.state_dir / "server.json").unlink(missing_ok=True)
        self.emu.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # conveniences for tests ----------------------------------------------------------------
    def env(self, *, tokens: bool = True) -> dict[str, str]:
        """The environment pointing mktd at this sandbox (see `sandbox_env`)."""
        return sbenv.sandbox_env(self.url, self.state_dir, tokens=tokens)

    def state(self) -> dict[str, Any]:
        """What `GET /_sandbox/state` answers."""
        return self.emu.snapshot()

    def set_faults(self, spec: str | None) -> None:
        self.emu.faults.replace(spec)

    def reset(self) -> None:
        self.emu.reset()

    def advance(self, seconds: float) -> None:
        """Move the sandbox clock forward (posts age, tokens expire, windows roll)."""
        self.emu.set_offset(self.emu._offset + seconds)

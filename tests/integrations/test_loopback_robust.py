"""The OAuth loopback callback survives idle and rude connections (issue 12 item 2b).

A browser preconnects (opens a socket and sends nothing); the old single-threaded server with no
socket timeout sat on that socket, so the real callback waited ~20 s, then a raw BrokenPipeError
traceback was printed. Each test runs the server in this process and gives itself a deadline
with a thread join, so the old server fails the test instead of hanging it.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mktdirector.integrations.oauth import loopback
from mktdirector.integrations.oauth.loopback import LoopbackServer

STATE = "s" * 43


def _within(limit: float, fn: Callable[[], Any]) -> Any:
    out: dict[str, Any] = {}

    def run() -> None:
        try:
            out["value"] = fn()
        except BaseException as e:  # noqa: BLE001 - handed back to the test
            out["error"] = e

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(limit)
    assert not t.is_alive(), f"not done after {limit} s"
    if "error" in out:
        raise out["error"]
    return out.get("value")


def _callback(port: int) -> httpx.Response:
    url = f"http://127.0.0.1:{port}/callback?code=the-code&state={STATE}"
    return httpx.get(url, timeout=5)


def test_an_idle_connection_does_not_delay_the_real_callback() -> None:
    with LoopbackServer(0, STATE, "twitter") as server:
        idle = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
        try:
            started = time.monotonic()
            response = _within(3, lambda: _callback(server.port))
            result = server.wait(timeout=3)
            took = time.monotonic() - started
        finally:
            for s in idle:
                s.close()
    assert response.status_code == 200
    assert result.code == "the-code"
    assert took < 1.0


@pytest.mark.slow
def test_an_idle_connection_is_dropped_after_a_short_timeout() -> None:
    with LoopbackServer(0, STATE, "twitter") as server:
        idle = socket.create_connection(("127.0.0.1", server.port))
        idle.settimeout(loopback.CONNECTION_TIMEOUT + 3)
        started = time.monotonic()
        try:
            data = _within(loopback.CONNECTION_TIMEOUT + 4, lambda: idle.recv(1))
        finally:
            idle.close()
    assert data == b""  # the server closed it
    assert time.monotonic() - started < loopback.CONNECTION_TIMEOUT + 1


def _rude(port: int) -> None:
    """Send a request and reset the connection without reading the answer."""
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /callback?state=x HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def test_a_reset_connection_prints_no_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    with LoopbackServer(0, STATE, "twitter") as server:
        for _ in range(20):
            _rude(server.port)
        response = _within(3, lambda: _callback(server.port))
        assert server.wait(timeout=3).code == "the-code"
        time.sleep(0.2)  # let the handler threads finish writing (or failing to)
    err = capfd.readouterr().err
    assert response.status_code == 200
    assert "Traceback" not in err and "BrokenPipe" not in err and "Reset" not in err


def test_the_server_threads_do_not_keep_the_process_alive() -> None:
    server = LoopbackServer(0, STATE, "twitter")
    try:
        assert server._server.daemon_threads  # a stuck handler must not block exit
    finally:
        server._server.server_close()

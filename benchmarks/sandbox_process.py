"""`mktd sandbox serve` as a process of its own, for the benchmarks that measure against it: the
honest setup (issue 17 item 3), where the server shares neither mktd's interpreter nor its GIL.
Also the one way the benchmark scripts find the `mktd` to run."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx


def mktd_command() -> list[str]:
    """The installed `mktd` beside this Python (the venv's), else `python -m mktdirector`."""
    beside = Path(sys.executable).with_name("mktd")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "mktdirector"]


class SandboxServer:
    """A sandbox on a free 127.0.0.1 port: `start()` waits (30 s at most) until it answers,
    `stop()` ends it, `inspect(what)` reads its inspection API (`/_sandbox/<what>`)."""

    def __init__(self, state_dir: Path, *args: str) -> None:
        with socket.socket() as s:  # a free port for the child (it binds it a moment later)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        self.cmd = [*mktd_command(), "sandbox", "serve", "--quiet", "--port", str(port),
                    "--state", str(state_dir), *args]  # fmt: skip
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                raise SystemExit(f"mktd sandbox serve exited: {err[-400:]}")
            try:
                httpx.get(f"{self.base}/_sandbox/state", timeout=1.0)
                return
            except httpx.TransportError:
                time.sleep(0.05)
        raise SystemExit("mktd sandbox serve did not answer within 30 s")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.send_signal(signal.SIGTERM)  # the one process this script started
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def inspect(self, what: str) -> Any:
        return httpx.get(f"{self.base}/_sandbox/{what}", timeout=30).json()

"""The OAuth consent round trip in a real browser: headless Chromium, the sandbox, `mktd authorize`.

`mktd authorize twitter --port P` runs as a real process. It opens "the browser" through
`BROWSER` (Python's webbrowser honours it): a script that hands the authorize URL to this test,
which loads it in headless Chromium, driven over the DevTools protocol on a pipe (no debugging
port, no extra dependency). Chromium shows the sandbox's consent page, gets a real mouse click
on Allow, and follows the redirect to mktd's loopback callback; mktd exchanges the code with
its PKCE verifier and saves the token (in the encrypted store: a subprocess has no test
keyring). `mktd auth status --json` then shows the account.

Chromium may resolve no host name but 127.0.0.1 (`--host-resolver-rules`), so nothing it does
leaves this machine. Skipped, with the reason, only where /usr/bin/chromium is not installed
(`.ci/run` installs Debian's `chromium`).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

from mktdirector.sandbox import Sandbox

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt install chromium)",
)
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--disable-extensions", "--disable-default-apps",
    "--disable-domain-reliability", "--disable-client-side-phishing-detection",
    "--metrics-recording-only", "--password-store=basic", "--use-mock-keychain",
    # Every host name but the loopback address fails to resolve: no traffic leaves the machine.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
)  # fmt: skip
WAIT = 20.0  # seconds for any one step (a cold Chromium start on a busy 2-core machine)


class Chromium:
    """Headless Chromium driven by the DevTools protocol over --remote-debugging-pipe.

    Chromium reads commands on its fd 3 and writes answers and events on fd 4, each message
    JSON followed by a NUL byte.
    """

    def __init__(self, profile: Path, log: Path) -> None:
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()
        # Descriptors above 4, so that `3<&A 4>&B` cannot overwrite one with the other; bash,
        # not sh: Debian's sh (dash) takes one-digit descriptors only.
        a = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        b = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        with log.open("wb") as errors:
            self.proc = subprocess.Popen(
                ["/bin/bash", "-c", f'exec "$0" "$@" 3<&{a} 4>&{b}', str(CHROMIUM), *FLAGS,
                 f"--user-data-dir={profile}", "about:blank"],
                pass_fds=(a, b), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=errors, start_new_session=True,  # its own group: renderers go with it
            )  # fmt: skip
        for fd in (to_chrome_r, from_chrome_w, a, b):
            os.close(fd)
        self._out = os.fdopen(to_chrome_w, "wb", buffering=0)
        self._in = os.fdopen(from_chrome_r, "rb", buffering=0)
        self._next = 0
        self._answers: dict[int, dict[str, Any]] = {}
        self._ready = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        buf = b""
        while chunk := self._in.read(65536):
            buf += chunk
            *messages, buf = buf.split(b"\0")
            for raw in messages:
                msg = json.loads(raw)
                if "id" in msg:
                    with self._ready:
                        self._answers[msg["id"]] = msg
                        self._ready.notify_all()

    def send(self, method: str, params: dict[str, Any] | None = None,
             session: str | None = None) -> dict[str, Any]:  # fmt: skip
        """One command; its result, or AssertionError with Chromium's error."""
        self._next += 1
        msg: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        self._out.write(json.dumps(msg).encode() + b"\0")
        with self._ready:
            ok = self._ready.wait_for(lambda: self._next in self._answers, timeout=WAIT)
            assert ok, f"Chromium did not answer {method} within {WAIT:g} s"
            answer = self._answers.pop(self._next)
        assert "error" not in answer, f"{method}: {answer['error']}"
        return dict(answer.get("result") or {})

    def close(self) -> None:
        """Ask Chromium to quit; end its process group if it does not."""
        with contextlib.suppress(OSError, AssertionError):
            self._out.write(json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # any child left behind in its group
        self._out.close()
        self._reader.join(timeout=5)
        self._in.close()


class Page:
    """One tab of a Chromium, attached in flat mode."""

    def __init__(self, browser: Chromium) -> None:
        self.browser = browser
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        self.send("Page.enable")

    def send(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.browser.send(method, params, self.session)

    def eval(self, expression: str) -> Any:
        result = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        return result["result"].get("value")

    def wait_for(self, expression: str, what: str) -> Any:
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            value = self.eval(expression)
            if value:
                return value
            time.sleep(0.05)
        raise AssertionError(
            f"{what} did not happen within {WAIT:g} s: {self.eval('location.href')}"
        )

    def click(self, selector: str) -> None:
        """A real left click in the middle of the element (pressed, then released)."""
        box = self.eval(
            f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
            ".getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"
        )
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})  # fmt: skip


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Chromium]:
    browser = Chromium(tmp_path / "chromium-profile", tmp_path / "chromium.log")
    try:
        yield browser
    finally:
        browser.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for_file(path: Path, proc: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().strip():
            return path.read_text().strip()
        assert proc.poll() is None, f"mktd authorize exited early: {proc.communicate()}"
        time.sleep(0.05)
    raise AssertionError("mktd authorize did not open a browser")


@pytest.mark.slow  # starts a real headless Chromium
def test_consent_in_chromium_ends_with_a_stored_token(chromium, tmp_path, home) -> None:  # type: ignore[no-untyped-def]
    opened = tmp_path / "opened-url"
    browser_cmd = tmp_path / "browser.sh"
    browser_cmd.write_text(f"#!/bin/sh\nprintf '%s' \"$1\" > {opened}\n")
    browser_cmd.chmod(0o700)
    port = _free_port()
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as sb:
        env = {
            **os.environ,
            **sb.env(tokens=False),  # no ready token: authorize must go through the consent page
            "BROWSER": str(browser_cmd),
            "MKTD_SECRET_KEY": Fernet.generate_key().decode(),
            "MKTD_SECRET_STORE": "encrypted",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        }
        mktd = [sys.executable, "-m", "mktdirector"]
        authorize = subprocess.Popen(
            [*mktd, "authorize", "twitter", "--port", str(port)], env=env, text=True,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        try:
            url = _wait_for_file(opened, authorize)
            assert url.startswith(f"{sb.url}/oauth/x/authorize?")
            assert "code_challenge_method=S256" in url  # PKCE

            page = Page(chromium)
            page.send("Page.navigate", {"url": url})
            page.wait_for("document.querySelector('#allow') !== null", "the consent page")
            consent = page.eval("document.body.innerText")  # names the app and mktd's scopes
            assert "sandbox-x-client" in consent and "tweet.write" in consent
            page.click("#allow")
            callback = f"http://127.0.0.1:{port}/callback"
            page.wait_for(
                f"location.href.startsWith({json.dumps(callback)}) && "
                "document.body.innerText.includes('mktd is authorized')",
                "the redirect to mktd's loopback callback",
            )
            out, err = authorize.communicate(timeout=WAIT)
        finally:
            if authorize.poll() is None:
                authorize.kill()
                authorize.wait(timeout=10)
        assert authorize.returncode == 0, err
        assert "Authorized twitter as @mktd_sandbox" in err and "encrypted store" in err
        issued = {t["kind"] for t in sb.state()["tokens"] if t["client_id"] == "sandbox-x-client"}
        assert issued == {"access", "refresh"}

        status = subprocess.run(
            [*mktd, "auth", "status", "--json"], env=env, text=True, capture_output=True,
            timeout=60, check=True,
        )  # fmt: skip
    rows = [r for r in json.loads(status.stdout) if r["platform"] == "twitter"]
    assert len(rows) == 1, rows
    row = rows[0]
    assert (row["account"], row["store"], row["status"]) == ("mktd_sandbox", "encrypted", "ok")
    assert row["refreshable"] is True and "tweet.write" in row["scopes"]
    assert row["last_success"] is not None  # the authorize event

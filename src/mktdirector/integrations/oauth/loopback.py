"""The OAuth redirect target: a one-shot HTTP server on 127.0.0.1, or a pasted redirect URL.

The server binds the loopback address only, answers only loopback peers whose `Host` header
names the loopback address (a DNS-rebinding page cannot reach it), accepts only the callback
path, and refuses any callback whose `state` does not match, then keeps waiting for the real
one. The first accepted callback ends the wait.

It serves each connection on its own daemon thread with a short socket timeout: a browser's
preconnect (a socket that never sends anything) must not hold up the real callback, and a peer
that hangs up mid-answer is logged quietly, never printed as a traceback (issue 12).
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import queue
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from mktdirector.core import errors as E
from mktdirector.integrations.oauth.flow import OAuthError

HOST = "127.0.0.1"
CALLBACK_PATH = "/callback"
DEFAULT_PORT = 8765
# An idle connection is closed after this; a browser opens a new one when it needs it.
CONNECTION_TIMEOUT = 3.0
log = logging.getLogger("mktd.oauth")
_PAGE = (
    "<!doctype html><meta charset=utf-8><title>mktd</title>"
    "<body style='font-family:sans-serif;margin:3em'><h2>{title}</h2><p>{text}</p></body>"
)


@dataclass(frozen=True)
class CallbackResult:
    """What the authorization server sent back to the redirect URI."""

    code: str | None
    state: str | None
    error: str | None = None
    error_description: str | None = None


def redirect_uri(port: int) -> str:
    return f"http://{HOST}:{port}{CALLBACK_PATH}"


def parse_callback(url: str) -> CallbackResult:
    """Read code/state/error from a redirect URL (the `--no-browser` paste)."""
    parts = urlsplit(url.strip())
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    if not q and parts.fragment:
        q = {k: v[0] for k, v in parse_qs(parts.fragment).items()}
    return CallbackResult(q.get("code"), q.get("state"), q.get("error"),
                          q.get("error_description"))  # fmt: skip


def is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_allowed(host_header: str | None, port: int) -> bool:
    """`Host` must name the loopback server itself (127.0.0.1, [::1] or localhost)."""
    if not host_header:
        return False
    name, _, p = host_header.strip().rpartition(":")
    if not name or p != str(port):
        return False
    return name.lower() == "localhost" or is_loopback(name)


def check_state(result: CallbackResult, expected: str, platform: str) -> str:
    """The code, once the state matches and no error came back; else OAuthError."""
    if result.error:
        desc = f" ({result.error_description})" if result.error_description else ""
        denied = result.error == "access_denied"
        raise OAuthError(
            f"Authorization was {'denied' if denied else 'refused'}: {result.error}{desc}.",
            platform=platform,
            hint=f"Run mktd authorize {platform} again and approve the app",
        )
    if not (result.code or result.state or result.error):
        # Pasted text that is no redirect at all (a word, the authorization URL, half a line):
        # "state does not match" would send the user looking for an older run.
        raise OAuthError(
            "That is not the address the browser was sent back to (it has no code or state).",
            platform=platform,
            hint="Copy the whole address from the browser's address bar after approving, "
            "starting with http",
        )
    if not result.state or not hmac.compare_digest(result.state, expected):
        raise OAuthError(
            "The redirect's state does not match this authorization: refused.",
            platform=platform,
            hint=f"Use the URL from this run of mktd authorize {platform}, not an older one",
        )
    if not result.code:
        raise OAuthError(
            "The redirect has no authorization code.",
            platform=platform,
            hint="Paste the whole address the browser was sent to, starting with http",
        )
    return result.code


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a stuck connection never keeps mktd from exiting
    block_on_close = False
    request_queue_size = (
        64  # a burst of preconnects must not make the callback wait for SYN retries
    )

    def handle_error(self, request: object, client_address: tuple[str, int]) -> None:
        # A peer that resets or hangs up (BrokenPipeError, ConnectionResetError) is the
        # browser's business; the default prints a traceback to stderr. The type is enough:
        # the exception's text could carry the request line, and with it the code.
        kind = type(sys.exc_info()[1]).__name__
        log.debug("OAuth callback connection from %s ended: %s", client_address[0], kind)


class LoopbackServer:
    """Receives one OAuth redirect on http://127.0.0.1:PORT/callback."""

    def __init__(
        self, port: int, expected_state: str, platform: str, *, path: str = CALLBACK_PATH
    ) -> None:
        self.path = path or "/"
        self.expected_state = expected_state
        self.platform = platform
        self.results: queue.Queue[CallbackResult] = queue.Queue()
        self.refused: list[str] = []
        try:
            self._server = _Server((HOST, port), self._handler())
        except OSError as e:
            raise E.UsageError(
                f"Cannot listen on {HOST}:{port} for the OAuth redirect: {e.strerror or e}.",
                hint="Free the port or pass --port N (register http://127.0.0.1:N/callback)",
            ) from None
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},  # __exit__ waits up to this long (default: 0.5 s)
            daemon=True,
        )

    @property
    def redirect_uri(self) -> str:
        return f"http://{HOST}:{self.port}{self.path}"

    def __enter__(self) -> LoopbackServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def wait(self, timeout: float) -> CallbackResult:
        """The first accepted callback; OAuthError after `timeout` seconds."""
        try:
            return self.results.get(timeout=timeout)
        except queue.Empty:
            pass
        if self.refused:
            # A refused redirect is never fatal at once (a stray or forged request must not end
            # the user's real authorization), but when nothing valid followed it, say so.
            what = ", ".join(sorted(set(self.refused)))
            raise OAuthError(
                f"The redirect to {self.redirect_uri} was refused ({what}) and no valid "
                f"authorization arrived within {timeout:g} s.",
                platform=self.platform,
                hint=f"Run mktd authorize {self.platform} again and use the URL it prints now",
            )
        raise OAuthError(
            f"No authorization arrived within {int(timeout)} s.",
            platform=self.platform,
            hint=f"mktd authorize {self.platform} --no-browser lets you paste the URL",
        )

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            timeout = CONNECTION_TIMEOUT  # per socket operation: an idle peer is dropped

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                return  # the query holds the code: never log it

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if not is_loopback(self.client_address[0]) or not host_allowed(
                    self.headers.get("Host"), outer.port
                ):
                    outer.refused.append("not loopback")
                    self._page(403, "Refused", "This endpoint only answers this computer.")
                    return
                parts = urlsplit(self.path)
                if parts.path != outer.path:
                    self._page(404, "Not found", "Nothing here.")
                    return
                result = parse_callback(self.path)
                # An error redirect needs the right state too: else any page open in the
                # browser could cancel the user's sign-in with ?error=access_denied.
                if not (result.state and hmac.compare_digest(result.state, outer.expected_state)):
                    outer.refused.append("state mismatch")
                    self._page(400, "Refused", "This authorization does not belong to mktd's "
                               "current request (state mismatch).")  # fmt: skip
                    return
                if result.error:
                    self._page(400, "Authorization failed", "You can close this tab; mktd "
                               "explains what happened in the terminal.")  # fmt: skip
                else:
                    self._page(200, "mktd is authorized", "You can close this tab and return "
                               "to the terminal.")  # fmt: skip
                outer.results.put(result)

            def _page(self, status: int, title: str, text: str) -> None:
                body = _PAGE.format(title=title, text=text).encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

        return Handler

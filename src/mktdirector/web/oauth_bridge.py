""" "Connect LinkedIn" from the dashboard: the same flow as `mktd authorize P --no-browser`
(agents/auth/authorize.py, paste mode), run in a thread, with this server's
/oauth/{platform}/callback handing it the redirect instead of a human pasting it.

Only when the platform's configured redirect URI ({P}_REDIRECT_URI) points at that callback:
otherwise the provider would send the browser somewhere else.
"""

from __future__ import annotations

import hmac
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

from mktdirector.core.errors import MktdError, UsageError
from mktdirector.wiring import Deps

START_WAIT_S = 20.0  # the flow builds the authorize URL without any network call
FINISH_WAIT_S = 60.0  # code exchange and "who is this" calls, each with its own deadline


@dataclass
class Pending:
    platform: str
    url: str | None = None
    state: str | None = None
    redirect: str | None = None
    account: str | None = None
    error: str | None = None
    hint: str | None = None
    failure: MktdError | None = None  # the flow's own error, raised again to the page
    shown: threading.Event = field(default_factory=threading.Event)
    called_back: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


def callback_path(platform: str) -> str:
    return f"/oauth/{platform}/callback"


def check_redirect_uri(platform: str, base_url: str) -> str:
    """The configured redirect URI, when it is this server's callback; else a UsageError."""
    name = f"{platform.upper()}_REDIRECT_URI"
    configured = os.environ.get(name, "").strip()
    path = callback_path(platform)
    u = urlsplit(configured)
    mine = urlsplit(base_url)
    if not configured or u.path != path or u.port != mine.port:
        raise UsageError(
            f"{name} does not point at this server's callback, so the dashboard cannot finish "
            "the sign-in.",
            hint=f"Register {base_url}{path} with the app and set {name} to it, "
            f"or run mktd authorize {platform} in a terminal",
        )
    return configured


class OAuthBridge:
    def __init__(self, deps_factory: Callable[[], Deps]) -> None:
        self._deps_factory = deps_factory
        self._pending: dict[str, Pending] = {}
        self._lock = threading.Lock()

    def start(self, platform: str, base_url: str) -> Pending:
        """Start the flow; returns once it has the authorize URL to send the browser to."""
        check_redirect_uri(platform, base_url)
        p = Pending(platform)
        with self._lock:
            old = self._pending.get(platform)
            if old is not None:  # a newer sign-in replaces an abandoned one
                old.error = "Replaced by a newer sign-in."
                old.called_back.set()
            self._pending[platform] = p
        threading.Thread(target=self._run, args=(p,), daemon=True, name="mktd-oauth").start()
        if not p.shown.wait(START_WAIT_S) or p.url is None:
            raise p.failure or MktdError(p.error or "The sign-in did not start.", hint=p.hint)
        return p

    def callback(self, platform: str, url: str) -> Pending | None:
        """Hand a redirect to the flow that is waiting for it: only one carrying that flow's
        state (a stray or forged request is ignored and the sign-in keeps waiting)."""
        with self._lock:
            p = self._pending.get(platform)
        if p is None or p.state is None:
            return None
        got = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}.get("state") or ""
        if not hmac.compare_digest(got.encode(), p.state.encode()):
            return None
        p.redirect = url
        p.called_back.set()
        p.done.wait(FINISH_WAIT_S)
        with self._lock:
            if self._pending.get(platform) is p:
                del self._pending[platform]
        return p

    def _run(self, p: Pending) -> None:
        from mktdirector.agents.auth.authorize import OAuthFlow, authorize

        def show(url: str, _redirect: str | None) -> None:
            p.url = url
            p.state = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}.get("state")
            p.shown.set()

        def wait_for_redirect() -> str:
            if not p.called_back.wait(300.0) or p.redirect is None:
                raise UsageError("The sign-in was not finished in 5 minutes.",
                                 hint="Click Connect again")  # fmt: skip
            return p.redirect

        deps = self._deps_factory()
        try:
            flow = OAuthFlow(show_url=show, read_redirect=wait_for_redirect, open_browser=False,
                             paste=True)  # fmt: skip
            result = authorize(p.platform, credentials=deps.credentials, config=deps.config.get,
                               http_factory=deps.http, flow=flow,
                               events=deps.store.record_auth_event)  # fmt: skip
            p.account = result.account
        except MktdError as e:
            p.error, p.hint, p.failure = e.message, e.hint, e
        except Exception as e:  # never leave the callback waiting on a crashed thread
            p.error = f"Unexpected error: {type(e).__name__}"
        finally:
            deps.close()
            p.shown.set()
            p.done.set()

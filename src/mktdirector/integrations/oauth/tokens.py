"""Token life for OAuth clients: proactive refresh, refresh after a 401, expiry warnings.

X refresh tokens are single use: every refresh returns a new pair and (reportedly) reusing an
old one revokes the whole family. So a refresh is serialized across processes by a file lock in
the mktd home; whoever gets the lock re-reads the stored connection first and, if another
process already refreshed, adopts that token instead of refreshing again. The rotated refresh
token is saved before the new access token is handed to anyone. A network failure during a
refresh changes and deletes nothing.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core import paths
from mktdirector.core.credentials import Connection, CredentialStore
from mktdirector.core.http import HttpClient
from mktdirector.integrations.base import Integration
from mktdirector.integrations.oauth.app import PROVIDERS, OAuthApp, resolve_app
from mktdirector.integrations.oauth.expiry import WARN_BEFORE_S as WARN_BEFORE_S
from mktdirector.integrations.oauth.expiry import day, expiry_warning
from mktdirector.integrations.oauth.flow import (
    AuthEventSink,
    OAuthSession,
    ReauthorizeError,
    RefreshNetworkError,
    TokenEndpointError,
    connection_from_token,
)

log = logging.getLogger("mktd.oauth")
LOCK_TIMEOUT = 60.0
LEEWAY_S = 120.0  # refresh this long before expiry, so a token does not die mid-request


@contextlib.contextmanager
def file_lock(path: Path, *, timeout: float = LOCK_TIMEOUT) -> Iterator[None]:
    """An exclusive advisory lock on `path`, held across processes until the block ends."""
    paths.ensure_dir(path.parent)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, paths.FILE_MODE)
    deadline = time.monotonic() + timeout
    try:
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise E.CredentialStoreError(
                    f"Another mktd process has held {path.name} for over {timeout:.0f} s.",
                    hint=f"If no other mktd is running, delete {path} and retry",
                )
            time.sleep(0.05)
        yield
    finally:
        with contextlib.suppress(OSError):
            _unlock(fd)
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # BlockingIOError / PermissionError: held elsewhere
        return False
    return True


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)  # type: ignore[attr-defined]
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


class TokenKeeper:
    """Keeps one platform's stored OAuth connection usable."""

    def __init__(
        self,
        platform: str,
        *,
        credentials: CredentialStore | None,
        app: Callable[[Connection], OAuthApp],
        events: AuthEventSink | None = None,
        lock_dir: Path | None = None,
        clock: Callable[[], float] = time.time,
        transport: httpx.BaseTransport | None = None,
        http_factory: Callable[..., HttpClient] | None = None,
        lock: Callable[[str], contextlib.AbstractContextManager[None]] | None = None,
    ) -> None:
        self.platform = platform
        # Hosts sharing one database (PostgreSQL) serialize through it; the file lock only
        # covers the processes of one host.
        self.lock = lock
        self.credentials = credentials
        self.app = app
        self.events = events
        self.lock_dir = lock_dir
        self.clock = clock
        self.transport = transport
        self.http_factory = http_factory  # the token calls go through the choke point
        self.label = PROVIDERS[platform].label

    def lock_path(self, account: str) -> Path:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in account)
        return (self.lock_dir or paths.home() / "locks") / f"oauth-{self.platform}-{safe}.lock"

    def expired(self, conn: Connection) -> bool:
        return conn.expires_at is not None and self.clock() >= conn.expires_at - LEEWAY_S

    def usable(self, conn: Connection) -> Connection:
        """`conn`, refreshed first when it has expired; fail fast when it cannot be."""
        if conn.source == "env" or not self.expired(conn):
            return conn
        if conn.refresh_token and self.credentials is not None:
            return self.refresh(conn)
        assert conn.expires_at is not None
        self._event(conn.account, "expired", False, "access token expired, no refresh token")
        raise ReauthorizeError(
            f"The {self.label} access token for {conn.account} expired on "
            f"{day(conn.expires_at)} and {self.label} gave no refresh token.",
            platform=self.platform,
        )

    def refresh(self, conn: Connection) -> Connection:
        """Refresh under the cross-process lock; return the connection to use from now on."""
        if self.credentials is None or conn.source == "env":
            raise ReauthorizeError(
                f"The {self.label} token cannot be refreshed here.", platform=self.platform
            )
        held = (
            self.lock(f"oauth-refresh:{self.platform}:{conn.account}")
            if self.lock
            else file_lock(self.lock_path(conn.account))
        )
        with held:
            stored = self.credentials.stored(self.platform, conn.account)
            if stored is None:
                raise ReauthorizeError(
                    f"No stored {self.label} connection for {conn.account} (logged out?).",
                    platform=self.platform,
                )
            if stored.access_token != conn.access_token and not self.expired(stored):
                log.info("%s: another process refreshed the token; using it", self.platform)
                return stored
            if not stored.refresh_token:
                raise ReauthorizeError(
                    f"The {self.label} token for {conn.account} is no longer accepted and "
                    "there is no refresh token.",
                    platform=self.platform,
                )
            return self._refresh_locked(stored)

    def _refresh_locked(self, stored: Connection) -> Connection:
        assert self.credentials is not None and stored.refresh_token
        app = self.app(stored)
        try:
            with OAuthSession(
                app, transport=self.transport, http_factory=self.http_factory
            ) as session:
                token = session.refresh(stored.refresh_token)
        except TokenEndpointError as e:
            self._event(stored.account, "refresh", False, e.message)
            if e.error in {"invalid_grant", "invalid_request"}:
                # The grant is gone (expired, revoked or already rotated): only a new
                # authorization helps. The stored connection is kept for `auth status`.
                raise ReauthorizeError(
                    f"{self.label} refused the refresh token ({e.error}): "
                    f"re-authorize: mktd authorize {self.platform}",
                    platform=self.platform,
                    status_code=e.status_code,
                    code=e.error,
                ) from None
            raise
        except E.ApiConnectionError as e:
            self._event(stored.account, "refresh", False, f"network: {e.message}")
            raise RefreshNetworkError(
                f"Could not refresh the {self.label} token: {e.message}",
                platform=self.platform,
                sent=e.sent,
                hint="Nothing was changed; retry when the network is back",
            ) from None
        except E.MktdError as e:
            self._event(stored.account, "refresh", False, e.message)
            raise
        new = connection_from_token(
            self.platform, token, account=stored.account, base=stored, now=self.clock()
        )
        # Saved before anyone uses the new access token: if this process dies right after,
        # the next one still has the (single-use, rotated) refresh token.
        self.credentials.save(new)
        self._event(stored.account, "refresh", True, "token refreshed")
        return new

    def _event(self, account: str | None, event: str, ok: bool, detail: str) -> None:
        if self.events is None:
            return
        try:
            self.events(self.platform, account, event, ok, detail)
        except Exception:  # noqa: BLE001 - a failed audit write must not hide the outcome
            log.warning("could not record auth event %s for %s", event, self.platform)


class OAuthIntegration(Integration):
    """An Integration whose credential is an OAuth 2.0 user token kept fresh by TokenKeeper."""

    auth_kind = "oauth2"
    # Set by the wiring to store.record_auth_event so refreshes show up in `mktd auth status`.
    auth_events: AuthEventSink | None = None
    token_transport: httpx.BaseTransport | None = None  # tests only
    # Set by the wiring when hosts share a database: the lock a refresh holds (else a file lock).
    refresh_lock: Callable[[str], contextlib.AbstractContextManager[None]] | None = None
    _warned = False

    @cached_property
    def tokens(self) -> TokenKeeper:
        def app(conn: Connection) -> OAuthApp:
            return resolve_app(self.name, self.config, client_id=conn.extra.get("client_id"))

        return TokenKeeper(
            self.name,
            credentials=self.credentials,
            app=app,
            events=lambda *a: self.auth_events(*a) if self.auth_events else None,
            transport=self.token_transport,
            http_factory=self.http_factory,
            lock=self.refresh_lock,
        )

    def refresh(self) -> bool:
        """Called by the auth flow after a 401: True once a fresh token is stored and in use."""
        conn = self.connection
        if conn is None or conn.source == "env" or not conn.refresh_token:
            return False
        if self.credentials is None:
            return False
        self.connection = self.tokens.refresh(conn)
        return True

    def ensure_token(self) -> Connection:
        """The connection to use now: refreshed proactively, or a clear re-authorize error."""
        conn = self.require_connection()
        fresh = self.tokens.usable(conn)
        if fresh is not conn:
            self.connection = fresh
        warning = expiry_warning(fresh)
        if warning and not self._warned:
            self._warned = True  # once per client, not once per request
            log.warning("%s", warning)
        return fresh

    def expired_for_good(self) -> str | None:
        """Why the token cannot work any more (expired, no refresh token), else None."""
        conn = self.connection
        if conn is None or conn.source == "env" or conn.refresh_token:
            return None
        return expiry_warning(conn) if self.tokens.expired(conn) else None

    def expiry_warning(self) -> str | None:
        """A warning to show before publishing when the token cannot be refreshed soon."""
        return expiry_warning(self.connection) if self.connection else None

    def send(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """`self.http.request` after making sure the token is usable (not for --dry-run)."""
        self.ensure_token()
        return self.http.request(method, path, **kw)

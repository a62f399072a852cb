"""Running the tool: the store itself, audit, rate limits, secrets, connections, alerts, status."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from mktdirector.store.rows import (
    ActionRow,
    AuditRow,
    AuthEvent,
    ConnectionRow,
    Notification,
    RateLimitRow,
)

if TYPE_CHECKING:
    from mktdirector.core.credentials import Connection
    from mktdirector.core.http import Exchange
    from mktdirector.core.ratelimit import Transform


class Lifecycle(Protocol):
    def exists(self) -> bool:
        """Whether the store is there; reads that would create it return nothing instead."""
        ...

    def open(self) -> None:
        """Create and migrate the store now rather than on first use."""
        ...

    def close(self) -> None: ...

    def location(self) -> str:
        """Where the state is: the SQLite file's path, or the PostgreSQL URL (no password)."""
        ...


class AuditLog(Protocol):
    """Every HTTP attempt and every auth event; never headers or bodies."""

    def record_exchange(self, ex: Exchange) -> None: ...

    def calls(
        self,
        *,
        platform: str | None = None,
        errors_only: bool = False,
        after_id: str | None = None,
        since_utc: str | None = None,
        correlation_id: str | None = None,
        limit: int = 50,
    ) -> list[AuditRow]:
        """The newest `limit` matching calls, oldest first; `correlation_id` is the draft, job
        or command run the calls were made for (`mktd logs --draft ID`)."""
        ...

    def record_auth_event(
        self, platform: str, account: str | None, event: str, ok: bool, detail: str = ""
    ) -> None: ...

    def auth_events(self, platform: str | None = None, limit: int = 20) -> list[AuthEvent]: ...

    def platform_call_summary(self, since_utc: str) -> dict[str, dict[str, Any]]: ...


class ActionLog(Protocol):
    """Who did what through a front end (cli, web, mcp, api): arguments without secrets."""

    def record_action(
        self,
        *,
        source: str,
        action: str,
        outcome: str,
        actor: str | None = None,
        arguments: dict[str, Any] | None = None,
        detail: str | None = None,
        draft_id: str | None = None,
        correlation_id: str | None = None,
        duration_ms: int | None = None,
    ) -> str:
        """The new row's id. The caller removes secrets from `arguments` before this."""
        ...

    def actions(
        self,
        *,
        source: str | None = None,
        draft_id: str | None = None,
        after_id: str | None = None,
        limit: int = 50,
    ) -> list[ActionRow]:
        """The newest `limit` matching actions, oldest first (`mktd logs --source mcp`)."""
        ...


class RateState(Protocol):
    """Rate-limit state shared by every process (a CLI is many short processes)."""

    def transact(self, keys: list[str], fn: Transform) -> float:
        """Read the rows of `keys`, let `fn` decide, write its updates: one transaction."""
        ...

    def rate_limit_rows(self, platform: str | None = None) -> list[RateLimitRow]: ...


class SecretRows(Protocol):
    """Encrypted secrets, for hosts without a keyring (the store never sees plaintext)."""

    def get_secret(self, key: str) -> bytes | None: ...

    def put_secret(self, key: str, ciphertext: bytes) -> None: ...

    def delete_secret(self, key: str) -> None: ...

    def secret_keys(self) -> list[str]:
        """The names of every stored secret (to re-encrypt them under a new key)."""
        ...

    def replace_secret(self, key: str, expected: bytes, ciphertext: bytes) -> bool:
        """Write `ciphertext` only if the row still holds `expected` (False: it changed)."""
        ...


class Connections(Protocol):
    """The index of stored credentials: platform, account, expiry, scopes (no secrets)."""

    def record_connection(self, conn: Connection, store: str) -> None: ...

    def remove_connection(self, platform: str, account: str) -> None: ...

    def connections(self, platform: str | None = None) -> list[ConnectionRow]: ...


class Notifications(Protocol):
    """In-tool alerts, de-duplicated by cause, and their delivery to other channels."""

    def notify(
        self,
        kind: str,
        subject: str,
        message: str,
        *,
        severity: str = "error",
        platform: str | None = None,
        account: str | None = None,
        hint: str | None = None,
        dedupe_key: str | None = None,
        dedupe_since_utc: str | None = None,
    ) -> str | None:
        """The new notification's id, or None when the same cause is already known."""
        ...

    def notifications(
        self, *, unread_only: bool = True, limit: int = 50, after: tuple[str, str] | None = None
    ) -> list[Notification]: ...

    def unread_count(self) -> int: ...

    def unread_notifications(self, limit: int = 5) -> list[dict[str, Any]]: ...

    def ack(self, notification_id: str | None = None) -> int: ...

    def find_notifications(self, ref: str) -> list[Notification]: ...

    def alert_seen(self, cause: str, occurrence_key: str | None, since_utc: str) -> bool: ...

    def claim_undelivered(
        self, channel: str, *, since_utc: str, stale_utc: str, max_attempts: int, limit: int = 50
    ) -> list[Notification]: ...

    def mark_delivery(self, ids: list[str], channel: str, *, error: str | None = None) -> None: ...


class Monitoring(Protocol):
    """What `mktd status` and the alert rules read from the audit and state."""

    def call_windows(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]: ...

    def failures_by_kind(self, since_7d: str, since_24h: str) -> list[dict[str, Any]]: ...

    def calls_by_platform(self) -> list[dict[str, Any]]: ...

    def latency_percentiles(self, since_utc: str) -> list[dict[str, Any]]: ...

    def last_success(self, platform: str, account: str) -> str | None: ...

    def latest_auth_events(self, since_utc: str) -> list[dict[str, Any]]: ...

    def queue_summary(self, now_utc: str) -> dict[str, Any]: ...

    def queued_by_platform(self) -> dict[str, int]: ...

    def troubled_drafts(self, since_utc: str) -> list[dict[str, Any]]: ...

    def auth_failures_from_calls(self, since_utc: str) -> list[dict[str, Any]]: ...

    def expiring_connections(self, until_utc: str) -> list[dict[str, Any]]: ...

    def failure_rates(self, since_utc: str) -> list[dict[str, Any]]: ...

    def skipped_jobs(self, since_utc: str) -> list[dict[str, Any]]: ...

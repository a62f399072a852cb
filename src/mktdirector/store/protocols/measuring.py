"""What came of the posts and emails: metrics, contacts, traffic, email sends, reports."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol

from mktdirector.store.rows import Email, MetricSnapshot, Post


class MetricsRepo(Protocol):
    """Engagement snapshots of published posts, and which posts are due for one."""

    def add_snapshots(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def refresh_latest_snapshots(self) -> None:
        """Recompute every post's latest_snapshot_id (after rows were copied in)."""
        ...

    def latest_snapshots(
        self, *, draft_id: str | None = None, remote_id: str | None = None
    ) -> list[MetricSnapshot]:
        """The newest snapshot of each post."""
        ...

    def recent_snapshots(self, limit: int = 200) -> list[MetricSnapshot]: ...

    def platforms_with_posts_since(self, since_utc: str) -> list[str]: ...

    def posts_due_for_metrics(
        self,
        platform: str,
        *,
        hourly_since: str,
        daily_since: str,
        hour_ago: str,
        day_ago: str,
    ) -> list[Post]: ...


class ContactRepo(Protocol):
    """CRM contacts and web traffic, joined to drafts by utm_content."""

    def known_draft_ids(self, ids: Iterable[str]) -> set[str]: ...

    def drafts_with_posts(self, draft_ids: Iterable[str]) -> dict[str, dict[str, Any]]: ...

    def upsert_contacts(self, rows: Sequence[Mapping[str, Any]]) -> int: ...

    def contact_attribution(self, since_utc: str | None = None) -> list[dict[str, Any]]: ...

    def contact_count(self) -> int: ...

    def last_contact_sync(self, platform: str) -> str | None:
        """When contacts of `platform` were last synced (`synced_utc`), or None."""
        ...

    def upsert_traffic(
        self,
        property_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        start: str,
        end: str,
        taken: str,
    ) -> int: ...

    def traffic_summary(
        self, by: str, *, since: str, property_id: str | None = None
    ) -> list[dict[str, Any]]: ...

    def traffic_totals(self, *, since: str, property_id: str | None = None) -> dict[str, Any]: ...


class EmailLedger(Protocol):
    """Email sends, exactly once: an intent row (unique by send key) before the send call."""

    def write_email_intent(self, row: Mapping[str, Any]) -> str:
        """The new row's id; StateRefusedError when a send with the same key may have gone out."""
        ...

    def update_email(self, email_id: str, **fields: Any) -> None: ...

    def get_email(self, email_id: str) -> Email: ...

    def email_by_key(self, send_key: str) -> Email | None: ...

    def claim_email(self, email_id: str, owner: str, *, now: float, lease_s: float) -> bool:
        """Take the send lease of an email row; False while another live process holds it."""
        ...

    def release_email(self, email_id: str, owner: str) -> None: ...

    def emails(
        self,
        *,
        draft_id: str | None = None,
        batch_id: str | None = None,
        status: str | None = None,
        limit: int = 50,
    ) -> list[Email]: ...

    def upsert_email_stats(self, rows: Sequence[Mapping[str, Any]]) -> int: ...


class Reporting(Protocol):
    """Report figures, aggregated by the backend so a report costs what it matches."""

    def report_figures(
        self,
        channels: list[str],
        start: str,
        end: str,
        *,
        now_utc: str,
        rank_by: str,
        posts_limit: int | None = None,
        posts_offset: int = 0,
        posts_order: str = "published",
        posts_stream: bool = False,
        posts_only: bool = False,
    ) -> dict[str, Any]: ...

    def sparkline_series(self, draft_ids: list[str]) -> list[dict[str, Any]]: ...

    def report_daily_traffic(
        self, channels: list[str], first: str, last: str
    ) -> list[dict[str, Any]]: ...

    def report_daily_leads(
        self, channels: list[str], start: str, end: str
    ) -> list[dict[str, Any]]: ...

"""Vendor-neutral CRM data: what a `CrmClient` returns, so agents never import a vendor's models.

A contact's attribution is what the CRM recorded about its source plus the UTM values mktd put
on its links; `utm_content` is the draft id (DESIGN.md section 7), so a contact leads back to
a post. A bulk upsert reports per-batch outcomes and, when a rate limit stops it, raises
`ContactImportStopped` carrying what was done so the import can resume.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from mktdirector.core.errors import RateLimitError


@dataclass(frozen=True)
class ContactRef:
    """A contact id after a write. `created` is False when the email already existed."""

    id: str
    email: str | None
    created: bool


@dataclass(frozen=True)
class Attribution:
    """Where a contact came from, as the CRM recorded it and as our UTM links said.

    The source fields follow HubSpot's model (original/latest source and two drill-downs),
    which the `contacts` table stores; another CRM maps its own lead source onto them.
    """

    original_source: str | None = None  # e.g. SOCIAL_MEDIA
    original_source_data_1: str | None = None
    original_source_data_2: str | None = None  # for organic social: utm_campaign
    latest_source: str | None = None
    latest_source_data_1: str | None = None
    latest_source_data_2: str | None = None
    first_touch: dict[str, str] = field(default_factory=dict)  # utm_* of the first visit
    last_touch: dict[str, str] = field(default_factory=dict)  # utm_* of the latest visit

    @property
    def draft_id(self) -> str | None:
        """The mktd draft whose link brought the contact (`utm_content`), first touch first."""
        return self.first_touch.get("utm_content") or self.last_touch.get("utm_content")

    @property
    def campaign(self) -> str | None:
        return self.first_touch.get("utm_campaign") or self.last_touch.get("utm_campaign")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.update(draft_id=self.draft_id, campaign=self.campaign)
        return d


@dataclass(frozen=True)
class UpsertError:
    """Rows the CRM refused. `rows` are 0-based positions in the caller's input."""

    message: str
    category: str | None = None
    rows: tuple[int, ...] = ()
    emails: tuple[str, ...] = ()


@dataclass
class UpsertBatch:
    """One batch request's outcome (for progress bars)."""

    index: int  # batch number, from 0
    start: int  # position of the batch's first row in the input
    size: int  # rows in the batch (duplicates and rows without email included)
    results: list[ContactRef] = field(default_factory=list)
    errors: list[UpsertError] = field(default_factory=list)
    requests: int = 0


@dataclass
class UpsertSummary:
    """All batches so far. `rows_done` is where a resumed import starts."""

    rows_done: int = 0
    created: int = 0
    updated: int = 0
    batches: int = 0
    requests: int = 0
    results: list[ContactRef] = field(default_factory=list)
    errors: list[UpsertError] = field(default_factory=list)

    @property
    def failed_rows(self) -> int:
        return sum(max(len(e.rows), 1) for e in self.errors)

    def add(self, batch: UpsertBatch) -> None:
        self.rows_done = batch.start + batch.size
        self.batches += 1
        self.requests += batch.requests
        self.results.extend(batch.results)
        self.errors.extend(batch.errors)
        self.created += sum(1 for r in batch.results if r.created)
        self.updated += sum(1 for r in batch.results if not r.created)


class ContactImportStopped(RateLimitError):
    """A bulk upsert stopped on a rate limit; `summary.rows_done` rows are in the CRM."""

    def __init__(self, error: RateLimitError, summary: UpsertSummary, total: int | None) -> None:
        of = f" of {total:,}" if total is not None else ""
        message = (
            f"{error.message.rstrip('.')}. {summary.rows_done:,}{of} rows were sent before "
            f"the stop; nothing after row {summary.rows_done:,} was."
        )
        super().__init__(
            message,
            retry_after=error.retry_after,
            platform=error.platform,
            status_code=error.status_code,
            method=error.method,
            path=error.path,
            request_id=error.request_id,
            code=error.code,
            hint=(
                f"Run the same import again after the reset (contacts are upserted by email, "
                f"so re-sending rows is safe), or skip the first {summary.rows_done:,} rows."
            ),
        )
        self.summary = summary

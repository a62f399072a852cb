"""CRM workflows: import contacts from CSV, sync contacts with their attribution, and
answer "which posts brought which contacts" from the local tables.

They work with any `CrmClient` (integrations/capabilities.py). Import upserts by email in
batches, so re-sending rows is always safe. A daily rate limit (HubSpot's 429 `policyName:
DAILY`) stops the import at once, and the result says how many rows were done and how to
resume; nothing spins until midnight.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from mktdirector.agents.crm.contacts_csv import (
    BadRow,
    CsvContact,
    DuplicateEmail,
    duplicate_emails,
    read_contacts_csv,
)
from mktdirector.core import errors as E
from mktdirector.core.ratelimit import format_wait
from mktdirector.integrations.capabilities import CrmClient, CrmContact
from mktdirector.integrations.crm_models import ContactImportStopped, UpsertBatch
from mktdirector.store import StoreLike
from mktdirector.store.stamps import now_utc

Progress = Callable[[int, int], None]
# The source drill-down that carries utm_campaign (HubSpot's model, per original source (reference card 1.6).
_CAMPAIGN_DRILL_DOWN = {"SOCIAL_MEDIA": 2, "PAID_SOCIAL": 2, "EMAIL_MARKETING": 1, "PAID_SEARCH": 1}


@dataclass
class ImportStop:
    """Why an import stopped early, and how to pick it up again."""

    message: str
    hint: str
    resume_skip: int  # the `--skip` value that resumes right after the rows done
    last_line: int | None  # the file's last line that was sent
    retry_after: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ImportResult:
    file: str
    rows: int  # data rows in the file
    skipped: int  # rows skipped with --skip
    imported: int  # rows the CRM accepted
    created: int
    updated: int
    requests: int
    bad: list[BadRow] = field(default_factory=list)
    stopped: ImportStop | None = None
    hint: str | None = None
    # Emails on several rows: merged into one contact each (later rows win), never silently.
    duplicates: list[DuplicateEmail] = field(default_factory=list)

    @property
    def merged_rows(self) -> int:
        """Rows that did not become a contact of their own."""
        return sum(len(d.lines) - 1 for d in self.duplicates)

    @property
    def exit_code(self) -> int:
        """0 all good, 1 some rows bad (the good ones imported), 5 stopped by a rate limit."""
        return 5 if self.stopped else (1 if self.bad else 0)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["bad"] = [b.to_dict() for b in sorted(self.bad, key=lambda b: b.line)]
        d["duplicates"] = [x.to_dict() for x in self.duplicates]
        d["merged_rows"] = self.merged_rows
        d["exit_code"] = self.exit_code
        return d


def import_contacts(
    client: CrmClient, path: str | Path, *, skip: int = 0, progress: Progress | None = None
) -> ImportResult:
    """Upsert the good rows of a contacts CSV into the CRM; report bad rows by line number."""
    if skip < 0:
        raise E.UsageError("--skip takes a number of rows, 0 or more.")
    parsed = read_contacts_csv(path)
    good = [c for c in parsed.contacts if c.row > skip]
    bad = [b for b in parsed.bad if b.row > skip]
    result = ImportResult(str(path), parsed.rows, min(skip, parsed.rows), 0, 0, 0, 0, bad)
    result.duplicates = duplicate_emails(good)
    if parsed.encoding_errors:
        result.hint = "Some lines are not UTF-8: save the file as UTF-8 (Excel: CSV UTF-8)."

    def on_batch(batch: UpsertBatch) -> None:
        if progress is not None:
            progress(batch.start + batch.size, len(good))

    try:
        summary = client.batch_upsert_contacts(
            (c.properties for c in good), total=len(good), on_batch=on_batch
        )
    except ContactImportStopped as e:
        summary = e.summary
        result.stopped = _stop(e, summary.rows_done, good, skip, str(path))
    for err in summary.errors:
        for pos in err.rows:
            c = good[pos]
            bad.append(BadRow(c.line, c.row, f"{client.label} refused it: {err.message}"[:200]))
    result.imported, result.requests = len(summary.results), summary.requests
    result.created, result.updated = summary.created, summary.updated
    return result


def _stop(
    e: ContactImportStopped, done: int, good: list[CsvContact], skip: int, path: str
) -> ImportStop:
    last = good[done - 1] if done else None
    resume = last.row if last else skip
    # The client's message starts with the CRM's reason, then counts rows its own way.
    reason = e.message.split(". ")[0].rstrip(".")
    upto = f" (the file up to line {last.line:,})" if last else ""
    message = (
        f"{reason}. Stopped after {done:,} of {len(good):,} contacts{upto}; "
        f"{len(good) - done:,} not sent."
    )
    when = f" (in {format_wait(e.retry_after)})" if e.retry_after else ""
    hint = (
        f"After the reset{when}: mktd crm contacts import {shlex.quote(path)} --skip {resume}  "
        "(or run the same command again: contacts are upserted by email, so re-sending is safe)"
    )
    return ImportStop(message, hint, resume, last.line if last else None, e.retry_after)


# sync ---------------------------------------------------------------------------------------
@dataclass
class SyncResult:
    contacts: int
    linked: int  # contacts whose utm_content names one of our drafts
    since: str | None
    note: str | None = None  # the 10,000-result cap, when hit

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_contacts(
    store: StoreLike,
    client: CrmClient,
    *,
    since: date | None = None,
    progress: Progress | None = None,
    changed_since: datetime | None = None,
) -> SyncResult:
    """Pull contacts (created since `since`) with attribution into the `contacts` table.

    `changed_since` (a CRM that reads changes, agents/crm/incremental.py) is passed on as is."""
    start = datetime(since.year, since.month, since.day).astimezone() if since else changed_since
    search = client.contacts_with_attribution(start)
    rows = []
    for contact in search:
        rows.append(contact_row(contact, client.name))
        if progress is not None:
            progress(len(rows), max(search.total or 0, len(rows)))
    known = store.known_draft_ids(r["utm_content"] for r in rows if r["utm_content"])
    for r in rows:
        content = (r["utm_content"] or "").strip().upper()
        r["draft_id"] = content if content in known else None
    store.upsert_contacts(rows)
    linked = sum(1 for r in rows if r["draft_id"])
    mark = since.isoformat() if since else (changed_since.isoformat() if changed_since else None)
    return SyncResult(len(rows), linked, mark, search.message)


def contact_row(contact: CrmContact, platform: str) -> dict[str, Any]:
    """A `contacts` table row from a CRM contact and its attribution."""
    p = contact.properties
    a = contact.attribution
    touch = {**a.last_touch, **a.first_touch}  # first touch wins
    campaign = touch.get("utm_campaign")
    drill = _CAMPAIGN_DRILL_DOWN.get((a.original_source or "").upper())
    if not campaign and drill:
        campaign = a.original_source_data_2 if drill == 2 else a.original_source_data_1
    return {
        "platform": platform,
        "id": contact.id,
        "email": (contact.email or "").lower() or None,
        "firstname": p.get("firstname"),
        "lastname": p.get("lastname"),
        "created_utc": p.get("createdate") or contact.created_at,
        "source": a.original_source,
        "source_data_1": a.original_source_data_1,
        "source_data_2": a.original_source_data_2,
        "latest_source": a.latest_source,
        "utm_source": touch.get("utm_source"),
        "utm_medium": touch.get("utm_medium"),
        "utm_campaign": campaign,
        "utm_content": a.draft_id,
        "draft_id": None,
        "synced_utc": now_utc(),
        "raw_json": json.dumps(p, sort_keys=True),
    }


# attribution -------------------------------------------------------------------------------
def attribution(store: StoreLike, *, since: date | None = None) -> list[dict[str, Any]]:
    """Contacts grouped by source / campaign / utm_content, with the draft and its post URLs."""
    from mktdirector.agents.periods import iso_start

    groups = store.contact_attribution(iso_start(since))
    drafts = store.drafts_with_posts(g["draft_id"] for g in groups if g["draft_id"])
    out = []
    for g in groups:
        d = drafts.get(g["draft_id"] or "", {})
        out.append(
            {**g, "platform": d.get("platform"), "topic": d.get("topic"),
             "draft_status": d.get("status"), "post_urls": d.get("urls", [])}
        )  # fmt: skip
    return out


def get_contact(store: StoreLike, client: CrmClient, email: str) -> dict[str, Any]:
    """A CRM contact by email with its attribution and, when known, the post behind it."""
    props = client.attribution_properties()
    contact = client.get_contact_by_email(email, [*client.contact_properties, "company", *props])
    if contact is None:
        raise E.MktdError(
            f"{client.label} has no contact with the email {email.strip()}.",
            hint="mktd crm contacts import FILE.csv adds contacts",
        )
    data = contact.to_dict()
    draft_id = contact.attribution.draft_id
    data["draft"] = None
    if draft_id and store.exists():
        known = store.known_draft_ids([draft_id])
        if known:
            did = next(iter(known))
            data["draft"] = {"id": did, **store.drafts_with_posts([did]).get(did, {})}
    return data

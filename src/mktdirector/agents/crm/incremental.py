"""`mktd crm sync` for a CRM that reads changes (Salesforce): only what changed since last time.

A client whose class sets `reads_changes = True` answers `contacts_with_attribution(since)`
with the records *modified* since then (Salesforce: `SystemModstamp`), so a sync without
`--since` starts where the previous sync of that platform ended (the newest `synced_utc` of
its contacts), less a few minutes for clocks that disagree; re-reading a record is harmless
(contacts are upserted by platform and id). Other CRMs keep their whole-history sync.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from mktdirector.agents.crm.workflows import Progress, SyncResult, sync_contacts
from mktdirector.integrations.capabilities import CrmClient
from mktdirector.store import StoreLike

OVERLAP = timedelta(minutes=5)


def last_sync_mark(store: StoreLike, platform: str) -> datetime | None:
    """Where a changes-only sync of `platform` starts: its last sync, less the overlap."""
    at = store.last_contact_sync(platform) if store.exists() else None
    if not at:
        return None
    return datetime.fromisoformat(at.replace("Z", "+00:00")) - OVERLAP


def sync(
    store: StoreLike,
    client: CrmClient,
    *,
    since: date | None = None,
    progress: Progress | None = None,
) -> SyncResult:
    """`--since` as given; otherwise, for a CRM that reads changes, since the last sync."""
    changed = None
    if since is None and getattr(client, "reads_changes", False):
        changed = last_sync_mark(store, client.name)
    return sync_contacts(store, client, since=since, progress=progress, changed_since=changed)

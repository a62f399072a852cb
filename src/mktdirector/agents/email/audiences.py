"""An email platform's audiences: list them, and import a contacts CSV into one (Mailchimp).

Import lives under `mktd email audiences import` rather than `mktd crm contacts import`: an
audience is the email platform's list of subscribers (consent status, tags, merge fields),
not a CRM's contact record with attribution, and its platform is chosen the email way
(`email.platform`, `--platform`). The CSV is read by the same reader as CRM imports
(agents/crm/contacts_csv.py): bad rows are reported with their line and skipped, and members
the platform refuses (invalid, permanently deleted, in a compliance state) are reported per row
without failing their batch.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mktdirector.agents.crm.contacts_csv import read_contacts_csv
from mktdirector.core.errors import UsageError
from mktdirector.integrations.capabilities import CampaignSender


def list_audiences(client: CampaignSender) -> list[dict[str, Any]]:
    client.require_connection()
    return [a.to_dict() for a in client.audiences()]


def import_audience(
    client: CampaignSender, path: str, audience: str, *,
    on_batch: Callable[[int, int], None] | None = None,
) -> Any:  # fmt: skip
    """Upsert every good row of the CSV into `audience`; returns the platform's summary.

    `on_batch(done, total)` is told the rows handled so far (for a progress bar)."""
    if not audience.strip():
        raise UsageError("Give the audience to import into: --audience ID.",
                         hint=f"mktd email audiences list --platform {client.name}")  # fmt: skip
    client.require_connection()
    parsed = read_contacts_csv(path)
    rows = [c.properties for c in parsed.contacts]
    client.audience(audience)  # a wrong id stops here, before any member is sent
    done = 0

    def tick(batch: Any) -> None:
        nonlocal done
        done += batch.size
        if on_batch is not None:
            on_batch(done, len(rows))

    summary = client.import_members(audience.strip(), rows, on_batch=tick)
    summary.skipped = [b.to_dict() for b in parsed.bad]
    return summary

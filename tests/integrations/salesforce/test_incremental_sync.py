"""`mktd crm sync` for Salesforce reads only what changed since the last sync."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from mktdirector.agents.crm.incremental import OVERLAP, sync
from mktdirector.integrations.crm_models import Attribution


class _Pages(list):  # type: ignore[type-arg]
    total = None
    message = None


class FakeCrm:
    name, label = "salesforce", "Salesforce"
    contact_properties = ("email",)

    def __init__(self, reads_changes: bool = True) -> None:
        self.reads_changes = reads_changes
        self.asked: list[datetime | None] = []

    def contacts_with_attribution(self, since: datetime | None = None) -> Any:
        self.asked.append(since)
        return _Pages([Contact()])


class Contact:
    id = "00QSB0000000000001"
    properties = {"email": "ada@example.org", "createdate": "2026-09-03T09:00:00.000Z"}
    created_at = "2026-09-03T09:00:00.000Z"
    email = "ada@example.org"
    attribution = Attribution(original_source="Web")


def test_the_first_sync_reads_everything_then_from_the_last_sync(cli: Any, store: Any) -> None:
    assert cli("init").exit_code == 0
    crm = FakeCrm()
    first = sync(store, crm)  # type: ignore[arg-type]
    assert crm.asked == [None] and first.since is None
    mark = store.last_contact_sync("salesforce")
    second = sync(store, crm)  # type: ignore[arg-type]
    expected = datetime.fromisoformat(mark.replace("Z", "+00:00")) - OVERLAP
    assert crm.asked[1] == expected and second.since == expected.isoformat()
    assert expected.tzinfo is not None and expected <= datetime.now(UTC)


def test_since_given_wins_and_other_crms_keep_whole_history(cli: Any, store: Any) -> None:
    assert cli("init").exit_code == 0
    crm = FakeCrm()
    sync(store, crm)  # type: ignore[arg-type]
    sync(store, crm, since=date(2026, 9, 1))  # type: ignore[arg-type]
    assert crm.asked[1] is not None and crm.asked[1].date() == date(2026, 9, 1)
    hub = FakeCrm(reads_changes=False)
    sync(store, hub)  # type: ignore[arg-type]
    sync(store, hub)  # type: ignore[arg-type]
    assert hub.asked == [None, None]

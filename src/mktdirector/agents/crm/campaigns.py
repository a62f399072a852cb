"""CRM campaigns from mktd campaigns: leads a post brought become members of its campaign.

A lead is attributed to a post by its `utm_content` (the draft id, DESIGN.md section 7); the
draft's mktd campaign (its `campaign`, else the link's `utm_campaign`) names the CRM Campaign,
which is found by name (or by the CRM's external-id field) and created only when missing. Each
attributed lead is then made a member; a lead already in the Campaign counts as existing, so
running this again changes nothing. Salesforce implements it (Campaign, CampaignMember).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

from mktdirector.core import errors as E
from mktdirector.integrations.capabilities import CrmClient
from mktdirector.store import StoreLike


@runtime_checkable
class CampaignCrm(Protocol):
    """What a CRM client needs for campaign membership (Salesforce's client has it)."""

    def ensure_campaign(self, name: str, external_id: str | None = None) -> Any: ...

    def add_campaign_members(
        self, campaign: Any, lead_ids: list[str], status: str = "Responded"
    ) -> Any: ...


@dataclass
class CampaignRow:
    campaign: str  # the mktd campaign (and the CRM Campaign's name)
    crm_id: str
    created: bool  # the CRM Campaign was created by this run
    leads: int
    added: int
    existing: int
    errors: list[str] = field(default_factory=list)


@dataclass
class CampaignsResult:
    platform: str
    leads_read: int
    attributed: int  # leads whose utm_content is one of our drafts
    campaigns: list[CampaignRow] = field(default_factory=list)
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def sync_campaigns(
    store: StoreLike,
    client: CrmClient,
    *,
    since: date | None = None,
    status: str = "Responded",
) -> CampaignsResult:
    """Add every lead attributed to a mktd post to its campaign's CRM Campaign."""
    if not isinstance(client, CampaignCrm):
        raise E.UsageError(
            f"mktd crm campaigns does not support {client.label} yet.",
            hint="Use --platform salesforce",
        )
    start = datetime(since.year, since.month, since.day).astimezone() if since else None
    by_draft: dict[str, list[tuple[str, str | None]]] = defaultdict(list)
    read = 0
    for lead in client.contacts_with_attribution(start):
        read += 1
        draft = (lead.attribution.draft_id or "").strip().upper()
        if draft:
            by_draft[draft].append((lead.id, lead.attribution.campaign))
    known = store.known_draft_ids(by_draft) if store.exists() else set()
    drafts = store.drafts_with_posts(known) if known else {}
    members: dict[str, list[str]] = defaultdict(list)
    for draft_id in sorted(known):
        for lead_id, utm_campaign in by_draft[draft_id]:
            name = drafts.get(draft_id, {}).get("campaign") or utm_campaign or draft_id
            members[str(name)].append(lead_id)
    result = CampaignsResult(client.name, read, sum(len(v) for v in members.values()))
    for name, ids in sorted(members.items()):
        campaign = client.ensure_campaign(name, name)
        added = client.add_campaign_members(campaign, ids, status)
        result.requests += getattr(added, "requests", 0)
        result.campaigns.append(
            CampaignRow(
                name,
                campaign.id,
                campaign.created,
                len(ids),
                added.added,
                added.existing,
                list(added.errors),
            )  # fmt: skip
        )
    return result

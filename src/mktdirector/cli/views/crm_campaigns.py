"""What `mktd crm campaigns` shows: one row per CRM Campaign, its new and existing members."""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.crm.campaigns import CampaignsResult


def campaigns(result: CampaignsResult, label: str, json_out: bool) -> None:
    if json_out:
        return _output.emit_json(result)
    if not result.campaigns:
        return _output.info(
            f"No {label} lead came from a mktd post ({result.leads_read:,} read); nothing to add."
        )
    rows = []
    for c in result.campaigns:
        row = asdict(c)
        row["new"] = "created" if c.created else "found"
        rows.append(row)
    _output.table(
        rows,
        ["campaign", "crm_id", "new", "leads", "added", "existing"],
        headers=["campaign", f"{label} id", "campaign was", "leads", "added", "already members"],
        no_wrap=["crm_id"],
    )
    for c in result.campaigns:
        for err in c.errors:
            _output.warn(f"{c.campaign}: {err}")
    _output.success(
        f"{result.attributed:,} of {result.leads_read:,} {label} lead(s) came from mktd posts; "
        f"{sum(c.added for c in result.campaigns):,} added to {len(result.campaigns)} campaign(s)."
    )

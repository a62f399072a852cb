"""Campaigns and CampaignMembers: a mktd campaign becomes one Salesforce Campaign, created once.

A Campaign is found by name (or by `salesforce.campaign_external_id_field` when the org keeps
mktd's campaign key in a custom field) before it is created. `POST /sobjects/Campaign` is not
idempotent: when its answer is lost, the Campaign is looked up again instead of being created
a second time. Members are added through sObject Collections (200 per request,
`allOrNone=false`); a lead that is already a member (DUPLICATE_VALUE) counts as existing.
Shapes: Object Reference (Campaign, CampaignMember), reference card 4.4.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.integrations.salesforce.models import Campaign, MemberResult, soql_quote

Request = Callable[..., httpx.Response]
Query = Callable[[str], list[dict[str, Any]]]
Parse = Callable[[httpx.Response], Any]  # the client's `json`: a clear error for a bad body
BATCH = 200


class CampaignWriter:
    def __init__(
        self,
        request: Request,
        query: Query,
        prefix: str,
        *,
        parse: Parse,
        external_id: str | None = None,
    ) -> None:
        self._parse = parse
        self._request = request
        self._query = query
        self.prefix = prefix
        self.external_id = external_id

    def find(self, name: str, key: str | None = None) -> Campaign | None:
        """The oldest Campaign with this external key (when configured) or this name."""
        if self.external_id and key:
            where = f"{self.external_id} = {soql_quote(key)}"
        else:
            where = f"Name = {soql_quote(name)}"
        rows = self._query(
            f"SELECT Id, Name FROM Campaign WHERE {where} ORDER BY CreatedDate LIMIT 1"
        )
        return (
            Campaign(str(rows[0]["Id"]), str(rows[0].get("Name") or name), False) if rows else None
        )

    def ensure(self, name: str, key: str | None = None) -> Campaign:
        """The Campaign for this mktd campaign, created (once) when it does not exist."""
        if not name.strip():
            raise E.UsageError("A campaign needs a name to be found or created in Salesforce.")
        found = self.find(name, key)
        if found is not None:
            return found
        body: dict[str, Any] = {"Name": name[:80], "IsActive": True, "Status": "In Progress"}
        if self.external_id and key:
            body[self.external_id] = key
        try:
            response = self._request("POST", f"{self.prefix}/sobjects/Campaign", json=body,
                                     idempotent=False)  # fmt: skip
            made = self._parse(response)  # a cut-off answer is an unknown outcome too
        except (E.ApiConnectionError, E.ServerError, E.ApiResponseError) as e:
            if not E.outcome_unknown(e):
                raise
            again = self.find(name, key)  # the create may have happened: look before anything
            if again is not None:
                return Campaign(again.id, again.name, True)
            raise
        return Campaign(str(made["id"]), name[:80], True)

    def add_members(
        self, campaign: Campaign, lead_ids: Sequence[str], status: str = "Responded"
    ) -> MemberResult:
        """Make each lead (00Q…) or contact (003…) a member of `campaign`."""
        result = MemberResult(campaign)
        ids = list(dict.fromkeys(i for i in lead_ids if i))
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            records = [
                {"attributes": {"type": "CampaignMember"}, "CampaignId": campaign.id,
                 "ContactId" if i.startswith("003") else "LeadId": i, "Status": status}
                for i in part
            ]  # fmt: skip
            result.requests += 1
            # A member is unique per (campaign, lead): resending can only meet DUPLICATE_VALUE.
            response = self._request("POST", f"{self.prefix}/composite/sobjects",
                                     json={"allOrNone": False, "records": records},
                                     idempotent=True)  # fmt: skip
            for lead, answer in zip(part, self._parse(response), strict=False):
                if answer.get("success"):
                    result.added += 1
                    continue
                err = (answer.get("errors") or [{}])[0]
                if err.get("statusCode") == "DUPLICATE_VALUE":
                    result.existing += 1
                else:
                    result.errors.append(f"{lead}: {err.get('statusCode')}: {err.get('message')}")
        return result

"""HubSpot CRM client: validate a token, create/get/upsert/search contacts, read attribution.

Auth is a private-app or service-key token sent as Bearer (HUBSPOT_API_KEY or the keyring).
Legacy `hapikey` keys were switched off in 2022; one is recognised and refused with the steps
to create a token. Limits: the lowest published burst (100 calls per 10 s, Free/Starter and
OAuth apps) is declared so bulk work runs at that rate; `X-HubSpot-RateLimit-*` headers tighten
it; a 429 is read by its `policyName` (DAILY stops until the account's midnight, the
10-second policies wait a few seconds). Facts: reference card api-crm-email.md section 1.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import islice
from typing import Any, ClassVar

import httpx

from mktdirector.core import errors as E
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.ratelimit import Limit, per_second
from mktdirector.core.redact import register
from mktdirector.integrations._api_helpers import (
    checked,
    header_int,
    rate_limit,
)
from mktdirector.integrations.base import ConnectionCheck, Integration
from mktdirector.integrations.capabilities import KeyCheck
from mktdirector.integrations.hubspot.models import (
    DEFAULT_PROPERTIES,
    SOURCE_PROPERTIES,
    AccountInfo,
    Contact,
    ContactExistsError,
    ContactRef,
    ImportRateLimited,
    UnknownPropertyError,
    UpsertBatch,
    UpsertError,
    UpsertSummary,
)
from mktdirector.integrations.hubspot.policy import TOKEN_STEPS, HubSpotPolicy, as_list
from mktdirector.integrations.hubspot.search import (
    SEARCH,
    SEARCH_PAGE,
    ContactSearch,
    check_filters,
)

log = logging.getLogger("mktd.hubspot")

BATCH_SIZE = 100  # batch inputs per request (card 1.3: the advised maximum)
CONTACTS = "/crm/v3/objects/contacts"
_LEGACY_KEY = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


class HubSpotClient(Integration):
    """HubSpot CRM v3 over the choke point. Every method raises the mktd error tree."""

    name = "hubspot"
    default_base_url = "https://api.hubapi.com"
    # What every contact read asks for besides the attribution properties (CrmClient).
    contact_properties: ClassVar[tuple[str, ...]] = DEFAULT_PROPERTIES
    rate_limits = (
        # A fixed 10-s window at the lowest published tier; server headers cover the rest.
        Limit("ten_secondly", 100, 10.0),
        # Search has its own, lower limit (card 1.4: budget 4/s per token).
        per_second("search", 4, paths=(SEARCH,)),
    )

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._property_names: set[str] | None = None
        self._utc_offset_ms: int | None = None
        self.last_rate: dict[str, Any] = rate_limit(None)
        if self.connection is not None:
            register(self.connection.secret())

    # account ---------------------------------------------------------------------------------
    def account_info(self) -> AccountInfo:
        """The token's portal (`GET /account-info/v3/details`); also the cheap validity check."""
        data = self.json(self._request("GET", "/account-info/v3/details"), "portalId")
        info = AccountInfo.from_api(data)
        self._utc_offset_ms = info.utc_offset_ms
        return info

    def check_key(self) -> KeyCheck:
        """Whose key this is, from the account-info call (`mktd authorize hubspot`)."""
        info = self.account_info()  # a legacy hapikey is refused here, before any request
        kind = (info.account_type or "unknown type").lower()
        extra = {"portal_id": info.portal_id, "account_type": info.account_type,
                 "time_zone": info.time_zone, "ui_domain": info.ui_domain}  # fmt: skip
        return KeyCheck(str(info.portal_id), f"portal {info.portal_id} ({kind})", extra)

    def test_connection(self) -> ConnectionCheck:
        """`connected` with the portal id, or `error`/`missing_credentials` with the reason."""

        def probe() -> ConnectionCheck:
            info = self.account_info()
            return ConnectionCheck(
                "connected",
                self.name,
                organization_id=str(info.portal_id),
                rate_limit=self.last_rate,
                detail=f"portal {info.portal_id} ({info.account_type or 'unknown type'})",
            )

        return checked(self.name, probe)

    def connection_probe_request(self) -> httpx.Request:
        """The request `test_connection` sends (for --dry-run)."""
        return self.http.build_request("GET", "/account-info/v3/details")

    # contacts --------------------------------------------------------------------------------
    def create_contact(self, properties: Mapping[str, Any]) -> ContactRef:
        """Create one contact. An existing email is not a failure: its id comes back.

        A create is not idempotent: after a timeout or 5xx the contact is read back by email
        before anything else is tried, so a contact is never created twice by mktd.
        """
        props = _props(properties)
        email = props.get("email")
        try:
            response = self._request("POST", CONTACTS, json={"properties": props})
        except ContactExistsError as e:
            existing = e.existing_id or (self._find_id(email) if email else None)
            if existing is None:
                raise
            return ContactRef(existing, email, created=False)
        except (E.ApiConnectionError, E.ServerError) as e:
            if email and getattr(e, "sent", True):
                found = self._read_back(email)
                if found is not None:
                    return ContactRef(found, email, created=True)
            raise
        return ContactRef(str(self.json(response, "id")["id"]), email, created=True)

    def get_contact_by_email(
        self, email: str, properties: Sequence[str] | None = None
    ) -> Contact | None:
        """The contact with this email (`idProperty=email`), or None."""
        if not email.strip():
            raise E.UsageError("An email address is needed to look up a HubSpot contact.")
        params = {"idProperty": "email"}
        if properties:
            params["properties"] = ",".join(properties)
        try:
            response = self._request(
                "GET", CONTACTS + "/{email}", path_params={"email": email.strip()}, params=params
            )
        except E.NotFoundError:
            return None
        return Contact.from_api(self.json(response, "id"))

    def batch_upsert_contacts(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = BATCH_SIZE,
        total: int | None = None,
        on_batch: Callable[[UpsertBatch], None] | None = None,
    ) -> UpsertSummary:
        """Create or update contacts by email, `batch_size` rows per request.

        Rows without an email, and rows HubSpot refuses, are reported in `errors` with their
        positions and skipped; the rest are kept (a refused batch is split to isolate the bad
        rows). Safe to retry, so transient failures are retried. On a rate limit that cannot
        be waited out, raises `ImportRateLimited` carrying the summary of what was done.
        """
        if not 1 <= batch_size <= BATCH_SIZE:
            raise E.UsageError(f"batch_size must be between 1 and {BATCH_SIZE}.")
        summary = UpsertSummary()
        it = iter(rows)
        start = 0
        while chunk := list(islice(it, batch_size)):
            batch = UpsertBatch(index=summary.batches, start=start, size=len(chunk))
            inputs: dict[str, dict[str, Any]] = {}  # email (lowercased) -> input
            positions: dict[str, list[int]] = {}
            for offset, row in enumerate(chunk):
                props = _props(row)
                email = (props.get("email") or "").strip()
                if not email:
                    batch.errors.append(UpsertError("row has no email", rows=(start + offset,)))
                    continue
                key = email.lower()
                # HubSpot refuses duplicate ids in one batch: merge them, later values win.
                entry = inputs.setdefault(
                    key, {"id": email, "idProperty": "email", "properties": {}}
                )
                entry["properties"].update(props)
                entry["objectWriteTraceId"] = key
                positions.setdefault(key, []).append(start + offset)
            try:
                self._upsert(list(inputs.values()), positions, batch)
            except E.RateLimitError as e:
                raise ImportRateLimited(e, summary, total) from None
            summary.add(batch)
            if on_batch is not None:
                on_batch(batch)
            start += len(chunk)
        return summary

    def _upsert(
        self, inputs: list[dict[str, Any]], positions: dict[str, list[int]], batch: UpsertBatch
    ) -> None:
        if not inputs:
            return
        batch.requests += 1
        try:
            response = self._request(
                "POST", f"{CONTACTS}/batch/upsert", json={"inputs": inputs}, idempotent=True
            )
        except UnknownPropertyError:
            raise  # every row would fail alike: stop the import
        except E.BadRequestError as e:
            # One bad value fails the whole batch: halve it to keep the good rows.
            if len(inputs) > 1:
                mid = len(inputs) // 2
                self._upsert(inputs[:mid], positions, batch)
                self._upsert(inputs[mid:], positions, batch)
                return
            key = inputs[0]["objectWriteTraceId"]
            batch.errors.append(
                UpsertError(e.message, e.code, tuple(positions[key]), (inputs[0]["id"],))
            )
            return
        data = self.json(response, "results")
        by_trace = {i["objectWriteTraceId"]: i["id"] for i in inputs}
        for raw in data["results"]:
            props = raw.get("properties") or {}
            email = by_trace.get(raw.get("objectWriteTraceId")) or props.get("email")
            batch.results.append(ContactRef(str(raw["id"]), email, bool(raw.get("new"))))
        for err in data.get("errors") or []:
            refs = {str(v) for vals in (err.get("context") or {}).values() for v in as_list(vals)}
            keys = sorted(k for k in positions if k in refs or by_trace.get(k) in refs)
            batch.errors.append(
                UpsertError(
                    str(err.get("message") or "refused"),
                    err.get("category"),
                    tuple(p for k in keys for p in positions[k]),
                    tuple(by_trace[k] for k in keys if k in by_trace),
                )
            )

    def search_contacts(
        self,
        filters: Sequence[Mapping[str, Any]] = (),
        properties: Sequence[str] | None = None,
        after: str | None = None,
        *,
        filter_groups: Sequence[Sequence[Mapping[str, Any]]] | None = None,
        sorts: Sequence[Mapping[str, str]] | None = None,
        page_size: int = SEARCH_PAGE,
    ) -> ContactSearch:
        """Contacts matching `filters` (ANDed) or `filter_groups` (ORed groups of ANDs).

        Iterate the result to page with `after`. HubSpot serves at most 10,000 results per
        query: iteration then stops and `.capped` is True (narrow the query to go further).
        """
        groups = [list(g) for g in filter_groups] if filter_groups else []
        if filters:
            groups.append(list(filters))
        check_filters(groups)
        if not 1 <= page_size <= SEARCH_PAGE:
            raise E.UsageError(f"page_size must be between 1 and {SEARCH_PAGE}.")
        body: dict[str, Any] = {
            "filterGroups": [{"filters": [dict(f) for f in g]} for g in groups],
            "properties": list(properties or DEFAULT_PROPERTIES),
            "limit": page_size,
        }
        if sorts:
            body["sorts"] = [dict(s) for s in sorts]

        def fetch(cursor: str | None) -> dict[str, Any]:
            page = dict(body, after=cursor) if cursor else body
            return self.json(self._request("POST", SEARCH, json=page), "results")  # type: ignore[no-any-return]

        return ContactSearch(fetch, after)

    # attribution -----------------------------------------------------------------------------
    def attribution_properties(self) -> list[str]:
        """The attribution properties this portal has (probed once per client)."""
        if self._property_names is None:
            try:
                response = self._request("GET", "/crm/v3/properties/contacts")
            except E.PermissionDeniedError:
                # Without crm.schemas.contacts.read, ask for HubSpot's own properties only
                # (reads ignore names a portal lacks).
                log.warning("cannot list HubSpot contact properties; UTM fields not probed")
                return list(SOURCE_PROPERTIES)
            data = self.json(response, "results")
            self._property_names = {str(p.get("name")) for p in data["results"]}
        names = self._property_names
        found = [p for p in SOURCE_PROPERTIES if p in names]
        found += sorted(n for n in names if "utm" in n.lower() and n not in found)
        return found

    def contacts_with_attribution(self, since: datetime | None = None) -> ContactSearch:
        """Contacts created since `since` (oldest first) with their attribution properties."""
        filters = []
        if since is not None:
            ms = int(since.timestamp() * 1000)
            filters.append({"propertyName": "createdate", "operator": "GTE", "value": str(ms)})
        props = list(DEFAULT_PROPERTIES) + self.attribution_properties()
        return self.search_contacts(
            filters, props, sorts=[{"propertyName": "createdate", "direction": "ASCENDING"}]
        )

    # hooks and plumbing ------------------------------------------------------------------------
    def policy(self) -> PlatformPolicy:
        return HubSpotPolicy(
            daily_reset=self.seconds_to_daily_reset, now=lambda: self.http.clock.now()
        )

    def _request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        self._check_key()
        response = self.http.request(method, path, **kw)
        h = response.headers
        remaining = header_int(h, "x-hubspot-ratelimit-daily-remaining")
        if remaining is None:
            remaining = header_int(h, "x-hubspot-ratelimit-remaining")
        if remaining is not None:
            self.last_rate = rate_limit(remaining, None)
        return response

    def _check_key(self) -> None:
        conn = self.require_connection()
        if _LEGACY_KEY.fullmatch((conn.secret() or "").strip()):
            where = conn.extra.get("env") or "the stored HubSpot credential"
            raise E.ConfigError(
                f"{where} holds a legacy HubSpot API key (hapikey); HubSpot switched those off "
                "on 30 Nov 2022 and they no longer work.",
                hint=TOKEN_STEPS,
            )

    def _find_id(self, email: str) -> str | None:
        found = self.get_contact_by_email(email, ["email"])
        return found.id if found else None

    def _read_back(self, email: str) -> str | None:
        try:
            return self._find_id(email)
        except E.MktdError:
            return None  # still unknown: the caller raises the original error

    def seconds_to_daily_reset(self, now: float | None = None) -> float:
        """Seconds to the next midnight in the account's time zone (UTC until it is known)."""
        now = self.http.clock.now() if now is None else now
        local = now + (self._utc_offset_ms or 0) / 1000.0
        return (local // 86400 + 1) * 86400 - local


def _props(row: Mapping[str, Any]) -> dict[str, str]:
    # HubSpot property values are strings; None means "not given" (not "clear it").
    out = {}
    for k, v in row.items():
        if v is None:
            continue
        out[str(k)] = ("true" if v else "false") if isinstance(v, bool) else str(v)
    return out

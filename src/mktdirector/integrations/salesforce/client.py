"""Salesforce CRM client: Leads and Contacts with their attribution, Campaigns and members.

Auth is an OAuth 2.0 user token (web-server flow with PKCE, `mktd authorize salesforce`) kept
with the org's `instance_url`, or a ready `SALESFORCE_ACCESS_TOKEN` with
`SALESFORCE_INSTANCE_URL`. Calls go to the instance (never the login host) under
`/services/data/v<salesforce.api_version>`, a version checked once against
`GET /services/data/`. A 401 INVALID_SESSION_ID refreshes once and resends (the token keeper
in integrations/oauth/tokens.py). Limits: the org's rolling daily allocation, read from the
`Sforce-Limit-Info` header (policy.py). Facts: reference card api-crm-email.md section 4.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

import httpx

from mktdirector.core import errors as E
from mktdirector.core.platforms import url_override
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.redact import register
from mktdirector.integrations._api_helpers import checked, rate_limit
from mktdirector.integrations.base import ConnectionCheck
from mktdirector.integrations.capabilities import AccountIdentity
from mktdirector.integrations.crm_models import UpsertBatch, UpsertSummary
from mktdirector.integrations.oauth.tokens import OAuthIntegration
from mktdirector.integrations.salesforce.campaigns import CampaignWriter
from mktdirector.integrations.salesforce.models import (
    READ_FIELDS,
    ApiVersion,
    Campaign,
    FieldMap,
    MemberResult,
    Record,
    soql_datetime,
    soql_quote,
)
from mktdirector.integrations.salesforce.policy import SalesforcePolicy, api_usage
from mktdirector.integrations.salesforce.query import QueryPages
from mktdirector.integrations.salesforce.upsert import BATCH_SIZE, LeadWriter, in_lists

DEFAULT_API_VERSION = "66.0"  # Spring '26; every org on a later release serves it too
VERSION_SETTING = "salesforce.api_version"
_VERSION = re.compile(r"\d{2,3}\.0")
_ID_URL = re.compile(r"/id/(?P<org>[A-Za-z0-9]{15,18})/(?P<user>[A-Za-z0-9]{15,18})/?$")
NO_INSTANCE_HINT = (
    "mktd authorize salesforce, or set SALESFORCE_INSTANCE_URL (e.g. "
    "https://yourdomain.my.salesforce.com) with SALESFORCE_ACCESS_TOKEN"
)


def org_and_user(id_url: str | None) -> tuple[str | None, str | None]:
    """(org id, user id) from the token answer's identity URL `.../id/<org>/<user>`."""
    m = _ID_URL.search(id_url or "")
    return (m.group("org"), m.group("user")) if m else (None, None)


class SalesforceClient(OAuthIntegration):
    """Salesforce REST over the choke point. Every method raises the mktd error tree."""

    name = "salesforce"
    # Until an instance is known; `_request` refuses to call it (the API lives on the instance).
    default_base_url = "https://login.salesforce.com"
    contact_properties: ClassVar[tuple[str, ...]] = ("email", "firstname", "lastname", "company")
    # `contacts_with_attribution(since)` reads records changed since then (SystemModstamp), so
    # `mktd crm sync` starts where the last sync ended (agents/crm/incremental.py).
    reads_changes: ClassVar[bool] = True

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self._versions_checked = False
        self._described: dict[str, set[str]] = {}
        self.last_rate: dict[str, Any] = rate_limit(None)
        if self.connection is not None:
            register(self.connection.secret(), self.connection.refresh_token)

    # where the API is ---------------------------------------------------------------------------
    def instance_url(self) -> str | None:
        """MKTD_SALESFORCE_BASE_URL, the token's instance_url, SALESFORCE_INSTANCE_URL, config."""
        conn = self.connection
        stored = conn.extra.get("instance_url") if conn is not None else None
        from_env = os.environ.get("SALESFORCE_INSTANCE_URL", "").strip()
        found = (
            url_override(self.name, "base")
            or stored
            or from_env
            or self.config(f"{self.name}.base_url")
        )
        return str(found).rstrip("/") if found else None

    def base_url(self) -> str:
        return self.instance_url() or self.default_base_url

    @property
    def api_version(self) -> str:
        value = str(self.config(VERSION_SETTING) or DEFAULT_API_VERSION).strip().lstrip("vV")
        if not _VERSION.fullmatch(value):
            raise E.ConfigError(
                f"{VERSION_SETTING} is {value!r}; Salesforce versions look like 66.0.",
                hint=f"mktd config set {VERSION_SETTING} {DEFAULT_API_VERSION}",
            )
        return value

    @property
    def prefix(self) -> str:
        return f"/services/data/v{self.api_version}"

    @property
    def field_map(self) -> FieldMap:
        return FieldMap.from_config(
            self.config("salesforce.field_map"),
            self.config("salesforce.utm_fields"),
            self.config("salesforce.external_id_field") or None,
        )

    def versions(self) -> list[ApiVersion]:
        """`GET /services/data/`: the versions the org serves (no auth, not counted)."""
        data = self.json(self.http.request("GET", "/services/data/"))
        if not isinstance(data, list):
            raise E.ApiResponseError(
                "Salesforce's version list is not a list.", platform=self.name,
                hint="Check SALESFORCE_INSTANCE_URL / MKTD_SALESFORCE_BASE_URL",
            )  # fmt: skip
        return [ApiVersion(str(v.get("version")), str(v.get("label")), str(v.get("url")))
                for v in data if isinstance(v, dict)]  # fmt: skip

    def check_version(self) -> str:
        """The configured version if the org serves it; else a clear error naming the setting."""
        wanted = self.api_version
        if self._versions_checked:
            return wanted
        served = [v.version for v in self.versions() if _VERSION.fullmatch(v.version)]
        if wanted not in served:
            newest = max(served, key=lambda v: float(v), default=None)
            span = f"{min(served, key=float)}–{newest}" if newest else "none"
            raise E.ConfigError(
                f"Salesforce API version {wanted} ({VERSION_SETTING}) is not served by this "
                f"org (it serves {span}); the version may be retired.",
                hint=f"mktd config set {VERSION_SETTING} {newest or DEFAULT_API_VERSION}",
            )
        self._versions_checked = True
        return wanted

    # identity and health ------------------------------------------------------------------------
    def identify(self) -> AccountIdentity:
        """The token's user: ids from the identity URL, the username with one SOQL query."""
        conn = self.require_connection()
        org, user = org_and_user(conn.extra.get("id"))
        if user is None:
            data = self.json(self._request("GET", "/services/oauth2/userinfo", raw=True))
            org, user = data.get("organization_id"), data.get("user_id")
        rows = self.query(f"SELECT Username, Name FROM User WHERE Id = {soql_quote(str(user))}")
        username = str(rows[0].get("Username")) if rows else str(user)
        if org:
            conn.extra["organization_id"] = org
        return AccountIdentity(str(user), username, username)

    def limits(self) -> dict[str, Any]:
        """`GET /limits`: every allocation of the org (`DailyApiRequests: {Max, Remaining}`)."""
        return self.json(self._request("GET", "/limits"), "DailyApiRequests")  # type: ignore[no-any-return]

    def test_connection(self) -> ConnectionCheck:
        """`connected` with DailyApiRequests remaining, or `error`/`missing_credentials`."""

        def probe() -> ConnectionCheck:
            if self.instance_url() is None:
                raise E.MissingCredentialError(self.name)
            daily = self.limits()["DailyApiRequests"]
            remaining, most = _count(daily.get("Remaining")), _count(daily.get("Max"))
            org = self.connection.extra.get("organization_id") if self.connection else None
            self.last_rate = rate_limit(remaining)
            return ConnectionCheck(
                "connected",
                self.name,
                user_id=self.connection.user_id if self.connection else None,
                organization_id=org,
                rate_limit=self.last_rate,
                detail=f"{self.instance_url()} (API v{self.api_version}): DailyApiRequests "
                f"{_shown(remaining)} of {_shown(most)} left",
            )

        return checked(self.name, probe)

    def connection_probe_request(self) -> httpx.Request:
        """The request `test_connection` sends (for --dry-run)."""
        return self.http.build_request("GET", f"{self.prefix}/limits")

    # reads ---------------------------------------------------------------------------------
    def query(self, soql: str) -> list[dict[str, Any]]:
        """Every record of one SOQL query (all pages)."""
        return list(QueryPages(self._fetch, [soql], prefix=self.prefix).raw())

    def fields_of(self, sobject: str) -> set[str]:
        """The field names of `sobject` (`GET /sobjects/<type>/describe`, once per client)."""
        if sobject not in self._described:
            data = self.json(
                self._request("GET", "/sobjects/{type}/describe", path_params={"type": sobject}),
                "fields",
            )
            self._described[sobject] = {str(f.get("name")) for f in data["fields"]}
        return self._described[sobject]

    def utm_fields(self, sobject: str = "Lead") -> dict[str, str]:
        """The mapped UTM fields `sobject` really has (utm key -> field name)."""
        names = self.fields_of(sobject)
        return {k: f for k, f in self.field_map.utm.items() if f in names}

    def attribution_properties(self) -> list[str]:
        return ["LeadSource", *self.utm_fields("Lead").values()]

    def _select(self, sobject: str, extra: Iterable[str] = ()) -> str:
        names = self.fields_of(sobject)
        wanted = [*READ_FIELDS[sobject], *self.utm_fields(sobject).values()]
        wanted += [f for f in extra if f in names and f not in wanted]
        return f"SELECT {', '.join(wanted)} FROM {sobject}"

    def get_contact_by_email(
        self, email: str, properties: Sequence[str] | None = None
    ) -> Record | None:
        """The oldest Lead with this email, else the oldest Contact, or None."""
        if not email.strip():
            raise E.UsageError("An email address is needed to look up a Salesforce lead.")
        where = f"WHERE Email = {soql_quote(email.strip())} ORDER BY CreatedDate LIMIT 1"
        for sobject in ("Lead", "Contact"):
            pages = self._pages([f"{self._select(sobject, properties or ())} {where}"])
            for record in pages:
                return record
        return None

    def contacts_with_attribution(self, since: datetime | None = None) -> QueryPages:
        """Unconverted Leads, then Contacts, changed since `since` (SystemModstamp), oldest
        change first. A converted Lead is left out: its Contact (same person, same email) is
        read instead, with the Lead's attribution when the Contact has none of its own."""
        changed = ""
        if since is not None:
            changed = f"SystemModstamp >= {soql_datetime(since.astimezone(UTC).isoformat())}"
        order = " ORDER BY SystemModstamp, Id"
        lead = f"{self._select('Lead')} WHERE IsConverted = false"
        lead += f" AND {changed}" if changed else ""
        contact = self._select("Contact") + (f" WHERE {changed}" if changed else "")
        return self._pages([lead + order, contact + order])

    def _pages(self, queries: list[str]) -> QueryPages:
        lead_utm = self.utm_fields("Lead")
        # A Contact's attribution may come from its converted Lead, under the Lead's fields.
        utm = {"Lead": lead_utm, "Contact": {**lead_utm, **self.utm_fields("Contact")}}
        return QueryPages(self._fetch, queries, utm, prefix=self.prefix,
                          enrich=self._from_converted_leads)  # fmt: skip

    def _from_converted_leads(self, records: list[dict[str, Any]]) -> None:
        """Contacts without UTM values get those (and LeadSource) of the Lead converted into
        them: one SOQL query per page of Contacts that need it."""
        own = list(self.utm_fields("Contact").values())
        bare = [r for r in records if (r.get("attributes") or {}).get("type") == "Contact"
                and not any(r.get(f) for f in own)]  # fmt: skip
        lead_utm = list(self.utm_fields("Lead").values())
        if not bare or not lead_utm or "ConvertedContactId" not in self.fields_of("Lead"):
            return
        fields = ", ".join(["ConvertedContactId", "LeadSource", *lead_utm])
        by_contact: dict[str, dict[str, Any]] = {}
        for ids in in_lists([soql_quote(str(r["Id"])) for r in bare]):
            for lead in self.query(
                f"SELECT {fields} FROM Lead WHERE IsConverted = true AND ConvertedContactId "
                f"IN ({ids}) ORDER BY CreatedDate"
            ):
                by_contact.setdefault(str(lead.get("ConvertedContactId")), lead)
        for r in bare:
            origin = by_contact.get(str(r["Id"]))
            if origin is None:
                continue
            for f in lead_utm:
                r[f] = origin.get(f)
            r["LeadSource"] = r.get("LeadSource") or origin.get("LeadSource")

    def _fetch(
        self, path: str, params: Mapping[str, str] | None, path_params: Mapping[str, str] | None
    ) -> dict[str, Any]:
        response = self._request("GET", path, params=params, path_params=path_params, raw=True)
        return self.json(response, "records")  # type: ignore[no-any-return]

    # writes --------------------------------------------------------------------------------
    def batch_upsert_contacts(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        batch_size: int = BATCH_SIZE,
        total: int | None = None,
        on_batch: Callable[[UpsertBatch], None] | None = None,
    ) -> UpsertSummary:
        """Create or update Leads by email (or `salesforce.external_id_field`), 200 a request.

        Refused rows are reported with their positions; a rate limit raises
        `ContactImportStopped` carrying what was done, so the import can resume.
        """
        self._request_ready()
        writer = LeadWriter(
            lambda method, path, **kw: self._request(method, path, raw=True, **kw),
            self.query,
            self.prefix,
            self.field_map,
            external_id=self.config("salesforce.external_id_field") or None,
            sleep=self.http.clock.sleep,
            parse=self.json,
            lead_fields=lambda: self.fields_of("Lead"),
            label=self.label,
        )
        return writer.run(rows, batch_size=batch_size, total=total, on_batch=on_batch)

    def campaigns(self) -> CampaignWriter:
        """Campaigns and CampaignMembers (agents/crm/campaigns.py drives them)."""
        self._request_ready()
        return CampaignWriter(
            lambda method, path, **kw: self._request(method, path, raw=True, **kw),
            self.query,
            self.prefix,
            parse=self.json,
            external_id=self.config("salesforce.campaign_external_id_field") or None,
        )

    def ensure_campaign(self, name: str, external_id: str | None = None) -> Campaign:
        return self.campaigns().ensure(name, external_id)

    def add_campaign_members(
        self, campaign: Campaign, lead_ids: Sequence[str], status: str = "Responded"
    ) -> MemberResult:
        return self.campaigns().add_members(campaign, lead_ids, status)

    # plumbing ---------------------------------------------------------------------------------
    def policy(self) -> PlatformPolicy:
        return SalesforcePolicy()

    def _request_ready(self) -> None:
        self.ensure_token()
        if self.instance_url() is None:
            raise E.ConfigError("Salesforce's instance URL is unknown.", hint=NO_INSTANCE_HINT)
        self.api_version  # noqa: B018 - a malformed setting fails before anything is sent

    def _request(self, method: str, path: str, *, raw: bool = False, **kw: Any) -> httpx.Response:
        """A call under the API version prefix (`raw`: `path` is already absolute).

        The version is checked against `GET /services/data/` when a versioned path is not
        found (404, or 410 for a retired one), so a good setting costs no extra request.
        """
        self._request_ready()
        full = path if raw else self.prefix + path
        try:
            response = self.http.request(method, full, **kw)
        except E.ApiStatusError as e:
            if e.status_code in (404, 410) and full.startswith(self.prefix + "/"):
                self.check_version()  # raises the clear error when the version is the cause
            raise
        usage = api_usage(response.headers)
        if usage is not None:
            self.last_rate = rate_limit(max(usage[1] - usage[0], 0))
        return response


def _count(value: Any) -> int | None:
    """A count from the limits resource, or None when it is missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _shown(value: int | None) -> str:
    return "?" if value is None else f"{value:,}"

"""Mailchimp Marketing API 3.0 client: key check, audiences, member imports, campaigns, reports.

Auth is the API key as the HTTP Basic password (any user name), as Mailchimp's own SDK does.
The key's `-dc` suffix names the data centre: `https://<dc>.api.mailchimp.com/3.0`;
MKTD_MAILCHIMP_BASE_URL (or config `mailchimp.base_url`) replaces `https://<dc>.api.mailchimp.com`.
Mailchimp's only published limit is 10 simultaneous connections per key, so an import sends up
to 10 batch-subscribe calls at once and no more. Creating a campaign and sending it are never
retried blindly: the send flow (agents/email/campaign.py) reads the campaign back instead.
Facts: reference card api-crm-email.md §5; shapes in tests/integrations/mailchimp/fixtures/.
"""

from __future__ import annotations

import contextvars
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any

import httpx

from mktdirector.core import errors as E
from mktdirector.core.http import HttpClient
from mktdirector.core.platforms import url_override
from mktdirector.core.policy import PlatformPolicy
from mktdirector.core.ratelimit import Limiter, StateBackend, Transform
from mktdirector.core.redact import register
from mktdirector.integrations._api_helpers import checked, rate_limit
from mktdirector.integrations.base import ConnectionCheck, Integration
from mktdirector.integrations.capabilities import KeyCheck
from mktdirector.integrations.email_models import CampaignSpec
from mktdirector.integrations.mailchimp import models as M
from mktdirector.integrations.mailchimp.policy import KEY_STEPS, MAX_CONNECTIONS, MailchimpPolicy

_KEY = re.compile(r"[0-9A-Za-z_]+-([a-z]{2,4}[0-9]{1,3})")
CAMPAIGN = "/campaigns/{campaign_id}"


def data_center(key: str) -> str:
    """The `us6` of `…-us6`; a ConfigError naming the expected shape otherwise."""
    m = _KEY.fullmatch(key.strip())
    if m is None:
        raise E.ConfigError(
            "That is not a Mailchimp API key: it should end in its data centre, like …-us6.",
            hint=KEY_STEPS,
        )
    return m.group(1)


class MailchimpClient(Integration):
    """Mailchimp Marketing API 3.0 over the choke point."""

    name = "mailchimp"
    default_base_url = "https://us1.api.mailchimp.com/3.0"
    rate_limits = ()

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        if self.connection is not None:
            register(self.connection.secret())

    # declarations ----------------------------------------------------------------------------
    def base_url(self) -> str:
        host = url_override(self.name, "base") or self.config(f"{self.name}.base_url")
        if host:
            return f"{str(host).rstrip('/')}/3.0"
        key = self.connection.secret() if self.connection else None
        if not key or _KEY.fullmatch(key.strip()) is None:
            return self.default_base_url  # a bad key is refused by check_key/require_connection
        return f"https://{data_center(key)}.api.mailchimp.com/3.0"

    def auth(self) -> httpx.Auth | None:
        key = self.connection.secret() if self.connection else None
        return httpx.BasicAuth("mktd", key) if key else None

    def policy(self) -> PlatformPolicy:
        return MailchimpPolicy()

    def require_connection(self) -> Any:
        conn = super().require_connection()
        data_center(str(conn.secret()))  # a key names its data centre, wherever it is sent
        return conn

    # key -------------------------------------------------------------------------------------
    def ping(self) -> str:
        """`GET /ping`: Mailchimp's health check, which also proves the key."""
        data = self.json(self._request("GET", "/ping"))
        return str(data.get("health_status") or "ok") if isinstance(data, dict) else "ok"

    def account_info(self) -> dict[str, Any]:
        """`GET /` (root): who the key belongs to."""
        params = {"fields": "account_id,account_name,email,login_id"}
        data = self.json(self._request("GET", "/", params=params), "account_id")
        return dict(data)

    def check_key(self) -> KeyCheck:
        """Ping, then name the account (`mktd authorize mailchimp` saves only after both)."""
        self.require_connection()
        self.ping()
        acct = self.account_info()
        name = acct.get("account_name") or acct.get("email") or acct["account_id"]
        dc = urlsplit_host(self.http.base_url)
        return KeyCheck(str(acct["account_id"]), f"account {name}, {dc}",
                        {"account_name": name, "base_url": self.http.base_url})  # fmt: skip

    def test_connection(self) -> ConnectionCheck:
        def probe() -> ConnectionCheck:
            self.require_connection()
            status = self.ping()
            acct = self.account_info()
            # Mailchimp sends no quota headers; its limit is concurrency, not a count.
            return ConnectionCheck("connected", self.name, user_id=str(acct["account_id"]),
                                   rate_limit=rate_limit(None),
                                   detail=f"{status} (account {acct.get('account_name')})")  # fmt: skip

        return checked(self.name, probe)

    def connection_probe_request(self) -> httpx.Request:
        return self.http.build_request("GET", "/ping")

    # audiences -------------------------------------------------------------------------------
    def audiences(self) -> list[M.Audience]:
        """Every audience (`GET /lists`, paged by `count`/`offset`)."""
        out: list[M.Audience] = []
        while True:
            params = {"count": M.MAX_PAGE, "offset": len(out)}
            data = self.json(self._request("GET", "/lists", params=params), "lists")
            page = [M.Audience.from_api(x) for x in data["lists"]]
            out += page
            if not page or len(out) >= int(data.get("total_items") or 0):
                return out

    def audience(self, list_id: str) -> M.Audience:
        data = self.json(
            self._request("GET", "/lists/{list_id}", path_params={"list_id": list_id}), "id"
        )
        return M.Audience.from_api(data)

    def tag_segment(self, list_id: str, tag: str) -> int:
        """The id of the audience's tag named `tag` (a static segment), for `--segment`."""
        params = {"type": "static", "count": M.MAX_PAGE}
        data = self.json(
            self._request(
                "GET", "/lists/{list_id}/segments", path_params={"list_id": list_id}, params=params
            )
        )
        for seg in data.get("segments") or []:
            if str(seg.get("name", "")).lower() == tag.strip().lower():
                return int(seg["id"])
        raise E.UsageError(f"Audience {list_id} has no tag {tag!r}.",
                           hint=f"Tags are made in Mailchimp (Audience → Tags), or by importing with a tags column: mktd email audiences import FILE --audience {list_id}")  # fmt: skip

    def upsert_member(self, list_id: str, row: Mapping[str, Any]) -> dict[str, Any]:
        """`PUT /lists/{id}/members/{md5(lowercased email)}`: add or update one member."""
        body = M.member_body(row)
        path = "/lists/{list_id}/members/{subscriber_hash}"
        params = {"list_id": list_id, "subscriber_hash": M.subscriber_hash(body["email_address"])}
        return dict(self.json(self._request("PUT", path, path_params=params, json=body)))

    def batch_subscribe(
        self, list_id: str, members: Sequence[Mapping[str, Any]], *, http: HttpClient | None = None
    ) -> M.BatchResult:
        """`POST /lists/{id}` with up to 500 members, `update_existing`: an upsert, so it may be
        retried. Members Mailchimp refuses come back as errors; the others are imported."""
        if len(members) > M.MAX_BATCH:
            raise E.UsageError(f"At most {M.MAX_BATCH} members per batch-subscribe call.")
        body = {"members": list(members), "update_existing": True}
        response = self._request("POST", "/lists/{list_id}", path_params={"list_id": list_id},
                                 json=body, idempotent=True, http=http)  # fmt: skip
        return M.BatchResult.from_api(self.json(response), len(members))

    def import_members(
        self, list_id: str, rows: Sequence[Mapping[str, Any]], *,
        on_batch: Callable[[M.BatchResult], None] | None = None,
        connections: int = MAX_CONNECTIONS, batch_size: int = M.MAX_BATCH,
    ) -> M.ImportSummary:  # fmt: skip
        """Import rows in batches of 500, up to `connections` (≤10) calls at a time."""
        self.require_connection()
        summary = M.ImportSummary(list_id, rows=len(rows))
        # Batches run at once, so one address in two batches would end either way: a row
        # repeated later in the file updates the first one here, as a sequential import would.
        merged: dict[str, dict[str, Any]] = {}
        for r in rows:
            key = str(r.get("email") or "").strip().lower()
            if key in merged:
                summary.duplicates += 1
                tags = ";".join(t for t in (merged[key].get("tags"), r.get("tags")) if t)
                merged[key] = {**merged[key], **{k: v for k, v in r.items() if v}, "tags": tags}
            else:
                merged[key] = dict(r)
        # Bodies are built by the threads that send them: the first call leaves at once.
        chunks = M.batches(list(merged.values()), batch_size)
        if not chunks:
            return summary
        workers = max(1, min(connections, MAX_CONNECTIONS, len(chunks)))
        http = self._shared_http() if workers > 1 else self.http
        lock = threading.Lock()

        def one(chunk: list[Any]) -> M.BatchResult:
            result = self.batch_subscribe(list_id, [M.member_body(r) for r in chunk], http=http)
            with lock:
                summary.add(result)
                if on_batch is not None:
                    on_batch(result)
            return result

        try:
            with ThreadPoolExecutor(workers, thread_name_prefix="mailchimp-import") as pool:
                futures = [pool.submit(contextvars.copy_context().run, one, c) for c in chunks]
                for f in futures:
                    f.result()  # the first failure is raised (the others finish first)
        finally:
            if http is not self.http:
                http.close()
        return summary

    # campaigns -------------------------------------------------------------------------------
    def create_campaign(self, spec: CampaignSpec) -> M.Campaign:
        """`POST /campaigns`: not idempotent; the caller saves the id at once."""
        body = M.campaign_body(spec)
        data = self.json(self._request("POST", "/campaigns", json=body, idempotent=False), "id")
        return M.Campaign.from_api(data)

    def build_create_request(self, spec: CampaignSpec) -> httpx.Request:
        return self.http.build_request("POST", "/campaigns", json=M.campaign_body(spec))

    def find_campaign(self, list_id: str, title: str) -> M.Campaign | None:
        """The newest campaign of an audience titled `title` (how a lost create is found)."""
        params = {"list_id": list_id, "count": M.MAX_PAGE, "sort_field": "create_time", "sort_dir": "DESC",
                  "fields": "campaigns.id,campaigns.status,campaigns.settings.title,campaigns.send_time,campaigns.emails_sent"}  # fmt: skip
        data = self.json(self._request("GET", "/campaigns", params=params), "campaigns")
        for item in data["campaigns"]:
            if (item.get("settings") or {}).get("title") == title:
                return M.Campaign.from_api(item)
        return None

    def campaign(self, campaign_id: str) -> M.Campaign:
        response = self._request("GET", CAMPAIGN, path_params={"campaign_id": campaign_id})
        return M.Campaign.from_api(self.json(response, "id"))

    def set_content(self, campaign_id: str, html: str | None, text: str | None) -> None:
        """`PUT /campaigns/{id}/content` (a replace: safe to repeat), HTML and plain text with
        the unsubscribe link and address Mailchimp requires added where they are missing."""
        html, text = M.with_footer(html, text)
        self._request("PUT", CAMPAIGN + "/content", path_params={"campaign_id": campaign_id},
                      json={"html": html, "plain_text": text})  # fmt: skip

    def content_request(self, html: str | None, text: str | None) -> httpx.Request:
        html, text = M.with_footer(html, text)
        return self.http.build_request("PUT", CAMPAIGN + "/content", path_params={"campaign_id": "<campaign id>"},
                                       json={"html": html, "plain_text": text})  # fmt: skip

    def checklist(self, campaign_id: str) -> list[str]:
        """The send checklist's errors (`GET …/send-checklist`); empty when ready."""
        data = self.json(
            self._request(
                "GET", CAMPAIGN + "/send-checklist", path_params={"campaign_id": campaign_id}
            )
        )
        return [f"{i.get('heading')}: {i.get('details')}" for i in data.get("items") or []
                if isinstance(i, dict) and i.get("type") == "error"]  # fmt: skip

    def test_send(self, campaign_id: str, emails: Sequence[str]) -> None:
        """`POST …/actions/test`: a proof to these addresses, not the audience."""
        self._request("POST", CAMPAIGN + "/actions/test", path_params={"campaign_id": campaign_id},
                      json={"test_emails": list(emails), "send_type": "html"}, idempotent=False)  # fmt: skip

    def send_campaign(self, campaign_id: str) -> None:
        """`POST …/actions/send`: the audience gets it. Never retried once it may have arrived."""
        self._request(
            "POST",
            CAMPAIGN + "/actions/send",
            path_params={"campaign_id": campaign_id},
            idempotent=False,
        )

    def schedule_campaign(self, campaign_id: str, when: datetime) -> None:
        """`POST …/actions/schedule` at a quarter-hour (UTC)."""
        self._request("POST", CAMPAIGN + "/actions/schedule", path_params={"campaign_id": campaign_id},
                      json={"schedule_time": M.schedule_time(when)}, idempotent=False)  # fmt: skip

    def unschedule(self, campaign_id: str) -> None:
        self._request(
            "POST",
            CAMPAIGN + "/actions/unschedule",
            path_params={"campaign_id": campaign_id},
            idempotent=True,
        )

    # reports ---------------------------------------------------------------------------------
    def report(self, campaign_id: str) -> M.CampaignReport:
        data = self.json(
            self._request(
                "GET", "/reports/{campaign_id}", path_params={"campaign_id": campaign_id}
            ),
            "id",
        )
        return M.CampaignReport.from_api(data)

    def reports(self, since: date | str) -> list[M.CampaignReport]:
        """Reports of campaigns sent since a day (`GET /reports?since_send_time=`), paged."""
        start = since.isoformat() if isinstance(since, date) else str(since)
        out: list[M.CampaignReport] = []
        while True:
            params = {
                "since_send_time": f"{start}T00:00:00+00:00",
                "count": M.MAX_PAGE,
                "offset": len(out),
            }
            data = self.json(self._request("GET", "/reports", params=params), "reports")
            page = M.reports_of(data["reports"])
            out += page
            if len(data["reports"]) < M.MAX_PAGE:
                return out

    # the EmailPlatform capability ------------------------------------------------------------
    def stats(self, start: date | str) -> Sequence[M.CampaignReport]:
        """Email stats: one row per campaign sent since `start` (the same counters as SendGrid)."""
        return self.reports(start)

    def category_stats(
        self, categories: Sequence[str], start: date | str
    ) -> Sequence[M.CampaignReport]:
        """Mailchimp has no categories; a campaign id stands in for one."""
        return [self.report(c) for c in categories]

    def cancel_scheduled(self, batch_id: str, action: str = "cancel") -> str:
        """Unschedule a scheduled campaign (its id is the email's batch id): it goes back to save."""
        if action != "cancel":
            raise E.UsageError("Mailchimp campaigns can be unscheduled (cancel), not paused.")
        self.unschedule(batch_id)
        return action

    # plumbing --------------------------------------------------------------------------------
    def _request(
        self, method: str, path: str, *, http: HttpClient | None = None, **kw: Any
    ) -> httpx.Response:
        self.require_connection()
        return (http or self.http).request(method, path, **kw)

    def _shared_http(self) -> HttpClient:
        """An HttpClient several import threads may share: the store behind the limiter and
        the audit sink is one SQLite connection, so their calls take turns on a lock."""
        lock = threading.Lock()
        base = self.http
        audit = base.audit

        def locked_audit(exchange: Any) -> None:
            with lock:
                audit(exchange)

        limiter = Limiter(
            _LockedBackend(base.limiter.backend, lock),
            clock=base.limiter.clock,
            sleep=base.limiter.sleep,
        )
        return self.http_factory(platform=self.name, base_url=self.base_url(), account=self.account,
                                 auth=self.auth(), limits=self.rate_limits, policy=self.policy(),
                                 limiter=limiter, audit=locked_audit)  # fmt: skip


class _LockedBackend:
    def __init__(self, inner: StateBackend, lock: threading.Lock) -> None:
        self.inner, self.lock = inner, lock

    def transact(self, keys: list[str], fn: Transform) -> float:
        with self.lock:
            return self.inner.transact(keys, fn)


def urlsplit_host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc

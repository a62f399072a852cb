"""The brief's integration classes: `LinkedInIntegration(access_token=...).create_post(...)`.

Thin facades over the real clients and the same flows as the CLI. A post made here is a draft
like any other — approved by the call itself, published exactly once through the ledger, audited,
counted by `mktd report` — so the brief's one-liner gets mktd's guarantees, not a raw API call.

`access_token=` (or `api_key=`) is used for this object only: it is never saved. Without it the
stored connection (`mktd authorize P`) or the platform's environment variable is used, as the
CLI does. A scheduled post is published later by the worker, which knows only stored
connections, so `schedule_post` refuses a token given in code rather than lose the post.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from mktdirector.core.errors import MktdError, UsageError
from mktdirector.wiring import Deps

__all__ = [
    "GoogleAnalyticsIntegration",
    "HubSpotIntegration",
    "LinkedInIntegration",
    "PublishIncomplete",
    "SendGridIntegration",
    "TwitterIntegration",
]

GIVEN_ACCOUNT = "api-token"  # the account name posts made with a token given in code carry


class PublishIncomplete(MktdError):
    """The post is not known to be published (needs-check or failed); `.result` says what to check.

    Raised instead of returning a result whose `id` is None: a caller must not mistake it for
    a post.
    """

    def __init__(self, result: dict[str, Any]) -> None:
        status = result.get("status")
        super().__init__(
            f"Draft {result.get('draft_id')} is {status}: {result.get('message') or 'not published'}",
            hint=f"mktd drafts show {result.get('draft_id')} says what to look at",
        )
        self.result = result


class _PlatformFacade:
    platform: ClassVar[str]

    def __init__(
        self,
        access_token: str | None = None,
        *,
        api_key: str | None = None,
        account: str | None = None,
        deps: Deps | None = None,
    ) -> None:
        from mktdirector.core.credentials import Connection
        from mktdirector.core.platforms import PLATFORMS
        from mktdirector.core.redact import register

        self._deps = deps or Deps()
        self._account = account
        secret = (access_token or api_key or "").strip()
        self._given = bool(secret)
        if secret:
            register(secret)  # masked in every log line, error and audit row from here on
            oauth = PLATFORMS[self.platform].auth_kind == "oauth2"
            self._account = account or GIVEN_ACCOUNT
            self._deps.use_connection(
                Connection(
                    self.platform,
                    account=self._account,
                    source="api",
                    access_token=secret if oauth else None,
                    api_key=None if oauth else secret,
                )
            )

    def _client(self) -> Any:
        return self._deps.integration(self.platform, self._account)

    def test_connection(self) -> dict[str, Any]:
        """The brief's shape: status, platform, user_id, organization_id, rate_limit (+ detail)."""
        from mktdirector.agents.ops.checks import check

        return check(self._client())


class _SocialFacade(_PlatformFacade):
    def create_post(self, text: str, visibility: str = "PUBLIC") -> dict[str, Any]:
        """Publish `text` now, exactly once: the brief's result (id is the platform's post id).

        The same text asked for again returns the post already made, never a second one.
        Raises PublishIncomplete when the platform's answer left it unknown (needs-check).
        """
        from mktdirector.agents.social import posting

        self._check_visibility(visibility)
        if visibility != "PUBLIC":
            self._deps.config.overrides[f"{self.platform}.visibility"] = visibility
        try:
            prepared = self._prepare(text, publish=True)
        except posting.AlreadyPublished as e:
            return self._published(e.draft_id)
        ticket = posting.approve_for_publishing(self._deps, prepared, confirmed=True)
        result = posting.publish(self._deps, ticket, confirmed=True).to_dict()
        if result["status"] != "published":
            raise PublishIncomplete(result)
        return result

    def schedule_post(self, text: str, publish_time: datetime) -> dict[str, Any]:
        """Approve `text` and queue it for the worker at `publish_time` (aware, or local time)."""
        from mktdirector.agents.social import posting

        if self._given:
            raise UsageError(
                "A scheduled post is published by the worker, which uses the stored connection, "
                "not a token given in code.",
                hint=f"mktd authorize {self.platform}, then {type(self).__name__}().schedule_post(...)",
            )
        if not isinstance(publish_time, datetime):
            raise UsageError(
                "publish_time must be a datetime.", hint="datetime(2026, 12, 8, 9, 0, tzinfo=...)"
            )
        prepared = self._prepare(text, publish=False)
        draft_id = prepared.view.id
        from mktdirector.agents.content import review

        review.approve(self._deps.store, draft_id, confirmed=True)
        when = publish_time if publish_time.tzinfo else publish_time.astimezone()
        job = posting.schedule_draft(self._deps, draft_id, when.isoformat())
        draft = self._deps.store.get_draft(draft_id)
        return {
            "id": None,  # the post exists only once the worker has published it
            "draft_id": draft_id,
            "platform": self.platform,
            "text": "\n\n".join(draft["body"]),
            "status": draft["status"],
            "scheduled_for": job.due_utc.isoformat().replace("+00:00", "Z"),
            "job_id": job.job_id,
        }

    def get_post_analytics(self, post_id: str) -> dict[str, Any]:
        """Fresh metrics of one post by its platform id (also stored as a snapshot)."""
        from mktdirector.agents.analytics.social import post_analytics
        from mktdirector.integrations.capabilities import as_post_metrics_source

        client = as_post_metrics_source(self._client())
        return post_analytics(self._deps.store, client, post_id)

    def _prepare(self, text: str, *, publish: bool) -> Any:
        from mktdirector.agents.social import posting

        if not isinstance(text, str) or not text.strip():
            raise UsageError("The post text is empty.", hint="create_post(text='…')")
        request = posting.PostRequest(self.platform, text=text, account=self._account)
        return posting.prepare(self._deps, request, publish=publish)

    def _published(self, draft_id: str) -> dict[str, Any]:
        """The brief's result for a draft published earlier, from the ledger."""
        draft = self._deps.store.get_draft(draft_id)
        posts = [
            {"id": p["remote_id"], "url": p["url"], "created_at": p["published_utc"]}
            for p in self._deps.store.draft_posts(draft_id)
            if p["status"] == "published"
        ]
        first = posts[0] if posts else {}
        return {
            "id": first.get("id"),
            "post_id": first.get("id"),
            "draft_id": draft_id,
            "platform": self.platform,
            "text": "\n\n".join(draft["body"]),
            "url": first.get("url"),
            "created_at": first.get("created_at"),
            "status": draft["status"],
            "thread_results": posts,
        }

    def _check_visibility(self, visibility: str) -> None:
        if visibility != "PUBLIC":
            raise UsageError(
                f"{type(self).__name__} posts are public; visibility {visibility!r} is LinkedIn's.",
                hint="create_post(text) without visibility",
            )


class LinkedInIntegration(_SocialFacade):
    """LinkedIn posts as the member the token belongs to."""

    platform = "linkedin"

    def _check_visibility(self, visibility: str) -> None:
        from mktdirector.integrations.linkedin.client import VISIBILITIES

        if visibility not in VISIBILITIES:
            raise UsageError(
                f"Unknown LinkedIn visibility {visibility!r}.",
                hint=f"Use {', '.join(VISIBILITIES)}",
            )


class TwitterIntegration(_SocialFacade):
    """X posts; a text longer than one post becomes a numbered thread, as in the CLI."""

    platform = "twitter"


class HubSpotIntegration(_PlatformFacade):
    """HubSpot contacts with the attribution mktd reads (utm_content = the draft id)."""

    platform = "hubspot"

    def get_contact(self, email: str) -> dict[str, Any]:
        from mktdirector.agents.crm.workflows import get_contact
        from mktdirector.integrations.capabilities import as_crm_client

        return get_contact(self._deps.store, as_crm_client(self._client()), email)

    def sync_contacts(self, since: date | None = None) -> dict[str, Any]:
        """Pull contacts (created since `since`) with their attribution into mktd's store."""
        from dataclasses import asdict

        from mktdirector.agents.crm.workflows import sync_contacts
        from mktdirector.integrations.capabilities import as_crm_client

        client = as_crm_client(self._client())
        return asdict(sync_contacts(self._deps.store, client, since=since))


class GoogleAnalyticsIntegration(_PlatformFacade):
    """GA4 sessions and key events of the links mktd tagged."""

    platform = "google-analytics"

    def get_traffic(
        self, since: date, by: str = "source", property_id: str | None = None
    ) -> dict[str, Any]:
        from mktdirector.agents.analytics.ga_traffic import fetch_traffic
        from mktdirector.integrations.capabilities import as_traffic_source

        client = as_traffic_source(self._client())
        report = fetch_traffic(
            self._deps.store, client, since=since, by=by, property_id=property_id
        )
        return report.to_dict()


class SendGridIntegration(_PlatformFacade):
    """SendGrid's daily email stats (sending goes through `mktd email send`, exactly once)."""

    platform = "sendgrid"

    def get_stats(self, start: date) -> list[dict[str, Any]]:
        from mktdirector.integrations.capabilities import as_email_sender

        return [row.to_dict() for row in as_email_sender(self._client()).stats(start)]

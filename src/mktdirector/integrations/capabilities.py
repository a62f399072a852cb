"""What agents may ask of a platform client, one protocol per `Capability`.

Agents type their client parameters with these protocols and build the vendor-neutral data of
`crm_models` and `email_models`, never a vendor's own models, so a second CRM or email platform
is a new client that satisfies the protocol, not a change in the agents. A platform's spec
(core/platforms.py) declares which capabilities it has; tests/integrations/test_platform_table.py
checks that each declared client really implements them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from mktdirector.core.errors import ConfigError
from mktdirector.core.platforms import Capability

if TYPE_CHECKING:
    import httpx

    from mktdirector.core.credentials import Connection
    from mktdirector.core.http import HttpClient
    from mktdirector.integrations.crm_models import Attribution, UpsertBatch, UpsertSummary
    from mktdirector.integrations.email_models import CampaignSpec, EmailMessage, SendResult
    from mktdirector.integrations.social import MetricRow


@runtime_checkable
class PlatformClient(Protocol):
    """What every client has: its platform id and the name messages use."""

    @property
    def name(self) -> str: ...

    @property
    def label(self) -> str: ...

    def require_connection(self) -> Connection: ...


# API keys ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KeyCheck:
    """What one cheap call says about a pasted API key, before mktd saves it."""

    identity: str  # whose key it is (HubSpot: the portal id); "" when the API does not say
    detail: str  # one line for the user
    extra: dict[str, Any] = field(default_factory=dict)  # kept with the connection
    missing: dict[str, tuple[str, ...]] = field(default_factory=dict)  # feature -> scopes


@runtime_checkable
class KeyChecked(PlatformClient, Protocol):
    """An api_key platform's client: proves a key works before `mktd authorize` saves it."""

    def check_key(self) -> KeyCheck: ...


# OAuth accounts -------------------------------------------------------------------------------
@dataclass(frozen=True)
class AccountIdentity:
    """Who an OAuth token belongs to, as `mktd authorize` records it."""

    user_id: str  # the id the platform's API uses (X: user id; LinkedIn: the member URN)
    display_name: str  # what the user recognises (X: the username; LinkedIn: the name)
    default_account: str  # the account name mktd stores the token under when none is given


@runtime_checkable
class Identifies(PlatformClient, Protocol):
    """An OAuth platform's client: says whose token it holds, with one call."""

    def identify(self) -> AccountIdentity: ...


# social --------------------------------------------------------------------------------------
@runtime_checkable
class SocialPublisher(PlatformClient, Protocol):
    """Publishes a post and uploads an image for it.

    What differs per platform (a LinkedIn author, an X reply) stays keyword-only and optional
    in the client; agents/social/targets.py adapts each one to the exactly-once publisher.
    """

    def create_post(self, text: str, /) -> Any: ...

    def upload_image(self, image: str | Path, /) -> Any: ...


# analytics -----------------------------------------------------------------------------------
@runtime_checkable
class AnalyticsSource(PlatformClient, Protocol):
    """Where numbers come from: engagement of our posts or traffic to our links.

    The two kinds share no call (a post's metrics vs a property's report), so the protocol
    only marks the capability; `PostMetricsSource` and `TrafficSource` say what each can do.
    """


@runtime_checkable
class PostMetricsSource(AnalyticsSource, Protocol):
    def get_metrics(self, remote_ids: list[str], /) -> Sequence[MetricRow]: ...


@runtime_checkable
class TrafficSource(AnalyticsSource, Protocol):
    def property_id(self, value: str | int | None = None) -> str: ...

    def traffic(self, property_id: str | int | None = None, *args: Any, **kw: Any) -> Any: ...

    def quota_now(self, property_id: str | int | None = None) -> Any:
        """The cheapest report that carries the property's quota (for `mktd status`)."""
        ...


# crm -----------------------------------------------------------------------------------------
class CrmContact(Protocol):
    """A contact as read from a CRM, with where it came from."""

    @property
    def id(self) -> str: ...

    @property
    def properties(self) -> Mapping[str, str | None]: ...

    @property
    def created_at(self) -> str | None: ...

    @property
    def email(self) -> str | None: ...

    @property
    def attribution(self) -> Attribution: ...

    def to_dict(self) -> dict[str, Any]: ...


class ContactPages(Protocol):
    """Lazily paged contacts; iterate once, then `total` and `message` are known."""

    total: int | None

    @property
    def message(self) -> str | None: ...

    def __iter__(self) -> Iterator[CrmContact]: ...


@runtime_checkable
class CrmClient(PlatformClient, Protocol):
    """Contacts and their attribution; upserts are keyed by email, so re-sending is safe."""

    @property
    def contact_properties(self) -> Sequence[str]: ...

    def batch_upsert_contacts(
        self,
        rows: Iterable[Mapping[str, Any]],
        *,
        total: int | None = None,
        on_batch: Callable[[UpsertBatch], None] | None = None,
    ) -> UpsertSummary: ...

    def contacts_with_attribution(self, since: datetime | None = None) -> ContactPages: ...

    def attribution_properties(self) -> list[str]: ...

    def get_contact_by_email(
        self, email: str, properties: Sequence[str] | None = None
    ) -> CrmContact | None: ...


# email ---------------------------------------------------------------------------------------
class EmailStatsRow(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


@runtime_checkable
class EmailPlatform(PlatformClient, Protocol):
    """What every email platform does after a send: stats, cancelling a scheduled send."""

    @property
    def connection(self) -> Connection | None: ...

    @property
    def http(self) -> HttpClient: ...

    def cancel_scheduled(self, batch_id: str, action: str = "cancel") -> str: ...

    def stats(self, start: date | str) -> Sequence[EmailStatsRow]: ...

    def category_stats(
        self, categories: Sequence[str], start: date | str
    ) -> Sequence[EmailStatsRow]: ...


@runtime_checkable
class EmailSender(EmailPlatform, Protocol):
    """Sends or schedules an `EmailMessage` to addresses exactly once (SendGrid)."""

    def validate(self, message: EmailMessage) -> None: ...

    def build_send_request(self, message: EmailMessage) -> httpx.Request: ...

    def create_batch_request(self) -> httpx.Request: ...

    def create_batch(self) -> str: ...

    def send(self, message: EmailMessage) -> SendResult: ...


@runtime_checkable
class CampaignSender(EmailPlatform, Protocol):
    """Sends a campaign to a stored audience (Mailchimp): create, content, test, send/schedule.

    Its objects have a readable state (a campaign's `status`), so a lost answer is settled by
    reading back, not by a human. Types are the platform's own small records (id, status)."""

    def audiences(self) -> Sequence[Any]: ...

    def audience(self, list_id: str) -> Any: ...

    def tag_segment(self, list_id: str, tag: str) -> int: ...

    def import_members(
        self,
        list_id: str,
        rows: Sequence[Mapping[str, Any]],
        *,
        on_batch: Callable[[Any], None] | None = None,
    ) -> Any: ...

    def create_campaign(self, spec: CampaignSpec) -> Any: ...

    def build_create_request(self, spec: CampaignSpec) -> httpx.Request: ...

    def content_request(self, html: str | None, text: str | None) -> httpx.Request: ...

    def find_campaign(self, list_id: str, title: str) -> Any: ...

    def campaign(self, campaign_id: str) -> Any: ...

    def set_content(self, campaign_id: str, html: str | None, text: str | None) -> None: ...

    def checklist(self, campaign_id: str) -> list[str]: ...

    def test_send(self, campaign_id: str, emails: Sequence[str]) -> None: ...

    def send_campaign(self, campaign_id: str) -> None: ...

    def schedule_campaign(self, campaign_id: str, when: datetime) -> None: ...


# The protocol a client of each capability implements (tests check every declared client).
PROTOCOLS: dict[Capability, type[object]] = {
    Capability.SOCIAL: SocialPublisher,
    Capability.CRM: CrmClient,
    Capability.EMAIL: EmailPlatform,
    Capability.ANALYTICS: AnalyticsSource,
}


def as_crm_client(client: object) -> CrmClient:
    """`client` as a CrmClient, or a ConfigError if its class does not implement one."""
    if not isinstance(client, CrmClient):
        raise _not_capable(client, Capability.CRM)
    return client


def as_email_sender(client: object) -> EmailSender:
    """`client` as an EmailSender, or a ConfigError if its class does not implement one."""
    if not isinstance(client, EmailSender):
        raise _not_capable(client, Capability.EMAIL)
    return client


def as_email_platform(client: object) -> EmailPlatform:
    """`client` as an EmailPlatform, or a ConfigError if its class does not implement one."""
    if not isinstance(client, EmailPlatform):
        raise _not_capable(client, Capability.EMAIL)
    return client


def as_campaign_sender(client: object) -> CampaignSender:
    """`client` as a CampaignSender, or a ConfigError if its class does not implement one."""
    if not isinstance(client, CampaignSender):
        raise _not_capable(client, Capability.EMAIL)
    return client


def as_post_metrics_source(client: object) -> PostMetricsSource:
    """`client` as a PostMetricsSource, or a ConfigError if its class does not implement one."""
    if not isinstance(client, PostMetricsSource):
        raise _not_capable(client, Capability.ANALYTICS)
    return client


def as_traffic_source(client: object) -> TrafficSource:
    """`client` as a TrafficSource, or a ConfigError if its class does not implement one."""
    if not isinstance(client, TrafficSource):
        raise _not_capable(client, Capability.ANALYTICS)
    return client


def _not_capable(client: object, capability: Capability) -> ConfigError:
    # Reached only when a spec declares a capability its client class lacks (a plugin's bug).
    name = getattr(client, "name", type(client).__name__)
    return ConfigError(
        f"The {name} client does not implement the {capability.value} capability.",
        hint="mktd test-integrations lists the platforms this version supports",
    )

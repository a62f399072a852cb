"""The platform table: one `PlatformSpec` per platform, and resolving names to ids.

Every fact about a platform that more than one module needs is declared once, here: its id,
labels, aliases, how it authenticates, its environment names, its OAuth provider facts, where
its client class lives and what it can do. Platform resolution, the client registry
(`integrations.get_class`), `mktd authorize`, `mktd auth status`, `mktd test-integrations` and
config's `MKTD_<P>_BASE_URL` lookups all read this table.

Why the table lives in core and not in `integrations/__init__.py`: core itself needs it (the
credential store reads the ready-token variables, config accepts `<platform>.*` keys), and core
may not import integrations. So the table is plain data (strings, tuples, no vendor behaviour);
the client is named by a "module:Class" string that `integrations.get_class` imports lazily, so
`mktd --help` imports no client.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from mktdirector.core.errors import UsageError
from mktdirector.core.text_limits import LINKEDIN_MAX_CHARS, X_MAX_WEIGHTED_LENGTH


class Capability(StrEnum):
    """What a platform's client can do; each has a protocol in integrations/capabilities.py."""

    SOCIAL = "social"  # SocialPublisher: publish posts, read them back
    CRM = "crm"  # CrmClient: contacts and their attribution
    EMAIL = "email"  # EmailSender: send, schedule, cancel, stats
    ANALYTICS = "analytics"  # AnalyticsSource: traffic and engagement reports


class TextFormat(StrEnum):
    """How a social platform's posts are written, counted and published."""

    # X: posts of at most `max_chars` weighted characters, chained as replies into a thread.
    THREAD = "thread"
    # LinkedIn: one post whose text is escaped "little text", counted after unescaping.
    COMMENTARY = "commentary"


@dataclass(frozen=True)
class OAuthFacts:
    """What a platform's OAuth 2.0 looks like (from its reference card)."""

    authorize_url: str
    token_url: str
    revoke_url: str | None
    scopes: tuple[str, ...]
    client_id_env: str
    client_secret_env: str
    pkce_required: bool
    # How a confidential client (one with a secret) authenticates at the token endpoint.
    secret_auth: str
    # An environment name whose value (a host or URL) replaces the scheme and host of the three
    # URLs above (Salesforce: SALESFORCE_LOGIN_URL, login/test/My Domain); None: fixed hosts.
    host_env: str | None = None
    # Token answer fields kept with the connection besides the tokens (Salesforce:
    # instance_url, the host its API lives on, and id, the identity URL).
    token_extras: tuple[str, ...] = ()


@dataclass(frozen=True)
class EmailFacts:
    """What an email platform allows, read by the email flows by platform id (never assumed)."""

    # "addresses": one request to a list of addresses (SendGrid mail/send);
    # "audience": a campaign to a stored audience, addresses only for test sends (Mailchimp).
    sends_to: str
    # Recipients one send request may carry (None: the audience decides).
    max_recipients: int | None = None
    # How far ahead `--at` may schedule (None: no limit the API publishes).
    max_ahead_hours: int | None = None
    # Scheduled times must fall on this many minutes past the hour (Mailchimp: 15).
    schedule_step_minutes: int | None = None
    # Where the sender address comes from when `--from` is not given (None: the audience).
    from_env: str | None = None
    # A cancel this close to the send time is not promised (seconds).
    cancel_margin_s: int = 0
    # What `--dry-run` shows where the id of a later call's answer goes.
    batch_placeholder: str = "<id from the platform>"
    # Where a human looks when an outcome is unknown.
    activity: str = "Activity"


@dataclass(frozen=True)
class PlatformSpec:
    id: str
    # The name lists and tables show ("X (Twitter)").
    label: str
    auth_kind: str  # "oauth2" | "api_key" | "service_account"
    # Environment variables that hold a ready secret; they override anything stored.
    token_env: tuple[str, ...] = ()
    # Non-secret environment names the platform reads (client ids, property ids, ...).
    env: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    # False for the planned platforms: they resolve and are named in messages, but have no client.
    ready: bool = True
    # The name inside a sentence about the platform's own answers ("X answered ..."); = label.
    short_label: str = ""
    # "module:Class" of the client; imported only when a command needs it.
    client: str | None = None
    capabilities: frozenset[Capability] = frozenset()
    oauth: OAuthFacts | None = None
    # What the user pastes at `mktd authorize P` for api_key platforms.
    key_noun: str = "API key"
    # Where keys are made, for the 90-day rotation warning.
    key_made_at: str | None = None
    docs: str | None = None
    # Put before a username where one is shown ("@" on X).
    handle_prefix: str = ""
    # Social platforms: how a post's text is counted and split; None for the others.
    text_format: TextFormat | None = None
    # The most characters one post may have, counted the `text_format` way.
    max_chars: int | None = None
    # Posts in a thread written from a topic when the user gives no length (None: one post).
    default_thread_length: int | None = None
    # Where a published post is seen; "{id}" is its remote id (an X post id, a LinkedIn URN).
    post_url: str | None = None
    # Email platforms: their sending rules (None for the others).
    email: EmailFacts | None = None

    @property
    def name(self) -> str:
        """The label to use inside sentences about this platform's API."""
        return self.short_label or self.label

    @property
    def base_url_env(self) -> str:
        return f"{env_prefix(self.id)}_BASE_URL"

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


_INTEGRATIONS = "mktdirector.integrations"

PLATFORMS: dict[str, PlatformSpec] = {
    p.id: p
    for p in (
        PlatformSpec(
            "linkedin",
            "LinkedIn",
            "oauth2",
            token_env=("LINKEDIN_ACCESS_TOKEN",),
            env=("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET", "LINKEDIN_REDIRECT_URI"),
            client=f"{_INTEGRATIONS}.linkedin.client:LinkedInClient",
            capabilities=frozenset({Capability.SOCIAL, Capability.ANALYTICS}),
            text_format=TextFormat.COMMENTARY,
            max_chars=LINKEDIN_MAX_CHARS,
            post_url="https://www.linkedin.com/feed/update/{id}/",
            oauth=OAuthFacts(
                authorize_url="https://www.linkedin.com/oauth/v2/authorization",
                token_url="https://www.linkedin.com/oauth/v2/accessToken",
                # No revoke endpoint in LinkedIn's official pages; members revoke in settings.
                revoke_url=None,
                scopes=("openid", "profile", "w_member_social"),
                client_id_env="LINKEDIN_CLIENT_ID",
                client_secret_env="LINKEDIN_CLIENT_SECRET",
                pkce_required=False,
                secret_auth="client_secret_post",
            ),
            docs="docs/integrations/linkedin.md",
        ),
        PlatformSpec(
            "twitter",
            "X (Twitter)",
            "oauth2",
            token_env=("TWITTER_ACCESS_TOKEN",),
            env=("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET", "TWITTER_BEARER_TOKEN"),
            aliases=("x",),
            short_label="X",
            handle_prefix="@",
            client=f"{_INTEGRATIONS}.twitter.client:TwitterClient",
            capabilities=frozenset({Capability.SOCIAL, Capability.ANALYTICS}),
            text_format=TextFormat.THREAD,
            max_chars=X_MAX_WEIGHTED_LENGTH,
            default_thread_length=5,
            post_url="https://x.com/i/web/status/{id}",
            oauth=OAuthFacts(
                authorize_url="https://x.com/i/oauth2/authorize",
                token_url="https://api.x.com/2/oauth2/token",
                revoke_url="https://api.x.com/2/oauth2/revoke",
                scopes=("tweet.read", "tweet.write", "users.read", "offline.access", "media.write"),
                client_id_env="TWITTER_CLIENT_ID",
                client_secret_env="TWITTER_CLIENT_SECRET",
                pkce_required=True,
                secret_auth="client_secret_basic",
            ),
            docs="docs/integrations/twitter.md",
        ),
        PlatformSpec(
            "hubspot",
            "HubSpot",
            "api_key",
            token_env=("HUBSPOT_API_KEY",),
            client=f"{_INTEGRATIONS}.hubspot.client:HubSpotClient",
            capabilities=frozenset({Capability.CRM}),
            key_noun="private app token",
            key_made_at="HubSpot → Settings → Integrations → Private Apps → (app) → Auth → Rotate",
            docs="docs/integrations/hubspot.md",
        ),
        PlatformSpec(
            "google-analytics",
            "Google Analytics 4",
            "service_account",
            token_env=("GOOGLE_ANALYTICS_CREDENTIALS_PATH",),
            env=("GOOGLE_ANALYTICS_PROPERTY_ID",),
            aliases=("ga", "google_analytics"),
            client=f"{_INTEGRATIONS}.google_analytics.client:GoogleAnalyticsClient",
            capabilities=frozenset({Capability.ANALYTICS}),
            key_noun="service-account JSON key",
            key_made_at="Google Cloud → IAM & Admin → Service accounts → Keys",
            docs="docs/integrations/google-analytics.md",
        ),
        PlatformSpec(
            "sendgrid",
            "SendGrid",
            "api_key",
            token_env=("SENDGRID_API_KEY",),
            env=("SENDGRID_FROM_EMAIL",),
            client=f"{_INTEGRATIONS}.sendgrid.client:SendGridClient",
            capabilities=frozenset({Capability.EMAIL}),
            key_made_at="SendGrid → Settings → API Keys",
            docs="docs/integrations/sendgrid.md",
            email=EmailFacts(
                sends_to="addresses",
                max_recipients=1000,
                max_ahead_hours=72,
                from_env="SENDGRID_FROM_EMAIL",
                cancel_margin_s=600,
                batch_placeholder="<batch_id from POST /v3/mail/batch>",
            ),
        ),
        PlatformSpec(
            "salesforce",
            "Salesforce",
            "oauth2",
            token_env=("SALESFORCE_ACCESS_TOKEN",),
            env=(
                "SALESFORCE_CLIENT_ID",
                "SALESFORCE_CLIENT_SECRET",
                "SALESFORCE_LOGIN_URL",
                "SALESFORCE_INSTANCE_URL",
            ),
            client=f"{_INTEGRATIONS}.salesforce.client:SalesforceClient",
            capabilities=frozenset({Capability.CRM}),
            oauth=OAuthFacts(
                authorize_url="https://login.salesforce.com/services/oauth2/authorize",
                token_url="https://login.salesforce.com/services/oauth2/token",
                revoke_url="https://login.salesforce.com/services/oauth2/revoke",
                scopes=("api", "refresh_token"),
                client_id_env="SALESFORCE_CLIENT_ID",
                client_secret_env="SALESFORCE_CLIENT_SECRET",
                pkce_required=True,
                secret_auth="client_secret_post",
                host_env="SALESFORCE_LOGIN_URL",
                token_extras=("instance_url", "id"),
            ),
            docs="docs/integrations/salesforce.md",
        ),
        PlatformSpec(
            "mailchimp",
            "Mailchimp",
            "api_key",
            token_env=("MAILCHIMP_API_KEY",),
            client=f"{_INTEGRATIONS}.mailchimp.client:MailchimpClient",
            capabilities=frozenset({Capability.EMAIL}),
            key_made_at="Mailchimp → Profile → Extras → API keys",
            docs="docs/integrations/mailchimp.md",
            email=EmailFacts(
                sends_to="audience",
                schedule_step_minutes=15,
                batch_placeholder="<campaign id from POST /campaigns>",
                activity="Campaigns",
            ),
        ),
        PlatformSpec(
            "openai",
            "OpenAI-compatible LLM",
            "api_key",
            token_env=("OPENAI_API_KEY",),
            env=("OPENAI_BASE_URL", "MKTD_MODEL"),
        ),
        PlatformSpec("slack", "Slack webhook", "api_key", token_env=("SLACK_WEBHOOK_URL",)),
    )
}

_ALIASES = {alias: p.id for p in PLATFORMS.values() for alias in p.aliases}


def canonical_id(name: str) -> str:
    """`name` with an alias (x, ga) turned into its platform id; anything else as typed, lowercased."""
    key = name.strip().lower()
    return _ALIASES.get(key, key)


def resolve_platform(name: str, *, among: Sequence[str] | None = None) -> str:
    """Return the canonical id for a platform name or alias, or raise a UsageError.

    The hint lists what the command can use: `among` when the caller says, else the platforms
    that are ready (a declared-but-unbuilt one is no advice). A known platform outside `among`
    is returned: the caller refuses it with its own reason.
    """
    key = canonical_id(name)
    if key not in PLATFORMS:
        known = ", ".join(among if among is not None else ready_platforms())
        raise UsageError(f"Unknown platform {name!r}.", hint=f"Use one of: {known}")
    return key


def ready_platforms() -> list[str]:
    """Ids of the platforms this version can use, sorted."""
    return sorted(p.id for p in PLATFORMS.values() if p.ready)


def with_capability(capability: Capability) -> list[str]:
    """Ids of the platforms whose spec declares `capability`, ready ones first, each sorted."""
    found = [p for p in PLATFORMS.values() if p.can(capability)]
    return [p.id for p in sorted(found, key=lambda p: (not p.ready, p.id))]


def resolve_capable(name: str, capability: Capability, option: str = "--platform") -> str:
    """The id for `name` if that platform can do `capability`; a UsageError naming those that can."""
    ids = with_capability(capability)
    pid = canonical_id(name)
    if pid not in ids:
        usable = [i for i in ids if PLATFORMS[i].ready]  # not advice to use an unbuilt one
        raise UsageError(
            f"{option} {name!r} is not a {capability.value} platform.",
            hint=f"Use one of: {', '.join(usable)}",
        )
    return pid


def with_post_metrics() -> list[str]:
    """Social platforms whose posts' engagement can be read back (`mktd analytics fetch`)."""
    return [
        pid
        for pid in with_capability(Capability.SOCIAL)
        if PLATFORMS[pid].can(Capability.ANALYTICS)
    ]


def text_format(platform: str) -> TextFormat | None:
    """How `platform`'s posts are written (None for a platform that posts no text)."""
    spec = PLATFORMS.get(platform)
    return spec.text_format if spec else None


def post_url(platform: str, remote_id: str) -> str:
    """Where a published post is seen, from the spec's `post_url` (the bare id if it has none)."""
    spec = PLATFORMS.get(platform)
    return spec.post_url.format(id=remote_id) if spec and spec.post_url else remote_id


def spoken_list(ids: list[str], last: str = "or") -> str:
    """`["linkedin", "twitter", "email"]` -> `"linkedin, twitter or email"`, for messages."""
    return f"{', '.join(ids[:-1])} {last} {ids[-1]}" if len(ids) > 1 else "".join(ids)


def env_prefix(platform: str) -> str:
    """`google-analytics` -> `MKTD_GOOGLE_ANALYTICS`."""
    return "MKTD_" + platform.upper().replace("-", "_")


def url_override(platform: str, which: str) -> str | None:
    """`MKTD_<PLATFORM>_<BASE|AUTH|TOKEN>_URL` from the environment, if set."""
    value = os.environ.get(f"{env_prefix(platform)}_{which.upper()}_URL", "").strip()
    return value.rstrip("/") or None


def email_facts(platform: str) -> EmailFacts:
    """The sending rules of email platform `platform` (a UsageError if it sends no email)."""
    spec = PLATFORMS.get(canonical_id(platform))
    if spec is None or spec.email is None:
        raise UsageError(f"{platform!r} is not an email platform.",
                         hint=f"Use one of: {', '.join(with_capability(Capability.EMAIL))}")  # fmt: skip
    return spec.email


def address_email_platform(preferred: str | None = None) -> str:
    """`preferred` if it emails single addresses (alerts need that), else the first that does."""
    ids = with_capability(Capability.EMAIL)
    if preferred and preferred in ids and email_facts(preferred).sends_to == "addresses":
        return preferred
    return next(p for p in ids if email_facts(p).sends_to == "addresses")

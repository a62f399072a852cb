"""Platform ids, aliases and the environment names that belong to each (data only).

Ids are shared by the CLI, the credential store, config keys and audit rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from mktdirector.core.errors import UsageError


@dataclass(frozen=True)
class PlatformInfo:
    id: str
    label: str
    auth_kind: str  # "oauth2" | "api_key" | "service_account" | "none"
    # Environment variables that hold a ready secret; they override anything stored.
    token_env: tuple[str, ...] = ()
    # Non-secret environment names the platform reads (client ids, property ids, ...).
    env: tuple[str, ...] = ()
    aliases: tuple[str, ...] = field(default=())
    ready: bool = True


PLATFORMS: dict[str, PlatformInfo] = {
    p.id: p
    for p in (
        PlatformInfo(
            "linkedin",
            "LinkedIn",
            "oauth2",
            token_env=("LINKEDIN_ACCESS_TOKEN",),
            env=("LINKEDIN_CLIENT_ID", "LINKEDIN_CLIENT_SECRET", "LINKEDIN_REDIRECT_URI"),
        ),
        PlatformInfo(
            "twitter",
            "X (Twitter)",
            "oauth2",
            token_env=("TWITTER_ACCESS_TOKEN",),
            env=("TWITTER_CLIENT_ID", "TWITTER_CLIENT_SECRET", "TWITTER_BEARER_TOKEN"),
            aliases=("x",),
        ),
        PlatformInfo("hubspot", "HubSpot", "api_key", token_env=("HUBSPOT_API_KEY",)),
        PlatformInfo(
            "google-analytics",
            "Google Analytics 4",
            "service_account",
            token_env=("GOOGLE_ANALYTICS_CREDENTIALS_PATH",),
            env=("GOOGLE_ANALYTICS_PROPERTY_ID",),
            aliases=("ga", "google_analytics"),
        ),
        PlatformInfo(
            "sendgrid",
            "SendGrid",
            "api_key",
            token_env=("SENDGRID_API_KEY",),
            env=("SENDGRID_FROM_EMAIL",),
        ),
        PlatformInfo(
            "salesforce",
            "Salesforce",
            "oauth2",
            env=("SALESFORCE_CLIENT_ID", "SALESFORCE_CLIENT_SECRET", "SALESFORCE_LOGIN_URL"),
            ready=False,
        ),
        PlatformInfo(
            "mailchimp", "Mailchimp", "api_key", token_env=("MAILCHIMP_API_KEY",), ready=False
        ),
        PlatformInfo(
            "openai",
            "OpenAI-compatible LLM",
            "api_key",
            token_env=("OPENAI_API_KEY",),
            env=("OPENAI_BASE_URL", "MKTD_MODEL"),
        ),
        PlatformInfo("slack", "Slack webhook", "api_key", token_env=("SLACK_WEBHOOK_URL",)),
    )
}

_ALIASES = {alias: p.id for p in PLATFORMS.values() for alias in p.aliases}


def resolve_platform(name: str) -> str:
    """Return the canonical id for a platform name or alias, or raise a UsageError."""
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PLATFORMS:
        known = ", ".join(sorted(PLATFORMS))
        raise UsageError(f"Unknown platform {name!r}.", hint=f"Use one of: {known}")
    return key


def env_prefix(platform: str) -> str:
    """`google-analytics` -> `MKTD_GOOGLE_ANALYTICS`."""
    return "MKTD_" + platform.upper().replace("-", "_")


def url_override(platform: str, which: str) -> str | None:
    """`MKTD_<PLATFORM>_<BASE|AUTH|TOKEN>_URL` from the environment, if set."""
    value = os.environ.get(f"{env_prefix(platform)}_{which.upper()}_URL", "").strip()
    return value.rstrip("/") or None

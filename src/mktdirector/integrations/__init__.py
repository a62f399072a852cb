"""Registry of platform clients, loaded lazily so `mktd --help` imports none of them."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mktdirector.core.errors import ConfigError
from mktdirector.core.platforms import PLATFORMS, resolve_platform

if TYPE_CHECKING:
    from mktdirector.integrations.base import Integration

# platform id -> "module:Class"; filled in as the clients land.
_PATHS: dict[str, str] = {
    "linkedin": "mktdirector.integrations.linkedin.client:LinkedInClient",
    "twitter": "mktdirector.integrations.twitter.client:TwitterClient",
    "hubspot": "mktdirector.integrations.hubspot.client:HubSpotClient",
    "google-analytics": "mktdirector.integrations.google_analytics.client:GoogleAnalyticsClient",
    "sendgrid": "mktdirector.integrations.sendgrid.client:SendGridClient",
}
_EXTRA: dict[str, type[Integration]] = {}


def register(cls: type[Integration]) -> None:
    """Register a client class (tests and plugins)."""
    _EXTRA[cls.name] = cls


def unregister(name: str) -> None:
    _EXTRA.pop(name, None)


def available() -> list[str]:
    """Platform ids that have a client."""
    return sorted(set(_PATHS) | set(_EXTRA))


def get_class(name: str) -> type[Integration]:
    if name in _EXTRA:
        return _EXTRA[name]
    pid = resolve_platform(name)
    if pid in _EXTRA:
        return _EXTRA[pid]
    if pid not in _PATHS:
        label = PLATFORMS[pid].label
        raise ConfigError(
            f"{label} is not supported by this version of mktd yet.",
            hint="mktd test-integrations lists the platforms that are",
        )
    module, _, cls = _PATHS[pid].partition(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]

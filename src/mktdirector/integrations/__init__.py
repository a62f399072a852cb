"""Registry of platform clients, loaded lazily so `mktd --help` imports none of them.

Which class serves a platform is declared in its `PlatformSpec` (core/platforms.py, `client`);
this module only imports it when a command needs it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from mktdirector.core.errors import ConfigError
from mktdirector.core.platforms import PLATFORMS, resolve_platform

if TYPE_CHECKING:
    from mktdirector.integrations.base import Integration

# Classes registered at run time (tests and plugins), by platform id.
_EXTRA: dict[str, type[Integration]] = {}


def register(cls: type[Integration]) -> None:
    """Register a client class (tests and plugins)."""
    _EXTRA[cls.name] = cls


def unregister(name: str) -> None:
    _EXTRA.pop(name, None)


def available() -> list[str]:
    """Platform ids that have a client."""
    declared = {pid for pid, spec in PLATFORMS.items() if spec.client}
    return sorted(declared | set(_EXTRA))


def get_class(name: str) -> type[Integration]:
    if name in _EXTRA:
        return _EXTRA[name]
    pid = resolve_platform(name)
    if pid in _EXTRA:
        return _EXTRA[pid]
    spec = PLATFORMS[pid]
    if not spec.client:
        raise ConfigError(
            f"{spec.label} is not supported by this version of mktd yet.",
            hint="mktd test-integrations lists the platforms that are",
        )
    module, _, cls = spec.client.partition(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]

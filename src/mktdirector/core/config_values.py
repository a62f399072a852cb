"""Parsers for configuration values: each takes the raw text (from config.toml, the environment or
`mktd config set`) and returns the value or raises ValueError with the reason shown to the user."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Parser = Callable[[str], Any]


def boolean(s: str) -> bool:
    v = s.strip().lower()
    if v in {"1", "true", "yes", "on"}:
        return True
    if v in {"0", "false", "no", "off"}:
        return False
    raise ValueError("expected true or false")


def positive_float(s: str) -> float:
    v = float(s)
    if v <= 0:
        raise ValueError("must be greater than 0")
    return v


def non_negative_float(s: str) -> float:
    v = float(s)
    if not v >= 0:
        raise ValueError("must be 0 or more")
    return v


def non_negative_int(s: str) -> int:
    v = int(s)
    if v < 0:
        raise ValueError("must be 0 or more")
    return v


def port(s: str) -> int:
    v = int(s)
    if not 1024 <= v <= 65535:
        raise ValueError("must be a port between 1024 and 65535")
    return v


def url(s: str) -> str:
    v = s.strip().rstrip("/")
    if not v.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return v


def database_url(s: str) -> str:
    from urllib.parse import urlsplit

    v = s.strip()
    parts = urlsplit(v)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise ValueError("must be postgresql://user@host:5432/dbname")
    if parts.password is not None:
        # config show, status and logs print this URL: the password goes where libpq finds it.
        raise ValueError("must not contain a password: put it in PGPASSWORD or ~/.pgpass")
    return v


def linkedin_version(s: str) -> str:
    v = s.strip()
    if len(v) != 6 or not v.isdigit() or not 1 <= int(v[4:]) <= 12:
        raise ValueError("must be YYYYMM, e.g. 202610")
    problem = linkedin_version_problem(v, datetime.now(UTC))
    if problem:
        raise ValueError(problem)
    return v


def linkedin_version_problem(version: str, today: datetime) -> str | None:
    """Why LinkedIn would refuse this YYYYMM version today (426 NONEXISTENT_VERSION), or None.

    LinkedIn serves each monthly version for 12 months from its month, and none before it
    exists; the sandbox applies the same rule.
    """
    age = (today.year - int(version[:4])) * 12 + today.month - int(version[4:])
    latest = f"{today.year}{today.month:02d}"
    if age > 12:
        return f"LinkedIn has sunset version {version} (versions live 12 months; try {latest})"
    if age < 0:
        return f"version {version} is in the future (LinkedIn's newest is at most {latest})"
    return None


def price(s: str) -> str:
    parts = s.strip().split("/")
    if len(parts) != 2 or any(float(p) < 0 for p in parts):
        raise ValueError("expected IN/OUT in USD per million tokens, e.g. 0.25/2.00")
    return s.strip()


def zone(s: str) -> str:
    from mktdirector.core.when import zone_name

    return zone_name(s)


def slots(s: str) -> str:
    from mktdirector.core.slots import normalize_slots

    return normalize_slots(s)


def late_policy(s: str) -> str:
    v = s.strip().lower()
    if v not in {"publish-late", "skip"}:
        raise ValueError("expected publish-late or skip")
    return v


def email_address(s: str) -> str:
    v = s.strip()
    if v.count("@") != 1 or " " in v or "." not in v.rpartition("@")[2]:
        raise ValueError("expected an email address, e.g. you@example.com")
    return v


def fraction(s: str) -> float:
    v = float(s)
    if not 0 < v <= 1:
        raise ValueError("must be more than 0 and at most 1, e.g. 0.5")
    return v


def positive_int(s: str) -> int:
    v = int(s.strip())
    if v <= 0:
        raise ValueError("must be a whole number above 0")
    return v


def https_url(s: str) -> str:
    v = url(s)
    if not v.startswith("https://"):
        raise ValueError("must start with https:// (one-click unsubscribe is an HTTPS POST)")
    return v


def address(s: str) -> str:
    v = s.strip().removeprefix("mailto:")
    if "@" not in v or " " in v or v.startswith("@") or v.endswith("@"):
        raise ValueError("must be an email address, e.g. unsubscribe@example.com")
    return v


def choice(*allowed: str) -> Parser:
    def parse(s: str) -> str:
        v = s.strip().upper()
        if v not in allowed:
            raise ValueError(f"expected one of: {', '.join(allowed)}")
        return v

    return parse


def capable(capability: str) -> Parser:
    """A parser for a platform id that has `capability` in the platform table."""

    def parse(s: str) -> str:
        from mktdirector.core.platforms import PLATFORMS, Capability, with_capability

        key = s.strip().lower()
        key = next((p.id for p in PLATFORMS.values() if key in p.aliases), key)
        ids = with_capability(Capability(capability))
        if key not in ids:
            raise ValueError(f"expected one of: {', '.join(ids)}")
        return key

    return parse


def social_list(s: str) -> list[str]:
    """`twitter,linkedin` (aliases allowed; empty = none) as social platform ids."""
    parse = capable("social")
    return list(dict.fromkeys(parse(p) for p in s.replace(" ", ",").split(",") if p.strip()))

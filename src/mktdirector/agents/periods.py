"""`--since` values shared by the CRM, GA and email commands: a date or a number of days back."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import overload

from mktdirector.core.errors import UsageError

_AGO = re.compile(r"(\d{1,4})\s*([dw])")


@overload
def parse_since(text: str | None, *, default_days: int, today: date | None = None) -> date: ...
@overload
def parse_since(
    text: str | None, *, default_days: None, today: date | None = None
) -> date | None: ...
def parse_since(
    text: str | None, *, default_days: int | None, today: date | None = None
) -> date | None:
    """`2026-09-01`, `7d` or `2w` as a date; None (or `default_days` back) when not given."""
    today = today or date.today()
    if text is None or not text.strip():
        return None if default_days is None else today - timedelta(days=default_days)
    value = text.strip().lower()
    m = _AGO.fullmatch(value)
    if m:
        n = int(m.group(1)) * (7 if m.group(2) == "w" else 1)
        return today - timedelta(days=n)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(
            f"--since {text!r} is not a date.",
            hint="Use YYYY-MM-DD, or 7d / 4w for days/weeks back",
        ) from None


def iso_start(day: date | None) -> str | None:
    """The first instant of a day as a `*_utc` string (for comparisons with stored times)."""
    return None if day is None else f"{day.isoformat()}T00:00:00"

"""Recurring publishing slots (`schedule.<platform>` = "Tue,Thu 09:00; Sat 11:00"): parsed,
written one canonical way for the config, and the next free one found for `--at next-slot`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from mktdirector.core.errors import UsageError
from mktdirector.core.when import WEEKDAYS, aware, localize, parse_time


@dataclass(frozen=True)
class Slot:
    days: frozenset[int]  # 0 = Monday
    at: time


def _days(text: str) -> frozenset[int]:
    if text in {"daily", "everyday", "*"}:
        return frozenset(range(7))
    if text in {"weekdays", "workdays"}:
        return frozenset(range(5))
    out: set[int] = set()
    for part in text.split(","):
        first, _, last = part.strip().partition("-")
        if first not in WEEKDAYS or (last and last not in WEEKDAYS):
            raise ValueError(f"{part.strip()!r} is not a weekday (use Mon..Sun, Mon-Fri, daily)")
        a, b = WEEKDAYS[first], WEEKDAYS[last or first]
        out.update((a + i) % 7 for i in range((b - a) % 7 + 1))
    return frozenset(out)


def parse_slots(spec: str) -> tuple[Slot, ...]:
    """`Tue,Thu 09:00; Sat 11:00` as slots (ValueError with the reason when malformed)."""
    slots: list[Slot] = []
    for group in spec.lower().replace("every day", "daily").split(";"):
        group = group.strip()
        if not group:
            continue
        m = re.match(r"^([a-z,\-\s*]+?)\s+(?:at\s+)?([0-9:apm.,\s]+)$", group)
        if not m:
            raise ValueError(f"{group!r} is not DAYS TIME, e.g. 'Tue,Thu 09:00'")
        days = _days(m.group(1).replace(" ", ""))
        for t in m.group(2).replace(" ", "").split(","):
            try:
                slots.append(Slot(days, parse_time(t)))
            except UsageError as e:
                raise ValueError(e.message) from None
    if not slots:
        raise ValueError("no slot given, e.g. 'Tue,Thu 09:00'")
    return tuple(slots)


def _day_names(days: frozenset[int]) -> str:
    names = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    if len(days) == 7:
        return "daily"
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] == d - 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    return ",".join(
        f"{names[r[0]]}-{names[r[-1]]}" if len(r) > 2 else ",".join(names[d] for d in r)
        for r in runs
    )


def normalize_slots(spec: str) -> str:
    """Config validator for `schedule.<platform>`: the slots, written one canonical way."""
    groups: dict[frozenset[int], list[time]] = {}
    for slot in parse_slots(spec):
        groups.setdefault(slot.days, []).append(slot.at)
    return "; ".join(
        f"{_day_names(days)} " + ",".join(f"{t:%H:%M}" for t in sorted(set(times)))
        for days, times in groups.items()
    )


def next_slot(
    spec: str | Iterable[Slot],
    *,
    now: datetime,
    tz: tzinfo,
    taken: Iterable[datetime] = (),
    horizon_days: int = 366,
) -> datetime:
    """The first slot after `now` (UTC) whose minute is not in `taken`."""
    slots = parse_slots(spec) if isinstance(spec, str) else tuple(spec)
    now = aware(now).astimezone(UTC)
    busy = {aware(t).astimezone(UTC).replace(second=0, microsecond=0) for t in taken}
    today = now.astimezone(tz).date()
    for offset in range(horizon_days + 1):
        day = today + timedelta(days=offset)
        times = sorted({s.at for s in slots if day.weekday() in s.days})
        for at in times:
            # A slot in a DST gap moves with the clock (09:00 never is; 02:30 may be).
            dt = localize(day, at, tz, strict=False)
            if dt > now and dt.replace(second=0, microsecond=0) not in busy:
                return dt
    raise UsageError(
        f"Every slot in the next {horizon_days} days is taken.",
        hint="Add slots (mktd config set schedule.PLATFORM ...) or give --at a time",
    )

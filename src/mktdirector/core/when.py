"""Times for scheduling: what a person types, read in their zone, stored as UTC. Pure, offline.

Accepted by `parse_when` (case-insensitive):
- ISO 8601: `2026-03-10T09:00`, `2026-03-10 09:00:00+01:00`, `...Z` (no offset = the user's zone)
- `today 17:30`, `tomorrow 9:00`, `tomorrow at 9am`
- `now` (this second), `in 2h`, `in 30m`, `in 45s`, `in 1d`, `in 1h30m`, `in 90 minutes`, `+2h`
- `tue 9:00`, `tuesday at 9am` (the next such time still ahead, today included),
  `next tuesday 09:00` (a Tuesday after today, never today)
- `10 Mar 9:00`, `Mar 10 2027 09:00`
- `17:30` (today)
Everything else is refused with a UsageError saying why: the past, impossible dates
(`2026-02-31`, `31 Feb`), times that do not exist (a DST gap), text that is not a time.

Recurring slots (`schedule.<platform>` config): `Tue,Thu 09:00`, `Mon-Fri 09:00,17:30; Sat 11:00`,
`daily 12:00`.
"""

from __future__ import annotations

import calendar
import os
import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from mktdirector.core.errors import UsageError

HINT = 'Give a future time, e.g. "tomorrow 9:00", "in 2h", "tue 9:00" or 2026-03-10T09:00'
MAX_AHEAD = timedelta(days=3660)  # ten years: further is a typo, and it keeps dates in range
NEXT_SLOT = "next-slot"

WEEKDAYS: dict[str, int] = {}
for _i, _names in enumerate(
    (("mon", "monday"), ("tue", "tues", "tuesday"), ("wed", "weds", "wednesday"),
     ("thu", "thur", "thurs", "thursday"), ("fri", "friday"), ("sat", "saturday"),
     ("sun", "sunday"))
):  # fmt: skip
    WEEKDAYS.update(dict.fromkeys(_names, _i))
MONTHS: dict[str, int] = {}
for _i, _name in enumerate(calendar.month_name[1:], 1):
    MONTHS[_name.lower()] = MONTHS[_name.lower()[:3]] = _i
MONTHS["sept"] = 9
UNITS = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1),
    **dict.fromkeys(("m", "min", "mins", "minute", "minutes"), 60),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), 3600),
    **dict.fromkeys(("d", "day", "days"), 86400),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), 7 * 86400),
}

_TIME = r"(?:noon|midnight|\d{1,2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?)"
_DAY = "|".join(sorted(WEEKDAYS, key=len, reverse=True))
_MON = "|".join(sorted(MONTHS, key=len, reverse=True))
_AT = r"(?:\s+at)?\s+"
RE_IN = re.compile(r"^(?:in\s+|\+\s*)((?:\d+\s*[a-z]+\s*)+)$")
RE_PART = re.compile(r"(\d+)\s*([a-z]+)")
RE_REL = re.compile(rf"^(today|tonight|tomorrow)(?:{_AT}({_TIME}))?$")
RE_REL_AFTER = re.compile(rf"^({_TIME})\s+(today|tonight|tomorrow)$")
RE_WEEKDAY = re.compile(rf"^(?:(next|this)\s+)?({_DAY})(?:{_AT}({_TIME}))?$")
RE_DAY_MON = re.compile(
    rf"^(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MON})\.?(?:\s+(\d{{4}}))?(?:{_AT}({_TIME}))?$"
)
RE_MON_DAY = re.compile(
    rf"^({_MON})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:\s+(\d{{4}}))?(?:{_AT}({_TIME}))?$"
)
RE_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
RE_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*([ap])?\.?(m\.?)?$")
RE_PAST = re.compile(rf"^(yesterday|last\s+(?:{_DAY}|week|month|year))\b|\bago$")


def zone(name: str) -> ZoneInfo:
    """An IANA zone by name, or a UsageError naming the problem (`Mars/Olympus`)."""
    key = name.strip()
    try:
        if not key or key.startswith(("/", ".")) or ".." in key:
            raise ValueError(key)
        return ZoneInfo(key)
    except (ValueError, OSError, ZoneInfoNotFoundError):
        raise UsageError(
            f"Unknown time zone {name!r}.",
            hint="Use an IANA zone name such as Europe/Berlin, America/New_York or UTC",
        ) from None


def zone_name(value: str) -> str:
    """Config validator for `schedule.timezone` (ValueError when unknown)."""
    try:
        return str(zone(value).key)
    except UsageError as e:
        raise ValueError(f"unknown time zone {value.strip()!r} (use an IANA name)") from e


def user_zone(
    configured: str | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    localtime: Path = Path("/etc/localtime"),
) -> ZoneInfo:
    """The user's zone: `schedule.timezone` (or MKTD_TZ), else TZ, else the system's, else UTC."""
    if configured:
        return zone(configured)
    env = os.environ if environ is None else environ
    tz_env = env.get("TZ", "").strip().lstrip(":")
    if tz_env:
        try:
            return zone(tz_env)
        except UsageError:
            pass  # a POSIX rule string like "CET-1CEST": fall through to the system zone
    name = _system_zone_name(localtime)
    if name:
        try:
            return zone(name)
        except UsageError:
            pass
    return ZoneInfo("UTC")


def _system_zone_name(localtime: Path) -> str | None:
    # /etc/localtime is a symlink into .../zoneinfo/<Area/City> on Linux and macOS.
    try:
        target = os.path.realpath(localtime)
    except OSError:
        return None
    marker = "/zoneinfo/"
    if marker in target:
        return target.split(marker, 1)[1]
    try:  # Debian-style /etc/timezone
        return (localtime.parent / "timezone").read_text().strip() or None
    except OSError:
        return None


# times --------------------------------------------------------------------------------------
def to_iso(dt: datetime) -> str:
    """The store's `*_utc` format (fixed width, so strings sort as times)."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def from_iso(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def local_label(dt: datetime, tz: tzinfo) -> str:
    """`Tue 10 Mar 2026 09:00 CET`: how the user reads a stored time."""
    local = dt.astimezone(tz)
    return f"{local:%a %d %b %Y %H:%M} {local.tzname() or ''}".rstrip()


def aware(now: datetime) -> datetime:
    return now.replace(tzinfo=UTC) if now.tzinfo is None else now


def parse_time(text: str) -> time:
    t = text.strip().lower()
    if t == "noon":
        return time(12, 0)
    if t == "midnight":
        return time(0, 0)
    m = RE_TIME.match(t.replace(" ", ""))
    if not m or (m.group(3) is None) != (m.group(4) is None):
        raise UsageError(f"Cannot read {text!r} as a time of day.", hint="Use 9:00, 17:30 or 9am")
    hour, minute, ampm = int(m.group(1)), int(m.group(2) or 0), m.group(3)
    if ampm:
        if not 1 <= hour <= 12:
            raise UsageError(f"{text!r} is not a time: {hour} {ampm}m.", hint="Use 1-12 with am/pm")
        hour = hour % 12 + (12 if ampm == "p" else 0)
    if hour > 23 or minute > 59:
        raise UsageError(f"{text!r} is not a time of day.", hint="Use 00:00 to 23:59")
    return time(hour, minute)


def localize(day: date, at: time, tz: tzinfo, *, strict: bool = True) -> datetime:
    """`day` at `at` on the wall clock of `tz`; a time skipped by DST is refused (strict)."""
    wall = datetime.combine(day, at)
    dt = wall.replace(tzinfo=tz)
    back = dt.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    if back != wall and strict:
        raise UsageError(
            f"{wall:%Y-%m-%d %H:%M} does not exist in {tz}: the clocks skip it (daylight saving).",
            hint="Pick a time an hour later or earlier",
        )
    return dt.astimezone(UTC)


def _future(dt: datetime, now: datetime, text: str, tz: tzinfo) -> datetime:
    if dt <= now:
        raise UsageError(
            f"{text!r} is in the past ({local_label(dt, tz)}; it is now {local_label(now, tz)}).",
            hint=HINT,
        )
    if dt - now > MAX_AHEAD:
        raise UsageError(f"{text!r} is more than ten years away.", hint=HINT)
    return dt.replace(microsecond=0)


def _need_time(text: str, what: str) -> UsageError:
    return UsageError(
        f"{text!r} has no time of day.", hint=f'Add one, e.g. "{what} 9:00" or "{what} 17:30"'
    )


def parse_when(text: str, *, now: datetime, tz: tzinfo) -> datetime:
    """A future moment (aware, UTC) from what a person typed, or a one-line UsageError."""
    now = aware(now).astimezone(UTC)
    raw = text
    s = " ".join(text.strip().lower().replace(",", " ").split()).removeprefix("at ")
    if not s:
        raise UsageError("No time given.", hint=HINT)
    if RE_PAST.search(s):
        raise UsageError(f"{raw!r} is in the past.", hint=HINT)
    if s == "now":  # the soonest a job can be due: the worker takes it on its next pass
        return now.replace(microsecond=0)
    try:
        return _parse(s, raw, now, tz)
    except OverflowError:
        raise UsageError(f"{raw!r} is too far away.", hint=HINT) from None


def _parse(s: str, raw: str, now: datetime, tz: tzinfo) -> datetime:
    today = now.astimezone(tz).date()
    if m := RE_IN.match(s):
        seconds = 0
        for amount, unit in RE_PART.findall(m.group(1)):
            if unit not in UNITS:
                raise UsageError(f"Unknown unit {unit!r} in {raw!r}.", hint="Use s, m, h, d or w")
            # More than 12 digits is past any horizon (and int() refuses very long strings).
            seconds += int(amount) * UNITS[unit] if len(amount) <= 12 else 10**15
        if seconds > MAX_AHEAD.total_seconds():
            raise UsageError(f"{raw!r} is more than ten years away.", hint=HINT)
        if seconds == 0:
            raise UsageError(f"{raw!r} is not in the future.", hint=HINT)
        return _future(now + timedelta(seconds=seconds), now, raw, tz)
    if RE_ISO_DATE.match(s):
        return _future(_iso(s, raw, tz), now, raw, tz)
    rel, rel_after = RE_REL.match(s), RE_REL_AFTER.match(s)
    if rel or rel_after:
        word, at = rel.groups() if rel else tuple(reversed(rel_after.groups()))  # type: ignore[union-attr]
        if at is None:
            if word == "tonight":
                at = "20:00"
            else:
                raise _need_time(raw, word)
        day = today + timedelta(days=1 if word == "tomorrow" else 0)
        return _future(localize(day, parse_time(at), tz), now, raw, tz)
    if m := RE_WEEKDAY.match(s):
        which, name, at = m.groups()
        if at is None:
            raise _need_time(raw, name)
        wanted, when = WEEKDAYS[name], parse_time(at)
        ahead = (wanted - today.weekday()) % 7
        if which == "next" and ahead == 0:
            ahead = 7
        dt = localize(today + timedelta(days=ahead), when, tz)
        if dt <= now:  # today's one has passed: the same weekday next week
            dt = localize(today + timedelta(days=ahead + 7), when, tz)
        return _future(dt, now, raw, tz)
    day_mon, mon_day = RE_DAY_MON.match(s), RE_MON_DAY.match(s)
    if day_mon or mon_day:
        if day_mon:
            day_s, mon_s, year_s, at = day_mon.groups()
        else:
            mon_s, day_s, year_s, at = mon_day.groups()  # type: ignore[union-attr]
        dt = _day_month(raw, int(day_s), MONTHS[mon_s], year_s, at, now, tz)
        return _future(dt, now, raw, tz)
    if re.fullmatch(_TIME, s) and re.search(r"[:apmnoidght]", s):
        return _future(localize(today, parse_time(s), tz), now, raw, tz)
    raise UsageError(f"Cannot read {raw!r} as a time.", hint=HINT)


def _iso(s: str, raw: str, tz: tzinfo) -> datetime:
    m = RE_ISO_DATE.match(s)
    assert m is not None
    year, month, day = (int(g) for g in m.groups())
    _check_date(raw, year, month, day)
    rest = s[m.end() :].strip()
    if not rest:
        raise _need_time(raw, m.group(0))
    try:
        dt = datetime.fromisoformat(s.upper().replace(" ", "T", 1))
    except ValueError:
        raise UsageError(f"Cannot read {raw!r} as an ISO 8601 time.", hint=HINT) from None
    if dt.tzinfo is None:
        return localize(dt.date(), dt.time().replace(microsecond=0), tz)
    return dt.astimezone(UTC)


def _check_date(raw: str, year: int, month: int, day: int) -> None:
    if not 1 <= month <= 12:
        raise UsageError(f"{raw!r} is not a date: there is no month {month}.", hint=HINT)
    last = calendar.monthrange(year, month)[1] if 1 <= year <= 9999 else 31
    if not 1 <= day <= last:
        raise UsageError(
            f"{raw!r} is not a date: {calendar.month_name[month]} {year} has {last} days.",
            hint=HINT,
        )


def _day_month(
    raw: str, day: int, month: int, year_s: str | None, at: str | None, now: datetime, tz: tzinfo
) -> datetime:
    name = calendar.month_name[month]
    most = 29 if month == 2 else calendar.monthrange(2001, month)[1]
    if not 1 <= day <= most:
        raise UsageError(f"{raw!r} is not a date: {name} has at most {most} days.", hint=HINT)
    if year_s:
        _check_date(raw, int(year_s), month, day)
    if at is None:
        raise _need_time(raw, f"{day} {name[:3]}")
    when = parse_time(at)
    if year_s:
        return localize(date(int(year_s), month, day), when, tz)
    start = now.astimezone(tz).year
    for year in range(start, start + 9):  # 29 Feb: the next leap year
        if day > calendar.monthrange(year, month)[1]:
            continue
        dt = localize(date(year, month, day), when, tz)
        if dt > now:
            return dt
        if year == start and now - dt < timedelta(days=183):
            return dt  # "10 Mar" typed on 12 Mar means a mistake, not next year: refused
    raise UsageError(f"{raw!r} is not a date in the next years.", hint=HINT)

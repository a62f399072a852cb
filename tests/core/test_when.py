"""Schedule times: what people type, in their zone, to UTC; refusals; recurring slots; config keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mktdirector.core.config import Config, find_key
from mktdirector.core.errors import ConfigError, UsageError
from mktdirector.core.slots import next_slot, normalize_slots
from mktdirector.core.when import (
    local_label,
    parse_when,
    user_zone,
    zone,
)

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # Tuesday, 11:00 in Berlin


def at(text: str, tz=BERLIN, now=NOW) -> str:
    return parse_when(text, now=now, tz=tz).astimezone(tz).strftime("%a %Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow 9:00", "Wed 2026-03-11 09:00"),
        ("Tomorrow at 9am", "Wed 2026-03-11 09:00"),
        ("9:00 tomorrow", "Wed 2026-03-11 09:00"),
        ("today 17:30", "Tue 2026-03-10 17:30"),
        ("17:30", "Tue 2026-03-10 17:30"),
        ("in 2h", "Tue 2026-03-10 13:00"),
        ("in 30m", "Tue 2026-03-10 11:30"),
        ("in 1d", "Wed 2026-03-11 11:00"),
        ("in 1h30m", "Tue 2026-03-10 12:30"),
        ("in 90 minutes", "Tue 2026-03-10 12:30"),
        ("+2h", "Tue 2026-03-10 13:00"),
        ("tue 12:00", "Tue 2026-03-10 12:00"),  # later today
        ("tue 9:00", "Tue 2026-03-17 09:00"),  # today's has passed
        ("next tuesday 12:00", "Tue 2026-03-17 12:00"),  # "next" is never today
        ("thu 9:00", "Thu 2026-03-12 09:00"),
        ("friday at 5pm", "Fri 2026-03-13 17:00"),
        ("2026-03-11T09:00", "Wed 2026-03-11 09:00"),  # naive: the user's zone
        ("2026-03-11 09:00", "Wed 2026-03-11 09:00"),
        ("2026-03-11T09:00Z", "Wed 2026-03-11 10:00"),
        ("2026-03-11T09:00:00-05:00", "Wed 2026-03-11 15:00"),
        ("12 Mar 9:00", "Thu 2026-03-12 09:00"),
        ("Mar 12 2027 09:00", "Fri 2027-03-12 09:00"),
        ("5 Jan 9:00", None),  # passed this year, not "next year": refused
        ("29 Feb 10:00", "Tue 2028-02-29 10:00"),  # the next leap year
        ("noon tomorrow", "Wed 2026-03-11 12:00"),
    ],
)
def test_accepted_forms(text, expected):
    if expected is None:
        with pytest.raises(UsageError, match="in the past"):
            at(text)
    else:
        assert at(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("yesterday", "in the past"),
        ("yesterday 9:00", "in the past"),
        ("last tuesday 9:00", "in the past"),
        ("2 hours ago", "in the past"),
        ("today 9:00", "in the past"),
        ("2026-03-10T09:00", "in the past"),
        ("2026-03-10T09:00:00Z", "in the past"),
        ("31 Feb", "February has at most 29 days"),
        ("31 Feb 9:00", "February has at most 29 days"),
        ("2026-02-31", "February 2026 has 28 days"),
        ("2026-02-31T09:00", "February 2026 has 28 days"),
        ("2027-02-29 10:00", "February 2027 has 28 days"),
        ("2026-13-01 10:00", "no month 13"),
        ("tomorrow", "no time of day"),
        ("2026-03-12", "no time of day"),
        ("tomorrow 25:00", "not a time of day"),
        ("tomorrow 13pm", "not a time"),
        ("in 0m", "not in the future"),
        ("in 3 parsecs", "Unknown unit"),
        ("in 99999999999999999999999d", "ten years"),
        ("2040-01-01 10:00", "ten years"),
        ("2026-03-29 02:30", "does not exist"),  # Berlin springs forward
        ("garbage", "Cannot read"),
        ("", "No time given"),
        ("9", "Cannot read"),
    ],
)
def test_refused_with_one_line_and_a_hint(text, says):
    with pytest.raises(UsageError) as info:
        parse_when(text, now=NOW, tz=BERLIN)
    assert says in info.value.message
    assert "\n" not in info.value.message and info.value.hint


def test_zone_names():
    assert str(zone("America/New_York")) == "America/New_York"
    for bad in ("Mars/Olympus", "", "../../etc/passwd", "America", "/etc/localtime"):
        with pytest.raises(UsageError, match="Unknown time zone"):
            zone(bad)


def test_user_zone_precedence(tmp_path: Path):
    link = tmp_path / "localtime"
    link.symlink_to("/usr/share/zoneinfo/Asia/Tokyo")
    assert str(user_zone("Europe/Paris", environ={"TZ": "UTC"}, localtime=link)) == "Europe/Paris"
    assert str(user_zone(None, environ={"TZ": ":America/Chicago"}, localtime=link)) == (
        "America/Chicago"
    )
    assert str(user_zone(None, environ={"TZ": "CET-1CEST"}, localtime=link)) == "Asia/Tokyo"
    assert str(user_zone(None, environ={}, localtime=tmp_path / "missing")) == "UTC"
    with pytest.raises(UsageError):
        user_zone("Mars/Olympus")


def test_label_is_in_the_users_zone():
    assert (
        local_label(datetime(2026, 7, 1, 7, 0, tzinfo=UTC), BERLIN) == "Wed 01 Jul 2026 09:00 CEST"
    )


def test_recurring_slots_skip_taken_ones():
    spec = "Tue,Thu 09:00"
    first = next_slot(spec, now=NOW, tz=BERLIN)
    assert first.astimezone(BERLIN).strftime("%a %d %H:%M") == "Thu 12 09:00"
    second = next_slot(spec, now=NOW, tz=BERLIN, taken=[first])
    assert second.astimezone(BERLIN).strftime("%a %d %H:%M") == "Tue 17 09:00"
    # Across the DST change (29 Mar): still 09:00 on the wall clock.
    late = next_slot(spec, now=datetime(2026, 3, 27, tzinfo=UTC), tz=BERLIN)
    assert late.astimezone(BERLIN).strftime("%a %d %H:%M %Z") == "Tue 31 09:00 CEST"


def test_slot_specs_are_validated_and_normalized():
    assert normalize_slots("tue,thu 9am") == "Tue,Thu 09:00"
    assert normalize_slots("Mon-Fri 17:30, 9:00; sat 11:00") == "Mon-Fri 09:00,17:30; Sat 11:00"
    assert normalize_slots("daily 12:00") == "daily 12:00"
    for bad in ("Tue,Thu", "Funday 9:00", "Tue 25:00", ""):
        with pytest.raises(ValueError):
            normalize_slots(bad)


def test_schedule_config_keys(tmp_path: Path, monkeypatch):
    assert find_key("schedule.linkedin").pattern == "schedule.*"
    assert find_key("schedule.twitter").pattern == "schedule.*"
    assert find_key("schedule.timezone").pattern == "schedule.timezone"
    for bad in ("schedule.base_url", "schedule.hubspot", "schedule.x", "schedule.nope"):
        with pytest.raises(UsageError, match="Unknown config key"):
            find_key(bad)
    assert find_key("twitter.base_url").pattern == "*.base_url"  # platform globs unchanged
    cfg = Config(tmp_path / "config.toml")
    assert cfg.set("schedule.linkedin", "tue,thu 9:00") == "Tue,Thu 09:00"
    assert cfg.set("schedule.timezone", "Europe/Berlin") == "Europe/Berlin"
    assert cfg.get("schedule.late_policy") == "publish-late"
    assert cfg.get("schedule.grace_minutes") == 120
    with pytest.raises(UsageError, match="unknown time zone"):
        cfg.set("schedule.timezone", "Mars/Olympus")
    with pytest.raises(UsageError, match="publish-late or skip"):
        cfg.set("schedule.late_policy", "sometimes")
    monkeypatch.setenv("MKTD_TZ", "Mars/Olympus")
    with pytest.raises(ConfigError, match="MKTD_TZ"):
        cfg.get("schedule.timezone")
    monkeypatch.setenv("MKTD_WORKER_LEASE_S", "2")
    assert cfg.get("worker.lease_seconds") == 2.0


# Hypothesis: never a crash, only a future time or a one-line UsageError. -------------------------
WORDS = st.sampled_from(
    ["in", "at", "next", "this", "tomorrow", "today", "yesterday", "tue", "friday", "feb",
     "31", "29", "2026-02-31", "9:00", "17:30", "9am", "12pm", "noon", "2h", "30m", "1d",
     "+", "-", "2027", "2026-03-10T09:00", "z", "ago", "last", "0", "99999999999999"]
)  # fmt: skip
ZONES = st.sampled_from(
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Pacific/Apia"]
)
NOWS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


def _check(text: str, now: datetime, tz_name: str) -> None:
    try:
        result = parse_when(text, now=now, tz=ZoneInfo(tz_name))
    except UsageError as e:
        assert e.message and "\n" not in e.message and e.hint
        return
    assert result.tzinfo is not None and result.utcoffset() == timedelta(0)
    # `now` is this very second; everything else lies ahead.
    assert now.replace(microsecond=0) <= result <= now + timedelta(days=3661)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40), NOWS, ZONES)
def test_any_text_is_a_future_time_or_a_usage_error(text, now, tz_name):
    _check(text, now, tz_name)


@pytest.mark.slow  # 400 examples, ~1 s
@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=4).map(" ".join), NOWS, ZONES)
def test_near_miss_phrases_are_a_future_time_or_a_usage_error(text, now, tz_name):
    _check(text, now, tz_name)


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["in {n}m", "in {n}h", "in {n}d", "tomorrow {h}:{m:02d}", "next fri {h}:{m:02d}",
                     "sat at {h}:{m:02d}"]),
    st.integers(1, 500), st.integers(0, 23), st.integers(0, 59), NOWS, ZONES,
)  # fmt: skip
def test_valid_phrases_always_land_in_the_future(form, n, h, m, now, tz_name):
    try:
        result = parse_when(form.format(n=n, h=h, m=m), now=now, tz=ZoneInfo(tz_name))
    except UsageError as e:
        assert "does not exist" in e.message  # only a DST gap may refuse these
        return
    assert result > now


def test_now_and_any_future_second_are_accepted() -> None:
    # Issue 12 item 8: "in 1m" was the soonest; `--at now` and seconds were refused.
    assert parse_when("now", now=NOW, tz=BERLIN) == NOW
    assert parse_when("NOW", now=NOW + timedelta(microseconds=250), tz=BERLIN) == NOW
    assert parse_when("in 30s", now=NOW, tz=BERLIN) == NOW + timedelta(seconds=30)
    assert parse_when("in 1 second", now=NOW, tz=BERLIN) == NOW + timedelta(seconds=1)
    assert parse_when("+1m30s", now=NOW, tz=BERLIN) == NOW + timedelta(seconds=90)
    assert parse_when("2026-03-10T11:00:01", now=NOW, tz=BERLIN) == NOW + timedelta(seconds=1)
    with pytest.raises(UsageError, match="not in the future"):
        parse_when("in 0s", now=NOW, tz=BERLIN)

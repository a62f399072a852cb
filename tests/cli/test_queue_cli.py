"""`mktd schedule`, `mktd queue list|cancel`, `mktd social --schedule`, `mktd worker --install`."""

from __future__ import annotations

import json
import plistlib
from pathlib import Path

import pytest

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand


@pytest.fixture
def draft_id(cli, store, monkeypatch):
    monkeypatch.setenv("MKTD_TZ", "Europe/Berlin")
    assert cli("init").exit_code == 0
    v = drafts.create_draft(
        store, Brand(), platform="twitter", kind="post", body=["Queue me"], utm=False
    )
    drafts.approve(store, v.id)
    store.close()
    return v.id


def jobs(store):
    rows = list(store.db.query("select * from jobs where kind = 'publish'"))
    store.close()
    return rows


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--at", "yesterday"], "'yesterday' is in the past."),
        (["--at", "31 Feb 9:00"], "'31 Feb 9:00' is not a date: February has at most 29 days."),
        (["--at", "2026-02-31T09:00"], "is not a date: February 2026 has 28 days."),
        (["--at", "tomorrow 9:00", "--tz", "Mars/Olympus"], "Unknown time zone 'Mars/Olympus'."),
        (["--at", "whenever"], "Cannot read 'whenever' as a time."),
    ],
)
def test_bad_schedule_input_is_refused_and_nothing_written(cli, store, draft_id, args, says):
    r = cli("schedule", draft_id, *args)
    assert r.exit_code == 2
    lines = r.stderr.strip().splitlines()
    assert lines[0] == f"Error: {says}" or (lines[0].startswith("Error: ") and says in lines[0])
    assert len(lines) == 2 and lines[1].startswith("Hint: ")
    assert jobs(store) == [] and store.get_draft(draft_id)["status"] == "approved"


def test_schedule_list_move_and_cancel(cli, store, draft_id):
    r = cli("schedule", draft_id, "--at", "2099-01-01 09:00", "--json")
    assert r.exit_code == 2 and "ten years" in r.stderr  # far future refused too
    r = cli("schedule", draft_id[-6:], "--at", "in 2h")
    assert r.exit_code == 0 and "Scheduled" in r.stderr
    assert store.get_draft(draft_id)["status"] == "scheduled"
    r = cli("schedule", draft_id, "--at", "tomorrow 9:00", "--json")
    moved = json.loads(r.stdout)
    assert moved["due_local"].endswith(("T09:00+01:00", "T09:00+02:00"))  # Berlin
    assert moved["timezone"] == "Europe/Berlin" and moved["draft_id"] == draft_id
    [job] = jobs(store)  # moved, not duplicated
    assert job["due_utc"] == moved["due_utc"] and job["status"] == "queued"
    listed = json.loads(cli("queue", "list", "--json").stdout)
    assert [j["draft_id"] for j in listed] == [draft_id] and listed[0]["preview"] == "Queue me"
    table = cli("queue", "list").stdout
    assert "09:00 CE" in table and draft_id[-8:] in table  # a short id at 80 columns
    r = cli("queue", "cancel", draft_id)
    assert r.exit_code == 0 and "approved again" in r.stderr
    assert jobs(store)[0]["status"] == "cancelled"
    assert store.get_draft(draft_id)["status"] == "approved"
    assert json.loads(cli("queue", "list", "--json").stdout) == []
    r = cli("queue", "cancel", draft_id)
    assert r.exit_code == 2 and "No queued publish job" in r.stderr


def test_schedule_now_is_due_at_once(cli, store, draft_id):
    # Issue 12 item 8: "in 1m" was the soonest a publish could be scheduled.
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC).replace(microsecond=0)
    r = cli("schedule", draft_id, "--at", "now", "--json")
    assert r.exit_code == 0, r.stderr
    due = datetime.fromisoformat(json.loads(r.stdout)["due_utc"].replace("Z", "+00:00"))
    assert before <= due <= before + timedelta(seconds=5)
    [job] = jobs(store)
    assert job["status"] == "queued"


def test_unapproved_draft_cannot_be_scheduled(cli, store, draft_id):
    v = drafts.create_draft(store, Brand(), platform="twitter", kind="post", body=["Not yet"])
    store.close()
    r = cli("schedule", v.id, "--at", "in 1h")
    assert r.exit_code == 2 and f"mktd drafts approve {v.id}" in r.stderr
    assert jobs(store) == []


def test_next_slot_uses_the_configured_slots_and_skips_taken_ones(cli, store, draft_id):
    r = cli("schedule", draft_id, "--at", "next-slot")
    assert r.exit_code == 2 and 'mktd config set schedule.twitter "Tue,Thu 09:00"' in r.stderr
    assert cli("config", "set", "schedule.twitter", "tue,thu 9:00").exit_code == 0
    first = json.loads(cli("schedule", draft_id, "--at", "next-slot", "--json").stdout)
    assert first["due_local"][11:16] == "09:00"
    other = drafts.create_draft(store, Brand(), platform="twitter", kind="post", body=["Two"])
    drafts.approve(store, other.id)
    store.close()
    second = json.loads(cli("schedule", other.id, "--at", "next-slot", "--json").stdout)
    assert second["due_utc"] > first["due_utc"]
    again = json.loads(cli("schedule", draft_id, "--at", "next-slot", "--json").stdout)
    assert again["due_utc"] == first["due_utc"]  # its own slot is not "taken"


def test_social_schedule_saves_approves_and_queues(cli, store, draft_id):
    r = cli(
        "social", "twitter", "--text", "Later, please", "--schedule", "in 3h", "--yes", "--json"
    )
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "scheduled" and out["schedule"]["draft_id"] == out["id"]
    assert store.get_draft(out["id"])["status"] == "scheduled"


def test_social_schedule_bad_input_saves_nothing(cli, store, draft_id):
    before = len(store.list_drafts())
    store.close()
    for args in (["--schedule", "yesterday"], ["--schedule", "in 1h", "--publish"]):
        r = cli("social", "twitter", "--text", "Never saved", *args, "--yes")
        assert r.exit_code == 2
    assert len(store.list_drafts()) == before
    # Without --yes and without a terminal: saved as a draft, not approved or scheduled.
    r = cli("social", "twitter", "--text", "Ask me first", "--schedule", "in 1h")
    assert r.exit_code == 2 and "needs a confirmation" in r.stderr
    assert jobs(store) == []


def test_worker_once_with_nothing_due(cli, draft_id):
    r = cli("worker", "--once")
    assert r.exit_code == 0 and "Nothing was due." in r.stderr


def test_install_prints_units_with_absolute_paths(cli, home, draft_id):
    r = cli("worker", "--install", "systemd")
    assert r.exit_code == 0
    exec_line = next(x for x in r.stdout.splitlines() if x.startswith("ExecStart="))
    exe = exec_line.removeprefix("ExecStart=").split()[0]
    assert Path(exe).is_absolute() and Path(exe).exists() and exec_line.endswith("worker --once")
    assert f"Environment=MKTD_HOME={home}" in r.stdout and "OnCalendar=*-*-* *:*:00" in r.stdout
    assert "systemctl --user enable --now mktd-worker.timer" in r.stderr
    r = cli("worker", "--install", "cron")
    assert r.stdout.startswith("* * * * * ") and f"MKTD_HOME={home}" in r.stdout
    assert "| crontab -" in r.stderr
    r = cli("worker", "--install", "sysvinit")
    assert r.exit_code == 2 and "systemd, cron, launchd" in r.stderr
    r = cli("worker", "--write")
    assert r.exit_code == 2


def test_install_write_puts_files_in_the_user_locations(cli, home, tmp_path, monkeypatch):
    fake_home = tmp_path / "user"
    monkeypatch.setenv("HOME", str(fake_home))
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    r = cli("worker", "--install", "systemd", "--write")
    assert r.exit_code == 0
    unit_dir = fake_home / ".config" / "systemd" / "user"
    assert "worker --once" in (unit_dir / "mktd-worker.service").read_text()
    assert "[Timer]" in (unit_dir / "mktd-worker.timer").read_text()
    r = cli("worker", "--install", "launchd", "--write")
    plist = plistlib.loads((fake_home / "Library/LaunchAgents/io.mktd.worker.plist").read_bytes())
    assert plist["ProgramArguments"][-2:] == ["worker", "--once"]
    assert plist["EnvironmentVariables"] == {"MKTD_HOME": str(home)}
    assert plist["StartInterval"] == 60 and "launchctl bootstrap" in r.stderr
    r = cli("worker", "--install", "cron", "--write")
    assert r.exit_code == 0 and "crontab -l" in r.stderr  # printed, crontab left alone


def test_worker_once_skips_a_long_missed_slot_and_tells_once(cli, store, draft_id):
    from datetime import UTC, datetime, timedelta

    from mktdirector.agents.social import schedule

    schedule.schedule(store, draft_id, datetime.now(UTC) - timedelta(hours=5), tz=UTC)
    store.close()
    r = cli("worker", "--once")
    assert r.exit_code == 0 and "skipped" in r.stderr and f"mktd schedule {draft_id}" in r.stderr
    notes = [n for n in store.notifications() if draft_id in (n["message"] + n["subject"])]
    assert [n["kind"] for n in notes] == ["slot_skipped"]  # the alert rules did not add a second
    assert store.get_draft(draft_id)["status"] == "approved"

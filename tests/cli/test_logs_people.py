"""Issue 16: `mktd logs` says who caused each call (MKTD_USER, else the OS user); old rows "—"."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
import respx

from mktdirector.core.http import Exchange

TOKEN = "pat-na1-SECRET-people-2222-3333"


@pytest.fixture
def seeded(store: Any, home: Path) -> Any:
    store.record_exchange(Exchange("twitter", "a", "GET", "/2/users/me", 200, 5, 1))  # before m025
    store.record_exchange(Exchange("twitter", "a", "POST", "/2/tweets", 201, 7, 1, actor="carol"))
    store.record_exchange(
        Exchange("linkedin", "b", "POST", "/rest/posts", 201, 9, 1, actor="ann via worker:svc@h1")
    )
    store.close()
    return store


def test_logs_json_carries_the_actor_and_null_for_old_rows(cli: Any, seeded: Any) -> None:
    rows = [json.loads(line) for line in cli("logs", "--json").stdout.splitlines()]
    assert [r["actor"] for r in rows] == [None, "carol", "ann via worker:svc@h1"]


def test_logs_table_has_a_by_column_with_a_dash_for_nobody(cli: Any, seeded: Any) -> None:
    table = cli("logs", env={"COLUMNS": "120"}).stdout
    lines = table.splitlines()
    header = next(line for line in lines if "platform" in line)
    assert [c.strip() for c in header.split("┃")[1:-1]][-1] == "by"
    by = [line.split("│")[-2].strip() for line in lines if line.startswith("│")]
    assert by == ["—", "carol", "ann via worker:svc@h1"]
    assert all(len(line) <= 120 for line in lines)
    narrow = cli("logs", env={"COLUMNS": "80"}).stdout  # stacked at 80: `by` is one line each
    assert [line.split(None, 1)[1].strip() for line in narrow.splitlines()
            if line.startswith("by ")] == ["—", "carol", "ann via worker:svc@h1"]  # fmt: skip
    assert all(len(line) <= 80 for line in narrow.splitlines())


def test_logs_follow_lines_show_the_actor(cli: Any, seeded: Any, monkeypatch: Any) -> None:
    import time

    from mktdirector.store import Store

    def arrive(_seconds: float) -> None:
        s = Store(seeded.path)
        s.record_exchange(
            Exchange("sendgrid", None, "POST", "/v3/mail/send", 202, 8, 1, actor="dan")
        )
        s.close()

    monkeypatch.setattr(time, "sleep", arrive)
    out = cli("logs", "--follow", "--max-polls", "1", "--interval", "0", "-n", "3").stdout
    lines = [line for line in out.splitlines() if line.strip()]
    assert lines[0].split()[-2:] == ["by", "path"]
    # The actor is the column before the path (which goes last); "ann via worker:…" is 3 words.
    assert [line.split()[-2] for line in lines[1:]] == ["—", "carol", "worker:svc@h1", "dan"]
    assert "ann via worker:svc@h1 /rest/posts" in lines[3]


def test_a_real_call_is_logged_as_mktd_user_and_never_with_the_secret(
    cli: Any, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HUBSPOT_API_KEY", TOKEN)
    monkeypatch.setenv("MKTD_HUBSPOT_BASE_URL", "http://hs.test")
    monkeypatch.setenv("MKTD_USER", "zoe")
    assert cli("init").exit_code == 0
    with respx.mock() as router:
        router.get("http://hs.test/account-info/v3/details").respond(200, json={"portalId": 7})
        assert cli("test-integration", "hubspot", "--json").exit_code == 0
    shown = cli("logs", "--json").stdout
    assert [json.loads(line)["actor"] for line in shown.splitlines()] == ["zoe"]
    table = cli("logs", env={"COLUMNS": "200"}).stdout
    assert "zoe" in table
    db = sqlite3.connect(home / "mktd.db")
    dump = "\n".join(db.iterdump())
    db.close()
    assert TOKEN not in shown + table + dump

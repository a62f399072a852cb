"""Issue 12 item 3: a partly damaged database never half-sends, and can be recovered.

The attack: pages of the audit table (`http_calls`) overwritten with garbage. The file still
opened, `mktd social ... --publish --yes` sent the post and then failed on the audit row,
leaving a `failed` draft no command could finish. Now the publish is refused before anything
is sent (respx sees 0 posts), `mktd db check` names the damage, `mktd db recover` copies what is
readable into a fresh file (the damaged one is kept) and the same draft then publishes.
"""

from __future__ import annotations

import errno
import json
import sqlite3
from pathlib import Path

import httpx
import pytest
import respx

LI = "http://li.test"
TOKEN = "li-token-SECRET-0123456789"


@pytest.fixture
def linkedin(monkeypatch):
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", TOKEN)
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        route = router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:42"})
        )
        yield route


def _fill_audit_table(db: Path, rows: int = 3000) -> None:
    conn = sqlite3.connect(db)
    with conn:
        conn.executemany(
            "insert into http_calls (id, time_utc, platform, method, path, status, duration_ms, "
            "attempt) values (?, ?, 'linkedin', 'GET', '/v2/userinfo', 200, 12, 1)",
            [(f"call-{i:06d}", f"2026-01-01T00:00:{i % 60:02d}Z") for i in range(rows)],
        )
    conn.execute("pragma wal_checkpoint(truncate)")
    conn.close()


def _corrupt_pages_of(db: Path, table: str, count: int = 3) -> list[int]:
    """Overwrite `count` leaf pages of `table` (not its root) with garbage, as a disk might."""
    conn = sqlite3.connect(db)
    conn.execute("pragma wal_checkpoint(truncate)")
    page_size = conn.execute("pragma page_size").fetchone()[0]
    pages = [
        r[0]
        for r in conn.execute(
            "select pageno from dbstat where name = ? and pagetype = 'leaf' order by pageno",
            [table],
        )
    ]
    conn.close()
    assert len(pages) > count + 2, pages
    chosen = pages[len(pages) // 2 : len(pages) // 2 + count]
    with db.open("r+b") as f:
        for p in chosen:
            f.seek((p - 1) * page_size)
            f.write(b"\xa5" * page_size)
    return chosen


@pytest.fixture
def damaged_home(cli, home, linkedin):
    assert cli("init").exit_code == 0
    db = home / "mktd.db"
    _fill_audit_table(db)
    draft = json.loads(
        cli("social", "linkedin", "--text", "Hello from a damaged disk", "--json").stdout
    )
    assert cli("drafts", "approve", draft["id"], "--yes").exit_code == 0
    _corrupt_pages_of(db, "http_calls")
    return db, draft["id"]


def test_a_damaged_audit_table_still_opens_but_a_publish_sends_nothing(cli, damaged_home, linkedin):
    db, did = damaged_home
    assert cli("drafts", "list").exit_code == 0  # the damage is confined: reads still work
    r = cli("publish", did, "--yes")
    assert r.exit_code != 0
    assert "damaged" in r.stderr and "mktd db recover" in r.stderr
    assert "Traceback" not in r.stderr
    assert linkedin.call_count == 0  # nothing was sent
    shown = json.loads(cli("drafts", "show", did, "--json").stdout)
    assert shown["status"] != "failed"  # nothing half done: it can be published after recovery


def test_social_publish_yes_on_a_damaged_database_sends_nothing(cli, damaged_home, linkedin):
    r = cli("social", "linkedin", "--text", "Another post", "--publish", "--yes")
    assert r.exit_code != 0 and "damaged" in r.stderr
    assert linkedin.call_count == 0


def test_db_check_names_the_damaged_table(cli, damaged_home):
    r = cli("db", "check")
    assert r.exit_code == 1
    assert "http_calls" in r.stdout and "UNREADABLE" in r.stdout
    assert "mktd db recover" in r.stderr
    data = json.loads(cli("db", "check", "--json").stdout)
    assert data["ok"] is False
    bad = {t["name"] for t in data["tables"] if t["error"]}
    assert bad == {"http_calls"}


def test_db_check_on_a_whole_database(cli, home):
    cli("init")
    r = cli("db", "check")
    assert r.exit_code == 0 and "no damage" in r.stderr


def test_recover_keeps_the_old_file_copies_the_rest_and_the_draft_publishes(
    cli, damaged_home, linkedin
):
    db, did = damaged_home
    damaged_bytes = db.read_bytes()
    r = cli("db", "recover", "--json")
    assert r.exit_code == 1, r.stderr  # some audit rows were lost: said by the exit code
    result = json.loads(r.stdout)
    kept = Path(result["kept"])
    assert kept.read_bytes() == damaged_bytes  # the damaged file is kept untouched
    tables = {t["name"]: t for t in result["tables"]}
    assert tables["drafts"]["copied"] >= 1 and tables["drafts"]["skipped_regions"] == 0
    assert 0 < tables["http_calls"]["copied"] < 3000
    assert tables["http_calls"]["skipped_regions"] >= 1
    assert oct(db.stat().st_mode & 0o777) == "0o600"
    assert cli("db", "check").exit_code == 0
    r = cli("publish", did, "--yes")
    assert r.exit_code == 0, r.stderr
    assert linkedin.call_count == 1


def test_recover_refuses_a_whole_database_unless_forced(cli, home):
    cli("init")
    r = cli("db", "recover")
    assert r.exit_code == 1 and "nothing to recover" in r.stderr
    assert not list(home.glob("mktd.db.damaged-*Z"))
    r = cli("db", "recover", "--force")
    assert r.exit_code == 0, r.stderr
    assert len(list(home.glob("mktd.db.damaged-*Z"))) == 1


def test_status_says_the_database_is_unreadable_and_exits_non_zero(cli, damaged_home):
    r = cli("status")
    assert r.exit_code != 0
    assert "unreadable" in (r.stdout + r.stderr).lower()
    assert "Traceback" not in r.stderr


def test_status_json_reports_the_error_too(cli, damaged_home):
    r = cli("status", "--json")
    assert r.exit_code != 0
    assert json.loads(r.stdout)["database"]["error"]


def test_a_full_disk_at_open_says_disk_full(monkeypatch, tmp_path):
    from mktdirector.core.errors import StoreError
    from mktdirector.store.sqlite import db as dbmod

    def no_space(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(dbmod.os, "open", no_space)
    with pytest.raises(StoreError, match="disk is full"):
        dbmod.open_database(tmp_path / "new.db")


def test_disk_io_error_with_no_space_left_says_disk_full(monkeypatch, tmp_path):
    from mktdirector.store.sqlite import db as dbmod

    class Full:
        f_bavail, f_frsize = 3, 4096

    monkeypatch.setattr(dbmod.os, "statvfs", lambda p: Full())
    err = dbmod.translate_sqlite_error(sqlite3.OperationalError("disk I/O error"), tmp_path / "x")
    assert "disk is full" in err.message
    monkeypatch.setattr(
        dbmod.os, "statvfs", lambda p: type("S", (), {"f_bavail": 10**9, "f_frsize": 4096})()
    )
    err = dbmod.translate_sqlite_error(sqlite3.OperationalError("disk I/O error"), tmp_path / "x")
    assert "disk is full" not in err.message


def test_an_email_send_on_a_damaged_database_sends_nothing(cli, home, monkeypatch):
    sg = "http://sg.test"
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.corrupt-test-key-0001")
    monkeypatch.setenv("SENDGRID_FROM_EMAIL", "news@acme.test")
    monkeypatch.setenv("MKTD_SENDGRID_BASE_URL", sg)
    assert cli("init").exit_code == 0
    _fill_audit_table(home / "mktd.db")
    _corrupt_pages_of(home / "mktd.db", "http_calls")
    body = home.parent / "body.txt"
    body.write_text("Hello from a damaged disk")
    with respx.mock(assert_all_called=False) as router:
        mail = router.post(f"{sg}/v3/mail/send").mock(return_value=httpx.Response(202))
        r = cli("email", "send", "--to", "ada@example.org", "--subject", "Hi",
                "--body-file", str(body), "--yes")  # fmt: skip
    assert r.exit_code != 0 and "damaged" in r.stderr
    assert mail.call_count == 0

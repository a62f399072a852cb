"""`mktd db copy --to postgresql://…`: a SQLite home moves into PostgreSQL, idempotently,
with every count checked, and the product then runs on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import psycopg
import pytest
from cryptography.fernet import Fernet

from mktdirector.core.paths import db_path
from mktdirector.store.sqlite.store import Store

KEY = Fernet.generate_key()


def _fill(home: Path) -> dict[str, int]:
    s = Store(db_path(home))
    drafts = [
        s.insert_draft({"platform": "linkedin", "kind": "post", "body_json": json.dumps([f"Post {i}"]),
                        "content_hash": f"h{i}", "status": "draft"})
        for i in range(3)
    ]  # fmt: skip
    s.add_snapshots(
        [{"platform": "linkedin", "remote_id": f"urn:{i}", "draft_id": drafts[0]["id"],
          "taken_utc": f"2026-12-0{i + 1}T00:00:00Z", "impressions": 10 * i} for i in range(4)]
    )  # fmt: skip
    s.put_secret("linkedin:brand", Fernet(KEY).encrypt(b"token"))
    s.record_auth_event("linkedin", "brand", "refresh", True, "ok")
    counts = {
        t: s.db.table(t).count for t in ("drafts", "metric_snapshots", "secrets", "auth_events")
    }
    s.close()
    return counts


@pytest.mark.slow  # several CLI runs and two full copies: over a second
def test_copy_moves_every_row_checks_counts_and_is_idempotent(
    cli: Any, home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counts = _fill(home)
    first = cli("db", "copy", "--to", pg_url, "--json")
    assert first.exit_code == 0, first.stderr
    out = json.loads(first.stdout)
    tables = {t["table"]: t for t in out["tables"]}
    assert out["ok"] is True and out["to"] == pg_url
    for table, n in counts.items():
        assert tables[table] == {"table": table, "source": n, "copied": n, "target": n}

    again = json.loads(cli("db", "copy", "--to", pg_url, "--json").stdout)
    assert again["copied"] == 0 and again["ok"] is True
    assert {t["table"]: t["target"] for t in again["tables"]} == {
        t: v["target"] for t, v in tables.items()
    }

    # The product now runs on the copy: the same drafts, the secret as it was stored.
    monkeypatch.setenv("MKTD_DATABASE_URL", pg_url)
    listed = json.loads(cli("drafts", "list", "--json").stdout)
    assert sorted(d["body"][0] for d in listed) == ["Post 0", "Post 1", "Post 2"]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        [(blob,)] = conn.execute("select ciphertext from secrets").fetchall()
        assert Fernet(KEY).decrypt(bytes(blob)) == b"token"
        # New rows do not collide with the copied ids.
        conn.execute("insert into metric_snapshots (platform, remote_id) values ('x', 'new')")
        ids = [r[0] for r in conn.execute("select id from metric_snapshots order by id")]
    assert ids == sorted(set(ids)) and len(ids) == counts["metric_snapshots"] + 1


def test_a_row_already_in_the_target_is_kept_not_overwritten(
    cli: Any, home: Path, pg_url: str
) -> None:
    _fill(home)
    assert cli("db", "copy", "--to", pg_url).exit_code == 0
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("update drafts set topic = 'changed by the team'")
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 0, r.stderr
    with psycopg.connect(pg_url) as conn:
        topics = {row[0] for row in conn.execute("select topic from drafts")}
    assert topics == {"changed by the team"}


def test_a_password_in_the_url_is_refused_before_anything_is_copied(cli: Any, home: Path) -> None:
    _fill(home)
    r = cli("db", "copy", "--to", "postgresql://me:pa55-word@127.0.0.1:1/x")
    assert r.exit_code == 2
    assert "pa55-word" not in r.stdout + r.stderr and "PGPASSWORD" in r.stderr


def test_without_a_sqlite_home_there_is_nothing_to_copy(cli: Any, home: Path, pg_url: str) -> None:
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 1 and "no database" in r.stderr.lower()
    assert not db_path(home).exists()


def test_secrets_are_re_encrypted_when_the_key_source_names_a_new_key(
    cli: Any, home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)  # its secret is under KEY
    team_key = Fernet.generate_key()
    monkeypatch.setenv("MKTD_SECRET_KEY", f"{team_key.decode()},{KEY.decode()}")
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 0, r.stderr
    assert team_key.decode() not in r.stdout + r.stderr
    with psycopg.connect(pg_url) as conn:
        [(blob,)] = conn.execute("select ciphertext from secrets").fetchall()
    assert Fernet(team_key).decrypt(bytes(blob)) == b"token"


def test_a_secret_no_given_key_reads_is_not_copied(
    cli: Any, home: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)
    two_strangers = f"{Fernet.generate_key().decode()},{Fernet.generate_key().decode()}"
    monkeypatch.setenv("MKTD_SECRET_KEY", two_strangers)
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 1 and "cannot be read with any key" in r.stderr
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("select count(*) from secrets").fetchone() == (0,)

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


# Tokens kept in the OS keyring (issue 16 e): the index row says `keyring`, the token is not in
# the secrets table, so copying the table alone would leave them on this machine.
KEYRING_TOKEN = "li-access-IN-THE-KEYRING-0123456789"
KEYRING_REFRESH = "li-refresh-IN-THE-KEYRING-9876543210"


def _save_in_keyring(home: Path) -> None:
    from mktdirector.core.credentials import Connection
    from mktdirector.wiring import Deps

    deps = Deps()
    conn = Connection("linkedin", account="team", access_token=KEYRING_TOKEN,
                      refresh_token=KEYRING_REFRESH)  # fmt: skip
    deps.credentials.save(conn)
    assert conn.source == "keyring"
    deps.close()


def _tables_in(url: str) -> int:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("select count(*) from pg_tables where schemaname = 'public'").fetchone()
    return int(row[0]) if row else 0


@pytest.mark.slow  # two copies and a store opened on the team database
def test_keyring_tokens_arrive_encrypted_under_the_team_key_and_read_back(
    cli: Any, home: Path, pg_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)
    _save_in_keyring(home)
    team_key = Fernet.generate_key().decode()
    monkeypatch.setenv("MKTD_SECRET_KEY", f"{team_key},{KEY.decode()}")
    r = cli("db", "copy", "--to", pg_url, "--json")
    assert r.exit_code == 0, r.stderr
    assert KEYRING_TOKEN not in r.stdout + r.stderr and KEYRING_REFRESH not in r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert out["keyring_tokens"] == ["linkedin:team"] and out["keyring_copied"] == 1
    assert memory_keyring.passwords  # the home's keyring keeps its copy

    again = json.loads(cli("db", "copy", "--to", pg_url, "--json").stdout)
    assert again["keyring_copied"] == 0 and again["copied"] == 0  # already there: kept

    with psycopg.connect(pg_url) as conn:
        blobs = {k: bytes(b) for k, b in conn.execute("select key, ciphertext from secrets")}
        [(store,)] = conn.execute("select store from connections").fetchall()
    assert set(blobs) == {"linkedin:brand", "linkedin:team"} and store == "encrypted"
    assert KEYRING_TOKEN.encode() not in blobs["linkedin:team"]

    # A team host (no keyring of its own) reads it through the team store.
    import keyring
    from keyring.backends import fail

    from mktdirector.wiring import Deps

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("MKTD_DATABASE_URL", pg_url)
    monkeypatch.setenv("MKTD_SECRET_STORE", "encrypted")
    deps = Deps()
    try:
        got = deps.credentials.stored("linkedin", "team")
    finally:
        deps.close()
    assert got is not None and got.access_token == KEYRING_TOKEN
    assert got.refresh_token == KEYRING_REFRESH and got.source == "encrypted"


def test_without_a_key_keyring_tokens_refuse_the_copy_before_anything_is_copied(
    cli: Any, home: Path, pg_url: str, memory_keyring: Any
) -> None:
    _fill(home)
    _save_in_keyring(home)
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 3
    [message, *_] = r.stderr.strip().splitlines()
    assert "linkedin:team" in message and "keyring" in message
    assert "MKTD_SECRET_KEY" in r.stderr
    assert KEYRING_TOKEN not in r.stdout + r.stderr
    assert _tables_in(pg_url) == 0  # not even migrated: nothing was copied


def test_a_keyring_that_cannot_be_read_refuses_the_copy_before_anything_is_copied(
    cli: Any, home: Path, pg_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)
    _save_in_keyring(home)
    import keyring
    from keyring.backends import fail

    keyring.set_keyring(fail.Keyring())
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 3 and "linkedin:team" in r.stderr
    assert _tables_in(pg_url) == 0


def test_a_token_the_keyring_lost_is_named_and_the_rest_is_copied(
    cli: Any, home: Path, pg_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)
    _save_in_keyring(home)
    memory_keyring.passwords.clear()  # the index still says keyring; the keyring has nothing
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    r = cli("db", "copy", "--to", pg_url)
    assert r.exit_code == 0, r.stderr
    assert "Not in the OS keyring any more" in r.stderr and "linkedin:team" in r.stderr
    with psycopg.connect(pg_url) as conn:
        keys = [k for (k,) in conn.execute("select key from secrets")]
        [(store,)] = conn.execute("select store from connections").fetchall()
    assert keys == ["linkedin:brand"] and store == "keyring"  # nothing invented for it


def test_the_keyring_token_wins_over_an_old_row_of_the_same_name_in_the_home(
    cli: Any, home: Path, pg_url: str, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fill(home)
    _save_in_keyring(home)
    s = Store(db_path(home))
    s.put_secret("linkedin:team", Fernet(KEY).encrypt(b"an-old-token"))  # an earlier store
    s.close()
    team_key = Fernet.generate_key()
    monkeypatch.setenv("MKTD_SECRET_KEY", f"{team_key.decode()},{KEY.decode()}")
    out = json.loads(cli("db", "copy", "--to", pg_url, "--json").stdout)
    assert out["keyring_copied"] == 1 and out["ok"] is True
    with psycopg.connect(pg_url) as conn:
        [(blob,)] = conn.execute("select ciphertext from secrets where key = 'linkedin:team'")
    assert json.loads(Fernet(team_key).decrypt(bytes(blob)))["access_token"] == KEYRING_TOKEN

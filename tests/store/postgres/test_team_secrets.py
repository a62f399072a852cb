"""Secrets for a team: the encrypted table shared by hosts, the key from a variable, a private
file or AWS Secrets Manager (moto's server on 127.0.0.1), and `mktd secrets rotate-key`."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet

import pg_fixture
from mktdirector.agents.auth.secret_rotation import rotate_secret_key
from mktdirector.core.credentials import Connection, CredentialStore, choose_backend
from mktdirector.core.errors import ConfigError
from mktdirector.store.postgres.store import PostgresStore

TOKEN = "team-access-token-SECRET-42"
OLD, NEW = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture
def pg_store(fail_keyring: Any) -> Iterator[PostgresStore]:
    s = PostgresStore(pg_fixture.migrated_url())
    yield s
    s.close()


def _creds(store: Any) -> CredentialStore:
    return CredentialStore(
        backend=lambda: choose_backend("auto", lambda: store), index=lambda: store
    )


def _save(store: Any, account: str, token: str = TOKEN) -> None:
    _creds(store).save(Connection("linkedin", account=account, access_token=token))


def test_a_token_saved_on_one_host_is_read_on_another_and_never_in_plaintext(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    _save(pg_store, "brand")
    other_host = PostgresStore(pg_store.url)
    try:
        got = _creds(other_host).get("linkedin", "brand", env=False)
        assert got is not None and got.access_token == TOKEN
        raw = b"".join(bytes(r["ciphertext"]) for r in other_host.db.query("select * from secrets"))
        assert TOKEN.encode() not in raw
    finally:
        other_host.close()


def test_the_key_comes_from_a_private_file(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "mktd.key"
    key_file.write_text(OLD + "\n")
    key_file.chmod(0o600)
    monkeypatch.setenv("MKTD_SECRET_KEY_FILE", str(key_file))
    _save(pg_store, "brand")
    monkeypatch.delenv("MKTD_SECRET_KEY_FILE")
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    assert _creds(pg_store).get("linkedin", "brand", env=False).access_token == TOKEN  # type: ignore[union-attr]


def test_a_key_file_others_can_read_is_refused_without_showing_the_key(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    key_file = tmp_path / "mktd.key"
    key_file.write_text(OLD)
    key_file.chmod(0o644)
    monkeypatch.setenv("MKTD_SECRET_KEY_FILE", str(key_file))
    with pytest.raises(ConfigError) as info:
        _save(pg_store, "brand")
    assert "0644" in info.value.message and info.value.hint == f"chmod 600 {key_file}"
    assert OLD not in f"{info.value.message} {info.value.hint}"
    assert pg_store.secret_keys() == []  # nothing written


def test_rotation_re_encrypts_every_row_and_the_old_key_can_go(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch, cli: Any
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    for account in ("a", "b", "c"):
        _save(pg_store, account, f"{TOKEN}-{account}")
    pg_store.close()
    monkeypatch.setenv("MKTD_DATABASE_URL", pg_store.url)
    monkeypatch.setenv("MKTD_SECRET_KEY", f"{NEW},{OLD}")
    r = cli("secrets", "rotate-key", "--json")
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout) == {"total": 3, "rotated": 3, "already": 0, "changed_meanwhile": 0}
    assert OLD not in r.stdout + r.stderr and NEW not in r.stdout + r.stderr
    monkeypatch.setenv("MKTD_SECRET_KEY", NEW)  # the old key is gone
    for account in ("a", "b", "c"):
        got = _creds(pg_store).get("linkedin", account, env=False)
        assert got is not None and got.access_token == f"{TOKEN}-{account}"


def test_a_rotation_killed_half_way_resumes(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    for account in ("a", "b", "c"):
        _save(pg_store, account)

    class Dies:
        """The store, until the process is killed after its first re-encrypted row."""

        def __init__(self) -> None:
            self.writes = 0

        def __getattr__(self, name: str) -> Any:
            return getattr(pg_store, name)

        def replace_secret(self, key: str, expected: bytes, ciphertext: bytes) -> bool:
            if self.writes == 1:
                raise KeyboardInterrupt  # kill -9 between two rows
            self.writes += 1
            return pg_store.replace_secret(key, expected, ciphertext)

    with pytest.raises(KeyboardInterrupt):
        rotate_secret_key(Dies(), f"{NEW},{OLD}")  # type: ignore[arg-type]
    again = rotate_secret_key(pg_store, f"{NEW},{OLD}")
    assert (again.total, again.rotated, again.already) == (3, 2, 1)
    assert rotate_secret_key(pg_store, f"{NEW},{OLD}").already == 3


def test_a_token_refreshed_meanwhile_by_another_host_is_not_overwritten(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    _save(pg_store, "brand", "before-refresh")

    class RefreshRaces:
        def __getattr__(self, name: str) -> Any:
            return getattr(pg_store, name)

        def replace_secret(self, key: str, expected: bytes, ciphertext: bytes) -> bool:
            monkeypatch.setenv("MKTD_SECRET_KEY", f"{NEW},{OLD}")
            _save(pg_store, "brand", "after-refresh")  # another host, already on NEW
            return pg_store.replace_secret(key, expected, ciphertext)

    result = rotate_secret_key(RefreshRaces(), f"{NEW},{OLD}")  # type: ignore[arg-type]
    assert (result.rotated, result.changed) == (0, 1)
    monkeypatch.setenv("MKTD_SECRET_KEY", NEW)
    assert _creds(pg_store).get("linkedin", "brand", env=False).access_token == "after-refresh"  # type: ignore[union-attr]


def test_rotating_with_one_key_is_refused_and_changes_nothing(
    pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)
    _save(pg_store, "brand")
    before = pg_store.get_secret("linkedin:brand")
    with pytest.raises(ConfigError, match="holds one key") as info:
        rotate_secret_key(pg_store, OLD)
    assert "NEW,OLD" in (info.value.hint or "")
    assert pg_store.get_secret("linkedin:brand") == before


def test_boto3_is_not_imported_unless_the_key_is_in_aws() -> None:
    code = (
        "import os, sys; os.environ['MKTD_SECRET_KEY'] = " + repr(OLD) + "\n"
        "from mktdirector.core import secret_key\n"
        "assert secret_key.load() == " + repr(OLD) + "\n"
        "assert 'boto3' not in sys.modules and 'botocore' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """moto's standalone server on 127.0.0.1: a real HTTP endpoint speaking the AWS protocol."""
    exe = Path(sys.executable).parent / "moto_server"
    if not exe.exists():
        pytest.skip("moto_server is not installed (pip install 'moto[server]')")
    port = _free_port()
    proc = subprocess.Popen([str(exe), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("moto_server did not start") from None
                time.sleep(0.1)
        for name, value in {
            "AWS_ENDPOINT_URL": url, "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("AWS_PROFILE", raising=False)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.mark.slow
def test_the_key_comes_from_aws_secrets_manager(
    moto: str, pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import boto3

    boto3.client("secretsmanager").create_secret(Name="mktd/secret-key", SecretString=OLD)
    monkeypatch.setenv("MKTD_SECRET_KEY_AWS_SECRET_ID", "mktd/secret-key")
    _save(pg_store, "brand")
    monkeypatch.delenv("MKTD_SECRET_KEY_AWS_SECRET_ID")
    monkeypatch.setenv("MKTD_SECRET_KEY", OLD)  # the same key, another source
    assert _creds(pg_store).get("linkedin", "brand", env=False).access_token == TOKEN  # type: ignore[union-attr]


@pytest.mark.slow
def test_a_missing_aws_secret_is_one_clear_error(
    moto: str, pg_store: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MKTD_SECRET_KEY_AWS_SECRET_ID", "mktd/nope")
    with pytest.raises(ConfigError, match="ResourceNotFoundException") as info:
        _save(pg_store, "brand")
    assert "secretsmanager:GetSecretValue" in (info.value.hint or "")
    assert pg_store.secret_keys() == []
    assert os.environ.get("MKTD_SECRET_KEY") is None


def test_a_stored_llm_key_is_looked_for_when_the_key_comes_from_a_file(
    fail_keyring: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from mktdirector.wiring import Deps

    assert Deps()._has_store() is False  # no keyring, no key: nothing stored can be read
    key_file = tmp_path / "mktd.key"
    key_file.write_text(OLD)
    key_file.chmod(0o600)
    monkeypatch.setenv("MKTD_SECRET_KEY_FILE", str(key_file))
    assert Deps()._has_store() is True

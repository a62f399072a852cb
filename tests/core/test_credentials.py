"""Credentials: env precedence, keyring, the encrypted fallback, refusals, hung keyrings."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import keyring
import keyring.backend
import pytest
from cryptography.fernet import Fernet
from keyring.errors import KeyringLocked

from mktdirector.core import credentials as C
from mktdirector.core import redact
from mktdirector.core.errors import ConfigError, CredentialStoreError, MissingCredentialError


def make_store(store, mode: str = "auto", default_account=None) -> C.CredentialStore:  # type: ignore[no-untyped-def]
    return C.CredentialStore(
        backend=lambda: C.choose_backend(mode, lambda: store),
        index=lambda: store,
        default_account=default_account,
    )


def connection(**kw) -> C.Connection:  # type: ignore[no-untyped-def]
    base = dict(
        platform="linkedin",
        account="main",
        access_token="li-access-token-0123456789",
        refresh_token="li-refresh-token-9876543210",
        expires_at=1_900_000_000.0,
        scopes=["openid", "w_member_social"],
        obtained_at=1_800_000_000.0,
        user_id="urn:li:person:abc",
    )
    base.update(kw)
    return C.Connection(**base)


def secrets_rows(store) -> int:  # type: ignore[no-untyped-def]
    return store.db.execute("select count(*) from secrets").fetchone()[0]


def test_keyring_round_trip_one_json_blob(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    creds.save(connection())
    assert list(memory_keyring.passwords) == [("mktd", "linkedin:main")]
    blob = json.loads(memory_keyring.passwords[("mktd", "linkedin:main")])
    assert blob["access_token"] == "li-access-token-0123456789"
    assert blob["refresh_token"] == "li-refresh-token-9876543210"
    assert blob["scopes"] == ["openid", "w_member_social"]
    assert blob["expires_at"] == 1_900_000_000.0 and blob["obtained_at"] == 1_800_000_000.0
    assert "source" not in blob

    got = make_store(store).get("linkedin", "main")
    assert got is not None and got.source == "keyring"
    assert got.to_json() == connection().to_json()
    assert secrets_rows(store) == 0  # the keyring was used, not the table
    index = store.connections("linkedin")
    assert [(r["account"], r["store"], r["has_refresh"]) for r in index] == [("main", "keyring", 1)]
    assert "li-access-token" not in json.dumps(index)


def test_environment_token_beats_the_stored_one(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    creds.save(connection())
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "env-token-abcdefgh")
    got = creds.get("linkedin")
    assert got is not None
    assert (got.source, got.account, got.access_token) == ("env", "env", "env-token-abcdefgh")
    assert got.extra == {"env": "LINKEDIN_ACCESS_TOKEN"}
    # an explicit account, or env=False, reads the store
    assert creds.get("linkedin", "main").access_token == "li-access-token-0123456789"  # type: ignore[union-attr]
    assert creds.get("linkedin", env=False).access_token == "li-access-token-0123456789"  # type: ignore[union-attr]
    # saving an env connection never persists it
    creds.save(got)
    assert [r["account"] for r in store.connections("linkedin")] == ["main"]


def test_api_key_platforms_read_the_key_from_env(store, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("HUBSPOT_API_KEY", "pat-na1-11112222-3333")
    got = make_store(store).require("hubspot")
    assert (got.api_key, got.access_token, got.secret()) == (
        "pat-na1-11112222-3333",
        None,
        "pat-na1-11112222-3333",
    )
    assert "pat-na1-11112222-3333" not in redact.redact("key pat-na1-11112222-3333")


def test_missing_credentials_hint_names_authorize_and_env(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(MissingCredentialError) as info:
        make_store(store).require("twitter")
    assert info.value.hint == "mktd authorize twitter (or set TWITTER_ACCESS_TOKEN)"
    assert int(info.value.exit_code) == 3


def test_account_resolution(store) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    assert creds.resolve_account("linkedin", None) == "default"
    creds.save(connection(account="work"))
    assert creds.resolve_account("linkedin", None) == "work"  # the only one stored
    assert creds.get("linkedin").account == "work"  # type: ignore[union-attr]
    creds.save(connection(account="home"))  # now ambiguous: tests/core/test_credentials_accounts.py
    configured = make_store(store, default_account=lambda p: "home")
    assert configured.resolve_account("linkedin", None) == "home"
    assert configured.resolve_account("linkedin", "work") == "work"


def test_delete_removes_secret_and_index(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    creds.save(connection())
    creds.delete("linkedin", "main")
    assert memory_keyring.passwords == {}
    assert store.connections() == []
    creds.delete("linkedin", "main")  # deleting twice is fine


def test_loaded_secrets_are_registered_for_redaction(store) -> None:  # type: ignore[no-untyped-def]
    make_store(store).save(connection())
    with redact._lock:
        redact._secrets.clear()
    assert "li-access-token-0123456789" in redact.redact("x li-access-token-0123456789")
    make_store(store).get("linkedin", "main")
    assert redact.redact("x li-access-token-0123456789 y") == "x **** y"


def test_unreadable_blob_is_a_clear_error(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    memory_keyring.set_password("mktd", "linkedin:main", "{not json")
    with pytest.raises(CredentialStoreError) as info:
        make_store(store).get("linkedin", "main")
    assert "mktd authorize" in (info.value.hint or "")


# --- no keyring: the encrypted table, only with MKTD_SECRET_KEY --------------------------------


def test_no_keyring_uses_encrypted_table_with_secret_key(store, fail_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    creds = make_store(store)
    creds.save(connection())
    assert creds.backend.name == "encrypted"
    assert secrets_rows(store) == 1
    raw = store.db.execute("select key, ciphertext from secrets").fetchone()
    assert raw[0] == "linkedin:main"
    assert b"li-access-token" not in raw[1] and b"li-refresh-token" not in raw[1]

    got = make_store(store).get("linkedin", "main")
    assert got is not None and got.source == "encrypted"
    assert got.access_token == "li-access-token-0123456789"
    assert store.connections()[0]["store"] == "encrypted"

    wal = store.path.with_name(store.path.name + "-wal")
    for path in (store.path, wal):
        if path.exists():
            assert b"li-access-token" not in path.read_bytes()
            assert b"li-refresh-token" not in path.read_bytes()
    store.close()
    data = store.path.read_bytes()
    assert b"li-access-token" not in data and b"li-refresh-token" not in data


def test_no_keyring_and_no_key_refuses_and_writes_nothing(store, fail_keyring) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    with pytest.raises(CredentialStoreError) as info:
        creds.save(connection())
    hint = info.value.hint or ""
    assert "keyring" in hint and "MKTD_SECRET_KEY" in hint  # both ways out
    assert "mktd init --generate-secret-key" in hint
    assert int(info.value.exit_code) == 3
    assert secrets_rows(store) == 0
    assert store.connections() == []
    assert creds.get("linkedin", "main") is None  # reading finds nothing, quietly


def test_encrypted_mode_without_key_refuses_and_keyring_is_untouched(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(CredentialStoreError) as info:
        make_store(store, mode="encrypted").save(connection())
    assert "--generate-secret-key" in (info.value.hint or "")
    assert memory_keyring.passwords == {}
    assert secrets_rows(store) == 0
    assert store.connections() == []


def test_keyring_mode_without_keyring_refuses(store, fail_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(CredentialStoreError):
        make_store(store, mode="keyring").save(connection())
    assert secrets_rows(store) == 0


def test_unknown_store_mode_and_bad_key(store, fail_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError) as info:
        make_store(store, mode="plaintext").save(connection())
    assert "auto, keyring or encrypted" in (info.value.hint or "")
    monkeypatch.setenv("MKTD_SECRET_KEY", "not-a-fernet-key")
    with pytest.raises(ConfigError) as info:
        make_store(store).save(connection())
    assert "--generate-secret-key" in (info.value.hint or "")
    assert secrets_rows(store) == 0


def test_wrong_secret_key_cannot_decrypt(store, fail_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    make_store(store).save(connection())
    monkeypatch.setenv("MKTD_SECRET_KEY", Fernet.generate_key().decode())
    with pytest.raises(CredentialStoreError) as info:
        make_store(store).get("linkedin", "main")
    assert "cannot be decrypted" in info.value.message


# --- misbehaving keyrings ----------------------------------------------------------------------


class HangingKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait(30)
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        self.release.wait(30)

    def delete_password(self, service: str, username: str) -> None:
        self.release.wait(30)


class LockedKeyring(keyring.backend.KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("locked")

    def delete_password(self, service: str, username: str) -> None:
        raise KeyringLocked("locked")


for _cls in (HangingKeyring, LockedKeyring):  # keep them out of keyring's auto-detection
    keyring.backend.KeyringBackend._classes.discard(_cls)  # type: ignore[attr-defined]


@pytest.fixture
def hanging_keyring(monkeypatch) -> Iterator[HangingKeyring]:  # type: ignore[no-untyped-def]
    kr = HangingKeyring()
    keyring.set_keyring(kr)
    monkeypatch.setattr(C, "KEYRING_TIMEOUT", 0.3)
    yield kr
    kr.release.set()


def test_default_keyring_timeout_is_three_seconds() -> None:
    assert C.KEYRING_TIMEOUT == 3.0


@pytest.mark.parametrize("op", ["get", "save"])
def test_hung_keyring_times_out(store, hanging_keyring, op: str) -> None:  # type: ignore[no-untyped-def]
    creds = make_store(store)
    started = time.monotonic()
    with pytest.raises(CredentialStoreError) as info:
        if op == "get":
            creds.get("linkedin", "main")
        else:
            creds.save(connection())
    elapsed = time.monotonic() - started
    assert 0.25 <= elapsed < 2.5
    assert "did not answer" in info.value.message
    assert "MKTD_SECRET_KEY" in (info.value.hint or "")
    assert store.connections() == []


def test_locked_keyring_error_becomes_credential_store_error(store) -> None:  # type: ignore[no-untyped-def]
    keyring.set_keyring(LockedKeyring())
    with pytest.raises(CredentialStoreError) as info:
        make_store(store).save(connection())
    assert "KeyringLocked" in info.value.message
    assert "MKTD_SECRET_KEY" in (info.value.hint or "")
    assert store.connections() == []


def test_keyring_available_detection(fail_keyring) -> None:  # type: ignore[no-untyped-def]
    assert C.KeyringBackend.available() is False
    keyring.set_keyring(LockedKeyring())
    assert C.KeyringBackend.available() is True

"""A real OS keyring: SecretService (gnome-keyring under dbus-run-session, set up by .ci/run)."""

from __future__ import annotations

import json
import os

import keyring
import pytest

from mktdirector.core.credentials import SERVICE, Connection, CredentialStore, KeyringBackend

pytestmark = pytest.mark.real_keyring


def unavailable(reason: str) -> None:
    # .ci/run sets this where it could install gnome-keyring: there, a skip would hide a failure.
    if os.environ.get("CI_REQUIRE_REAL_KEYRING") == "1":
        pytest.fail(f"real keyring required but unavailable: {reason}")
    pytest.skip(reason)


def secret_service_or_skip():  # type: ignore[no-untyped-def]
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        unavailable("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS unset); .ci/run provides one")
    try:
        import secretstorage
        from keyring.backends import SecretService
    except ImportError as e:
        unavailable(f"secretstorage is not importable: {e}")
    try:
        conn = secretstorage.dbus_init()
        try:
            if not secretstorage.check_service_availability(conn):
                unavailable("no SecretService provider on the session bus (gnome-keyring?)")
        finally:
            conn.close()
    except secretstorage.exceptions.SecretServiceNotAvailableException as e:
        unavailable(f"SecretService is not reachable: {e}")
    return SecretService.Keyring()


def test_connection_round_trips_through_secret_service(store) -> None:  # type: ignore[no-untyped-def]
    backend = secret_service_or_skip()
    keyring.set_keyring(backend)  # the conftest restores its in-memory keyring afterwards
    assert KeyringBackend.available()

    creds = CredentialStore(backend=KeyringBackend, index=lambda: store)
    conn = Connection(
        "linkedin",
        "real-keyring-test",
        access_token="real-keyring-access-0123456789",
        refresh_token="real-keyring-refresh-0123456789",
        expires_at=1_900_000_000.0,
        scopes=["openid", "w_member_social"],
        obtained_at=1_800_000_000.0,
    )
    try:
        creds.save(conn)
        raw = backend.get_password(SERVICE, "linkedin:real-keyring-test")
        assert raw is not None and json.loads(raw)["access_token"] == conn.access_token

        got = CredentialStore(backend=KeyringBackend, index=lambda: store).get(
            "linkedin", "real-keyring-test"
        )
        assert got is not None and got.source == "keyring"
        assert got.to_json() == conn.to_json()
        assert store.connections("linkedin")[0]["store"] == "keyring"
        assert store.db.execute("select count(*) from secrets").fetchone()[0] == 0
    finally:
        creds.delete("linkedin", "real-keyring-test")
    assert backend.get_password(SERVICE, "linkedin:real-keyring-test") is None

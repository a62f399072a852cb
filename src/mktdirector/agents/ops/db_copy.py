"""`mktd db copy --to postgresql://…`: move a one-person SQLite home into a team's PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mktdirector.core.errors import ConfigError, StoreError, UsageError


def copy_home_to_postgres(sqlite_path: Path, url: str) -> dict[str, Any]:
    """Copy every table (idempotent), check the counts; the result lists each table."""
    from mktdirector.core.config import find_key
    from mktdirector.store.postgres.copy import copy_to_postgres, keyring_accounts
    from mktdirector.store.postgres.store import safe_url

    try:
        url = find_key("database.url").parse(url)  # the rules of database.url: no password
    except ValueError as e:
        raise UsageError(
            f"Invalid --to: {e}.", hint="mktd db copy --to postgresql://user@host/db"
        ) from None
    # Read the keyring before touching the target: a refusal must leave it untouched.
    in_keyring = keyring_accounts(sqlite_path)
    keyring_secrets, missing = _keyring_secrets(in_keyring)
    copied = copy_to_postgres(sqlite_path, url, recrypt=_recrypt(), keyring_secrets=keyring_secrets)
    tables = copied.tables
    short = [t.table for t in tables if not t.ok]
    result = {
        "from": str(sqlite_path),
        "to": safe_url(url),
        "tables": [
            {"table": t.table, "source": t.source, "copied": t.copied, "target": t.target}
            for t in tables
        ],
        "copied": sum(t.copied for t in tables) + copied.keyring_copied,
        "keyring_tokens": sorted(keyring_secrets),
        "keyring_copied": copied.keyring_copied,
        "keyring_missing": missing,
        "ok": not short,
    }
    if short:
        raise StoreError(
            f"After the copy {', '.join(short)} has fewer rows in PostgreSQL than in SQLite.",
            hint="Run mktd db copy again; if it persists, run with MKTD_DEBUG=1 and report it",
        )
    return result


def _keyring_secrets(names: list[str]) -> tuple[dict[str, bytes], list[str]]:
    """Each keyring token encrypted under the team's key (the first of the key source), and
    the names the keyring no longer holds. No key configured: refused, naming the tokens."""
    if not names:
        return {}, []
    from mktdirector.core import secret_key
    from mktdirector.core.credentials import Connection, EncryptedBackend, KeyringBackend
    from mktdirector.core.redact import register

    listed = ", ".join(names)
    if not secret_key.configured_source():
        raise ConfigError(
            f"{len(names)} token(s) kept in this machine's OS keyring would be left behind "
            f"({listed}); nothing was copied.",
            hint="Set the team's key (MKTD_SECRET_KEY, MKTD_SECRET_KEY_FILE or "
            "MKTD_SECRET_KEY_AWS_SECRET_ID; make one with mktd init --generate-secret-key), "
            "then run mktd db copy again",
        )
    key = secret_key.load() or ""
    sealed = _Sealed()
    team = EncryptedBackend(sealed, key)
    keyring = KeyringBackend()
    missing: list[str] = []
    for name in names:
        try:
            raw = keyring.get(name)
        except ConfigError as e:
            raise ConfigError(
                f"Cannot read the OS keyring for {listed}: {e.message} Nothing was copied.",
                hint="Unlock the keyring (or run the copy where it works), then run it again",
            ) from None
        if raw is None:
            missing.append(name)
            continue
        conn = Connection.from_json(raw, "keyring")
        register(conn.access_token, conn.refresh_token, conn.api_key)
        team.set(name, raw)
    return sealed.rows, missing


class _Sealed:
    """A secrets table in memory: what EncryptedBackend writes, kept for the copy."""

    def __init__(self) -> None:
        self.rows: dict[str, bytes] = {}

    def get_secret(self, key: str) -> bytes | None:
        return self.rows.get(key)

    def put_secret(self, key: str, ciphertext: bytes) -> None:
        self.rows[key] = ciphertext

    def delete_secret(self, key: str) -> None:
        self.rows.pop(key, None)


def _recrypt() -> Any:
    """With the key source at `NEW,OLD`, secrets arrive under NEW; with one key, as they are."""
    from mktdirector.core import secret_key

    text = secret_key.load() if secret_key.configured_source() else None
    keys = [k.strip() for k in (text or "").split(",") if k.strip()]
    if len(keys) < 2:
        return None
    from cryptography.fernet import Fernet, InvalidToken, MultiFernet

    try:
        every = MultiFernet([Fernet(k.encode()) for k in keys])
    except (ValueError, TypeError):
        raise UsageError(
            "The secret key source holds a key that is not a valid Fernet key.",
            hint="Generate one with: mktd init --generate-secret-key",
        ) from None

    def recrypt(blob: bytes) -> bytes:
        try:
            return every.rotate(blob)
        except InvalidToken:
            raise StoreError(
                "A stored secret cannot be read with any key in the key source; nothing of "
                "that table was copied.",
                hint="Add the key the home's secrets were saved with (NEW,OLD)",
            ) from None

    return recrypt

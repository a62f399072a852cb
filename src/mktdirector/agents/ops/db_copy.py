"""`mktd db copy --to postgresql://…`: move a one-person SQLite home into a team's PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mktdirector.core.errors import StoreError, UsageError


def copy_home_to_postgres(sqlite_path: Path, url: str) -> dict[str, Any]:
    """Copy every table (idempotent), check the counts; the result lists each table."""
    from mktdirector.core.config import find_key
    from mktdirector.store.postgres.copy import copy_to_postgres
    from mktdirector.store.postgres.store import safe_url

    try:
        url = find_key("database.url").parse(url)  # the rules of database.url: no password
    except ValueError as e:
        raise UsageError(
            f"Invalid --to: {e}.", hint="mktd db copy --to postgresql://user@host/db"
        ) from None
    tables = copy_to_postgres(sqlite_path, url, recrypt=_recrypt())
    short = [t.table for t in tables if not t.ok]
    result = {
        "from": str(sqlite_path),
        "to": safe_url(url),
        "tables": [
            {"table": t.table, "source": t.source, "copied": t.copied, "target": t.target}
            for t in tables
        ],
        "copied": sum(t.copied for t in tables),
        "ok": not short,
    }
    if short:
        raise StoreError(
            f"After the copy {', '.join(short)} has fewer rows in PostgreSQL than in SQLite.",
            hint="Run mktd db copy again; if it persists, run with MKTD_DEBUG=1 and report it",
        )
    return result


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

"""The sandbox's memory: one small SQLite file in the state dir (or in memory without one).

Everything the platforms "remember" (posts, contacts, emails, issued tokens, request counts)
is a JSON document in one generic table, keyed by `(kind, id)`, with two indexed columns
(`owner`, `key`) for the lookups the rules need (duplicate text per author, contact by email).
One connection, guarded by one re-entrant lock: the server runs each request's handler under
the lock in one transaction, so concurrent requests cannot both pass a duplicate check.
SQLite rather than a JSON file so a write costs the same with 5 or 5,000 posts stored.
Issued tokens are stored by their SHA-256 only: the state file holds no usable secret.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DB_NAME = "sandbox.db"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    kind TEXT NOT NULL, id TEXT NOT NULL, owner TEXT, key TEXT, created REAL,
    data TEXT NOT NULL, PRIMARY KEY (kind, id));
CREATE INDEX IF NOT EXISTS items_lookup ON items (kind, owner, key);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def token_hash(token: str) -> str:
    """How a token is stored and looked up (never the token itself)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class State:
    """Documents by kind, counters and settings; safe to share between server threads."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.lock = threading.RLock()
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True, mode=0o700)
            target = str(directory / DB_NAME)
        else:
            target = ":memory:"
        # Autocommit mode: transactions are explicit (`transaction()`), one per request.
        self._db = sqlite3.connect(target, check_same_thread=False, isolation_level=None)
        if directory is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._depth = 0

    def close(self) -> None:
        with self.lock:
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the lock; commit at the end of the outermost block, roll back on error."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    # documents -----------------------------------------------------------------------------
    def put(
        self,
        kind: str,
        id: str,
        data: dict[str, Any],
        *,
        owner: str | None = None,
        key: str | None = None,
        created: float | None = None,
    ) -> None:
        """Insert or replace a document; insertion order (rowid) is kept on replace."""
        with self.lock:
            self._db.execute(
                "INSERT INTO items (kind, id, owner, key, created, data) VALUES (?,?,?,?,?,?) "
                "ON CONFLICT(kind, id) DO UPDATE SET owner=excluded.owner, key=excluded.key, "
                "created=COALESCE(excluded.created, items.created), data=excluded.data",
                (kind, id, owner, key, created, json.dumps(data, ensure_ascii=False)),
            )

    def get(self, kind: str, id: str) -> dict[str, Any] | None:
        with self.lock:
            row = self._db.execute(
                "SELECT data FROM items WHERE kind=? AND id=?", (kind, id)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find(
        self, kind: str, *, owner: str | None = None, key: str | None = None
    ) -> list[dict[str, Any]]:
        """Documents of `kind` (optionally with this owner and key), oldest first."""
        sql, args = "SELECT data FROM items WHERE kind=?", [kind]
        if owner is not None:
            sql, args = sql + " AND owner=?", [*args, owner]
        if key is not None:
            sql, args = sql + " AND key=?", [*args, key]
        with self.lock:
            rows = self._db.execute(sql + " ORDER BY rowid", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, kind: str) -> int:
        with self.lock:
            return int(
                self._db.execute("SELECT COUNT(*) FROM items WHERE kind=?", (kind,)).fetchone()[0]
            )

    def delete(self, kind: str, id: str) -> None:
        with self.lock:
            self._db.execute("DELETE FROM items WHERE kind=? AND id=?", (kind, id))

    # counters and settings -------------------------------------------------------------------
    def incr(self, name: str, by: int = 1) -> int:
        """Add to a counter and return its new value (ids, request counts)."""
        with self.lock:
            row = self._db.execute(
                "INSERT INTO counters (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value = value + excluded.value RETURNING value",
                (name, by),
            ).fetchone()
        return int(row[0])

    def counters(self, prefix: str = "") -> dict[str, int]:
        with self.lock:
            rows = self._db.execute(
                "SELECT name, value FROM counters WHERE name LIKE ? ORDER BY name",
                (prefix.replace("%", r"\%") + "%",),
            ).fetchall()
        return {str(n): int(v) for n, v in rows}

    def meta(self, name: str, default: str | None = None) -> str | None:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE name=?", (name,)).fetchone()
        return str(row[0]) if row else default

    def set_meta(self, name: str, value: str) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO meta (name, value) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
                (name, value),
            )

    def clear(self) -> None:
        """Forget everything created and counted (`POST /_sandbox/reset`); settings stay."""
        with self.transaction():
            self._db.execute("DELETE FROM items")
            self._db.execute("DELETE FROM counters")
            self._db.execute("DELETE FROM meta WHERE name <> 'created_at'")

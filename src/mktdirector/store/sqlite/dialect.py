"""What SQL differs between backends, named in one place.

The SQLite backend writes its statements with these; a PostgreSQL backend provides its own
(`BEGIN` plus `SELECT … FOR UPDATE SKIP LOCKED` where SQLite locks the whole file up front,
`%s` placeholders, the same `ON CONFLICT … DO UPDATE` upsert).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Dialect:
    # Starts a write transaction. SQLite's IMMEDIATE takes the write lock at once, so a
    # read-then-write never deadlocks on the upgrade from a read lock.
    begin: str
    placeholder: str
    # Appended to the select that picks the next job under a lease. SQLite needs nothing: the
    # IMMEDIATE transaction already excludes every other writer.
    skip_locked: str
    # Run first inside a transaction whose commit may skip waiting for the disk (db.py RELAXED);
    # SQLite needs nothing here (a PRAGMA before BEGIN does it).
    relaxed: str = ""
    # Appended to a select whose rows the transaction then writes; SQLite needs nothing.
    for_update: str = ""
    # Starts a write transaction whose reads lock their rows (immediate(row_locked=True));
    # empty: the same as `begin`.
    begin_row_locked: str = ""

    def marks(self, n: int) -> str:
        """`?, ?, ?` for n values."""
        return ", ".join([self.placeholder] * n)

    def insert(self, table: str, columns: Sequence[str]) -> str:
        return f"insert into {table} ({', '.join(columns)}) values ({self.marks(len(columns))})"

    def upsert(
        self,
        table: str,
        columns: Sequence[str],
        key: Sequence[str],
        update: Sequence[str] | None = None,
    ) -> str:
        """Insert, or on a clash of `key` overwrite `update` (default: every non-key column)."""
        cols = update if update is not None else [c for c in columns if c not in key]
        sets = ", ".join(f"{c} = excluded.{c}" for c in cols)
        action = f"do update set {sets}" if sets else "do nothing"
        return f"{self.insert(table, columns)} on conflict({', '.join(key)}) {action}"


SQLITE = Dialect(begin="BEGIN IMMEDIATE", placeholder="?", skip_locked="")

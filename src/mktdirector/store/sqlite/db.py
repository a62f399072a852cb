"""Opening the database: lazily, WAL, busy timeout, migrations, refusing newer schemas."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path

from sqlite_utils import Database

from mktdirector.core.errors import StoreError
from mktdirector.core.paths import FILE_MODE, ensure_dir
from mktdirector.store.sqlite.dialect import SQLITE
from mktdirector.store.sqlite.migrations import migrations

BUSY_TIMEOUT_S = 10.0


def open_database(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating 0600 if new), check the schema is not newer than this mktd, migrate."""
    memory = str(path) == ":memory:"
    if not memory:
        p = Path(path)
        ensure_dir(p.parent)
        if not p.exists():
            os.close(os.open(p, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        db = Database(conn)
        check_not_newer(db)
        if migrate and migrations.pending(db):
            migrations.apply(db)
    except BaseException as e:
        # A refused or locked database must not stay open (a worker would hold it forever).
        if conn is not None:
            conn.close()
        if isinstance(e, sqlite3.DatabaseError):
            raise translate_sqlite_error(e, path) from None
        raise
    return db


def check_not_newer(db: Database) -> None:
    known = {m.name for m in migrations._migrations}
    applied = {m.name for m in migrations.applied(db)}
    unknown = sorted(applied - known)
    if unknown:
        raise StoreError(
            f"This database was written by a newer mktd (it has migration {unknown[-1]}); "
            "it was not changed.",
            hint="Upgrade mktd (pip install -U mktd), or point MKTD_HOME elsewhere",
        )


def translate_sqlite_error(e: sqlite3.DatabaseError, path: Path | str) -> StoreError:
    text = str(e).lower()
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The database {path} is locked by another mktd process.",
            hint="Wait for the other process (a worker?) to finish, then retry",
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"{path} is not a readable mktd database ({e}).",
            hint="Move the file away and run mktd init to start a new one",
        )
    return StoreError(f"Database error on {path}: {e}.", hint="Run with MKTD_DEBUG=1 for details")


@contextmanager
def immediate(db: Database) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock up front (no deadlock on upgrade)."""
    conn = db.conn
    # The backend's own BEGIN (PostgreSQL's store passes a db that names its dialect).
    conn.execute(getattr(db, "dialect", SQLITE).begin)
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


class Connected:
    """What every part of the SQLite store stands on: the file, opened on first use."""

    dialect = SQLITE  # the PostgreSQL store (store/postgres/) sets its own

    def __init__(self, path: Path | str) -> None:
        self.path = path

    @cached_property
    def db(self) -> Database:
        return open_database(self.path)

    def open(self) -> None:
        """Create (0600) and migrate the database now rather than on first use."""
        self.db  # noqa: B018 - the property opens it

    def location(self) -> str:
        return str(self.path)

    @property
    def is_open(self) -> bool:
        return "db" in self.__dict__

    def exists(self) -> bool:
        """Whether the database is there (reads must not create it)."""
        return str(self.path) == ":memory:" or Path(self.path).exists()

    def close(self) -> None:
        if self.is_open:
            try:
                self.db.close()
            except sqlite3.Error:
                pass
            del self.__dict__["db"]

"""Opening the database: lazily, WAL, busy timeout, migrations, refusing newer schemas."""

from __future__ import annotations

import errno
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
        try:
            ensure_dir(p.parent)
            if not p.exists():
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT, FILE_MODE))
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise disk_full(path) from None
            raise
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


def disk_full(path: Path | str) -> StoreError:
    return StoreError(
        f"The disk is full: cannot write the database {path}.",
        hint=f"Free some space on the disk of {Path(path).parent}, then retry",
    )


def _disk_nearly_full(path: Path | str, *, below: int = 1024 * 1024) -> bool:
    """SQLite reports a full disk at open as "disk I/O error" (its -wal/-shm files fail)."""
    try:
        st = os.statvfs(Path(path).parent)
    except (OSError, AttributeError):  # no statvfs on Windows: say what SQLite said
        return False
    return st.f_bavail * st.f_frsize < below


def damaged(path: Path | str, problem: str) -> StoreError:
    return StoreError(
        f"The database {path} is damaged ({problem[:200]}); nothing was sent.",
        hint="mktd db check shows the damage; mktd db recover copies what is readable "
        "into a fresh file and keeps this one",
    )


def require_intact(db: Database, path: Path | str) -> None:
    """Refuse to go on with a damaged file: run before anything that must be recorded.

    A publish writes intent rows, attempts and the audit log around a send that cannot be
    taken back; a page that fails after the send leaves a post nobody can finish. SQLite's
    quick_check reads every page's structure (not index contents): fast enough before a send.
    """
    if str(path) == ":memory:":
        return
    try:
        rows = db.conn.execute("pragma quick_check(20)").fetchall()
    except sqlite3.DatabaseError as e:
        raise damaged(path, str(e)) from None
    problems = [str(r[0]) for r in rows if r[0] != "ok"]
    if problems:
        raise damaged(path, problems[0])


def translate_sqlite_error(e: sqlite3.DatabaseError, path: Path | str) -> StoreError:
    text = str(e).lower()
    if "disk is full" in text or ("disk i/o error" in text and _disk_nearly_full(path)):
        return disk_full(path)
    if "locked" in text or "busy" in text:
        return StoreError(
            f"The database {path} is locked by another mktd process.",
            hint="Wait for the other process (a worker?) to finish, then retry",
        )
    if "not a database" in text or "malformed" in text:
        return StoreError(
            f"{path} is not a readable mktd database ({e}).",
            hint="mktd db check shows the damage; mktd db recover copies what is readable "
            "into a fresh file (or move the file away and run mktd init)",
        )
    return StoreError(f"Database error on {path}: {e}.", hint="Run with MKTD_DEBUG=1 for details")


@contextmanager
def immediate(db: Database, *, row_locked: bool = False) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock up front (no deadlock on upgrade).

    `row_locked`: every row it reads then writes is read `for update` (dialect.for_update), so a
    backend with row locks (PostgreSQL) need not serialize it with every other writer.
    """
    conn = db.conn
    # The backend's own BEGIN (PostgreSQL's store passes a db that names its dialect).
    dialect = getattr(db, "dialect", SQLITE)
    conn.execute((row_locked and dialect.begin_row_locked) or dialect.begin)
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

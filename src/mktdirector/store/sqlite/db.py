"""Opening the database: lazily, WAL, busy timeout, migrations, refusing newer schemas."""

from __future__ import annotations

import errno
import os
import re
import sqlite3
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mktdirector import __version__
from mktdirector.core.errors import StoreError
from mktdirector.core.paths import FILE_MODE, ensure_dir
from mktdirector.store.sqlite.dialect import SQLITE

if TYPE_CHECKING:
    from sqlite_utils import Database

BUSY_TIMEOUT_S = 10.0
# A new database's page size. Every page a commit changes is written to the WAL whole (and again
# at the checkpoint), and a publish changes a page in each of ~20 B-trees: at 1 KiB a published
# job writes 3x fewer bytes than at SQLite's default 4 KiB, while `mktd report` at 1M snapshots
# reads as fast within our measurements' noise (a bare SQL scan of the snapshots is ~15-20%
# slower: docs/benchmarks.md, worker). An existing file keeps its size.
NEW_PAGE_SIZE = 1024
PAGE_SIZE_ENV = "MKTD_SQLITE_PAGE_SIZE"  # another size for NEW files (benchmarks compare them)
# The WAL is copied into the database file (a checkpoint: each page changed since the last one,
# written again) when it holds this much. SQLite counts it in pages (1,000 by default: 4 MiB at
# 4 KiB pages, 1 MiB at 1 KiB); in bytes, smaller pages keep the checkpoints as rare as before.
WAL_CHECKPOINT_BYTES = 4 * 1024 * 1024


def open_database(path: Path | str, *, migrate: bool = True) -> Database:
    """Open (creating 0600 if new), check the schema is not newer than this mktd, migrate."""
    memory = str(path) == ":memory:"
    new = memory
    if not memory:
        p = Path(path)
        try:
            ensure_dir(p.parent)
            if not p.exists():
                os.close(os.open(p, os.O_WRONLY | os.O_CREAT, FILE_MODE))
            new = p.stat().st_size == 0
        except OSError as e:
            if e.errno == errno.ENOSPC:
                raise disk_full(path) from None
            raise
    conn: sqlite3.Connection | None = None
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, check_same_thread=False)
        if new:  # only before the first table: WAL mode fixes the size for good
            conn.execute(f"PRAGMA page_size={new_page_size()}")
        conn.execute(f"PRAGMA synchronous={FULL}")  # named, not assumed: see FULL below
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute(f"PRAGMA wal_autocheckpoint={max(WAL_CHECKPOINT_BYTES // page, 100)}")
        db = cast("Database", LightDatabase(conn))
        stamp = schema_stamp(conn)
        # The full check imports sqlite-utils and its migrations (~50 ms); a file this same
        # migrations.py has already brought up to date says so in its user_version.
        if stamp is None or conn.execute("pragma user_version").fetchone()[0] != stamp:
            from mktdirector.store.sqlite.migrations import migrations

            check_not_newer(db)
            if migrate and migrations.pending(db):
                migrations.apply(db)
            stamp = schema_stamp(conn)
            if migrate and stamp is not None and not memory:
                conn.execute(f"pragma user_version = {int(stamp)}")
    except BaseException as e:
        # A refused or locked database must not stay open (a worker would hold it forever).
        if conn is not None:
            conn.close()
        if isinstance(e, sqlite3.DatabaseError):
            raise translate_sqlite_error(e, path) from None
        raise
    return db


def new_page_size() -> int:
    raw = os.environ.get(PAGE_SIZE_ENV, "").strip()
    if not raw:
        return NEW_PAGE_SIZE
    size = int(raw) if raw.isdigit() else 0
    if size < 512 or size > 65536 or size & (size - 1):
        raise StoreError(
            f"{PAGE_SIZE_ENV}={raw!r} is not an SQLite page size.",
            hint=f"Use a power of two from 512 to 65536 (default {NEW_PAGE_SIZE}), or unset it",
        )
    return size


def schema_stamp(conn: sqlite3.Connection) -> int | None:
    """This mktd's migrations and the file's applied ones, as a number for `user_version`.

    Any change to migrations.py (a new migration, another release) or to the migrations the
    file records (a newer mktd applied one) changes it, and a different stamp only sends the
    opening through the full check, which is always right; only a file this very migrations.py
    has checked and brought up to date skips it. None: cannot tell (always the full check).
    """
    try:
        st = Path(__file__).with_name("migrations.py").stat()
        applied = conn.execute(
            "select count(*), max(rowid) from _sqlite_migrations where migration_set = 'mktd'"
        ).fetchone()
    except OSError:
        return None
    except sqlite3.OperationalError:  # no migrations table yet: a new file
        applied = (0, 0)
    text = f"{__version__}|{st.st_size}|{st.st_mtime_ns}|{applied[0]}|{applied[1]}"
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


class LightDatabase:
    """sqlite-utils' Database for the store, made only when more than a SELECT needs it.

    Importing sqlite-utils and building a Database costs ~50 ms (its plugin entry points are
    scanned), more than a read-only command (`drafts list`, `status`) spends on everything
    else. A plain SELECT through `query` is answered here with the stdlib connection, rows as
    dicts like sqlite-utils'; every other attribute is the real Database on the same connection.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._full: Database | None = None
        # What sqlite-utils' Database does on the connection when it is made.
        conn.execute("PRAGMA recursive_triggers=on;")

    def full(self) -> Database:
        if self._full is None:
            from sqlite_utils import Database

            # No plugins: a sqlite-utils plugin installed beside mktd must not change
            # mktd's connection (and scanning for them costs ~20 ms).
            self._full = Database(self.conn, execute_plugins=False)
        return self._full

    def query(
        self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        if self._full is not None or not _is_select(sql):
            return self.full().query(sql, params)
        cursor = self.conn.execute(sql, params if params is not None else ())
        return _dict_rows(cursor)

    def close(self) -> None:
        self.conn.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.full(), name)

    def __getitem__(self, name: str) -> Any:
        return self.full()[name]


_WRITE_WORDS = re.compile(r"\b(insert|update|delete|replace\s+into)\b", re.IGNORECASE)


def _is_select(sql: str) -> bool:
    """A read: a SELECT, or a WITH … SELECT (a WITH can also lead a write: those go to sqlite-utils)."""
    head = sql.lstrip()[:6].lower()
    return head == "select" or (head[:4] == "with" and not _WRITE_WORDS.search(sql))


def _dict_rows(cursor: sqlite3.Cursor) -> Iterator[dict[str, Any]]:
    # Executed already (as sqlite-utils' query is); rows are fetched as they are read.
    columns = [d[0] for d in cursor.description]
    for row in cursor:
        yield dict(zip(columns, row, strict=True))


def check_not_newer(db: Database) -> None:
    from mktdirector.store.sqlite.migrations import migrations

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


# How hard a commit holds on to the disk (SQLite's `synchronous` in WAL mode). Every connection
# runs FULL (each commit fsyncs the WAL, and with it every commit before it); a RELAXED one skips
# its own fsync: it survives the process being killed (the WAL is in the OS's cache) but a power
# cut or a kernel crash may lose it, unless a later FULL commit has synced the WAL since. Rate
# state and the audit log are RELAXED (docs/reliability.md); the publish ledger stays FULL.
FULL = "FULL"
RELAXED = "NORMAL"
# Joins the surrounding transaction at its durability; alone it is FULL. For ledger writes that
# a caller may group into one commit (store.outcome_batch): the group decides how hard it syncs.
INHERIT = "INHERIT"
_DEPTH = "_mktd_tx_depth"  # open immediate() blocks on a Database: inner ones join the outer
_OUTER = "_mktd_tx_durability"  # the outer block's durability, which the joined ones get


@contextmanager
def immediate(
    db: Database, *, durability: str = FULL, row_locked: bool = False
) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the lock up front (no deadlock on upgrade).

    Nested inside another `immediate()` on the same Database it joins that transaction (one
    commit for both): the choke point records what an answer said and its audit row together.
    `durability` is the commit's: FULL (each commit on disk when it returns) or RELAXED; a FULL
    block cannot join a RELAXED one (its commit would not be on disk), that is a bug. INHERIT
    joins at the outer block's durability, and alone is FULL.
    `row_locked`: every row it reads then writes is read `for update` (dialect.for_update), so a
    backend with row locks (PostgreSQL) need not serialize it with every other writer.
    """
    conn = db.conn
    depth = getattr(db, _DEPTH, 0)
    if durability == INHERIT:
        durability = getattr(db, _OUTER, FULL) if depth else FULL
    if depth:
        if durability == FULL and getattr(db, _OUTER, FULL) != FULL:
            raise RuntimeError("a FULL-durability write inside a relaxed transaction")
        setattr(db, _DEPTH, depth + 1)
        try:
            yield conn
        finally:
            setattr(db, _DEPTH, depth)
        return
    dialect = getattr(db, "dialect", SQLITE)  # PostgreSQL's store names its own
    relaxed = durability == RELAXED
    if relaxed:  # a PRAGMA is a no-op on PostgreSQL (its adapter skips them)
        conn.execute(f"PRAGMA synchronous={RELAXED}")
    try:
        conn.execute((row_locked and dialect.begin_row_locked) or dialect.begin)
        setattr(db, _DEPTH, 1)
        setattr(db, _OUTER, durability)
        try:
            if relaxed and dialect.relaxed:
                conn.execute(dialect.relaxed)
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")
        finally:
            setattr(db, _DEPTH, 0)
    finally:
        if relaxed:
            conn.execute(f"PRAGMA synchronous={FULL}")


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

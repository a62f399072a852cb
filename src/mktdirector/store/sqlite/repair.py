"""Checking a database file and copying what is readable out of a damaged one.

`check` runs SQLite's integrity_check and reads every table, so it can say which tables are
hurt. `recover` never changes the damaged file: it builds a fresh database (this mktd's
schema, every migration applied) beside it, copies each table row by row in rowid order,
steps over the pages that cannot be read, then swaps the files: the damaged one (with its
-wal/-shm) is kept as `mktd.db.damaged-<time>`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from mktdirector.core.errors import StoreError
from mktdirector.store.sqlite.db import open_database

MIGRATIONS_TABLE = "_sqlite_migrations"  # sqlite-migrate's bookkeeping: the fresh file has its own
_MIN_ROWID = -(2**63)
_MAX_ROWID = 2**63 - 1
_COMMIT_EVERY = 5000


@dataclass
class TableCheck:
    name: str
    rows: int | None  # None: the table could not be read to the end
    error: str | None = None


@dataclass
class CheckResult:
    path: str
    ok: bool
    problems: list[str] = field(default_factory=list)
    tables: list[TableCheck] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TableCopy:
    name: str
    copied: int
    skipped_regions: int  # stretches of rows that could not be read (each one or more rows)
    error: str | None = None  # the table could not be read at all


@dataclass
class RecoverResult:
    path: str
    kept: str  # where the damaged file now is
    tables: list[TableCopy] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return all(t.skipped_regions == 0 and t.error is None for t in self.tables)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "complete": self.complete}


def _connect_ro(path: Path) -> sqlite3.Connection:
    if not path.exists():
        raise StoreError(f"There is no database at {path}.", hint="mktd init")
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def _tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' "
        "order by name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def check(path: Path) -> CheckResult:
    """integrity_check plus a full read of every table (which ones are hurt)."""
    conn = _connect_ro(path)
    result = CheckResult(str(path), ok=True)
    try:
        try:
            rows = conn.execute("pragma integrity_check(50)").fetchall()
            result.problems = [str(r[0]) for r in rows if r[0] != "ok"]
        except sqlite3.DatabaseError as e:
            result.problems = [str(e)]
        try:
            names = _tables(conn)
        except sqlite3.DatabaseError as e:
            result.problems.append(f"the schema cannot be read: {e}")
            names = []
        for name in names:
            try:
                # Every row's every column, from the table itself (a count may use an index).
                n = sum(1 for _ in conn.execute(f"select * from {_q(name)} not indexed"))
                result.tables.append(TableCheck(name, n))
            except sqlite3.DatabaseError as e:
                result.tables.append(TableCheck(name, None, str(e)))
    finally:
        conn.close()
    result.ok = not result.problems and all(t.error is None for t in result.tables)
    return result


def _readable_from(conn: sqlite3.Connection, table: str, after: int) -> bool:
    try:
        cur = conn.execute(
            f"select * from {_q(table)} where rowid > ? order by rowid limit 1", [after]
        )
        cur.fetchall()
        return True
    except sqlite3.DatabaseError:
        return False


def _next_readable(conn: sqlite3.Connection, table: str, failed_after: int) -> int | None:
    """The smallest `after` > failed_after from which the table reads again (or None).

    Reads from `rowid > x` fail while x lies before or in a damaged page and succeed after
    it: double the step until one succeeds, then bisect back to the page's end.
    """
    step = 1
    bad = failed_after
    good: int | None = None
    while bad + step < _MAX_ROWID:
        probe = bad + step
        if _readable_from(conn, table, probe):
            good = probe
            break
        bad = probe
        step *= 2
    if good is None:
        return None
    while good - bad > 1:
        mid = (bad + good) // 2
        if _readable_from(conn, table, mid):
            good = mid
        else:
            bad = mid
    return good


def _rows(conn: sqlite3.Connection, table: str, cols: str, after: int) -> Iterator[tuple[Any, ...]]:
    yield from conn.execute(
        f"select rowid, {cols} from {_q(table)} where rowid > ? order by rowid", [after]
    )


def _copy_table(src: sqlite3.Connection, dst: sqlite3.Connection, table: str) -> TableCopy:
    try:
        src_cols = [str(r[1]) for r in src.execute(f"pragma table_info({_q(table)})")]
    except sqlite3.DatabaseError as e:
        return TableCopy(table, 0, 0, str(e))
    dst_cols = {str(r[1]) for r in dst.execute(f"pragma table_info({_q(table)})")}
    cols = [c for c in src_cols if c in dst_cols]
    names = ", ".join(_q(c) for c in cols)
    insert = (
        f"insert or ignore into {_q(table)} (rowid, {names}) "
        f"values ({', '.join('?' for _ in range(len(cols) + 1))})"
    )
    out = TableCopy(table, 0, 0)
    after = _MIN_ROWID
    batch: list[tuple[Any, ...]] = []

    def flush() -> None:
        dst.executemany(insert, batch)
        dst.commit()
        batch.clear()

    while True:
        try:
            for row in _rows(src, table, names, after):
                batch.append(row)  # read one by one (a bad page fails here), written in batches
                after = int(row[0])
                out.copied += 1
                if len(batch) >= _COMMIT_EVERY:
                    flush()
            break
        except sqlite3.DatabaseError as e:
            if out.copied == 0 and out.skipped_regions == 0 and after == _MIN_ROWID:
                out.error = str(e)  # maybe only the start is damaged: look further
            out.skipped_regions += 1
            nxt = _next_readable(src, table, after)
            if nxt is None:
                break
            after = nxt
    if out.copied:
        out.error = None
    flush()
    return out


def recover(path: Path, *, now: datetime | None = None) -> RecoverResult:
    """Copy what is readable into a fresh file that takes the damaged one's place."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    fresh = path.with_name(path.name + ".recovering")
    kept = path.with_name(f"{path.name}.damaged-{stamp}")
    for leftover in (fresh, Path(f"{fresh}-wal"), Path(f"{fresh}-shm")):
        leftover.unlink(missing_ok=True)
    src = _connect_ro(path)
    try:
        try:
            names = _tables(src)
        except sqlite3.DatabaseError as e:
            raise StoreError(
                f"Nothing can be read from {path} (its schema is damaged: {e}).",
                hint="Move the file away and run mktd init to start a new database",
            ) from None
        dst_db = open_database(fresh)
        dst = dst_db.conn
        try:
            known = set(_tables(dst))
            result = RecoverResult(str(path), str(kept))
            for name in names:
                if name in known and name != MIGRATIONS_TABLE:
                    result.tables.append(_copy_table(src, dst, name))
            dst.execute("pragma wal_checkpoint(truncate)")
        finally:
            dst_db.close()
    finally:
        src.close()
    # Swap: the damaged file and its WAL stay together under the new name.
    for suffix in ("", "-wal", "-shm"):
        old = Path(f"{path}{suffix}")
        if old.exists():
            old.rename(Path(f"{kept}{suffix}"))
    for suffix in ("-wal", "-shm"):
        Path(f"{fresh}{suffix}").unlink(missing_ok=True)
    fresh.rename(path)
    return result

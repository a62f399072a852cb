"""The part of sqlite-utils' `Database` the store's mixins use, over one psycopg 3 connection.

The store's SQL is written once (store/sqlite/, one module per aggregate) in the common subset
of SQLite and PostgreSQL; this adapter is what lets the PostgreSQL backend run the same mixins:

- placeholders: `?` becomes `%s` and `:name` becomes `%(name)s` (a literal `%` is doubled);
- `temp.x` is SQLite's name for a temp table, `pg_temp.x` PostgreSQL's; `rowid` (insertion
  order, used only on append-only tables) is `ctid`; PRAGMAs mean nothing here and are skipped;
- values: a bool is stored as 0/1 and a dict or list as JSON text, as sqlite-utils does;
- results: `numeric` (what PostgreSQL's `sum()` of integers returns) comes back as an int when
  whole, else a float, and a boolean as 1/0, as SQLite's values do. The SQLite functions the SQL uses that
  PostgreSQL lacks (`group_concat`, `sum` of a condition, two-argument `max`, `round` of a float)
  are created by the migration runner (schema.py COMPAT_SQL).

The connection runs in autocommit mode: a statement outside `immediate()` commits on its own,
as one under sqlite3's autocommit does; `immediate()` issues BEGIN/COMMIT itself.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.adapt import Loader
from psycopg.rows import dict_row

from mktdirector.store.postgres.dialect import POSTGRES

_NAMED = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
_TEMP = re.compile(r"\btemp\.", re.IGNORECASE)
_ROWID = re.compile(r"\browid\b", re.IGNORECASE)


def translate(sql: str, *, with_params: bool = True, named: bool = True) -> str:
    """SQLite-flavoured SQL (as the store writes it) -> what psycopg sends to PostgreSQL.

    Without parameters psycopg sends the text as it is (a `%` is literal, and several
    statements may be sent at once), so only the names change.
    """
    out = sql
    if with_params:
        out = out.replace("%", "%%").replace("?", "%s")
        if named:  # only with a dict of parameters: a `:x` elsewhere is left as written
            out = _NAMED.sub(r"%(\1)s", out)
    out = _TEMP.sub("pg_temp.", out)
    return _ROWID.sub("ctid", out)


def _value(v: Any) -> Any:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, dict | list):
        return json.dumps(v)
    return v


def params_of(params: Sequence[Any] | Mapping[str, Any] | None) -> Any:
    if params is None:
        return None
    if isinstance(params, Mapping):
        return {k: _value(v) for k, v in params.items()}
    return [_value(v) for v in params]


def _is_pragma(sql: str) -> bool:
    return sql.lstrip().lower().startswith("pragma")


class NumberLoader(Loader):
    """`numeric` as SQLite would give it: int when whole, float otherwise (never Decimal)."""

    def load(self, data: Any) -> int | float:
        text = bytes(data).decode()
        return int(text) if text.lstrip("-").isdigit() else float(text)


class BoolLoader(Loader):
    """A condition selected as a value (`x > 0 as measured`) reads 1/0, as on SQLite."""

    def load(self, data: Any) -> int:
        return 1 if bytes(data) == b"t" else 0


class _NoRows:
    """What a skipped PRAGMA returns: a cursor with nothing in it."""

    rowcount = 0
    description: list[Any] = []

    def fetchone(self) -> None:
        return None

    def fetchall(self) -> list[Any]:
        return []


class PgConnection:
    """sqlite3.Connection's `execute`/`commit`/`close`, translating the SQL."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        if _is_pragma(sql):
            return _NoRows()
        if not params:
            return self.raw.execute(translate(sql, with_params=False))
        named = isinstance(params, Mapping)
        return self.raw.execute(translate(sql, named=named), params_of(params))

    def commit(self) -> None:
        # Autocommit: every statement outside BEGIN…COMMIT is already committed.
        pass

    def close(self) -> None:
        self.raw.close()


class PgTable:
    """sqlite-utils' Table, for the writes the mixins make: insert, update, upsert (+ _all)."""

    def __init__(self, db: PgDatabase, name: str) -> None:
        self.db, self.name = db, name

    def _pk(self) -> list[str]:
        return self.db.primary_key(self.name)

    def insert(self, row: Mapping[str, Any], **_options: Any) -> PgTable:
        return self.insert_all([row])

    def insert_all(self, rows: Iterable[Mapping[str, Any]], **_options: Any) -> PgTable:
        # Options (pk=, alter=) shape a table sqlite-utils would create; here it exists.
        for row in rows:
            # A column left NULL is left out: an identity key (SQLite's INTEGER PRIMARY KEY)
            # then takes its next value, as SQLite's rowid does.
            present = {k: v for k, v in row.items() if v is not None}
            self.db.execute(POSTGRES.insert(self.name, list(present)), list(present.values()))
        return self

    def update(self, pk: Any, fields: Mapping[str, Any]) -> PgTable:
        keys = self._pk()
        pk_values = list(pk) if isinstance(pk, list | tuple) else [pk]
        if not fields:
            return self
        sets = ", ".join(f"{k} = ?" for k in fields)
        where = " and ".join(f"{k} = ?" for k in keys)
        self.db.execute(
            f"update {self.name} set {sets} where {where}", [*fields.values(), *pk_values]
        )
        return self

    def upsert(self, row: Mapping[str, Any], pk: str | Sequence[str]) -> PgTable:
        return self.upsert_all([row], pk=pk)

    def upsert_all(self, rows: Iterable[Mapping[str, Any]], pk: str | Sequence[str]) -> PgTable:
        key = [pk] if isinstance(pk, str) else list(pk)
        for row in rows:
            cols = list(row)
            self.db.execute(POSTGRES.upsert(self.name, cols, key), list(row.values()))
        return self


class PgDatabase:
    """The `db` the mixins see: `query`, `execute`, `table`, `atomic`, `conn`, `close`."""

    dialect = POSTGRES

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        raw.adapters.register_loader("numeric", NumberLoader)
        raw.adapters.register_loader("bool", BoolLoader)
        self.raw = raw
        self.conn = PgConnection(raw)
        self._pks: dict[str, list[str]] = {}

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None
    ) -> Iterator[dict[str, Any]]:
        with self.raw.cursor(row_factory=dict_row) as cur:
            if params:
                cur.execute(translate(sql, named=isinstance(params, Mapping)), params_of(params))
            else:
                cur.execute(translate(sql, with_params=False))
            rows = cur.fetchall() if cur.description else []
        yield from rows

    def execute(self, sql: str, params: Sequence[Any] | Mapping[str, Any] | None = None) -> Any:
        return self.conn.execute(sql, params)

    def table(self, name: str) -> PgTable:
        return PgTable(self, name)

    __getitem__ = table  # db["drafts"], as sqlite-utils allows

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """One transaction (nested uses join the outer one, like sqlite-utils' savepoints)."""
        with self.raw.transaction():
            yield

    def primary_key(self, table: str) -> list[str]:
        if table not in self._pks:
            sql = (
                "select a.attname from pg_index i join pg_attribute a "
                "on a.attrelid = i.indrelid and a.attnum = any(i.indkey) "
                "where i.indrelid = ?::regclass and i.indisprimary order by a.attnum"
            )
            self._pks[table] = [r["attname"] for r in self.query(sql, [table])]
        return self._pks[table]

    def close(self) -> None:
        self.raw.close()

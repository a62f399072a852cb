"""Copying a SQLite home's database into PostgreSQL (`mktd db copy --to postgresql://…`).

Both sides have the same numbered migrations, so the same tables and columns. Each table is
copied in one transaction with `on conflict do nothing` on its primary key: running the copy
again adds only what is new and never changes a row already there (a shared database another
host already writes to keeps its own rows). After the copy every table is counted on both
sides; a target with fewer rows than the source is an error. Secrets are copied as they are
stored (Fernet ciphertext), or re-encrypted on the way by `recrypt` (the flow passes one when
the key source names a new key first: `NEW,OLD`). Tokens the home kept in the OS keyring are
not in that table: the flow reads them (`keyring_accounts` names them) and passes them in
encrypted under the team's key as `keyring_secrets`; they are added like any other row (and
replace a home's own row of the same name, which the index says is stale) and their connections
are marked `encrypted`, the store a team host reads them from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mktdirector.core.errors import StoreError
from mktdirector.store.postgres.adapter import PgDatabase
from mktdirector.store.postgres.migrations import known_names
from mktdirector.store.postgres.store import PostgresStore

BATCH = 500


@dataclass
class TableCopy:
    table: str
    source: int
    copied: int
    target: int

    @property
    def ok(self) -> bool:
        return self.target >= self.source


@dataclass
class Copied:
    tables: list[TableCopy]
    keyring_copied: int  # keyring secrets added now (one already in the target is kept)


def keyring_accounts(sqlite_path: Path) -> list[str]:
    """`platform:account` of each connection whose token the home keeps in the OS keyring."""
    from mktdirector.store.sqlite.db import open_database

    if not sqlite_path.exists():
        return []
    source = open_database(sqlite_path)
    try:
        if "connections" not in source.table_names():
            return []
        sql = "select platform, account from connections where store = 'keyring'"
        return sorted(f"{r['platform']}:{r['account']}" for r in source.query(sql))
    finally:
        source.close()


def copy_to_postgres(
    sqlite_path: Path,
    url: str,
    *,
    recrypt: Callable[[bytes], bytes] | None = None,
    keyring_secrets: dict[str, bytes] | None = None,
) -> Copied:
    """Copy every row of the SQLite database at `sqlite_path` into the database at `url`;
    `recrypt` turns each stored secret's ciphertext into the target's; `keyring_secrets`
    (`platform:account` -> ciphertext under the target's key) are added to its secrets."""
    from mktdirector.store.sqlite.db import open_database

    if not sqlite_path.exists():
        raise StoreError(f"There is no database at {sqlite_path} to copy.", hint="mktd init")
    source = open_database(sqlite_path)  # refuses a newer schema; brings an older one up to date
    target = PostgresStore(url)
    try:
        pg: PgDatabase = target.db  # type: ignore[assignment]  # connects, migrates
        names = [t for t in source.table_names() if not t.startswith(("_sqlite", "sqlite_"))]
        applied = {r["name"] for r in source.query("select name from _sqlite_migrations")}
        if applied - set(known_names()):
            raise StoreError(
                "The source database is newer than this mktd.", hint="pip install -U mktd"
            )
        from_keyring = keyring_secrets or {}
        had = _secret_names_in(pg, from_keyring)
        tables = [
            _copy_table(source, pg, name, recrypt if name == "secrets" else None, from_keyring)
            for name in sorted(names)
        ]
        _add_keyring_secrets(pg, from_keyring)
        # A post's latest_snapshot_id (m028) names a snapshot by id: a snapshot the target
        # already had under that id was kept and the source's skipped, so it is worked out
        # again here from the snapshots the target now holds.
        target.refresh_latest_snapshots()
        return Copied(tables, len(from_keyring) - len(had))
    finally:
        source.close()
        target.close()


def _copy_table(
    source: Any,
    pg: PgDatabase,
    table: str,
    recrypt: Callable[[bytes], bytes] | None,
    from_keyring: dict[str, bytes],
) -> TableCopy:
    columns = list(source.table(table).columns_dict)
    pks = list(source.table(table).pks)
    if pks == ["rowid"]:
        raise StoreError(f"Table {table} has no primary key; it cannot be copied idempotently.")
    insert = (
        f"insert into {table} ({', '.join(columns)}) values ({', '.join('?' * len(columns))}) "
        f"on conflict ({', '.join(pks)}) do nothing"
    )
    n_source = copied = 0
    with pg.raw.transaction():
        batch: list[list[Any]] = []
        for row in source.query(f"select {', '.join(columns)} from {table}"):
            n_source += 1
            if table == "secrets" and row["key"] in from_keyring:
                # The index says the keyring holds this token: the home's row is an old one.
                row["ciphertext"] = from_keyring[row["key"]]
            elif recrypt is not None:
                row["ciphertext"] = recrypt(bytes(row["ciphertext"]))
            batch.append([row[c] for c in columns])
            if len(batch) >= BATCH:
                copied += _flush(pg, insert, batch)
        copied += _flush(pg, insert, batch)
        _advance_identity(pg, table, pks)
    n_target = next(iter(pg.query(f"select count(*) as n from {table}")))["n"]
    return TableCopy(table, n_source, copied, int(n_target))


def _secret_names_in(pg: PgDatabase, secrets: dict[str, bytes]) -> set[str]:
    if not secrets:
        return set()
    with pg.raw.cursor() as cur:
        cur.execute("select key from secrets where key = any(%s)", [sorted(secrets)])
        return {str(r[0]) for r in cur.fetchall()}


def _add_keyring_secrets(pg: PgDatabase, secrets: dict[str, bytes]) -> None:
    """Add each secret unless the target has one under that name (a team's token is kept), and
    mark its connection `encrypted`: one transaction, so a token never lacks its index row."""
    from mktdirector.store.stamps import now_utc

    with pg.raw.transaction():
        for name, blob in sorted(secrets.items()):
            with pg.raw.cursor() as cur:
                cur.execute(
                    "insert into secrets (key, ciphertext, updated_utc) values (%s, %s, %s) "
                    "on conflict (key) do nothing",
                    [name, blob, now_utc()],
                )
                platform, _, account = name.partition(":")
                cur.execute(
                    "update connections set store = 'encrypted' "
                    "where platform = %s and account = %s and store = 'keyring'",
                    [platform, account],
                )


def _flush(pg: PgDatabase, sql: str, batch: list[list[Any]]) -> int:
    from mktdirector.store.postgres.adapter import params_of, translate

    if not batch:
        return 0
    with pg.raw.cursor() as cur:
        cur.executemany(translate(sql), [params_of(r) for r in batch], returning=False)
        n = cur.rowcount
    batch.clear()
    return max(int(n), 0)


def _advance_identity(pg: PgDatabase, table: str, pks: list[str]) -> None:
    # Copied explicit ids must not be handed out again by the identity column afterwards.
    if len(pks) != 1:
        return
    found = next(iter(pg.query("select pg_get_serial_sequence(?, ?) as s", [table, pks[0]])))
    if found["s"]:
        sql = f"select setval(?, coalesce((select max({pks[0]}) from {table}), 0) + 1, false)"
        list(pg.query(sql, [found["s"]]))

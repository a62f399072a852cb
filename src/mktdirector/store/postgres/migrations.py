"""Applying the store's numbered migrations to PostgreSQL, and refusing a newer schema.

The list is store/sqlite/migrations.py's, in its order, under the same names (one history for
both backends; `mktd db copy` relies on it). Each migration runs with its record in one
transaction (PostgreSQL's DDL is transactional), under a session advisory lock so two hosts
running `mktd init` at once apply each migration once. A database that has a migration this
mktd does not know is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

from mktdirector.core.errors import StoreError
from mktdirector.store.postgres.adapter import PgDatabase
from mktdirector.store.postgres.schema import COMPAT_SQL, SchemaWriter
from mktdirector.store.sqlite.migrations import migrations as numbered
from mktdirector.store.sqlite.migrations import report_posts_index
from mktdirector.store.stamps import now_utc

TABLE = "mktd_migrations"
SET = numbered.name  # "mktd": the numbered migrations, shared with SQLite
COMPAT_SET = "mktd-postgres"  # PostgreSQL-only helpers (schema.COMPAT_SQL), versioned here
COMPAT_VERSION = "compat_001"
MIGRATE_LOCK_KEY = 0x6D6B7444  # held while migrating: one host migrates, the others wait


def _m002_wal(db: SchemaWriter) -> None:
    """SQLite's WAL switch: PostgreSQL's readers never block writers; nothing to do."""


def _m031_report_covering_indexes(db: SchemaWriter) -> None:
    """The posts index only: PostgreSQL keeps a draft's wide text out of its row (TOAST), so the
    report's join reads narrow rows without a drafts index, and its B-tree entries are limited
    to ~2.7 KB, which a long topic in that index would exceed."""
    report_posts_index(db)


# Migrations whose SQLite form cannot run on PostgreSQL, by name: the PostgreSQL twin.
PG_TWINS: dict[str, Callable[[SchemaWriter], None]] = {
    "m002_wal": _m002_wal,
    "m031_report_covering_indexes": _m031_report_covering_indexes,
}


def known_names() -> list[str]:
    return [m.name for m in numbered._migrations]


def applied(db: PgDatabase, migration_set: str = SET) -> list[str]:
    found = next(iter(db.query("select to_regclass(?) as t", [TABLE])))["t"]
    if found is None:
        return []
    sql = f"select name from {TABLE} where migration_set = ? order by id"
    return [r["name"] for r in db.query(sql, [migration_set])]


def check_not_newer(db: PgDatabase) -> None:
    unknown = sorted(set(applied(db)) - set(known_names()))
    if unknown:
        raise StoreError(
            f"This database was written by a newer mktd (it has migration {unknown[-1]}); "
            "it was not changed.",
            hint="Upgrade mktd (pip install -U mktd) on this host, or point MKTD_DATABASE_URL "
            "elsewhere",
        )


def pending(db: PgDatabase) -> list[str]:
    done = set(applied(db))
    todo = [n for n in known_names() if n not in done]
    if COMPAT_VERSION not in applied(db, COMPAT_SET):
        todo.insert(0, COMPAT_VERSION)
    return todo


def migrate(db: PgDatabase) -> list[str]:
    """Apply what is pending (refusing a newer schema first); returns what was applied."""
    check_not_newer(db)
    if not pending(db):
        return []
    raw = db.raw
    raw.execute(f"select pg_advisory_lock({MIGRATE_LOCK_KEY})")
    try:
        check_not_newer(db)  # another host may have migrated while this one waited
        with raw.transaction():
            raw.execute(
                f"create table if not exists {TABLE} (id bigint generated always as identity "
                "primary key, migration_set text not null, name text not null, "
                "applied_at text not null, unique (migration_set, name))"
            )
        done = []
        if COMPAT_VERSION not in applied(db, COMPAT_SET):
            with raw.transaction():
                raw.execute(COMPAT_SQL)
                _record(db, COMPAT_SET, COMPAT_VERSION)
        writer = SchemaWriter(db.conn)
        for migration in numbered._migrations:
            if migration.name in applied(db):
                continue
            run = PG_TWINS.get(migration.name, migration.fn)
            with raw.transaction():
                run(writer)  # type: ignore[arg-type]  # SchemaWriter speaks the table API
                _record(db, SET, migration.name)
            done.append(migration.name)
        return done
    finally:
        raw.execute(f"select pg_advisory_unlock({MIGRATE_LOCK_KEY})")


def _record(db: PgDatabase, migration_set: str, name: str) -> None:
    db.execute(
        f"insert into {TABLE} (migration_set, name, applied_at) values (?, ?, ?)",
        [migration_set, name, now_utc()],
    )

"""The PostgreSQL store: the same mixins as SQLite's, on one psycopg connection per Store.

`PostgresStore(url)` connects on first use (like the SQLite store opens its file), refuses a
database with migrations this mktd does not know, migrates, and hands the mixins a `db` that
speaks the part of sqlite-utils' API they use (adapter.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit, urlunsplit

from mktdirector.core.errors import StoreError
from mktdirector.store.postgres.dialect import POSTGRES
from mktdirector.store.postgres.reporting import PgReportingMixin
from mktdirector.store.sqlite.db import Connected
from mktdirector.store.sqlite.store import Store

if TYPE_CHECKING:
    from sqlite_utils import Database

    from mktdirector.store.postgres.adapter import PgDatabase
    from mktdirector.store.protocols import StoreLike

__all__ = ["PostgresStore", "safe_url", "translate_pg_error"]

CONNECT_TIMEOUT_S = 10
# A statement that waits longer than this (a lock held by a hung host) fails instead of
# hanging the command: every database call ends by a deadline.
STATEMENT_TIMEOUT_MS = 60_000
NAMED_LOCK_TIMEOUT_S = 60.0


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def connect(url: str) -> PgDatabase:
    """One autocommit connection with deadlines, wrapped for the mixins; clear errors."""
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            "MKTD_DATABASE_URL is set but psycopg (PostgreSQL support) is not installed.",
            hint='pip install "mktd[postgres]"',
        ) from None
    from mktdirector.store.postgres.adapter import PgDatabase

    try:
        raw = psycopg.connect(
            url,
            autocommit=True,
            connect_timeout=CONNECT_TIMEOUT_S,
            # jit off: mktd's statements are short or index-driven; at 1M snapshots the server
            # spent ~1.7 s compiling the report's query for nothing (benchmarks/pg_report.py).
            options=f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c jit=off",
            application_name="mktd",
        )
    except psycopg.Error as e:
        # psycopg's message can quote the connection string; say it in our own words.
        reason = str(e).strip().splitlines()[-1] if str(e).strip() else type(e).__name__
        raise StoreError(
            f"Cannot connect to PostgreSQL at {safe_url(url)}: {_redact(reason, url)}",
            hint="Check MKTD_DATABASE_URL (mktd config get database.url) and that the server runs",
        ) from None
    return PgDatabase(raw)


def _redact(text: str, url: str) -> str:
    password = urlsplit(url).password
    return text.replace(password, "***") if password else text


class PgConnected(Connected):
    """What every mixin stands on, for PostgreSQL: a connection, opened on first use.

    A connection the server dropped (restart, failover, a network cut) is replaced on the next
    use, so a long-running worker outlives a database restart; the statement that saw the drop
    fails (and its transaction rolled back), it is not silently repeated.
    """

    dialect = POSTGRES

    def __init__(self, url: str) -> None:
        super().__init__(safe_url(url))
        self.url = url
        self._pg: PgDatabase | None = None

    @property  # Connected's is a cached_property; this one reconnects
    def db(self) -> Database:
        pg = self._pg
        if pg is None or pg.raw.closed:
            from mktdirector.store.postgres.migrations import migrate

            pg = connect(self.url)
            try:
                migrate(pg)
            except BaseException:
                pg.close()
                raise
            self._pg = pg
        # The mixins are typed against sqlite-utils' Database; PgDatabase provides the part of
        # it they use (adapter.py), which the contract suite checks on both backends.
        return cast("Database", pg)

    @property
    def is_open(self) -> bool:
        return self._pg is not None

    def exists(self) -> bool:
        """Whether mktd's tables are there (a read must not create them)."""
        if self._pg is not None and not self._pg.raw.closed:
            return True
        from mktdirector.store.postgres.migrations import applied

        pg = connect(self.url)
        try:
            return bool(applied(pg))
        finally:
            pg.close()

    def close(self) -> None:
        pg, self._pg = self._pg, None
        if pg is not None:
            try:
                pg.close()
            except Exception:  # noqa: BLE001 - a dead connection is closed all the same
                pass


def translate_pg_error(e: Exception) -> StoreError:
    """A PostgreSQL error met mid-command, as one line and a hint (never a traceback)."""
    from mktdirector.core.redact import redact

    first = (str(e).strip().splitlines() or [type(e).__name__])[0]
    import psycopg

    if isinstance(e, psycopg.OperationalError):
        return StoreError(
            f"Lost the connection to PostgreSQL: {redact(first)}.",
            hint="Check that the server runs (mktd status), then retry; nothing half-written "
            "was committed",
        )
    if isinstance(e, psycopg.errors.QueryCanceled):
        return StoreError(
            "A PostgreSQL statement waited too long (a lock held by another host?).",
            hint="Retry; if it persists, look for a stuck session in pg_stat_activity",
        )
    return StoreError(
        f"PostgreSQL error: {redact(first)}.", hint="Run with MKTD_DEBUG=1 for details"
    )


class PostgresStore(PgConnected, PgReportingMixin, Store):
    """The product's state in PostgreSQL (MKTD_DATABASE_URL), shared by every host.

    Every aggregate mixin of the SQLite Store, on PgConnected's connection: a mixin added to
    the SQLite store (a new aggregate) is part of this one too, with no line here.
    """

    backend = "postgresql"

    @contextmanager
    def named_lock(self, name: str, *, timeout: float = NAMED_LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold a lock named `name` across every host using this database until the block ends.

        A session advisory lock (in the two-key space, apart from the writer lock): the server
        releases it by itself when the holder's connection dies, so a crashed host never keeps
        it. Waits up to `timeout`, then fails with a clear error instead of hanging.
        """
        pg = cast("PgDatabase", self.db)
        key = "hashtext('mktd'), hashtext(?)"
        deadline = time.monotonic() + timeout
        while not _one(pg, f"select pg_try_advisory_lock({key}) as v", name):
            if time.monotonic() > deadline:
                raise StoreError(
                    f"Another mktd host has held the lock {name!r} for over {timeout:.0f} s.",
                    hint="Retry; the lock frees itself when its holder's connection ends",
                )
            time.sleep(0.05)
        try:
            yield
        finally:
            if not pg.raw.closed:
                _one(pg, f"select pg_advisory_unlock({key}) as v", name)


def _one(pg: PgDatabase, sql: str, *params: Any) -> Any:
    return next(iter(pg.query(sql, list(params))))["v"]


def _implements_every_protocol(store: PostgresStore) -> StoreLike:
    # Never called: mypy checks here that this backend provides every protocol.
    return store

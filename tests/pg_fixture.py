"""A throwaway PostgreSQL server for the tests: Debian's binaries, a temp dir, 127.0.0.1 only.

`cluster()` starts one server per test session on first use (initdb + pg_ctl, run as the
`postgres` user when the tests run as root, since initdb refuses root) and `fresh_url()` makes a
new empty database on it for one test. The session fixture `pg_cluster_session` (imported by
tests/conftest.py) stops the server and removes its directory at the end. Tests that need the
server skip with the reason when no PostgreSQL binaries are installed (`apt-get install
postgresql`, which .ci/run does).
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_SERVER_OPTIONS = (
    # Durability is not what these tests measure; fsync off makes CREATE DATABASE and every
    # commit cheap. listen_addresses keeps the server on loopback.
    "-c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off "
    "-c full_page_writes=off -c max_connections=200"
)


# The public tables owning a sequence that has handed out a value since it was (re)started.
_SEQUENCE_MOVED = """
    select t.relname from pg_class t
    join pg_depend d on d.refobjid = t.oid and d.refclassid = 'pg_class'::regclass
    join pg_class s on s.oid = d.objid and s.relkind = 'S'
    join pg_sequences q on q.schemaname = 'public' and q.sequencename = s.relname
    where t.relnamespace = 'public'::regnamespace and q.last_value is not null
"""


def pg_bin() -> Path | None:
    """The newest installed server's bin directory (Debian: /usr/lib/postgresql/N/bin)."""
    override = os.environ.get("MKTD_TEST_PG_BIN")
    candidates = [override] if override else glob.glob("/usr/lib/postgresql/*/bin")
    found = [Path(c) for c in candidates if c and (Path(c) / "initdb").is_file()]
    if not found:
        return None
    return max(found, key=lambda p: [int(x) for x in p.parent.name.split(".") if x.isdigit()])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgCluster:
    """One server: started by `start()`, databases made by `fresh_url()`, gone after `stop()`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="mktd-pg-"))
        self.port = _free_port()
        self.user = "postgres"
        self._names = itertools.count(1)
        self._as_postgres = os.geteuid() == 0
        self._migrated = ""

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        # cwd="/": the postgres user may not be allowed into the tests' working directory.
        return subprocess.run(cmd, cwd="/", check=check, capture_output=True, text=True, timeout=60)

    def start(self) -> None:
        if self._as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        else:
            self.user = pwd.getpwuid(os.geteuid()).pw_name
        data, log = self.dir / "data", self.dir / "log"
        self._run("initdb", "-D", str(data), "-A", "trust", "-U", self.user, "-E", "UTF8",
                  "--no-locale", "--no-sync")  # fmt: skip
        self._run("pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60",
                  "-o", f"-p {self.port} -k {self.dir} {_SERVER_OPTIONS}", "start")  # fmt: skip

    @property
    def base_url(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}"

    def url(self, dbname: str) -> str:
        return f"{self.base_url}/{dbname}"

    def fresh_url(self, *, template: str = "template1") -> str:
        """A new database on this server (one per test keeps tests independent)."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url("postgres"), autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'create database "{name}" template "{template}"')
        return self.url(name)

    def migrated_url(self) -> str:
        """A database holding mktd's current schema and no rows, as `mktd init` leaves it.

        One database is migrated once per session and emptied (TRUNCATE) for each test that
        asks: a fresh CREATE DATABASE plus the migrations costs ten times more per test. The
        previous test's store must be closed (the fixtures close it).
        """
        import psycopg

        if not self._migrated:
            from mktdirector.store.postgres.store import PostgresStore

            self._migrated = self.fresh_url()
            store = PostgresStore(self._migrated)
            store.open()
            store.close()
        with psycopg.connect(self._migrated, autocommit=True, connect_timeout=10) as conn:
            tables = [
                r[0]
                for r in conn.execute(
                    "select tablename from pg_tables where schemaname = 'public' "
                    "and tablename != 'mktd_migrations'"
                )
            ]
            # TRUNCATE gives each table it names new files, rows or not: all ~40 cost ~90 ms per
            # test. Only the tables a test wrote to need it: those holding rows, and those whose
            # id sequence moved (an insert rolled back leaves the table empty, its sequence on).
            holding = " union all ".join(
                f"select '{t}' where exists (select 1 from {t})" for t in tables
            )
            written = {r[0] for r in conn.execute(holding)}
            written |= {r[0] for r in conn.execute(_SEQUENCE_MOVED)}
            written &= set(tables)
            if written:  # CASCADE: a table referencing one of them by a foreign key goes too
                conn.execute(f"truncate {', '.join(sorted(written))} restart identity cascade")
        return self._migrated

    def stop(self) -> None:
        if (self.dir / "data" / "postmaster.pid").exists():
            self._run(
                "pg_ctl", "-D", str(self.dir / "data"), "-m", "immediate", "stop", check=False
            )
        shutil.rmtree(self.dir, ignore_errors=True)


_cluster: PgCluster | None = None
_failed: str | None = None


def cluster() -> PgCluster:
    """The session's server, started on first use; skips the test when it cannot start."""
    global _cluster, _failed
    if _cluster is not None:
        return _cluster
    if _failed is None:
        bindir = pg_bin()
        if bindir is None:
            _failed = (
                "no PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb): "
                "apt-get install postgresql"
            )
        else:
            candidate = PgCluster(bindir)
            try:
                candidate.start()
                _cluster = candidate
                return candidate
            except (OSError, subprocess.SubprocessError, KeyError) as e:
                detail = getattr(e, "stderr", "") or str(e)
                candidate.stop()
                # Binaries present but the server does not start: that is a failure, not a skip.
                _failed = f"PostgreSQL did not start: {detail.strip()[-500:]}"
                pytest.fail(_failed)
    if _failed.startswith("PostgreSQL did not start"):
        pytest.fail(_failed)
    pytest.skip(_failed)


def fresh_url() -> str:
    """A new, empty database (for tests of `init` and migrations)."""
    return cluster().fresh_url()


def migrated_url() -> str:
    """A new database holding mktd's current schema, as `mktd init` leaves it."""
    return cluster().migrated_url()


@pytest.fixture(scope="session", autouse=True)
def pg_cluster_session() -> Iterator[None]:
    """Stops the session's PostgreSQL server (if a test started one) when the session ends."""
    yield
    global _cluster
    if _cluster is not None:
        _cluster.stop()
        _cluster = None


@pytest.fixture
def pg_url() -> str:
    """A fresh, empty PostgreSQL database for this test (skips with a reason without a server)."""
    return fresh_url()

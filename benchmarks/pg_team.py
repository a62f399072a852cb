"""What the PostgreSQL benchmarks share: a throwaway server, a team's "hosts", due drafts.

A host is an MKTD_HOME of its own (its own config and logs, as on another machine) pointing at
the one database (MKTD_DATABASE_URL). The server is the tests' throwaway cluster
(tests/pg_fixture.py: Debian's initdb/pg_ctl, a temp dir, a free port on 127.0.0.1), or an
existing server given with --server postgresql://user@host:port (a database is created per run).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from sandbox_process import mktd_command  # noqa: E402

# The sandbox's own limits are lifted: the benchmarks measure mktd, not the emulated platforms.
SANDBOX_LIMITS = {
    name: (1_000_000, 900.0)
    for name in ("x.create.user", "x.create.user24h", "x.me.user", "x.timeline.user",
                 "x.lookup.user", "x.lookup.app", "linkedin.create.member")
}  # fmt: skip


def unavailable(base_url: str | None) -> str | None:
    """Why no server can be had (no --server and no PostgreSQL binaries), or None."""
    if base_url is not None:
        return None
    import pg_fixture

    if pg_fixture.pg_bin() is None:
        return "no PostgreSQL (initdb not installed: apt-get install postgresql, or --server URL)"
    return None


def not_measured(reason: str, as_json: bool) -> int:
    """What a PostgreSQL benchmark prints when it cannot run: a row for run_all.py, exit 0."""
    print(json.dumps({"not_measured": reason, "target_met": None}) if as_json else reason)
    return 0


class Server:
    """Makes databases: on the tests' throwaway cluster, or on a server given by URL."""

    def __init__(self, base_url: str | None = None) -> None:
        self.base_url = base_url
        self.cluster: Any = None
        self.n = 0

    def __enter__(self) -> Server:
        if self.base_url is None:
            import pg_fixture

            bindir = pg_fixture.pg_bin()
            if bindir is None:
                sys.exit(
                    "No PostgreSQL server binaries: apt-get install postgresql, or --server URL"
                )
            self.cluster = pg_fixture.PgCluster(bindir)
            self.cluster.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.cluster is not None:
            self.cluster.stop()

    def new_database(self) -> str:
        """A fresh database with mktd's schema (migrated here, untimed)."""
        if self.cluster is not None:
            url = self.cluster.fresh_url()
        else:
            import psycopg

            self.n += 1
            name = f"mktd_bench_{os.getpid()}_{self.n}"
            with psycopg.connect(f"{self.base_url}/postgres", autocommit=True) as conn:
                conn.execute(f'create database "{name}"')
            url = f"{self.base_url}/{name}"
        from mktdirector.store.postgres.store import PostgresStore

        store = PostgresStore(url)
        store.open()
        store.close()
        return url


def clean_environ() -> dict[str, str]:
    drop = ("MKTD_", "OPENAI_", "TWITTER_", "LINKEDIN_", "HUBSPOT_", "GOOGLE_ANALYTICS_",
            "SENDGRID_", "SALESFORCE_", "MAILCHIMP_", "SLACK_")  # fmt: skip
    return {k: v for k, v in os.environ.items() if not k.startswith(drop)}


def host_env(
    root: Path, name: str, url: str, sandbox_env: dict[str, str], **extra: str
) -> dict[str, str]:
    """The environment of one host: its own home, the shared database, the sandbox."""
    home = root / name
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    env = clean_environ() | sandbox_env
    env.update(
        MKTD_HOME=str(home),
        MKTD_DATABASE_URL=url,
        MKTD_USER=name,
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
        MKTD_MAX_WAIT="5",
        MKTD_TZ="UTC",
        NO_COLOR="1",
        **extra,
    )
    return env


def spawn(env: dict[str, str], *args: str, err: Path) -> subprocess.Popen[bytes]:
    with err.open("ab") as sink:
        return subprocess.Popen([*mktd_command(), *args], env=env, cwd=env["MKTD_HOME"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=sink)  # fmt: skip


def schedule_due(url: str, items: list[tuple[str, list[str]]]) -> list[str]:
    """Approved drafts, scheduled in this order and all due now; returns their ids."""
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand
    from mktdirector.agents.social import schedule
    from mktdirector.store.postgres.store import PostgresStore

    store = PostgresStore(url)
    ids = []
    try:
        for i, (platform, body) in enumerate(items):
            kind = "thread" if len(body) > 1 else "post"
            v = drafts.create_draft(
                store, Brand(), platform=platform, kind=kind, body=body, utm=False
            )
            drafts.approve(store, v.id)
            at = datetime.fromtimestamp(time.time() - 60 + i * 0.01, UTC)
            schedule.schedule(store, v.id, at, tz=UTC)
            ids.append(v.id)
    finally:
        store.close()
    return ids


def statuses(url: str, ids: list[str]) -> dict[str, str]:
    from mktdirector.store.postgres.store import PostgresStore

    store = PostgresStore(url)
    try:
        return {i: store.get_draft(i)["status"] for i in ids}
    finally:
        store.close()


@contextmanager
def sandbox(workdir: Path, faults: str | None = None) -> Iterator[Any]:
    from mktdirector.sandbox import Sandbox

    with Sandbox(port=0, state_dir=workdir / "sandbox", faults=faults, limits=SANDBOX_LIMITS) as sb:
        yield sb


def audit(state: dict[str, Any], items: list[tuple[str, list[str]]]) -> dict[str, int]:
    """From the sandbox: segments posted twice, thread segments out of order."""
    x_posts = [p for p in state["posts"]["x"] if not p["deleted"]]
    li_posts = [p for p in state["posts"]["linkedin"] if not p["deleted"]]
    counts = Counter(p["text"] for p in x_posts + li_posts)
    by_text = {p["text"]: p for p in x_posts}
    disorder = 0
    for platform, body in items:
        if platform == "twitter" and len(body) > 1 and all(t in by_text for t in body):
            replies = [by_text[t]["reply_to"] for t in body]
            disorder += replies != [None, *(by_text[t]["id"] for t in body[:-1])]
    return {
        "duplicates": sum(n - 1 for n in counts.values() if n > 1),
        "thread_disorder": disorder,
        "posted": len(counts),
    }

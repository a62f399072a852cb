"""Worker overhead per due job: claim, draft lease, intent row, result, job end — no network.

Schedules N approved X posts due now in a fresh database (not timed), then times one
`Worker.run_once` publishing them all through the real Publisher against a fake X client that
answers at once. Each create goes through a real `HttpClient` wired to the store (the shared
limiter's state and the audit log, as `Deps.http` wires it) over an in-memory transport, so the
choke point's commits are counted too. What is left is the worker's and the Publisher's own
cost per job (SQLite transactions, Python). Targets: <= 20 ms per job at 1,000 due jobs
(issue 6) and <= 20 KiB written to disk per published job (issue 17; the process's
/proc/self/io write_bytes over the run, Linux only, the final checkpoint's writes included).
Also counted: SQLite commits per job, and how many of them were synced (synchronous=FULL,
an fsync of the WAL) — the exactly-once floor is one, the segment's intent row.
--page-size makes the database with another page size (MKTD_SQLITE_PAGE_SIZE). --content
says what each post says: "Post 17" by default, a full 280-character X post, or a LinkedIn post
of ~1,300 characters (through a fake LinkedIn client): a row that wide spills into overflow
pages at 1 KiB, and every update of it rewrites them.

    .venv/bin/python benchmarks/worker_overhead.py [--jobs 1000] [--page-size N]
        [--content short-x|x|linkedin] [--json] [--check]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

TARGET_MS = 20.0
TARGET_KIB = 20.0


class FakeX:
    """Just enough of a SocialPublisher for the Publisher's XTarget; every create succeeds."""

    name = "twitter"
    label = "X"
    account = None

    def __init__(self, store: Any = None) -> None:
        import httpx

        from mktdirector.core.credentials import Connection
        from mktdirector.core.http import HttpClient
        from mktdirector.core.ratelimit import Limiter

        self.connection = Connection("twitter", access_token="bench-token", source="env")
        self.n = 0
        # publishing reads client.http.clock; the create's bookkeeping is the real one (without
        # a store, as pg_overhead.py makes it: in-memory limits, no audit rows).
        wired: dict[str, Any] = {}
        if store is not None:
            wired = {"limiter": Limiter(store), "audit": store.record_exchange}
        self.http = HttpClient(
            "twitter", "http://x.bench", **wired,
            transport=httpx.MockTransport(lambda request: httpx.Response(201, json={})),
        )  # fmt: skip

    def config(self, key: str) -> Any:
        return None

    def require_connection(self) -> Any:
        return self.connection

    def create_post(self, text: str, *, reply_to: str | None = None, media_ids: Any = None) -> Any:
        from mktdirector.integrations.social import RemotePost

        self.http.request("POST", "/2/tweets", json={"text": text})
        self.n += 1
        post_id = str(1_900_000_000_000_000_000 + self.n)
        return RemotePost(post_id, f"https://x.com/i/web/status/{post_id}", text, None, "twitter")

    def upload_image(self, image: Any) -> str:
        raise AssertionError("the benchmark's posts have no image")

    def recent_posts(self, **kw: Any) -> list[Any]:
        return []

    def refresh(self) -> bool:
        return False

    def close(self) -> None:
        pass


class FakeLinkedIn(FakeX):
    """The same for the Publisher's LinkedInTarget: a member's post, every create succeeds."""

    name = "linkedin"
    label = "LinkedIn"

    def author_urn(self) -> str:
        return "urn:li:person:bench"

    def create_post(self, text: str, *, author: str | None = None, image_urn: Any = None) -> Any:
        from mktdirector.integrations.social import RemotePost

        self.http.request("POST", "/rest/posts", json={"commentary": text, "author": author})
        self.n += 1
        urn = f"urn:li:share:{7_000_000_000_000_000_000 + self.n}"
        return RemotePost(urn, f"https://www.linkedin.com/feed/update/{urn}/", text, None,
                          "linkedin")  # fmt: skip


# What the published posts say: the default is a short X post ("Post 17"); --content gives each
# job a body of a real post's length, as wide as the rows a user's database holds.
CONTENT = {"short-x": ("twitter", 0), "x": ("twitter", 280), "linkedin": ("linkedin", 1300)}


def fake_for(content: str, store: Any) -> FakeX:
    return FakeLinkedIn(store) if CONTENT[content][0] == "linkedin" else FakeX(store)


def written_bytes() -> int | None:
    """Bytes this process caused to be written to storage so far (Linux), else None."""
    try:
        with open("/proc/self/io") as f:
            fields = dict(line.split(": ") for line in f.read().splitlines())
        return int(fields["write_bytes"])
    except (OSError, KeyError, ValueError):
        return None


def setup(store: Any, jobs: int, content: str = "short-x") -> None:
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand
    from mktdirector.agents.social import schedule

    platform, chars = CONTENT[content]
    due = datetime.fromtimestamp(time.time() - 60, UTC)
    for i in range(jobs):
        text = f"Post {i}"
        if chars:  # words, so the text rules see prose; each body unique (no duplicate refusal)
            text = (text + " " + "Growth notes from our team this week. " * 80)[:chars]
        v = drafts.create_draft(
            store, Brand(), platform=platform, kind="post", body=[text], utm=False
        )
        drafts.approve(store, v.id)
        schedule.schedule(store, v.id, due, tz=UTC)


@contextlib.contextmanager
def fresh_store(page_size: int | None = None) -> Iterator[Any]:
    """A Store on a new database in a throwaway MKTD_HOME (with MKTD_SQLITE_PAGE_SIZE when
    given): the worker benchmarks' common start. The caller closes it."""
    with tempfile.TemporaryDirectory(prefix="mktd-bench-") as tmp:
        os.environ["MKTD_HOME"] = str(Path(tmp) / "home")
        if page_size:
            os.environ["MKTD_SQLITE_PAGE_SIZE"] = str(page_size)
        from mktdirector.core.paths import db_path
        from mktdirector.store import Store

        yield Store(db_path())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="due publish jobs (default 1000)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {TARGET_MS} ms/job")
    parser.add_argument("--page-size", type=int, help="the new database's page size (bytes)")
    parser.add_argument("--content", choices=CONTENT, default="short-x",
                        help="what each post says: short-x (default), x (280 characters), "
                        "linkedin (1,300)")  # fmt: skip
    args = parser.parse_args()
    with fresh_store(args.page_size) as store:
        from mktdirector.agents.worker.context import Settings
        from mktdirector.agents.worker.loop import Worker

        started = time.perf_counter()
        setup(store, args.jobs, args.content)
        setup_s = time.perf_counter() - started
        store.db.execute("pragma wal_checkpoint(truncate)")  # setup's pages are not the run's
        client = fake_for(args.content, store)
        worker = Worker(store, lambda platform, account: cast(Any, client), settings=Settings())
        commits = synced = 0
        full = True  # the store's connections run synchronous=FULL unless a commit relaxes it

        def count(sql: str) -> None:
            nonlocal commits, synced, full
            head = sql.strip().upper()
            if head.startswith("PRAGMA SYNCHRONOUS="):
                full = head.endswith("FULL")
            elif head.startswith("COMMIT"):
                commits += 1
                synced += full

        store.db.conn.set_trace_callback(count)
        before = written_bytes()
        started = time.perf_counter()
        outcomes = worker.run_once()
        elapsed = time.perf_counter() - started
        store.db.conn.set_trace_callback(None)
        # What the run left in the WAL reaches the database file at a checkpoint: count it.
        store.db.execute("pragma wal_checkpoint(truncate)")
        after = written_bytes()
        audited = store.db.execute("select count(*) from http_calls").fetchone()[0]
        page_size = store.db.execute("pragma page_size").fetchone()[0]
        published = sum(1 for o in outcomes if o.kind == "publish" and o.status == "done")
        store.close()
    if published != args.jobs or client.n != args.jobs or audited != args.jobs:
        sys.exit(f"expected {args.jobs} publishes, got {published} ({client.n} creates)")
    per_job_ms = elapsed * 1000 / args.jobs
    kib = None if before is None or after is None else (after - before) / 1024 / args.jobs
    result = {
        "jobs": args.jobs,
        "total_s": round(elapsed, 3),
        "per_job_ms": round(per_job_ms, 2),
        "target_ms": TARGET_MS,
        "setup_s": round(setup_s, 2),
        "written_kib_per_job": None if kib is None else round(kib, 1),
        "target_kib": TARGET_KIB,
        "target_met": per_job_ms <= TARGET_MS and (kib is None or kib <= TARGET_KIB),
        "commits_per_job": round(commits / args.jobs, 2),  # empty ones (a reserve) included
        "synced_commits_per_job": round(synced / args.jobs, 2),
        "page_size": page_size,
        "content": args.content,
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.jobs} due jobs published in {elapsed:.2f} s (setup {setup_s:.1f} s, untimed)")
        print(f"worker overhead per job: {per_job_ms:.2f} ms (target <= {TARGET_MS:g} ms)")
        if kib is not None:
            print(f"written to disk per job: {kib:.1f} KiB (target <= {TARGET_KIB:g} KiB)")
        print(f"SQLite commits per job: {result['commits_per_job']:g}, synced (FULL): "
              f"{result['synced_commits_per_job']:g}; page size {page_size} B")  # fmt: skip
    return 1 if args.check and per_job_ms > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())

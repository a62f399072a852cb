"""Worker overhead per due job: claim, draft lease, intent row, result, job end — no network.

Schedules N approved X posts due now in a fresh database (not timed), then times one
`Worker.run_once` publishing them all through the real Publisher against a fake X client that
answers at once. What is left is the worker's and the Publisher's own cost per job (SQLite
transactions, Python). Target (issue 6): <= 20 ms per job at 1,000 due jobs.

    .venv/bin/python benchmarks/worker_overhead.py [--jobs 1000] [--json] [--check]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

TARGET_MS = 20.0


class FakeX:
    """Just enough of a SocialPublisher for the Publisher's XTarget; every create succeeds."""

    name = "twitter"
    label = "X"
    account = None

    def __init__(self) -> None:
        from mktdirector.core.credentials import Connection

        self.connection = Connection("twitter", access_token="bench-token", source="env")
        self.n = 0

    def config(self, key: str) -> Any:
        return None

    def require_connection(self) -> Any:
        return self.connection

    def create_post(self, text: str, *, reply_to: str | None = None, media_ids: Any = None) -> Any:
        from mktdirector.integrations.social import RemotePost

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


def setup(store: Any, jobs: int) -> None:
    from mktdirector.agents.content import drafts
    from mktdirector.agents.content.brand import Brand
    from mktdirector.agents.social import schedule

    due = datetime.fromtimestamp(time.time() - 60, UTC)
    for i in range(jobs):
        v = drafts.create_draft(
            store, Brand(), platform="twitter", kind="post", body=[f"Post {i}"], utm=False
        )
        drafts.approve(store, v.id)
        schedule.schedule(store, v.id, due, tz=UTC)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1000, help="due publish jobs (default 1000)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--check", action="store_true", help=f"exit 1 if over {TARGET_MS} ms/job")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mktd-bench-") as tmp:
        os.environ["MKTD_HOME"] = str(Path(tmp) / "home")
        from mktdirector.agents.worker.context import Settings
        from mktdirector.agents.worker.loop import Worker
        from mktdirector.core.paths import db_path
        from mktdirector.store import Store

        store = Store(db_path())
        started = time.perf_counter()
        setup(store, args.jobs)
        setup_s = time.perf_counter() - started
        client = FakeX()
        worker = Worker(store, lambda platform, account: cast(Any, client), settings=Settings())
        started = time.perf_counter()
        outcomes = worker.run_once()
        elapsed = time.perf_counter() - started
        published = sum(1 for o in outcomes if o.kind == "publish" and o.status == "done")
        store.close()
    if published != args.jobs or client.n != args.jobs:
        sys.exit(f"expected {args.jobs} publishes, got {published} ({client.n} creates)")
    per_job_ms = elapsed * 1000 / args.jobs
    result = {
        "jobs": args.jobs,
        "total_s": round(elapsed, 3),
        "per_job_ms": round(per_job_ms, 2),
        "target_ms": TARGET_MS,
        "setup_s": round(setup_s, 2),
    }
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{args.jobs} due jobs published in {elapsed:.2f} s (setup {setup_s:.1f} s, untimed)")
        print(f"worker overhead per job: {per_job_ms:.2f} ms (target <= {TARGET_MS:g} ms)")
    return 1 if args.check and per_job_ms > TARGET_MS else 0


if __name__ == "__main__":
    sys.exit(main())

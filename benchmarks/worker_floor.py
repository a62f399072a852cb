"""Experiment (not in run_all, not product code): how low can the worker's bytes per job go?

Evidence for issue 17 item 2b's "<= 20 KiB written per published job". Runs the same due X
posts as worker_overhead.py (real Worker, real Publisher, the fake X behind a real HttpClient
wired to the store) in two ways, each on a fresh database, alternated round by round:

- `as-is`: the worker as it ships (claim, lease, intent, reserve, audit and outcome commits);
- `one-commit`: every write of a job in ONE synced transaction (an outer BEGIN IMMEDIATE
  around the claim and the whole job, which every store write joins). This gives up
  exactly-once (the intent row would reach the disk with the outcome, after the create was
  sent): it is not a design, only the floor of this schema, where each B-tree the job changes
  is written once per job.

Bytes are /proc/self/io write_bytes over the run with the final checkpoint, as
worker_overhead.py counts them. `--wal`: no checkpoint during the run, and the WAL's frames per
job are printed too (the pages each job's commits wrote; write_bytes then has no checkpoint).

    .venv/bin/python benchmarks/worker_floor.py [--jobs 500] [--rounds 2] [--page-sizes 1024,512]
        [--wal]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_overhead import FakeX, fresh_store, setup, written_bytes  # noqa: E402


def run(mode: str, jobs: int, page_size: int, *, wal: bool = False) -> dict[str, Any]:
    from mktdirector.agents.worker.context import Settings
    from mktdirector.agents.worker.loop import Worker
    from mktdirector.core.paths import db_path
    from mktdirector.store.sqlite.db import FULL, immediate

    with fresh_store(page_size) as store:
        setup(store, jobs)
        store.db.execute("pragma wal_checkpoint(truncate)")
        if wal:
            store.db.execute("pragma wal_autocheckpoint=0")
        client = FakeX(store)
        worker = Worker(store, lambda platform, account: cast(Any, client), settings=Settings())
        commits = 0

        def count(sql: str) -> None:
            nonlocal commits
            commits += sql.strip().upper().startswith("COMMIT")

        store.db.conn.set_trace_callback(count)
        before = written_bytes()
        started = time.perf_counter()
        if mode == "as-is":
            outcomes = worker.run_once()
        else:
            outcomes = []
            start = worker.clock()
            while True:
                with immediate(store.db, durability=FULL):  # every write of the job joins it
                    now = worker.clock()
                    job = store.claim_job(
                        worker.owner, now=now, now_iso=worker.iso(now),
                        due_before=worker.iso(start), lease_s=60.0,
                    )  # fmt: skip
                    if job is None:
                        break
                    outcomes.append(worker.run_job(job))
            worker.beat(force=True)
        elapsed = time.perf_counter() - started
        store.db.conn.set_trace_callback(None)
        frames = None
        if wal:
            after = written_bytes()
            wal_bytes = Path(str(db_path()) + "-wal").stat().st_size
            frames = (wal_bytes - 32) / (24 + page_size)
        else:
            store.db.execute("pragma wal_checkpoint(truncate)")
            after = written_bytes()
        store.close()
    done = sum(1 for o in outcomes if o.kind == "publish" and o.status == "done")
    if done != jobs or client.n != jobs:
        sys.exit(f"{mode}: expected {jobs} publishes, got {done} ({client.n} creates)")
    return {
        "mode": mode,
        "page_size": page_size,
        "written_kib_per_job": round((after - before) / 1024 / jobs, 1) if before else None,
        "commits_per_job": round(commits / jobs, 2),
        "ms_per_job": round(elapsed * 1000 / jobs, 2),
        "wal_frames_per_job": None if frames is None else round(frames / jobs, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--page-sizes", default="1024,512")
    parser.add_argument("--wal", action="store_true", help="no checkpoint; WAL frames per job")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results = []
    for _ in range(args.rounds):
        for size in (int(s) for s in args.page_sizes.split(",")):
            for mode in ("as-is", "one-commit"):
                r = run(mode, args.jobs, size, wal=args.wal)
                r["load"] = os.getloadavg()[0]
                results.append(r)
                if not args.json:
                    print(
                        f"{mode:10s} {size:5d} B pages: {r['written_kib_per_job']} KiB per job, "
                        f"{r['commits_per_job']:g} commits per job, {r['ms_per_job']:g} ms per "
                        f"job (load {r['load']:.2f})"
                        + (f"; {r['wal_frames_per_job']:g} WAL frames per job" if args.wal else ""),
                        flush=True,
                    )
    if args.json:
        print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())

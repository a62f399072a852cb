"""Where the worker's bytes go: WAL frames per published job, by B-tree and by commit kind.

The companion of worker_overhead.py (same fresh database, same due X posts, same fake X client
behind a real HttpClient wired to the store), with no goal of its own: it explains that
benchmark's "written to disk per job". SQLite in WAL mode appends every page a commit changed to
the WAL as one frame (24 bytes of header + one page); a page changed by two commits is written
twice. With automatic checkpoints off for the run, the WAL holds every frame the run wrote, in
order, so each frame is read back and named:

- by B-tree: the table or index that owns the page, read from SQLite's `dbstat` after every
  job (--every N: every N jobs) during the run, outside the trace: a B-tree that shrinks
  frees pages that a growing one takes, so each frame is named by its page's owner at the
  first look after it was written (a page freed and reused within one job is misnamed);
- by commit kind: the store method that opened the transaction (read from the Python stack
  when BEGIN is traced): claim (`claim_job`), lease (`claim_draft`, `renew_lease`), intent
  (`write_intent`), reserve (the rate limiter's read-modify-write before a send), audit (the
  choke point's answer: rate state and the `http_calls` row), outcome (`outcome_batch`: the
  attempt, the post's id, the draft's and the job's end), heartbeat, other.

write_bytes (from /proc/self/io) is about the WAL's bytes plus one 4 KiB OS page per fsync (the
WAL's last, partly written page is written again) plus the checkpoint; worker_overhead.py
counts the checkpoint too, this one does not run it.

    .venv/bin/python benchmarks/worker_wal.py [--jobs 300] [--page-size N] [--json]
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, cast

sys.path.insert(0, str(Path(__file__).resolve().parent))

from worker_overhead import CONTENT, fake_for, fresh_store, setup, written_bytes  # noqa: E402

WAL_HEADER, FRAME_HEADER = 32, 24
PAGE_1 = "page 1 (sqlite_schema; the file's size)"
# The store method that opens a transaction -> the commit's kind (the innermost one on the stack
# wins: the choke point's `batch` holds `transact` and `record_exchange` inside one commit).
KINDS = {
    "claim_job": "claim",
    "claim_draft": "lease",
    "renew_lease": "lease",
    "renew_job_lease": "lease",
    "write_intent": "intent",
    "transact": "reserve",
    "batch": "audit",
    "merge": "audit",
    "record_exchange": "audit",
    "outcome_batch": "outcome",
    "finish_job": "outcome",
    "heartbeat": "heartbeat",
    "prune_workers": "heartbeat",
    "ensure_job": "heartbeat",
}
ORDER = ["claim", "lease", "intent", "reserve", "audit", "outcome", "heartbeat", "other"]


def opener_kind() -> str:
    """The kind of the transaction being begun: the outermost store method on the stack that
    opens one (an inner `immediate()` joins the outer transaction)."""
    frame = sys._getframe(2)
    kind = "other"
    while frame is not None:
        found = KINDS.get(frame.f_code.co_name)
        if found is not None and "mktdirector/store" in frame.f_code.co_filename.replace("\\", "/"):
            kind = found
        frame = frame.f_back  # type: ignore[assignment]
    return kind


class Tracer:
    """Statements as the store's connection runs them, each with the WAL's size before it."""

    def __init__(self, wal: Path) -> None:
        self.wal = wal
        self.events: list[tuple[int, str, str]] = []  # (WAL bytes before, statement, kind)

    def __call__(self, sql: str) -> None:
        head = sql.lstrip()[:20].upper()
        kind = opener_kind() if head.startswith("BEGIN") else ""
        self.events.append((self.wal.stat().st_size, head, kind))


def read_frames(wal: bytes) -> tuple[int, list[tuple[int, bool]]]:
    """The WAL's page size and its frames in order: (page number, ends a commit)."""
    page_size = struct.unpack(">I", wal[8:12])[0]
    frames, off = [], WAL_HEADER
    while off + FRAME_HEADER <= len(wal):
        page, size_after_commit = struct.unpack(">II", wal[off : off + 8])
        frames.append((page, size_after_commit != 0))
        off += FRAME_HEADER + page_size
    return page_size, frames


def page_owners(store: Any) -> dict[int, str]:
    return dict(store.db.execute("select pageno, name from dbstat").fetchall())


def attribute(
    events: list[tuple[int, str, str]], end_size: int, page_size: int
) -> list[tuple[int, int, str, bool]]:
    """Each transaction that wrote frames: (first frame, frame count, kind, synced).

    Frames appended between one traced statement and the next belong to the transaction open
    at the first (its COMMIT, or a spill of its cache). `synchronous` is read from the trace.
    """
    frame_bytes = FRAME_HEADER + page_size
    out: list[tuple[int, int, str, bool]] = []
    kind, full = "other", True
    for i, (before, head, begun) in enumerate(events):
        if head.startswith("PRAGMA SYNCHRONOUS="):
            full = head.rstrip(";").endswith("FULL")
        if begun:
            kind = begun
        after = events[i + 1][0] if i + 1 < len(events) else end_size
        if after > before:
            first = (max(before, WAL_HEADER) - WAL_HEADER) // frame_bytes
            count = (after - max(before, WAL_HEADER)) // frame_bytes
            out.append((first, count, kind, full and head.startswith("COMMIT")))
        if head.startswith(("COMMIT", "ROLLBACK")):
            kind = "other"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=300, help="due publish jobs (default 300)")
    parser.add_argument("--page-size", type=int, help="the new database's page size (bytes)")
    parser.add_argument("--every", type=int, default=1, help="jobs between looks at the pages")
    parser.add_argument("--content", choices=CONTENT, default="short-x",
                        help="what each post says (worker_overhead.py --content)")  # fmt: skip
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args()
    with fresh_store(args.page_size) as store:
        from mktdirector.agents.worker.context import Settings
        from mktdirector.agents.worker.loop import Worker
        from mktdirector.core.paths import db_path

        setup(store, args.jobs, args.content)
        store.db.execute("pragma wal_checkpoint(truncate)")  # setup's pages are not the run's
        store.db.execute("pragma wal_autocheckpoint=0")  # every frame of the run stays readable
        wal_path = Path(str(db_path()) + "-wal")
        client = fake_for(args.content, store)
        worker = Worker(store, lambda platform, account: cast(Any, client), settings=Settings())
        tracer = Tracer(wal_path)
        looks: list[tuple[int, dict[int, str]]] = []  # (WAL bytes then, page -> owner)
        done = [0]

        def look(_outcome: Any) -> None:
            done[0] += 1
            if done[0] % args.every == 0:
                store.db.conn.set_trace_callback(None)  # dbstat's reads are not the worker's
                looks.append((wal_path.stat().st_size, page_owners(store)))
                store.db.conn.set_trace_callback(tracer)

        store.db.conn.set_trace_callback(tracer)
        before = written_bytes()
        outcomes = worker.run_once(on_outcome=look)
        after = written_bytes()
        store.db.conn.set_trace_callback(None)
        wal = wal_path.read_bytes()
        looks.append((len(wal), page_owners(store)))
        store.close()
    published = sum(1 for o in outcomes if o.kind == "publish" and o.status == "done")
    if published != args.jobs:
        sys.exit(f"expected {args.jobs} publishes, got {published}")
    page_size, frames = read_frames(wal)
    jobs = args.jobs

    frame_bytes = FRAME_HEADER + page_size
    owner_of: list[str] = []  # each frame's B-tree, at the first look after it was written
    at = 0
    for i, (page, _) in enumerate(frames):
        while looks[at][0] < WAL_HEADER + (i + 1) * frame_bytes:
            at += 1
        owner_of.append(PAGE_1 if page == 1 else looks[at][1].get(page, "free"))
    by_btree = Counter(owner_of)
    kinds: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"commits": 0, "synced": 0, "frames": 0, "btrees": Counter()}
    )
    for first, count, kind, synced in attribute(tracer.events, len(wal), page_size):
        k = kinds[kind]
        k["frames"] += count
        for i in range(first, first + count):
            ends = frames[i][1]
            k["btrees"][owner_of[i]] += 1
            k["commits"] += ends
            k["synced"] += ends and synced
    commits = Counter(kind for _, head, kind in tracer.events if kind)
    result = {
        "jobs": jobs,
        "page_size": page_size,
        "frames_per_job": round(len(frames) / jobs, 2),
        "wal_kib_per_job": round(len(wal) / 1024 / jobs, 2),
        "written_kib_per_job": None
        if before is None or after is None
        else round((after - before) / 1024 / jobs, 2),
        "commits_per_job": round(sum(commits.values()) / jobs, 2),
        "looks_at_the_pages": len(looks),
        "by_btree": {n: round(c / jobs, 2) for n, c in by_btree.most_common()},
        "by_kind": {
            kind: {
                "commits_per_job": round(commits[kind] / jobs, 2),
                "commits_with_frames_per_job": round(kinds[kind]["commits"] / jobs, 2),
                "frames_per_job": round(kinds[kind]["frames"] / jobs, 2),
                "by_btree": {n: round(c / jobs, 2) for n, c in kinds[kind]["btrees"].most_common()},
            }
            for kind in ORDER
            if commits[kind] or kinds[kind]["frames"]
        },
    }
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"{jobs} published jobs, {page_size} B pages: {result['frames_per_job']:g} WAL frames "
        f"per job = {result['wal_kib_per_job']:g} KiB of WAL; write_bytes "
        f"{result['written_kib_per_job']} KiB per job (no checkpoint); "
        f"{result['commits_per_job']:g} commits per job"
    )
    print(f"\nframes per job by B-tree (owners read {len(looks)} times during the run):")
    for n, c in result["by_btree"].items():
        if c >= 0.005:
            print(f"  {c:6.2f}  {n}")
    print("\nby commit kind: commits (with frames) and frames per job, then its B-trees")
    for kind, k in result["by_kind"].items():
        named = [f"{n} {c:g}" for n, c in k["by_btree"].items() if c >= 0.05]
        rest = sum(c for c in k["by_btree"].values() if c < 0.05)
        if rest:
            named.append(f"others {rest:.2f}")
        print(
            f"  {kind:9s} {k['commits_per_job']:5.2f} ({k['commits_with_frames_per_job']:4.2f}) "
            f"{k['frames_per_job']:6.2f}  " + ", ".join(named)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

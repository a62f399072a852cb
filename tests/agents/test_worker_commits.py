"""Issue 17 item 2b: the commits of one published job, counted, with the durability of each.

Commits are read on the store's own connection (`set_trace_callback`); a commit's durability is
SQLite's `synchronous` in force when it ran (FULL fsyncs the WAL, and with it every commit
before it, before COMMIT returns). The fake X client writes "SEND" into the same trace when its
create leaves, so the order of "intent on disk" and "sent" is read, not assumed.
"""

from __future__ import annotations

import re
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.agents.social.publishing import publish_draft
from mktdirector.agents.worker.context import Settings
from mktdirector.agents.worker.loop import Worker
from mktdirector.core.http import HttpClient
from mktdirector.core.leases import owner_id
from mktdirector.integrations.social import RemotePost
from mktdirector.store import Store
from mktdirector.store.rows import AttemptOutcome, PostStatus
from mktdirector.store.sqlite.db import FULL, RELAXED, immediate

SEND = "SEND"
_WRITE = re.compile(r'^(?:insert into|update)\s+"?(\w+)', re.IGNORECASE)


class FakeX:
    """Just enough of X for the Publisher: every create succeeds and is marked in the trace."""

    name = "twitter"
    label = "X"
    account = None
    connection = None

    def __init__(self, trace: list[str]) -> None:
        self.trace = trace
        self.http = HttpClient("twitter", "http://x.test")  # the Publisher reads its clock
        self.sent: list[str] = []

    def config(self, key: str) -> Any:
        return None

    def require_connection(self) -> None:
        return None

    def create_post(self, text: str, *, reply_to: str | None = None, media_ids: Any = None) -> Any:
        self.trace.append(SEND)
        self.sent.append(text)
        post_id = str(1_900_000_000_000_000_000 + len(self.sent))
        return RemotePost(post_id, f"https://x.com/i/web/status/{post_id}", text, None, "twitter")

    def upload_image(self, image: Any) -> str:
        raise AssertionError("these posts have no image")

    def recent_posts(self, **kw: Any) -> list[Any]:
        return [
            RemotePost(str(1_900_000_000_000_000_001 + i), "https://x.com/i", text, None, "twitter")
            for i, text in enumerate(self.sent)
        ]

    def close(self) -> None:
        pass


def traced(store: Store) -> list[str]:
    seen: list[str] = []
    store.db.conn.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))
    return seen


def transactions(seen: list[str]) -> list[tuple[str, ...]]:
    """Each committed transaction that wrote: (its synchronous, the tables it wrote), and SENDs."""
    out: list[tuple[str, ...]] = []
    level, writes = FULL, None
    for s in seen:
        upper = s.upper()
        if s == SEND:
            out.append((SEND,))
        elif upper.startswith("PRAGMA SYNCHRONOUS="):
            level = s.split("=", 1)[1]
        elif upper.startswith("BEGIN"):
            writes = set()
        elif upper == "COMMIT":
            if writes:
                out.append((level, *sorted(writes)))
            writes = None
        elif writes is not None and (m := _WRITE.match(s)):
            writes.add(m.group(1).lower())
    return out


def due_draft(store: Store, body: list[str]) -> str:
    kind = "thread" if len(body) > 1 else "post"
    v = drafts.create_draft(store, Brand(), platform="twitter", kind=kind, body=body, utm=False)
    drafts.approve(store, v.id)
    schedule.schedule(store, v.id, datetime.fromtimestamp(time.time() - 60, UTC), tz=UTC)
    return v.id


def run_one_job(store: Store, client: FakeX) -> Any:
    worker = Worker(store, lambda platform, account: cast(Any, client), settings=Settings())
    now = time.time()
    job = store.claim_job(
        worker.owner, now=now, now_iso=worker.iso(now), due_before=worker.iso(now), lease_s=60.0
    )
    assert job is not None and job["kind"] == "publish"
    return worker.run_job(job)


N, F = RELAXED, FULL  # as the trace names them


def test_a_published_job_is_four_commits_and_only_the_intent_is_synced_before_the_send(file_store):
    did = due_draft(file_store, ["One post"])
    seen = traced(file_store)
    client = FakeX(seen)
    outcome = run_one_job(file_store, client)
    file_store.db.conn.set_trace_callback(None)
    assert outcome.status == "done", outcome.message
    assert client.sent == ["One post"]
    assert transactions(seen) == [
        (N, "jobs"),  # the job's lease
        (N, "drafts"),  # the draft's lease (no separate renewal: the claim just set it)
        (F, "posts"),  # the intent row, on disk (and the two leases with it) ...
        (SEND,),  # ... before the create leaves
        (N, "drafts", "jobs", "posts", "publish_attempts"),  # the answer, the draft's and job's end
    ]
    assert file_store.get_draft(did)["status"] == "published"
    assert file_store.get_job(outcome.job_id)["status"] == "done"
    assert [a["outcome"] for a in file_store.attempts(did)] == [AttemptOutcome.CREATED]


def test_a_thread_syncs_each_intent_before_its_send_and_ends_in_one_commit(file_store):
    did = due_draft(file_store, ["First part.", "Second part.", "Third part."])
    seen = traced(file_store)
    client = FakeX(seen)
    run_one_job(file_store, client)
    file_store.db.conn.set_trace_callback(None)
    segment = [(F, "posts"), (SEND,), (N, "posts", "publish_attempts")]
    assert transactions(seen) == [
        (N, "jobs"),
        (N, "drafts"),
        *segment,
        (N, "drafts"),  # the lease renewed before the second post
        *segment,
        (N, "drafts"),
        (F, "posts"),
        (SEND,),
        (N, "drafts", "jobs", "posts", "publish_attempts"),
    ]
    assert [p["status"] for p in file_store.draft_posts(did)] == [PostStatus.PUBLISHED] * 3


def test_publishing_outside_the_worker_syncs_its_outcome(file_store):
    """`mktd publish` has no later FULL commit to lean on: its answer is on disk when it returns."""
    did = due_draft(file_store, ["Now"])
    seen = traced(file_store)
    result = publish_draft(file_store, cast(Any, FakeX(seen)), did)
    file_store.db.conn.set_trace_callback(None)
    assert result.status == "published"
    assert transactions(seen)[-1] == (F, "drafts", "posts", "publish_attempts")


def test_an_outcome_batch_that_fails_writes_nothing(file_store):
    """The attempt row is plain SQL now: sqlite-utils' insert committed on its own, which let
    half of a batch reach the disk."""
    did = due_draft(file_store, ["Half"])
    pid = file_store.write_intent(
        did, 0, platform="twitter", account=None, text="Half", reply_to=None
    )
    with pytest.raises(RuntimeError), file_store.outcome_batch(durable=False):
        file_store.record_attempt(did, 0, AttemptOutcome.CREATED, detail="190")
        file_store.mark_post(pid, PostStatus.PUBLISHED, remote_id="190")
        raise RuntimeError("disk full, say")
    assert file_store.attempts(did) == []
    assert [p["status"] for p in file_store.draft_posts(did)] == [PostStatus.INTENT]
    assert not file_store.db.conn.in_transaction


def test_an_intent_cannot_hide_in_a_relaxed_batch(file_store):
    did = due_draft(file_store, ["Never relaxed"])
    with pytest.raises(RuntimeError, match="FULL"), file_store.outcome_batch(durable=False):
        file_store.write_intent(did, 0, platform="twitter", account=None, text="x", reply_to=None)
    assert file_store.draft_posts(did) == []


def test_ledger_writes_alone_stay_full(file_store):
    did = due_draft(file_store, ["Alone"])
    seen = traced(file_store)
    file_store.record_attempt(did, 0, AttemptOutcome.NOT_FOUND)
    with immediate(file_store.db, durability=RELAXED):
        file_store.record_attempt(did, 0, AttemptOutcome.NOT_FOUND)  # joins, relaxed
    file_store.db.conn.set_trace_callback(None)
    assert transactions(seen) == [(F, "publish_attempts"), (N, "publish_attempts")]


def test_a_worker_run_ends_with_a_full_commit_after_its_last_relaxed_outcome(file_store):
    """The relaxed outcome leans on a later FULL commit: the run's last heartbeat is one."""
    due_draft(file_store, ["Last of the run"])
    seen = traced(file_store)
    client = FakeX(seen)
    worker = Worker(file_store, lambda platform, account: cast(Any, client), settings=Settings())
    outcomes = worker.run_once()
    file_store.db.conn.set_trace_callback(None)
    assert [o.status for o in outcomes if o.kind == "publish"] == ["done"]
    txs = transactions(seen)
    outcome = max(i for i, t in enumerate(txs) if "publish_attempts" in t)
    assert txs[outcome][0] == N
    assert txs[-1] == (F, "workers")  # the heartbeat, synced: the outcome is on disk with it


def test_a_power_cut_after_the_intent_loses_the_outcome_and_the_next_run_posts_nothing_twice(
    store, tmp_path
):
    """The worst a power cut can do to the relaxed commits: keep the files as of the intent's
    fsync (the create already sent) and lose every commit after it. The next worker run settles
    the segment by reading X back, publishes nothing again, and ends the draft and the job."""
    did = due_draft(store, ["Cut after sending"])
    path = str(store.path)
    kept = tmp_path / "on-disk-at-the-send"
    kept.mkdir()

    class CutAfterSend(FakeX):
        def create_post(self, text: str, **kw: Any) -> Any:
            # Nothing is written between the intent's commit and the create: this is the disk.
            for suffix in ("", "-wal"):
                shutil.copy(path + suffix, kept / f"mktd.db{suffix}")
            return super().create_post(text, **kw)

    client = CutAfterSend([])
    parts = owner_id().split(":")
    parts[1] = str(2**22 + 1)  # above any pid_max: a worker of this host that no longer runs
    first = Worker(store, lambda p, a: cast(Any, client), owner=":".join(parts))
    assert [o.status for o in first.run_once() if o.kind == "publish"] == ["done"]
    store.close()
    for suffix in ("", "-wal"):
        shutil.copy(kept / f"mktd.db{suffix}", path + suffix)
    Path(path + "-shm").unlink(missing_ok=True)  # shared memory: rebuilt from the WAL
    after = Store(path)
    try:
        assert [p["status"] for p in after.draft_posts(did)] == [PostStatus.INTENT]
        assert after.get_draft(did)["status"] == "publishing"
        second = Worker(after, lambda p, a: cast(Any, client))
        assert [o.status for o in second.run_once() if o.kind == "publish"] == ["done"]
        assert client.sent == ["Cut after sending"]  # read back, not sent again
        posts = after.draft_posts(did)
        assert [(p["status"], p["remote_id"]) for p in posts] == [
            (PostStatus.PUBLISHED, "1900000000000000001")
        ]
        assert after.get_draft(did)["status"] == "published"
        assert [a["outcome"] for a in after.attempts(did)] == [AttemptOutcome.RECONCILED]
    finally:
        after.close()

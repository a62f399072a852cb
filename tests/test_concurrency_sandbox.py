"""Two looping workers and CLI publishes on one database, against one sandbox.

Ten scheduled drafts (X posts, 5-part X threads, LinkedIn posts) are due at once; two
`mktd worker --interval 1` processes and two `mktd publish ID` commands (one thread, one LinkedIn
post, both also queued for the workers) start together. The sandbox holds each create open
before and after doing it, so the processes overlap on the same drafts. Asserted from the
sandbox's state: every segment exists exactly once, no create was ever sent twice (not even one
the platform refused as a duplicate), threads are in order; from the processes: exit codes, and
no "database is locked" (or any traceback) in their stderr or in mktd's log file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mktdirector.agents.content import drafts
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.social import schedule
from mktdirector.sandbox import Sandbox

pytestmark = pytest.mark.slow
FAULTS = (
    "x.create:delay=0.1,x.create:delay-after=0.1,"
    "linkedin.create:delay=0.1,linkedin.create:delay-after=0.1"
)


def thread(n: int) -> list[str]:
    return [f"Concurrency thread {n}, part {i + 1} of 5. {i + 1}/5" for i in range(5)]


# (platform, body): 5 X posts, 3 X threads, 2 LinkedIn posts.
ITEMS: list[tuple[str, list[str]]] = [
    ("twitter", ["Concurrency post 0: one database, many processes."]),
    ("twitter", thread(1)),
    ("linkedin", ["Concurrency LinkedIn post 2: scheduled, and raced."]),
    ("twitter", ["Concurrency post 3: leased, then published."]),
    ("twitter", thread(4)),
    ("twitter", ["Concurrency post 5: never twice."]),
    ("linkedin", ["Concurrency LinkedIn post 6: published by the CLI or a worker."]),
    ("twitter", ["Concurrency post 7: exactly once."]),
    ("twitter", thread(8)),
    ("twitter", ["Concurrency post 9: the last one due."]),
]
CLI_TARGETS = (4, 6)  # mid-queue: the workers reach them about when the CLI does


def schedule_all(store: Any) -> list[str]:
    """Approved and scheduled, all due (30 s ago, in this order); the processes own the DB after."""
    ids = []
    for i, (platform, body) in enumerate(ITEMS):
        kind = "thread" if len(body) > 1 else "post"
        v = drafts.create_draft(store, Brand(), platform=platform, kind=kind, body=body, utm=False)
        drafts.approve(store, v.id)
        schedule.schedule(store, v.id, datetime.fromtimestamp(time.time() - 30 + i, UTC), tz=UTC)
        ids.append(v.id)
    store.close()
    return ids


def statuses(store: Any, ids: list[str]) -> dict[str, str]:
    try:
        return {i: store.get_draft(i)["status"] for i in ids}
    finally:
        store.close()  # never hold the database between looks


def test_two_workers_and_cli_publishes_never_double_post(
    store: Any, home: Path, tmp_path: Path
) -> None:
    ids = schedule_all(store)
    with Sandbox(port=0, state_dir=tmp_path / "sbx", faults=FAULTS) as sb:
        env = dict(os.environ)  # MKTD_HOME from the autouse fixture, nothing else of mktd's
        env.update(sb.env())
        env.update(PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", MKTD_MAX_WAIT="5")

        def spawn(*args: str) -> subprocess.Popen[str]:
            return subprocess.Popen(
                [sys.executable, "-m", "mktdirector", *args],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

        workers = [spawn("worker", "--interval", "1"), spawn("worker", "--interval", "1")]
        clis = [spawn("publish", ids[i], "--yes") for i in CLI_TARGETS]
        procs = [*workers, *clis]
        try:
            cli_results = [p.communicate(timeout=60) for p in clis]
            deadline = time.monotonic() + 60
            while set(statuses(store, ids).values()) != {"published"}:
                assert time.monotonic() < deadline, statuses(store, ids)
                time.sleep(0.2)
            for w in workers:
                w.send_signal(signal.SIGTERM)  # finish the current job, then exit 0
            worker_results = [w.communicate(timeout=30) for w in workers]
        finally:
            for p in procs:  # only the processes this test started, by pid
                if p.poll() is None:
                    p.kill()
                    p.wait()
        state = sb.state()

    results = [*worker_results, *cli_results]
    print(*(err for _out, err in results), sep="\n---\n")  # with -s: who did what
    log = (home / "logs" / "mktd.log").read_text(errors="replace")
    for _out, err in results:
        assert "locked" not in err.lower() and "Traceback" not in err, err
    assert "locked" not in log.lower(), log[-2000:]
    assert [w.returncode for w in workers] == [0, 0], worker_results
    for p, (_out, err) in zip(clis, cli_results, strict=True):
        # Published by the CLI, or found a worker at it (exit 2, and told why).
        assert p.returncode in (0, 2), err
        if p.returncode == 2:
            assert "another mktd process" in err or "already published" in err, err

    # From the sandbox: each segment exactly once, never even a second attempt.
    x_posts = [p for p in state["posts"]["x"] if not p["deleted"]]
    li_posts = [p for p in state["posts"]["linkedin"] if not p["deleted"]]
    x_texts = [t for platform, body in ITEMS if platform == "twitter" for t in body]
    li_texts = [t for platform, body in ITEMS if platform == "linkedin" for t in body]
    assert Counter(p["text"] for p in x_posts) == Counter(x_texts)
    assert Counter(p["text"] for p in li_posts) == Counter(li_texts)
    assert state["requests"]["x.create"]["outcomes"] == {"201": len(x_texts)}
    assert state["requests"]["linkedin.create"]["outcomes"] == {"201": len(li_texts)}
    by_text = {p["text"]: p for p in x_posts}
    for platform, body in ITEMS:
        if platform == "twitter":
            replies = [by_text[t]["reply_to"] for t in body]
            assert replies == [None, *(by_text[t]["id"] for t in body[:-1])]

    # And mktd recorded exactly those ids.
    recorded = {
        r["text"]: r["remote_id"]
        for i in ids
        for r in store.draft_posts(i)
        if r["status"] == "published"
    }
    store.close()
    assert recorded == {p["text"]: p["id"] for p in x_posts + li_posts}

"""Crash tests: real `mktd` processes killed with SIGKILL mid-publish, then re-run.

A fast seeded subset of `benchmarks/crash_trials.py` (which runs 200+ trials): one trial of each
kind (publish / social --publish / worker, X post / X 5-part thread / LinkedIn post), each killed
1-3 times at seeded random moments while the sandbox holds every create open before and after
doing it. The harness (benchmarks/crash_harness.py) documents each step; everything asserted
here comes from the sandbox's state and mktd's own database (read through mktd's store), never
from timing. Each test runs twice: on SQLite (a file per home) and on PostgreSQL (a database per
home on the tests' throwaway server, tests/pg_fixture.py; skipped, with the reason, where no
PostgreSQL server binaries are installed).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import pg_fixture
from mktdirector.sandbox import Sandbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from crash_harness import KINDS, CrashHarness, describe, plan  # noqa: E402

pytestmark = pytest.mark.slow
SEED = 20261122


@pytest.fixture(params=["sqlite", "postgresql"])
def databases(request: pytest.FixtureRequest) -> Callable[[], str] | None:
    """None: each home keeps its SQLite file; else a maker of fresh PostgreSQL databases."""
    if request.param == "sqlite":
        return None
    server = pg_fixture.cluster()  # skips with the reason when PostgreSQL cannot be run here
    return server.fresh_url


def test_trials_are_planned_from_the_seed_alone() -> None:
    first = plan(len(KINDS), SEED)
    assert first == plan(len(KINDS), SEED)
    assert {(t.mode, t.platform, t.segments) for t in first} == set(KINDS)  # one of each
    assert len({t.text for t in plan(200, SEED)}) == 200  # texts never collide across trials
    assert plan(len(KINDS), SEED + 1) != first


def test_killed_publishes_end_published_once_or_needs_check(
    tmp_path: Path, databases: Callable[[], str] | None
) -> None:
    specs = plan(len(KINDS), SEED)
    with CrashHarness(tmp_path / "crash", seed=SEED, lanes=2, databases=databases) as harness:
        harness.run(specs)
        summary = harness.check()
        homes = harness.homes
    print(describe(summary))  # shown with -s: where the kills landed, what was reconciled
    assert summary.backend == ("postgresql" if databases else "sqlite")
    if databases:  # proof it ran on PostgreSQL: no home made a SQLite file
        assert homes and all(h.database_url for h in homes)
        assert not [h for h in homes if (h.path / "mktd.db").exists()]
    assert summary.problems == []
    assert summary.published + summary.needs_check == len(specs) and summary.stuck == 0
    assert summary.duplicates == summary.thread_order_errors == 0
    assert summary.strays == summary.id_mismatches == 0
    assert summary.duplicate_refusals["linkedin_422"] == 0
    # A trial stops killing once its draft is settled, so some planned kills never happen.
    assert summary.kills + summary.kills_missed <= sum(len(t.kill_at) for t in specs)
    assert summary.kills >= 1  # the processes were really killed, not just run


# Mailchimp: a campaign send killed at random points ----------------------------------------------
# The sandbox holds each create and send open before and after doing the work, so a kill lands
# in every window: before the intent row, after it, with the campaign created but its id unsaved,
# with the send done but unrecorded. Each trial is then run again until it settles.
MC_HOLDS = ",".join(
    f"mailchimp.{route}:{kind}=0.25"
    for route in ("create", "send")
    for kind in ("delay", "delay-after")
)


def _mailchimp_trial(
    sb: Sandbox, home: Path, body: Path, subject: str, kills: list[float], url: str | None
) -> list[int]:
    import os
    import signal
    import subprocess
    import time

    env = {**os.environ, **sb.env(), "MKTD_HOME": str(home)}
    if url:
        env["MKTD_DATABASE_URL"] = url
    args = [sys.executable, "-m", "mktdirector", "email", "send", "--via", "mailchimp",
            "--audience", "sbxaud0001", "--subject", subject, "--body-file", str(body), "--yes"]  # fmt: skip
    codes = []
    for at in [*kills, None]:
        proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        if at is not None:
            time.sleep(at)
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        codes.append(proc.wait(timeout=60))
    return codes


def test_mailchimp_sends_killed_at_random_points_go_out_exactly_once(
    tmp_path: Path, databases: Callable[[], str] | None
) -> None:
    import random

    rng = random.Random(SEED)
    body = tmp_path / "body.txt"
    body.write_text("Crash trial https://example.org/x\n", encoding="utf-8")
    trials = {f"Crash trial {n}": sorted(rng.uniform(0.2, 2.6) for _ in range(rng.randint(1, 2)))
              for n in range(6)}  # fmt: skip
    url = databases() if databases else None
    with Sandbox(port=0, state_dir=tmp_path / "sbx", faults=MC_HOLDS) as sb:
        finals = {
            s: _mailchimp_trial(sb, tmp_path / "home", body, s, k, url) for s, k in trials.items()
        }
        campaigns = sb.state()["mailchimp"]["campaigns"]
    print({s: c for s, c in finals.items()})  # with -s: each run's exit code (-9: killed)
    for subject, codes in finals.items():
        mine = [c for c in campaigns if c["subject"] == subject]
        sent = sum(c["send_count"] or 0 for c in mine)
        assert sent == 1, f"{subject}: sent {sent} times (exit codes {codes})"  # 0 twice, 0 lost
        assert len(mine) == 1, f"{subject}: {len(mine)} campaigns (a lost create made another)"
        assert codes[-1] in (0, 2), (
            f"{subject}: the last run ended {codes[-1]}"
        )  # sent, or "already sent"
    assert any(code == -9 for codes in finals.values() for code in codes[:-1])  # really killed
    if url:  # it ran on PostgreSQL: the sends are in that database, no SQLite file was made
        assert not (tmp_path / "home" / "mktd.db").exists()

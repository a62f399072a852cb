"""Crash tests: real `mktd` processes killed with SIGKILL mid-publish, then re-run.

A fast seeded subset of `benchmarks/crash_trials.py` (which runs 200+ trials): one trial of each
kind (publish / social --publish / worker, X post / X 5-part thread / LinkedIn post), each killed
1-3 times at seeded random moments while the sandbox holds every create open before and after
doing it. The harness (benchmarks/crash_harness.py) documents each step; everything asserted
here comes from the sandbox's state and mktd's own database, never from timing.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from crash_harness import KINDS, CrashHarness, describe, plan  # noqa: E402

pytestmark = pytest.mark.slow
SEED = 20261122


def test_trials_are_planned_from_the_seed_alone() -> None:
    first = plan(len(KINDS), SEED)
    assert first == plan(len(KINDS), SEED)
    assert {(t.mode, t.platform, t.segments) for t in first} == set(KINDS)  # one of each
    assert len({t.text for t in plan(200, SEED)}) == 200  # texts never collide across trials
    assert plan(len(KINDS), SEED + 1) != first


def test_killed_publishes_end_published_once_or_needs_check(tmp_path: Path) -> None:
    specs = plan(len(KINDS), SEED)
    with CrashHarness(tmp_path / "crash", seed=SEED, lanes=2) as harness:
        harness.run(specs)
        summary = harness.check()
    print(describe(summary))  # shown with -s: where the kills landed, what was reconciled
    assert summary.problems == []
    assert summary.published + summary.needs_check == len(specs) and summary.stuck == 0
    assert summary.duplicates == summary.thread_order_errors == 0
    assert summary.strays == summary.id_mismatches == 0
    assert summary.duplicate_refusals["linkedin_422"] == 0
    # A trial stops killing once its draft is settled, so some planned kills never happen.
    assert summary.kills + summary.kills_missed <= sum(len(t.kill_at) for t in specs)
    assert summary.kills >= 1  # the processes were really killed, not just run

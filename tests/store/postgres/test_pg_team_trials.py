"""A seeded subset of benchmarks/pg_trials.py in CI: 4 worker hosts + 2 CLI publishes on one
PostgreSQL database, kill -9 at seeded moments: nothing lost, nothing twice, threads in order.
The benchmark runs >= 100 such trials (docs/reliability.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import pg_fixture

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import pg_trials  # noqa: E402

pytestmark = pytest.mark.slow


def test_two_seeded_team_trials_lose_nothing_and_post_nothing_twice() -> None:
    server = pg_fixture.cluster()  # skips with the reason when there is no PostgreSQL server
    # Every first kill aimed at a LinkedIn create in flight: the path LinkedIn cannot read back.
    summary = pg_trials.run(2, seed=7, server_url=server.base_url, linkedin_share=1.0)
    print(pg_trials.describe(summary))  # with -s: where each kill landed
    assert summary["lost"] == 0 and summary["duplicates"] == 0, summary
    assert summary["thread_disorder"] == 0 and summary["kills"] >= 2, summary
    assert summary["published"] + summary["needs_check"] == summary["drafts"]
    # The kills really landed inside LinkedIn creates, and such a draft ended needs-check
    # (LinkedIn cannot be read back), never posted a second time (duplicates == 0 above).
    assert summary["kills_in_flight_create"].get("linkedin", 0) >= 1, summary
    assert summary["needs_check"] >= 1, summary

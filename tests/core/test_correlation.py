"""The correlation id: set by a flow, innermost wins, restored on the way out."""

from __future__ import annotations

from typing import Any

import pytest

from mktdirector.core.correlation import correlated, correlated_by, current_correlation


class Worker:
    @correlated_by("job", "id")
    def run_job(self, job: dict[str, Any]) -> list[str | None]:
        seen = [current_correlation()]
        if job.get("draft_id"):
            seen += Publisher().publish(job["draft_id"])
        return seen + [current_correlation()]


class Publisher:
    @correlated_by("draft_id")
    def publish(self, draft_id: str, *, fail: bool = False) -> list[str | None]:
        if fail:
            raise RuntimeError("boom")
        return [current_correlation()]


def test_innermost_flow_wins_and_the_outer_id_comes_back() -> None:
    assert current_correlation() is None
    with correlated("run-1"):
        assert Worker().run_job({"id": "job-7", "draft_id": "D1"}) == ["job-7", "D1", "job-7"]
        assert Worker().run_job({"id": "job-8"}) == ["job-8", "job-8"]
        assert current_correlation() == "run-1"
        with correlated(None):  # no id of its own: the outer one stays
            assert current_correlation() == "run-1"
    assert current_correlation() is None


def test_an_exception_restores_the_outer_id() -> None:
    with correlated("run-2"):
        with pytest.raises(RuntimeError):
            Publisher().publish(draft_id="D2", fail=True)
        assert current_correlation() == "run-2"

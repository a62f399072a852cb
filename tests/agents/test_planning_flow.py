"""The planning flow without a front end: plan, draft every step, resume, show and list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from mktdirector.agents.content import planning
from mktdirector.core.errors import UsageError
from mktdirector.wiring import Deps

from fakes import FakeLLM


def steps(n: int) -> list[dict[str, str]]:
    day = lambda i: (date.today() + timedelta(days=1 + i)).isoformat()  # noqa: E731
    return [
        {"day": day(i), "channel": "linkedin", "topic": f"Step {i}", "angle": "a", "kind": "post"}
        for i in range(n)
    ]


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    yield d
    d.close()


def test_a_plan_is_stored_with_its_dated_steps_and_no_drafts(deps):
    deps.set_llm(FakeLLM({"steps": steps(2)}))
    planned = planning.plan(
        deps, objective="Launch course", timeframe="2 days", channels="linkedin"
    )
    assert [s.topic for s in planned.plan.steps] == ["Step 0", "Step 1"]
    assert planned.drafted == [] and planned.plan.draft_ids == []
    [stored] = planning.stored_plans(deps)
    assert stored["id"] == planned.plan.id and stored["objective"] == "Launch course"
    assert not any(k.endswith("_json") for k in stored)


def test_create_drafts_writes_one_draft_per_step_and_reports_progress(deps):
    deps.set_llm(FakeLLM({"steps": steps(2)}, "Post zero", "Post one"))
    seen: list[tuple[int, int]] = []
    planned = planning.plan(
        deps, objective="Launch course", timeframe="2 days", channels="linkedin",
        create_drafts=True, progress=lambda i, n: seen.append((i, n)),
    )  # fmt: skip
    assert [v.draft["body"] for v in planned.drafted] == [["Post zero"], ["Post one"]]
    assert planned.plan.draft_ids == [v.id for v in planned.drafted]
    assert seen == [(1, 2), (2, 2)]
    assert {d["plan_id"] for d in deps.store.list_drafts()} == {planned.plan.id}


def test_drafting_a_shown_plan_again_only_fills_the_missing_steps(deps):
    llm = FakeLLM({"steps": steps(2)})
    deps.set_llm(llm)
    made = planning.plan(deps, objective="Launch", timeframe="2 days", channels="linkedin")
    llm.replies += ["Post zero", "Post one"]
    first = planning.plan(deps, show_id=made.plan.id, create_drafts=True)
    again = planning.plan(deps, show_id=made.plan.id, create_drafts=True)
    assert len(first.drafted) == 2 and again.drafted == []
    assert again.plan.draft_ids == first.plan.draft_ids  # loaded from the store, not redrafted
    assert len(llm.calls) == 3  # the plan and two posts, nothing more


def test_without_an_objective_or_a_plan_id_nothing_is_asked_or_stored(deps):
    llm = FakeLLM()
    deps.set_llm(llm)
    with pytest.raises(UsageError, match="Give an objective"):
        planning.plan(deps)
    with pytest.raises(UsageError, match="objective is empty"):
        planning.plan(deps, objective="  ")
    assert llm.calls == [] and planning.stored_plans(deps) == []

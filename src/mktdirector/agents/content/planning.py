"""The planning flows: what to write about (topics), and when (a stored, dated plan with, when
asked, a draft for every step). `mktd topics`, `mktd plan`, the Python API and the web routes
call these and render what they return."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from mktdirector.agents.content import orchestrator
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.compose import drafts_from_plan
from mktdirector.agents.content.drafts import DraftView
from mktdirector.agents.content.generation import log_generation
from mktdirector.agents.content.orchestrator import Plan
from mktdirector.agents.content.strategy import Topic, suggest_content_topics
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLM
from mktdirector.store.protocols import StoreLike

Progress = Callable[[int, int], None]  # (steps done, steps in the plan)


class PlanningDeps(Protocol):
    """What the planning flow needs (mktdirector.wiring.Deps provides it)."""

    @property
    def store(self) -> StoreLike: ...
    def brand(self) -> Brand: ...
    def llm(self) -> LLM: ...


@dataclass(frozen=True)
class Planned:
    """A plan made now (or loaded with `show_id`) and the drafts this run wrote for it."""

    plan: Plan
    drafted: list[DraftView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return self.plan.to_dict()


@dataclass(frozen=True)
class Suggested:
    """Topic ideas and the logged generation that produced them."""

    topics: list[Topic]
    generation_id: str


def suggest_topics(
    deps: PlanningDeps,
    *,
    content_type: str = "linkedin",
    count: int = 5,
    based_on: str = "",
    avoid_recent: bool = True,
) -> Suggested:
    """Topics in the brand's territory; `avoid_recent` steers away from recent drafts' topics."""
    brand = deps.brand()
    recent = (
        [t for r in deps.store.list_drafts(limit=20) if (t := r["topic"])] if avoid_recent else None
    )
    found, gen = suggest_content_topics(
        deps.llm(), brand, content_type=content_type, count=count, based_on=based_on,
        recent_titles=recent,
    )  # fmt: skip
    return Suggested(found, log_generation(deps.store, gen, brand))


def plan(
    deps: PlanningDeps,
    *,
    objective: str | None = None,
    timeframe: str = "2 weeks",
    channels: str | list[str] | None = None,
    show_id: str | None = None,
    create_drafts: bool = False,
    progress: Progress | None = None,
) -> Planned:
    """Plan `objective` (or load the stored plan `show_id`); `create_drafts` drafts every step
    that has no draft yet, so a re-run after an interruption picks up where it stopped."""
    if show_id:
        made = orchestrator.load_plan(deps.store, show_id)
    elif objective is not None:
        brand = deps.brand()  # before the LLM: a broken brand file is the first thing to fix
        made, _ = orchestrator.plan_marketing_initiative(
            deps.llm(),
            brand,
            deps.store,
            objective=objective,
            timeframe=timeframe,
            channels=channels,
        )
    else:
        raise UsageError(
            "Give an objective, --show ID or --list.",
            hint='mktd plan "Launch the prompt engineering course" --timeframe "2 weeks"',
        )
    drafted: list[DraftView] = []
    if create_drafts:
        drafted = drafts_from_plan(deps.llm(), deps.brand(), deps.store, made, progress=progress)
        made.draft_ids += [v.id for v in drafted]
    return Planned(made, drafted)


def stored_plans(deps: PlanningDeps) -> list[dict[str, Any]]:
    """Every stored plan, newest first, as shown to users (without raw *_json columns)."""
    return [
        {k: v for k, v in row.items() if not k.endswith("_json")} for row in deps.store.list_plans()
    ]

"""The analytics narrative: a short written summary with recommendations from report figures.

Until the report issue provides figures, it works on whatever metric rows are stored.
"""

from __future__ import annotations

import json
from typing import Any

from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.generation import log_generation, run_prompt
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLM
from mktdirector.store import StoreLike


def stored_figures(store: StoreLike) -> dict[str, Any]:
    """What we know without a report: drafts by status and platform, LLM spend, API health."""
    return {
        "drafts": store.draft_counts(),
        "api_calls": store.calls_by_platform(),
        "llm_cost_usd": store.llm_cost_total(),
        "metrics": store.recent_snapshots(200),
    }


def narrative(
    llm: LLM,
    brand: Brand,
    store: StoreLike,
    *,
    figures: dict[str, Any] | None = None,
    timeframe: str = "7 days",
) -> tuple[str, str]:
    figs = figures if figures is not None else stored_figures(store)
    if not figs:
        raise UsageError("There are no figures to summarise yet.", hint="mktd analytics fetch")
    gen = run_prompt(
        llm,
        brand,
        "narrative",
        purpose="narrative",
        timeframe=timeframe,
        figures=json.dumps(figs, indent=1, default=str)[:20000],
    )
    return gen.completion.text.strip(), log_generation(store, gen, brand)

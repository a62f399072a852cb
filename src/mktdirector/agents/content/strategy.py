"""The strategy agent: topic suggestions grounded in the brand and in what was posted."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from mktdirector.agents.content.agent import content_channels
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.generation import Generated, run_prompt
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLM


@dataclass
class Topic:
    title: str
    angle: str
    audience: str
    why_now: str
    suggested_platform: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def topics_schema(count: int) -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 1},
            "angle": {"type": "string"},
            "audience": {"type": "string"},
            "why_now": {"type": "string"},
            "suggested_platform": {"type": "string", "enum": content_channels()},
        },
        "required": ["title", "angle", "audience", "why_now", "suggested_platform"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "topics": {"type": "array", "items": item, "minItems": count, "maxItems": count}
        },
        "required": ["topics"],
        "additionalProperties": False,
    }


def suggest_content_topics(
    llm: LLM,
    brand: Brand,
    *,
    content_type: str = "linkedin",
    count: int = 5,
    based_on: str = "",
    recent_titles: list[str] | None = None,
    today: date | None = None,
) -> tuple[list[Topic], Generated]:
    if not 1 <= count <= 20:
        raise UsageError("--count must be between 1 and 20.", hint="e.g. --count 5")
    history = ""
    if recent_titles:
        history = "Avoid repeating these recent topics:\n" + "\n".join(
            f"- {t}" for t in recent_titles[:20]
        )
    gen = run_prompt(
        llm,
        brand,
        "topics",
        purpose="topics",
        schema=topics_schema(count),
        count=count,
        content_type=content_type,
        based_on=based_on or "(anything on-brand)",
        history=history,
        today=(today or date.today()).isoformat(),
    )
    return [Topic(**t) for t in gen.data["topics"]], gen

"""The orchestrator: turn an objective and a timeframe into a dated plan, then into drafts."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from mktdirector.agents.content.agent import content_channels
from mktdirector.agents.content.brand import Brand
from mktdirector.agents.content.generation import Generated, log_generation, run_prompt
from mktdirector.core.errors import UsageError
from mktdirector.llm import LLM
from mktdirector.store import StoreLike

_UNITS = {"day": 1, "days": 1, "d": 1, "week": 7, "weeks": 7, "w": 7, "month": 30, "months": 30}


def parse_timeframe(text: str) -> int:
    """'2 weeks' / '10 days' / '1 month' / '14d' -> days."""
    m = re.fullmatch(r"\s*(\d+)\s*([a-zA-Z]+)\s*", text or "")
    if not m or m.group(2).lower() not in _UNITS:
        raise UsageError(
            f"Cannot read the timeframe {text!r}.",
            hint="Use e.g. '2 weeks', '10 days' or '1 month'",
        )
    days = int(m.group(1)) * _UNITS[m.group(2).lower()]
    if not 1 <= days <= 92:
        raise UsageError(
            "The timeframe must be between 1 day and 3 months.", hint="e.g. --timeframe '2 weeks'"
        )
    return days


def parse_channels(channels: str | list[str] | None) -> list[str]:
    from mktdirector.core.platforms import Capability, resolve_platform, with_capability

    if not channels:
        return with_capability(Capability.SOCIAL)
    items = channels.split(",") if isinstance(channels, str) else channels
    known = content_channels()
    out = []
    for c in items:
        c = c.strip().lower()
        c = c if c == "email" else resolve_platform(c)
        if c not in known:
            raise UsageError(
                f"{c} is not a content channel.", hint=f"Use some of: {', '.join(known)}"
            )
        if c not in out:
            out.append(c)
    return out


@dataclass
class PlanStep:
    day: str  # ISO date
    channel: str
    topic: str
    angle: str
    kind: str = "post"  # post | thread | email

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Plan:
    id: str
    objective: str
    timeframe: str
    start_date: str
    channels: list[str]
    slug: str
    steps: list[PlanStep] = field(default_factory=list)
    generation_id: str | None = None
    draft_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["steps"] = [s.to_dict() for s in self.steps]
        return d


def plan_schema(channels: list[str], min_steps: int, max_steps: int) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "steps": {
                "type": "array",
                "minItems": min_steps,
                "maxItems": max_steps,
                "items": {
                    "type": "object",
                    "properties": {
                        "day": {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"},
                        "channel": {"type": "string", "enum": channels},
                        "topic": {"type": "string", "minLength": 1},
                        "angle": {"type": "string"},
                        "kind": {"type": "string", "enum": ["post", "thread", "email"]},
                    },
                    "required": ["day", "channel", "topic", "angle", "kind"],
                    "additionalProperties": False,
                },
            }
        },
        "required": ["steps"],
        "additionalProperties": False,
    }


def plan_marketing_initiative(
    llm: LLM,
    brand: Brand,
    store: StoreLike,
    *,
    objective: str,
    timeframe: str = "2 weeks",
    channels: str | list[str] | None = None,
    start: date | None = None,
) -> tuple[Plan, Generated]:
    """Ask for dated steps, check every date is inside the timeframe, store the plan."""
    from mktdirector.agents.content.drafts import slugify

    if not objective.strip():
        raise UsageError(
            "The objective is empty.",
            hint='mktd plan "Launch the new course" --timeframe "2 weeks"',
        )
    days = parse_timeframe(timeframe)
    chans = parse_channels(channels)
    start = start or date.today() + timedelta(days=1)
    end = start + timedelta(days=days - 1)
    min_steps = max(1, min(len(chans) * 2, days))
    max_steps = min(days * len(chans), 30)

    def validate(data: Any) -> str | None:
        seen = set()
        for i, s in enumerate(data["steps"], 1):
            try:
                d = date.fromisoformat(s["day"])
            except ValueError:
                return f"step {i} has an invalid date {s['day']}"
            if not start <= d <= end:
                return f"step {i} is dated {d}, outside {start}..{end}"
            if s["kind"] == "email" and s["channel"] != "email":
                return f"step {i}: kind email needs channel email"
            if (s["day"], s["channel"]) in seen:
                return f"step {i}: two steps on {s['channel']} on {s['day']}"
            seen.add((s["day"], s["channel"]))
        return None

    gen = run_prompt(
        llm,
        brand,
        "plan",
        purpose="plan",
        schema=plan_schema(chans, min_steps, max_steps),
        validate=validate,
        objective=objective,
        timeframe=timeframe,
        channels=", ".join(chans),
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        min_steps=min_steps,
        max_steps=max_steps,
    )
    steps = sorted((PlanStep(**s) for s in gen.data["steps"]), key=lambda s: (s.day, s.channel))
    slug = slugify(objective)
    row = store.insert_plan(
        {
            "objective": objective,
            "timeframe": timeframe,
            "start_date": start.isoformat(),
            "channels_json": json.dumps(chans),
            "slug": slug,
            "plan_json": json.dumps([s.to_dict() for s in steps]),
        }
    )
    gid = log_generation(store, gen, brand, plan_id=row["id"])
    store.set_plan_generation(row["id"], gid)
    return Plan(row["id"], objective, timeframe, start.isoformat(), chans, slug, steps, gid), gen


def load_plan(store: StoreLike, plan_id: str) -> Plan:
    row = store.get_plan(plan_id)
    steps = [PlanStep(**s) for s in row["plan"]]
    drafts = store.plan_draft_ids(row["id"])
    return Plan(
        row["id"],
        row["objective"],
        row["timeframe"],
        row["start_date"],
        row["channels"],
        row["slug"],
        steps,
        row["generation_id"],
        drafts,
    )

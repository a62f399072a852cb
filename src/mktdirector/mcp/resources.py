"""Resources (the brand voice, the last 30 days' performance, the schedule) and prompts
("plan a launch", "weekly report") an assistant can read or start from."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError

from mktdirector.core.errors import MktdError
from mktdirector.mcp.results import DepsFactory
from mktdirector.wiring import Deps


def register(server: MCPServer, make_deps: DepsFactory) -> None:
    def read(body: Callable[[Deps], str]) -> str:
        deps = make_deps()
        try:
            return body(deps)
        except MktdError as e:
            hint = f" ({e.hint})" if e.hint else ""
            raise ResourceError(f"{e.kind}: {e.message}{hint}") from None
        finally:
            deps.close()

    @server.resource("mktd://brand", name="brand-voice", mime_type="text/plain")
    def brand_voice() -> str:
        """The brand voice file (brand.toml) every draft is written and linted against."""

        def body(deps: Deps) -> str:
            brand = deps.brand()
            if brand.path is None:
                return "# No brand.toml yet: neutral rules apply (mktd init creates one).\n" + (
                    brand.rules_text()
                )
            return f"# brand {brand.hash}  {brand.path}\n" + Path(brand.path).read_text("utf-8")

        return read(body)

    @server.resource("mktd://performance/30d", name="performance-30d", mime_type="application/json")
    def performance() -> str:
        """The last 30 days: per channel and per post, top and bottom posts, daily trend."""

        def body(deps: Deps) -> str:
            from mktdirector.agents.analytics.report import build_report

            return _json(build_report(deps.store, timeframe="30d").to_dict())

        return read(body)

    @server.resource("mktd://schedule", name="schedule", mime_type="application/json")
    def schedule() -> str:
        """Scheduled posts waiting for the worker, by time, in the user's time zone."""

        def body(deps: Deps) -> str:
            from mktdirector.agents.social import schedule as sched

            zone = sched.user_tz(deps.config.get)
            return _json({"jobs": [j.to_dict() for j in sched.queue(deps.store, tz=zone)]})

        return read(body)

    @server.prompt(name="plan_a_launch", title="Plan a launch")
    def plan_a_launch(launch: str, timeframe: str = "2 weeks") -> str:
        """Plan a product launch and draft its posts for human approval."""
        return (
            f"Plan the launch of {launch} over {timeframe} with mktd.\n"
            "1. Read mktd://brand for the voice and mktd://performance/30d for what worked.\n"
            f'2. Call plan_initiative(objective="Launch {launch}", timeframe="{timeframe}", '
            "create_drafts=true).\n"
            "3. Show me each draft (get_draft): its text, lint findings and weighted length; "
            "fix problems with edit_draft.\n"
            "4. Do not publish: tell me the `mktd drafts approve ID` commands to approve the ones "
            "I like; after I approve, schedule them with schedule_draft."
        )

    @server.prompt(name="weekly_report", title="Weekly report")
    def weekly_report() -> str:
        """Report the last 7 days and recommend what to post next."""
        return (
            "Write my weekly marketing report with mktd.\n"
            '1. Call performance_report(timeframe="7d") and compare with mktd://performance/30d.\n'
            "2. For the top and bottom posts, call post_analytics for fresh figures.\n"
            "3. Summarise in five bullet points: what worked, what did not, and why.\n"
            "4. Suggest three next posts (suggest_topics) and draft the best one with draft_post; "
            "leave it for my approval."
        )


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=str, indent=1)

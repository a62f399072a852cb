"""The MCP tools: each parses its typed arguments, calls the agent flow the CLI calls, renders.

Reads carry `readOnlyHint`; publish_draft and schedule_draft are destructive (they reach, or
queue for, a platform) and idempotent (exactly-once publishing: a second call sends nothing).
`openWorldHint` marks the tools that call a platform or the LLM. No tool approves a draft.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from mktdirector.mcp import models, render
from mktdirector.mcp.results import DepsFactory, run
from mktdirector.wiring import Deps

Platform = Literal["linkedin", "twitter", "x"]
Style = Literal["professional", "casual", "storytelling", "contrarian"]
Status = Literal[
    "draft", "approved", "scheduled", "publishing", "published", "failed", "needs-check",
    "rejected",
]  # fmt: skip
DraftId = Annotated[
    str, Field(min_length=4, max_length=40, description="A draft id (or its last characters).")
]

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
READ_REMOTE = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=True)
WRITE_LOCAL = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
WRITE_LLM = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=True
)
SEND = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=True
)
QUEUE = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)


def register(server: MCPServer, make_deps: DepsFactory) -> None:
    """Add every tool to `server`; each call gets its own Deps from `make_deps`."""

    @server.tool(annotations=WRITE_LLM)
    def draft_post(
        platform: Annotated[Platform, Field(description="linkedin, or twitter (x) for X.")],
        topic: Annotated[str | None, Field(description="Write about this (uses the LLM).")] = None,
        text: Annotated[str | None, Field(description="Use this text as the post.")] = None,
        style: Style = "professional",
        include_cta: Annotated[bool, Field(description="End with a call to action.")] = True,
        thread_length: Annotated[
            int | None, Field(ge=1, le=25, description="Posts in an X thread (topic mode).")
        ] = None,
        campaign: Annotated[str | None, Field(description="utm_campaign for links.")] = None,
    ) -> Annotated[CallToolResult, models.DraftOut]:
        """Draft a LinkedIn post or an X thread in the brand voice, lint it and save it as a
        draft waiting for a person's approval. Give exactly one of topic or text."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.social import posting

            _require_one_source(topic, text)
            request = posting.PostRequest(
                posting.check_platform(platform), topic=topic, text=text, style=style,
                include_cta=include_cta, thread_length=thread_length, campaign=campaign,
            )  # fmt: skip
            prepared = posting.prepare(deps, request)
            return render.draft(prepared.view, resumed=prepared.resumed)

        return run(make_deps, body)

    @server.tool(annotations=READ)
    def list_drafts(
        status: Status | None = None,
        platform: Literal["linkedin", "twitter", "x", "email"] | None = None,
        limit: Annotated[int, Field(ge=1, le=200)] = 20,
    ) -> Annotated[CallToolResult, models.DraftList]:
        """Drafts, newest first, by status and platform."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.content import review

            found = review.find(deps.store, status=status, platform=platform, limit=limit)
            return {"drafts": [render.summary(d) for d in found], "count": len(found)}

        return run(make_deps, body)

    @server.tool(annotations=READ)
    def get_draft(draft_id: DraftId) -> Annotated[CallToolResult, models.DraftOut]:
        """One draft: text, segments, lint findings, weighted length, hash, approval."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.content import review
            from mktdirector.agents.content.drafts import DraftView

            found = review.detail(deps.store, draft_id)
            posts = [
                {"segment": p["segment"], "url": p["url"], "status": p["status"]}
                for p in deps.store.draft_posts(found.draft["id"])
            ]
            return render.draft(DraftView(found.draft, found.findings), posts=posts)

        return run(make_deps, body)

    @server.tool(annotations=WRITE_LOCAL)
    def edit_draft(
        draft_id: DraftId,
        text: Annotated[
            str,
            Field(min_length=1, description="The new text; thread posts separated by --- lines."),
        ],
    ) -> Annotated[CallToolResult, models.DraftOut]:
        """Replace a draft's text and re-lint it. The content hash changes, so an approved or
        scheduled draft goes back to draft and needs a person's approval again."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.content.drafts import edit_draft as edit

            before = deps.store.get_draft(draft_id)
            view = edit(deps.store, deps.brand(), before["id"], text)
            return render.draft(view, previous_hash=before["content_hash"],
                                approval_reset=bool(before["approved_hash"])
                                and not view.draft["approved_hash"])  # fmt: skip

        return run(make_deps, body)

    @server.tool(annotations=WRITE_LLM)
    def suggest_topics(
        platform: Literal["linkedin", "twitter", "x", "email"] = "linkedin",
        count: Annotated[int, Field(ge=1, le=20)] = 5,
        based_on: Annotated[str, Field(description="What the topics should build on.")] = "",
    ) -> Annotated[CallToolResult, models.TopicsOut]:
        """Topic ideas in the brand's territory: title, angle, audience, why now."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.content import planning

            found = planning.suggest_topics(
                deps, content_type=platform, count=count, based_on=based_on
            )
            return {"topics": [t.to_dict() for t in found.topics],
                    "generation_id": found.generation_id}  # fmt: skip

        return run(make_deps, body)

    @server.tool(annotations=WRITE_LLM)
    def plan_initiative(
        objective: Annotated[str, Field(min_length=3, description="What it should achieve.")],
        timeframe: Annotated[str, Field(description="e.g. '2 weeks', '10 days'.")] = "2 weeks",
        channels: Annotated[
            list[Literal["linkedin", "twitter", "email"]] | None,
            Field(description="Default: every channel."),
        ] = None,
        create_drafts: Annotated[
            bool, Field(description="Also write a draft (for approval) for every step.")
        ] = False,
    ) -> Annotated[CallToolResult, models.PlanOut]:
        """Plan a marketing initiative as dated steps; optionally draft every step."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.content import planning

            planned = planning.plan(deps, objective=objective, timeframe=timeframe,
                                    channels=_strs(channels), create_drafts=create_drafts)  # fmt: skip
            return {"plan": planned.to_dict(), "drafts": [render.draft(v) for v in planned.drafted]}

        return run(make_deps, body)

    @server.tool(annotations=QUEUE)
    def schedule_draft(
        draft_id: DraftId,
        when: Annotated[
            str, Field(description='"tomorrow 9:00", "in 2h", "tue 9:00", ISO time, next-slot.')
        ],
        timezone: Annotated[str | None, Field(description="IANA zone for WHEN.")] = None,
    ) -> Annotated[CallToolResult, models.ScheduleOut]:
        """Queue a draft a person approved for the worker to publish at WHEN (again: moves it).
        A draft no person approved (or changed since) is refused with how to approve it."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.social import assistant

            job, approval = assistant.schedule(deps, draft_id, when, tz=timezone)
            return {**job.to_dict(), "approved_by": approval.by}

        return run(make_deps, body)

    @server.tool(annotations=SEND)
    def publish_draft(draft_id: DraftId) -> Annotated[CallToolResult, models.PublishOut]:
        """Publish a draft a person approved, exactly once (again: returns the same posts and
        sends nothing). A draft no person approved, or changed since, is refused."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.social import assistant

            return assistant.publish(deps, draft_id).to_dict()

        return run(make_deps, body)

    @server.tool(annotations=READ_REMOTE)
    def post_analytics(
        post_or_draft_id: Annotated[
            str, Field(min_length=1, description="A draft id, or a platform's post id.")
        ],
    ) -> Annotated[CallToolResult, models.AnalyticsOut]:
        """Fresh metrics of a published post, or of every post of a draft (fetched now)."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.analytics.posts import metrics_of

            return metrics_of(deps, post_or_draft_id)

        return run(make_deps, body)

    @server.tool(annotations=READ)
    def performance_report(
        timeframe: Annotated[str, Field(description="7d, 30d or YYYY-MM-DD..YYYY-MM-DD.")] = "7d",
        channels: list[Literal["linkedin", "twitter", "email"]] | None = None,
        metrics: list[Literal["engagement", "reach", "clicks", "leads"]] | None = None,
    ) -> Annotated[CallToolResult, models.ReportOut]:
        """Per channel and per post: posts, reach, engagement, clicks, leads; top and bottom
        posts; the daily trend (from stored metrics: `mktd analytics fetch` refreshes them)."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.analytics.report import build_report

            return build_report(deps.store, timeframe=timeframe, channels=_strs(channels),
                                metrics=_strs(metrics)).to_dict()  # fmt: skip

        return run(make_deps, body)

    @server.tool(annotations=READ)
    def integration_status() -> Annotated[CallToolResult, models.StatusOut]:
        """Each platform: credentials (never their values), calls and errors in 24 h."""

        def body(deps: Deps) -> dict[str, Any]:
            from mktdirector.agents.ops.status import gather_status

            found = gather_status(deps.home, deps.store, deps.credentials,
                                  deps.config.get("secrets.store"))  # fmt: skip
            found.pop("monitoring", None)  # `mktd status` has the full figures
            return found

        return run(make_deps, body)


def _require_one_source(topic: str | None, text: str | None) -> None:
    from mktdirector.core.errors import UsageError

    if (topic is None) == (text is None):
        raise UsageError(
            "Give exactly one of topic or text.",
            hint='draft_post(platform="linkedin", topic="AI ROI")',
        )


def _strs(values: list[Any] | None) -> list[str] | None:
    return [str(v) for v in values] if values else None

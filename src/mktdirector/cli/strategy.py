"""`mktd topics` and `mktd plan`: what to write about, and when."""

from typing import Annotated

import typer

app = typer.Typer()
JsonOpt = Annotated[bool, typer.Option("--json", help="Output JSON.")]


@app.command("topics")
def topics(
    for_: Annotated[str, typer.Option("--for", help="linkedin, twitter or email.")] = "linkedin",
    count: Annotated[int, typer.Option("--count", "-c", min=1, max=20)] = 5,
    based_on: Annotated[
        str, typer.Option("--based-on", help="What the topics should build on.")
    ] = "",
    json_out: JsonOpt = False,
) -> None:
    """Suggest content topics in your brand's territory (title, angle, audience, why now)."""
    from mktdirector.agents.content.generation import log_generation
    from mktdirector.agents.content.strategy import suggest_content_topics
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    brand = deps.brand()
    recent = [t for r in deps.store.list_drafts(limit=20) if (t := r["topic"])]
    found, gen = suggest_content_topics(
        deps.llm(), brand, content_type=for_, count=count, based_on=based_on, recent_titles=recent
    )
    log_generation(deps.store, gen, brand)
    if json_out:
        _output.emit_json([t.to_dict() for t in found])
        return
    _output.table(
        [t.to_dict() for t in found],
        ["title", "angle", "audience", "why_now", "suggested_platform"],
        headers=["title", "angle", "audience", "why now", "platform"],
    )
    _output.info('Draft one: mktd social linkedin --topic "<title>"')


@app.command("plan")
def plan(
    objective: Annotated[
        str | None, typer.Argument(help="What the initiative should achieve.")
    ] = None,
    timeframe: Annotated[
        str, typer.Option("--timeframe", help="e.g. '2 weeks', '10 days'.")
    ] = "2 weeks",
    channels: Annotated[
        str | None, typer.Option("--channels", help="Comma list: linkedin,twitter,email.")
    ] = None,
    create_drafts: Annotated[
        bool, typer.Option("--create-drafts", help="Write a draft for every step.")
    ] = False,
    show_id: Annotated[
        str | None, typer.Option("--show", help="Show a stored plan instead.")
    ] = None,
    list_plans: Annotated[bool, typer.Option("--list", help="List stored plans.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Plan a marketing initiative as dated steps; optionally draft every step."""
    from mktdirector.agents.content import orchestrator
    from mktdirector.agents.content.compose import drafts_from_plan
    from mktdirector.cli import _deps, _output
    from mktdirector.core.errors import UsageError

    deps = _deps.current()
    if list_plans:
        rows = deps.store.list_plans()
        if json_out:
            _output.emit_json(
                [{k: v for k, v in r.items() if not k.endswith("_json")} for r in rows]
            )
        else:
            _output.table(rows, ["id", "created_utc", "objective", "timeframe", "slug"])
        return
    if show_id:
        p = orchestrator.load_plan(deps.store, show_id)
    elif objective:
        brand = deps.brand()
        p, _ = orchestrator.plan_marketing_initiative(
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
    if create_drafts:
        views = drafts_from_plan(
            deps.llm(),
            deps.brand(),
            deps.store,
            p,
            progress=lambda i, n: _output.info(f"drafted step {i}/{n}"),
        )
        p.draft_ids += [v.id for v in views]
    if json_out:
        _output.emit_json(p.to_dict())
        return
    _output.info(
        f"Plan {p.id} · {p.objective} · {p.timeframe} from {p.start_date} · campaign {p.slug}"
    )
    _output.table([s.to_dict() for s in p.steps], ["day", "channel", "kind", "topic", "angle"])
    if p.draft_ids:
        _output.info(f"{len(p.draft_ids)} drafts: mktd drafts list --status draft")
    elif not create_drafts:
        _output.info(f"Draft every step: mktd plan --show {p.id} --create-drafts")

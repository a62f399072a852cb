"""`mktd topics` and `mktd plan`: what to write about, and when."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer()


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
    from mktdirector.agents.content import planning
    from mktdirector.cli import _deps
    from mktdirector.cli.views import planning as render

    found = planning.suggest_topics(
        _deps.current(), content_type=for_, count=count, based_on=based_on
    )
    render.topics(found.topics, json_out)


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
    from mktdirector.agents.content import planning
    from mktdirector.cli import _deps
    from mktdirector.cli.views import planning as render

    deps = _deps.current()
    if list_plans:
        return render.plans(planning.stored_plans(deps), json_out)
    planned = planning.plan(
        deps, objective=objective or None, timeframe=timeframe, channels=channels,
        show_id=show_id, create_drafts=create_drafts, progress=render.drafting_progress,
    )  # fmt: skip
    render.plan(planned, json_out, offered_drafts=not create_drafts)

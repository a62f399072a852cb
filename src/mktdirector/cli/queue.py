"""`mktd schedule ID --at WHEN` and `mktd queue list|cancel`."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt, TzOpt
from mktdirector.cli._unset_options import UnsetOptionsCommand

app = typer.Typer()
queue_app = typer.Typer(help="Scheduled posts waiting for the worker.", no_args_is_help=True)

AT_HELP = 'When: "tomorrow 9:00", "in 2h", "tue 9:00", 2026-03-10T09:00, or next-slot.'


@app.command("schedule")
def schedule(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="An approved draft.")],
    at: Annotated[str, typer.Option("--at", metavar="WHEN", help=AT_HELP)],
    tz: TzOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish an approved draft later; `mktd worker` publishes it when it is due."""
    from mktdirector.agents.social import posting
    from mktdirector.cli import _deps
    from mktdirector.cli.views import posting as render

    render.job_scheduled(posting.schedule_draft(_deps.current(), draft_id, at, tz=tz), json_out)


@queue_app.command("list", cls=UnsetOptionsCommand)
def list_(
    all_jobs: Annotated[
        bool, typer.Option("--all", help="Also finished jobs and the worker's periodic jobs.")
    ] = False,
    tz: TzOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Scheduled posts by time, shown in your time zone."""
    from mktdirector.agents.social import schedule as sched
    from mktdirector.cli import _deps
    from mktdirector.cli.views import queue as render

    deps = _deps.current()
    zone = sched.user_tz(deps.config.get, tz)
    render.jobs(sched.queue(deps.store, tz=zone, everything=all_jobs), json_out)


@queue_app.command("cancel")
def cancel(
    ref: Annotated[str, typer.Argument(metavar="ID", help="The draft (or job) id.")],
    json_out: JsonOpt = False,
) -> None:
    """Cancel a scheduled post; the draft stays approved."""
    from mktdirector.agents.social import schedule as sched
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    job = sched.cancel(deps.store, ref, tz=sched.user_tz(deps.config.get))
    if json_out:
        return _output.emit_json(job.to_dict())
    _output.success(f"Cancelled the {job.when} publish of {job.draft_id}; it is approved again.")

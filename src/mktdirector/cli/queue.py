"""`mktd schedule ID --at WHEN` and `mktd queue list|cancel`."""

from typing import Annotated, Any

import typer

app = typer.Typer()
queue_app = typer.Typer(help="Scheduled posts waiting for the worker.", no_args_is_help=True)

AT_HELP = 'When: "tomorrow 9:00", "in 2h", "tue 9:00", 2026-03-10T09:00, or next-slot.'
TZ_HELP = "IANA zone for WHEN and the shown times (default: schedule.timezone, TZ, system)."
JsonOpt = Annotated[bool, typer.Option("--json", help="Output JSON.")]
TzOpt = Annotated[str | None, typer.Option("--tz", metavar="ZONE", help=TZ_HELP)]


@app.command("schedule")
def schedule(
    draft_id: Annotated[str, typer.Argument(metavar="ID", help="An approved draft.")],
    at: Annotated[str, typer.Option("--at", metavar="WHEN", help=AT_HELP)],
    tz: TzOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Publish an approved draft later; `mktd worker` publishes it when it is due."""
    from mktdirector.agents.social import schedule as sched
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    zone = sched.user_tz(deps.config.get, tz)
    draft = deps.store.get_draft(draft_id)
    sched.check_schedulable(draft)
    when = sched.resolve_when(
        at,
        store=deps.store,
        config=deps.config.get,
        platform=draft["platform"],
        tz=zone,
        draft_id=draft["id"],
    )
    job = sched.schedule(deps.store, draft["id"], when, tz=zone)
    if json_out:
        _output.emit_json(job.to_dict())
        return
    _output.success(f"Scheduled {job.draft_id} for {job.when} on {job.platform}.")
    _output.info("The worker publishes it then: mktd worker --install systemd|cron|launchd")


@queue_app.command("list")
def list_(
    all_jobs: Annotated[
        bool, typer.Option("--all", help="Also finished jobs and the worker's periodic jobs.")
    ] = False,
    tz: TzOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Scheduled posts by time, shown in your time zone."""
    from mktdirector.agents.social import schedule as sched
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    zone = sched.user_tz(deps.config.get, tz)
    jobs = sched.queue(deps.store, tz=zone, everything=all_jobs)
    if json_out:
        _output.emit_json([j.to_dict() for j in jobs])
        return
    if not jobs:
        _output.info("Nothing scheduled. Schedule a draft with: mktd schedule ID --at WHEN")
        return
    rows: list[dict[str, Any]] = [
        {
            **j.to_dict(),
            "draft": j.draft_id or "",
            "when": j.short_when,
            "what": j.platform if j.kind == "publish" else f"{j.kind} {j.platform or ''}".strip(),
            "preview": j.preview.replace("\n", " ")[:60],
            "note": j.note,
        }
        for j in jobs
    ]
    cols = ["draft", "when", "what", "status", "preview"]
    if any(r["note"] for r in rows):
        cols.append("note")
    _output.table(rows, cols, no_wrap=cols[:4], truncate=["preview", "note"])


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
        _output.emit_json(job.to_dict())
        return
    _output.success(f"Cancelled the {job.when} publish of {job.draft_id}; it is approved again.")


def when_for(deps: Any, platform: str, text: str, *, publish: bool = False) -> Any:
    """`mktd social ... --schedule WHEN`: WHEN resolved before anything is generated or saved."""
    from mktdirector.agents.social import schedule as sched
    from mktdirector.core.errors import UsageError

    if publish:
        raise UsageError(
            "Give --publish or --schedule, not both.", hint="mktd social ... --schedule 'in 2h'"
        )
    zone = sched.user_tz(deps.config.get)
    at = sched.resolve_when(
        text, store=deps.store, config=deps.config.get, platform=platform, tz=zone
    )
    return sched.When(at, zone)


def approve_and_schedule(
    deps: Any, view: Any, when: Any, *, yes: bool, image: str | None, json_out: bool
) -> None:
    """`--schedule`: show the draft, ask once (approving and scheduling are one human act)."""
    from mktdirector.agents.content import drafts
    from mktdirector.agents.social import schedule as sched
    from mktdirector.cli import _output
    from mktdirector.core.errors import UsageError

    if not json_out:
        _output.draft(view.draft, view.findings)
    if not _output.confirm(
        f"Approve draft {view.id} and schedule it for {when.label}?", assume_yes=yes
    ):
        raise UsageError(
            f"Saved draft {view.id} but did not schedule it: that needs a confirmation.",
            hint=f"mktd drafts approve {view.id} && mktd schedule {view.id} --at WHEN (or --yes)",
        )
    drafts.approve(deps.store, view.id)
    job = sched.schedule(deps.store, view.id, when.at, tz=when.tz, image=image)
    if json_out:
        draft = deps.store.get_draft(view.id)
        _output.emit_json({**view.to_dict(), "status": draft["status"], "schedule": job.to_dict()})
        return
    _output.success(f"Scheduled {view.id} for {job.when} on {job.platform}.")

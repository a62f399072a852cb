"""`mktd worker [--once] [--interval S]` and `mktd worker --install systemd|cron|launchd`."""

from typing import TYPE_CHECKING, Annotated, Any

import typer

from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.wiring import Deps

app = typer.Typer()


@app.command("worker")
def worker(
    once: Annotated[bool, typer.Option("--once", help="Run what is due, then exit.")] = False,
    interval: Annotated[
        float,
        typer.Option(
            "--interval",
            min=1.0,
            max=86_400.0,
            metavar="S",
            help="Seconds between runs when looping.",
        ),
    ] = 60.0,
    install: Annotated[
        str | None,
        typer.Option(
            "--install", metavar="KIND", help="Print a systemd|cron|launchd setup that runs --once."
        ),
    ] = None,
    write: Annotated[
        bool, typer.Option("--write", help="With --install: write the files where they belong.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Publish due posts, retry rate-limited ones, refresh analytics and tokens.

    Safe to run several at once (jobs are leased). SIGTERM or Ctrl-C finishes the current job
    and exits.
    """
    from mktdirector.cli import _deps

    deps = _deps.current()
    if install is not None:
        return _install(deps, install, write=write, json_out=json_out)
    if write:
        from mktdirector.core.errors import UsageError

        raise UsageError(
            "--write goes with --install.", hint="mktd worker --install systemd --write"
        )
    run(deps, once=once, interval=interval, json_out=json_out)


def run(deps: "Deps", *, once: bool, interval: float, json_out: bool) -> None:
    import signal
    from signal import SIGINT, SIGTERM

    from mktdirector.agents.worker.loop import StopFlag

    stop = StopFlag()
    # The handler only sets a flag: the current job finishes, the loop ends between jobs.
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (SIGTERM, SIGINT)}
    try:
        _loop(deps, stop, once=once, interval=interval, json_out=json_out)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _loop(deps: "Deps", stop: Any, *, once: bool, interval: float, json_out: bool) -> None:
    from mktdirector.agents.social import schedule as sched
    from mktdirector.agents.worker.context import Settings
    from mktdirector.agents.worker.loop import Worker
    from mktdirector.cli import _output

    w = Worker(
        deps.store,
        deps.integration,
        settings=Settings.from_config(deps.config.get),
        clock=deps.clock.now,  # the same clock as the limiter and the HTTP clients
        tz=sched.user_tz(deps.config.get),
        slots=lambda p: deps.config.get(f"schedule.{p}"),
        after_run=lambda: _alerts(deps),
        on_notice=(lambda m: _output.emit_json_line({"notice": m})) if json_out else _output.warn,
        keepalive_store=lambda: _second_store(deps),
    )

    def show(o: Any) -> None:
        if json_out:
            _output.emit_json_line(o.to_dict())
        elif not o.quiet:
            what = f"{o.kind} {o.draft_id}" if o.draft_id else f"{o.kind} {o.platform or ''}"
            link = f"  {o.url}" if o.url else ""
            _output.info(f"{o.status:<9} {what.strip()}: {o.message}{link}")

    if once:
        outcomes = w.run_once(stop=stop, on_outcome=show)
        if not json_out and not any(not o.quiet for o in outcomes):
            _output.info("Nothing was due.")
        return
    if not json_out:
        _output.info(f"mktd worker: running due jobs every {interval:g} s; Ctrl-C to stop.")

    def failed(exc: Exception) -> None:
        msg = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        _output.warn(f"This run failed ({msg}); trying again in {interval:g} s.")

    w.run_forever(interval, stop, on_outcome=show, on_error=failed)
    if not json_out:
        _output.info("mktd worker: stopped.")


def _second_store(deps: "Deps") -> Any:
    """Another connection to the same database, for the lease keep-alive thread: the team's
    PostgreSQL database when one is set (as Deps.store chooses), else the home's SQLite file."""
    url = deps.config.get("database.url")
    if url:
        from mktdirector.store.postgres.store import PostgresStore

        return PostgresStore(url)
    from mktdirector.core.paths import db_path
    from mktdirector.store import Store

    return Store(db_path(deps.home))


def _alerts(deps: "Deps") -> None:
    """After each run: raise alerts for what went wrong and deliver them (Slack, email)."""
    from mktdirector.agents.ops.alerts import run_alerts

    run_alerts(
        deps.store, deps.alert_channels(), failure_rate=deps.config.get("alerts.failure_rate")
    )


def _install(deps: "Deps", kind: str, *, write: bool, json_out: bool) -> None:
    from mktdirector.agents.worker import install as worker_install
    from mktdirector.cli import _output

    p = worker_install.plan(kind.strip().lower(), home=deps.home)
    if write:
        worker_install.write(p)
    if json_out:
        _output.emit_json(p.to_dict())
        return
    if write and p.files:
        for path in p.written:
            _output.success(f"Wrote {path}")
    else:
        _output.text(p.text)  # as is: rich would wrap a long ExecStart line
    label = "Install it with" if p.kind == "cron" else "Enable it with"
    _output.info(f"{label}: {p.enable}")
    for note in p.notes:
        _output.info(f"Note: {note}")

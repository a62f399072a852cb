"""`mktd db check|recover|copy`: the database itself — the local SQLite file's health
(docs/reliability.md), and moving a home into a team's PostgreSQL (docs/teams.md)."""

from typing import Annotated, Any

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer(
    help="Check the local database, recover a damaged one, copy it into PostgreSQL.",
    no_args_is_help=True,
)


@app.command("check")
def check(json_out: JsonOpt = False) -> None:
    """Check every page and table of the database; exit 1 when it is damaged."""
    from mktdirector.agents.ops.database import check_database
    from mktdirector.cli import _deps, _output
    from mktdirector.core.paths import db_path

    result = check_database(db_path(_deps.current().home))
    if json_out:
        _output.emit_json(result.to_dict())
    else:
        _show_check(result)
    if not result.ok:
        raise typer.Exit(1)


def _show_check(result: Any) -> None:
    from mktdirector.cli import _output

    for t in result.tables:
        _output.line(f"{t.name:<20} " + (f"{t.rows} rows" if t.error is None else "UNREADABLE"))
    if result.ok:
        _output.success(f"{result.path}: no damage found.")
        return
    for problem in result.problems[:10]:
        _output.warn(problem)
    from mktdirector.core.errors import StoreError

    _output.error(
        StoreError(
            f"{result.path} is damaged.",
            hint="mktd db recover copies what is readable into a fresh file (the old one is kept)",
        )
    )


@app.command("recover")
def recover(
    force: Annotated[
        bool, typer.Option("--force", help="Copy even a database that passed the check.")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Copy what is readable into a fresh database; keep the damaged file beside it.

    Stop `mktd worker` first. Exit 0 when every row was copied, 1 when some were lost.
    """
    from mktdirector.agents.ops.database import recover_database
    from mktdirector.cli import _deps, _output
    from mktdirector.core.paths import db_path

    deps = _deps.current()
    path = db_path(deps.home)
    deps.store.close()  # the fresh file takes its place: nothing may hold the old one open
    result = recover_database(path, force=force)
    if json_out:
        _output.emit_json(result.to_dict())
    else:
        for t in result.tables:
            lost = f", {t.skipped_regions} damaged stretch(es) skipped" if t.skipped_regions else ""
            _output.line(f"{t.name:<20} {t.copied} rows copied{lost}")
        _output.success(f"Recovered into {result.path}; the damaged file is kept as {result.kept}.")
    if not result.complete:
        raise typer.Exit(1)


@app.command("copy")
def copy(
    to: Annotated[str, typer.Option("--to", help="postgresql://user@host:5432/db")],
    json_out: JsonOpt = False,
) -> None:
    """Copy this home's SQLite database into PostgreSQL (safe to run again: only new rows are
    added, counts are checked). Then set database.url to use it."""
    from mktdirector.agents.ops.db_copy import copy_home_to_postgres
    from mktdirector.cli import _deps, _output
    from mktdirector.core.paths import db_path

    result = copy_home_to_postgres(db_path(_deps.current().home), to)
    if json_out:
        _output.emit_json(result)
        return
    _output.table(
        result["tables"],
        ["table", "source", "copied", "target"],
        headers=["table", "in SQLite", "copied now", "in PostgreSQL"],
    )
    if result["keyring_tokens"]:
        _output.info(
            f"Tokens from this machine's OS keyring, now encrypted in the team's secrets: "
            f"{', '.join(result['keyring_tokens'])} ({result['keyring_copied']} new)."
        )
    if result["keyring_missing"]:
        _output.warn(
            f"Not in the OS keyring any more, so not copied: {', '.join(result['keyring_missing'])}"
            " (authorize them again on a team host)."
        )
    _output.success(f"Copied {result['copied']} row(s) to {result['to']}; every count checks.")
    _output.info(f"Use it from now on: mktd config set database.url {result['to']}")

"""`mktd db`: the database itself (copy a SQLite home into PostgreSQL)."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer(no_args_is_help=True, help="The database itself.")


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
    _output.success(f"Copied {result['copied']} row(s) to {result['to']}; every count checks.")
    _output.info(f"Use it from now on: mktd config set database.url {result['to']}")

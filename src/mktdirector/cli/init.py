"""`mktd init`: the home directory, database, config and brand file."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer()


@app.command("init")
def init(
    generate_secret_key: Annotated[
        bool,
        typer.Option(
            "--generate-secret-key",
            help="Print a new Fernet key for MKTD_SECRET_KEY (for machines without a keyring).",
        ),
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Create the mktd home (0700), database, config.toml and a commented brand.toml. Idempotent."""
    from mktdirector.agents.ops.setup import generate_secret_key as new_key
    from mktdirector.agents.ops.setup import initialize
    from mktdirector.cli import _deps
    from mktdirector.cli.views import ops as render

    if generate_secret_key:
        return render.secret_key(new_key(), json_out)
    deps = _deps.current()
    render.initialized(initialize(deps.home, deps.store), json_out)

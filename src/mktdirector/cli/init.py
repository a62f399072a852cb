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
    from mktdirector.agents.ops.setup import generate_secret_key as gen
    from mktdirector.agents.ops.setup import initialize
    from mktdirector.cli import _deps, _output

    if generate_secret_key:
        key = gen()
        if json_out:
            _output.emit_json({"secret_key": key})
        else:
            _output.line(key)
            _output.info("Keep it secret; set it as MKTD_SECRET_KEY where mktd runs.")
        return
    deps = _deps.current()
    result = initialize(deps.home, deps.store)
    if json_out:
        _output.emit_json(result)
        return
    for item in result["files"]:
        verb = "created" if item["created"] else "exists "
        _output.line(f"{verb}  {item['path']}")
    _output.success(f"mktd home ready: {result['home']}")

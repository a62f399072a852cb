"""`mktd secrets`: the encrypted secrets table's key (rotation)."""

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer(no_args_is_help=True, help="The encrypted secrets table's key.")


@app.command("rotate-key")
def rotate_key(json_out: JsonOpt = False) -> None:
    """Re-encrypt every stored secret under the newest key. Set the key source (MKTD_SECRET_KEY,
    MKTD_SECRET_KEY_FILE or MKTD_SECRET_KEY_AWS_SECRET_ID) to NEW,OLD first; safe to run again
    if it was interrupted."""
    from mktdirector.agents.auth.secret_rotation import rotate_secret_key
    from mktdirector.cli import _deps, _output
    from mktdirector.core import secret_key

    deps = _deps.current()
    result = rotate_secret_key(deps.store, secret_key.load())
    if json_out:
        _output.emit_json(
            {"total": result.total, "rotated": result.rotated, "already": result.already,
             "changed_meanwhile": result.changed}
        )  # fmt: skip
        return
    _output.success(
        f"Rotated {result.rotated} of {result.total} secret(s) to the new key "
        f"({result.already} already were, {result.changed} rewritten meanwhile by another host)."
    )
    _output.info("Every secret is now under the first key: the key source can hold it alone.")

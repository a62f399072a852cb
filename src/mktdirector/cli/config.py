"""`mktd config show|get|set|unset`."""

from typing import Annotated

import typer

from mktdirector.cli._options import JsonOpt

app = typer.Typer(help="Show and change settings in config.toml.", no_args_is_help=True)


@app.command("show")
def show(
    all_keys: Annotated[bool, typer.Option("--all", help="Include unset defaults.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """List every setting in effect and where its value comes from."""
    from mktdirector.cli import _deps, _output

    config = _deps.current().config
    rows = config.rows(include_defaults=all_keys)
    if all_keys:
        from mktdirector.core.config import KEYS

        for spec in KEYS:
            if "*" in spec.pattern:
                rows.append({"key": spec.pattern, "value": None, "source": "per platform"})
    if json_out:
        _output.emit_json(rows)
        return
    _output.info(f"config file: {config.path}")
    _output.table(rows, ["key", "value", "source"])


@app.command("get")
def get(key: str, json_out: JsonOpt = False) -> None:
    """Print one setting's value (after env and flag precedence)."""
    from mktdirector.cli import _deps, _output

    value, source = _deps.current().config.get_with_source(key)
    if json_out:
        _output.emit_json({"key": key, "value": value, "source": source})
    elif isinstance(value, list | tuple):
        _output.line(",".join(str(v) for v in value))  # as `config set` takes it back
    else:
        _output.line("" if value is None else str(value))


@app.command("set")
def set_(key: str, value: str) -> None:
    """Validate and save a setting, e.g. `mktd config set linkedin.version 202610`."""
    from mktdirector.cli import _deps, _output

    deps = _deps.current()
    from mktdirector.core.paths import ensure_dir

    ensure_dir(deps.home)
    saved = deps.config.set(key, value)
    _output.success(f"{key} = {saved}")
    _, source = deps.config.get_with_source(key)
    if source.startswith("env:"):
        _output.warn(f"Note: {source[4:]} is set and overrides this value.")


@app.command("unset")
def unset(key: str) -> None:
    """Remove a setting from config.toml (back to its default)."""
    from mktdirector.cli import _deps, _output

    removed = _deps.current().config.unset(key)
    _output.info(f"{key} removed" if removed else f"{key} was not set in config.toml")

"""UnsetOptionsCommand parses exactly as Typer does, without converting options left off.

The same command is declared twice, once as Typer builds it and once with
`cls=UnsetOptionsCommand`; every argument list must give the same values, output, errors and
exit code, and an option that was left off must never reach Typer's conversion.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner

from mktdirector.cli._options import JsonOpt, TzOpt, limit, platform
from mktdirector.cli._unset_options import UnsetOptionsCommand, unset_options


def _app(cls: Any, seen: list[dict[str, Any]]) -> typer.Typer:
    app = typer.Typer()

    @app.command("list", cls=cls)
    def list_(
        name: Annotated[str, typer.Argument(help="A name.")],
        status: Annotated[str | None, typer.Option("--status", help="draft, ...")] = None,
        plat: Annotated[str | None, platform()] = None,
        rows: Annotated[int, limit("At most this many.")] = 50,
        style: Annotated[str, typer.Option("--style", "-s", help="A style.")] = "plain",
        path: Annotated[Path | None, typer.Option("--file", help="A file.")] = None,
        tz: TzOpt = None,
        json_out: JsonOpt = False,
    ) -> None:
        """List things."""
        seen.append(dict(name=name, status=status, plat=plat, rows=rows, style=style, path=path,
                         tz=tz, json_out=json_out))  # fmt: skip
        typer.echo(f"ok {seen[-1]}")

    @app.command("other")
    def other() -> None:
        """A second command, so `list` is a subcommand as in mktd."""

    return app


ARGVS = [
    ["list", "a"],
    ["list", "a", "--json"],
    ["list", "a", "--limit", "5"],
    ["list", "a", "--limit=7"],
    ["list", "a", "-n", "3"],
    ["list", "a", "-n3"],  # a short option and its value run together
    ["list", "a", "--limit", "0"],  # below the minimum
    ["list", "a", "--limit", "x"],  # not a number
    ["list", "a", "--limt", "5"],  # misspelt: Click suggests --limit
    ["list", "a", "--status", "--limit"],  # a value that looks like an option
    ["list", "a", "--status", "draft", "-p", "x"],
    ["list", "a", "-s", "loud", "--file", "f.txt", "--tz", "UTC"],
    ["list", "a", "--", "-n"],
    ["list", "a", "extra"],
    ["list"],  # the argument is missing
    ["list", "a", "--help"],
    ["list", "--help"],
    ["list", "a", "-"],
]


@pytest.mark.parametrize("argv", ARGVS, ids=" ".join)
def test_parses_as_typer_does(argv: list[str]) -> None:
    typer_seen: list[dict[str, Any]] = []
    ours_seen: list[dict[str, Any]] = []
    runner = CliRunner()
    want = runner.invoke(_app(None, typer_seen), argv, prog_name="t")
    got = runner.invoke(_app(UnsetOptionsCommand, ours_seen), argv, prog_name="t")

    assert (got.exit_code, got.stdout, got.stderr) == (want.exit_code, want.stdout, want.stderr)
    assert ours_seen == typer_seen


def test_only_options_no_argument_can_name_are_left_out() -> None:
    command = typer.main.get_command(_app(UnsetOptionsCommand, []))
    sub = command.commands["list"]  # type: ignore[attr-defined]

    def left_out(*args: str) -> set[str]:
        ctx = sub.context_class(sub, info_name="list")
        return {p.name for p in unset_options(sub, ctx, list(args))}

    assert left_out("a") == {"status", "plat", "rows", "style", "path", "tz"}
    assert left_out("a", "--limit", "5", "--json") == {"status", "plat", "style", "path", "tz"}
    assert left_out("a", "--status", "--tz") == {"plat", "rows", "style", "path"}
    for unsure in (["--help"], ["-n5"], ["--limt"], ["--", "x"], ["-sn", "3"]):
        assert left_out("a", *unsure) == set(), unsure
    for settings in ({"default_map": {"rows": 9}}, {"auto_envvar_prefix": "T"}):
        ctx = sub.context_class(sub, info_name="list", **settings)
        assert unset_options(sub, ctx, ["a"]) == [], settings


def test_options_left_off_are_never_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Proof through the conversion itself: Click's public `process_value` of each parameter
    is counted (wrapped on the instances), and only the typed ones are processed."""
    seen: list[dict[str, Any]] = []
    command = typer.main.get_command(_app(UnsetOptionsCommand, seen))
    processed: list[str] = []
    for param in command.commands["list"].params:  # type: ignore[attr-defined]

        def counted(ctx: Any, value: Any, _param: Any = param, _orig: Any = param.process_value):
            processed.append(_param.name)
            return _orig(ctx, value)

        monkeypatch.setattr(param, "process_value", counted)

    command.main(["list", "a", "--limit", "5"], prog_name="t", standalone_mode=False)

    assert sorted(processed) == ["json_out", "name", "rows"]
    assert seen == [dict(name="a", status=None, plat=None, rows=5, style="plain", path=None,
                         tz=None, json_out=False)]  # fmt: skip


def _unset_options_commands() -> list[tuple[str, Any]]:
    from mktdirector.cli import app

    found: list[tuple[str, Any]] = []

    def walk(command: Any, path: str) -> None:
        if isinstance(command, UnsetOptionsCommand):
            found.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, f"{path} {name}".strip())

    walk(typer.main.get_command(app), "")
    return found


def test_mktd_commands_get_the_values_typer_would_give() -> None:
    """For every mktd command of this class, left-off options get exactly (value and type)
    what Typer's own conversion gives them: `--` makes the same command parse everything."""
    commands = _unset_options_commands()
    assert {"drafts list", "queue list", "social", "logs", "report"} <= {p for p, _ in commands}
    for path, command in commands:
        required = ["x" for p in command.params if p.required and not p.opts[0].startswith("-")]
        fast = command.make_context(path, list(required))
        full = command.make_context(path, ["--", *required])
        assert unset_options(command, fast, list(required)), path  # something was left out
        typed = {k: (type(v), v) for k, v in fast.params.items()}
        assert typed == {k: (type(v), v) for k, v in full.params.items()}, path

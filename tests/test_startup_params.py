"""cli/_fast_params.py: plain str/int/bool options convert without pydantic, with typer's answers.

Every case compares with what typer's own pydantic path returns for the same value, and counts
how often that path is built: never for a plain value, always for anything else.
"""

from __future__ import annotations

from typing import Annotated, Any

import pytest
import typer
from typer import _coercion
from typer.testing import CliRunner

from mktdirector.cli import _fast_params

_fast_params.install()


def _app() -> typer.Typer:
    app = typer.Typer()

    @app.command()
    def run(
        name: Annotated[str, typer.Option("--name")] = "x",
        limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
        count: Annotated[int | None, typer.Option("--count")] = None,
        loud: Annotated[bool, typer.Option("--loud")] = False,
    ) -> None:
        typer.echo(repr((name, limit, count, loud)))

    return app


@pytest.fixture
def slow_builds(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    built: list[Any] = []
    typer_builds = _coercion.build_runtime_param

    def counting(descriptor: Any) -> Any:
        built.append(descriptor.annotation)
        return typer_builds(descriptor)

    monkeypatch.setattr(_coercion, "build_runtime_param", counting)
    return built


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ([], "('x', 50, None, False)"),
        (["--name", "héllo wörld", "--limit", "7", "--loud"], "('héllo wörld', 7, None, True)"),
        (["--count", "-3", "--limit", "+500"], "('x', 500, -3, False)"),
        (["--name", ""], "('', 50, None, False)"),
    ],
)
def test_plain_values_convert_without_pydantic(
    args: list[str], expected: str, slow_builds: list[Any]
) -> None:
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == expected
    assert slow_builds == []  # typer's pydantic path was never built


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--limit", "abc"], "Input should be a valid integer"),
        (["--limit", "0"], "Input should be greater than or equal to 1"),
        (["--limit", "501"], "Input should be less than or equal to 500"),
        (["--count", "1.5"], "Input should be a valid integer"),
    ],
)
def test_other_values_get_typers_own_error(
    args: list[str], message: str, slow_builds: list[Any]
) -> None:
    result = CliRunner().invoke(_app(), args)
    assert result.exit_code == 2
    assert message in result.output
    assert slow_builds == [int]  # the refused value went through typer's pydantic path


def test_values_pydantic_accepts_but_we_do_not_parse_still_work(slow_builds: list[Any]) -> None:
    result = CliRunner().invoke(_app(), ["--limit", " 12 ", "--count", "1_000"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "('x', 12, 1000, False)"
    assert slow_builds == [int, int]

"""Plain `str`, `int` and `bool` options without pydantic, so offline commands start like `--help`.

Typer 0.29 converts every parameter value through a pydantic TypeAdapter, built on first use:
importing pydantic and building the adapters costs ~100 ms on `mktd drafts list`, more than the
rest of the command (issue 17). Its public API has no way around it (no `click_type`; `parser=`
still builds an adapter). For the two types nearly every option uses, the conversion pydantic
does is trivial and fully determined: a `str` value from the command line is returned as it is
(typer's `_parse_cli_str`), a `bool` stays that bool (typer's help and completion flags arrive
as None or a bool), and a decimal integer in range becomes that `int`. Those cases
are answered here; every other value (a non-decimal int, one out of range, clamping, bytes)
goes to typer's own pydantic path, so results and error messages stay exactly typer's.

This leans on typer's private `_TyperParameter.get_runtime_param` and its `_runtime_param` slot (pinned typer>=0.29,<0.30
in pyproject.toml); tests/test_startup_params.py fails if a typer upgrade changes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from typer import _coercion
from typer.core import _TyperParameter

_DECIMAL = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class PlainRuntimeParam(_coercion.RuntimeParam):
    """`str`, `bool` and `int` answered directly; anything else through typer's pydantic adapter."""

    descriptor: Any = None

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.annotation is str and isinstance(value, str):
            return value
        if self.annotation is bool and isinstance(value, bool):
            return value
        if self.annotation is int and self._plain_int(value):
            return int(value)
        # The fallback path is built (and pydantic imported) only when it is needed.
        slow = _coercion.build_runtime_param(self.descriptor)
        return slow._coerce_value(value, param=param, ctx=ctx)

    def _plain_int(self, value: Any) -> bool:
        info = self.parameter_info
        if getattr(info, "clamp", False) or getattr(info, "parser", None) is not None:
            return False
        if isinstance(value, bool) or not isinstance(value, int | str):
            return False
        if isinstance(value, str) and not _DECIMAL.fullmatch(value):
            return False
        number = int(value)
        low, high = getattr(info, "min", None), getattr(info, "max", None)
        return (low is None or number >= low) and (high is None or number <= high)


def _speed_up(param: Any) -> None:
    if not isinstance(param, _TyperParameter) or param._runtime_param is not None:
        return
    desc = param.type_descriptor
    info = desc.parameter_info
    if desc.file_annotation is not None or getattr(info, "parser", None) is not None:
        return
    if desc.annotation in (str, int, bool):
        param._runtime_param = PlainRuntimeParam(
            parameter_info=info, annotation=desc.annotation, descriptor=desc
        )


_installed = False


def install() -> None:
    """From now on, plain `str`/`int`/`bool` parameters convert without pydantic.

    Typer builds a parameter's conversion on its first value (`get_runtime_param`), including
    the help option it creates per command while parsing: wrapping that one method reaches every
    parameter, where walking the command tree would miss the help options.
    """
    global _installed
    if _installed:
        return
    _installed = True
    typer_builds = _TyperParameter.get_runtime_param

    def get_runtime_param(self: _TyperParameter) -> _coercion.RuntimeParam:
        _speed_up(self)
        return typer_builds(self)

    _TyperParameter.get_runtime_param = get_runtime_param  # type: ignore[method-assign]

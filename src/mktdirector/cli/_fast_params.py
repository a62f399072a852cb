"""Option values converted without pydantic where it adds nothing, so commands start fast.

Typer 0.29 converts every parameter value through a pydantic TypeAdapter, built on first use:
importing pydantic and building the adapters costs ~100 ms on `mktd drafts list`, more than the
rest of the command (issue 17). Its public API has no way around it (no `click_type`; `parser=`
still builds an adapter), and it builds the adapter even for an option left out (None).

Here every parameter gets a conversion that answers, without pydantic, what is fully
determined: an option left out stays None (typer's RuntimeParam.coerce), a `str` value from the
command line is returned as it is (typer's `_parse_cli_str`), a `bool` stays that bool (typer's
help and completion flags), and a decimal integer within the option's min/max becomes that
`int`. Every other value (a path, a choice, a non-decimal or out-of-range int, clamping) goes to
typer's own conversion, built then, so results and error messages stay exactly typer's.

This leans on typer's private `_TyperParameter.get_runtime_param` and its `_runtime_param`
slot (typer is pinned >=0.29,<0.30 in pyproject.toml); tests/test_startup_params.py compares
the answers with typer's and fails if an upgrade changes them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from typer import _coercion
from typer.core import _TyperParameter

_DECIMAL = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True)
class PlainRuntimeParam(_coercion.RuntimeParam):
    """None, `str`, `bool` and plain `int` answered directly; the rest by typer's conversion."""

    descriptor: Any = None
    typer_path: list[Any] = field(default_factory=list)  # typer's own conversion, once built

    def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
        if self.annotation is str and isinstance(value, str):
            return value
        if self.annotation is bool and isinstance(value, bool):
            return value
        if self.annotation is int and self._plain_int(value):
            return int(value)
        # Typer's path is built (and pydantic imported) only when a value needs it: an option
        # left out arrives as None and never gets here (RuntimeParam.coerce answers it).
        if not self.typer_path:
            self.typer_path.append(_coercion.build_runtime_param(self.descriptor))
        return self.typer_path[0]._coerce_value(value, param=param, ctx=ctx)

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
    param._runtime_param = PlainRuntimeParam(
        parameter_info=desc.parameter_info, annotation=desc.annotation, descriptor=desc
    )


_installed = False


def install() -> None:
    """From now on, parameters build typer's pydantic conversion only for values that need it.

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

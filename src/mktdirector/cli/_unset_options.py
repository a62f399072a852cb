"""A command class whose options left off the command line cost nothing to parse.

Typer 0.29 converts every non-bool parameter it processes through a pydantic TypeAdapter, and
builds that adapter (importing pydantic, ~50 ms) even for an option the user did not type,
whose value is None or its default (`process_value` asks for the adapter before it looks at
the value). `mktd drafts list` then paid for `--status`, `--platform` and `--limit` on every
run (issue 17 item 1).

`UnsetOptionsCommand` (passed as Typer's public `cls=`) keeps such options out of Click's parse
when no argument can name them, and gives the command their declared default, which is what
Typer's conversion returns for them. Only Click's public `Command.parse_args`/`get_params` and
`Parameter` attributes are used; nothing of Typer's private API is touched. Whenever the
arguments hold anything it cannot read for sure (`--help`, an unknown or misspelt option,
short options run together, a value that looks like an option) it parses as Typer always
does, so help texts and error messages stay the same.
"""

from __future__ import annotations

from typing import Any

from typer.core import TyperCommand, TyperOption

# ctx.meta key: the names of the options kept out of the parse in progress.
_UNSET = "mktdirector.cli.unset_options"
# Defaults Typer's conversion returns unchanged when they match the option's type (a `float`
# option must not default to an int: tests/cli/test_unset_options.py checks every command).
_PLAIN_DEFAULTS = (str, int, float)


def _skippable(param: Any) -> bool:
    """An optional, single-valued option whose absent value is just its declared default."""
    return (
        isinstance(param, TyperOption)
        and not param.is_flag
        and not param.count
        and not param.multiple
        and param.nargs == 1
        and not param.required
        and not param.prompt
        and param.envvar is None
        and param.callback is None
        and (param.default is None or type(param.default) in _PLAIN_DEFAULTS)
    )


def _names(param: Any) -> set[str]:
    return {*param.opts, *param.secondary_opts}


def unset_options(command: Any, ctx: Any, args: list[str]) -> list[Any]:
    """The options of `command` that `args` cannot set; [] when unsure (parse them all)."""
    if ctx.default_map or ctx.auto_envvar_prefix:
        return []  # a default from a map or an environment variable is Typer's to convert
    params = command.get_params(ctx)
    known = {name for p in params for name in _names(p)}
    typed = {arg.split("=", 1)[0] for arg in args if arg.startswith("-") and arg != "-"}
    if "--" in args or typed - known or typed & set(ctx.help_option_names):
        return []
    return [p for p in params if _skippable(p) and not _names(p) & typed]


class UnsetOptionsCommand(TyperCommand):
    """A Typer command that converts only the options the user typed (see the module doc)."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        unset = unset_options(self, ctx, args)
        ctx.meta[_UNSET] = {p.name for p in unset}
        try:
            rest: list[str] = super().parse_args(ctx, args)
        finally:
            ctx.meta.pop(_UNSET, None)
        for param in unset:
            ctx.params.setdefault(param.name, param.default)
        return rest

    def get_params(self, ctx: Any) -> list[Any]:
        params: list[Any] = super().get_params(ctx)
        unset = ctx.meta.get(_UNSET)
        return [p for p in params if p.name not in unset] if unset else params

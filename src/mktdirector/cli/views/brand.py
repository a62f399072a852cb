"""`mktd brand lint`: the findings, and exit 1 when one of them is an error."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mktdirector.cli import _output

if TYPE_CHECKING:
    from mktdirector.agents.content.brand import Brand, Finding


def lint(found: list[Finding], brand: Brand, json_out: bool) -> None:
    from mktdirector.agents.content.brand import has_errors

    if json_out:
        _output.emit_json({"brand": brand.hash, "findings": [f.to_dict() for f in found]})
    elif found:
        _output.findings(found)
    else:
        _output.success("No findings.")
    if has_errors(found):
        raise typer.Exit(1)

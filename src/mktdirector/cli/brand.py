"""`mktd brand show|edit|lint`."""

from pathlib import Path
from typing import Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

app = typer.Typer(help="Your brand voice: show, edit, lint text against it.", no_args_is_help=True)


@app.command("show")
def show(json_out: JsonOpt = False) -> None:
    """Show the brand rules in effect and their version (the file's hash)."""
    from mktdirector.cli import _deps, _output

    brand = _deps.current().brand()
    if json_out:
        _output.emit_json(brand.to_dict())
        return
    if brand.path is None:
        _output.warn("No brand.toml yet: neutral rules apply. Create one with mktd init.")
    _output.info(f"brand {brand.hash}  {brand.path or ''}")
    _output.line(brand.rules_text())


@app.command("edit")
def edit() -> None:
    """Edit brand.toml in $EDITOR; an invalid file is refused and the old one kept."""
    from mktdirector.agents.content.brand import parse_brand
    from mktdirector.agents.ops.setup import BRAND_TEMPLATE
    from mktdirector.cli import _deps, _editor, _output
    from mktdirector.core import paths

    path = paths.brand_path(_deps.current().home)
    current = path.read_text(encoding="utf-8") if path.exists() else BRAND_TEMPLATE
    new = _editor.edit_text(current, suffix=".toml")
    brand = parse_brand(new.encode("utf-8"), "the edited brand file")  # raises; old file kept
    paths.write_private(path, new)
    _output.success(f"Saved {path} (brand {brand.hash}).")


@app.command("lint")
def lint(
    file: Annotated[Path | None, typer.Argument(help="A text file to lint ('-' = stdin).")] = None,
    draft: Annotated[
        str | None, typer.Option("--draft", help="Lint a saved draft instead.")
    ] = None,
    platform: Annotated[str, _options.platform("linkedin, twitter or email.")] = "linkedin",
    json_out: JsonOpt = False,
) -> None:
    """Check a text against the brand and platform rules; exit 1 when there are errors."""
    from mktdirector.agents.content import review
    from mktdirector.cli import _deps
    from mktdirector.cli._files import read_text
    from mktdirector.cli.views import brand as render
    from mktdirector.core.errors import UsageError

    if (file is None) == (draft is None):
        raise UsageError(
            "Give a FILE or --draft ID.", hint="mktd brand lint post.md --platform twitter"
        )
    deps = _deps.current()
    brand = deps.brand()
    text = None if file is None else read_text(file)
    found = review.lint(deps.store, brand, draft_id=draft, text=text, platform=platform)
    render.lint(found, brand, json_out)

"""`mktd brand show|edit|lint`."""

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mktdirector.cli import _options
from mktdirector.cli._options import JsonOpt

if TYPE_CHECKING:
    from mktdirector.agents.content.brand import Brand

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
    """Edit brand.toml in $EDITOR; an invalid edit is kept aside and reopened, never lost."""
    from mktdirector.agents.ops.setup import BRAND_TEMPLATE
    from mktdirector.cli import _deps, _editor, _output
    from mktdirector.core import paths

    path = paths.brand_path(_deps.current().home)
    aside = path.with_name(path.name + ".rejected")  # an earlier invalid edit, kept for the user
    if aside.exists():
        _output.info(f"Reopening your earlier edit that was not valid ({aside}).")
        current = aside.read_text(encoding="utf-8")
    else:
        current = path.read_text(encoding="utf-8") if path.exists() else BRAND_TEMPLATE
    while True:
        new = _editor.edit_text(current, suffix=".toml")
        brand = _valid_or_kept(new, aside)
        if brand is not None:
            break
        current = new
    paths.write_private(path, new)
    aside.unlink(missing_ok=True)
    _output.success(f"Saved {path} (brand {brand.hash}).")


def _valid_or_kept(new: str, aside: Path) -> "Brand | None":
    """The parsed brand; an invalid edit is saved aside, then reopened on a terminal (None) or
    refused with where it was kept (the old brand.toml untouched either way)."""
    from mktdirector.agents.content.brand import parse_brand
    from mktdirector.cli import _output
    from mktdirector.core import paths
    from mktdirector.core.errors import ConfigError, MktdError

    try:
        return parse_brand(new.encode("utf-8"), "the edited brand file")
    except ConfigError as e:
        paths.write_private(aside, new)
        problem = str(e)
    _output.warn(problem)
    try:  # "no" (or no terminal to ask on) ends with where the edit was kept, below
        if _output.confirm("Reopen the editor to fix it?", assume_yes=False):
            return None
    except MktdError:
        pass
    raise ConfigError(
        f"{problem} brand.toml was not changed; your edit is kept in {aside}.",
        hint="mktd brand edit (reopens your edit)",
    )


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

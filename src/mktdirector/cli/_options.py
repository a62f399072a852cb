"""Options shared by many commands, declared once.

Flags that read the same everywhere are Annotated aliases (`json_out: JsonOpt = False`).
Flags whose help says what *this* command does with them (`--yes`: publish, send or approve
without asking) are made by a small function, so the name and short form stay one declaration
while `--help` keeps its precise wording.
"""

from typing import Annotated, Any

import typer

TZ_HELP = "IANA zone for WHEN and the shown times (default: schedule.timezone, TZ, system)."

JsonOpt = Annotated[bool, typer.Option("--json", help="Output JSON.")]
TzOpt = Annotated[str | None, typer.Option("--tz", metavar="ZONE", help=TZ_HELP)]
AccountOpt = Annotated[str | None, typer.Option("--account", help="Which connected account.")]


def yes(help: str) -> Any:
    """`--yes/-y`: do it without asking (the help names what "it" is)."""
    return typer.Option("--yes", "-y", help=help)


def dry_run(help: str) -> Any:
    """`--dry-run`: show what would be sent; send nothing."""
    return typer.Option("--dry-run", help=help)


# Bounds on numbers, so 99999999999999999999999 is a usage error, not an OverflowError in SQLite.
MAX_ROWS = 100_000
MAX_PORT = 65_535


def short_text(value: str | None) -> str | None:
    """A callback for an id, address or name that ends up in a URL: at most ID_MAX characters.

    A 100 KB value would otherwise fail inside httpx ("URL too long") after the command began.
    """
    from mktdirector.core.errors import UsageError
    from mktdirector.core.inputs import ID_MAX

    if value is not None and len(value) > ID_MAX:
        raise UsageError(
            f"{value[:24]}... is {len(value):,} characters; an id or address has at most {ID_MAX}.",
            hint="Check the value (copy the id from the command that showed it)",
        )
    return value


def limit(help: str | None = None, *, short: bool = True) -> Any:
    """`--limit/-n`: at most this many rows."""
    names = ("--limit", "-n") if short else ("--limit",)
    return typer.Option(*names, min=1, max=MAX_ROWS, help=help)


def since(help: str) -> Any:
    """`--since`: YYYY-MM-DD or a span back from now (7d, 4w)."""
    return typer.Option("--since", help=help)


def platform(help: str | None = None) -> Any:
    """`--platform/-p`: one platform id or alias."""
    return typer.Option("--platform", "-p", help=help)

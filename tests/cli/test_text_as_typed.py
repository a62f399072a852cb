"""What a person typed is printed as typed: never read as rich markup or emoji codes.

A draft preview `Launch :rocket: [red]now[/red] [b]` showed in `mktd drafts list` as
`Launch 🚀 now` (rich parsed the cell as markup, dropped the tags, and swapped the emoji
code): the table then hid what the post will really say. Tables, key/value blocks, lines and
errors all go through cli/_output.py's consoles, which now read neither.
"""

from __future__ import annotations

import pytest

from mktdirector.cli import _output
from mktdirector.core.errors import UsageError

TYPED = "Launch :rocket: [red]now[/red] [b] ok"


@pytest.fixture(autouse=True)
def fresh_consoles() -> None:
    _output.reset()  # consoles bound to the stdout/stderr capsys installed


def test_a_table_cell_is_shown_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    _output.table([{"id": "1", "preview": TYPED}], ["id", "preview"])
    out = capsys.readouterr().out
    assert TYPED in out
    assert "🚀" not in out


def test_a_table_title_and_key_values_are_shown_as_typed(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _output.table([{"a": "x" * 40}], ["a"], title="[bold]Drafts[/bold] :fire:")  # title fits
    _output.key_values([("note", TYPED)])
    out = capsys.readouterr().out
    assert "[bold]Drafts[/bold] :fire:" in out
    assert f"note  {TYPED}" in out


def test_lines_and_errors_are_shown_as_typed(capsys: pytest.CaptureFixture[str]) -> None:
    _output.line(TYPED)
    _output.error(UsageError(f"bad {TYPED}", hint="use :smile: [here]"))
    captured = capsys.readouterr()
    assert captured.out == f"{TYPED}\n"
    assert captured.err == f"Error: bad {TYPED}\nHint: use :smile: [here]\n"

"""Messages on a stderr that is no terminal are written without rich, byte for byte as rich
would print them (cli/_plain_stderr.py); anything else still goes through rich."""

from __future__ import annotations

import io
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.console import Console

from mktdirector.cli import _output, _plain_stderr
from mktdirector.core.errors import UsageError

STYLES = [None, "green", "yellow", "bold red"]
# Any text, with the characters rich treats specially made likely.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from("\r\n\x07\x08\x0b\x0c\x1b[]: \u200b\u0301中😀"),
    ),
    max_size=120,
).filter(lambda t: "\t" not in t)  # rich prints text with a tab (the case below)


class Pipe(io.StringIO):
    """A stderr that is not a terminal, as in a pipe or under CliRunner."""

    def isatty(self) -> bool:
        return False


class Tty(Pipe):
    def isatty(self) -> bool:
        return True


def as_rich_prints(text: str, style: str | None) -> str:
    """What cli/_output.py's stderr console prints for `text` into a pipe."""
    out = Pipe()
    Console(file=out, highlight=False, soft_wrap=True, markup=False, emoji=False).print(
        text, style=style, markup=False
    )
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(text=TEXT, style=st.sampled_from(STYLES))
def test_the_plain_write_is_what_rich_prints(text: str, style: str | None) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("FORCE_COLOR", raising=False)
        mp.delenv("TTY_COMPATIBLE", raising=False)
        pipe = Pipe()
        mp.setattr(sys, "stderr", pipe)
        assert _plain_stderr.write(text)
    assert pipe.getvalue() == as_rich_prints(text, style)


@pytest.mark.parametrize(
    ("stream", "env", "text"),
    [
        (Tty(), {}, "on a terminal"),
        (Pipe(), {"FORCE_COLOR": "1"}, "colour forced"),
        (Pipe(), {"TTY_COMPATIBLE": "1"}, "terminal forced"),
        (Pipe(), {}, "a\ttab"),  # rich expands tabs by cell width
    ],
)
def test_rich_prints_whenever_it_could_differ(
    monkeypatch: pytest.MonkeyPatch, stream: Pipe, env: dict[str, str], text: str
) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stderr", stream)
    assert not _plain_stderr.write(text)
    assert stream.getvalue() == ""  # nothing written: the caller prints through rich


def test_errors_and_notes_print_the_same_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through _output's own functions, as every command and error uses them."""
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    pipe = Pipe()
    monkeypatch.setattr(sys, "stderr", pipe)
    _output.reset()
    _output.error(UsageError("bad \x07value\r", hint="mktd drafts list"))
    _output.warn("careful")
    _output.info("")
    assert pipe.getvalue() == (
        as_rich_prints("Error: bad \x07value\r", "bold red")
        + as_rich_prints("Hint: mktd drafts list", "yellow")
        + as_rich_prints("careful", "yellow")
        + as_rich_prints("", None)
    )
    assert pipe.getvalue() == "Error: bad value\nHint: mktd drafts list\ncareful\n\n"

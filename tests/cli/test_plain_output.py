"""Output into a pipe is written without rich where rich would print exactly the same bytes
(cli/_plain.py), and goes through rich everywhere else. Each case runs both ways: the plain
writer, and rich with the plain writer switched off."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from rich.console import Console

from mktdirector.cli import _output, _plain
from mktdirector.core.errors import UsageError

STYLES = [None, "green", "yellow", "bold red"]
# Any text, with the characters rich treats specially made likely.
ANY_TEXT = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs",)),
        st.sampled_from("\r\n\x07\x08\x0b\x0c\x1b[]: \u200b\u0301中😀"),
    ),
    max_size=120,
)
# Cell text: mostly plain words, sometimes what sends a table back to rich.
CELL = st.text(
    alphabet=st.one_of(
        st.characters(min_codepoint=32, max_codepoint=126),
        st.sampled_from(" " * 8 + "–é中\n"),
    ),
    max_size=90,
)


class Pipe(io.StringIO):
    """A stream that is not a terminal, as a pipe or CliRunner's."""

    def isatty(self) -> bool:
        return False


class Tty(Pipe):
    def isatty(self) -> bool:
        return True


def _no_forcing(mp: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        mp.delenv(name, raising=False)


def printed(show: Callable[[], None], *, rich: bool, columns: int = 80) -> tuple[str, int]:
    """stdout of `show()` into a pipe, and how many times the plain writer wrote."""
    wrote = 0
    with pytest.MonkeyPatch.context() as mp:
        _no_forcing(mp)
        mp.setenv("COLUMNS", str(columns))
        out = Pipe()
        mp.setattr(sys, "stdout", out)
        if rich:
            mp.setattr(_plain, "stdout_width", lambda: None)
        for name in ("write_line", "write_table", "write_key_values"):
            real = getattr(_plain, name)

            def counted(*a: object, _real: Callable[..., bool] = real) -> bool:
                nonlocal wrote
                done = _real(*a)
                wrote += done
                return done

            mp.setattr(_plain, name, counted)
        _output.reset()
        show()
        _output.reset()
    return out.getvalue(), wrote


def same_both_ways(show: Callable[[], None], columns: int = 80) -> int:
    plain, wrote = printed(show, rich=False, columns=columns)
    assert printed(show, rich=True, columns=columns) == (plain, 0)
    return wrote


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(st.tuples(CELL, CELL, CELL), max_size=4),
    columns=st.integers(20, 120),
)
@example(rows=[], columns=80)
@example(rows=[("01J9ZQ", "draft", "Launch day"), ("7", "", "a b  c ")], columns=80)
def test_a_table_is_what_rich_prints(rows: list[tuple[str, str, str]], columns: int) -> None:
    data = [{"id": a, "status": b, "preview": c} for a, b, c in rows]
    same_both_ways(
        lambda: _output.table(data, ["id", "status", "preview"], no_wrap=["id", "status"]),
        columns,
    )


@settings(max_examples=150, deadline=None)
@given(pairs=st.lists(st.tuples(CELL, CELL), max_size=4), columns=st.integers(20, 120))
@example(pairs=[("home", "/tmp/h"), ("notifications", "0")], columns=80)
def test_key_values_are_what_rich_prints(pairs: list[tuple[str, str]], columns: int) -> None:
    same_both_ways(lambda: _output.key_values(pairs), columns)


@settings(max_examples=150, deadline=None)
@given(text=CELL, style=st.sampled_from(STYLES), columns=st.integers(10, 120))
def test_a_line_is_what_rich_prints(text: str, style: str | None, columns: int) -> None:
    same_both_ways(lambda: _output.line(text, style=style), columns)


def test_simple_output_really_skips_rich() -> None:
    """The cases above are not vacuous: plain rows, pairs and lines take the plain writer."""
    rows = [{"id": "1", "status": "draft", "preview": "Launch day"}]
    assert same_both_ways(lambda: _output.table(rows, ["id", "status", "preview"])) == 1
    assert same_both_ways(lambda: _output.key_values([("home", "/tmp/h")])) == 1
    assert same_both_ways(lambda: _output.line("queue: 0 queued")) == 1
    # wrapped as rich wraps: at spaces, a long word folded
    long = [{"id": "1", "preview": "word " * 30 + "x" * 100}]
    assert same_both_ways(lambda: _output.table(long, ["id", "preview"], no_wrap=["id"])) == 1
    assert same_both_ways(lambda: _output.key_values([("k", "word " * 30)]), 40) == 1
    # and what needs rich gets it: a title, non-ASCII, a line wider than the terminal
    assert same_both_ways(lambda: _output.table(rows, ["id"], title="Drafts")) == 0
    assert same_both_ways(lambda: _output.key_values([("k", "é")])) == 0
    assert same_both_ways(lambda: _output.line("x" * 81)) == 0


@contextlib.contextmanager
def pipes(mp: pytest.MonkeyPatch) -> Iterator[tuple[Pipe, Pipe]]:
    """stdout and stderr as pipes (set in the test itself: pytest resets them after setup)."""
    _no_forcing(mp)
    out, err = Pipe(), Pipe()
    mp.setattr(sys, "stdout", out)
    mp.setattr(sys, "stderr", err)
    _output.reset()
    yield out, err
    _output.reset()


def test_a_terminal_or_forced_colour_gets_rich(monkeypatch: pytest.MonkeyPatch) -> None:
    with pipes(monkeypatch) as (out, err):
        monkeypatch.setenv("COLUMNS", "80")
        assert _plain.stdout_width() == 80
        monkeypatch.delenv("COLUMNS")  # then the terminals on fds 0-2, as rich reads them
        assert _plain.stdout_width() == Console(file=sys.stdout).width
        refused(monkeypatch)
    assert out.getvalue() == err.getvalue() == ""  # nothing written by the refusals


def refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert _plain.stdout_width() is None
    assert not _plain.write_err("colour forced")
    monkeypatch.delenv("FORCE_COLOR")
    monkeypatch.setattr(sys, "stdout", Tty())
    assert _plain.stdout_width() is None
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(io.BytesIO(), encoding="latin-1"))
    assert _plain.stdout_width() is None  # rich draws ASCII boxes there


def as_rich_prints_to_stderr(text: str, style: str | None) -> str:
    """What cli/_output.py's stderr console prints for `text` into a pipe."""
    out = Pipe()
    Console(file=out, highlight=False, soft_wrap=True, markup=False, emoji=False).print(
        text, style=style, markup=False
    )
    return out.getvalue()


@settings(max_examples=300, deadline=None)
@given(
    text=ANY_TEXT.filter(lambda t: "\t" not in t),  # rich prints a tab (the case below)
    style=st.sampled_from(STYLES),
)
def test_a_stderr_message_is_what_rich_prints(text: str, style: str | None) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _no_forcing(mp)
        pipe = Pipe()
        mp.setattr(sys, "stderr", pipe)
        assert _plain.write_err(text)
    assert pipe.getvalue() == as_rich_prints_to_stderr(text, style)


@pytest.mark.parametrize(
    ("stream", "env", "text"),
    [
        (Tty(), {}, "on a terminal"),
        (Pipe(), {"FORCE_COLOR": "1"}, "colour forced"),
        (Pipe(), {"TTY_COMPATIBLE": "1"}, "terminal forced"),
        (Pipe(), {}, "a\ttab"),  # rich expands tabs by cell width
    ],
)
def test_rich_prints_stderr_whenever_it_could_differ(
    monkeypatch: pytest.MonkeyPatch, stream: Pipe, env: dict[str, str], text: str
) -> None:
    _no_forcing(monkeypatch)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stderr", stream)
    assert not _plain.write_err(text)
    assert stream.getvalue() == ""  # nothing written: the caller prints through rich


def test_errors_and_notes_print_as_rich_does(monkeypatch: pytest.MonkeyPatch) -> None:
    with pipes(monkeypatch) as (_, err):
        _output.error(UsageError("bad \x07value\r", hint="mktd drafts list"))
        _output.warn("careful")
        _output.info("")
    assert err.getvalue() == (
        as_rich_prints_to_stderr("Error: bad \x07value\r", "bold red")
        + as_rich_prints_to_stderr("Hint: mktd drafts list", "yellow")
        + as_rich_prints_to_stderr("careful", "yellow")
        + as_rich_prints_to_stderr("", None)
    )
    assert err.getvalue() == "Error: bad value\nHint: mktd drafts list\ncareful\n\n"

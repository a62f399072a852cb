"""Output into a pipe is written without rich where rich would print exactly the same bytes
(cli/_plain.py), and goes through rich everywhere else. Each case runs both ways: the plain
writer, and rich with the plain writer switched off.

Each property runs QUICK generated cases (and its explicit examples) in the inner loop, and
again with its full count as a `slow` twin (`..._in_full`), which CI runs."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Callable, Iterator

import pytest
from hypothesis import strategies as st
from rich.console import Console
from rich.panel import Panel

from mktdirector.cli import _draft_output, _output, _plain
from mktdirector.core.errors import UsageError

from property_twins import twins

STYLES = [None, "green", "yellow", "bold red"]
QUICK = 25  # generated cases per property in the inner loop (-m "not slow")
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
        for name in ("write_line", "write_table", "write_key_values", "write_panels"):
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


TABLES = {
    "rows": st.lists(st.tuples(CELL, CELL, CELL), max_size=4),
    "columns": st.integers(20, 120),
}


def a_table(rows: list[tuple[str, str, str]], columns: int) -> None:
    data = [{"id": a, "status": b, "preview": c} for a, b, c in rows]
    same_both_ways(
        lambda: _output.table(data, ["id", "status", "preview"], no_wrap=["id", "status"]),
        columns,
    )


test_a_table_is_what_rich_prints, test_a_table_is_what_rich_prints_in_full = twins(
    a_table, QUICK, 150, **TABLES,
    examples=[{"rows": [], "columns": 80},
              {"rows": [("01J9ZQ", "draft", "Launch day"), ("7", "", "a b  c ")], "columns": 80}],
)  # fmt: skip

PAIRS = {"pairs": st.lists(st.tuples(CELL, CELL), max_size=4), "columns": st.integers(20, 120)}


def key_values(pairs: list[tuple[str, str]], columns: int) -> None:
    same_both_ways(lambda: _output.key_values(pairs), columns)


test_key_values_are_what_rich_prints, test_key_values_are_what_rich_prints_in_full = twins(
    key_values, QUICK, 150, **PAIRS,
    examples=[{"pairs": [("home", "/tmp/h"), ("notifications", "0")], "columns": 80}],
)  # fmt: skip


LINES = {"text": CELL, "style": st.sampled_from(STYLES), "columns": st.integers(10, 120)}


def a_line(text: str, style: str | None, columns: int) -> None:
    same_both_ways(lambda: _output.line(text, style=style), columns)


test_a_line_is_what_rich_prints, test_a_line_is_what_rich_prints_in_full = twins(
    a_line, QUICK, 150, **LINES
)


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


# A post: words, blank lines and long words (the plain writer's), or with what sends it to rich.
POST = st.one_of(
    st.text(alphabet=st.sampled_from("abc de  \n" + "x" * 4), max_size=400),
    st.text(
        alphabet=st.one_of(
            st.characters(min_codepoint=32, max_codepoint=126),
            st.sampled_from(" " * 8 + "\n" * 3 + "x" * 5 + "·–é中😀\t\r"),
        ),
        max_size=400,
    ),
)
TITLE = st.one_of(
    st.none(),
    st.from_regex(r"\A[0-9]{1,4}/[0-9]{1,4}( · [0-9]{1,4}/280| chars)?\Z"),
    CELL,  # and titles mktd never makes: markup, ":", non-ASCII, too wide
    st.sampled_from(["[b]x[/b]", "a [red]", ":rocket:", "5/3000 é"]),
)


def a_draft(title: str | None, text: str) -> None:
    """cli/_draft_output.draft's two ways with any panel title: _plain.write_panels, else rich."""
    width = _output._plain_width()
    if width is None or not _plain.write_panels(["Dry run  x · y"], [(title, text)], width):
        _draft_output._rich_draft("Dry run", "x · y", "", None, [(title, text)])


PANELS = {"title": TITLE, "text": POST, "columns": st.integers(1, 130)}


def a_panel(title: str | None, text: str, columns: int) -> None:
    same_both_ways(lambda: a_draft(title, text), columns)


test_a_panel_is_what_rich_prints, test_a_panel_is_what_rich_prints_in_full = twins(
    a_panel, QUICK, 300, **PANELS,
    examples=[{"title": "5/3000", "text": "Hello", "columns": 80},
              {"title": "1/2 · 21/280", "text": "a\n\nb\n", "columns": 80},
              {"title": "12/3000", "text": "word " * 40 + "y" * 200, "columns": 37},
              {"title": None, "text": "", "columns": 6},
              {"title": "x" * 80, "text": "long title", "columns": 80}],
)  # fmt: skip


DRAFTS = st.fixed_dictionaries(
    {
        "platform": st.sampled_from(["linkedin", "x", "blog"]),
        "kind": st.sampled_from(["post", "thread"]),
        "body": st.lists(POST, max_size=3),
        "status": st.sampled_from(["draft", "approved"]),
    },
    optional={"id": st.just("01J9ZQ"), "topic": CELL, "edited_by": CELL},
)


DRAFT_CASES = {"d": DRAFTS, "columns": st.integers(20, 130), "lint": st.booleans()}


def a_whole_draft(d: dict[str, object], columns: int, lint: bool) -> None:
    items = [{"severity": "warning", "rule": "length", "message": "long", "line": 1}] * lint
    same_both_ways(lambda: _draft_output.draft(d, items), columns)


test_a_draft_is_what_rich_prints, test_a_draft_is_what_rich_prints_in_full = twins(
    a_whole_draft, QUICK, 150, **DRAFT_CASES
)


EMAILS = {"subject": CELL, "preheader": CELL, "text": POST, "columns": st.integers(20, 130)}


def an_email(subject: str, preheader: str, text: str, columns: int) -> None:
    d = {"platform": "email", "kind": "email", "status": "draft",
         "body": {"subject": subject, "preheader": preheader, "text": text}}  # fmt: skip
    same_both_ways(lambda: _draft_output.draft(d, []), columns)


test_an_email_draft_is_what_rich_prints, test_an_email_draft_is_what_rich_prints_in_full = twins(
    an_email, QUICK, 100, **EMAILS
)


def test_a_draft_into_a_pipe_really_skips_rich() -> None:
    """The cases above are not vacuous: a plain post, a thread and an email take the plain
    writer; a post with an emoji, or a terminal too narrow for its title, gets rich."""
    post = {"platform": "linkedin", "kind": "post", "body": ["Hello"], "status": "draft"}
    thread = {"platform": "x", "kind": "thread", "body": ["a 1/2", "b 2/2"], "status": "draft"}
    email = {"platform": "email", "kind": "email", "status": "draft",
             "body": {"subject": "Hi", "preheader": "pre", "text": "Body\n\nmore"}}  # fmt: skip
    for d in (post, thread, email):  # the panels and the lint line: two plain writes
        assert same_both_ways(lambda d=d: _draft_output.draft(d, [], title="Dry run")) == 2
    assert same_both_ways(lambda: _draft_output.draft({**post, "body": ["Hi 😀"]}, [])) == 0
    assert same_both_ways(lambda: a_draft("1234/3000", "Hi"), 12) == 0


def test_the_rich_panel_is_still_what_the_dry_run_prints() -> None:
    """The reference itself: rich's Panel for the benchmark's dry run, as a user saw it."""
    out = Pipe()
    Console(file=out, width=30, markup=False, emoji=False, highlight=False).print(
        Panel("Hi", title="2/3000", title_align="right")
    )
    plain, wrote = printed(lambda: a_draft("2/3000", "Hi"), rich=False, columns=30)
    assert wrote == 1
    assert plain == "Dry run  x · y\n" + out.getvalue()


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


MESSAGES = {
    "text": ANY_TEXT.filter(lambda t: "\t" not in t),  # rich prints a tab (the case below)
    "style": st.sampled_from(STYLES),
}


def a_stderr_message(text: str, style: str | None) -> None:
    with pytest.MonkeyPatch.context() as mp:
        _no_forcing(mp)
        pipe = Pipe()
        mp.setattr(sys, "stderr", pipe)
        assert _plain.write_err(text)
    assert pipe.getvalue() == as_rich_prints_to_stderr(text, style)


test_a_stderr_message_is_what_rich_prints, test_a_stderr_message_is_what_rich_prints_in_full = (
    twins(a_stderr_message, QUICK, 300, **MESSAGES)
)


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

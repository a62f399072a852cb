"""Issue 11 rough edge: streamed LLM text is replaced by the final panel on a terminal (a
transient rich Live view), and a pipe gets no stream at all: the post never appears twice."""

from __future__ import annotations

import io
import re

from rich.console import Console

from mktdirector.cli.views.posting import LiveText
from mktdirector.wiring import Deps

from fakes import FakeLLM

ERASE_LINE = "\x1b[2K"
CURSOR_UP = "\x1b[1A"


def terminal() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, force_terminal=True, width=60, height=20), buf


def test_on_a_terminal_the_streamed_text_is_erased_when_it_finishes():
    console, buf = terminal()
    live = LiveText(True, console=console)
    for chunk in ("Ride to work, ", "arrive awake.\n", "Second line."):
        live(chunk)
    drawn = buf.getvalue()
    assert "arrive awake." in drawn  # it was shown while it streamed
    live.finish()
    # rich draws the last frame, then clears it: after the text's last appearance come only
    # cursor-up and erase-line sequences over both lines, so no copy stays on screen.
    out = buf.getvalue()
    tail = out[out.rindex("Second line.") + len("Second line.") :]
    assert tail.count(ERASE_LINE) >= 2 and CURSOR_UP in tail
    assert not re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|[\r\n]", "", tail)  # nothing printable after
    live.finish()  # idempotent: the command may finish it twice


def test_disabled_it_draws_nothing():
    console, buf = terminal()
    live = LiveText(False, console=console)
    live("text")
    live.finish()
    assert buf.getvalue() == "" and not live.started


def test_in_a_pipe_the_post_is_printed_once(cli, monkeypatch):
    text = "Ride to work, arrive awake. A post that must appear once."
    monkeypatch.setattr(Deps, "llm", lambda self: FakeLLM(text))
    r = cli("social", "linkedin", "--topic", "commuting")
    assert r.exit_code == 0, r.stderr
    assert (r.stdout + r.stderr).count("must appear once") == 1

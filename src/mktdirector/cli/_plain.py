"""Output without loading rich, where rich would print exactly these bytes (issue 17).

Importing rich's console and table costs ~15-20 ms, a sixth of an offline command. When the
stream is no terminal (a pipe, a file, CI, a test runner), rich prints no colour or style, so
for simple text its output is predictable byte for byte:
- stderr (never wrapped, soft_wrap): the text minus the control characters rich's Text drops,
  and a newline;
- stdout, for printable ASCII (one cell per character): a line that fits rich's width as
  is; a table in rich's default box at the widths cli/_table.py planned, and key/value rows as
  rich's borderless table lays them out, free text wrapped at spaces as rich wraps it.
Anything else (a terminal, FORCE_COLOR/TTY_COMPATIBLE, Jupyter, a non-UTF-8 stream, a tab,
non-ASCII text, a line wider than the terminal, a title) returns False/None, and the caller prints through rich.
A draft's panels (write_panels) follow the same rules.
tests/cli/test_plain_output.py compares both on generated text, rows and widths.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Sequence
from typing import TextIO

# A word and the spaces around it, as rich._wrap splits text.
_WORD = re.compile(r"\s*\S+\s*")
# What rich.control.strip_control_codes removes: bell, backspace, vertical tab, form feed, CR.
RICH_STRIPS = dict.fromkeys((7, 8, 11, 12, 13))


def write_err(text: str) -> bool:
    """Write `text` and a newline to stderr as rich would; False (nothing written) if rich must."""
    if "\t" in text or not no_terminal(sys.stderr):
        return False
    sys.stderr.write(text.translate(RICH_STRIPS) + "\n")
    sys.stderr.flush()
    return True


def no_terminal(stream: TextIO) -> bool:
    """Whether rich would print to `stream` with no escape codes (its `is_terminal` false)."""
    import builtins

    if "FORCE_COLOR" in os.environ or "TTY_COMPATIBLE" in os.environ:
        return False  # rich reads both to force terminal output
    if hasattr(builtins, "get_ipython"):
        return False  # Jupyter: rich prints colour there without a terminal
    isatty = getattr(stream, "isatty", None)
    try:
        return isatty is not None and not isatty()
    except ValueError:  # a closed stream: let rich report it as it always did
        return False


def stdout_width() -> int | None:
    """rich's width for stdout when plain output may replace it there, else None.

    As rich.console.Console computes it: COLUMNS, else the first of stdin, stdout, stderr that
    is a terminal (0 columns counts as 80), else 80. Rich draws its boxes in ASCII on a stream
    whose encoding is not UTF-8: then None too.
    """
    if not no_terminal(sys.stdout):
        return None
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    if not encoding.lower().startswith("utf"):
        return None
    columns = os.environ.get("COLUMNS")
    if columns is not None:
        return int(columns) if columns.isdigit() and int(columns) > 0 else None
    for fd in (0, 1, 2):
        try:
            return os.get_terminal_size(fd).columns or 80
        except (AttributeError, ValueError, OSError):
            continue
    return 80


def simple(text: str) -> bool:
    """Printable ASCII: one terminal cell per character, nothing rich strips or expands."""
    return text.isascii() and text.isprintable()


def write_line(text: str, width: int) -> bool:
    """A line (or lines) of printable ASCII that fits `width`, as rich prints it."""
    lines = text.split("\n")
    if not all(simple(line) and len(line) <= width for line in lines):
        return False
    _out(text + "\n")
    return True


def write_table(
    heads: Sequence[str], widths: Sequence[int], wrap: Sequence[bool], rows: list[list[str]]
) -> bool:
    """rich's default table (heavy head box, padding 1) at the planned column widths, free
    text wrapped as rich wraps it; False when a header or a no-wrap cell does not fit."""
    columns = list(zip(heads, widths, wrap, strict=True))
    if not all(simple(h) and len(h) <= w for h, w, _ in columns):
        return False
    for row in rows:
        for c, (_, w, wraps) in zip(row, columns, strict=True):
            if not simple(c) or (len(c) > w and not wraps):
                return False

    def rule(left: str, fill: str, mid: str, right: str) -> str:
        return left + mid.join(fill * (w + 2) for w in widths) + right

    def row_lines(edge: str, values: Sequence[str]) -> list[str]:
        cells = [wrapped(v, w) for v, w in zip(values, widths, strict=True)]
        height = max(len(c) for c in cells)
        return [
            edge
            + edge.join(
                f" {(c[i] if i < len(c) else '').ljust(w)} "
                for c, w in zip(cells, widths, strict=True)
            )
            + edge
            for i in range(height)
        ]

    lines = [rule("┏", "━", "┳", "┓"), *row_lines("┃", heads), rule("┡", "━", "╇", "┩")]
    for row in rows:
        lines += row_lines("│", row)
    lines.append(rule("└", "─", "┴", "┘"))
    _out("\n".join(lines) + "\n")
    return True


def write_key_values(pairs: list[tuple[str, str]], width: int) -> bool:
    """rich's borderless two-column table (no edge padding): keys never wrap, values wrap at
    what is left of `width`, and the value column is as wide as its widest line."""
    if not all(simple(k) and simple(v) for k, v in pairs):
        return False
    if not pairs:
        return True  # rich prints nothing for a table without rows or header
    keys = max(len(k) for k, _ in pairs)
    room = width - keys - 2
    if room < 1:
        return False
    values = min(room, max(len(v) for _, v in pairs))
    out = []
    for k, v in pairs:
        for i, part in enumerate(wrapped(v, values)):
            out.append(f"{(k if i == 0 else '').ljust(keys)}  {part.ljust(values)}\n")
    _out("".join(out))
    return True


def write_panels(
    lines: Sequence[str], panels: Sequence[tuple[str | None, str]], width: int
) -> bool:
    """Lines, then texts in rich's Panel (rounded box, padding 0 1, as wide as `width`, the
    title at the top right), as rich prints them; False (nothing written) where rich must.

    A title is read by rich as markup, so one with "[" or ":" goes to rich; so do a width too
    narrow for the box, and a line or title wider than it.
    """
    if width < 6 or not all(_one_cell(line) and len(line) <= width for line in lines):
        return False
    out = [*lines]
    for title, text in panels:
        box = _panel(title, text, width)
        if box is None:
            return False
        out += box
    _out("".join(f"{line}\n" for line in out))
    return True


def _panel(title: str | None, text: str, width: int) -> list[str] | None:
    if not title:  # rich draws no title for an empty one
        top = "╭" + "─" * (width - 2) + "╮"
    else:
        padded = f" {title} "  # rich pads a title with a space each side
        if not _one_cell(title) or "[" in title or ":" in title or len(padded) > width - 4:
            return None
        top = "╭─" + padded.rjust(width - 4, "─") + "─╮"
    inner = width - 4  # the box and a space of padding each side
    body = []
    for line in text.split("\n"):  # as rich's Text.split(allow_blank=True) splits
        if not simple(line):
            return None
        body += [f"│ {part.ljust(inner)} │" for part in wrapped(line, inner)]
    return [top, *body, "╰" + "─" * (width - 2) + "╯"]


def _one_cell(text: str) -> bool:
    """Printable ASCII, and the middle dot mktd puts between fields (one cell in rich too)."""
    return simple(text.replace("·", "."))


def wrapped(text: str, width: int) -> list[str]:
    """Printable ASCII wrapped as rich wraps a cell with overflow="fold"
    (rich._wrap.divide_line, then each line cut to `width`): at spaces, a word longer than
    the width folded."""
    breaks: list[int] = []
    offset = 0  # cells used on the current line
    for word in _WORD.finditer(text):
        start = word.start()
        length = len(word.group().rstrip())
        if width - offset >= length:
            offset += len(word.group())
        elif length > width:  # fold the word over as many lines as it needs
            chunks = [word.group()[i : i + width] for i in range(0, len(word.group()), width)]
            for n, chunk in enumerate(chunks):
                if start:
                    breaks.append(start)
                if n == len(chunks) - 1:
                    offset = len(chunk)
                else:
                    start += len(chunk)
        elif offset and start:
            breaks.append(start)
            offset = len(word.group())
    bounds = [0, *breaks, len(text)]
    return [text[a:b][:width] for a, b in zip(bounds, bounds[1:], strict=False)]


def _out(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()

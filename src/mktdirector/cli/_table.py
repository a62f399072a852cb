"""How a table fits a terminal: every column shown, text wrapped, never a column dropped.

Rich shrinks a too-wide table by squeezing columns, down to nothing: at 80 columns `queue list`
lost its status and `drafts list` its error count, and the right edge was cropped. Here the
widths are planned before rich sees the table, in this order, until the table fits:
1. every column at its natural width;
2. free-text columns (previews, notes, topics) wrap, down to a comfortable width;
3. ids (26-character ULIDs) shown by their last 8 characters — what `mktd drafts show`
   and the other commands accept, like git's short hashes — and text wrapped narrower;
4. otherwise one block per row (`column: value` lines): narrow, but nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

ULID = re.compile(r"[0-9A-HJKMNP-TV-Z]{26}")
SHORT_ID = 8  # the random tail of a ULID: 40 bits, unique among a person's drafts and jobs
COMFORTABLE = 24  # wrapped text at least this wide reads as sentences
MIN_WRAPPED = 12  # a wrapped column narrower than this is a column of single letters


@dataclass(frozen=True)
class Plan:
    """Widths for a table that fits, with the cells as they will be shown."""

    widths: list[int]
    wrap: list[bool]
    cells: list[list[str]]


def overhead(columns: int) -> int:
    """Borders and padding of rich's default box: `│ a │ b │` is 3 per column and 1."""
    return 3 * columns + 1


def width_of(text: str) -> int:
    return max((_cells(line) for line in text.split("\n")), default=0)


def _cells(line: str) -> int:
    if line.isascii() and line.isprintable():
        return len(line)  # one cell per character: no need to load rich (cli/_plain.py)
    from rich.cells import cell_len

    return cell_len(line)


def plan(
    headers: Sequence[str],
    cells: list[list[str]],
    *,
    free_text: Sequence[int],
    width: int,
) -> Plan | None:
    """Column widths that fit `width`, or None when only a stacked layout fits."""
    wrap = [i in free_text for i in range(len(headers))]
    room = width - overhead(len(headers))
    for shorten, floor in ((False, COMFORTABLE), (True, COMFORTABLE), (True, MIN_WRAPPED)):
        shown = _short_ids(cells) if shorten else cells
        natural = [
            max([width_of(h), *(width_of(row[i]) for row in shown)]) for i, h in enumerate(headers)
        ]
        widths = _squeeze(natural, wrap, headers, room, floor)
        if widths is not None:
            return Plan(widths, wrap, shown)
    return None


def _squeeze(
    natural: list[int], wrap: list[bool], headers: Sequence[str], room: int, least: int
) -> list[int] | None:
    """Natural widths, with the wrapped columns narrowed (widest first) to fit `room`."""
    widths = list(natural)
    floor = [
        max(width_of(h), min(n, least)) if w else n
        for h, n, w in zip(headers, natural, wrap, strict=True)
    ]
    excess = sum(widths) - room
    while excess > 0:
        narrowable = [i for i, w in enumerate(widths) if w > floor[i]]
        if not narrowable:
            return None
        widest = max(narrowable, key=lambda i: widths[i])
        step = min(excess, widths[widest] - floor[widest])
        others = sorted((widths[i] for i in narrowable if i != widest), reverse=True)
        if others:  # narrow the widest down to the next one first, so they shrink together
            step = min(step, max(1, widths[widest] - others[0]))
        widths[widest] -= step
        excess -= step
    return widths


def _short_ids(cells: list[list[str]]) -> list[list[str]]:
    columns = range(len(cells[0])) if cells else range(0)
    ids = [i for i in columns if any(ULID.fullmatch(row[i]) for row in cells)]
    if not ids:
        return cells
    return [
        [c[-SHORT_ID:] if i in ids and ULID.fullmatch(c) else c for i, c in enumerate(row)]
        for row in cells
    ]


def column_groups(
    headers: Sequence[str],
    cells: list[list[str]],
    *,
    keys: Sequence[int],
    free_text: Sequence[int],
    width: int,
) -> list[tuple[list[int], Plan]]:
    """Split a wide table into tables that each fit, every one led by the `keys` columns.

    For reports with more figures than a terminal has columns: the figures go on in a second
    table under the same rows (like a wide spreadsheet printed on several pages), instead of
    being dropped or cropped. A group that cannot fit even one figure beside the keys gets it
    alone with them, wrapped as far as it goes.
    """
    rest = [i for i in range(len(headers)) if i not in keys]
    groups: list[tuple[list[int], Plan]] = []
    current: list[int] = []
    last: Plan | None = None
    for i in rest:
        trial = [*keys, *current, i]
        fitted = _plan_for(headers, cells, trial, free_text, width)
        if fitted is None and current and last is not None:
            groups.append(([*keys, *current], last))
            current, trial = [], [*keys, i]
            fitted = _plan_for(headers, cells, trial, free_text, width)
        if fitted is None:  # one figure that does not fit beside the keys: natural widths
            fitted = _natural(headers, cells, trial, free_text)
        current.append(i)
        last = fitted
    if current and last is not None:
        groups.append(([*keys, *current], last))
    return groups or [(list(keys), _natural(headers, cells, list(keys), free_text))]


def _subset(
    headers: Sequence[str], cells: list[list[str]], cols: Sequence[int]
) -> tuple[list[str], list[list[str]]]:
    return [headers[i] for i in cols], [[row[i] for i in cols] for row in cells]


def _plan_for(
    headers: Sequence[str],
    cells: list[list[str]],
    cols: Sequence[int],
    free_text: Sequence[int],
    width: int,
) -> Plan | None:
    heads, sub = _subset(headers, cells, cols)
    free = [k for k, i in enumerate(cols) if i in free_text]
    return plan(heads, sub, free_text=free, width=width)


def _natural(
    headers: Sequence[str], cells: list[list[str]], cols: Sequence[int], free_text: Sequence[int]
) -> Plan:
    heads, sub = _subset(headers, cells, cols)
    widths = [max([width_of(h), *(width_of(r[k]) for r in sub)]) for k, h in enumerate(heads)]
    return Plan(widths, [i in free_text for i in cols], sub)

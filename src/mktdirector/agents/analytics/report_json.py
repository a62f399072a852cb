"""The report as JSON: `json.dumps(report.to_dict(), indent=2)`, but every post on one line
(`json.dumps(post)`), written in batches so a streamed report never holds its posts.

A streamed post is never a dict (issue 17 item 4). Each batch of rows is flattened into one
list of values and encoded by ONE call of json's C encoder, with a control character as the
separator between values; split there, the values' texts are interleaved with the keys' texts
(`{"draft_id": `, `, "channel": `, ...) by slice assignment and joined. Every value is encoded by the same encoder
json.dumps uses (same string escapes, `float.__repr__`, NaN, null), so a line is byte for byte
`json.dumps(post, ensure_ascii=False)`; no key is encoded, no dict built, per post.
"""

from __future__ import annotations

import json
from itertools import chain
from operator import itemgetter
from typing import Any, TextIO

from mktdirector.agents.analytics.report import METRICS, Report, batches

_POSTS_MARK = "\x00posts\x00"
# Between two encoded values of a flat list. An encoded string escapes every control
# character (\u0000), so the separator occurs in the encoded batch only between values.
_CUT = "\x00"
_VALUES = json.JSONEncoder(ensure_ascii=False, separators=(_CUT, ": "), check_circular=False)
_NEXT_POST = ",\n    "
# `measured` is SQLite's 0/1 (PostgreSQL's adapter gives a boolean as 1/0 too): JSON's
# true/false, as bool() of the value gives it.
_FALSE = frozenset(("0", "null", "false"))


def write_json(report: Report, out: TextIO) -> int:
    """`report` as JSON written to `out`: the posts one per line, in batches when streamed;
    returns the number of posts written."""
    d = report.to_dict()
    if report.stream is None:
        out.write(json.dumps(d, indent=2, ensure_ascii=False) + "\n")
        return len(d["posts"])
    hidden = {f for fs in METRICS.values() for f in fs} - set(report.shown())
    keys = [k for k in report.stream_columns if k not in hidden]
    wanted = [report.stream_columns.index(k) for k in keys]
    rows: Any = report.stream
    if wanted != list(range(len(report.stream_columns))):
        rows = map(itemgetter(*wanted), rows)
    width = len(keys)
    measured = keys.index("measured") if "measured" in keys else None
    # The text before each value: '{"draft_id": ', ', "channel": ', …; a later post's first
    # key closes the post before it. One list per batch length (the full one, then the last)
    # holds them in its even slots and "}" last; each batch fills only the odd slots. Joining
    # costs half what %-formatting a template of 23 `%s` per post did (~35 vs ~70 ms CPU at
    # 50k posts).
    first = ["{" + _key(keys[0]) + ": ", *(", " + _key(k) + ": " for k in keys[1:])]
    later = ["}" + _NEXT_POST + first[0], *first[1:]]
    pieces: dict[int, list[str]] = {}
    d["posts"] = _POSTS_MARK
    head, tail = json.dumps(d, indent=2, ensure_ascii=False).split(json.dumps(_POSTS_MARK))
    out.write(head + "[")
    n = 0
    for batch in batches(rows):
        values = _VALUES.encode(list(chain.from_iterable(batch)))[1:-1].split(_CUT)
        if measured is not None:
            values[measured::width] = [
                "false" if v in _FALSE else "true" for v in values[measured::width]
            ]
        parts = pieces.get(len(batch))
        if parts is None:
            keyed = first + later * (len(batch) - 1)
            parts = [*chain.from_iterable((k, "") for k in keyed), "}"]
            pieces[len(batch)] = parts
        parts[1:-1:2] = values
        out.write(("\n    " if n == 0 else _NEXT_POST) + "".join(parts))
        n += len(batch)
    out.write(("\n  ]" if n else "]") + tail + "\n")
    return n


def _key(name: str) -> str:
    """A key as json.dumps writes it."""
    return json.dumps(name, ensure_ascii=False)

"""Thread numbering ("i/N") computed from the posts a thread has when it is published.

Generated threads carry their markers in the text (`core/xtext.split_thread`), so a post deleted
or added in `mktd drafts edit` would leave "1/5, 2/5, 4/5, 5/5". Publishing (and its dry run)
renumbers instead: markers that belong to the thread's numbering are stripped and written
again for the posts that exist. A thread that was never numbered is left alone.
"""

from __future__ import annotations

import re
from collections import Counter

_MARK = re.compile(r"[ \t]+(\d{1,3})/(\d{1,3})[ \t]*$")


def _marker(segment: str) -> tuple[int, int] | None:
    """(i, N) when the segment ends with a plausible thread marker (1 <= i <= N, N >= 2)."""
    m = _MARK.search(segment.rstrip())
    if m is None:
        return None
    i, n = int(m[1]), int(m[2])
    return (i, n) if 1 <= i <= n and n >= 2 else None


def renumber(segments: list[str]) -> list[str]:
    """The segments with fresh " i/N" markers when the thread was numbered, else as given.

    A thread counts as numbered when its markers share one N (at least two of them, or the
    only post's); only markers with that N are replaced, so "open 24/7" stays text.
    """
    marks = [_marker(s) for s in segments]
    totals = Counter(m[1] for m in marks if m)
    if not totals:
        return list(segments)
    total, count = totals.most_common(1)[0]
    if count < min(2, len(segments)):
        return list(segments)
    bare = [
        _MARK.sub("", s.rstrip()) if m and m[1] == total else s.rstrip()
        for s, m in zip(segments, marks, strict=True)
    ]
    if len(bare) == 1:
        return bare
    return [f"{s} {i}/{len(bare)}" for i, s in enumerate(bare, 1)]


def publishable(kind: str, body: list[str]) -> list[str]:
    """The texts a draft publishes: threads renumbered, everything else as written."""
    return renumber(body) if kind == "thread" else list(body)


def check_fits(platform: str, kind: str, body: list[str]) -> None:
    """Refuse, before anything is claimed or sent, a post that renumbering pushed over X's
    280 weighted characters (a post added without a marker that now gets one)."""
    if platform != "twitter" or kind != "thread":
        return
    from mktdirector.core.errors import UsageError
    from mktdirector.core.xtext import X_MAX_WEIGHTED_LENGTH, weighted_length

    for i, (old, new) in enumerate(zip(body, publishable(kind, body), strict=True), 1):
        length = weighted_length(new)
        if new != old and length > X_MAX_WEIGHTED_LENGTH:
            raise UsageError(
                f"Post {i} is {length}/{X_MAX_WEIGHTED_LENGTH} weighted characters once numbered "
                f"({new.rsplit(' ', 1)[-1]}); nothing was sent.",
                hint="Shorten it: mktd drafts edit ID",
            )

"""LinkedIn "little text" rules for the Posts API ``commentary`` field.

In little text the characters ``\\ | { } @ [ ] ( ) < > # * _ ~`` are markup; an unescaped
one can make LinkedIn silently cut the post at that point, so plain text must escape them
with a backslash. Two exceptions keep the post looking as written:

* ``#tag`` becomes the documented hashtag template ``{hashtag|\\#|tag}`` (a plain ``\\#tag``
  would show as literal text, not a hashtag link). A hashtag is ``#`` not preceded by a
  letter, digit or ``_``, followed by letters/digits (at least one letter).
* http(s) URLs, as found by :mod:`mktdirector.core.urls`, are left byte-for-byte intact,
  since backslashes inside a link (``_``, ``(``, ``~`` are common in URLs) would break it.
"""

from __future__ import annotations

import unicodedata

from mktdirector.core.text_limits import LINKEDIN_MAX_CHARS as LINKEDIN_MAX_CHARS
from mktdirector.core.urls import url_spans

RESERVED = frozenset("\\|{}@[]()<>#*_~")
_HASHTAG_OPEN = "{hashtag|\\#|"


class LinkedInTextTooLongError(ValueError):
    """The commentary is longer than LinkedIn accepts."""

    def __init__(self, length: int, limit: int) -> None:
        super().__init__(f"LinkedIn post is {length} characters; the limit is {limit}")
        self.length = length
        self.limit = limit


def _is_tag_char(ch: str) -> bool:
    return ch.isalnum() or unicodedata.category(ch)[0] == "M"


def _plain_regions(text: str) -> list[tuple[int, int, bool]]:
    """Return ``(start, end, is_url)`` runs covering *text*."""
    regions: list[tuple[int, int, bool]] = []
    pos = 0
    for start, end in url_spans(text):
        if pos < start:
            regions.append((pos, start, False))
        regions.append((start, end, True))
        pos = end
    if pos < len(text):
        regions.append((pos, len(text), False))
    return regions


def _escape_run(text: str, start: int, end: int) -> str:
    out: list[str] = []
    i = start
    while i < end:
        ch = text[i]
        if ch == "#":
            j = i + 1
            while j < end and _is_tag_char(text[j]):
                j += 1
            tag = text[i + 1 : j]
            prev = text[i - 1] if i > 0 else ""
            starts_word = not prev or not (_is_tag_char(prev) or prev == "_")
            if starts_word and any(c.isalpha() for c in tag):
                out.append(f"{_HASHTAG_OPEN}{tag}}}")
                i = j
                continue
        out.append("\\" + ch if ch in RESERVED else ch)
        i += 1
    return "".join(out)


def escape_commentary(text: str) -> str:
    """Escape plain *text* for the ``commentary`` field, keeping hashtags and URLs live."""
    return "".join(
        text[start:end] if is_url else _escape_run(text, start, end)
        for start, end, is_url in _plain_regions(text)
    )


def _unescape_run(s: str, start: int, end: int) -> str:
    out: list[str] = []
    i = start
    while i < end:
        if s.startswith(_HASHTAG_OPEN, i, end):
            close = s.find("}", i, end)
            tag = s[i + len(_HASHTAG_OPEN) : close] if close != -1 else ""
            if tag and all(_is_tag_char(c) for c in tag):
                out.append("#" + tag)
                i = close + 1
                continue
        if s[i] == "\\" and i + 1 < end:
            out.append(s[i + 1])
            i += 2
            continue
        out.append(s[i])
        i += 1
    return "".join(out)


def unescape_commentary(s: str) -> str:
    """Invert :func:`escape_commentary`: ``unescape_commentary(escape_commentary(t)) == t``.

    Also reads commentary LinkedIn returns: backslash escapes and hashtag templates are
    resolved; other templates (e.g. mentions) are left as they are.
    """
    return "".join(
        s[start:end] if is_url else _unescape_run(s, start, end)
        for start, end, is_url in _plain_regions(s)
    )


def linkedin_length(text: str, *, escaped: bool = False) -> int:
    """Return the length the reader sees, in UTF-16 code units.

    Pass the user's plain text, or commentary with ``escaped=True``. UTF-16 units (an emoji
    counts 2) are what a JavaScript counter reports and never undercount code points, so a
    post that passes here is within LinkedIn's limit under either reading.
    """
    plain = unescape_commentary(text) if escaped else text
    return len(plain.encode("utf-16-le")) // 2


def check_linkedin_length(
    text: str, *, escaped: bool = False, limit: int = LINKEDIN_MAX_CHARS
) -> int:
    """Return :func:`linkedin_length` of *text*; raise LinkedInTextTooLongError if over."""
    length = linkedin_length(text, escaped=escaped)
    if length > limit:
        raise LinkedInTextTooLongError(length, limit)
    return length

"""The package's single definition of what counts as an http(s) URL inside free text."""

from __future__ import annotations

import re

# Body characters: anything but whitespace and characters that never appear raw in a
# link people paste. CJK text, full-width forms, typographic punctuation and emoji end a
# URL because Japanese/Chinese posts routinely glue text to a link with no space, and a
# backslash ends it so LinkedIn escaping can never be confused with URL content.
_BODY = (
    r"[^\s<>\"`\\"
    r"\u2000-\u206f"  # general punctuation: curly quotes, ellipsis, zero-width chars
    r"\u2600-\u27bf"  # symbols and dingbats (emoji-like)
    r"\u2e80-\u9fff"  # CJK radicals, punctuation, kana, ideographs
    r"\uac00-\ud7af"  # Hangul syllables
    r"\uf900-\ufaff"  # CJK compatibility ideographs
    r"\ufe30-\ufe4f"  # CJK compatibility forms
    r"\uff00-\uffef"  # half/full-width forms
    r"\U0001f000-\U0001faff"  # emoji
    r"]"
)
# ASCII-only look-behind so "詳細はhttps://..." still matches but "xhttps://" does not.
# Case-insensitive scheme only: IGNORECASE on the whole pattern triples compile time.
URL_RE = re.compile(rf"(?<![A-Za-z0-9])(?i:https?)://{_BODY}+")

_TRAILING = frozenset(".,;:!?'*")
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def _trim(candidate: str) -> str:
    """Drop sentence punctuation and unbalanced closing brackets from the end of a URL."""
    url = candidate
    while url:
        last = url[-1]
        unbalanced = last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])
        if last not in _TRAILING and not unbalanced:
            break
        url = url[:-1]
    return url


def url_spans(text: str) -> list[tuple[int, int]]:
    """Return ``(start, end)`` index pairs of every http(s) URL in *text*, in order."""
    spans: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text):
        url = _trim(match.group(0))
        # A bare scheme ("https://.") is not a link.
        if not url.partition("://")[2]:
            continue
        spans.append((match.start(), match.start() + len(url)))
    return spans


def extract_urls(text: str) -> list[str]:
    """Return every http(s) URL in *text*, in order, without trailing punctuation."""
    return [text[start:end] for start, end in url_spans(text)]

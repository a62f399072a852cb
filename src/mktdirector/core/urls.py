"""The package's single definition of what counts as a link inside free text: X's own.

twitter-text's extractor (the `twitter-text-parser` port, which `parse_tweet` already uses for
the weighted length) decides where a link starts and ends, including bare domains such as
`example.com/launch`, non-ASCII paths and hosts, and the punctuation around them. Using the same
rules for X's weighted length, UTM tagging and LinkedIn escaping means a link X shows is a link
mktd tags, counts as 23 and leaves unescaped — and nothing else is. A hand-written pattern
agreed with twitter-text's conformance suite on 50 of 91 cases and tagged
`…/wiki/Hatfield–McCoy_feud` in the middle of its path (tests/core/test_url_conformance.py).
"""

from __future__ import annotations


def url_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` string indices of every link in *text*, in order."""
    if not text:
        return []
    # Imported here: twitter-text compiles its emoji and domain tables at import (~170 ms, and
    # it drags in pkg_resources); core.platforms reaches this module, so a top-level import made
    # every command (`drafts list`, `status`) pay for it (issue 17).
    from twitter_text.extract_urls import extract_urls_with_indices

    return [(m["indices"][0], m["indices"][1]) for m in extract_urls_with_indices(text)]


def extract_urls(text: str) -> list[str]:
    """Every link in *text*, in order, without the punctuation around it."""
    return [text[start:end] for start, end in url_spans(text)]

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mktdirector.core.urls import extract_urls
from mktdirector.core.xtext import (
    ThreadSplitError,
    is_valid_post,
    normalize_for_match,
    segments_from_markers,
    split_thread,
    weighted_length,
)

SUFFIX = re.compile(r" (\d+)/(\d+)$")


def strip_numbering(segments: list[str]) -> list[str]:
    """Remove and check the " i/N" suffixes of a numbered thread."""
    if len(segments) == 1:
        return segments
    out = []
    for n, seg in enumerate(segments, 1):
        match = SUFFIX.search(seg)
        assert match, seg
        assert (int(match[1]), int(match[2])) == (n, len(segments))
        out.append(seg[: match.start()])
    return out


def chars(text: str) -> str:
    return "".join(text.split())


# --- weighted length -------------------------------------------------------------------


def test_weighted_length_examples() -> None:
    assert weighted_length("Hello https://example.com/long/url 😀 日本") == 37
    assert weighted_length("") == 0
    assert weighted_length("a" * 280) == 280
    assert weighted_length("日" * 140) == 280
    assert weighted_length("https://example.com/" + "x" * 500) == 23
    assert weighted_length("👨‍👩‍👧") == 2
    assert weighted_length("🇯🇵") == 2


def test_is_valid_post() -> None:
    assert is_valid_post("hello")
    assert is_valid_post("a" * 280)
    assert not is_valid_post("a" * 281)
    assert not is_valid_post("")
    assert not is_valid_post("日" * 141)
    assert not is_valid_post("bad \ufffe char")


# --- split_thread: exact cases ---------------------------------------------------------


def test_short_text_is_one_unnumbered_segment() -> None:
    assert split_thread("  Hello world  ") == ["Hello world"]
    assert split_thread("a" * 280) == ["a" * 280]


def test_empty_text() -> None:
    assert split_thread("") == []
    assert split_thread(" \n\n ") == []


def test_only_a_url() -> None:
    url = "https://example.com/" + "p" * 400
    assert split_thread(url) == [url]


def test_prefers_paragraph_boundaries() -> None:
    paragraphs = [f"Paragraph {i}. " + "word " * 30 for i in range(4)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    segments = strip_numbering(split_thread(text))
    assert segments == [p.strip() for p in paragraphs]


def test_prefers_sentence_boundaries() -> None:
    text = " ".join(f"Sentence number {i} is right here." for i in range(40))
    segments = strip_numbering(split_thread(text))
    assert len(segments) > 1
    assert all(seg.endswith(".") for seg in segments)


def test_long_word_is_hard_split() -> None:
    word = "x" * 400
    segments = split_thread(word)
    assert segments == ["x" * 276 + " 1/2", "x" * 124 + " 2/2"]


def test_cjk_text_over_limit_at_140_chars() -> None:
    text = "日本語の文章です。" * 16  # 144 chars, weighted 288
    assert len(text) < 150 and weighted_length(text) > 280
    segments = split_thread(text)
    assert len(segments) == 2
    assert all(weighted_length(s) <= 280 for s in segments)
    # Breaks after the ideographic full stop, not mid-sentence.
    assert all(s.endswith("。") for s in strip_numbering(segments))
    assert "".join(strip_numbering(segments)) == text


def test_emoji_are_not_cut() -> None:
    family = "👨‍👩‍👧"
    text = family * 200  # one 1000-char "word"
    segments = strip_numbering(split_thread(text))
    assert all(weighted_length(s) <= 280 for s in segments)
    assert all(len(s) % len(family) == 0 for s in segments)
    assert "".join(segments) == text


def test_numbering_width_grows_from_9_to_10() -> None:
    # Each word fits a post next to " 9/9" but not next to " 10/10": re-packing doubles N.
    text = " ".join(["a" * 275] * 10)
    segments = split_thread(text)
    assert len(segments) == 20
    assert segments[-1].endswith(" 20/20")
    assert all(weighted_length(s) <= 280 for s in segments)
    assert chars("".join(strip_numbering(segments))) == chars(text)


def test_ten_segments_numbering() -> None:
    text = "\n\n".join(f"Para {i} " + "lorem " * 40 for i in range(10))
    segments = split_thread(text)
    assert len(segments) == 10
    assert segments[0].endswith(" 1/10") and segments[9].endswith(" 10/10")
    assert all(weighted_length(s) <= 280 for s in segments)


def test_url_is_never_split() -> None:
    url = "https://example.com/a_(b)?q=1#frag"
    text = ("word " * 50 + url + " ") * 5
    segments = split_thread(text)
    assert sum(seg.count(url) for seg in segments) == 5


def test_unfittable_url_raises() -> None:
    # A link weighs 23 whatever its length; it cannot fit only a budget below that.
    with pytest.raises(ThreadSplitError, match="URL does not fit"):
        split_thread("see https://example.com/" + "x" * 400, limit=20)


def test_what_x_does_not_link_is_text() -> None:
    # X links no host without a known TLD, so "https://localhost/…" counts letter by letter.
    segments = split_thread("https://localhost/" + "x" * 400)
    assert len(segments) == 2
    assert all(weighted_length(s) <= 280 for s in segments)


def test_max_segments_and_numbering_off() -> None:
    text = "word " * 200
    with pytest.raises(ThreadSplitError):
        split_thread(text, max_segments=2)
    plain = split_thread(text, numbering=False)
    assert not any(SUFFIX.search(s) for s in plain)
    assert all(weighted_length(s) <= 280 for s in plain)


def test_invalid_characters_raise() -> None:
    with pytest.raises(ThreadSplitError):
        split_thread("x\ufeff" * 300)


# --- segments_from_markers -------------------------------------------------------------


def test_segments_from_markers() -> None:
    text = "First post\n---\nSecond post\n  ---  \n\nThird\n---\n"
    assert segments_from_markers(text) == ["First post", "Second post", "Third"]
    assert segments_from_markers(text, numbering=True)[2] == "Third 3/3"
    assert segments_from_markers("one\r\n---\r\ntwo") == ["one", "two"]
    # "---" inside a line is text, not a marker.
    assert segments_from_markers("a --- b") == ["a --- b"]


def test_segments_from_markers_rejects_long_post() -> None:
    with pytest.raises(ThreadSplitError, match="post 2"):
        segments_from_markers("ok\n---\n" + "x" * 281)


# --- normalize_for_match ---------------------------------------------------------------


def test_normalize_for_match() -> None:
    draft = "Big news &amp; more:\n\nsee https://example.com/post?a=1.  Or example.org!"
    posted = "big NEWS & more: see https://t.co/AbC123. or https://t.co/zzz!"
    assert normalize_for_match(draft) == normalize_for_match(posted)
    assert normalize_for_match(posted) == "big news & more: see <url> . or <url> !"
    assert normalize_for_match("Straße") == normalize_for_match("STRASSE")


# --- properties ------------------------------------------------------------------------

words = st.text(alphabet="abcdefgh.,!?'()-_", min_size=1, max_size=12)
cjk = st.text(alphabet="日本語の文章です。、「」ー", min_size=1, max_size=30)
emoji = st.sampled_from(["😀", "👨‍👩‍👧", "🇯🇵", "👍🏽", "#️⃣", "é"])
urls = st.builds(
    lambda host, path: f"https://{host}.com/{path}",
    st.text(alphabet="abcxyz", min_size=1, max_size=8),
    st.text(alphabet="abc/_-~()=?&%", max_size=60),
).filter(lambda url: weighted_length(url) == 23)  # X links all of it, so it always fits
long_words = st.text(alphabet="xyz", min_size=100, max_size=400)
tokens = st.one_of(words, words, words, cjk, emoji, urls, long_words)
separators = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  ", "\t", "\r\n"])
texts = st.lists(st.tuples(tokens, separators), min_size=5, max_size=80).map(
    lambda pairs: "".join(t + s for t, s in pairs)
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow  # a property test of ~1.7 s
@FAST
@given(texts, st.integers(min_value=40, max_value=280), st.booleans())
def test_property_segments_fit_and_keep_text(text: str, limit: int, numbering: bool) -> None:
    segments = split_thread(text, limit=limit, numbering=numbering)
    assert all(weighted_length(s) <= limit for s in segments)
    bodies = strip_numbering(segments) if numbering else segments
    assert chars("".join(bodies)) == chars(text)


@FAST
@given(st.lists(st.tuples(st.one_of(words, urls), separators), max_size=80))
def test_property_words_in_order_and_urls_whole(pairs: list[tuple[str, str]]) -> None:
    text = "".join(t + s for t, s in pairs)
    segments = split_thread(text, limit=120)
    bodies = strip_numbering(segments)
    assert " ".join(bodies).split() == text.split()
    for url in extract_urls(text):
        assert any(url in body for body in bodies)


@FAST
@given(st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\ufeff\ufffe\uffff")))
def test_property_arbitrary_unicode(text: str) -> None:
    segments = split_thread(text * 5, limit=60)
    assert all(weighted_length(s) <= 60 for s in segments)
    assert chars("".join(strip_numbering(segments))) == chars(text * 5)

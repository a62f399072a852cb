from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mktdirector.core.linkedin_text import (
    LINKEDIN_MAX_CHARS,
    RESERVED,
    LinkedInTextTooLongError,
    check_linkedin_length,
    escape_commentary,
    linkedin_length,
    unescape_commentary,
)
from mktdirector.core.urls import url_spans


@pytest.mark.parametrize(
    ("plain", "escaped"),
    [
        ("", ""),
        ("plain text, nothing special.", "plain text, nothing special."),
        ("a (b) [c] {d} <e>", r"a \(b\) \[c\] \{d\} \<e\>"),
        (r"x|y \ z @w *b* _i_ ~s~", r"x\|y \\ z \@w \*b\* \_i\_ \~s\~"),
        ("#launch day", r"{hashtag|\#|launch} day"),
        ("Big news! #AI #日本語", r"Big news! {hashtag|\#|AI} {hashtag|\#|日本語}"),
        ("(#tag)", r"\({hashtag|\#|tag}\)"),
        ("#my_tag", r"{hashtag|\#|my}\_tag"),
        # Not hashtags: mid-word, numeric, bare.
        ("C# and F#", r"C\# and F\#"),
        ("we're #1", r"we're \#1"),
        ("# heading", r"\# heading"),
        ("see https://example.com/a_(b)~c?x=1#frag", "see https://example.com/a_(b)~c?x=1#frag"),
        ("(https://example.com/a_b).", r"\(https://example.com/a_b\)."),
        (
            "(https://en.wikipedia.org/wiki/Foo_(bar))",
            r"\(https://en.wikipedia.org/wiki/Foo_(bar)\)",
        ),
        ("<https://x.com/_>", r"\<https://x.com/_\>"),
    ],
)
def test_escape_examples(plain: str, escaped: str) -> None:
    assert escape_commentary(plain) == escaped
    assert unescape_commentary(escaped) == plain


def test_unescape_reads_linkedin_output() -> None:
    assert unescape_commentary(r"Hi \@all {hashtag|\#|news}") == "Hi @all #news"
    # Templates we do not produce (mentions) are left alone.
    mention = "@[Eddy](urn:li:person:1234)"
    assert unescape_commentary(mention) == mention
    assert unescape_commentary("trailing \\") == "trailing \\"


def test_linkedin_length() -> None:
    assert linkedin_length("hello") == 5
    assert linkedin_length("日本") == 2
    assert linkedin_length("😀") == 2  # UTF-16 units
    assert linkedin_length(r"{hashtag|\#|ai} \(x\)", escaped=True) == len("#ai (x)")
    text = "a" * LINKEDIN_MAX_CHARS
    assert check_linkedin_length(text) == LINKEDIN_MAX_CHARS
    with pytest.raises(LinkedInTextTooLongError) as info:
        check_linkedin_length(text + "!")
    assert (info.value.length, info.value.limit) == (3001, 3000)
    # Escaping does not count: the reader sees the plain text.
    assert check_linkedin_length(escape_commentary("(" * 3000), escaped=True) == 3000


# Heavy on reserved characters and URL fragments so the URL/escape interplay is exercised.
tricky = st.lists(
    st.one_of(
        st.sampled_from(list("\\|{}@[]()<>#*_~ .,;:!?'\"\nahtps:/x.com日é\u0301😀")),
        st.sampled_from(["https://", "http://x.co/", "{hashtag|\\#|", "#tag", "\\#"]),
    ),
    max_size=40,
).map("".join)


@pytest.mark.slow  # 200 examples, ~1.7 s
@settings(max_examples=200, deadline=None)
@given(st.one_of(tricky, st.text()))
def test_property_round_trip(text: str) -> None:
    escaped = escape_commentary(text)
    assert unescape_commentary(escaped) == text
    assert linkedin_length(escaped, escaped=True) == linkedin_length(text)


@settings(max_examples=200, deadline=None)
@given(tricky)
def test_property_no_bare_reserved_outside_urls_and_hashtags(text: str) -> None:
    escaped = escape_commentary(text)
    rest = escaped
    for start, end in reversed(url_spans(escaped)):
        rest = rest[:start] + rest[end:]
    rest = re.sub(r"\{hashtag\|\\#\|[^}]+\}", "", rest)
    i = 0
    while i < len(rest):
        if rest[i] == "\\":
            i += 2
            continue
        assert rest[i] not in RESERVED, rest
        i += 1

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import strategies as st

from mktdirector.core.utm import add_utm, extract_urls, has_utm

from property_twins import twins

UTM = "utm_source=x&utm_medium=social&utm_campaign=launch&utm_content=post1"


def tag(text: str) -> str:
    return add_utm(text, source="x", campaign="launch", content="post1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no links here", "no links here"),
        ("https://example.com", f"https://example.com?{UTM}"),
        ("see https://x.com/a.", f"see https://x.com/a?{UTM}."),
        ("(see https://x.com/a), then", f"(see https://x.com/a?{UTM}), then"),
        ('"https://x.com/a"!', f'"https://x.com/a?{UTM}"!'),
        ("https://x.com/a?b=1&c=2", f"https://x.com/a?b=1&c=2&{UTM}"),
        ("https://x.com/a?b=1&", f"https://x.com/a?b=1&{UTM}"),
        ("https://x.com/a#top", f"https://x.com/a?{UTM}#top"),
        ("https://x.com/a?b=1#top.", f"https://x.com/a?b=1&{UTM}#top."),
        ("https://x.com/#/route?q=1", f"https://x.com/?{UTM}#/route?q=1"),
        (
            "https://en.wikipedia.org/wiki/Foo_(bar).",
            f"https://en.wikipedia.org/wiki/Foo_(bar)?{UTM}.",
        ),
        ("詳細はhttps://x.com/aをご覧ください", f"詳細はhttps://x.com/a?{UTM}をご覧ください"),
        ("a https://a.com b https://b.com", f"a https://a.com?{UTM} b https://b.com?{UTM}"),
    ],
)
def test_add_utm_examples(text: str, expected: str) -> None:
    assert tag(text) == expected


def test_existing_utm_is_left_alone() -> None:
    text = "https://x.com/a?utm_source=newsletter&b=1 and https://x.com/b?UTM_Campaign=z"
    assert tag(text) == text
    assert has_utm("https://x.com/?utm_term=a")
    assert not has_utm("https://x.com/#utm_source=a")


def test_values_are_encoded() -> None:
    out = add_utm("https://x.com", source="news letter", campaign="a&b", content="v1.")
    query = dict(parse_qsl(urlsplit(out).query))
    assert query == {
        "utm_source": "news letter",
        "utm_medium": "social",
        "utm_campaign": "a&b",
        "utm_content": "v1.",
    }
    assert extract_urls(out + ".") == [out]  # a trailing "." in a value stays in the link


def test_empty_value_rejected() -> None:
    with pytest.raises(ValueError, match="utm_content"):
        add_utm("https://x.com", source="x", campaign="c", content="")


def test_extract_urls() -> None:
    text = "Go to https://x.com/a_(b), or (http://y.org/c). Not ftp://z.com or xhttps://q.com"
    assert extract_urls(text) == ["https://x.com/a_(b)", "http://y.org/c"]
    assert extract_urls("https:// and https://.") == []
    assert extract_urls("HTTPS://X.COM/A!") == ["HTTPS://X.COM/A"]


hosts = st.text(alphabet="abcxyz", min_size=1, max_size=6).map(lambda h: f"{h}.com")
paths = st.text(alphabet="abc/_-~()=?&#%.", max_size=20)
urls = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https"]),
    hosts,
    paths,
)
filler = st.text(alphabet="ab .,;:!?()'\"\n日", max_size=6)
texts = st.lists(st.one_of(urls, filler), max_size=12).map("".join)
values = st.text(min_size=1, max_size=10)


# Generated cases in the inner loop (-m "not slow"); each property's `slow` twin runs its full
# count, which CI runs.
QUICK = 40


def idempotent_and_preserving(text: str, source: str, campaign: str, content: str) -> None:
    once = add_utm(text, source=source, campaign=campaign, content=content)
    assert add_utm(once, source="other", campaign="other", content="other") == once
    before, after = extract_urls(text), extract_urls(once)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        # A link whose edges tagging would move (glued to the next one, ending in "(#)") is
        # left exactly as written: never a broken or merged link.
        if has_utm(old) or not has_utm(new):
            assert new == old
        else:
            # Everything of the old URL is still there, in order, around the added query.
            base, _, fragment = old.partition("#")
            assert new.startswith(base) and new.endswith(fragment)
            query = dict(parse_qsl(new.partition("#")[0].partition("?")[2]))
            assert query["utm_source"] == source and query["utm_content"] == content


test_property_idempotent_and_preserving, test_property_idempotent_and_preserving_in_full = twins(
    idempotent_and_preserving, QUICK, 200, texts, values, values, values
)


# Issue 11 item 5: tagging must never move a link to another page.


def test_utm_keeps_a_non_ascii_path_whole() -> None:
    text = "Read https://en.wikipedia.org/wiki/Hatfield–McCoy_feud today"
    tagged = add_utm(text, source="x", campaign="c", content="d")
    assert "https://en.wikipedia.org/wiki/Hatfield–McCoy_feud?utm_source=x" in tagged
    assert tagged.endswith("&utm_content=d today")


def test_utm_tags_a_bare_domain_link() -> None:
    tagged = add_utm("Launch notes at example.com/launch.", source="x", campaign="c", content="d")
    assert tagged == (
        "Launch notes at example.com/launch?utm_source=x&utm_medium=social"
        "&utm_campaign=c&utm_content=d."
    )


def test_utm_leaves_things_that_are_not_links() -> None:
    text = "Files: release.tar.bz2, mail john.doe.gov@mail.com, ticker $TVI.CA"
    assert add_utm(text, source="x", campaign="c", content="d") == text


def test_utm_keeps_query_and_fragment_of_a_cjk_link() -> None:
    text = "詳細はhttps://example.com/a?b=1#top。"
    tagged = add_utm(text, source="x", campaign="c", content="d")
    assert tagged == (
        "詳細はhttps://example.com/a?b=1&utm_source=x&utm_medium=social"
        "&utm_campaign=c&utm_content=d#top。"
    )


# Links as people write them: word paths, an optional query and fragment, apart from the text.
word = st.text(alphabet="abz019_-", min_size=1, max_size=6)
plain_urls = st.builds(
    lambda scheme, host, path, query, fragment: (
        f"{scheme}://{host}/{'/'.join(path)}{query}{fragment}"
    ),
    st.sampled_from(["http", "https"]),
    hosts,
    st.lists(word, max_size=3),
    st.one_of(st.just(""), st.builds(lambda k, v: f"?{k}={v}", word, word)),
    st.one_of(st.just(""), word.map(lambda w: f"#{w}")),
)
spaced = st.lists(st.one_of(plain_urls, word), max_size=8).map(" ".join)


def every_link_is_tagged(text: str) -> None:
    once = add_utm(text, source="s", campaign="c", content="d")
    before, after = extract_urls(text), extract_urls(once)
    assert len(before) == len(after)
    for old, new in zip(before, after, strict=True):
        assert has_utm(new)
        # The tagged link is the old one with a query added: same page, same fragment.
        assert new.partition("?")[0] == old.partition("?")[0].partition("#")[0]
        assert new.partition("#")[2] == old.partition("#")[2]


(
    test_property_every_link_as_people_write_it_is_tagged,
    test_property_every_link_as_people_write_it_is_tagged_in_full,
) = twins(every_link_is_tagged, QUICK, 300, spaced)

"""Brand file parsing and the linter: findings with line references."""

from __future__ import annotations

import pytest

from mktdirector.agents.content.brand import Brand, has_errors, lint_draft, load_brand, parse_brand
from mktdirector.agents.ops.setup import BRAND_TEMPLATE
from mktdirector.core.errors import ConfigError


def brand(**kw) -> Brand:
    base = dict(
        avoid=["synergy", "game-changer"],
        hashtag_policy="few",
        hashtag_max=2,
        emoji_policy="sparingly",
        emoji_max=1,
    )
    base.update(kw)
    return Brand(**base)


def test_template_parses_and_hash_is_content_version(tmp_path):
    b = parse_brand(BRAND_TEMPLATE.encode())
    assert b.company == "Acme Analytics" and "synergy" in b.avoid and b.hashtag_max == 3
    assert b.examples and b.examples[0]["platform"] == "linkedin"
    assert parse_brand(BRAND_TEMPLATE.encode()).hash == b.hash
    assert parse_brand((BRAND_TEMPLATE + "\n# edited\n").encode()).hash != b.hash


def test_missing_brand_file_gives_neutral_rules(tmp_path):
    b = load_brand(tmp_path / "nope.toml")
    assert b.hash == "none" and b.avoid == []


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("company = ", "not valid TOML"),
        ('avoid = "x"\n[hashtags]\npolicy = "lots"', "hashtags.policy"),
        ("avoid = [1, 2]", "list of strings"),
        ("[emoji]\nmax = -1", "whole numbers"),
    ],
)
def test_bad_brand_files_are_refused_with_a_hint(text, fragment):
    with pytest.raises(ConfigError) as info:
        parse_brand(text.encode())
    assert fragment in info.value.message and info.value.hint == "mktd brand edit"


def test_banned_phrase_reported_with_line_and_column():
    found = lint_draft(
        ["Hello team.\nThis is a real Game-Changer for us."], "post", "linkedin", brand()
    )
    f = [x for x in found if x.rule == "banned-phrase"][0]
    assert f.severity == "error" and (f.line, f.column) == (2, 16)
    assert "Game-Changer" in f.message


def test_hashtag_and_emoji_limits():
    found = lint_draft(["Launch day 🚀🎉 #ai #ml #data"], "post", "linkedin", brand())
    rules = {(f.rule, f.severity) for f in found}
    assert ("hashtags", "error") in rules and ("emoji", "warning") in rules
    tag = [f for f in found if f.rule == "hashtags"][0]
    assert tag.column == len("Launch day 🚀🎉 #ai #ml ") + 1


def test_x_length_uses_weighted_count_per_segment():
    long_cjk = "日本語" * 50  # 150 chars, weighted 300
    found = lint_draft(["short 1/2", long_cjk + " 2/2"], "thread", "twitter", brand())
    lengths = [f for f in found if f.rule == "length"]
    assert len(lengths) == 1 and lengths[0].segment == 2 and "304/280" in lengths[0].message


def test_linkedin_length_limit():
    found = lint_draft(["a" * 3001], "post", "linkedin", brand())
    assert [f.rule for f in found] == ["length"] and has_errors(found)


def test_cta_required_warns_when_missing_and_not_when_present():
    b = brand(cta_required=True)
    assert any(f.rule == "cta" for f in lint_draft(["We did a thing."], "post", "linkedin", b))
    assert not any(
        f.rule == "cta"
        for f in lint_draft(["We did a thing. Sign up today"], "post", "linkedin", b)
    )
    assert not any(
        f.rule == "cta" for f in lint_draft(["What would you do?"], "post", "linkedin", b)
    )


def test_email_lint_checks_subject():
    found = lint_draft({"subject": "", "text": "hi"}, "email", "email", brand())
    assert any(f.rule == "subject" and f.severity == "error" for f in found)


def test_empty_draft_is_an_error():
    assert has_errors(lint_draft(["   "], "post", "linkedin", brand()))

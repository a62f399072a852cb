"""Platform facts (social or not, text format, limits, thread length, post URLs, report labels) are
read from the platform table, so a new spec row flows through agents and CLI without a branch."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from mktdirector.agents.analytics.report_format import channel_color, channel_label, fmt
from mktdirector.agents.content.agent import body_from_text, content_channels
from mktdirector.agents.content.brand import Brand, lint_draft
from mktdirector.agents.content.orchestrator import parse_channels
from mktdirector.agents.content.strategy import topics_schema
from mktdirector.agents.social.posting import check_platform
from mktdirector.agents.social.publisher import _url_for
from mktdirector.agents.social.publishing import check_publishable
from mktdirector.agents.social.targets import LinkedInTarget, XTarget, target_for
from mktdirector.cli import _draft_output
from mktdirector.cli.views.report_layout import legend
from mktdirector.core import platforms
from mktdirector.core.errors import UsageError
from mktdirector.core.platforms import (
    Capability,
    PlatformSpec,
    TextFormat,
    post_url,
    spoken_list,
    with_capability,
    with_post_metrics,
)

# A social network the code has never heard of: one commentary post of at most 500 characters.
MASTODON = PlatformSpec(
    "mastodon",
    "Mastodon",
    "oauth2",
    capabilities=frozenset({Capability.SOCIAL, Capability.ANALYTICS}),
    text_format=TextFormat.COMMENTARY,
    max_chars=500,
    post_url="https://mastodon.example/@me/{id}",
)


@pytest.fixture
def mastodon(monkeypatch: pytest.MonkeyPatch) -> PlatformSpec:
    monkeypatch.setitem(platforms.PLATFORMS, MASTODON.id, MASTODON)
    return MASTODON


# Today's table: the wording users see is the wording they saw when it was written out by hand.
def test_messages_built_from_the_table_read_as_before() -> None:
    assert with_capability(Capability.SOCIAL) == ["linkedin", "twitter"]
    assert with_post_metrics() == ["linkedin", "twitter"]
    with pytest.raises(UsageError) as e:
        check_platform("hubspot")
    assert e.value.message == "mktd social publishes to linkedin or twitter, not hubspot."
    assert e.value.hint == "mktd social linkedin --topic '...'"
    with pytest.raises(UsageError) as e:
        check_publishable({"id": "D1", "platform": "email"})
    assert e.value.message == "Draft D1 is for email, not a social network."
    assert content_channels() == ["linkedin", "twitter", "email"]
    assert parse_channels(None) == ["linkedin", "twitter"]
    assert topics_schema(3)["properties"]["topics"]["items"]["properties"]["suggested_platform"][
        "enum"
    ] == ["linkedin", "twitter", "email"]


def test_table_facts_give_todays_limits_urls_and_labels() -> None:
    assert _draft_output._length("twitter", "hello") == "5/280"
    assert _draft_output._length("linkedin", "a (b)") == "5/3000"
    assert _draft_output._length("email", "hello") == "5 chars"
    assert (
        _url_for("linkedin", "urn:li:share:1")
        == "https://www.linkedin.com/feed/update/urn:li:share:1/"
    )
    assert _url_for("twitter", "19") == "https://x.com/i/web/status/19"
    labels = [fmt("channel", c) for c in ("linkedin", "twitter", "email", "all")]
    assert labels == ["LinkedIn", "X", "Email", "All"]
    assert platforms.PLATFORMS["twitter"].default_thread_length == 5
    assert lint_draft(["x" * 281], "post", "twitter", Brand())[0].message == (
        "281/280 weighted characters (URLs count 23, emoji and CJK 2)"
    )
    assert (
        lint_draft(["x" * 3001], "post", "linkedin", Brand())[0].message == "3001/3000 characters"
    )


def test_analytics_fetch_names_the_platforms_with_post_metrics(cli: Any) -> None:
    r = cli("analytics", "fetch", "--platform", "hubspot")
    assert r.exit_code == 2
    assert "analytics fetch covers linkedin and twitter." in r.stderr
    assert "--platform twitter" in r.stderr


# A new row ------------------------------------------------------------------------------------
def test_a_new_social_spec_row_is_a_social_platform_everywhere(mastodon: PlatformSpec) -> None:
    assert with_capability(Capability.SOCIAL) == ["linkedin", "mastodon", "twitter"]
    assert check_platform("Mastodon") == "mastodon"
    check_publishable({"id": "D1", "platform": "mastodon"})
    assert with_post_metrics() == ["linkedin", "mastodon", "twitter"]
    assert content_channels() == ["linkedin", "mastodon", "twitter", "email"]
    assert parse_channels("mastodon,email") == ["mastodon", "email"]
    with pytest.raises(UsageError) as e:
        check_platform("sendgrid")
    assert (
        e.value.message == "mktd social publishes to linkedin, mastodon or twitter, not sendgrid."
    )


def test_a_new_rows_facts_drive_length_urls_and_report(mastodon: PlatformSpec) -> None:
    assert _draft_output._length("mastodon", "hello") == "5/500"
    findings = lint_draft(["y" * 501], "post", "mastodon", Brand())
    assert [(f.rule, f.message) for f in findings] == [("length", "501/500 characters")]
    assert body_from_text("mastodon", "one post") == ("post", ["one post"])
    assert (
        post_url("mastodon", "77")
        == _url_for("mastodon", "77")
        == "https://mastodon.example/@me/77"
    )
    # The report names it by its label and draws it without a colour or glyph of its own.
    assert channel_label("mastodon") == fmt("channel", "mastodon") == "Mastodon"
    assert channel_color("mastodon") == "#6b7280"
    glyphs = [text for text, _ in legend(["linkedin", "mastodon"])]
    assert glyphs[1:] == ["██", " LinkedIn   ", "▒▒", " Mastodon   "]


def test_a_thread_row_splits_user_text_like_x(monkeypatch: pytest.MonkeyPatch) -> None:
    threads = PlatformSpec(
        "threads",
        "Threads",
        "oauth2",
        capabilities=frozenset({Capability.SOCIAL}),
        text_format=TextFormat.THREAD,
        max_chars=280,
    )
    monkeypatch.setitem(platforms.PLATFORMS, threads.id, threads)
    kind, segments = body_from_text("threads", "first\n---\nsecond")
    assert kind == "thread" and len(segments) == 2
    assert with_post_metrics() == ["linkedin", "twitter"]  # it declares no analytics


@dataclass
class FakeSocialClient:
    """Implements SocialPublisher (structurally) for a platform named `name`."""

    name: str
    label: str = "Fake"

    def require_connection(self) -> Any:
        return None

    def create_post(self, text: str, /) -> Any:
        raise AssertionError("not sent in this test")

    def upload_image(self, image: Any, /) -> Any:
        raise AssertionError("not sent in this test")


def test_publish_target_is_chosen_per_platform_never_guessed(mastodon: PlatformSpec) -> None:
    # An adapter decides exactly-once rules (can the platform's posts be read back before a
    # resend?), so a new social row gets none by its text format alone: it is refused plainly.
    x_target = target_for(FakeSocialClient("twitter"))
    assert (
        isinstance(x_target, XTarget) and x_target.platform == "twitter" and x_target.can_read_back
    )
    li_target = target_for(FakeSocialClient("linkedin"))
    assert isinstance(li_target, LinkedInTarget) and not li_target.can_read_back
    with pytest.raises(UsageError) as e:
        target_for(FakeSocialClient("mastodon"))
    assert e.value.message == "Publishing to mastodon is not supported."


def test_publish_target_needs_the_capability_and_the_protocol(mastodon: PlatformSpec) -> None:
    @dataclass
    class NoUpload:
        name: str = "mastodon"
        label: str = "Mastodon"

        def require_connection(self) -> Any:
            return None

        def create_post(self, text: str, /) -> Any:
            return None

    for client in (FakeSocialClient("hubspot"), NoUpload()):
        with pytest.raises(UsageError) as e:
            target_for(client)
        assert e.value.message == f"Publishing to {client.name} is not supported."
        assert e.value.hint == "Use linkedin, mastodon or twitter"


def test_spoken_list() -> None:
    assert spoken_list(["a"]) == "a"
    assert spoken_list(["a", "b"], "and") == "a and b"
    assert spoken_list(["a", "b", "c"]) == "a, b or c"

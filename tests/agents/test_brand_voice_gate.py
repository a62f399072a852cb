"""Issue 11 item 6: text the LLM writes without the user's brand voice is never silent.

A fresh home has no brand.toml; `mktd init` writes a template for "Acme Analytics". Drafting from
either warns; publishing or scheduling it is refused in the flow (so the CLI, the MCP tools and the
web API all refuse) unless the request says `no_brand` - and the refusal writes and sends nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import respx

from mktdirector.agents.ops.setup import initialize
from mktdirector.agents.social import posting
from mktdirector.agents.social.posting import BrandVoiceNotSet, PostRequest
from mktdirector.core import paths
from mktdirector.wiring import Deps

from fakes import FakeLLM

LI = "http://li.test"
OWN_BRAND = 'company = "Northwind Bikes"\naudience = "commuters"\ntone = ["plain"]\n'


@pytest.fixture
def deps() -> Iterator[Deps]:
    d = Deps()
    d.set_llm(FakeLLM("Ride to work, arrive awake."))
    yield d
    d.close()


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[respx.Route]:
    monkeypatch.setenv("MKTD_LINKEDIN_BASE_URL", LI)
    monkeypatch.setenv("LINKEDIN_ACCESS_TOKEN", "li-token-0123456789")
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{LI}/v2/userinfo").mock(
            return_value=httpx.Response(200, json={"sub": "abc", "name": "Ann"})
        )
        yield router.post(f"{LI}/rest/posts").mock(
            return_value=httpx.Response(201, json={}, headers={"x-restli-id": "urn:li:share:7"})
        )


def topic(**kw: object) -> PostRequest:
    return PostRequest("linkedin", topic="bike commuting", **kw)  # type: ignore[arg-type]


def init_template(deps: Deps, home: Path) -> None:
    initialize(home, deps.store)


def test_a_fresh_home_drafts_with_a_loud_warning(deps):
    prepared = posting.prepare(deps, topic())
    assert prepared.brand_warning and "no brand.toml" in prepared.brand_warning


def test_the_init_template_is_not_a_brand_voice(deps, home):
    init_template(deps, home)
    prepared = posting.prepare(deps, topic())
    assert prepared.brand_warning and "Acme Analytics" in prepared.brand_warning


def test_a_filled_brand_gives_no_warning(deps, home):
    paths.ensure_dir(home)
    paths.brand_path(home).write_text(OWN_BRAND)
    assert posting.prepare(deps, topic()).brand_warning is None


def test_own_text_needs_no_voice(deps):
    prepared = posting.prepare(deps, PostRequest("linkedin", text="My own words"))
    assert prepared.brand_warning is None


@pytest.mark.parametrize("fresh", [True, False], ids=["no-brand-file", "init-template"])
def test_publishing_unbranded_text_is_refused_before_anything_is_written_or_sent(
    deps, home, linkedin, fresh
):
    if not fresh:
        init_template(deps, home)
    llm = deps.llm()
    with pytest.raises(BrandVoiceNotSet) as refused:
        posting.prepare(deps, topic(), publish=True)
    assert refused.value.exit_code == 3 and "--no-brand" in (refused.value.hint or "")
    assert deps.store.list_drafts() == [] and linkedin.call_count == 0
    assert llm.calls == []  # refused before paying for a generation


def test_scheduling_unbranded_text_is_refused_too(deps):
    when = posting.when_for(deps, "linkedin", "in 2h", publish=False)
    with pytest.raises(BrandVoiceNotSet):
        posting.prepare(deps, topic(), when=when)
    assert deps.store.list_drafts() == []


def test_a_dry_run_of_publishing_refuses_the_same_way(deps):
    with pytest.raises(BrandVoiceNotSet):
        posting.dry_run(deps, topic(), publish=True)


def test_no_brand_publishes_and_still_warns(deps, linkedin):
    prepared = posting.prepare(deps, topic(no_brand=True), publish=True)
    assert prepared.brand_warning
    ticket = posting.approve_for_publishing(deps, prepared, confirmed=True)
    assert posting.publish(deps, ticket, confirmed=True).status == "published"
    assert linkedin.call_count == 1


# the CLI renders the flow's rule: a loud warning, a one-line refusal, --no-brand ------------------


def test_cli_topic_publish_yes_on_a_fresh_home_is_refused_with_a_hint(cli, linkedin, monkeypatch):
    monkeypatch.setattr(Deps, "llm", lambda self: FakeLLM("Text."))
    r = cli("social", "linkedin", "--topic", "AI ROI", "--publish", "--yes")
    assert r.exit_code == 3 and "Traceback" not in r.stderr
    assert "brand" in r.stderr and "--no-brand" in r.stderr
    assert linkedin.call_count == 0


def test_cli_no_brand_yes_publishes_with_the_warning_on_stderr(cli, linkedin, monkeypatch):
    monkeypatch.setattr(Deps, "llm", lambda self: FakeLLM("Text."))
    r = cli("social", "linkedin", "--topic", "AI ROI", "--publish", "--yes", "--no-brand", "--json")
    assert r.exit_code == 0, r.stderr
    assert "WARNING: No brand voice" in r.stderr and linkedin.call_count == 1


def test_cli_drafting_without_a_brand_warns(cli, monkeypatch):
    monkeypatch.setattr(Deps, "llm", lambda self: FakeLLM("Text."))
    r = cli("social", "linkedin", "--topic", "AI ROI")
    assert r.exit_code == 0, r.stderr
    assert "WARNING: No brand voice" in r.stderr and "mktd brand edit" in r.stderr


def test_re_running_the_topic_with_publish_does_not_slip_the_unbranded_draft_through(
    deps, linkedin
):
    drafted = posting.prepare(deps, topic())  # warned, saved as a draft
    with pytest.raises(BrandVoiceNotSet):
        posting.prepare(deps, topic(), publish=True)  # the same request: it would resume it
    assert linkedin.call_count == 0
    assert deps.store.get_draft(drafted.view.id)["status"] == "draft"

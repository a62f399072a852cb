"""`AnalyticsAgent().generate_performance_report`: the CLI's figures, plus an LLM summary."""

from __future__ import annotations

import json

import pytest
from report_fixture import TIMEFRAME, seed

from mktdirector.api import AnalyticsAgent
from mktdirector.llm import NoLLMError

from fakes import FakeLLM


@pytest.fixture
def seeded(cli, store):  # type: ignore[no-untyped-def]
    cli("init")
    seed(store)
    store.close()


def _figures(d: dict) -> dict:  # type: ignore[type-arg]
    return {k: v for k, v in d.items() if k not in ("generated_utc", "summary")}


def test_same_figures_as_the_cli_and_no_summary_without_an_llm(seeded, cli) -> None:  # type: ignore[no-untyped-def]
    api = AnalyticsAgent().generate_performance_report(
        timeframe=TIMEFRAME, channels=["linkedin", "twitter"], metrics=["engagement", "leads"]
    )
    out = cli(
        "report", "-t", TIMEFRAME, "-c", "linkedin,twitter", "-m", "engagement,leads", "--json"
    )
    assert _figures(api) == _figures(json.loads(out.stdout))
    assert api["summary"] is None
    assert api["totals"]["engagements"] == 121 and api["totals"]["leads"] == 4
    with pytest.raises(NoLLMError):
        AnalyticsAgent().generate_performance_report(timeframe=TIMEFRAME, summary=True)


def test_with_an_llm_a_written_summary_is_added(seeded) -> None:  # type: ignore[no-untyped-def]
    llm = FakeLLM("X threads drove 91 engagements. Recommendation: post two threads a week.")
    report = AnalyticsAgent(llm=llm).generate_performance_report(timeframe=TIMEFRAME)
    assert report["summary"].startswith("X threads drove 91 engagements")
    prompt = llm.calls[0]["prompt"]
    assert TIMEFRAME in prompt and '"engagements": 136' in prompt  # the report's own figures

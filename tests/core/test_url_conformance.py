"""mktd finds links exactly where X does: twitter-text's own conformance cases (issue 11 item 5).

One link finder serves X's weighted length, UTM tagging and LinkedIn escaping, so a link X shows
is a link mktd tags, counts as 23 and leaves unescaped — and nothing else is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mktdirector.core.urls import extract_urls, url_spans

SPEC = Path(__file__).parents[1] / "contracts" / "specs" / "twitter-text-extract.yml"
CASES: dict[str, list[dict[str, Any]]] = yaml.safe_load(SPEC.read_text(encoding="utf-8"))["tests"]


def _id(case: dict[str, Any]) -> str:
    return str(case["description"])[:60]


@pytest.mark.parametrize("case", CASES["urls"], ids=_id)
def test_urls(case: dict[str, Any]) -> None:
    assert extract_urls(case["text"]) == case["expected"]


@pytest.mark.parametrize("case", CASES["urls_with_indices"], ids=_id)
def test_urls_with_indices(case: dict[str, Any]) -> None:
    expected = [tuple(e["indices"]) for e in case["expected"]]
    assert url_spans(case["text"]) == expected


@pytest.mark.parametrize("case", CASES["urls_with_directional_markers"], ids=_id)
def test_urls_with_directional_markers(case: dict[str, Any]) -> None:
    expected = [tuple(e["indices"]) for e in case["expected"]]
    assert url_spans(case["text"]) == expected


def test_the_suite_is_whole() -> None:
    # A truncated copy would pass vacuously.
    assert len(CASES["urls"]) == 91
    assert len(CASES["urls_with_indices"]) == 10

"""A property as two tests: a few generated cases in the inner loop (-m "not slow") and its full
count as a `slow` twin, which CI runs. `twins(check, quick, full, *strategies, **named)` gives
both (assign them to `test_…` and `test_…_in_full`); `examples` (keyword arguments of `check`)
run in the quick one, before its generated cases."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis.strategies import SearchStrategy


def twins(
    check: Callable[..., None],
    quick: int,
    full: int,
    *strategies: SearchStrategy[Any],
    examples: Sequence[Mapping[str, Any]] = (),
    **named: SearchStrategy[Any],
) -> tuple[Callable[..., None], Callable[..., None]]:
    def property_test(cases: int, explicit: Sequence[Mapping[str, Any]]) -> Callable[..., None]:
        test = given(*strategies, **named)(check)
        for case in reversed(explicit):
            test = example(**case)(test)
        return settings(max_examples=cases, deadline=None)(test)

    return property_test(quick, examples), pytest.mark.slow(property_test(full, ()))

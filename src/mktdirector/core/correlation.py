"""Which piece of work an HTTP call belongs to: a draft, a job or a whole command run.

The choke point writes the current id on every audit row, so `mktd logs --draft ID` can list
every call one publish made (media uploads, each thread segment, read-backs, token refreshes).
A flow sets it with `correlated(...)` or the `correlated_by(...)` decorator; the innermost one
wins, so a worker's job id gives way to the draft id while that job publishes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")

_current: ContextVar[str | None] = ContextVar("mktd_correlation_id", default=None)


def current_correlation() -> str | None:
    """The id of the work the running code does, or None outside any flow."""
    return _current.get()


@contextlib.contextmanager
def correlated(correlation_id: str | None) -> Iterator[None]:
    """Tie every call made inside the block to `correlation_id` (None keeps the outer id)."""
    if correlation_id is None:
        yield
        return
    token = _current.set(correlation_id)
    try:
        yield
    finally:
        _current.reset(token)


def correlated_by(key: Callable[P, str | None]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Decorate a flow so its calls carry `key(*args, **kwargs)`, e.g. the draft id argument."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            with correlated(key(*args, **kwargs)):
                return fn(*args, **kwargs)

        return wrapper

    return decorate

"""Which piece of work an HTTP call belongs to: a draft, a job or a whole command run.

The choke point writes the current id on every audit row, so `mktd logs --draft ID` can list
every call one publish made (media uploads, each thread segment, read-backs, token refreshes).
A flow sets it with `correlated(...)` or the `correlated_by(...)` decorator; the innermost one
wins, so a worker's job id gives way to the draft id while that job publishes.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from typing import Any, TypeVar, cast

F = TypeVar("F", bound=Callable[..., Any])

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


def correlated_by(argument: str, field: str | None = None) -> Callable[[F], F]:
    """Decorate a flow so its calls carry one of its arguments (or that argument's `field`).

    `@correlated_by("draft_id")` on `publish(self, draft_id)`; `@correlated_by("job", "id")`
    on `run_job(self, job)` where the job is a row.
    """

    def decorate(fn: F) -> F:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            value = signature.bind(*args, **kwargs).arguments.get(argument)
            if field is not None and isinstance(value, Mapping):
                value = value.get(field)
            with correlated(str(value) if value is not None else None):
                return fn(*args, **kwargs)

        return cast(F, wrapper)

    return decorate

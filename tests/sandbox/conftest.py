"""The sandbox, started on a free port for one test, with mktd's environment pointed at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from mktdirector.sandbox import Sandbox
from mktdirector.wiring import Deps


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env().items():
            monkeypatch.setenv(k, v)
        yield s


@pytest.fixture
def make_deps() -> Iterator[Callable[..., Deps]]:
    """`Deps(overrides=...)`, closed after the test: their clients keep sockets to the sandbox."""
    made: list[Deps] = []

    def make(**overrides: Any) -> Deps:
        made.append(Deps(overrides=overrides))
        return made[-1]

    yield make
    for deps in made:
        deps.close()

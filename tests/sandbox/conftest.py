"""The sandbox, started on a free port for one test, with mktd's environment pointed at it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from mktdirector.sandbox import Sandbox


@pytest.fixture
def sb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sandbox]:
    with Sandbox(port=0, state_dir=tmp_path / "sbx") as s:
        for k, v in s.env().items():
            monkeypatch.setenv(k, v)
        yield s

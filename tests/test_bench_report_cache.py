"""benchmarks/report_cli.py builds its 1M-snapshot database once and reuses it from the temp dir.
The cache is named by everything the file depends on: its size, the page size new files get
(MKTD_SQLITE_PAGE_SIZE), the schema's latest migration and the generator's rows, so a stale file
is never timed."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from mktdirector.store.sqlite.db import PAGE_SIZE_ENV
from mktdirector.store.sqlite.migrations import migrations


def report_cli(monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.syspath_prepend(str(Path(__file__).parents[1] / "benchmarks"))
    import report_cli

    return report_cli


def test_the_cache_is_named_by_size_page_size_migration_and_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bench = report_cli(monkeypatch)
    first = bench.cache_dir(1_000_000, 20)
    assert first == bench.cache_dir(1_000_000, 20)  # reused while nothing changes
    assert first.name.startswith("mktd-report-cli-1000000-20-")
    others = {bench.cache_dir(1_000_000, 10), bench.cache_dir(500_000, 20)}
    monkeypatch.setenv(PAGE_SIZE_ENV, "4096")
    others.add(bench.cache_dir(1_000_000, 20))
    monkeypatch.delenv(PAGE_SIZE_ENV)
    newer = [*migrations._migrations, SimpleNamespace(name="m999_a_later_migration")]
    monkeypatch.setattr(migrations, "_migrations", newer)
    others.add(bench.cache_dir(1_000_000, 20))
    monkeypatch.setattr(migrations, "_migrations", migrations._migrations[:-1])
    monkeypatch.setattr(bench.report_scale, "ROWS", "rows-wider")  # the generator changed
    others.add(bench.cache_dir(1_000_000, 20))
    assert first not in others and len(others) == 5

"""How `mktd test-integration(s)` shows a check, a dry run of one, or all of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mktdirector.cli import _output


def dry_run(result: dict[str, Any], json_out: bool) -> None:
    _output.emit_json(result) if json_out else _output.check_dry_run(result)


def checked(result: dict[str, Any], json_out: bool) -> None:
    _output.emit_json(result) if json_out else _output.check_result(result)


def checked_all(results: Sequence[dict[str, Any]], json_out: bool) -> None:
    """One JSON list, or one block per platform."""
    if json_out:
        return _output.emit_json(results)
    for r in results:
        # Two accounts of one platform are two lines: name the account on each.
        named = f"{r['platform']} ({r['account']})" if r.get("account") else r["platform"]
        _output.check_result({**r, "platform": named})

"""agents/social/assistant.py without a front end: whose approval stands, and autonomy's parsing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from mktdirector.agents.social import assistant
from mktdirector.core.errors import ConfigError
from mktdirector.wiring import Deps


def row(status: str, approved: str | None, content: str = "h1") -> Any:
    return {"id": "D1", "status": status, "approved_hash": approved, "content_hash": content}


@pytest.mark.parametrize(
    ("status", "approved", "content", "stands"),
    [
        ("approved", "h1", "h1", True),
        ("scheduled", "h1", "h1", True),
        ("failed", "h1", "h1", True),  # a failed publish keeps the person's approval
        ("approved", "h0", "h1", False),  # the text changed since
        ("draft", None, "h1", False),
        ("needs-check", "h1", "h1", False),  # a person must look first
        ("rejected", "h1", "h1", False),
    ],
)
def test_a_human_approval_stands_only_for_the_current_text(
    status: str, approved: str | None, content: str, stands: bool
) -> None:
    assert assistant.human_approved(row(status, approved, content)) is stands


@pytest.mark.parametrize(
    ("toml", "env", "expected"),
    [
        (None, None, []),
        ('[mcp]\nautonomy = ["x", "linkedin"]\n', None, ["twitter", "linkedin"]),
        ('[mcp]\nautonomy = "twitter"\n', None, ["twitter"]),
        (None, "x, linkedin", ["twitter", "linkedin"]),
    ],
)
def test_autonomy_reads_a_toml_list_a_string_or_the_environment(
    home: Path, monkeypatch: pytest.MonkeyPatch, toml: str | None, env: str | None,
    expected: list[str],
) -> None:  # fmt: skip
    if toml is not None:
        home.mkdir()
        (home / "config.toml").write_text(toml)
    if env is not None:
        monkeypatch.setenv("MKTD_MCP_AUTONOMY", env)
    d = Deps()
    try:
        assert assistant.autonomous_platforms(d) == expected
    finally:
        d.close()


def test_autonomy_for_a_platform_that_does_not_post_is_a_config_error(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text('[mcp]\nautonomy = ["hubspot"]\n')
    d = Deps()
    try:
        with pytest.raises(ConfigError, match="Invalid value for mcp.autonomy: expected one of"):
            assistant.autonomous_platforms(d)
    finally:
        d.close()

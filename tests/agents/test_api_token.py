"""The API token shared by `mktd serve` and `mktd mcp --http`."""

from __future__ import annotations

import pytest

from mktdirector.agents.ops.api_token import (
    SECRET_NAME,
    WeakTokenError,
    api_token,
    bearer_token,
    token_matches,
)


class MemoryBackend:
    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.writes = 0

    def get(self, user: str) -> str | None:
        return self.values.get(user)

    def set(self, user: str, value: str) -> None:
        self.writes += 1
        self.values[user] = value

    def delete(self, user: str) -> None:
        self.values.pop(user, None)


def test_generated_once_and_kept() -> None:
    backend = MemoryBackend()
    first = api_token(backend, environ={})
    second = api_token(backend, environ={})
    assert first == second == backend.values[SECRET_NAME]
    assert len(first) >= 32
    assert backend.writes == 1


def test_environment_wins_and_nothing_is_stored() -> None:
    backend = MemoryBackend()
    token = "x" * 40
    assert api_token(backend, environ={"MKTD_API_TOKEN": token}) == token
    assert backend.writes == 0


def test_short_environment_token_refused() -> None:
    with pytest.raises(WeakTokenError, match="MKTD_API_TOKEN"):
        api_token(MemoryBackend(), environ={"MKTD_API_TOKEN": "abc"})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Bearer abc", "abc"),
        ("bearer  abc ", "abc"),
        ("Basic abc", None),
        ("Bearer ", None),
        ("", None),
        (None, None),
    ],
)
def test_bearer_header(header: str | None, expected: str | None) -> None:
    assert bearer_token(header) == expected


def test_token_matches() -> None:
    assert token_matches("s3cret-s3cret-s3cret", "s3cret-s3cret-s3cret")
    assert not token_matches("s3cret-s3cret-s3creX", "s3cret-s3cret-s3cret")
    assert not token_matches(None, "s3cret-s3cret-s3cret")
    assert not token_matches("", "s3cret-s3cret-s3cret")

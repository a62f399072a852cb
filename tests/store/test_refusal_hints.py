"""The store refuses by kind; the CLI words the hint (agents/hints.py) exactly as before."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from mktdirector.agents.hints import NOT_FOUND, REFUSED, add_hint
from mktdirector.core.errors import UsageError
from mktdirector.store.errors import RecordNotFoundError, Refusal, StateRefusedError


def test_every_refusal_has_a_cli_hint_naming_the_record() -> None:
    assert set(REFUSED) == set(Refusal)
    for reason in Refusal:
        err = add_hint(StateRefusedError("refused", entity="draft", ref="01ABC", reason=reason))
        assert err.hint and "mktd" in err.hint
        assert "{ref}" not in err.hint


@pytest.mark.parametrize(
    ("entity", "hint"),
    [
        ("draft", "mktd drafts list shows the ids"),
        ("plan", "mktd plan --list shows the plans"),
        ("job", "mktd queue list"),
        ("email", "mktd email list shows the ids"),
    ],
)
def test_a_missing_record_gets_the_command_that_lists_its_kind(entity: str, hint: str) -> None:
    err = add_hint(RecordNotFoundError(entity, "X1"))
    assert (err.message, err.hint) == (f"No {entity} 'X1'.", hint)
    assert set(NOT_FOUND) == {"draft", "plan", "job", "email"}


def test_a_hint_already_given_and_other_errors_are_left_alone() -> None:
    given = add_hint(UsageError("bad", hint="mktd social --help"))
    assert given.hint == "mktd social --help"
    assert add_hint(UsageError("no hint")).hint is None
    err = StateRefusedError("x", entity="draft", ref="D", reason=Refusal.NOT_APPROVED)
    err.hint = "Python: approve it first"
    assert add_hint(err).hint == "Python: approve it first"


def test_the_cli_prints_the_hint_of_a_missing_draft(cli: Callable[..., Any]) -> None:
    assert cli("init").exit_code == 0
    result = cli("drafts", "show", "NOPE")
    assert result.exit_code == 2
    assert "No draft 'NOPE'." in result.stderr
    assert "Hint: mktd drafts list shows the ids" in result.stderr
    result = cli("drafts", "show", "NOPE", "--json")
    assert json.loads(result.stderr.strip().splitlines()[-1]) == {
        "error": "usage",
        "message": "No draft 'NOPE'.",
        "hint": "mktd drafts list shows the ids",
    }

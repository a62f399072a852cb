"""Issue 11 rough edge: the `--no-browser` paste flow says what went wrong in the user's terms:
pasted garbage is "not the address", not "state does not match"; Ctrl-D is not "Aborted!"."""

from __future__ import annotations

from typing import Any

import pytest
from test_auth_cli import fake, mktd_app  # noqa: F401 (fixture)
from typer.testing import CliRunner

from mktdirector.integrations.oauth.loopback import CallbackResult, check_state


def paste(text: str) -> Any:
    return CliRunner().invoke(
        mktd_app(), ["authorize", "twitter", "--no-browser"], input=text, color=False
    )


@pytest.mark.parametrize("garbage", ["hello", "yes please", "https://example.com/", "abc=1"])
def test_pasted_garbage_is_not_called_a_state_mismatch(fake, garbage):  # noqa: F811
    r = paste(garbage + "\n")
    assert r.exit_code != 0 and "Traceback" not in r.output
    assert "not the address the browser was sent back to" in r.stderr
    assert "state does not match" not in r.stderr and "address bar" in r.stderr


def test_end_of_input_is_a_clear_message_not_aborted(fake):  # noqa: F811
    r = paste("")  # Ctrl-D: the input ends before anything was pasted
    assert r.exit_code == 1
    assert "Aborted!" not in r.output + r.stderr
    assert "Nothing was pasted: not authorized." in r.stderr


def test_a_real_mismatch_is_still_refused_as_one():
    with pytest.raises(Exception, match="state does not match"):
        check_state(CallbackResult("code-1", "other-state", None, None), "mine", "twitter")
